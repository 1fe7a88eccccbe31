// The lobby (kiosk/lobby.py): asks for this browser's place every few seconds (the server says how
// long to wait, jittered), swaps in the status, and opens the times when the turn comes. Without
// this script the page's noscript refresh does the same, a whole page at a time.
(function () {
  "use strict";
  function schedule(seconds) {
    window.setTimeout(poll, Math.max(3, seconds) * 1000);
  }
  function current() {
    return document.getElementById("lobby-status");
  }
  function poll() {
    fetch(window.location.href, {headers: {"X-Lobby-Poll": "1"}, credentials: "same-origin", cache: "no-store"})
      .then(function (response) {
        if (response.headers.get("X-Lobby-Admitted")) {
          window.location.reload();  // our turn: the same address now shows the times
          return null;
        }
        if (!response.ok || !response.headers.get("X-Lobby-Refresh")) {
          throw new Error("not the lobby's answer");
        }
        var next = Number(response.headers.get("X-Lobby-Refresh"));
        return response.text().then(function (html) {
          var fresh = document.createRange().createContextualFragment(html).firstElementChild;
          if (fresh && current()) current().replaceWith(fresh);
          schedule(next);
        });
      })
      .catch(function () {
        schedule(15 + Math.random() * 15);  // the server is busy or the network away: ask later
      });
  }
  var status = current();
  if (status) schedule(Number(status.dataset.refreshS) || 10);
})();
