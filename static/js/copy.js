// Copy buttons (the CPOMS summary, hc24): <button data-copy-target="<id of a textarea>"
// data-copy-status="<id of a live region>" data-copied="..." data-selected="...">.
// The clipboard API needs a secure page and the person's consent; where it is missing or
// refused, the text is selected so that Ctrl+C (or the tablet's Copy) does the rest.
(function () {
  "use strict";

  function say(button, text) {
    var region = document.getElementById(button.dataset.copyStatus || "");
    if (region) {
      region.textContent = text;
    }
  }

  function selectAll(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
  }

  function fallback(button, field) {
    selectAll(field);
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
    say(button, copied ? button.dataset.copied || "Copied." : button.dataset.selected || "Selected: press Ctrl+C to copy.");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var field = document.getElementById(button.dataset.copyTarget);
    if (!field) {
      return;
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () {
          selectAll(field);
          say(button, button.dataset.copied || "Copied.");
        },
        function () {
          fallback(button, field);
        }
      );
    } else {
      fallback(button, field);
    }
  });
})();
