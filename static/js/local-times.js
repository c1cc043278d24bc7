/*
 * Show each program time also in the visitor's own time zone.
 *
 * The server prints every time in the event's zone ("12:00pm – 12:15pm EDT"), which is complete
 * without JavaScript. Only the browser knows the visitor's zone, so this file adds a second line
 * ("Your time: 18:00 – 18:15 CEST") next to each range, from the UTC instants in data-start and
 * data-end. Nothing is shown when the visitor is in the event's zone already.
 */
(function () {
  "use strict";

  var schedule = document.querySelector("[data-event-zone]");
  if (!schedule || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var eventZone = schedule.getAttribute("data-event-zone");
  var visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!visitorZone || visitorZone === eventZone) {
    return;
  }

  var clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
  var clockWithDay = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "numeric", minute: "2-digit" });
  var zoneNamer = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" });

  function calendarDay(zone, date) {
    return new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit"
    }).format(date);
  }

  function zoneName(date) {
    var parts = zoneNamer.formatToParts(date);
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].type === "timeZoneName") {
        return parts[i].value;
      }
    }
    return visitorZone;
  }

  document.querySelectorAll("[data-local-time]").forEach(function (element) {
    var start = new Date(element.getAttribute("data-start"));
    var end = new Date(element.getAttribute("data-end"));
    if (isNaN(start.getTime()) || isNaN(end.getTime())) {
      return;
    }
    // Name the weekday when the session falls on another calendar day for the visitor.
    var otherDay = calendarDay(eventZone, start) !== calendarDay(visitorZone, start);
    var first = (otherDay ? clockWithDay : clock).format(start);
    element.textContent = "Your time: " + first + " – " + clock.format(end) + " " + zoneName(start);
    element.hidden = false;
  });

  var note = document.querySelector("[data-local-zone-note]");
  if (note) {
    note.textContent = "Each time is also shown in your own time zone (" + visitorZone + ").";
    note.hidden = false;
  }
})();
