/* The booking form asks only what applies (issue 16).
 *
 * - A box with data-shown-when='[["answer", ["value", ...]], ...]' is shown while every answer
 *   named holds one of its values, and hidden otherwise, its fields disabled so that what was left
 *   in them is not sent. The conditions come from the server (visits/request_fields.py,
 *   SHOWN_WHEN), which checks the same ones on saving. An answer is the value of the form's
 *   fields of that name (a radio's choice, the ticked boxes, a select's option); "evening" is
 *   worked out from the times and the school's cut-off (data-evening-cutoff on the form), as
 *   Visit.is_evening does: it starts at or after the cut-off, or ends after it.
 * - An input with data-job-title-of="<select id>" takes the job title of the person chosen there
 *   (the option's data-job-title), unless someone typed another role in it.
 *
 * Without JavaScript every field is shown and the server ignores those that do not apply.
 * Fields appear or go on "change" (after a tap, never as the finger goes down), and only below
 * the answer that caused it, so nothing moves under the person's finger.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-booking]");
  if (!form) return;
  var boxes = Array.prototype.slice.call(form.querySelectorAll("[data-shown-when]"));

  function minutes(text) {
    var match = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(text || "");
    return match ? Number(match[1]) * 60 + Number(match[2]) : null;
  }

  function evening() {
    var cutoff = minutes(form.getAttribute("data-evening-cutoff"));
    var start = minutes((form.elements.start_time || {}).value);
    var end = minutes((form.elements.end_time || {}).value);
    if (cutoff === null || start === null || end === null) return "no";
    return start >= cutoff || end > cutoff ? "yes" : "no";
  }

  function answer(name) {
    if (name === "evening") return [evening()];
    var values = [];
    form.querySelectorAll("[name='" + name + "']").forEach(function (field) {
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked) values.push(field.value);
      } else if (field.value !== "") {
        values.push(field.value);
      }
    });
    return values;
  }

  function applies(box) {
    var conditions = JSON.parse(box.getAttribute("data-shown-when"));
    return conditions.every(function (condition) {
      return answer(condition[0]).some(function (value) { return condition[1].indexOf(value) !== -1; });
    });
  }

  function update() {
    boxes.forEach(function (box) {
      var show = applies(box);
      if (box.hidden === !show) return;
      box.hidden = !show;
      box.querySelectorAll("input, select, textarea").forEach(function (field) { field.disabled = !show; });
    });
  }

  function fillJobTitle(select) {
    var option = select.options[select.selectedIndex];
    var title = (option && option.getAttribute("data-job-title")) || "";
    form.querySelectorAll("[data-job-title-of='" + select.id + "']").forEach(function (input) {
      var filled = input.getAttribute("data-filled");
      if (input.value === "" || input.value === filled) {
        input.value = title;
        input.setAttribute("data-filled", title);
      }
    });
  }

  // The role the server filled in from a profile counts as filled in, not typed.
  form.querySelectorAll("[data-job-title-of]").forEach(function (input) {
    var select = document.getElementById(input.getAttribute("data-job-title-of"));
    var option = select && select.options[select.selectedIndex];
    if (option && input.value === option.getAttribute("data-job-title")) input.setAttribute("data-filled", input.value);
  });

  form.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select") && event.target.id) fillJobTitle(event.target);
    update();
  });
  // Typing a time shows or hides the evening confirmation as soon as the time is whole.
  form.addEventListener("input", function (event) {
    var name = event.target.name;
    if (name === "start_time" || name === "end_time") update();
  });
  update();
})();
