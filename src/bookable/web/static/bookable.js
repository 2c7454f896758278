/* Enhancements only: every page works without this file (and without htmx).
   - After a form has been answered without a page load (htmx), the keyboard focus moves to the
     answer's message, so that it is read out and the next Tab goes on from there.
   - The timetable's free places are brought up to date every 30 seconds while the page is visible
     and the visitor is not in the middle of it (focus inside); a checkbox stops it (WCAG 2.2.2). */
(function () {
  "use strict";
  var EVERY_MS = 30000;

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail && event.detail.requestConfig && event.detail.requestConfig.verb === "get") {
      return;
    }
    var message = document.querySelector("#main .message");
    if (message) {
      message.setAttribute("tabindex", "-1");
      message.focus();
    }
  });

  function refresh() {
    var table = document.getElementById("timetable");
    var live = document.getElementById("live-places");
    if (!table || !live || !live.checked || document.hidden || !window.htmx) {
      return;
    }
    if (table.contains(document.activeElement)) {
      return;
    }
    window.htmx.ajax("GET", table.getAttribute("data-refresh"),
                     {target: "#timetable", select: "#timetable", swap: "outerHTML"});
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("live-places");
    if (live) {
      live.closest(".live").hidden = false;
      window.setInterval(refresh, EVERY_MS);
    }
  });
})();
