/* The tablet's outbox (issue 16): no step lost without signal.

   Every step form of the visitor's path carries data-outbox="<what it is>" and two hidden inputs,
   step_key and step_at. When such a form is sent, this script (not the browser) sends it:

   1. it stamps the step once: a random key (the school writes a step once per key, so a repeat
      never doubles it) and the time on this tablet (the school records the step at that time,
      within bounds it checks: visits/lifecycle/steps.py);
   2. it keeps the step in this tablet's storage (localStorage "hv-outbox:<user id>", in order)
      before sending anything, and shows "Waiting to send" until the school has it;
   3. it sends the steps in order, with the header X-Outbox: 1 (visits/views/outbox.py answers in
      JSON), and again with a growing pause while there is no answer, and at once when the signal
      returns. Only the school's "saved" (or "saved before") lets a step go; a step the school
      refuses (the visit moved on) is said, in red, and not sent again.

   "Immediate danger" (data-outbox-call="999") shows "Call 999" and the school's number at once,
   signal or not; "Child alone" without signal opens the same panel from the urgent bar's link.
   A record the record form holds for sending (static/js/record.js, "hv-record:...") counts as
   waiting too. Signing out with steps waiting warns first (static/js/signed_out.js then clears
   this person's outbox). No inline script: loaded from base.html for a signed-in person. */
