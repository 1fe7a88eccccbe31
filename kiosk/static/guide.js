// The guide's screen (kiosk/templates/_guide.html): the on-screen keyboard types into the field, the
// matters found replace the list as the visitor types (htmx, after a pause), the Search key asks at
// once (a search that finds nothing is then recorded), and only whole matters are shown: those that
// do not fit the screen are left out, with a line saying how many more there are.
// Loaded with the kiosk's page (kiosk.html), not with the screen: a script in a swapped-in screen
// comes a moment after it, and a quick visitor's first key was lost. The listeners are on the
// document and find the screen when they run.
(function () {
  "use strict";

  function parts() {
    var screen = document.getElementById("guide");
    return screen && { screen: screen, field: document.getElementById("guide-q"), form: screen.querySelector(".guide-form") };
  }

  function search(p, atOnce) {
    if (atOnce) {
      // The Search key: the same request as typing, flagged so that an empty answer is recorded.
      p.form.setAttribute("hx-vals", JSON.stringify({ search: "1" }));
      window.htmx.trigger(p.form, "guide:search");
      p.form.removeAttribute("hx-vals");
    } else {
      p.field.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  // A tap on a key must not take the focus from the field (a scanner or keyboard types there).
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest(".keyboard")) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var key = event.target.closest && event.target.closest(".keyboard [data-type]");
    var p = key && parts();
    if (!p) return;
    var type = key.getAttribute("data-type");
    if (type === "search") { search(p, true); return; }
    if (type === "back") p.field.value = p.field.value.slice(0, -1);
    else if (type === "clear") p.field.value = "";
    else if (p.field.value.length < Number(p.field.getAttribute("maxlength"))) p.field.value += type;
    p.field.focus();
    search(p, false);
  });

  // Enter on a physical keyboard is the Search key; the form is never sent as a page.
  document.addEventListener("submit", function (event) {
    var p = parts();
    if (!p || event.target !== p.form) return;
    event.preventDefault();
    search(p, true);
  });

  function fit() {
    var p = parts();
    var list = p && p.screen.querySelector(".guide-hits");
    if (!list) return;
    var hits = list.querySelectorAll(".guide-hit");
    var more = p.screen.querySelector(".guide-more");
    var results = p.screen.querySelector(".guide-results");
    Array.prototype.forEach.call(hits, function (hit) { hit.hidden = false; });
    if (more) more.hidden = true;
    results.classList.remove("compact");
    if (hits.length && hits[0].getBoundingClientRect().bottom > list.getBoundingClientRect().bottom + 0.5) {
      results.classList.add("compact");  // the heading's room for the first matter
    }
    var bottom = list.getBoundingClientRect().bottom;
    var hidden = 0;
    Array.prototype.forEach.call(hits, function (hit) {
      if (hidden || hit.getBoundingClientRect().bottom > bottom + 0.5) { hit.hidden = true; hidden += 1; }
    });
    if (more && hidden) {
      more.hidden = false;
      bottom = list.getBoundingClientRect().bottom;  // the line took its room from the list
      Array.prototype.forEach.call(hits, function (hit) {
        if (!hit.hidden && hit.getBoundingClientRect().bottom > bottom + 0.5) { hit.hidden = true; hidden += 1; }
      });
      more.querySelector("[data-count]").textContent = String(hidden);
    }
  }

  // A matter's screen: its words as large as they were designed, unless then the screen would
  // scroll (a long answer, larger text): smaller in steps, to 0.6 at the least.
  function fitMatter() {
    var matter = document.getElementById("matter");
    if (!matter) return;
    var scale = 1;
    for (;;) {
      matter.style.setProperty("--matter-scale", scale);
      var over = matter.scrollHeight > matter.clientHeight + 1 || matter.scrollWidth > matter.clientWidth + 1;
      if (!over || scale <= 0.6) break;
      scale = Math.round((scale - 0.05) * 100) / 100;
    }
  }

  function fitAll() { fit(); fitMatter(); }

  document.addEventListener("htmx:afterSettle", fitAll);
  window.addEventListener("resize", fitAll);
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("#kiosk-larger")) fitAll();
  });
  window.luukkuGuide = { fit: fitAll };
  fitAll();
})();
