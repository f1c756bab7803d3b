// Places the week view's events at their time. The page gives each event
// its place (data-top, data-height: percentages of the hours the day
// shows), each hour label its line (data-top) and each day its height
// (data-day-height, in rem); the site's Content-Security-Policy forbids
// style attributes, so they are set here, through the CSSOM. The style
// sheet draws the hour grid once the week has the class week-placed; without
// script each day lists its events in order.
(function () {
  "use strict";
  var week = document.querySelector("[data-week]");
  if (!week) {
    return;
  }
  week.querySelectorAll("[data-top]").forEach(function (el) {
    el.style.setProperty("--top", el.getAttribute("data-top") + "%");
    if (el.hasAttribute("data-height")) {
      el.style.setProperty("--height", el.getAttribute("data-height") + "%");
    }
  });
  week.querySelectorAll("[data-day-height]").forEach(function (el) {
    el.style.setProperty("--day-height", el.getAttribute("data-day-height") + "rem");
  });
  week.classList.add("week-placed");
})();
