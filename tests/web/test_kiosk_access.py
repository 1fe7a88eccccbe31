"""The kiosk without sight, with a keyboard or keypad, with larger text, and with time to spare
(docs/accessibility.md), in Debian's Chromium."""

import re

import httpx
import pytest

from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database

pytestmark = pytest.mark.browser

# The kiosk the figures are for: 15.6" at 1920x1080 (141 ppi), the browser at 100 %: 2 cm = 111 px.
KIOSK = {"viewport": {"width": 1920, "height": 1080}, "locale": "fi-FI"}
TWO_CM_PX = 111

CONTRAST = """(el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || [0, 0, 0, 0]).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                      .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  let back = el;  // the nearest element that paints a background
  while (back && rgb(getComputedStyle(back).backgroundColor).concat([1])[3] === 0) back = back.parentElement;
  const bg = back ? rgb(getComputedStyle(back).backgroundColor) : [255, 255, 255];
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.fixture
def server(tmp_path):
    """The demo on its own server, with a kiosk that waits 10 minutes before returning by itself."""
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'kiosk.db'}")
    port = free_port()
    settings = make_settings(url, port, demo_printer=f"file:{tmp_path / 'prints'}", kiosk_return_s=600)
    with LiveServer(settings, port) as live:
        yield live


@pytest.fixture
def kiosk(kiosk_browser):
    context = kiosk_browser.new_context(**KIOSK)
    page = context.new_page()
    yield page
    context.close()


def focused(page) -> str:
    return page.evaluate("document.activeElement.className + ' ' + document.activeElement.textContent.trim()")


def spoken(page) -> list[str]:
    return page.evaluate("window.luukkuKiosk.spoken")


def test_a_ticket_is_issued_with_the_keyboard_alone(kiosk, server):
    kiosk.goto(f"{server.url}/kiosk/demo?lang=en")
    kiosk.wait_for_function("() => document.activeElement.classList.contains('tile')")
    assert "General advice" in focused(kiosk)  # the first choice has the focus
    kiosk.keyboard.press("Shift+Tab")  # before the tiles: "What do you need?", the languages, the controls
    assert "What do you need?" in focused(kiosk)
    kiosk.keyboard.press("Shift+Tab")
    assert "English" in focused(kiosk)
    kiosk.keyboard.press("Tab")
    kiosk.keyboard.press("Tab")
    assert "General advice" in focused(kiosk)
    ring = kiosk.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid"  # a visible focus ring
    kiosk.keyboard.press("ArrowRight")  # a keypad's arrows move between the tiles
    assert "Housing" in focused(kiosk)
    kiosk.keyboard.press("ArrowLeft")
    kiosk.keyboard.press("Enter")
    assert kiosk.locator("#issued-number").inner_text(timeout=5000) == "A001"
    # The focus moves to the new screen (not lost) once it has settled.
    kiosk.wait_for_function("() => document.activeElement.textContent.includes('Back to the start')")
    kiosk.keyboard.press("Space")
    kiosk.locator(".tile").first.wait_for(timeout=5000)
    kiosk.wait_for_function("() => document.activeElement.classList.contains('tile')")


def test_speech_guides_through_the_screens_with_the_servers_espeak_ng(kiosk, server):
    if not server.app.state.speech.available:
        pytest.skip(server.app.state.speech.reason)
    # The clips play eight times faster than a visitor hears them: the same phrases in the same
    # order, in seconds instead of twenty.
    kiosk.add_init_script("""const play = HTMLMediaElement.prototype.play;
        HTMLMediaElement.prototype.play = function () { this.playbackRate = 8; return play.call(this); };""")
    kiosk.goto(f"{server.url}/kiosk/demo?lang=sv")
    assert kiosk.locator("#kiosk-speech").get_attribute("aria-pressed") == "false"
    kiosk.keyboard.press("*")  # the keypad's star key
    assert kiosk.locator("#kiosk-speech").get_attribute("aria-pressed") == "true"
    kiosk.wait_for_function("() => window.luukkuKiosk.spoken.length >= 1")
    assert spoken(kiosk)[0] == "sv:speech-on"
    kiosk.locator(".tile").first.focus()
    kiosk.wait_for_function("() => window.luukkuKiosk.spoken.includes('sv:service.advice')")
    kiosk.wait_for_function("() => window.luukkuKiosk.spoken.some(s => s.startsWith('sv:waiting.'))", timeout=10000)
    kiosk.keyboard.press("Enter")
    kiosk.locator("#issued-number").wait_for(timeout=5000)
    kiosk.wait_for_function("() => window.luukkuKiosk.spoken.some(s => s.startsWith('sv:ticket.'))")
    assert not [s for s in spoken(kiosk) if s.startswith("speechSynthesis")]  # the server spoke every phrase
    phrase = next(s for s in spoken(kiosk) if s.startswith("sv:ticket.")).split(":")[1]
    wav = httpx.get(f"{server.url}/kiosk/demo/speech/sv/{phrase}.wav")
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
    assert httpx.get(f"{server.url}/kiosk/demo/speech/sv/{phrase}.txt").text.startswith("Ditt nummer A-1.")
    # The next visitor starts without speech: it ends when the kiosk is back at its start.
    kiosk.get_by_role("button", name=re.compile("Tillbaka till början|Back to the start")).click()
    kiosk.locator(".tile").first.wait_for(timeout=5000)
    assert kiosk.locator("#kiosk-speech").get_attribute("aria-pressed") == "false"


def test_speech_and_larger_text_last_the_visitors_whole_turn(kiosk, server):
    """Turned on, they stay on through the ticket, its printing (whose status the screen asks every
    0.4 s) and the check-in, and the spoken number is heard to its end; the way back ends them."""
    if not server.app.state.speech.available:
        pytest.skip(server.app.state.speech.reason)
    kiosk.add_init_script("""window.endedClips = [];
        const play = HTMLMediaElement.prototype.play;
        HTMLMediaElement.prototype.play = function () {
            this.playbackRate = 8;
            this.addEventListener("ended", () => window.endedClips.push(this.src));
            return play.call(this);
        };""")
    kiosk.goto(f"{server.url}/kiosk/demo?lang=en")
    kiosk.locator("#kiosk-speech").click()
    kiosk.locator("#kiosk-larger").click()
    size = "parseFloat(getComputedStyle(document.querySelector('#issued-number')).fontSize)"
    kiosk.locator(".tile").first.click()
    kiosk.locator("#issued-number").wait_for(timeout=5000)
    larger = kiosk.evaluate(size)
    kiosk.locator(".issued-print", has_text="Take your ticket").wait_for(timeout=10_000)  # printed
    kiosk.wait_for_function("() => window.endedClips.some(src => src.includes('/ticket.'))", timeout=15_000)
    kiosk.wait_for_timeout(800)  # two more rounds of the status check, were it still asked
    assert [kiosk.get_attribute(f"#kiosk-{tool}", "aria-pressed") for tool in ("speech", "larger")] == ["true", "true"]
    assert kiosk.evaluate(size) == larger
    assert not [s for s in spoken(kiosk) if s.startswith("speechSynthesis")]
    kiosk.get_by_role("button", name="Back to the start").click()
    kiosk.locator(".tile").first.wait_for(timeout=5000)
    assert [kiosk.get_attribute(f"#kiosk-{tool}", "aria-pressed") for tool in ("speech", "larger")] == ["false", "false"]
    kiosk.locator(".tile-appointment").click()  # the next visitor (in Finnish again), and a check-in
    kiosk.locator("#kiosk-larger").click()
    kiosk.locator("#checkin-code").fill("NOSUCH23")
    kiosk.locator(".checkin-submit").click()
    kiosk.locator("#checkin-message").wait_for(timeout=5000)
    assert kiosk.get_attribute("#kiosk-larger", "aria-pressed") == "true"


def test_the_speech_route_speaks_known_phrases_only(server):
    assert httpx.get(f"{server.url}/kiosk/demo/speech/fi/start.txt").text == \
        "Kaupungintalon asiakaspalvelu. Valitse asiasi ja saat vuoronumeron."
    for wrong in ("/kiosk/demo/speech/fi/Hello%20world.wav", "/kiosk/demo/speech/de/start.wav",
                  "/kiosk/demo/speech/fi/service.nothing.wav", "/kiosk/harbour/speech/fi/start.wav"):
        assert httpx.get(f"{server.url}{wrong}").status_code == 404, wrong


def test_without_espeak_ng_the_browser_speaks_the_same_phrases(kiosk, server):
    server.app.state.speech.espeak = "no-such-espeak"  # as on a server without the package
    server.app.state.speech._probed, server.app.state.speech._version = False, None
    kiosk.add_init_script("""window.said = [];
        window.speechSynthesis.speak = (u) => { window.said.push(u.lang + ' ' + u.text); setTimeout(() => u.onend && u.onend(), 10); };""")
    kiosk.goto(f"{server.url}/kiosk/demo?lang=en")
    kiosk.locator("#kiosk-speech").click()
    kiosk.wait_for_function("() => window.said.length >= 2")
    said = kiosk.evaluate("window.said")
    assert said[:2] == ["en-GB Speech is on. The star key or the Speech button turns it off.",
                        "en-GB City Hall customer service. Choose your matter to get a queue number."]


def test_contrast_of_the_number_and_the_buttons(kiosk, server):
    kiosk.goto(f"{server.url}/kiosk/demo")
    texts = kiosk.locator(".tile-name, .tile-waiting, .tile-prefix, .tile-hint, .kiosk-tool, .languages a, .kiosk-lead, h1")
    ratios = [texts.nth(i).evaluate(CONTRAST) for i in range(texts.count())]
    assert min(ratios) >= 4.5, ratios
    kiosk.locator(".tile").first.click()
    number = kiosk.locator("#issued-number")
    number.wait_for(timeout=5000)
    assert number.evaluate(CONTRAST) >= 7
    rest = kiosk.locator(".issued p, .issued dt, .issued dd, .issued-to-start")
    assert min(rest.nth(i).evaluate(CONTRAST) for i in range(rest.count())) >= 4.5


def small_targets(page) -> list[str]:
    return page.evaluate(f"""() => [...document.querySelectorAll('button, a, input')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, r]) => r.width < {TWO_CM_PX} || r.height < {TWO_CM_PX})
        .map(([e, r]) => `${{e.outerHTML.slice(0, 60)}} ${{r.width}}x${{r.height}}`)""")


def test_every_touch_target_is_at_least_2_cm(kiosk, server):
    kiosk.goto(f"{server.url}/kiosk/demo")
    assert small_targets(kiosk) == []
    kiosk.get_by_role("button", name="Minulla on varattu aika").click()
    kiosk.locator("#checkin-code").wait_for()
    assert small_targets(kiosk) == []
    kiosk.locator("#checkin-back, .checkin-back").first.click()
    kiosk.locator(".tile").first.click()
    kiosk.locator("#issued-number").wait_for(timeout=5000)
    assert small_targets(kiosk) == []


@pytest.mark.parametrize("viewport", [(1920, 1080), (1080, 1920)])
def test_larger_text_is_one_and_a_half_times_and_fits(kiosk, server, viewport):
    kiosk.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    kiosk.goto(f"{server.url}/kiosk/demo")
    sizes = """[".kiosk-lead", ".tile-name", ".tile-waiting", ".tile-hint"].map(
        (s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))"""
    before = kiosk.evaluate(sizes)
    kiosk.get_by_role("button", name=re.compile("A\\+")).click()
    after = kiosk.evaluate(sizes)
    assert after[0] == pytest.approx(before[0] * 1.5)  # what to do
    # The tiles' words too, as far as a tile holds them (kiosk.css sizes them to the tile).
    assert all(a >= b * 1.25 for a, b in zip(after[1:], before[1:])), (before, after)
    fits = "document.documentElement.scrollWidth <= window.innerWidth"
    assert kiosk.evaluate(fits)
    kiosk.get_by_role("button", name="Minulla on varattu aika").click()  # stays on for this visitor
    kiosk.locator("#checkin-code").wait_for()
    assert kiosk.evaluate("document.documentElement.classList.contains('kiosk-larger')")
    assert kiosk.evaluate(fits)
    kiosk.locator(".checkin-back").click()
    kiosk.locator(".tile").first.wait_for()
    assert not kiosk.evaluate("document.documentElement.classList.contains('kiosk-larger')")


def test_the_ticket_screen_warns_only_in_the_last_half_of_its_time(kiosk, tmp_path):
    """The number is the visitor's already: no countdown bar from the moment it appears, only near the
    end (here the last 6 s of 12 while it prints), and then the screen goes back by itself."""
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'kiosk.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, demo_printer=f"file:{tmp_path / 'prints'}", kiosk_return_s=6),
                    port) as server:
        kiosk.goto(f"{server.url}/kiosk/demo?lang=en")
        kiosk.locator(".tile").first.click()
        kiosk.locator("#issued-number").wait_for(timeout=5000)
        warning = kiosk.locator("#kiosk-timeout")
        kiosk.wait_for_timeout(3000)
        assert warning.is_hidden()
        warning.wait_for(state="visible", timeout=8000)
        assert 1 <= int(kiosk.locator("[data-countdown]").inner_text()) <= 6
        kiosk.locator(".tile").first.wait_for(timeout=10_000)  # back at the start by itself
        assert warning.is_hidden()


def test_before_returning_by_itself_the_kiosk_warns_and_gives_more_time(kiosk, live_server):
    # kiosk_return_s is 2 here: the ticket screen would go back after 2-4 s.
    kiosk.goto(f"{live_server.url}/kiosk/demo?lang=en")
    kiosk.locator(".tile").first.click()
    kiosk.locator("#issued-number").wait_for(timeout=5000)
    warning = kiosk.locator("#kiosk-timeout")
    warning.wait_for(state="visible", timeout=3000)
    assert re.fullmatch(r"\d+", kiosk.locator("[data-countdown]").inner_text())
    kiosk.get_by_role("button", name="More time").click()
    assert warning.is_hidden()
    kiosk.wait_for_timeout(6000)  # well past the time it had
    assert kiosk.locator("#issued-number").count() == 1
