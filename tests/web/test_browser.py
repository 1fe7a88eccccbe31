"""Pages in Debian's Chromium, driven by Playwright: what a visitor, a clerk and the waiting room see."""

import pytest

from tests.conftest import printed_files

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="fi-FI")
    page = context.new_page()
    yield page
    context.close()


def test_tapping_a_tile_shows_the_new_number(page, live_server):
    page.goto(f"{live_server.url}/kiosk/demo")
    page.get_by_role("button", name="Asuminen ja asumisneuvonta").click()
    number = page.locator("#issued-number")
    number.wait_for(timeout=5000)
    assert number.inner_text() == "B001"
    assert page.locator(".issued-qr svg").count() == 1
    assert len(printed_files(live_server.settings, "*-B001-*.bin")) == 1
    page.get_by_text("Ota vuorolappusi tulostimesta.").wait_for(timeout=5000)
    # By itself, after kiosk_return_s (2 s here), the kiosk is ready for the next visitor.
    page.get_by_role("button", name="Asuminen ja asumisneuvonta").wait_for(timeout=5000)
    assert page.locator("#issued-number").count() == 0


def test_the_kiosk_switches_language(page, live_server):
    page.goto(f"{live_server.url}/kiosk/demo")
    page.get_by_role("link", name="Svenska").click()
    page.get_by_role("button", name="Småbarnspedagogik").click()
    page.locator("#issued-number").wait_for(timeout=5000)
    assert page.locator(".issued-label").inner_text() == "Ditt nummer"


def test_a_call_at_the_counter_appears_on_the_display_without_reload(browser, live_server):
    display = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="fi-FI")
    display.goto(f"{live_server.url}/display/demo")
    display.wait_for_function("() => document.querySelector('#latest-call') && window.htmx")
    display.evaluate("window.stillTheSamePage = true")

    kiosk = browser.new_page(locale="fi-FI")
    kiosk.goto(f"{live_server.url}/kiosk/demo")
    kiosk.get_by_role("button", name="Yleisneuvonta").click()
    kiosk.locator("#issued-number").wait_for(timeout=5000)

    clerk = browser.new_page(locale="fi-FI")
    clerk.goto(f"{live_server.url}/counter")
    clerk.get_by_label("Käyttäjätunnus").fill("clerk")
    clerk.get_by_label("Salasana").fill(live_server.settings.demo_password)
    clerk.get_by_role("button", name="Kirjaudu").click()
    clerk.get_by_label("Palvelupiste 3").check()
    clerk.get_by_label("A – Yleisneuvonta").check()
    clerk.get_by_role("button", name="Avaa palvelupiste").click()
    clerk.get_by_role("button", name="Kutsu seuraava").click()
    assert clerk.locator("#current-number").inner_text(timeout=5000) == "A001"

    display.locator(".latest-number", has_text="A001").wait_for(timeout=5000)
    # The demo site speaks Finnish, Swedish and English: the word "counter" in each, then the number.
    assert "Palvelupiste Lucka Counter 3" in " ".join(display.locator("#latest-call").inner_text().split())
    assert display.evaluate("window.stillTheSamePage === true")  # no reload
    for p in (display, kiosk, clerk):
        p.close()


def log_in_and_open(page, server, username: str, counter: str, service: str) -> None:
    page.goto(f"{server.url}/counter")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(server.settings.demo_password)
    page.get_by_role("button", name="Kirjaudu").click()
    page.get_by_label(f"Palvelupiste {counter}").check()
    page.get_by_label(service).check()
    page.get_by_role("button", name="Avaa palvelupiste").click()
    page.locator("#queue-panel").wait_for()


