/* The day board (hc12, hc19): freshness, the alarm sound, and confirmations.
 * - Freshness: the rows are swapped in by htmx every 20 s; if the last good refresh is older than
 *   60 s (or one failed), a red warning says so, so nobody trusts a frozen screen.
 * - Sound: a short beep made with the Web Audio API (no audio file) while any row has an open
 *   alarm. Browsers play sound only after a click, so the switch is that click; the choice is
 *   remembered in localStorage.
 * Confirmations (a form's data-confirm) are page.js's, on every page.
 */
(function () {
  "use strict";
  var STALE_MS = 60000;
  var KEY = "homevisits.board.sound";
  var lastOk = Date.now();
  var failed = false;
  var audio = null;

  var fresh = document.getElementById("board-fresh");
  var stale = document.getElementById("board-stale");
  var staleSince = document.getElementById("board-stale-since");
  var button = document.getElementById("board-sound");

  function soundOn() {
    try { return window.localStorage.getItem(KEY) === "on"; } catch (e) { return false; }
  }

  function setSound(on) {
    try { window.localStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* private mode */ }
    showSound();
  }

  function showSound() {
    if (!button) { return; }
    var on = soundOn();
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Sound: ON" : "Sound: off";
    button.className = on ? "btn btn-warning btn-sm" : "btn btn-outline-secondary btn-sm";
  }

  function context() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return null; }
    if (!audio) { audio = new Ctx(); }
    if (audio.state === "suspended") { audio.resume(); }
    return audio;
  }

  function beep() {
    var ctx = context();
    if (!ctx) { return; }
    [0, 0.35].forEach(function (offset) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      var start = ctx.currentTime + offset;
      osc.type = "square";
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.25);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(start);
      osc.stop(start + 0.3);
    });
  }

  function alarmsOpen() {
    var data = document.getElementById("board-data");
    return data ? parseInt(data.getAttribute("data-alarms") || "0", 10) : 0;
  }

  function maybeBeep() {
    if (soundOn() && alarmsOpen() > 0) { beep(); }
  }

  if (button) {
    showSound();
    button.addEventListener("click", function () {
      var on = !soundOn();
      setSound(on);
      if (on) { beep(); } // the click unlocks audio, and proves the speakers work
    });
    // After a reload the saved choice needs one click anywhere before audio may play.
    document.addEventListener("click", function () { if (soundOn()) { context(); } }, { once: true });
  }

  function showFreshness() {
    if (!fresh) { return; }
    var data = document.getElementById("board-data");
    var updated = data ? data.getAttribute("data-updated") : "";
    var old = Date.now() - lastOk > STALE_MS;
    fresh.textContent = "Updated " + updated;
    fresh.classList.toggle("board-fresh-bad", old || failed);
    if (stale) {
      stale.classList.toggle("d-none", !(old || failed));
      if (staleSince) { staleSince.textContent = updated; }
    }
  }

  // A refresh replaces the table: keep where the person had scrolled it sideways (a tablet
  // reaching the row's buttons), so the poll never throws them back to the left.
  var scrolledLeft = 0;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.target && event.target.id === "board-rows") {
      var box = event.target.querySelector(".table-responsive");
      scrolledLeft = box ? box.scrollLeft : 0;
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "board-rows") {
      var box = event.target.querySelector(".table-responsive");
      if (box && scrolledLeft) { box.scrollLeft = scrolledLeft; }
      lastOk = Date.now();
      failed = false;
      showFreshness();
      maybeBeep();
    }
  });
  ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.body.addEventListener(name, function () { failed = true; showFreshness(); });
  });

  if (fresh) {
    window.setInterval(showFreshness, 1000);
    maybeBeep();
  }
})();
