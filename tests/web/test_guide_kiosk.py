"""The kiosk's "What do you need?" (kiosk/guide.py) in Chromium: typing on the on-screen keyboard finds
the matter, a matter's screen leads to a number of the right service, to "This solved it" or to the
steps on paper, each recorded for the reports; a search that finds nothing is recorded with its
words; and every guide screen fits the kiosk in fi, sv and en, with larger text too."""

import os
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from server import queue
from server.models import GuideEvent, Matter, Ticket
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database
from tests.web.geometry import fits

pytestmark = pytest.mark.browser

PARKING = "parking-permit-resident"  # the demo's (server/demo_matters.py): self-service and payments' counter


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("guide")
    url = prepare_demo_database(f"sqlite:///{folder / 'guide.db'}")
    port = free_port()
    settings = make_settings(url, port, demo_printer=f"file:{folder / 'prints'}", kiosk_return_s=6)
    with LiveServer(settings, port) as server:
        server.prints = folder / "prints"
        yield server


def guide_events(server, kind: str) -> list[GuideEvent]:
    with server.app.state.db.read() as session:
        return list(session.exec(select(GuideEvent).where(GuideEvent.kind == kind).order_by(GuideEvent.id)))


def matter_id(server, key: str) -> int:
    with server.app.state.db.read() as session:
        return session.exec(select(Matter.id).where(Matter.key == key)).one()


# Screens swapped into #kiosk (not the live pushes of counts, which settle too).
SETTLED = """document.addEventListener('htmx:afterSettle', (event) => {
  if (event.detail.target && event.detail.target.id === 'kiosk') window.__settled = (window.__settled || 0) + 1; });"""


def kiosk(browser, size=(1080, 1920), lang="fi"):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=f"{lang}-FI", has_touch=True)
    page = context.new_page()
    page.add_init_script(SETTLED)
    return context, page


def tap_and_settle(page, locator) -> None:
    """A tap that swaps in a new screen, and htmx done with it (its triggers are in place only then;
    a person does not type within those milliseconds, a test does)."""
    before = page.evaluate("window.__settled || 0")
    locator.click()
    page.wait_for_function(f"() => (window.__settled || 0) > {before}")


def open_guide(page, server, lang="fi"):
    page.goto(f"{server.url}/kiosk/demo?lang={lang}")
    tap_and_settle(page, page.locator(".guide-entry"))


def type_on_screen(page, word: str) -> None:
    for letter in word:
        page.locator(f".keyboard [data-type='{letter}']").click()


def test_typed_on_the_keyboard_a_matter_is_found_and_its_number_taken(browser, server):
    context, page = kiosk(browser)
    try:
        open_guide(page, server)
        assert page.locator(".guide-topics .guide-hit").count() >= 8  # before typing: the common matters
        type_on_screen(page, "pysäköinti")
        assert page.locator("#guide-q").input_value() == "pysäköinti"
        page.locator(".guide-found", has_text="löytyi").wait_for(timeout=5000)
        hit = page.locator(f".guide-hit[hx-get*='/guide/{matter_id(server, PARKING)}?']")
        hit.wait_for(timeout=5000)
        hit.click()
        page.locator("#matter-title").wait_for(timeout=5000)
        assert page.locator(".matter-qr svg").count() >= 1  # the e-service, to open on a phone
        assert page.locator(".matter-bring li").count() >= 1
        page.locator(".matter-take").click()
        page.locator("#issued-number").wait_for(timeout=5000)
        number = page.locator("#issued-number").inner_text()
    finally:
        context.close()
    with server.app.state.db.read() as session:
        ticket = session.exec(select(Ticket).where(Ticket.number == number)).one()
        assert queue.get_site(session, "demo").id == ticket.site_id
    assert [e.matter_id for e in guide_events(server, "opened")][-1] == matter_id(server, PARKING)
    assert [e.matter_id for e in guide_events(server, "ticket")] == [matter_id(server, PARKING)]


def search(page, words: str) -> None:
    page.locator("#guide-q").fill(words)
    page.locator("#guide-q").dispatch_event("input")


def test_this_solved_it_is_recorded_and_the_kiosk_returns_to_its_start(browser, server):
    before = len(guide_events(server, "solved"))
    context, page = kiosk(browser, (1920, 1080), "sv")
    try:
        open_guide(page, server, "sv")
        search(page, "parkeringstillstånd")
        page.locator(f".guide-hit[hx-get*='/guide/{matter_id(server, PARKING)}?']").click()
        page.locator(".matter-solved").click()
        page.locator(".guide-solved").wait_for(timeout=5000)
        page.locator(".guide-entry").wait_for(timeout=15_000)  # back at the start by itself
    finally:
        context.close()
    assert len(guide_events(server, "solved")) == before + 1


