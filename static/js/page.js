/* Behaviour every page may use, wired by data- attributes (issue 14): the Content-Security-Policy
 * runs no inline script or on...= handler, so the templates name what they want here instead.
 * - <form data-confirm="Question?">: asks first; "Cancel" leaves the page as it was.
 * - <select data-autosubmit>: choosing an option sends its form (the school pickers).
 * - <input data-select-on-focus>: the whole value is selected when the field gets the focus.
 * - <button data-print>: opens the browser's print dialog.
 * - <form data-busy="id id">: once it is really sent, its submit buttons are disabled and the
 *   elements with those ids shown (a progress bar); data-busy-hide="id" hides others.
 * Without JavaScript every form still posts, unasked.
 */
(function () {
  "use strict";

  function ids(value) {
    return (value || "").split(/\s+/).filter(Boolean).map(function (id) {
      return document.getElementById(id);
    }).filter(Boolean);
  }

  // In the capture phase, so that a "Cancel" stops the submission before anything else sees it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute || !form.hasAttribute("data-busy")) return;
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      // After this turn: a button disabled now would drop its own name/value from the request.
      setTimeout(function () { button.disabled = true; }, 0);
    });
    ids(form.getAttribute("data-busy")).forEach(function (el) { el.classList.remove("d-none"); });
    ids(form.getAttribute("data-busy-hide")).forEach(function (el) { el.classList.add("d-none"); });
  });

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("select[data-autosubmit]") && field.form) field.form.submit();
  });

  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-select-on-focus]")) field.select();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
})();
