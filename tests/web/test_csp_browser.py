"""Under the Content-Security-Policy (server/web/headers.py), the screens work in Chromium and the browser
blocks nothing: every violation is recorded (the ``securitypolicyviolation`` event, added before the
page's own scripts, and Chromium's console message), and there must be none."""

import httpx
import pytest

pytestmark = pytest.mark.browser

LISTEN = """window.cspViolations = [];
document.addEventListener("securitypolicyviolation", e =>
    window.cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));"""


class Watched:
    """A browser context whose pages report every CSP violation and script error."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(**options)
        self.context.add_init_script(LISTEN)
        self.console: list[str] = []
        self.pages = []

    def page(self):
        page = self.context.new_page()
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console.append(f"script error: {e}"))
        self.pages.append(page)
        return page

    def violations(self) -> list[str]:
        found = [v for p in self.pages if not p.is_closed() for v in p.evaluate("window.cspViolations")]
        return found + [m for m in self.console
                        if any(w in m for w in ("Content Security Policy", "Permissions-Policy", "script error"))]


@pytest.fixture
def watched(browser):
    contexts = []

    def make(**options) -> Watched:
        contexts.append(Watched(browser, **options))
        return contexts[-1]

    yield make
    for c in contexts:
        c.context.close()


def log_in(page, server, username: str) -> None:
    page.goto(f"{server.url}/counter/login")
    page.fill("#username", username)
    page.fill("#password", server.settings.demo_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/counter")


def test_kiosk_display_ticket_status_and_counter_run_without_a_violation(watched, live_server):
    hall = watched(locale="fi-FI", viewport={"width": 1080, "height": 1920})
    display = hall.page()
    display.goto(f"{live_server.url}/display/demo?sound=off")
    display.wait_for_function("() => window.luukkuDisplay && window.htmx")

    phone = hall.page()
    ticket = httpx.post(f"{live_server.url}/api/v1/sites/demo/tickets", json={"service": "advice"}).json()
    phone.goto(ticket["status_url"])

    kiosk = hall.page()
    kiosk.goto(f"{live_server.url}/kiosk/demo")
    kiosk.get_by_role("button", name="Yleisneuvonta").click()  # htmx, without eval
    kiosk.locator("#issued-number").wait_for(timeout=5000)

    clerk = hall.page()
    log_in(clerk, live_server, "clerk")
    clerk.get_by_label("Palvelupiste 3").check()
    clerk.get_by_label("A – Yleisneuvonta").check()
    clerk.get_by_role("button", name="Avaa palvelupiste").click()
    clerk.locator("#queue-panel").wait_for()
    clerk.get_by_role("button", name="Kutsu seuraava").click()
    assert clerk.locator("#current-number").inner_text(timeout=5000) == ticket["number"] == "A001"
    # The websockets ('self' in connect-src) carry the call to the display and the phone.
    display.locator(".latest-number", has_text="A001").wait_for(timeout=5000)
    phone.locator("#ticket-status[data-called]").wait_for(timeout=5000)
    phone.wait_for_timeout(500)
    assert hall.violations() == []


def test_booking_check_in_and_the_managers_pages_run_without_a_violation(watched, live_server):
    people = watched(locale="en-GB")
    phone = people.page()
    phone.goto(f"{live_server.url}/b/demo")
    phone.locator("a[href^='/b/demo/']").first.click()
    phone.locator("form.times button").first.click()
    phone.locator("#f-name").fill("Maija Meikäläinen")
    phone.locator("#f-phone").fill("040 123 4567")
    phone.locator("#f-consent").check()
    phone.locator("button.booking-submit").click()
    phone.locator("#booking-code").wait_for()

    kiosk = people.page()
    kiosk.goto(f"{live_server.url}/kiosk/demo/check-in")
    kiosk.locator("input[name=code]").wait_for()

    manager = people.page()
    log_in(manager, live_server, "manager")
    for path in ("/counter/overview", "/reports", "/counter/appointments", "/counter/customers"):
        manager.goto(f"{live_server.url}{path}")
        manager.wait_for_load_state("load")
        assert manager.locator("h1").count() >= 1, path
    manager.wait_for_timeout(500)
    assert people.violations() == []


def test_an_inline_script_would_be_blocked_and_reported(watched, live_server):
    """The listener hears a violation when there is one (so the tests above can fail)."""
    people = watched()
    page = people.page()
    page.goto(f"{live_server.url}/counter/login")
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.ranInline = true'; document.head.append(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.ranInline") is None
    assert any("script-src" in v for v in people.violations())
