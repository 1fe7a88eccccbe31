// The kiosk's accessibility (docs/accessibility.md): spoken guidance, larger text, the warning before
// the kiosk returns to its start by itself, and moving between the tiles with the arrow keys.
// The page's parts are in kiosk/templates/kiosk.html; screens are swapped into #kiosk by htmx.
(function () {
  "use strict";
  var root = document.documentElement;
  var main = document.getElementById("kiosk");
  var tools = document.querySelector(".kiosk-tools");
  if (!main || !tools) return;
  var site = tools.dataset.site;
  var lang = root.lang;
  var speechButton = document.getElementById("kiosk-speech");
  var largerButton = document.getElementById("kiosk-larger");
  var SPEECH_KEY = "*";  // the star key of a keypad (NumpadMultiply) or a keyboard

  // --- one visitor's choices ---------------------------------------------------------------------
  // Kept in sessionStorage so that they outlast a change of language (a new page); forgotten when
  // the kiosk goes back to its start screen, for the next visitor.
  var PREFS = "luukku-kiosk-prefs";
  var prefs = {};
  try { prefs = JSON.parse(sessionStorage.getItem(PREFS)) || {}; } catch (e) { prefs = {}; }

  function save() {
    try { sessionStorage.setItem(PREFS, JSON.stringify(prefs)); } catch (e) { /* private mode: this page only */ }
  }

  function show() {
    speechButton.setAttribute("aria-pressed", prefs.speech ? "true" : "false");
    largerButton.setAttribute("aria-pressed", prefs.larger ? "true" : "false");
    root.classList.toggle("kiosk-larger", !!prefs.larger);
  }

  function forget() {
    prefs = {};
    save();
    silence();
    show();
  }

  // --- speech: the server's espeak-ng files, the browser's voice only when those fail --------------
  var spoken = [];  // what was said, in order: for the browser tests and for the curious
  var generation = 0;
  var audio = null;

  function silence() {
    generation += 1;
    if (audio) { audio.pause(); audio = null; }
    if (window.speechSynthesis) window.speechSynthesis.cancel();
  }

  function address(phrase, ext) {
    return "/kiosk/" + encodeURIComponent(site) + "/speech/" + phrase.lang + "/" + phrase.id + "." + ext;
  }

  function browserVoice(phrase) {
    spoken.push("speechSynthesis:" + phrase.lang + ":" + phrase.id);
    if (!window.speechSynthesis) return Promise.resolve();
    return fetch(address(phrase, "txt")).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (text) {
      return new Promise(function (resolve) {
        if (!text) { resolve(); return; }
        var utterance = new SpeechSynthesisUtterance(text);
        utterance.lang = phrase.lang === "fi" ? "fi-FI" : phrase.lang === "sv" ? "sv-FI" : "en-GB";
        var guard = setTimeout(resolve, 15000);
        utterance.onend = utterance.onerror = function () { clearTimeout(guard); resolve(); };
        window.speechSynthesis.speak(utterance);
      });
    }, function () {});
  }

  function play(phrase, mine) {
    spoken.push(phrase.lang + ":" + phrase.id);
    return new Promise(function (resolve) {
      var clip = new Audio(address(phrase, "wav"));
      var done = false;
      function finish(ok) {
        if (done) return;
        done = true;
        clearTimeout(guard);
        if (audio === clip) audio = null;
        // A 503 (no espeak-ng on the server) or a file that will not play: the browser's voice;
        // a clip cut off by the next thing to say (its play() is refused then) is simply over.
        if (ok || mine !== generation) resolve(); else browserVoice(phrase).then(resolve);
      }
      var guard = setTimeout(function () { finish(true); }, 20000);  // a stalled clip must not stop the rest
      clip.addEventListener("ended", function () { finish(true); });
      clip.addEventListener("error", function () { finish(false); });
      audio = clip;
      var started = clip.play();
      if (started && started.catch) started.catch(function () { finish(false); });
    });
  }

  // Says the phrases in order, cutting off whatever was being said.
  function say(phrases) {
    if (!prefs.speech || !phrases.length) return;
    silence();
    var mine = generation;
    phrases.reduce(function (chain, phrase) {
      return chain.then(function () { return mine === generation ? play(phrase, mine) : null; });
    }, Promise.resolve());
  }

  // An element's phrases, then its parts' (a tile: the service, then its waiting count).
  function phrasesOf(element) {
    var found = [];
    var elements = [element].concat(Array.prototype.slice.call(element.querySelectorAll("[data-speak]")));
    elements.forEach(function (el) {
      var voice = el.getAttribute("data-speak-lang") || lang;
      (el.getAttribute("data-speak") || "").split(/\s+/).forEach(function (id) {
        if (id) found.push({ id: id, lang: voice });
      });
    });
    return found;
  }

  function screenOnly() {
    var screen = main.querySelector("[data-speak-screen]");
    if (!screen) return [];
    return screen.getAttribute("data-speak-screen").split(/\s+/).map(function (id) { return { id: id, lang: lang }; });
  }

  function focusedPhrases() {
    var el = document.activeElement;
    return el && el !== document.body && el.closest("[data-speak]") ? phrasesOf(el.closest("[data-speak]")) : [];
  }

  function toggleSpeech() {
    prefs.speech = !prefs.speech;
    save();
    show();
    if (prefs.speech) say([{ id: "speech-on", lang: lang }].concat(screenOnly(), focusedPhrases()));
    else silence();
  }

  speechButton.addEventListener("click", toggleSpeech);
  largerButton.addEventListener("click", function () {
    prefs.larger = !prefs.larger;
    save();
    show();
  });

  var quietFocus = false;
  document.addEventListener("focusin", function (event) {
    if (quietFocus || !prefs.speech) return;
    var speaking = event.target.closest && event.target.closest("[data-speak]");
    if (speaking) say(phrasesOf(speaking));
  });

  // --- keys: the speech key, arrows between the tiles ---------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.key === SPEECH_KEY && !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();  // not typed into the check-in field
      event.stopPropagation();
      toggleSpeech();
      return;
    }
    var tile = event.target.closest && event.target.closest("#kiosk-tiles .tile");
    var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (tile && step) {
      var tiles = Array.prototype.slice.call(main.querySelectorAll("#kiosk-tiles .tile"));
      var next = tiles[(tiles.indexOf(tile) + step + tiles.length) % tiles.length];
      event.preventDefault();
      next.focus();
    }
  }, true);

  // --- back to the start by itself: a warning first, and more time --------------------------------
  var WARN_S = 20;    // WCAG 2.2.1: at least 20 s to ask for more time (a screen may say less: data-warn-s)
  var EXTEND_S = 30;  // each "More time" adds this much
  var warning = document.getElementById("kiosk-timeout");
  var countdown = warning.querySelector("[data-countdown]");
  var timer = null;
  var deadline = 0;
  var returner = null;
  var warnS = WARN_S;

  function hideWarning() { warning.hidden = true; }

  function tick() {
    if (!returner || !returner.isConnected) { clearInterval(timer); hideWarning(); return; }
    var left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(timer);
      hideWarning();
      window.htmx.trigger(returner, "kiosk:return");
      return;
    }
    if (left <= warnS) {
      countdown.textContent = String(left);
      if (warning.hidden) {
        warning.hidden = false;
        say([{ id: "time-out", lang: lang }]);
      }
    } else {
      hideWarning();
    }
  }

  function arm() {
    clearInterval(timer);
    hideWarning();
    returner = main.querySelector("[data-return-s]");
    if (!returner) return;
    deadline = Date.now() + Number(returner.getAttribute("data-return-s")) * 1000;
    warnS = Number(returner.getAttribute("data-warn-s")) || WARN_S;
    timer = setInterval(tick, 250);
    tick();
  }

  warning.querySelector(".kiosk-more-time").addEventListener("click", function () {
    deadline = Math.max(deadline, Date.now()) + EXTEND_S * 1000;
    tick();
    var focusable = returner && returner.querySelector("[autofocus], input, button");
    if (focusable) focusable.focus();  // the button is hidden now: the focus goes back to the screen
  });

  // On the check-in screen each touch or key starts the wait again, as typing a code takes a while.
  ["pointerdown", "keydown"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      if (!returner || !returner.hasAttribute("data-return-on-touch") || warning.contains(event.target)) return;
      deadline = Math.max(deadline, Date.now() + Number(returner.getAttribute("data-return-s")) * 1000);
      tick();
    }, true);
  });

  // --- a new screen --------------------------------------------------------------------------------
  // Only the way back itself (the screen's own return, its back button) ends the visitor's turn;
  // requests from inside the screen (the ticket's print status, the check-in form) do not.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var from = event.detail.elt;
    if (from && from.matches && from.matches("[data-returns-to-start]")) forget();
  });

  function enter(swapped) {
    arm();
    if (swapped || !document.activeElement || document.activeElement === document.body) {
      // The element that had the focus is gone (or the page is new): the screen's first control takes it.
      var first = main.querySelector("[autofocus]") || main.querySelector(".tile") ||
                  main.querySelector("button, input, a");
      if (first) { quietFocus = true; first.focus(); quietFocus = false; }
    }
    say(screenOnly().concat(focusedPhrases()));
  }

  // htmx focuses a new screen's [autofocus] while swapping: the screen is said first (enter). A part
  // of the screen swapped in place (the ticket's print status) moves the focus quietly too, so that
  // it does not cut off what is being said (the visitor's number).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (main.contains(event.detail.target)) quietFocus = true;
  });
  // A part of a screen that says something new of itself (the guide's matters found, the slip's
  // printing) is said when it changes: not again for each poll or keystroke that changes nothing.
  var partSaid = {};
  function sayParts() {
    Array.prototype.forEach.call(main.querySelectorAll("[data-speak-part] [data-speak-screen]"), function (el) {
      var area = el.closest("[data-speak-part]").getAttribute("data-speak-part");
      var ids = el.getAttribute("data-speak-screen");
      if (partSaid[area] === ids) return;
      partSaid[area] = ids;
      say(ids.split(/\s+/).map(function (id) { return { id: id, lang: lang }; }));
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    quietFocus = false;
    if (event.detail.target === main) { partSaid = {}; enter(true); return; }
    sayParts();
    // The ticket's print progress replaced its own section: the new one has its own time to stay.
    if (main.querySelector("[data-return-s]") !== returner) {
      var before = deadline;
      arm();
      deadline = Math.max(deadline, before);  // more time asked for on the same ticket is kept
      tick();
      var again = main.querySelector("[autofocus]");
      if (again && (document.activeElement === document.body || !document.activeElement)) {
        quietFocus = true; again.focus(); quietFocus = false;
      }
    }
  });

  // A live push may put new tiles in place of the old ones (an admin changed the services): the
  // focus would fall to the page, so it goes to the same service's new tile, quietly.
  var focusedTile = null;
  document.addEventListener("focusin", function (event) {
    var tile = event.target.closest && event.target.closest(".tile");
    focusedTile = tile ? tile.getAttribute("value") || "" : null;
  });
  document.addEventListener("live:swapped", function () {
    if (focusedTile === null || (document.activeElement && document.activeElement !== document.body)) return;
    var tiles = main.querySelectorAll(".tile");
    var again = Array.prototype.find.call(tiles, function (t) { return (t.getAttribute("value") || "") === focusedTile; })
                || tiles[0];
    if (again) { quietFocus = true; again.focus(); quietFocus = false; }
  });

  // --- the site's colours: data attributes on the brand band (the CSP allows no inline style),
  // applied again after a push that brings a new band (an admin changed them) ---------------------
  function applyBrand() {
    var brand = document.getElementById("kiosk-brand");
    if (brand && brand.dataset.brand) {
      root.style.setProperty("--brand", brand.dataset.brand);
      root.style.setProperty("--brand-ink", brand.dataset.brandText);
    } else {
      root.style.removeProperty("--brand");
      root.style.removeProperty("--brand-ink");
    }
  }
  document.addEventListener("live:swapped", applyBrand);

  // --- the focus ring only for keys: on a touch screen the first tile, focused for a keyboard or a
  // screen reader, would look already chosen ------------------------------------------------------
  document.addEventListener("keydown", function () { root.classList.add("kiosk-keys"); }, true);

  // --- a QR scanner types like a keyboard: on the check-in screen its letters go to the code field
  // wherever the focus is, even before the screen's own script (checkin.js) and its autofocus have
  // come: letters typed in that moment were lost (a busy kiosk PC, seen in a test run) ------------
  document.addEventListener("keydown", function (event) {
    var input = document.getElementById("checkin-code");
    if (input && document.activeElement !== input && !event.ctrlKey && !event.altKey && !event.metaKey &&
        (event.key.length === 1 || event.key === "Enter")) {
      input.focus();
    }
  }, true);
  document.addEventListener("pointerdown", function () { root.classList.remove("kiosk-keys"); }, true);

  // --- a service name with a word longer than its tile is made smaller until it fits: never cut ---
  function fitNames() {
    Array.prototype.forEach.call(main.querySelectorAll(".tile-name"), function (name) {
      name.style.removeProperty("font-size");
      var size = parseFloat(getComputedStyle(name).fontSize);
      while (name.scrollWidth > name.clientWidth + 1 && size > 16) {
        size -= 1;
        name.style.setProperty("font-size", size + "px");
      }
    });
  }
  document.addEventListener("live:swapped", fitNames);
  document.addEventListener("htmx:afterSettle", fitNames);
  window.addEventListener("resize", fitNames);
  largerButton.addEventListener("click", fitNames);
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(fitNames);

  applyBrand();
  show();
  fitNames();
  enter(false);
  window.luukkuKiosk = { spoken: spoken, prefs: function () { return prefs; } };
})();
