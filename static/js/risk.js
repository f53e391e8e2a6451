// Risk assessment rows (hc09): the level shown as severity and likelihood change, and rows added
// or removed without a round trip. The server works the level out again on saving; without this
// script the "Add a hazard" and "Remove" buttons post the form back instead.
(function () {
  "use strict";
  var matrixNode = document.getElementById("risk-matrix");
  var rows = document.querySelector("[data-risk-rows]");
  var blank = document.getElementById("risk-row-template");
  if (!matrixNode || !rows || !blank) return;
  var matrix = JSON.parse(matrixNode.textContent);
  var badges = {
    low: '<span class="badge text-bg-success risk-level" data-level="low">Low</span>',
    medium: '<span class="badge text-bg-warning risk-level" data-level="medium">Medium</span>',
    high: '<span class="badge text-bg-danger risk-level" data-level="high">High</span>',
    "": '<span class="badge text-bg-light border risk-level" data-level="">Choose both</span>'
  };
  var next = 1000;  // beyond any server-made row number, so names never clash

  function showLevel(row) {
    var s = row.querySelector("[data-risk-severity]").value;
    var l = row.querySelector("[data-risk-likelihood]").value;
    var level = (matrix[s] && matrix[s][l]) || "";
    row.querySelector("[data-risk-level]").innerHTML = badges[level];
  }

  function renumber() {
    rows.querySelectorAll("[data-risk-row]").forEach(function (row, i) {
      row.querySelector("[data-risk-number]").textContent = String(i + 1);
    });
  }

  rows.addEventListener("change", function (event) {
    var row = event.target.closest("[data-risk-row]");
    if (row && event.target.matches("select")) showLevel(row);
  });
  rows.addEventListener("click", function (event) {
    var button = event.target.closest("[data-risk-remove]");
    if (!button) return;
    event.preventDefault();
    button.closest("[data-risk-row]").remove();
    renumber();
  });
  document.querySelector("[data-risk-add]").addEventListener("click", function (event) {
    event.preventDefault();
    var holder = document.createElement("div");
    holder.innerHTML = blank.innerHTML.replace(/__N__/g, String(next++)).trim();
    var row = holder.firstElementChild;
    rows.appendChild(row);
    renumber();
    row.querySelector("textarea").focus();
  });
})();
