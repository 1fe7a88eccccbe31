// The kiosk's check-in screen (kiosk/templates/_kiosk_checkin.html): the keypad types into the code
// field, the field keeps the focus so that a QR scanner (a keyboard to the browser) always types
// into it, and where the browser reads QR codes itself (BarcodeDetector) the camera can be used.
// htmx runs this file again each time the screen is swapped in: the listeners are added once.
(function () {
  "use strict";
  if (window.luukkuCheckin) { window.luukkuCheckin.init(document); return; }

  function field() { return document.getElementById("checkin-code"); }

  function type(input, key) {
    var value = input.value, start = input.selectionStart, end = input.selectionEnd;
    if (start === null || start === end && document.activeElement !== input) { start = end = value.length; }
    if (key === "clear") {
      input.value = "";
    } else if (key === "back") {
      input.value = value.slice(0, -1);
    } else {
      input.value = value.slice(0, start) + key + value.slice(end);
      end = start + key.length;
    }
    var caret = key.length === 1 ? end : input.value.length;
    input.focus();
    input.setSelectionRange(caret, caret);
  }

  // A tap on a key must not take the focus from the field.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest(".keypad")) { event.preventDefault(); }
  });
  document.addEventListener("click", function (event) {
    var key = event.target.closest && event.target.closest(".keypad [data-key]");
    var input = field();
    if (key && input) { type(input, key.getAttribute("data-key")); }
  });
  // A scanner's keystrokes go to the field whatever was touched last: kiosk.js sends them there, as it
  // is on the page before this script arrives.

  function stop(stream, video) {
    stream.getTracks().forEach(function (track) { track.stop(); });
    video.hidden = true;
  }

  function scan(root, detector) {
    var video = root.querySelector(".checkin-video");
    var button = root.querySelector("[data-camera]");
    var input = field();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" }, audio: false }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      button.disabled = true;
      video.play();
      var until = Date.now() + 60000;
      (function look() {
        // The screen went away (a ticket, the start screen) or nobody showed a code: camera off.
        if (!video.isConnected || Date.now() > until) { stop(stream, video); button.disabled = false; return; }
        detector.detect(video).then(function (codes) {
          if (codes.length && input.isConnected) {
            stop(stream, video);
            input.value = codes[0].rawValue;
            input.form.requestSubmit();
          } else {
            setTimeout(look, 250);
          }
        }, function () { setTimeout(look, 250); });
      })();
    }, function () { root.querySelector(".checkin-camera").hidden = true; });
  }

  function init(root) {
    var camera = root.querySelector && root.querySelector(".checkin-camera");
    if (!camera || camera.dataset.ready) { return; }
    camera.dataset.ready = "yes";
    var input = field();
    // After a refusal the code stays in the field, selected: a new scan or a new letter replaces it.
    // Only the refused code as the server sent it: what a scanner typed while the screen was still
    // settling is the start of a new code, not something to replace.
    if (input && input.value && input.value === input.defaultValue) { input.focus(); input.select(); }
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) { return; }
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      camera.hidden = false;
      camera.querySelector("[data-camera]").addEventListener("click", function () { scan(root, detector); });
    }, function () {});
  }

  window.luukkuCheckin = { init: init };
  document.addEventListener("htmx:load", function (event) { init(event.target); });
  init(document);
})();
