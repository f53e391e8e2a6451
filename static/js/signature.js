// The parent's signature on the tablet (hc23): the vendored signature_pad on a canvas sized for
// the screen's pixel density, a check step that shows the drawing back, and a hidden field that
// is filled only when the parent confirms. The server checks and re-encodes whatever arrives.
(function () {
  "use strict";

  var page = document.getElementById("signature-page");
  if (!page || typeof window.SignaturePad !== "function") {
    return;
  }
  var form = document.getElementById("signature-form");
  var canvas = document.getElementById("sig-canvas");
  var box = document.getElementById("sig-box");
  var status = document.getElementById("sig-status");
  var nameField = form.querySelector("input[name=signer_name]");
  var dataField = document.getElementById("signature-data");
  var drawStep = document.getElementById("sig-draw");
  var confirmStep = document.getElementById("sig-confirm");
  var preview = document.getElementById("sig-preview");
  var decline = document.getElementById("sig-decline");
  var reason = form.querySelector("textarea[name=declined_reason]");
  var existing = page.querySelector("[data-testid=signature-existing]");
  var submitted = false;

  var limits = {
    chars: Number(page.dataset.maxChars) * 4 / 3,
    minWidth: Number(page.dataset.minWidth),
    minHeight: Number(page.dataset.minHeight),
    // Well inside the server's pixel limits whatever the screen's density.
    maxWidth: Math.min(1600, Number(page.dataset.maxWidth)),
    maxHeight: Math.min(800, Number(page.dataset.maxHeight))
  };
  var PEN_MAX = 3.5;

  var pad = new window.SignaturePad(canvas, {
    minWidth: 1,
    maxWidth: PEN_MAX,
    penColor: "#000",
    backgroundColor: "rgba(0,0,0,0)"
  });

  // `error`: a refusal, in red; otherwise a plain note.
  function say(text, error) {
    status.textContent = text || "";
    status.classList.toggle("text-danger", Boolean(error));
  }

  // The canvas is drawn at the screen's own density, so that lines are sharp on a tablet; points
  // are kept in CSS pixels. When the box changes size (the tablet is turned), the drawing is
  // scaled to fit the new box rather than lost, relative to the box it was first drawn in, so
  // that turning the tablet there and back leaves it as it was.
  var size = { width: 0, height: 0 };
  var reference = null; // the box the drawing was started in
  var shown = 1; // the scale the drawing is shown at now, against `reference`
  function fit() {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var width = canvas.offsetWidth;
    var height = canvas.offsetHeight;
    if (!width || !height || (width === size.width && height === size.height && canvas.width === Math.round(width * ratio))) {
      return;
    }
    var strokes = pad.toData();
    if (strokes.length && !reference) {
      reference = { width: size.width, height: size.height };
      shown = 1;
    }
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.getContext("2d").scale(ratio, ratio);
    size = { width: width, height: height };
    if (!strokes.length) {
      pad.clear();
      return;
    }
    var next = Math.min(1, width / reference.width, height / reference.height);
    var factor = next / shown;
    shown = next;
    strokes.forEach(function (stroke) {
      stroke.points.forEach(function (point) {
        point.x *= factor;
        point.y *= factor;
      });
    });
    pad.fromData(strokes);
  }

  function clearPad() {
    pad.clear();
    reference = null;
    shown = 1;
  }
  pad.addEventListener("beginStroke", function () {
    say("");
  });

  // The drawn part of the pad (with a margin) as a PNG data URL on white, at most
  // limits.maxWidth x limits.maxHeight pixels and at least the server's minimum.
  function exportSignature() {
    var ratio = canvas.width / size.width;
    var left = Infinity;
    var top = Infinity;
    var right = -Infinity;
    var bottom = -Infinity;
    pad.toData().forEach(function (stroke) {
      stroke.points.forEach(function (point) {
        left = Math.min(left, point.x);
        top = Math.min(top, point.y);
        right = Math.max(right, point.x);
        bottom = Math.max(bottom, point.y);
      });
    });
    var margin = PEN_MAX * 4;
    left = Math.max(0, (left - margin) * ratio);
    top = Math.max(0, (top - margin) * ratio);
    right = Math.min(canvas.width, (right + margin) * ratio);
    bottom = Math.min(canvas.height, (bottom + margin) * ratio);
    var width = right - left;
    var height = bottom - top;
    var scale = Math.min(1, limits.maxWidth / width, limits.maxHeight / height);
    var out = document.createElement("canvas");
    out.width = Math.max(limits.minWidth * 2, Math.round(width * scale));
    out.height = Math.max(limits.minHeight * 2, Math.round(height * scale));
    var context = out.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, out.width, out.height);
    var drawWidth = Math.round(width * scale);
    var drawHeight = Math.round(height * scale);
    context.drawImage(
      canvas, left, top, width, height,
      Math.round((out.width - drawWidth) / 2), Math.round((out.height - drawHeight) / 2), drawWidth, drawHeight
    );
    return out.toDataURL("image/png");
  }

  // While the parent checks the drawing, the "did not sign" path is put away (a second tap on
  // "Check the signature" must not land on it) and the name stays as shown.
  function showStep(confirming) {
    drawStep.hidden = confirming;
    confirmStep.hidden = !confirming;
    decline.hidden = confirming;
    nameField.readOnly = confirming;
    if (existing) {
      existing.hidden = confirming; // only the new drawing is on screen to be checked
    }
    if (!confirming) {
      fit();
    }
  }

  document.getElementById("sig-clear").addEventListener("click", function () {
    clearPad();
    say("The box is clear: please sign again.");
  });

  document.getElementById("sig-check").addEventListener("click", function () {
    if (!nameField.value.trim()) {
      say("First write the name of the parent or guardian at the top.", true);
      nameField.focus();
      return;
    }
    if (pad.isEmpty()) {
      say("Please sign in the white box first.", true);
      return;
    }
    var url = exportSignature();
    if (url.length > limits.chars) {
      clearPad();
      say("That signature is too detailed to keep. The box is clear: please sign again, a little smaller.", true);
      return;
    }
    say("");
    preview.src = url;
    document.getElementById("sig-confirm-name").textContent = nameField.value.trim();
    showStep(true);
    confirmStep.scrollIntoView({ block: "start" });
  });

  document.getElementById("sig-again").addEventListener("click", function () {
    preview.removeAttribute("src");
    showStep(false);
    clearPad();
    say("Please sign again in the white box.");
  });

  // Only the confirmation sends the image; the reason for not signing goes only with its own button.
  // The button pressed is also noted on click, for browsers without `event.submitter`.
  var pressed = null;
  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    button.addEventListener("click", function () {
      pressed = button;
    });
  });
  form.addEventListener("submit", function (event) {
    var button = event.submitter || pressed;
    if (submitted) {
      event.preventDefault();
      return;
    }
    if (button && button.value === "sign") {
      dataField.value = preview.getAttribute("src") || "";
      reason.disabled = true;
    } else {
      dataField.value = "";
      if (!reason.value.trim()) {
        event.preventDefault();
        reason.classList.add("is-invalid");
        reason.focus();
        return;
      }
    }
    submitted = true;
    if (button) {
      button.disabled = true;
      // A disabled button is not sent: keep which one was pressed.
      var action = document.createElement("input");
      action.type = "hidden";
      action.name = button.name;
      action.value = button.value;
      form.appendChild(action);
      button.textContent = "Saving...";
    }
  });

  // While the "did not sign" path is open the pad is put away, so that the two cannot be mixed up.
  decline.addEventListener("toggle", function () {
    drawStep.hidden = decline.open || !confirmStep.hidden;
    if (decline.open) {
      confirmStep.hidden = true;
      preview.removeAttribute("src");
      clearPad();
      reason.focus();
    } else {
      showStep(false);
    }
  });
  reason.addEventListener("input", function () {
    if (reason.value.trim()) {
      reason.classList.remove("is-invalid");
    }
  });
  document.getElementById("sig-decline-cancel").addEventListener("click", function () {
    decline.open = false;
  });

  // Leaving for the visit page with a drawing not yet confirmed would lose it without a word.
  var back = page.querySelector("[data-back-to-visit]");
  if (back) {
    back.addEventListener("click", function (event) {
      var unsaved = !pad.isEmpty() || !confirmStep.hidden;
      if (unsaved && !window.confirm("The signature is not saved yet. Leave this page without saving it?")) {
        event.preventDefault();
      }
    });
  }

  if (window.ResizeObserver) {
    new window.ResizeObserver(fit).observe(box);
  } else {
    window.addEventListener("resize", fit);
  }
  window.addEventListener("orientationchange", fit);
  if (decline.open) {
    drawStep.hidden = true;
  }
  fit();
})();
