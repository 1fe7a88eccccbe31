"""The waiting-room display in Debian's Chromium: calls appear and are spoken in order, the screen
recovers by itself when its server dies and comes back, and each layout is photographed (for
docs/screenshots/ when scripts/screenshots runs it)."""

import os
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from server import counters, queue
from server.db import Database
from server.models import Site, StaffUser
from tests.conftest import DEMO_PASSWORD, Uvicorn, free_port, prepare_demo_database
from tests.web.geometry import open_display

pytestmark = pytest.mark.browser


class Clerk:
    """A clerk working through the JSON API (the counter screen has its own browser tests)."""

    def __init__(self, url: str, username: str = "clerk"):
        self.api = httpx.Client(base_url=f"{url}/api", timeout=10)
        token = self.api.post("/v1/token", json={"username": username, "password": DEMO_PASSWORD}).json()
        self.api.headers["Authorization"] = f"Bearer {token['access_token']}"

    def open(self, counter: int, *services: str) -> None:
        assert self.api.post(f"/v1/counters/{counter}/open", json={"services": list(services)}).status_code == 200

    def take(self, service: str) -> dict:
        response = self.api.post("/v1/sites/demo/tickets", json={"service": service})
        assert response.status_code == 201
        return response.json()

    def call_next(self, counter: int) -> dict:
        response = self.api.post(f"/v1/counters/{counter}/call-next")
        assert response.status_code == 200, response.text
        return response.json()

    def done(self, ticket_id: str) -> None:
        """The customer was served: start and finish."""
        for step in ("start", "finish"):
            assert self.api.post(f"/v1/tickets/{ticket_id}/{step}").status_code == 200

    def recall(self, ticket_id: str) -> None:
        assert self.api.post(f"/v1/tickets/{ticket_id}/recall").status_code == 200

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.api.close()


def audio_requests(page) -> list[str]:
    """The paths of the audio files the page asks for, in order (a list that fills as it goes)."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url.split("/display/speech/", 1)[1])
            if "/display/speech/" in r.url else None)
    return seen


def wait_for(page, condition, timeout: float = 10, what: str = "the condition"):
    """Waits while letting Playwright deliver the page's events (a bare sleep would hold them back)."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(50)
    return result


FAST_AUDIO = """
// Plays every clip four times faster: the order and the one-at-a-time rule are what is tested.
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () { this.playbackRate = 4; return play.call(this); };
"""


def display_page(browser, url: str, viewport=(1920, 1080)):
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.add_init_script(FAST_AUDIO)
    heard = audio_requests(page)
    page.goto(url)
    page.wait_for_function("() => window.luukkuDisplay && window.htmx")
    return page, heard


def played(page) -> list[str]:
    return [url.split("/display/speech/", 1)[1] for url in page.evaluate("window.luukkuDisplay.played")]


def test_a_call_is_chimed_and_spoken_in_each_language_in_order(kiosk_browser, live_server):
    page, heard = display_page(kiosk_browser, f"{live_server.url}/display/demo?lang=fi,sv,en")
    with Clerk(live_server.url) as clerk:
        clerk.open(3, "advice")
        clerk.take("advice")
        clerk.call_next(3)
    page.locator(".latest-number", has_text="A001").wait_for(timeout=5000)
    # The word "counter" in each of the display's languages, then the number.
    assert "Palvelupiste Lucka Counter 3" in " ".join(page.locator("#latest-call").inner_text().split())
    assert page.locator("#latest-call.fresh").count() == 1  # highlighted
    wait_for(page, lambda: len(played(page)) == 4 and not page.evaluate("window.luukkuDisplay.queue.length"),
             what="the whole announcement")
    assert played(page) == ["chime.wav", "fi/A001/3.wav", "sv/A001/3.wav", "en/A001/3.wav"]
    assert [h for h in heard if h != "chime.wav"] == ["fi/A001/3.wav", "sv/A001/3.wav", "en/A001/3.wav"]
    assert page.locator("#enable-sound").is_hidden()  # started as a kiosk: no tap needed


