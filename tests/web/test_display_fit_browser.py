"""The waiting-room display as the room sees it (issue 18): at 1920×1080 and 1080×1920, with and
without the waiting panel, in fi, sv, en and fi+sv, with no call, one call and a full day's calls,
nothing scrolls, no text is clipped and no row of the list is cut; every label is in each of the
display's languages; a new call is unmistakable, and stays so without blinking for a room that asks
for less motion. Set LUUKKU_DISPLAY_SHOTS to a folder to keep a photo of every view."""

import os
from pathlib import Path

import pytest

from server import queue
from tests.web.geometry import cut_off, fits, open_display, settle
from tests.web.test_display_browser import Clerk

pytestmark = pytest.mark.browser

SIZES = {"landscape": (1920, 1080), "portrait": (1080, 1920)}
LANGS = ("fi", "sv", "en", "fi,sv")
PANELS = ("none", "waiting")
SERVICES = ("advice", "housing", "building", "early-education", "payments", "e-services")
CALLED = tuple(s for s in SERVICES if s != "building")  # building control's clerk records an outcome
# Not the demo's: a name an admin may well type, with a word longer than a column is wide.
LONG_NAMES = {"name_fi": "Ympäristöterveydenhuollon luvat ja ilmoitukset",
              "name_sv": "Tillstånd och anmälningar inom miljöhälsovården",
              "name_en": "Environmental health permits and notifications"}


def brand_the_site(live_server) -> None:
    """The site's own header: its colour and a wide logo, as a city sets them."""
    from io import BytesIO

    from PIL import Image

    logo = BytesIO()
    Image.new("RGB", (600, 200), "#ffffff").save(logo, "PNG")
    with live_server.app.state.db.write() as session:
        site = queue.get_site(session, "demo")
        site.brand_colour = "#00558c"
        site.brand_logo = logo.getvalue()
        session.add(site)
        payments = next(s for s in queue.active_services(session, site) if s.code == "payments")
        for field, value in LONG_NAMES.items():
            setattr(payments, field, value)
        session.add(payments)


def make_calls(clerk: Clerk, calls: int, waiting: int = 0) -> str:
    """`calls` calls at counter 3, the last one still at the counter, and `waiting` more tickets in
    every service; the last call's number."""
    clerk.open(3, *CALLED)
    for i in range(calls):
        clerk.take(CALLED[i % len(CALLED)])
    number = ""
    for i in range(calls):
        ticket = clerk.call_next(3)
        number = ticket["number"]
        if i < calls - 1:
            clerk.done(ticket["id"])
    for i in range(waiting):
        clerk.take(SERVICES[i % len(SERVICES)])
    return number


def problems(page) -> list[str]:
    return fits(page) + cut_off(page, ".display-main tr, .display-main li, .latest-line, .display-header *")


def look_at_every_view(browser, live_server, state: str) -> list[str]:
    """Every size, panel and language of the display as it is now; the findings, each named.

    One page loads each panel and language and is measured at both sizes, the window turned as a
    screen on a swivel mount is (display.js lays out again on resize); the next view loads at the
    size the last one ended at, so each size is also the one a page is first laid out in. A page
    and a load per view took twice as long."""
    shots = os.environ.get("LUUKKU_DISPLAY_SHOTS")
    found = []
    layouts = list(SIZES)
    page = None
    try:
        for panel in PANELS:
            for lang in LANGS:
                url = f"{live_server.url}/display/demo?lang={lang}&panel={panel}&sound=off&calls=12"
                if page is None:
                    page = open_display(browser, url, SIZES[layouts[0]])
                else:
                    page.goto(url)
                    settle(page)
                for layout in layouts:
                    size = SIZES[layout]
                    if page.viewport_size != {"width": size[0], "height": size[1]}:
                        page.set_viewport_size({"width": size[0], "height": size[1]})
                        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
                    name = f"{state}-{layout}-{panel}-{lang.replace(',', '+')}"
                    if shots:
                        Path(shots).mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(Path(shots) / f"{name}.png"))
                    found += [f"{name}: {problem}" for problem in problems(page)]
                layouts.reverse()  # the next view starts at the size this one ended at
    finally:
        if page is not None:
            page.close()
    return found


def test_an_empty_morning_fits_every_screen(browser, live_server):
    brand_the_site(live_server)
    found = look_at_every_view(browser, live_server, "no-calls")
    assert not found, "\n".join(found)


def test_the_first_call_fits_every_screen(browser, live_server):
    brand_the_site(live_server)
    with Clerk(live_server.url) as clerk:
        make_calls(clerk, 1, waiting=6)
    found = look_at_every_view(browser, live_server, "one-call")
    assert not found, "\n".join(found)


