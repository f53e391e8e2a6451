// Passkeys on the "Second factor" page: once django-otp-webauthn's script has added one
// (its "otp_webauthn.register_complete" event), the page is loaded again so that the new
// passkey shows in the list, with its remove button and the server's message.
(function () {
  "use strict";

  document.addEventListener("otp_webauthn.register_complete", function () {
    window.location.reload();
  });
})();