def test_calls_made_at_once_are_spoken_one_after_another_and_a_recall_again(kiosk_browser, live_server):
    page, heard = display_page(kiosk_browser, f"{live_server.url}/display/demo?lang=fi,sv")
    with Clerk(live_server.url) as clerk, Clerk(live_server.url, "expert") as other:
        clerk.open(3, "advice")
        other.open(5, "advice")
        clerk.take("advice")
        clerk.take("advice")
        first = clerk.call_next(3)
        other.call_next(5)
        clerk.recall(first["id"])
    wait_for(page, lambda: len(played(page)) == 9, what="three announcements")
    assert played(page) == [
        "chime.wav", "fi/A001/3.wav", "sv/A001/3.wav",
        "chime.wav", "fi/A002/5.wav", "sv/A002/5.wav",
        "chime.wav", "fi/A001/3.wav", "sv/A001/3.wav",  # the recall speaks again
    ]
    # Requested one at a time: the next file only once the one before it had ended.
    assert [h for h in heard if h != "chime.wav"][:4] == ["fi/A001/3.wav", "sv/A001/3.wav", "fi/A002/5.wav", "sv/A002/5.wav"]
    assert page.locator(".latest-number").inner_text() == "A001"  # the recall is the newest call again


def test_the_display_recovers_by_itself_when_its_server_dies_and_comes_back(browser, tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}")
    port = free_port()
    # Heartbeats every 0.5 s rather than 2: the page takes its silent line for dead (and says so)
    # after 1.25 s instead of 5, the same rule sooner.
    demo = {"demo": "true", "demo_password": DEMO_PASSWORD, "live_heartbeat_s": "0.5"}
    server = Uvicorn(url, port, tmp_path / "first", **demo)
    server.wait_until_serving()
    try:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(f"{server.url}/display/demo?lang=fi")
        page.wait_for_function("() => window.luukkuDisplay && window.htmx")
        with Clerk(server.url) as clerk:
            clerk.open(3, "advice")
            clerk.take("advice")
            clerk.take("advice")
            first = clerk.call_next(3)
        page.locator(".latest-number", has_text="A001").wait_for(timeout=5000)
        page.evaluate("window.stillTheSamePage = true")
        assert page.locator(".live-offline-mark").is_hidden()

        server.process.kill()  # no goodbye: the power cord
        server.process.wait()
        page.locator(".live-offline-mark").wait_for(state="visible", timeout=10_000)
        # Meanwhile the day goes on (another worker, say): A001 is served and A002 called.
        db = Database(url)
        try:
            with db.write() as session:
                clerk_id = session.exec(select(StaffUser).where(StaffUser.username == "clerk")).one().id
                for step in (counters.start_serving, counters.finish):
                    step(session, first["id"], clerk_id)
            with db.write() as session:
                counters.call_next(session, 3, clerk_id)
        finally:
            db.dispose()
        assert page.locator(".latest-number").inner_text() == "A001"  # the last state it had

        server = Uvicorn(url, port, tmp_path / "second", **demo)
        server.wait_until_serving()
        # Within 5 s of the server being back, with no hand on the screen, the true state:
        page.locator(".latest-number", has_text="A002").wait_for(timeout=5000)
        page.locator(".live-offline-mark").wait_for(state="hidden", timeout=5000)
        assert page.evaluate("window.stillTheSamePage === true")  # no reload
        page.close()
    finally:
        server.stop()


