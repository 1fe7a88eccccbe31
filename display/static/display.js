// The waiting-room display: the clock, the highlight of a new call, and the announcements.
// Calls arrive as HTML over the websocket (server/web/static/live.js); each call to announce is an <li> appended
// to #announcements with the audio to play in order (chime, then the call in each language) and
// the texts, which the browser's own speech reads if an audio file cannot be played.
(function () {
  "use strict";
  var screen = document.querySelector(".display-screen");

  // --- the site's brand colours: data attributes, since the CSP allows no inline style; applied
  // again after each push, which carries the brand as it is now (an admin may have changed it) ----
  function applyBrand() {
    var brand = document.getElementById("display-brand");
    var header = document.querySelector(".display-header");
    if (!screen || !brand || !header) return;
    if (brand.dataset.brand) {
      screen.style.setProperty("--brand", brand.dataset.brand);
      screen.style.setProperty("--brand-text", brand.dataset.brandText);
    } else {
      screen.style.removeProperty("--brand");
      screen.style.removeProperty("--brand-text");
    }
    header.classList.toggle("branded", !!brand.dataset.brand);
  }
  applyBrand();
  document.addEventListener("live:swapped", applyBrand);

  // --- the clock, in the site's time zone -------------------------------------------------------
  var clock = document.getElementById("clock");
  if (clock) {
    var lang = clock.dataset.lang;
    var format = new Intl.DateTimeFormat(lang === "fi" ? "fi-FI" : lang === "sv" ? "sv-FI" : "en-GB", {
      hour: "2-digit", minute: "2-digit", timeZone: clock.dataset.timezone
    });
    var tick = function () { clock.textContent = format.format(new Date()); };
    tick();
    setInterval(tick, 1000);
  }

  // --- layout: "auto" follows the screen's orientation ---------------------------------------------
  var body = document.body;
  function orient() {
    if (body.classList.contains("layout-auto")) {
      body.classList.toggle("portrait", window.innerHeight > window.innerWidth);
    }
  }
  orient();

  // --- only what fits: the waiting panel's names whole, the list of calls in whole rows ----------
  // The server sends every call asked for (calls=…); how many fit depends on the screen, the
  // languages and the panel, so the page measures. Run after every push, since each replaces them.
  var PANEL_SHARE = { landscape: 0.45, portrait: 0.4 };  // of the main area, at most
  var MIN_SCALE = 0.6;  // the panel's text at 3vmin at the least: capitals ≈ 1.4 cm, from 5–6 m
  var MIN_ROWS = 3;
  var main = document.querySelector(".display-main");

  function tooWide(panel) {
    // The tables' columns are fixed: a word too long for its cell sticks out of it.
    return [panel].concat(Array.prototype.slice.call(panel.querySelectorAll("th, td, .waiting-name")))
      .some(function (el) { return el.scrollWidth > el.clientWidth + 1; });
  }

  function fitRows() {
    var section = document.getElementById("recent-calls");
    if (!section) return { shown: 0, total: 0 };
    var rows = section.querySelectorAll("tbody tr");
    section.classList.remove("fit-none");
    Array.prototype.forEach.call(rows, function (row) { row.hidden = false; });
    var bottom = section.getBoundingClientRect().bottom;
    var full = false;
    var shown = 0;
    // Hiding a row moves the next one up: once one does not fit, none after it is shown either.
    Array.prototype.forEach.call(rows, function (row) {
      if (!full && row.getBoundingClientRect().bottom <= bottom + 0.5) shown += 1;
      else { full = true; row.hidden = true; }
    });
    section.classList.toggle("fit-none", rows.length > 0 && shown === 0);
    return { shown: shown, total: rows.length };
  }

  // The panel's text is as large as it was designed, unless then a name would not fit, the panel
  // would take more than its share of the screen, or fewer than three earlier calls would show.
  function fit() {
    var panel = document.getElementById("waiting-panel");
    var share = PANEL_SHARE[body.classList.contains("portrait") ? "portrait" : "landscape"];
    var scale = 1;
    var rows;
    for (;;) {
      if (panel) {
        panel.classList.remove("fit-break");
        panel.style.setProperty("--fit-scale", scale);
      }
      rows = fitRows();
      var crowded = panel && main && (tooWide(panel) || panel.offsetHeight > share * main.clientHeight ||
                                      rows.shown < Math.min(MIN_ROWS, rows.total));
      if (!crowded || scale <= MIN_SCALE) break;
      scale = Math.round((scale - 0.05) * 100) / 100;
    }
    // A word longer than the column is wide even so: break it rather than cut it.
    if (panel && tooWide(panel)) {
      panel.classList.add("fit-break");
      fitRows();
    }
  }
  fit();
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fit);
  window.addEventListener("resize", function () { orient(); fit(); });
  document.addEventListener("live:swapped", fit);

  // --- a new call (or a recall) is a bright band for ten seconds --------------------------------
  var HIGHLIGHT_MS = 10000;
  var shownCall = (document.getElementById("latest-call") || {}).dataset || {};
  shownCall = shownCall.call || null;
  var highlightTimer = null;
  document.addEventListener("live:swapped", function () {
    var latest = document.getElementById("latest-call");
    var call = latest && latest.dataset.call || null;
    if (call && call !== shownCall) {
      latest.classList.add("fresh", "fresh-start");  // fresh-start: the one entrance (display.css)
      clearTimeout(highlightTimer);
      highlightTimer = setTimeout(function () {
        highlightTimer = null;
        var now = document.getElementById("latest-call");
        if (now) now.classList.remove("fresh", "fresh-start");
      }, HIGHLIGHT_MS);
    } else if (latest && highlightTimer) {
      // The element was replaced by a push that is not a new call: keep the glow it had.
      latest.classList.add("fresh");
    }
    shownCall = call;
  });

  // --- announcements, one at a time --------------------------------------------------------------
  var soundOn = screen && screen.dataset.sound === "on";
  var list = document.getElementById("announcements");
  var queue = [];
  var announced = {};  // key -> true: a call caught up after a reconnect is not spoken twice
  var playing = false;
  var blocked = false;
  var enableButton = document.getElementById("enable-sound");
  var CHIME = "/display/speech/chime.wav";

  function showEnableButton(show) {
    blocked = show;
    if (enableButton) enableButton.hidden = !show;
  }

  var played = [];  // what was played, in order: for the browser tests and for the curious

  function playFile(url) {
    played.push(url);
    return new Promise(function (resolve, reject) {
      var audio = new Audio(url);
      var done = false;
      var finish = function (ok, error) {
        if (done) return;
        done = true;
        clearTimeout(guard);
        if (ok) resolve(); else reject(error);
      };
      // A clip that never ends (a stalled download, no audio device) must not stop the queue.
      var guard = setTimeout(function () { finish(true); }, 15000);
      audio.addEventListener("ended", function () { finish(true); });
      audio.addEventListener("error", function () { finish(false, new Error("audio " + url)); });
      var started = audio.play();
      if (started && started.catch) started.catch(function (error) { finish(false, error); });
    });
  }

  function speakText(text, lang) {
    played.push("speechSynthesis:" + lang);
    return new Promise(function (resolve) {
      if (!window.speechSynthesis || !text) { resolve(); return; }
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = lang === "fi" ? "fi-FI" : lang === "sv" ? "sv-FI" : "en-GB";
      utterance.rate = 0.9;
      var guard = setTimeout(resolve, 10000);
      utterance.onend = utterance.onerror = function () { clearTimeout(guard); resolve(); };
      window.speechSynthesis.speak(utterance);
    });
  }

  function announce(item) {
    var audio = JSON.parse(item.dataset.audio);
    var texts = JSON.parse(item.dataset.texts);
    var langs = Object.keys(texts);
    // Files first; a spoken line whose file fails is read by the browser instead.
    var steps = audio.map(function (url, i) {
      return function () {
        return playFile(url).catch(function (error) {
          if (error && error.name === "NotAllowedError") throw error;
          var lang = i === 0 ? null : langs[i - 1];
          return lang ? speakText(texts[lang], lang) : null;
        });
      };
    });
    // No server speech: the chime, then the browser's voice for each language.
    if (audio.length === 1) {
      langs.forEach(function (lang) { steps.push(function () { return speakText(texts[lang], lang); }); });
    }
    return steps.reduce(function (chain, step) { return chain.then(step); }, Promise.resolve());
  }

  function next() {
    if (playing || blocked || !queue.length) return;
    playing = true;
    var item = queue[0];
    announce(item).then(function () {
      queue.shift();
      playing = false;
      next();
    }, function (error) {
      playing = false;
      if (error && error.name === "NotAllowedError") showEnableButton(true);  // kept in the queue
      else { queue.shift(); next(); }
    });
  }

  function collect() {
    if (!list) return;
    Array.prototype.slice.call(list.children).forEach(function (item) {
      list.removeChild(item);
      if (!soundOn || announced[item.dataset.key]) return;
      announced[item.dataset.key] = true;
      queue.push(item);
    });
    next();
  }

  document.addEventListener("live:swapped", collect);

  if (soundOn) {
    // Browsers let a page play sound only after a tap, unless started in kiosk mode
    // (docs/display.md). Try a silent play: if refused, offer the one-tap button.
    var probe = new Audio(CHIME);
    probe.volume = 0;
    var tried = probe.play();
    if (tried && tried.then) {
      tried.then(function () { probe.pause(); }, function (error) {
        if (error && error.name === "NotAllowedError") showEnableButton(true);
      });
    }
    if (enableButton) {
      enableButton.addEventListener("click", function () {
        var unlock = new Audio(CHIME);
        unlock.volume = 0;
        unlock.play().then(function () { unlock.pause(); showEnableButton(false); next(); },
                           function () { showEnableButton(true); });
      });
    }
  }

  window.luukkuDisplay = { queue: queue, announced: announced, played: played };
})();
