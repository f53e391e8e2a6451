/* The page after signing out (accounts/views/sign_out.py): remove what the record form kept on
   this device for the person who signed out (localStorage keys "hv-record:<visit>:<user id>",
   static/js/record.js) and the steps their outbox still held ("hv-outbox:<user id>",
   static/js/outbox.js, which warned before signing out), then open the sign-in page. Other
   people's drafts and steps on the tablet stay. */
(function () {
  "use strict";

  var script = document.currentScript;
  var person = script && script.dataset.draftsOf;
  if (!person) return;
  var removed = 0;
  try {
    var keys = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var parts = (window.localStorage.key(i) || "").split(":");
      if (parts.length === 3 && parts[0] === "hv-record" && parts[2] === person) keys.push(parts.join(":"));
      if (parts.length === 2 && parts[0] === "hv-outbox" && parts[1] === person) keys.push(parts.join(":"));
    }
    keys.forEach(function (key) {
      window.localStorage.removeItem(key);
      removed += 1;
    });
  } catch (e) {
    /* No storage here (a private window): nothing was kept. */
  }
  var note = document.querySelector("[data-testid=drafts-cleared]");
  if (note) {
    note.textContent = removed
      ? "Removed from this device: " + removed + " draft" + (removed === 1 ? "" : "s") + " of yours."
      : "Nothing of yours was kept on this device.";
  }
  if (script.dataset.next) window.location.replace(script.dataset.next);
})();
