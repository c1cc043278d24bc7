/*
 * Count down to the submission deadline on the call for participation.
 *
 * The page states the deadline in words (readable without JavaScript); this adds "Time left to
 * submit: 3 days, 4 hours, 12 minutes". A visitor's clock can be wrong, so the server's time at
 * rendering is embedded (data-server-now). The page may come from the cache up to data-max-age
 * seconds later, so a correct clock reads between that time and data-max-age (plus a minute of
 * slack) after it. Inside that window the visitor's clock is used; outside it the clock is wrong
 * and the countdown runs from the server's time instead.
 */
(function () {
  "use strict";

  var element = document.querySelector("[data-countdown]");
  if (!element) {
    return;
  }
  // The instant the server computed (program/deadlines.py): the deadline's own second still counts.
  var closesAt = Date.parse(element.getAttribute("data-closes-at"));
  var serverNow = Date.parse(element.getAttribute("data-server-now"));
  var maxAge = (parseInt(element.getAttribute("data-max-age"), 10) || 0) * 1000;
  if (isNaN(closesAt) || isNaN(serverNow)) {
    return;
  }
  var slack = 60 * 1000;
  var loadedAt = Date.now();
  var loadedTick = window.performance ? performance.now() : 0;
  var clockIsRight = loadedAt >= serverNow - slack && loadedAt <= serverNow + maxAge + slack;

  function now() {
    if (clockIsRight || !window.performance) {
      return Date.now();
    }
    return serverNow + (performance.now() - loadedTick);
  }

  function count(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  var timer = null;

  function render() {
    var left = closesAt - now();
    if (left <= 0) {
      element.textContent = "The submission deadline has passed.";
      element.classList.add("is-closed");
      if (timer !== null) {
        window.clearInterval(timer);
      }
      return;
    }
    var seconds = Math.floor(left / 1000);
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var parts = [];
    if (days) {
      parts.push(count(days, "day"));
    }
    if (days || hours) {
      parts.push(count(hours, "hour"));
    }
    parts.push(count(minutes, "minute"));
    if (!days) {
      parts.push(count(seconds % 60, "second"));
    }
    element.textContent = "Time left to submit: " + parts.join(", ");
  }

  element.hidden = false;
  render();
  timer = window.setInterval(render, 1000);
})();