def test_a_search_that_finds_nothing_is_recorded_with_its_words_only_when_sent(browser, server):
    context, page = kiosk(browser, lang="en")
    try:
        open_guide(page, server, "en")
        type_on_screen(page, "zxqv")
        page.locator(".guide-none").wait_for(timeout=5000)
        assert guide_events(server, "not-found") == []  # typing is not asking yet
        page.locator(".keyboard [data-type='search']").click()
        page.wait_for_function("() => document.querySelector('.guide-none')")
        page.wait_for_timeout(300)
    finally:
        context.close()
    found = guide_events(server, "not-found")
    assert [(e.query, e.channel, e.lang) for e in found] == [("zxqv", "kiosk", "en")]


def test_the_steps_are_printed_on_the_kiosks_printer(browser, server):
    before = set(Path(server.prints).glob("*.bin"))
    context, page = kiosk(browser)
    try:
        open_guide(page, server)
        search(page, "pysäköinti")
        page.locator(f".guide-hit[hx-get*='/guide/{matter_id(server, PARKING)}?']").click()
        page.locator(".matter-print").click()
        page.locator(".matter-printing", has_text="Ota lappu tulostimesta").wait_for(timeout=10_000)  # printed
    finally:
        context.close()
    assert [e.matter_id for e in guide_events(server, "printed")] == [matter_id(server, PARKING)]
    printed = [path for path in set(Path(server.prints).glob("*.bin")) - before]
    assert len(printed) == 1, "no slip reached the printer"
    with server.app.state.db.read() as session:
        title = session.get(Matter, matter_id(server, PARKING)).title_fi
    assert title.encode("cp1252") in printed[0].read_bytes()  # the demo printer's code page (WPC1252)


def test_bad_addresses_get_a_clear_answer_in_the_pages_language(server):
    with httpx.Client(base_url=server.url) as client:
        too_long = client.get("/kiosk/demo/guide/results", params={"q": "a" * 101, "lang": "sv"})
        assert too_long.status_code == 422 and "högst 100" in too_long.text
        assert client.get("/kiosk/demo/guide/999999?lang=en").status_code == 404
        assert "no such matter" in client.get("/kiosk/demo/guide/999999?lang=en").text
        assert client.get("/kiosk/demo/guide/x1?lang=en").status_code == 404
        assert client.get("/kiosk/nowhere/guide").status_code == 404
        assert client.post("/kiosk/demo/guide/999999/solved").status_code == 404


SIZES = [(1080, 1920), (1920, 1080), (1280, 1024)]


@pytest.fixture(scope="module")
def roomy_server(tmp_path_factory):
    """The guide's screens go back after 6 min here: each is measured at three sizes in turn, and
    the warning of the 6 s server's 24 s (shown from 4 s on, with no touch) would come meanwhile on
    a busy machine, which a walk per size never waited for."""
    folder = tmp_path_factory.mktemp("guide-fits")
    url = prepare_demo_database(f"sqlite:///{folder / 'guide.db'}")
    port = free_port()
    settings = make_settings(url, port, demo_printer=f"file:{folder / 'prints'}", kiosk_return_s=90)
    with LiveServer(settings, port) as server:
        yield server


def at_every_size(page, found: dict, state: str, sizes, measure=fits) -> None:
    """The screen as it is now, measured at each size in turn: the window resized, and the page's own
    resize handling (guide.js fitting the list and a matter's words) done first."""
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        found[f"{width}x{height} {state}"] = measure(page, (width, height))


