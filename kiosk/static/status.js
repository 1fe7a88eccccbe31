// The ticket's status page on the visitor's phone: when the ticket is called (or called again),
// vibrate and chime. Phones play sound only after a tap on the page: "Test the alert" is that tap.
(function () {
  "use strict";
  var CHIME = "/display/speech/chime.wav";
  var status = document.getElementById("ticket-status");
  var shown = status && status.dataset.called || null;
  var chime = new Audio(CHIME);
  chime.preload = "auto";

  function alertVisitor() {
    if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 800]);
    chime.currentTime = 0;
    var playing = chime.play();
    if (playing && playing.catch) playing.catch(function () { /* no tap yet: the vibration must do */ });
  }

  document.addEventListener("live:swapped", function () {
    var now = document.getElementById("ticket-status");
    var called = now && now.dataset.called || null;
    if (called && called !== shown) {
      alertVisitor();
      document.title = "▶ " + document.title.replace(/^▶ /, "");
    }
    shown = called;
  });

  // The button is inside the live part, which each push replaces: listen on the document.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#status-sound")) alertVisitor();
  });
})();
