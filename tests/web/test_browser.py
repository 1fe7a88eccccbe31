"""Pages in Debian's Chromium, driven by Playwright: what a visitor, a clerk and the waiting room see."""

import shutil

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (scripts/test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )
        yield browser
        browser.close()


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
    assert len(list(live_server.settings.printer_dir.glob("*-B001-*.bin"))) == 1
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
    display.wait_for_function("document.querySelector('#latest-call') && window.htmx")

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
    assert "Palvelupiste 3" in display.locator("#latest-call").inner_text()
    assert display.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
    for p in (display, kiosk, clerk):
        p.close()