def small_keys(page, size) -> list[str]:
    keys = page.evaluate("""() => [...document.querySelectorAll('.keyboard .key')].map(k => {
        const r = k.getBoundingClientRect(); return Math.min(r.width, r.height); })""")
    target = 84 if size == (1280, 1024) else 112
    return [f"a key of {k:.0f} px" for k in keys if k < target - 0.5]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_guide_screen_fits_the_kiosk(browser, roomy_server, lang):
    """The guide's topics, matters found, nothing found and a matter's screen, with normal and larger
    text: nothing scrolls, nothing is cut, every key and button is whole and 2 cm wide. One walk
    measures every size at each screen (a walk per size took three times as long); each language
    starts at another size, so every size is also the one a page is first laid out in."""
    server = roomy_server
    shift = ["fi", "sv", "en"].index(lang)
    sizes = SIZES[shift:] + SIZES[:shift]
    context, page = kiosk(browser, sizes[0], lang)
    found = {}
    shots = Path(os.environ.get("LUUKKU_SCREENSHOTS") or "")
    fit = lambda page, size: fits(page)  # noqa: E731

    def shoot(name):
        if shots.name:
            shots.mkdir(parents=True, exist_ok=True)
            for width, height in sizes:
                page.set_viewport_size({"width": width, "height": height})
                page.screenshot(path=str(shots / name.format(size=f"{width}x{height}")))

    try:
        for text in ("normal", "larger"):
            page.set_viewport_size({"width": sizes[0][0], "height": sizes[0][1]})
            page.goto(f"{server.url}/kiosk/demo?lang={lang}")
            page.locator(".guide-entry").wait_for(timeout=5000)
            if text == "larger":
                page.locator("#kiosk-larger").click()
            at_every_size(page, found, f"{text} start", sizes, fit)
            shoot(f"guide-start-{{size}}-{lang}-{text}.png")
            tap_and_settle(page, page.locator(".guide-entry"))
            at_every_size(page, found, f"{text} topics", sizes, fit)
            at_every_size(page, found, f"{text} keys", sizes, small_keys)
            shoot(f"guide-{{size}}-{lang}-{text}.png")
            search(page, "lupa")
            page.wait_for_function("() => !document.querySelector('.guide-topics') && document.querySelector('.guide-hit')")
            page.wait_for_timeout(100)  # htmx's settle, and guide.js fitting the list
            at_every_size(page, found, f"{text} found", sizes, fit)
            tap_and_settle(page, page.locator(".guide-hit:not([hidden])").first)
            at_every_size(page, found, f"{text} matter", sizes, fit)
            shoot(f"guide-matter-{{size}}-{lang}-{text}.png")
            tap_and_settle(page, page.locator(".checkin-back"))
            search(page, "zzzzqqq")
            page.locator(".guide-none").wait_for(timeout=5000)
            at_every_size(page, found, f"{text} nothing found", sizes, fit)
    finally:
        context.close()
    assert not any(found.values()), "\n".join(f"{k}: {p}" for k, v in found.items() for p in v)


def test_speech_says_the_guide_the_matters_found_and_a_matters_choices(kiosk_browser, server):
    """With speech on: the guide's screen, the count of matters found (once, not again while the
    visitor types on with the same count), a matter's title as the focus reaches it, its answer and
    choices; every phrase spoken by the server (espeak-ng), none by the browser's voice."""
    if not server.app.state.speech.available:
        pytest.skip(server.app.state.speech.reason)
    context, page = kiosk(kiosk_browser, lang="en")
    page.add_init_script("""const play = HTMLMediaElement.prototype.play;
        HTMLMediaElement.prototype.play = function () { this.playbackRate = 8; return play.call(this); };""")
    spoken = lambda: page.evaluate("window.luukkuKiosk.spoken")  # noqa: E731
    try:
        page.goto(f"{server.url}/kiosk/demo?lang=en")
        page.locator("#kiosk-speech").click()
        tap_and_settle(page, page.locator(".guide-entry"))
        page.wait_for_function("() => window.luukkuKiosk.spoken.includes('en:guide')")
        type_on_screen(page, "library")
        page.wait_for_function("() => window.luukkuKiosk.spoken.some(s => s.startsWith('en:guide.found.'))")
        page.wait_for_timeout(800)  # more keys' searches have come back meanwhile
        assert len([s for s in spoken() if s.startswith("en:guide.found.")]) == 1
        page.keyboard.press("Tab")  # from the field to the first matter
        page.wait_for_function("() => window.luukkuKiosk.spoken.some(s => /^en:matter\\.\\d+\\.title$/.test(s))")
        page.keyboard.press("Enter")
        page.wait_for_function("() => window.luukkuKiosk.spoken.some(s => /^en:matter\\.\\d+\\.choices/.test(s))")
        said = spoken()
    finally:
        context.close()
    assert not [s for s in said if s.startswith("speechSynthesis")]
    matter = next(s for s in said if s.endswith(".choices") or s.endswith(".choices-no-print")).split(":")[1]
    text = httpx.get(f"{server.url}/kiosk/demo/speech/en/{matter}.txt").text
    assert "queue number" in text or "yourself" in text
