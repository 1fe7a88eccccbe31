"""The arrival screen by the entrance (/display/{site}/arrival, issue 19): the code of the day that a
visitor who joined the queue from a phone scans to say "I'm here". At 1920×1080 and 1080×1920, in
Finnish, Swedish, English and all three at once: nothing scrolls or is cut, the QR code is whole and
large, the digits are today's. Photos go to $LUUKKU_SCREENSHOTS when set (scripts/screenshots)."""

import os
import re
from pathlib import Path

import httpx
import pytest

from server import queue, remote
from server.models import utcnow
from tests.web.geometry import clipped_text, fits, off_screen

pytestmark = pytest.mark.browser

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
LANGS = ("fi", "sv", "en", "fi,sv,en")


def todays_code(live_server) -> str:
    with live_server.app.state.db.read() as session:
        site = queue.get_site(session, "demo")
        return remote.site_code(live_server.settings.secret_key, site, queue.local_day(site, utcnow()))


def test_the_arrival_screen_shows_todays_code_and_its_link(live_server):
    page = httpx.get(f"{live_server.url}/display/demo/arrival?lang=sv")
    assert page.status_code == 200
    code = todays_code(live_server)
    assert re.search(r'id="arrival-code"[^>]*>' + " ".join(code) + "<", page.text)
    assert "Har du ställt dig i kön med telefonen?" in page.text  # the Swedish words, not English
    assert httpx.get(f"{live_server.url}/display/nowhere/arrival").status_code == 404


def test_the_arrival_screen_fits_every_screen_in_every_language(browser, live_server):
    # One page loads each language and is measured at both sizes, the window turned (display.css and
    # display.js follow a resize); the next language loads at the size the last one ended at, so
    # each size is also a first layout. A page per view took twice the loads.
    shots = os.environ.get("LUUKKU_SCREENSHOTS")
    found = []
    layouts = list(SIZES)
    page = browser.new_page(viewport={"width": SIZES[layouts[0]][0], "height": SIZES[layouts[0]][1]})
    try:
        for lang in LANGS:
            page.goto(f"{live_server.url}/display/demo/arrival?lang={lang}")
            page.evaluate("() => document.fonts.ready")
            for layout in layouts:
                width, height = SIZES[layout]
                page.set_viewport_size({"width": width, "height": height})
                page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
                name = f"arrival-{layout}-{lang.replace(',', '+')}"
                if shots:
                    Path(shots).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(Path(shots) / f"{name}.png"))
                found += [f"{name}: {p}" for p in fits(page) + clipped_text(page) + off_screen(page, "#arrival-qr svg, #arrival-code")]
                qr = page.locator("#arrival-qr svg").bounding_box()
                # Scanned from arm's length: the code takes at least half of the screen's short side.
                if min(qr["width"], qr["height"]) < 0.5 * min(width, height):
                    found.append(f"{name}: the QR code is only {qr['width']:.0f} px")
                digits = page.locator("#arrival-code").bounding_box()
                if digits["height"] < 0.08 * min(width, height):
                    found.append(f"{name}: the digits are only {digits['height']:.0f} px high")
            layouts.reverse()  # the next language starts at the size this one ended at
    finally:
        page.close()
    assert not found, "\n".join(found)
