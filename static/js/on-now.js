/*
 * Mark the session that is on now, during the event.
 *
 * Which session is live depends on the moment the page is read, not on when it was rendered (pages
 * are cached), so the browser decides it from each session's data-start and data-end (UTC) and
 * checks again every 30 seconds. Before and after the event nothing is marked.
 */
(function () {
  "use strict";

  var sessions = Array.prototype.slice.call(document.querySelectorAll(".schedule > li[data-start][data-end]"));
  var status = document.querySelector("[data-now-status]");
  if (!sessions.length) {
    return;
  }

  function update() {
    var now = Date.now();
    var live = [];
    sessions.forEach(function (session) {
      var on = Date.parse(session.getAttribute("data-start")) <= now && now < Date.parse(session.getAttribute("data-end"));
      session.classList.toggle("is-now", on);
      if (on) {
        session.setAttribute("aria-current", "time");
        live.push(session);
      } else {
        session.removeAttribute("aria-current");
      }
      var badge = session.querySelector("[data-now-badge]");
      if (badge) {
        badge.hidden = !on;
      }
    });
    if (!status) {
      return;
    }
    status.textContent = "";
    status.hidden = live.length === 0;
    if (live.length) {
      var label = document.createElement("strong");
      label.textContent = "On now: ";
      status.appendChild(label);
      live.forEach(function (session, index) {
        if (index > 0) {
          status.appendChild(document.createTextNode(", "));
        }
        var link = document.createElement("a");
        link.href = "#" + session.id;
        link.textContent = session.getAttribute("data-title");
        status.appendChild(link);
      });
    }
  }

  update();
  window.setInterval(update, 30000);
})();
