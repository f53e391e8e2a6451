/* The tablet's visit page (issue 5): the in-page confirmations are <details> elements that work
   without JavaScript; this only shows their "Not yet" button and makes it close the confirmation,
   and keeps one confirmation open at a time. */
(function () {
  "use strict";
  var confirms = document.querySelectorAll("details.tablet-confirm");
  confirms.forEach(function (details) {
    var close = details.querySelector("[data-close-details]");
    if (close) {
      close.hidden = false;
      close.addEventListener("click", function () {
        details.open = false;
        var summary = details.querySelector("summary");
        if (summary) summary.focus();
      });
    }
    details.addEventListener("toggle", function () {
      if (!details.open) return;
      confirms.forEach(function (other) {
        if (other !== details) other.open = false;
      });
    });
  });
})();
