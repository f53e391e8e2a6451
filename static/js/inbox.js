/* The leads' concern alert (hc17, hc21): a new concern must reach a lead who is doing something
 * else, on any page.
 * - Every 20 s it asks the server how many concerns are open (not yet acknowledged). The request
 *   carries X-Homevisits-Background, so this polling never keeps an unattended screen signed in.
 * - When the number goes up: an alert at the top of the page linking to the inbox, a short two-tone
 *   beep made with the Web Audio API (no audio file), and the menu's badge updated (red when any is
 *   urgent). Browsers play sound only after the person has clicked or typed on the page once, so
 *   the audio is unlocked on the first click or key press.
 * - prefers-reduced-motion: the alert appears without any fade or scrolling.
 */
(function () {
  "use strict";
  var POLL_MS = 20000;
  var script = document.currentScript;
  if (!script || !window.fetch) { return; }
  var alertUrl = script.getAttribute("data-alert-url");
  var inboxUrl = script.getAttribute("data-inbox-url");
  var known = parseInt(script.getAttribute("data-open") || "0", 10) || 0;
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var audio = null;
  var timer = null;

  function audioContext() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return null; }
    if (!audio) {
      try { audio = new Ctx(); } catch (e) { return null; }
    }
    if (audio.state === "suspended") { audio.resume(); }
    return audio;
  }

  function unlock() { audioContext(); }
  document.addEventListener("click", unlock, { once: true });
  document.addEventListener("keydown", unlock, { once: true });

  // Two short rising sine tones: distinct from the day board's square-wave alarm.
  function chime() {
    var ctx = audioContext();
    if (!ctx || ctx.state !== "running") { return; }
    [[0, 660], [0.22, 990]].forEach(function (tone) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      var at = ctx.currentTime + tone[0];
      osc.type = "sine";
      osc.frequency.setValueAtTime(tone[1], at);
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.2);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.22);
    });
  }

  function updateBadge(open, urgent) {
    var badge = document.getElementById("nav-concerns-badge");
    if (!badge) { return; }
    if (badge.firstChild && badge.firstChild.nodeType === 3) {
      badge.firstChild.nodeValue = String(open);
    }
    badge.classList.toggle("d-none", open === 0);
    badge.classList.toggle("text-bg-danger", urgent > 0);
    badge.classList.toggle("text-bg-warning", urgent === 0);
  }

  function showAlert(open, urgent) {
    var main = document.getElementById("main");
    if (!main) { return; }
    var box = document.getElementById("concern-alert");
    if (!box) {
      box = document.createElement("div");
      box.id = "concern-alert";
      box.setAttribute("role", "alert");
      main.insertBefore(box, main.firstChild);
    }
    box.className = "alert alert-dismissible d-flex align-items-center gap-3 " +
      (urgent > 0 ? "alert-danger" : "alert-warning") + (reduceMotion ? "" : " fade show");
    box.textContent = "";
    var text = document.createElement("strong");
    text.className = "me-auto";
    text.textContent = (urgent > 0 ? "URGENT: " : "") + "a new concern has been raised. " +
      open + (open === 1 ? " concern is" : " concerns are") + " waiting to be acknowledged.";
    var link = document.createElement("a");
    link.className = "btn btn-light";
    link.href = inboxUrl;
    link.textContent = "Open the concerns";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "Dismiss");
    box.appendChild(text);
    box.appendChild(link);
    box.appendChild(close);
  }

  function poll() {
    window.fetch(alertUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "application/json", "X-Homevisits-Background": "1" }
    }).then(function (response) {
      // Signed out (idle) or no longer a lead: stop asking.
      if (response.redirected || !response.ok) { throw new Error("stop"); }
      return response.json();
    }).then(function (data) {
      var open = parseInt(data.open, 10) || 0;
      var urgent = parseInt(data.urgent, 10) || 0;
      if (open > known) {
        showAlert(open, urgent);
        chime();
      }
      known = open;
      updateBadge(open, urgent);
    }).catch(function (error) {
      if (error && error.message === "stop" && timer) {
        window.clearInterval(timer);
        timer = null;
      }
    });
  }

  timer = window.setInterval(poll, POLL_MS);
})();
