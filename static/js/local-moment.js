/*
 * Show a single instant (a deadline) also in the visitor's own time zone.
 *
 * The server states each deadline in its announced zone ("May 7, 2020, 23:59:59 AoE (UTC−12)"),
 * complete without JavaScript. This fills each empty [data-local-moment] element, whose
 * data-moment holds the UTC instant, with "Your time: Fri, May 8, 2020, 13:59:59 CEST".
 */
(function () {
  "use strict";

  if (!window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var format = new Intl.DateTimeFormat(undefined, {
    weekday: "short", year: "numeric", month: "short", day: "numeric",
    hour: "numeric", minute: "2-digit", second: "2-digit", timeZoneName: "short"
  });
  document.querySelectorAll("[data-local-moment]").forEach(function (element) {
    var moment = new Date(element.getAttribute("data-moment"));
    if (isNaN(moment.getTime())) {
      return;
    }
    element.textContent = "Your time: " + format.format(moment);
    element.hidden = false;
  });
})();
