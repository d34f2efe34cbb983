// Times in the reader's own time zone. The server writes each <time data-local-time> in the
// organisation's zone (what a page without script keeps); here it is rewritten in the zone the
// browser runs in, in the same words: "2 December 2026, 14:05 EST".
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) { return; }
  var words = new Intl.DateTimeFormat("en-GB", {
    day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23"
  });
  var zoneName = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" });

  function part(parts, type) {
    for (var i = 0; i < parts.length; i += 1) {
      if (parts[i].type === type) { return parts[i].value; }
    }
    return "";
  }

  function rewrite(element) {
    var when = new Date(element.getAttribute("datetime"));
    if (isNaN(when.getTime())) { return; }
    var parts = words.formatToParts(when);
    element.textContent = part(parts, "day") + " " + part(parts, "month") + " " + part(parts, "year") +
      ", " + part(parts, "hour") + ":" + part(parts, "minute") + " " +
      part(zoneName.formatToParts(when), "timeZoneName");
    element.setAttribute("data-zone", "browser");
  }

  Array.prototype.forEach.call(document.querySelectorAll("time[data-local-time]"), rewrite);
})();