def test_a_transfer_to_an_expert_appears_on_the_experts_screen(browser, live_server):
    import httpx

    httpx.post(f"{live_server.url}/api/v1/sites/demo/tickets", json={"service": "advice"})
    expert_context = browser.new_context(locale="fi-FI")
    clerk_context = browser.new_context(locale="fi-FI")
    try:
        expert = expert_context.new_page()
        log_in_and_open(expert, live_server, "expert", "5", "C – Rakennusvalvonta")
        expert.wait_for_function("() => window.htmx && document.querySelector('[data-live]')")
        expert.evaluate("window.stillTheSamePage = true")

        clerk = clerk_context.new_page()
        log_in_and_open(clerk, live_server, "clerk", "1", "A – Yleisneuvonta")
        clerk.get_by_role("button", name="Kutsu seuraava").click()
        assert clerk.locator("#current-number").inner_text(timeout=5000) == "A001"
        clerk.get_by_role("button", name="Asiakas on paikalla – aloita").click()
        clerk.locator(".current-ticket.serving").wait_for(timeout=5000)  # swapped in by htmx
        clerk.get_by_role("button", name="Siirrä…").click()
        dialog = clerk.get_by_role("dialog", name="Siirrä A001")
        dialog.get_by_label("Jonoon").select_option("building")
        dialog.get_by_label("Vain virkailijalle").select_option(label="Eeva Asiantuntija (asiantuntija)")
        dialog.get_by_label("Muistiinpano seuraavalle virkailijalle").fill("Saunan laajennus")
        dialog.get_by_role("button", name="Siirrä", exact=True).click()
        clerk.get_by_text("A001 siirretty: Eeva Asiantuntija (Rakennusvalvonta).").wait_for(timeout=5000)

        sent = expert.locator(".sent-to-me li", has_text="A001")
        sent.wait_for(timeout=5000)  # pushed over the websocket: no one reloaded the page
        assert "Saunan laajennus" in sent.inner_text()
        assert expert.evaluate("window.stillTheSamePage === true")
        sent.get_by_role("button", name="Kutsu").click()
        assert expert.locator("#current-number").inner_text(timeout=5000) == "A001"
        assert "Saunan laajennus" in expert.locator(".current-note").inner_text()
    finally:
        expert_context.close()
        clerk_context.close()


def test_the_phone_page_follows_the_ticket_and_alerts_when_it_is_called(browser, live_server):
    from tests.web.test_display_browser import Clerk

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True,
                                has_touch=True)
    page = phone.new_page()
    # Headless Chromium has no motor: note the patterns the page asks for, then pass them on.
    page.add_init_script("""
        window.vibrations = [];
        const vibrate = navigator.vibrate ? navigator.vibrate.bind(navigator) : () => false;
        navigator.vibrate = (pattern) => { window.vibrations.push(pattern); return vibrate(pattern); };
    """)
    chimes: list[str] = []
    page.on("request", lambda r: chimes.append(r.url) if r.url.endswith("/chime.wav") else None)
    with Clerk(live_server.url) as clerk:
        clerk.open(3, "advice")
        clerk.take("advice")
        mine = clerk.take("advice")
        page.goto(f"{live_server.url}/t/{mine['id']}?lang=en")
        page.wait_for_function("() => window.htmx && document.querySelector('[data-live]')")
        assert page.locator("#status-ahead").inner_text() == "1"
        page.get_by_role("button", name="Test the alert").click()  # the tap that lets it play sound
        clerk.done(clerk.call_next(3)["id"])
        page.locator("#status-ahead", has_text="0").wait_for(timeout=5000)
        clerk.call_next(3)
    page.get_by_role("alert").get_by_text("Please go to counter 3").wait_for(timeout=5000)
    page.wait_for_function("() => document.title.startsWith('▶')")
    assert chimes  # the chime was fetched to be played
    # Once for the test tap, once for the call; not for the queue moving on.
    assert page.evaluate("window.vibrations.length") == 2
    phone.close()


def test_the_kiosk_counts_live_and_returns_to_its_own_language(page, live_server):
    from tests.web.test_display_browser import Clerk

    lines = []
    page.on("websocket", lambda ws: lines.append(ws.url))
    page.goto(f"{live_server.url}/kiosk/demo?lang=fi")
    tile = page.locator("#waiting-housing")
    assert tile.inner_text().startswith("0 ")
    seen = page.get_attribute("[data-live-seen]", "data-live-seen")
    assert lines[0].endswith("seen=" + seen.replace(":", "%3A"))  # the first line says what the page shows
    with Clerk(live_server.url) as clerk:
        clerk.take("housing")  # at another kiosk
    page.locator("#waiting-housing", has_text="1 jonossa").wait_for(timeout=5000)
    page.get_by_role("link", name="Svenska").click()
    page.get_by_role("button", name="Småbarnspedagogik").click()
    page.locator("#issued-number").wait_for(timeout=5000)
    # Back at the start by itself: in the kiosk's own language again, and still live in it.
    page.get_by_role("button", name="Varhaiskasvatus").wait_for(timeout=10_000)
    with Clerk(live_server.url) as clerk:
        clerk.take("housing")
    page.locator("#waiting-housing", has_text="2 jonossa").wait_for(timeout=5000)
