/* The Record of Home Visit on the tablet (issue 5): nothing typed is lost to a dropped signal.

   Every change is kept at once in this tablet's localStorage (one key per visit and user; the
   form never carries the code word, so it never lands there), and sent to the school as a draft
   after a short pause and whenever the signal comes back. On load, the newer of the tablet's copy
   and the school's draft fills the form. Sending the record while there is no signal holds it on
   the tablet and sends it when the signal returns. The tablet's copy is cleared only once the
   school has confirmed the record. A status line always says which of these states it is in.

   Times are compared on the server's clock: the page says what time the server made it, and the
   tablet keeps its own times shifted by the difference, as a tablet's clock may be wrong. */
(function () {
  "use strict";

  var form = document.getElementById("record-form");
  if (!form) return;
  var statusLine = document.getElementById("record-status");
  var key = form.dataset.storageKey;
  var draftUrl = form.dataset.draftUrl;
  var serverSavedAt = Date.parse(form.dataset.serverSavedAt || "") || 0;
  var clockOffset = (Date.parse(form.dataset.serverNow || "") || Date.now()) - Date.now();
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = csrfInput ? csrfInput.value : "";
  var DRAFT_PAUSE_MS = 1500;
  var OFFLINE = "No signal: kept on this tablet, will send when back";
  var draftTimer = null;
  var sending = false;

  var names = [];
  Array.prototype.forEach.call(form.elements, function (el) {
    // The step's key and time (outbox.js) are not the record's: kept apart, never in a draft.
    if (el.name && el.name !== "csrfmiddlewaretoken" && !el.hasAttribute("data-outbox-field") && names.indexOf(el.name) === -1) names.push(el.name);
  });

  function now() {
    return Date.now() + clockOffset;
  }

  function say(text, tone, state) {
    statusLine.textContent = text;
    statusLine.className = "alert py-2 fs-5 fw-semibold sticky-top alert-" + tone;
    statusLine.dataset.state = state;
  }

  function sayOffline() {
    say(OFFLINE, "warning", "offline");
  }

  function values() {
    var data = {};
    names.forEach(function (name) {
      var el = form.elements.namedItem(name);
      data[name] = el ? el.value : "";
    });
    return data;
  }

  function fill(data) {
    names.forEach(function (name) {
      if (!Object.prototype.hasOwnProperty.call(data, name)) return;
      var el = form.elements.namedItem(name);
      if (!el) return;
      if (typeof RadioNodeList !== "undefined" && el instanceof RadioNodeList) {
        Array.prototype.forEach.call(el, function (radio) {
          radio.checked = radio.value === data[name];
        });
      } else {
        el.value = data[name] === null ? "" : data[name];
      }
    });
    showWhen();
  }

  function readLocal() {
    try {
      var entry = JSON.parse(window.localStorage.getItem(key));
      return entry && typeof entry === "object" && entry.data ? entry : null;
    } catch (err) {
      return null;
    }
  }

  function writeLocal(changes) {
    var entry = readLocal() || { pending: false, synced: false };
    entry.data = values();
    entry.saved_at = now();
    Object.keys(changes || {}).forEach(function (k) {
      entry[k] = changes[k];
    });
    try {
      window.localStorage.setItem(key, JSON.stringify(entry));
    } catch (err) {
      say("This tablet could not keep a copy: its storage is full. Send the record when you can.", "danger", "error");
    }
    return entry;
  }

  /* Parts of the form that matter only for some answers: "field=value,value". */
  function showWhen() {
    form.querySelectorAll("[data-show-when]").forEach(function (block) {
      var rule = block.dataset.showWhen.split("=");
      var el = form.elements.namedItem(rule[0]);
      var shown = rule[1].split(",").indexOf(el ? el.value : "") !== -1 || block.querySelector(".is-invalid");
      block.hidden = !shown;
    });
  }

  // The server's answer as {status, body}; a body that is not JSON (a sign-in page) reads as {}.
  function answer(response) {
    return response
      .json()
      .catch(function () {
        return {};
      })
      .then(function (body) {
        return { status: response.status, body: body };
      });
  }

  function sendDraft() {
    clearTimeout(draftTimer);
    if (!navigator.onLine) {
      sayOffline();
      return;
    }
    var sentAt = now();
    fetch(draftUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrf,
        // Which writing of the record this page shows: a draft over an older one is refused.
        "X-Record-Version": form.dataset.recordVersion || "",
      },
      body: JSON.stringify(values()),
    })
      .then(answer)
      .then(function (result) {
        if (result.status !== 200 || !result.body.saved_at) {
          // A signed-out session answers with the sign-in page: no saved_at, nothing kept.
          var why = result.body.error || "sign in again, or ask the office.";
          say("Not saved to school: " + why + " It is kept on this tablet.", "danger", "refused");
          return;
        }
        serverSavedAt = Date.parse(result.body.saved_at) || sentAt;
        var entry = readLocal();
        if (entry && entry.saved_at <= sentAt) writeLocal({ synced: true, saved_at: entry.saved_at });
        if (!sending && !(readLocal() || {}).pending) say("Saved to school " + result.body.saved_at_display, "success", "server");
      })
      .catch(sayOffline);
  }

  function onChange() {
    // A changed record is a new sending of it: a new key (issue 16), else the school, having had
    // the earlier one, would answer "already saved" and keep that.
    if (window.hvOutbox) window.hvOutbox.unstamp(form);
    writeLocal({ synced: false, step: null });
    showWhen();
    if ((readLocal() || {}).pending) {
      sayOffline();
    } else {
      say("Saved on this tablet", "secondary", "local");
    }
    clearTimeout(draftTimer);
    draftTimer = setTimeout(sendDraft, DRAFT_PAUSE_MS);
  }

  function sendRecord() {
    if (sending) return;
    // One key and time per sending of the record (issue 16): the school writes it once per key.
    if (window.hvOutbox) writeLocal({ step: window.hvOutbox.stamp(form) });
    if (!navigator.onLine) {
      sayOffline();
      return;
    }
    sending = true;
    clearTimeout(draftTimer);
    say("Sending…", "info", "sending");
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
      body: new FormData(form),
    })
      .then(answer)
      .then(function (result) {
        sending = false;
        if (result.status === 200 && result.body.ok) {
          // The school has the record: only now does the tablet let its copy go.
          window.localStorage.removeItem(key);
          say("Sent", "success", "sent");
          window.setTimeout(function () {
            window.location.assign(result.body.redirect);
          }, 800);
          return;
        }
        writeLocal({ pending: false });
        if (result.status === 400 && result.body.invalid) {
          // Something needs correcting: send it the ordinary way so each error shows by its field.
          form.submit();
          return;
        }
        say("Not sent: " + (result.body.error || "sign in again, or ask the office.") + " It is kept on this tablet.", "danger", "refused");
      })
      .catch(function () {
        sending = false;
        sayOffline();
      });
  }

  // Every edit fires "input" (a key, a paste, a radio tapped), so nothing waits for "change". A
  // text box's "change" fires as it loses focus, i.e. as the finger goes down on the next button:
  // a status line rewritten then moved the page under that finger (Chromium's scroll anchoring,
  // 238 px on a 768x1024 tablet) and the tap landed on the form, not on "Send" (issue 16).
  form.addEventListener("input", onChange);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    writeLocal({ pending: true });
    sendRecord();
  });
  window.addEventListener("offline", sayOffline);
  window.addEventListener("online", function () {
    var entry = readLocal();
    if (entry && entry.pending) {
      sendRecord();
    } else if (entry && !entry.synced) {
      sendDraft();
    } else {
      say("Signal back", "secondary", "online");
    }
  });

  // On load: the newer of the tablet's copy and the school's draft.
  var local = readLocal();
  var bound = form.querySelector(".is-invalid") !== null;
  if (local && !bound && local.saved_at > serverSavedAt) {
    fill(local.data);
    if (local.pending) {
      sayOffline();
      if (navigator.onLine) sendRecord();
    } else {
      if (window.hvOutbox) window.hvOutbox.restamp(form, local.step);
      say("Saved on this tablet", "secondary", "local");
      if (!local.synced) draftTimer = setTimeout(sendDraft, DRAFT_PAUSE_MS);
    }
  }
  if (local && bound) {
    // The school sent the form back to be corrected: what was typed is on the page and the tablet.
    say("Not sent yet: check the form. Kept on this tablet.", "warning", "invalid");
    if (!local.synced) draftTimer = setTimeout(sendDraft, DRAFT_PAUSE_MS);
  }
  // Otherwise the school's copy is the newer and the form shows it; the tablet's older copy stays
  // until the next change replaces it (it is never deleted before the school has the record).
  // What was typed while this script was still on its way (a slow signal) had no listener yet:
  // kept now, as if typed after.
  function typedBeforeLoad() {
    return Array.prototype.some.call(form.elements, function (el) {
      if (!el.name || el.hasAttribute("data-outbox-field") || el.type === "hidden") return false;
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.tagName === "SELECT") {
        return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return el.value !== el.defaultValue;
    });
  }
  if (!(local && local.saved_at > serverSavedAt) && !bound && typedBeforeLoad()) onChange();
  showWhen();
})();
