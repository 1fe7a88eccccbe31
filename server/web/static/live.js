// A live screen: one websocket, named by the page's data-live attribute (a path on this server).
// The server pushes HTML whose top-level elements replace the page's elements of the same id (htmx
// out-of-band swaps), and JSON heartbeats {"type": "heartbeat", "seq": {site: n}}. Server/live.py is
// the other end. This script:
// - pings the server every heartbeat, and takes a line silent for three heartbeats for dead (a
//   half-open connection never says so itself): it drops it and connects again;
// - reconnects with jittered backoff capped at 3 s, so a screen is back within 5 s of its server;
// - passes the sequence numbers it has seen (?seen=site:n), so what it missed can be caught up;
//   a page may say what it shows already (data-live-seen), for its first connection;
// - marks the page offline (class live-offline on <html>) when it has heard nothing for a while;
// - on a 44xx close (no longer allowed or no longer there) reloads, to show the page's true state.
// - on a staff page (data-live-session), connects again after each request the person makes: the
//   server ends the line when the session would end without activity, and a new line carries the
//   session's newer activity time (server/web/sessions.py).
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root) return;
  var beatMs = 1000 * Number(root.getAttribute("data-live-heartbeat") || 2);
  // What the page already shows, where it says (data-live-seen="site:n,…"): the first snapshot
  // then needs to send only what changed since.
  var seen = {};
  (root.getAttribute("data-live-seen") || "").split(",").forEach(function (mark) {
    var parts = mark.split(":");
    if (parts.length === 2 && /^\d+$/.test(parts[1])) seen[parts[0]] = Number(parts[1]);
  });
  var socket = null;
  var retries = 0;
  var lastHeard = Date.now();
  var socketSince = Date.now();
  var reconnectTimer = null;

  function address() {
    var path = root.getAttribute("data-live");
    var marks = Object.keys(seen).map(function (site) { return site + ":" + seen[site]; }).join(",");
    if (marks) path += (path.indexOf("?") < 0 ? "?" : "&") + "seen=" + encodeURIComponent(marks);
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }

  function setOffline(offline) {
    document.documentElement.classList.toggle("live-offline", offline);
  }

  function scheduleReconnect() {
    if (reconnectTimer) return;
    var delay = Math.min(3000, 250 * Math.pow(2, retries)) * (0.5 + Math.random() / 2);
    retries += 1;
    reconnectTimer = setTimeout(function () { reconnectTimer = null; connect(); }, delay);
  }

  function drop() {
    if (!socket) return;
    var old = socket;
    socket = null;
    old.onopen = old.onmessage = old.onclose = old.onerror = null;
    try { old.close(); } catch (e) { /* already closing */ }
  }

  function connect() {
    var ws = new WebSocket(address());
    socket = ws;
    socketSince = Date.now();
    ws.onopen = function () { retries = 0; lastHeard = Date.now(); };
    ws.onmessage = function (message) {
      lastHeard = Date.now();
      setOffline(false);
      if (message.data.charAt(0) === "{") {
        var control = JSON.parse(message.data);
        if (control.seq) seen = control.seq;
        document.dispatchEvent(new CustomEvent("live:heartbeat", { detail: control }));
        return;
      }
      htmx.swap(document.body, message.data, { swapStyle: "none" });
      document.dispatchEvent(new CustomEvent("live:swapped"));
    };
    ws.onclose = function (event) {
      if (socket !== ws) return;
      socket = null;
      if (event.code >= 4400 && event.code < 4500) {
        setTimeout(function () { location.reload(); }, 1000);
        return;
      }
      scheduleReconnect();
    };
  }

  var tick = 0;
  setInterval(function () {
    var silent = Date.now() - lastHeard;
    // A ping every heartbeat (every other tick) is plenty for a server that waits five: a thousand
    // screens pinging twice as often cost a worker time it needs for the calls.
    tick += 1;
    if (tick % 2 === 0 && socket && socket.readyState === WebSocket.OPEN) socket.send("ping");
    if (silent > 2.5 * beatMs) setOffline(true);
    // A connection attempt gets the same grace as an open line.
    if (socket && Date.now() - Math.max(lastHeard, socketSince) > 3 * beatMs) { drop(); scheduleReconnect(); }
  }, beatMs / 2);

  if (root.hasAttribute("data-live-session")) {
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (!event.detail.xhr || !event.detail.xhr.status) return;  // never reached the server
      drop();
      connect();
    });
  }

  // A page restored from the back/forward cache has a dead socket and stale contents.
  window.addEventListener("pageshow", function (event) { if (event.persisted) location.reload(); });

  connect();
})();