@pytest.mark.screenshots
def test_each_layout_is_photographed_for_the_docs(browser, live_server, tmp_path):
    """docs/screenshots/display-*.png come from here (scripts/screenshots), so they show the display
    as it is; in the test run the photos go to a temporary folder."""
    folder = Path(os.environ.get("LUUKKU_SCREENSHOTS") or tmp_path)
    db = live_server.app.state.db
    with db.write() as session:
        site = queue.get_site(session, "demo")
        site.brand_colour = "#00558c"
        site.display_notice_fi = "Tervetuloa! Palvelemme arkisin 8–16. Ajanvarauksella pääset jonon ohi."
        site.display_notice_sv = "Välkommen! Vi betjänar vardagar 8–16."
        session.add(site)
    with Clerk(live_server.url) as clerk, Clerk(live_server.url, "expert") as expert:
        clerk.open(3, "advice", "housing")
        expert.open(5, "building")
        for service in ("advice", "housing", "advice", "building", "advice", "housing", "advice"):
            clerk.take(service)
        for _ in range(3):
            clerk.done(clerk.call_next(3)["id"])
        expert.call_next(5)
        clerk.call_next(3)
    folder.mkdir(parents=True, exist_ok=True)
    for layout, size in (("landscape", (1920, 1080)), ("portrait", (1080, 1920))):
        # After the first live push (the whole state again), which replaces what is measured.
        page = open_display(browser, f"{live_server.url}/display/demo?lang=fi,sv&panel=waiting&sound=off", size)
        # The notice line stopped a few seconds into its scroll, for the photo.
        # (A constructed style sheet: the page's CSP refuses a <style> tag, as it should.)
        page.evaluate("""() => { const sheet = new CSSStyleSheet();
            sheet.replaceSync('.notice-track { animation-play-state: paused; animation-delay: -14s; }');
            document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }""")
        assert page.locator(".latest-number").bounding_box()["height"] > size[1] * 0.12  # from 10 m
        page.screenshot(path=str(folder / f"display-{layout}.png"))
        assert (folder / f"display-{layout}.png").stat().st_size > 10_000
        page.close()


def test_without_kiosk_mode_one_tap_turns_the_sound_on_and_no_call_is_lost(browser, live_server):
    page, _ = display_page(browser, f"{live_server.url}/display/demo?lang=fi")
    button = page.get_by_role("button", name="Napauta tästä, niin kutsut kuuluvat")
    button.wait_for(timeout=5000)  # the browser refused to play: the page asks for a tap
    with Clerk(live_server.url) as clerk:
        clerk.open(3, "advice")
        clerk.take("advice")
        clerk.call_next(3)  # called before anyone tapped
    page.locator(".latest-number", has_text="A001").wait_for(timeout=5000)
    button.click()
    button.wait_for(state="hidden", timeout=5000)
    wait_for(page, lambda: len(played(page)) >= 2, what="the call, spoken after the tap")
    assert played(page)[-2:] == ["chime.wav", "fi/A001/3.wav"]


def test_an_admins_new_name_and_colour_reach_an_open_display_without_a_reload(browser, live_server):
    from server import config

    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/display/demo?lang=fi&sound=off")
    page.wait_for_function("() => window.luukkuDisplay")
    header = page.locator(".display-header")
    default_background = header.evaluate("h => getComputedStyle(h).backgroundColor")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    with live_server.app.state.db.write() as session:
        site = queue.get_site(session, "demo")
        values = {"name": "Kaupungintalo", "address": "", "timezone": site.timezone, "languages": site.languages,
                  "brand_colour": "#ffd400", "no_show_after_calls": "3"}
        config.update_site(session, None, site, values)
    page.wait_for_function("() => document.querySelector('#display-brand h1').textContent.trim() === 'Kaupungintalo'")
    page.wait_for_function("() => document.querySelector('.display-header').classList.contains('branded')")
    assert header.evaluate("h => getComputedStyle(h).backgroundColor") == "rgb(255, 212, 0)" != default_background
    assert header.evaluate("h => getComputedStyle(h).color") == "rgb(0, 0, 0)"  # black reads better on yellow
    assert page.evaluate("window.sameDocument") is True
    page.close()
