"""Every screen a person uses, checked by axe-core for WCAG 2.1 A and AA in Debian's Chromium:
zero violations (tests/web/axe.py)."""

import re

import pytest

from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database
from tests.web.axe import assert_accessible

pytestmark = pytest.mark.browser

KIOSK = {"viewport": {"width": 1920, "height": 1080}, "locale": "fi-FI"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "fi-FI"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One demo server for the module: these tests only look, apart from a ticket or a booking."""
    folder = tmp_path_factory.mktemp("a11y")
    url = prepare_demo_database(f"sqlite:///{folder / 'a11y.db'}")
    port = free_port()
    settings = make_settings(url, port, demo_printer=f"file:{folder / 'prints'}", kiosk_return_s=600)
    with LiveServer(settings, port) as live:
        yield live


@pytest.fixture
def kiosk(browser):
    context = browser.new_context(**KIOSK)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def log_in(page, server, username: str) -> None:
    page.goto(f"{server.url}/counter/login")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(server.settings.demo_password)
    page.get_by_role("button", name="Kirjaudu").click()
    page.wait_for_url(re.compile(r"/counter$"))


STAFF_PC = {"viewport": {"width": 1280, "height": 900}, "locale": "fi-FI"}


@pytest.fixture(scope="module")
def signed_in(browser, server):
    """Each staff member's session cookies, from one login through the form per module: the tests
    look at pages, and a login (Argon2) for each of some thirty tests took seconds apiece."""
    states = {}

    def state(username: str) -> dict:
        if username not in states:
            context = browser.new_context(**STAFF_PC)
            log_in(context.new_page(), server, username)
            states[username] = context.storage_state()
            context.close()
        return states[username]

    return state


def staff_page(browser, server, signed_in, username: str):
    """A staff PC's browser, logged in as ``username``, on the page a login leads to."""
    context = browser.new_context(**STAFF_PC, storage_state=signed_in(username))
    page = context.new_page()
    page.goto(f"{server.url}/counter")
    yield page
    context.close()


@pytest.fixture
def clerk(browser, server, signed_in):
    yield from staff_page(browser, server, signed_in, "clerk")


@pytest.fixture
def manager(browser, server, signed_in):
    yield from staff_page(browser, server, signed_in, "manager")


def test_the_check_finds_what_breaks_the_rules(kiosk, server):
    """The helper itself: a picture without a text and a nameless button are reported by rule."""
    kiosk.goto(f"{server.url}/b/demo")
    # Colours set through the CSSOM: the page's CSP refuses style="" attributes in markup.
    kiosk.evaluate("""() => {
        const main = document.querySelector("main");
        main.insertAdjacentHTML("beforeend", '<img src="/no.png"><button></button><p id="faint">faint</p>');
        Object.assign(document.getElementById("faint").style, {color: "#aaa", background: "#fff"});
    }""")
    with pytest.raises(AssertionError) as failure:
        assert_accessible(kiosk)
    for rule in ("image-alt", "button-name", "color-contrast"):
        assert rule in str(failure.value)


# --- the kiosk ------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_kiosk_start_screen(kiosk, server, lang):
    kiosk.goto(f"{server.url}/kiosk/demo?lang={lang}")
    kiosk.locator(".tile").first.wait_for()
    assert_accessible(kiosk)


def test_the_kiosk_ticket_screen(kiosk, server):
    kiosk.goto(f"{server.url}/kiosk/demo")
    kiosk.get_by_role("button", name=re.compile("Yleisneuvonta")).click()
    kiosk.locator("#issued-number").wait_for()
    assert_accessible(kiosk)


def test_the_kiosk_check_in_screen_and_its_refusal(kiosk, server):
    kiosk.goto(f"{server.url}/kiosk/demo")
    kiosk.get_by_role("button", name=re.compile("Minulla on varattu aika")).click()
    kiosk.locator("#checkin-code").wait_for()
    assert_accessible(kiosk)
    kiosk.locator("#checkin-code").fill("ZZZZ2222")
    kiosk.get_by_role("button", name="Ilmoittaudu", exact=True).click()
    kiosk.locator("#checkin-message").wait_for()
    assert_accessible(kiosk)


# --- the citizen's pages on a phone ---------------------------------------------------------------

def test_the_booking_pages_from_the_services_to_the_booking(phone, server):
    phone.goto(f"{server.url}/b/demo")
    assert_accessible(phone)
    phone.get_by_role("link", name=re.compile("Yleisneuvonta")).click()
    phone.locator("form.times button").first.wait_for()
    assert_accessible(phone)
    phone.locator("form.times button").first.click()
    phone.locator("#f-name").wait_for()
    assert_accessible(phone)
    phone.locator("button.booking-submit").click()  # nothing filled in: every field's error
    phone.locator("#f-name-error").wait_for()
    assert_accessible(phone)
    phone.locator("#f-name").fill("Maija Meikäläinen")
    phone.locator("#f-email").fill("maija@example.fi")
    phone.locator("#f-consent").check()
    phone.locator("button.booking-submit").click()
    phone.locator("#booking-code").wait_for()
    assert "/a/" in phone.url
    assert_accessible(phone)


def test_the_ticket_status_page(phone, server):
    import httpx

    issued = httpx.post(f"{server.url}/api/v1/sites/demo/tickets", json={"service": "advice", "lang": "fi"}).json()
    phone.goto(f"{server.url}/t/{issued['id']}")
    phone.locator(".status-number, #ticket-status").first.wait_for()
    assert_accessible(phone)


def test_the_display(kiosk, server):
    kiosk.goto(f"{server.url}/display/demo?lang=fi,sv&panel=waiting&sound=off")
    kiosk.locator("#clock").wait_for()
    assert_accessible(kiosk)


# --- staff ----------------------------------------------------------------------------------------

def test_the_counter_login_page(browser, server):
    page = browser.new_page(locale="fi-FI")
    page.goto(f"{server.url}/counter/login")
    assert_accessible(page)
    page.get_by_label("Käyttäjätunnus").fill("clerk")
    page.get_by_label("Salasana").fill("wrong")
    page.get_by_role("button", name="Kirjaudu").click()
    page.locator(".error-message").wait_for()
    assert_accessible(page)
    page.close()


def test_the_counter_from_opening_to_a_customer(clerk, server):
    assert_accessible(clerk)  # the opening page
    import httpx

    httpx.post(f"{server.url}/api/v1/sites/demo/tickets", json={"service": "payments", "lang": "fi"})
    clerk.get_by_label("Palvelupiste 4").check()
    clerk.get_by_label("E – Maksut ja laskut").check()
    clerk.get_by_role("button", name="Avaa palvelupiste").click()
    clerk.locator("#queue-panel").wait_for()
    assert_accessible(clerk)
    clerk.get_by_role("button", name="Kutsu seuraava").click()
    clerk.get_by_role("button", name="Asiakas on paikalla – aloita").click()
    clerk.get_by_role("button", name="Valmis", exact=True).wait_for()
    assert_accessible(clerk)
    clerk.keyboard.press("t")  # the transfer dialog
    clerk.get_by_role("dialog", name="Siirrä E001").wait_for()
    assert_accessible(clerk)


@pytest.mark.parametrize("path", ["/counter/appointments", "/counter/customers", "/counter/customers/new",
                                  "/counter/requests", "/counter/requests/new", "/counter/overview", "/reports"])
def test_the_staff_pages(manager, server, path):
    manager.goto(f"{server.url}{path}")
    manager.wait_for_load_state("networkidle")
    assert_accessible(manager)


@pytest.fixture
def admin(browser, server, signed_in):
    yield from staff_page(browser, server, signed_in, "admin")


@pytest.mark.parametrize("path", [
    "/admin", "/admin/sites/new", "/admin/sites/demo", "/admin/sites/demo/hours", "/admin/sites/demo/services",
    "/admin/sites/demo/services/advice", "/admin/sites/demo/counters", "/admin/departments", "/admin/staff",
    "/admin/printers", "/admin/devices", "/counter/audit", "/counter/password",
])
def test_the_admin_pages(admin, server, path):
    response = admin.goto(f"{server.url}{path}")
    assert response.status == 200, path
    admin.wait_for_load_state("networkidle")
    assert_accessible(admin)


def test_an_admin_form_with_mistakes(admin, server):
    """Errors beside their fields are announced and named, not only coloured."""
    admin.goto(f"{server.url}/admin/sites/demo/services/advice")
    admin.locator("input[name=target_wait_min]").fill("abc")
    admin.locator("form.admin-form button[type=submit]").first.click()
    admin.wait_for_load_state("networkidle")
    assert admin.locator("[aria-invalid=true]").count() >= 1
    assert_accessible(admin)
