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

// "Notify this phone" (issue 19): where this browser can get push messages, the button shows; a tap
// subscribes (push.js) and posts the subscription to the ticket, whose answer is the ticket's part.
(function () {
  "use strict";
  function showPushButtons() {
    var supported = window.LuukkuPush && window.LuukkuPush.supported();
    document.querySelectorAll("[data-push-key]").forEach(function (box) { box.hidden = !supported; });
  }
  document.addEventListener("DOMContentLoaded", showPushButtons);
  document.addEventListener("htmx:afterSettle", showPushButtons);
  document.addEventListener("live:swapped", showPushButtons);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".status-push-button");
    if (!button) return;
    var box = button.closest("[data-push-key]");
    var main = document.querySelector("main[data-csrf]");
    var minutes = document.getElementById("notify-minutes");
    button.disabled = true;
    window.LuukkuPush.subscribe(box.dataset.pushKey, "/t/push-sw.js").then(function (subscription) {
      return fetch(box.dataset.pushUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "HX-Request": "true",
                   "X-CSRF-Token": main ? main.dataset.csrf : "" },
        body: JSON.stringify({ subscription: subscription, minutes: minutes ? Number(minutes.value) : 20 }),
      });
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      window.htmx.swap("#ticket-status", html, { swapStyle: "outerHTML" });
    }).catch(function () {
      button.disabled = false;
      var note = box.querySelector(".status-push-refused") || document.createElement("span");
      note.className = "status-push-refused";
      note.setAttribute("role", "alert");
      note.textContent = box.dataset.pushRefused;
      box.appendChild(note);
    });
  });
})();
