/* The day board (hc12, hc19): freshness, the alarm sound, and confirmations.
 * - Freshness: the rows are swapped in by htmx every 20 s; if the last good refresh is older than
 *   60 s (or one failed), a red warning says so, so nobody trusts a frozen screen.
 * - Sound: a short beep made with the Web Audio API (no audio file) while any row has an open
 *   alarm. Browsers play sound only after a click, so the switch is that click; the choice is
 *   remembered in localStorage.
 * - Code words (hc11): hidden until a tap on that row's "Show code word" asks the school for it
 *   (each tap is a row of the audit trail); shown for the seconds the answer says, kept through
 *   the 20 s refresh for that time only if the row still offers it, and never after a reload.
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

  // --- code words, one row at a time -------------------------------------------------------------
  var shownWords = {}; // visit code -> { word, until }: in this page's memory only

  function drawWord(form) {
    var slot = form.querySelector("[data-code-word-slot]");
    var button = form.querySelector("button");
    var shown = shownWords[form.getAttribute("data-visit")];
    var left = shown ? Math.ceil((shown.until - Date.now()) / 1000) : 0;
    if (!slot || !button) { return; }
    if (left <= 0) {
      if (shown) { delete shownWords[form.getAttribute("data-visit")]; }
      if (slot.getAttribute("data-error") !== "1") { slot.textContent = ""; }
      button.hidden = false;
      button.disabled = false;
      return;
    }
    var word = slot.querySelector(".code-word-sm");
    if (!word) {
      slot.textContent = "Code word: ";
      word = document.createElement("span");
      word.className = "code-word-sm";
      word.setAttribute("data-testid", "board-code-word-shown");
      slot.appendChild(word);
      // The countdown changes every second: kept out of the live region's announcements.
      var countdown = document.createElement("span");
      countdown.setAttribute("aria-hidden", "true");
      slot.appendChild(countdown);
    }
    word.textContent = shown.word;
    word.nextSibling.textContent = " (hidden again in " + left + " s)";
    slot.removeAttribute("data-error");
    button.hidden = true;
  }

  function drawWords() {
    document.querySelectorAll("[data-code-word-form]").forEach(drawWord);
  }

  function refuse(form, text) {
    var slot = form.querySelector("[data-code-word-slot]");
    var button = form.querySelector("button");
    if (slot) {
      slot.textContent = " " + text;
      slot.setAttribute("data-error", "1");
    }
    if (button) { button.disabled = false; }
  }

  document.body.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("[data-code-word-form]") : null;
    if (!form || event.defaultPrevented) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) { button.disabled = true; }
    window.fetch(form.action, {
      method: "GET",
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (answer) {
      if (!answer.ok || !answer.data.word) {
        refuse(form, answer.data.error || "The code word could not be shown.");
        return;
      }
      shownWords[form.getAttribute("data-visit")] = {
        word: answer.data.word,
        until: Date.now() + 1000 * (answer.data.seconds || 30)
      };
      drawWord(form);
    }).catch(function () {
      refuse(form, "Not shown: the school's server did not answer. Reload the board, sign in if asked, and try again.");
    });
  });
  window.setInterval(function () {
    if (Object.keys(shownWords).length) { drawWords(); }
  }, 1000);

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
      drawWords(); // a word still within its time stays shown, if the row still offers it
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
