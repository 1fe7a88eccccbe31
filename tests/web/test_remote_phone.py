"""Joining from a phone at 390×844 (issue 19, kiosk/remote.py) in Debian's Chromium: the join list,
the form, the ticket's page before and after "I'm here", in Finnish, Swedish and English. Nothing
cut or scrolling sideways, touch targets of 44 px or more, and the main action (Join, I'm here) on
the first screen. Screenshots go to $LUUKKU_SCREENSHOTS (scripts/screenshots) or the test's folder."""

import itertools
import os
from pathlib import Path

import pytest

from server import queue, remote
from server.db import Database
from server.models import utcnow
from tests.web import geometry
from tests.web.axe import assert_accessible
from tests.web.test_remote_pages import server  # noqa: F401 (the fixture: joinable until midnight)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LANGS = ("fi", "sv", "en")
CONTROLS = "a, button, input, select, textarea, [role=button]"
_phones = itertools.count(7654301)


def problems(page) -> list[str]:
    """Sideways scrolling, clipped text, torn figures, controls cut or covered, small touch targets;
    measured on the whole page at once (a phone scrolls down to it)."""
    found = [f for f in geometry.scrolling(page) if "wide" in f]
    found += geometry.clipped_text(page) + geometry.broken_figures(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 390, "height": height})
    try:
        found += geometry.off_screen(page) + geometry.covered(page) + small_targets(page)
    finally:
        page.set_viewport_size({"width": 390, "height": 844})
    return found


def small_targets(page) -> list[str]:
    """Controls a finger can miss: under 44 px high (a radio's or a checkbox's label counts with it)."""
    return page.evaluate("""(selector) => {
      const found = [];
      for (const el of document.querySelectorAll(selector)) {
        const r = el.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1 || el.closest("[hidden]")) continue;
        let h = r.height;
        if (el.type === "radio" || el.type === "checkbox") {
          const row = el.closest(".check"); if (row) h = row.getBoundingClientRect().height;
        }
        if (el.tagName === "A" && el.closest("p, li") && !el.closest(".languages, .booking-back, .status-actions, .booking-choices"))
          continue;  // a link in running text: the sentence is the target (WCAG 2.5.8 exception)
        if (h < 44) found.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${(el.innerText || el.value || "").trim().slice(0, 30)}" is ${Math.round(h)} px high`);
      }
      return found;
    }""", CONTROLS)


def on_first_screen(page, selector: str) -> bool:
    return page.evaluate("""(selector) => {
      const r = document.querySelector(selector).getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight && r.height >= 44;
    }""", selector)


def test_joining_and_arriving_fit_a_phone_in_every_language(browser, server, tmp_path):
    shots = Path(os.environ.get("LUUKKU_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    db = Database(server.settings.database_url)
    try:
        with db.read() as session:
            site = queue.get_site(session, "demo")
            code = remote.site_code(server.settings.secret_key, site, queue.local_day(site, utcnow()))
        for lang in LANGS:
            page.goto(f"{server.url}/j/demo?lang={lang}")
            page.locator(".join-choice").first.wait_for()
            page.screenshot(path=str(shots / f"join-list-{lang}.png"), full_page=True)
            assert ("list", lang, problems(page)) == ("list", lang, [])
            assert_accessible(page)

            page.locator('a[href="/j/demo/housing"]').click()
            page.locator(".join-form").wait_for()
            assert on_first_screen(page, ".booking-submit"), lang
            page.screenshot(path=str(shots / f"join-form-{lang}.png"), full_page=True)
            assert ("form", lang, problems(page)) == ("form", lang, [])
            assert_accessible(page)

            page.locator("#f-phone").fill(f"050 {next(_phones):07d}")
            page.locator(".booking-submit").click()
            page.locator("#status-arrive").wait_for()
            page.wait_for_function("() => window.htmx !== undefined")
            assert on_first_screen(page, ".status-here"), lang
            page.screenshot(path=str(shots / f"join-status-{lang}.png"), full_page=True)
            assert ("status", lang, problems(page)) == ("status", lang, [])
            assert_accessible(page)

            page.locator("#here-code").fill(code)
            page.locator(".status-here").click()
            page.locator("#status-arrived").wait_for(timeout=5000)
            assert page.url.endswith(page.url.split("/t/")[1]) and "/t/" in page.url  # htmx: the same page
            page.screenshot(path=str(shots / f"join-arrived-{lang}.png"), full_page=True)
            assert ("arrived", lang, problems(page)) == ("arrived", lang, [])
            assert_accessible(page)
    finally:
        db.dispose()
        context.close()
