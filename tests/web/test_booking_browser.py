"""Booking on a phone in Debian's Chromium: from the QR code's address to the booking code."""

import re

import pytest

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 3, "locale": "fi-FI"}


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


def fits_the_screen(page) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def small_targets(page) -> list[str]:
    """Links, buttons and fields in the page under 44 × 44 CSS pixels (WCAG 2.5.5's size)."""
    return page.evaluate("""() => [...document.querySelectorAll('main a, main button, main input, main textarea')]
        .filter(e => e.type !== 'hidden' && e.type !== 'checkbox')
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, r]) => r.width < 44 || r.height < 44)
        .map(([e, r]) => `${e.outerHTML.slice(0, 80)} ${r.width}x${r.height}`)""")


def test_a_phone_books_from_the_qr_address_to_the_booking_code(phone, live_server):
    phone.goto(f"{live_server.url}/b/demo")
    assert phone.locator("html").get_attribute("lang") == "fi"
    assert fits_the_screen(phone) and small_targets(phone) == []
    phone.get_by_role("link", name=re.compile("Yleisneuvonta")).tap()

    phone.locator(".day-strip").wait_for()
    assert fits_the_screen(phone) and small_targets(phone) == []
    first = phone.locator("form.times button").first
    chosen = first.inner_text()
    assert re.fullmatch(r"\d\d\.\d\d", chosen)  # Finnish clock time
    first.tap()

    phone.locator("#f-name").wait_for()
    assert fits_the_screen(phone) and small_targets(phone) == []
    phone.locator("button.booking-submit").tap()  # nothing filled in yet
    phone.locator("#f-name-error").wait_for()
    assert phone.evaluate("document.activeElement.id") == "f-name"  # the first wrong field has the focus
    assert phone.locator("#f-name").get_attribute("aria-invalid") == "true"
    described = phone.locator("#f-consent").get_attribute("aria-describedby").split()
    assert "f-consent-error" in described and phone.locator("#f-consent-error").is_visible()

    phone.locator("#f-name").fill("Maija Meikäläinen")
    phone.locator("#f-phone").fill("040 123 4567")
    phone.locator("#f-consent").tap()
    phone.locator("button.booking-submit").tap()

    code = phone.locator("#booking-code")
    code.wait_for()
    assert re.fullmatch(r"[A-Z0-9]{8}", code.inner_text())
    assert chosen in phone.locator(".booking-facts").inner_text()
    qr = phone.locator(".code-qr svg").bounding_box()
    assert qr["width"] >= 150 and qr["x"] >= 0 and qr["x"] + qr["width"] <= 390  # big enough for the scanner
    assert fits_the_screen(phone) and small_targets(phone) == []
    assert "/a/" in phone.url and "Maija" not in phone.url


def test_the_pages_fit_a_360_px_phone_in_swedish(browser, live_server):
    context = browser.new_context(**{**PHONE, "viewport": {"width": 360, "height": 640}, "locale": "sv-SE"})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/b/demo/housing")
        assert page.locator("html").get_attribute("lang") == "sv"
        assert fits_the_screen(page) and small_targets(page) == []
        page.locator("form.times button").first.tap()
        page.locator("#f-name").wait_for()
        assert fits_the_screen(page)
    finally:
        context.close()


def test_booked_on_a_phone_checked_in_at_the_kiosk_and_called_before_an_earlier_walk_in(browser, live_server):
    """The whole path of issue 6 in one go: QR address -> booking code on a phone -> check-in by code
    at the kiosk -> at the booked time, call-next takes the booking before the walk-in who came first."""
    from datetime import time as clock

    import httpx
    import sqlalchemy as sa

    from server import counters, queue
    from server.models import Appointment, AppointmentHours, StaffUser
    from tests.conftest import DEMO_PASSWORD

    with live_server.app.state.db.write() as session:  # one-minute times all day: one is always near
        service = queue.get_service(session, queue.get_site(session, "demo"), "advice")
        service.appointment_seats, service.slot_min = 1, 1
        session.add(service)
        session.execute(sa.delete(AppointmentHours).where(AppointmentHours.service_id == service.id))
        session.add_all(AppointmentHours(service_id=service.id, weekday=d, opens=clock(0, 0), closes=clock(23, 59))
                        for d in range(7))
    api = httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=10)
    walk_in = api.post("/sites/demo/tickets", json={"service": "advice"}).json()

    context = browser.new_context(**PHONE)
    phone = context.new_page()
    phone.goto(f"{live_server.url}/b/demo")
    phone.get_by_role("link", name=re.compile("Yleisneuvonta")).tap()
    phone.locator("form.times button").first.tap()
    phone.locator("#f-name").fill("Maija Meikäläinen")
    phone.locator("#f-email").fill("maija@example.fi")
    phone.locator("#f-consent").tap()
    phone.locator("button.booking-submit").tap()
    code = phone.locator("#booking-code").inner_text(timeout=10_000)
    context.close()

    kiosk = browser.new_page(viewport={"width": 1080, "height": 1920}, locale="fi-FI")
    kiosk.goto(f"{live_server.url}/kiosk/demo")
    kiosk.get_by_role("button", name="Minulla on varattu aika").click()
    kiosk.locator("#checkin-code").fill(code)
    kiosk.get_by_role("button", name="Ilmoittaudu", exact=True).click()
    number = kiosk.locator("#issued-number").inner_text(timeout=10_000)
    kiosk.close()
    assert number != walk_in["number"]

    token = api.post("/token", json={"username": "clerk", "password": DEMO_PASSWORD}).json()["access_token"]
    api.headers["Authorization"] = f"Bearer {token}"
    assert api.post("/counters/1/open", json={"services": ["advice"]}).status_code == 200
    api.close()
    # The booked time is under a minute away: rather than wait for it, the call is made with the clock
    # at that time, as the core's functions take it (``now``), in the server's own database.
    with live_server.app.state.db.write() as session:
        starts_at = session.execute(sa.select(Appointment.starts_at).where(Appointment.code == code)).scalar_one()
        clerk = session.execute(sa.select(StaffUser.id).where(StaffUser.username == "clerk")).scalar_one()
        called, _ = counters.call_next(session, 1, clerk, now=starts_at)
        assert called.number == number  # the booking, before the walk-in who came first
