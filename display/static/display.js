// The clock in the site's time zone. No other script of ours: calls arrive as HTML over the websocket.
(function () {
  var clock = document.getElementById("clock");
  if (!clock) return;
  var format = new Intl.DateTimeFormat(clock.dataset.lang === "fi" ? "fi-FI" : clock.dataset.lang === "sv" ? "sv-FI" : "en-GB", {
    hour: "2-digit", minute: "2-digit", timeZone: clock.dataset.timezone
  });
  function tick() { clock.textContent = format.format(new Date()); }
  tick();
  setInterval(tick, 1000);
})();
