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

  // hc19, remind and extend: show the reminder from its time, on the page's clock.
  var reminders = document.querySelectorAll("[data-show-at]");
  function reveal() {
    reminders.forEach(function (el) {
      var at = Date.parse(el.dataset.showAt || "");
      if (el.hidden && at && Date.now() >= at) el.hidden = false;
    });
  }
  if (reminders.length) {
    reveal();
    setInterval(reveal, 15000);
  }
})();