(function () {
  "use strict";

  var script = document.currentScript;
  var user = script && script.dataset.outboxUser;
  if (!user || !window.localStorage) return;
  var STORE = "hv-outbox:" + user;
  var RECORD_URL = script.dataset.recordUrl || "";
  var PAUSES = [2000, 5000, 10000, 30000, 60000];
  var attempt = 0;
  var retryTimer = null;
  var sending = false;
  var refused = [];
  var needsSignIn = false;
  var line = null;
  var signOutWarning = null; // kept across the line's redraws
  var liveForms = {}; // key -> the form on this page that queued it

  function load() {
    try {
      var list = JSON.parse(window.localStorage.getItem(STORE) || "[]");
      return Array.isArray(list) ? list : [];
    } catch (e) {
      return [];
    }
  }

  function save(list) {
    try {
      if (list.length) window.localStorage.setItem(STORE, JSON.stringify(list));
      else window.localStorage.removeItem(STORE);
      return true;
    } catch (e) {
      return false;
    }
  }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  function field(form, name) {
    var el = form.elements.namedItem(name);
    return el && el.tagName === "INPUT" ? el : null;
  }

  /* The key and time of the step this form sends, made once (a second send keeps them). */
  function stamp(form) {
    var key = field(form, "step_key");
    var at = field(form, "step_at");
    if (key && !key.value) key.value = newKey();
    if (at && !at.value) at.value = new Date().toISOString();
    return { key: key ? key.value : "", at: at ? at.value : "" };
  }

  function restamp(form, step) {
    var key = field(form, "step_key");
    var at = field(form, "step_at");
    if (key && step && step.key) key.value = step.key;
    if (at && step && step.at) at.value = step.at;
  }

  function unstamp(form) {
    ["step_key", "step_at"].forEach(function (name) {
      var input = field(form, name);
      if (input) input.value = "";
    });
  }

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function hhmm(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  /* Records the record form holds for sending (record.js), this person's only. */
  function pendingRecords() {
    var found = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var name = window.localStorage.key(i) || "";
        var parts = name.split(":");
        if (parts.length !== 3 || parts[0] !== "hv-record" || parts[2] !== user) continue;
        var entry = JSON.parse(window.localStorage.getItem(name) || "null");
        if (entry && entry.pending) found.push({ visit: parts[1], at: entry.saved_at });
      }
    } catch (e) {
      /* unreadable storage: nothing to show */
    }
    return found;
  }

  function waitingCount() {
    return load().length + pendingRecords().length;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (text) node.textContent = text;
    return node;
  }

  /* The "waiting to send" line at the top of the page: what waits, and what the school refused. */
  function show() {
    var list = load();
    var records = pendingRecords();
    var main = document.getElementById("main") || document.body;
    if (!line) {
      line = el("div", { class: "outbox-line", role: "status", "aria-live": "polite", "data-testid": "outbox" });
      main.insertBefore(line, main.firstChild);
    }
    line.textContent = "";
    line.hidden = !list.length && !records.length && !refused.length && !signOutWarning;
    if (list.length || records.length) {
      var box = el("div", { class: "alert alert-warning mb-2", "data-testid": "outbox-waiting" });
      var n = list.length + records.length;
      var why = needsSignIn
        ? "Sign in again to send: kept on this tablet until then."
        : navigator.onLine
          ? "Sending…"
          : "No signal: kept on this tablet, it sends by itself when the signal is back.";
      box.appendChild(el("p", { class: "fw-semibold mb-1" }, "Waiting to send: " + n + " step" + (n === 1 ? "" : "s") + ". " + why));
      var ul = el("ul", { class: "mb-0" });
      list.forEach(function (item) {
        ul.appendChild(el("li", { "data-testid": "outbox-item" }, item.label + " (taken at " + hhmm(item.at) + ")"));
      });
      records.forEach(function (rec) {
        var li = el("li", { "data-testid": "outbox-item" });
        if (RECORD_URL) {
          li.appendChild(el("a", { href: RECORD_URL.replace("00000000-0000-0000-0000-000000000000", rec.visit) }, "The Record of Home Visit"));
          li.appendChild(document.createTextNode(": open it to send it"));
        } else {
          li.textContent = "The Record of Home Visit";
        }
        ul.appendChild(li);
      });
      box.appendChild(ul);
      line.appendChild(box);
    }
    refused.forEach(function (text, i) {
      var box = el("div", { class: "alert alert-danger mb-2", role: "alert", "data-testid": "outbox-refused" });
      box.appendChild(el("span", {}, text + " "));
      var ok = el("button", { type: "button", class: "btn btn-sm btn-outline-danger" }, "OK");
      ok.addEventListener("click", function () {
        refused.splice(i, 1);
        show();
      });
      box.appendChild(ok);
      line.appendChild(box);
    });
    if (signOutWarning) line.appendChild(signOutWarning);
  }

  function schedule() {
    window.clearTimeout(retryTimer);
    var pause = PAUSES[Math.min(attempt, PAUSES.length - 1)];
    attempt += 1;
    retryTimer = window.setTimeout(flush, pause);
  }

  function drop(key) {
    save(
      load().filter(function (item) {
        return item.key !== key;
      })
    );
  }

  /* After the queue empties: show the page the school sent the last step to, if it is this one
     (its state changed) or the step was taken on this page. */
  function settle(last) {
    if (!last || !last.redirect) return;
    var target = new URL(last.redirect, window.location.href);
    if (target.pathname === window.location.pathname || last.from === window.location.pathname) {
      window.location.assign(target.href);
    }
  }

  function flush(last) {
    if (sending) return;
    var list = load();
    if (!list.length) {
      show();
      settle(last);
      return;
    }
    if (!navigator.onLine) {
      show();
      return;
    }
    sending = true;
    var item = list[0];
    var body = new FormData();
    item.fields.forEach(function (pair) {
      body.append(pair[0], pair[1]);
    });
    var token = csrf() || item.csrf;
    body.append("csrfmiddlewaretoken", token);
    fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-Outbox": "1", "X-CSRFToken": token, Accept: "application/json" },
      body: body,
    })
      .then(function (response) {
        return response.text().then(function (text) {
          var json = null;
          try {
            json = JSON.parse(text);
          } catch (e) {
            json = null;
          }
          return { status: response.status, json: json, text: text };
        });
      })
      .then(function (answer) {
        sending = false;
        if (answer.json && answer.json.ok) {
          attempt = 0;
          needsSignIn = false;
          drop(item.key);
          flush({ redirect: answer.json.redirect, from: item.from });
          return;
        }
        if (answer.json && answer.status === 400 && answer.json.invalid) {
          drop(item.key);
          if (liveForms[item.key] && document.body.contains(liveForms[item.key])) {
            // The school has a question about it (who is present: no adult): ask it the ordinary way.
            liveForms[item.key].submit();
            return;
          }
          refused.push(item.label + ": not saved, the school asks for it to be checked. Open it again.");
          flush(last);
          return;
        }
        if ((answer.json && answer.status === 409) || answer.status === 404 || (answer.status === 403 && !/csrf/i.test(answer.text))) {
          drop(item.key);
          refused.push(item.label + ": not saved by the school. " + ((answer.json && answer.json.error) || "You may no longer do this on this visit."));
          flush(last);
          return;
        }
        // A sign-in page, a server error: kept, and sent again after a pause.
        needsSignIn = answer.status === 200 || answer.status === 403;
        show();
        schedule();
      })
      .catch(function () {
        sending = false;
        show();
        schedule();
      });
  }

  /* The 999 panel: at once, signal or not, with the school's number. */
  function call999(source, extra) {
    var old = document.getElementById("outbox-999");
    if (old) old.remove();
    var panel = el("div", { id: "outbox-999", class: "outbox-999", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "outbox-999-title", "data-testid": "outbox-999" });
    panel.appendChild(el("h2", { id: "outbox-999-title", class: "h3" }, source.dataset.outboxTitle || "Call 999"));
    if (extra) panel.appendChild(el("p", { class: "fs-5" }, extra));
    panel.appendChild(el("a", { class: "btn btn-danger outbox-999-call", href: "tel:999" }, "Call 999"));
    if (source.dataset.schoolPhone) {
      var office = el("a", { class: "btn btn-light outbox-999-school", href: "tel:" + source.dataset.schoolPhone.replace(/\s+/g, "") });
      office.textContent = "Call the school office: " + source.dataset.schoolPhone;
      panel.appendChild(office);
    }
    if (source.dataset.address) panel.appendChild(el("p", { class: "outbox-999-address" }, "The address: " + source.dataset.address));
    var close = el("button", { type: "button", class: "btn btn-outline-light mt-3" }, "Close");
    close.addEventListener("click", function () {
      panel.remove();
    });
    panel.appendChild(close);
    document.body.appendChild(panel);
    panel.querySelector(".outbox-999-call").focus();
    return panel;
  }

  function queue(form, submitter) {
    var step = stamp(form);
    var data;
    try {
      data = submitter ? new FormData(form, submitter) : new FormData(form);
    } catch (e) {
      data = new FormData(form);
    }
    var fields = [];
    data.forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") fields.push([name, value]);
    });
    var list = load();
    var url = form.getAttribute("action") || window.location.pathname;
    var already = list.some(function (item) {
      return item.url === url;
    });
    if (!already) {
      liveForms[step.key] = form;
      list.push({ key: step.key, at: step.at, url: url, label: form.dataset.outbox, fields: fields, csrf: csrf(), from: window.location.pathname });
      if (!save(list)) {
        // No room to keep it: send it the ordinary way rather than lose it.
        form.submit();
        return;
      }
    }
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
    });
    if (!form.querySelector("[data-testid=outbox-waiting-note]")) {
      form.appendChild(el("p", { class: "outbox-note mt-2 mb-0", "data-testid": "outbox-waiting-note" }, "Waiting to send: kept on this tablet."));
    }
    attempt = 0;
    show();
    flush();
  }

  // Bubbling, on the document: the form's own scripts (signature.js) have prepared it first, and
  // one that stopped the sending (record.js sends the record itself) is left alone.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (form.hasAttribute("data-outbox-signout")) {
      signOut(event, form);
      return;
    }
    if (!form.hasAttribute("data-outbox")) return;
    event.preventDefault();
    if (form.dataset.outboxCall === "999") call999(form, navigator.onLine ? "" : "No signal: the school will be told as soon as there is signal.");
    queue(form, event.submitter);
  });

  // "Child alone" without signal: its confirmation page cannot open, so the same choice here.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-outbox-offline-form]");
    if (!link || navigator.onLine) return;
    var form = document.getElementById(link.dataset.outboxOfflineForm);
    if (!form) return;
    event.preventDefault();
    var panel = call999(link, link.dataset.outboxSay || "");
    var send = el("button", { type: "button", class: "btn btn-warning btn-lg mt-3", "data-testid": "outbox-child-alone" }, form.dataset.outbox);
    send.addEventListener("click", function () {
      send.disabled = true;
      send.textContent = "Waiting to send: it goes as soon as there is signal.";
      queue(form, null);
    });
    panel.insertBefore(send, panel.querySelector(".outbox-999-call"));
  });

  /* Signing out with steps waiting would remove them from this tablet: say so first. */
  function signOut(event, form) {
    var n = waitingCount();
    if (!n || form.dataset.outboxConfirmed === "1") return;
    event.preventDefault();
    flush();
    show();
    var warn = el("div", { class: "alert alert-danger", role: "alert", "data-testid": "outbox-signout-warning" });
    warn.appendChild(
      el("p", { class: "fw-semibold" }, n + " step" + (n === 1 ? " is" : "s are") + " still waiting to send. Signing out now removes " + (n === 1 ? "it" : "them") + " from this tablet: the school will never have " + (n === 1 ? "it" : "them") + ".")
    );
    warn.appendChild(el("p", {}, "Wait for signal and let them send, or phone the office with what they say."));
    var anyway = el("button", { type: "button", class: "btn btn-outline-danger" }, "Sign out anyway");
    anyway.addEventListener("click", function () {
      form.dataset.outboxConfirmed = "1";
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    });
    warn.appendChild(anyway);
    signOutWarning = warn;
    show();
    warn.scrollIntoView({ block: "center" });
  }

  // Ask that this tablet's storage is not cleared under pressure (the steps and records in it),
  // where steps are taken or wait.
  var stepsHere = document.querySelector("form[data-outbox], #record-form") || waitingCount();
  if (stepsHere && navigator.storage && navigator.storage.persist) {
    navigator.storage.persisted().then(function (kept) {
      if (!kept) navigator.storage.persist();
    });
  }

  window.addEventListener("online", function () {
    attempt = 0;
    flush();
  });
  window.addEventListener("offline", show);
  window.hvOutbox = { stamp: stamp, restamp: restamp, unstamp: unstamp, waiting: waitingCount, flush: flush };
  show();
  flush();
})();
