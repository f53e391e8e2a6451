/* The tablet's visit page (issue 5): the in-page confirmations are <details> elements that work
   without JavaScript; this only shows their "Not yet" button and makes it close the confirmation,
   and keeps one confirmation open at a time. It also shows the "running late?" reminder at its
   time (issue 13). */
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
      // On a phone the confirmation can open below the fold, under the urgent bar: bring it up.
      var body = details.querySelector(".tablet-confirm-body");
      if (body && body.scrollIntoView) body.scrollIntoView({ block: "center", behavior: "smooth" });
      confirms.forEach(function (other) {
        if (other !== details) other.open = false;
      });
    });
  });

  // hc19, remind and extend: show the reminder from its time, on the page's clock. The card opens
  // above the steps and pushes them down, so never while a finger is on the screen or has just
  // left it (issue 16: a tap must land where it was aimed): it waits for a quiet moment.
  var reminders = document.querySelectorAll("[data-show-at]");
  var pressing = false;
  var lastTouch = 0;
  var QUIET_MS = 1500;
  function reveal() {
    if (pressing || Date.now() - lastTouch < QUIET_MS) return;
    reminders.forEach(function (el) {
      var at = Date.parse(el.dataset.showAt || "");
      if (el.hidden && at && Date.now() >= at) el.hidden = false;
    });
  }
  if (reminders.length) {
    document.addEventListener("pointerdown", function () {
      pressing = true;
      lastTouch = Date.now();
    }, true);
    ["pointerup", "pointercancel"].forEach(function (kind) {
      document.addEventListener(kind, function () {
        pressing = false;
        lastTouch = Date.now();
      }, true);
    });
    reveal();
    setInterval(reveal, 2000);
  }
})();