def test_a_busy_day_shows_only_whole_rows_and_whole_names_on_every_screen(browser, live_server):
    brand_the_site(live_server)
    with Clerk(live_server.url) as clerk:
        make_calls(clerk, 13, waiting=30)
    found = look_at_every_view(browser, live_server, "many-calls")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("layout", SIZES)
def test_calls_pushed_live_still_fit_and_the_list_uses_the_screen(browser, live_server, layout):
    brand_the_site(live_server)
    size = SIZES[layout]
    page = open_display(browser, f"{live_server.url}/display/demo?lang=fi,sv&panel=waiting&sound=off&calls=12", size)
    assert problems(page) == []
    with Clerk(live_server.url) as clerk:
        last = make_calls(clerk, 13, waiting=12)
    page.locator(".latest-number", has_text=last).wait_for(timeout=10_000)
    settle(page)
    shots = os.environ.get("LUUKKU_DISPLAY_SHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / f"live-{layout}-waiting-fi+sv.png"))
    assert problems(page) == []
    rows = page.locator(".recent-calls tbody tr:visible")
    # The list shows as many earlier calls as fit whole, and its space is used: the gap under its
    # last row is less than one more row.
    shown = rows.count()
    assert shown >= 3, page.evaluate("() => [...document.querySelectorAll('#recent-calls tr')].map(r => r.hidden + ' ' + JSON.stringify(r.getBoundingClientRect())) + JSON.stringify(document.getElementById('recent-calls').getBoundingClientRect())")
    last = rows.nth(shown - 1).bounding_box()
    area = page.locator(".recent-calls").bounding_box()
    assert area["y"] + area["height"] - (last["y"] + last["height"]) < last["height"] + 2
    page.close()


def test_every_label_is_in_each_language_asked_for(browser, live_server):
    with Clerk(live_server.url) as clerk:
        make_calls(clerk, 3, waiting=2)
    page = open_display(browser, f"{live_server.url}/display/demo?lang=fi,sv&panel=waiting&sound=off", SIZES["landscape"])
    main = page.locator(".display-main")
    for lang, words in {"fi": ("Vuorossa", "Palvelupiste", "Edelliset kutsut", "Numero", "Jonossa nyt", "Jonossa"),
                        "sv": ("Nu betjänas", "Lucka", "Tidigare anrop", "Nummer", "I kö nu", "I kö")}.items():
        shown = " ".join(main.locator(f'[lang="{lang}"]').all_inner_texts())
        for word in words:
            assert word in shown, f"{word!r} is not on the screen in {lang}: {shown!r}"
    # Service names too: the Swedish reader finds their service.
    assert "Boende och bostadsrådgivning" in main.inner_text()
    assert "Asuminen ja asumisneuvonta" in main.inner_text()
    page.close()


def highlight(page) -> dict:
    return page.evaluate("""() => {
      const call = document.getElementById("latest-call");
      const style = getComputedStyle(call);
      const animated = [call, ...call.querySelectorAll("*")].flatMap((el) => el.getAnimations())
        .map((a) => a.effect.getComputedTiming().iterations);
      return {fresh: call.classList.contains("fresh"), background: style.backgroundColor,
              page: getComputedStyle(document.body).backgroundColor,
              number: getComputedStyle(call.querySelector(".latest-number")).color,
              animations: animated};
    }""")


@pytest.mark.parametrize("reduced_motion", [False, True], ids=["motion", "reduced-motion"])
def test_a_new_call_turns_the_whole_call_area_into_a_bright_band_without_blinking(browser, live_server, reduced_motion):
    page = open_display(browser, f"{live_server.url}/display/demo?lang=fi&sound=off", SIZES["landscape"],
                        reduced_motion=reduced_motion)
    with Clerk(live_server.url) as clerk:
        make_calls(clerk, 1)
    page.locator(".latest-number", has_text="A001").wait_for(timeout=5000)
    look = highlight(page)
    assert look["fresh"]
    # Inverted: the area that was the page's dark colour is now bright, the number dark on it.
    assert look["background"] != look["page"] and look["background"] not in ("rgba(0, 0, 0, 0)", "transparent")
    assert look["number"] == "rgb(13, 27, 42)"
    if reduced_motion:
        assert look["animations"] == []
    else:  # one entrance, never repeated: a blinking screen is for no one
        assert all(iterations == 1 for iterations in look["animations"])
    box = page.locator("#latest-call").bounding_box()
    assert box["width"] * box["height"] > 0.25 * SIZES["landscape"][0] * SIZES["landscape"][1]
    page.close()
