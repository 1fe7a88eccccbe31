"""Check-in for a booked time at the kiosk, against uvicorn on loopback: the code typed any way or the
QR code's address as a scanner types it gives a printed ticket for the booked time; every refusal is
said on the check-in screen in the kiosk's language; the ticket goes before earlier walk-ins once
its time has come. In Chromium: the keypad, the scanner, the way back to the start screen."""

import re
import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa

from server import booking, i18n, queue
from server.models import Appointment, AppointmentHours, Service, Ticket, utcnow
from tests.conftest import DEMO_PASSWORD, printed_files

HX = {"HX-Request": "true"}
TZ = "Europe/Helsinki"  # the demo site's


def make_bookable(server, code: str = "advice") -> None:
    """Appointments around the clock in 5-minute slots, so that a slot is always near, whatever the
    time of day the test runs. Hours end at 23:59, so the day's last slot starts at 23:50 and the five
    minutes before midnight have none: every window the tests ask a slot in is at least ten minutes
    long, so it always holds another."""
    with server.app.state.db.write() as session:
        service = queue.get_service(session, queue.get_site(session, "demo"), code)
        service.appointment_seats, service.slot_min = 2, 5
        session.add(service)
        session.execute(sa.delete(AppointmentHours).where(AppointmentHours.service_id == service.id))
        for weekday in range(7):
            session.add(AppointmentHours(service_id=service.id, weekday=weekday, opens=time(0, 0),
                                         closes=time(23, 59)))


def slot_between(server, earliest: datetime, latest: datetime, code: str = "advice") -> datetime:
    """The start of one of the service's slots with a free seat between two instants."""
    with server.app.state.db.read() as session:
        site = queue.get_site(session, "demo")
        service = queue.get_service(session, site, code)
        day = queue.local_day(site, earliest)
        while day <= queue.local_day(site, latest):
            for slot in booking.day_slots(session, site, service, day, now=earliest - timedelta(seconds=1)):
                if slot.free and earliest <= slot.starts_at <= latest:
                    return slot.starts_at
            day += timedelta(days=1)
    raise AssertionError(f"no slot between {earliest} and {latest}")


def book(server, starts_at: datetime, code: str = "advice") -> Appointment:
    """A booking made through the core; one for a time already past was made before that time came."""
    booked_at = min(utcnow(), starts_at - timedelta(minutes=1))
    with server.app.state.db.write() as session:
        held = booking.hold(session, "demo", code, starts_at, now=booked_at)
        return booking.confirm(session, held.public_id, name="Maija Meikäläinen", consent=True, now=booked_at,
                               email=f"maija.{secrets.token_hex(4)}@example.fi")


def check_in(server, code: str, lang: str = "en") -> httpx.Response:
    return httpx.post(f"{server.url}/kiosk/demo/check-in", data={"code": code}, timeout=10,
                      headers={**HX, "Accept-Language": lang})


def number_of(response: httpx.Response) -> str:
    return re.search(r'id="issued-number">([^<]+)<', response.text).group(1)


def message_of(response: httpx.Response) -> str:
    return " ".join(re.search(r'class="checkin-message"[^>]*>([^<]+)<', response.text).group(1).split())


def stored(server, appointment: Appointment) -> tuple[Appointment, Ticket | None]:
    with server.app.state.db.read() as session:
        again = session.get(Appointment, appointment.id)
        return again, session.get(Ticket, again.ticket_id) if again.ticket_id else None


def soon(server) -> datetime:
    """A slot within the check-in window (from 30 minutes before) that has not begun yet."""
    now = utcnow()
    return slot_between(server, now + timedelta(minutes=2), now + timedelta(minutes=28))


def test_the_start_screen_offers_check_in_only_where_a_service_takes_appointments(live_server):
    def start_screen():
        return httpx.get(f"{live_server.url}/kiosk/demo", headers={"Accept-Language": "en"}).text

    with live_server.app.state.db.write() as session:
        session.execute(sa.update(Service).values(appointment_seats=0))
    assert "I have an appointment" not in start_screen()
    make_bookable(live_server)
    assert 'hx-get="/kiosk/demo/check-in"' in start_screen()
    page = httpx.get(f"{live_server.url}/kiosk/demo/check-in", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "<html" in page.text  # a whole page for a reload
    assert 'id="checkin-code"' in page.text and "autofocus" in page.text
    keys = re.findall(r'data-key="([A-Z0-9])"', page.text)
    assert "".join(keys) == booking.CODE_ALPHABET
    fragment = httpx.get(f"{live_server.url}/kiosk/demo/check-in", headers={**HX, "Accept-Language": "en"})
    assert "<html" not in fragment.text and 'id="checkin-code"' in fragment.text


def test_a_code_typed_in_lower_case_with_spaces_gives_a_printed_ticket_for_the_booked_time(live_server):
    make_bookable(live_server)
    starts = soon(live_server)
    appointment = book(live_server, starts)
    typed = f" {appointment.code[:4].lower()} {appointment.code[4:].lower()} "
    response = check_in(live_server, typed)
    assert response.status_code == 201, response.text
    assert number_of(response) == "A001"
    assert f"For your appointment at {i18n.local_time(starts, TZ, 'en')}." in response.text
    assert "/kiosk/demo/print-jobs/" in response.text  # the ordinary print progress
    assert len(printed_files(live_server.settings, "*-A001-*.bin")) == 1
    checked, ticket = stored(live_server, appointment)
    assert checked.status == "checked_in" and ticket.number == "A001" and ticket.appointment_at == starts


def test_the_qr_codes_whole_address_as_a_scanner_types_it_checks_in_too(live_server):
    make_bookable(live_server)
    appointment = book(live_server, soon(live_server))
    response = check_in(live_server, f"{live_server.settings.public_url}/b/demo/{appointment.code}", lang="sv")
    assert response.status_code == 201
    assert number_of(response) == "A001" and "Ditt nummer" in response.text
    assert len(printed_files(live_server.settings, "*-A001-*.bin")) == 1


def test_each_refusal_is_said_on_the_check_in_screen_in_the_kiosks_language_with_the_code_kept(live_server):
    make_bookable(live_server)
    now = utcnow()

    unknown = check_in(live_server, "xxxx yyyy", lang="fi")
    assert unknown.status_code == 404
    assert message_of(unknown).startswith("Tällä koodilla ei ole varausta täällä.")
    assert 'value="xxxx yyyy"' in unknown.text and 'aria-invalid="true"' in unknown.text

    later = slot_between(live_server, now + timedelta(hours=2), now + timedelta(hours=3))
    early = check_in(live_server, book(live_server, later).code, lang="fi")
    assert early.status_code == 409
    early_sv = check_in(live_server, book(live_server, later).code, lang="sv")
    fi, sv = message_of(early), message_of(early_sv)
    if later.astimezone(ZoneInfo(TZ)).date() == now.astimezone(ZoneInfo(TZ)).date():
        assert f"Varattu aikasi on klo {i18n.local_time(later, TZ, 'fi')}." in fi
        assert "Ilmoittaudu aikaisintaan klo" in fi
        assert f"Din tid är kl. {i18n.local_time(later, TZ, 'sv')}." in sv
    else:  # from 21 or 22 o'clock on, the time 2-3 hours ahead is tomorrow's: the message names its day
        assert fi.startswith("Varattu aikasi on ") and f" klo {i18n.local_time(later, TZ, 'fi')}." in fi
        assert "Ilmoittaudu sinä päivänä aikaisintaan klo" in fi
        assert sv.startswith("Din tid är ") and f" kl. {i18n.local_time(later, TZ, 'sv')}." in sv

    cancelled = book(live_server, soon(live_server))
    with live_server.app.state.db.write() as session:
        booking.cancel(session, cancelled.public_id)
    refused = check_in(live_server, cancelled.code)
    assert refused.status_code == 409
    assert message_of(refused) == "This booking was cancelled. Please take a queue number."

    twice = book(live_server, soon(live_server))
    first = check_in(live_server, twice.code)
    again = check_in(live_server, twice.code)
    assert again.status_code == 409
    assert message_of(again) == f"This booking is already checked in: your number is {number_of(first)}."
    assert f'value="{twice.code}"' in again.text

    empty = check_in(live_server, "   ")
    assert empty.status_code == 422 and "Type the code of your booking" in message_of(empty)
    nonsense = check_in(live_server, "' OR 1=1 --" + "Ä" * 5000)
    assert nonsense.status_code == 404


def test_too_late_is_an_ordinary_number_even_after_the_booking_became_a_no_show(live_server):
    make_bookable(live_server)
    now = utcnow()
    missed = book(live_server, slot_between(live_server, now - timedelta(minutes=60), now - timedelta(minutes=40)))
    late = book(live_server, slot_between(live_server, now - timedelta(minutes=35), now - timedelta(minutes=20)))
    # What the housekeeping job does every minute, as it was when only the first was past its window.
    with live_server.app.state.db.write() as session:
        booking.mark_no_shows(session, now=missed.starts_at + timedelta(minutes=16),
                              limits=booking.Limits.of(live_server.settings))

    for appointment in (missed, late):
        ordinary = check_in(live_server, appointment.code)
        assert ordinary.status_code == 201
        assert f"Your booked time {i18n.local_time(appointment.starts_at, TZ, 'en')} has passed" in ordinary.text
        checked, ticket = stored(live_server, appointment)
        assert checked.status == "no_show" and ticket.number == number_of(ordinary) and ticket.appointment_at is None
    again = check_in(live_server, missed.code, lang="fi")
    assert again.status_code == 409 and "vuoronumerosi on" in message_of(again)


def test_a_checked_in_booking_is_called_before_an_earlier_walk_in_once_its_time_has_come(live_server):
    make_bookable(live_server)
    now = utcnow()
    api = httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=10)
    walk_in = api.post("/sites/demo/tickets", json={"service": "advice"}).json()
    not_yet = book(live_server, slot_between(live_server, now + timedelta(minutes=3), now + timedelta(minutes=28)))
    due = book(live_server, slot_between(live_server, now - timedelta(minutes=13), now - timedelta(seconds=5)))
    assert number_of(check_in(live_server, not_yet.code)) == "A002"
    assert number_of(check_in(live_server, due.code)) == "A003"

    token = api.post("/token", json={"username": "clerk", "password": DEMO_PASSWORD}).json()["access_token"]
    clerk = {"Authorization": f"Bearer {token}"}
    assert api.post("/counters/1/open", json={"services": ["advice"]}, headers=clerk).status_code == 200
    called = []
    while (response := api.post("/counters/1/call-next", headers=clerk)).status_code == 200:
        ticket = response.json()
        called.append(ticket["number"])
        api.post(f"/tickets/{ticket['id']}/start", headers=clerk)
        api.post(f"/tickets/{ticket['id']}/finish", headers=clerk)
    # The booked time has come for A003: before A001, who came earlier; A002's time has not come yet.
    assert called == ["A003", walk_in["number"]] == ["A003", "A001"]
    api.close()


# --- in Chromium --------------------------------------------------------------------------------


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="fi-FI")
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.browser
def test_a_visitor_taps_i_have_an_appointment_types_the_code_on_the_keypad_and_sees_the_number(page, live_server):
    make_bookable(live_server)
    appointment = book(live_server, soon(live_server))
    page.goto(f"{live_server.url}/kiosk/demo?lang=en")
    page.get_by_role("button", name="I have an appointment").click()
    page.locator("#checkin-code").wait_for(timeout=5000)
    assert page.evaluate("document.activeElement.id") == "checkin-code"  # ready for a scanner
    for letter in appointment.code:
        page.get_by_role("button", name=letter, exact=True).click()
    assert page.locator("#checkin-code").input_value() == appointment.code
    assert page.evaluate("document.activeElement.id") == "checkin-code"  # the keypad keeps the focus there
    page.get_by_role("button", name="Check in", exact=True).click()
    assert page.locator("#issued-number").inner_text(timeout=5000) == "A001"
    assert "For your appointment at" in page.locator("#checkin-booked").inner_text()
    assert page.locator(".issued-facts").count() == 0  # no people ahead: a booking is called at its time
    page.get_by_text("Take your ticket from the printer.").wait_for(timeout=5000)
    assert "For your appointment at" in page.locator("#checkin-booked").inner_text()  # printed: still one message
    assert len(printed_files(live_server.settings, "*-A001-*.bin")) == 1
    # By itself the kiosk returns to the start screen for the next visitor, in its own language.
    page.get_by_role("button", name="Minulla on varattu aika").wait_for(timeout=10000)


@pytest.mark.browser
def test_a_refusal_stays_on_the_screen_and_a_scan_replaces_the_wrong_code(page, live_server):
    make_bookable(live_server)
    appointment = book(live_server, soon(live_server))
    page.goto(f"{live_server.url}/kiosk/demo?lang=en")
    page.get_by_role("button", name="I have an appointment").click()
    page.locator("#checkin-code").wait_for(timeout=5000)
    page.keyboard.type("XXXXYYYY\n")  # a scanner is a keyboard that ends with Enter
    message = page.locator("#checkin-message")
    assert message.inner_text(timeout=5000).startswith("No booking has this code here.")
    assert page.locator("#checkin-code").input_value() == "XXXXYYYY"
    page.mouse.click(10, 1800)  # a touch somewhere else: the scanner's keys still go to the field
    page.keyboard.type(f"{live_server.settings.public_url}/b/demo/{appointment.code}\n")
    assert page.locator("#issued-number").inner_text(timeout=5000) == "A001"


@pytest.mark.browser
def test_a_code_scanned_as_the_screen_appears_is_kept_whole(page, live_server):
    """A scanner may type before the check-in screen's script has arrived (a busy kiosk PC): those
    letters are the start of the code, not a refused code to select and replace."""
    make_bookable(live_server)
    held = []
    page.route(re.compile(r"/kiosk/static/checkin\.js"), lambda route: held.append(route))
    page.goto(f"{live_server.url}/kiosk/demo?lang=en")
    page.get_by_role("button", name="I have an appointment").click()
    page.locator("#checkin-code").wait_for(timeout=5000)
    # The field's autofocus may not have come yet either (htmx gives it after the swap settles):
    # the scanner's first letters must still reach the field.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.type("XXXX")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    held.pop().continue_()
    page.wait_for_function("() => window.luukkuCheckin")
    page.keyboard.type("YYYY")
    assert page.locator("#checkin-code").input_value() == "XXXXYYYY"


@pytest.mark.browser
def test_the_check_in_screen_goes_back_to_the_start_after_a_while_without_a_touch(page, tmp_path):
    from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database

    # kiosk_return_s 1 (live_server's 2 took 8 s of waiting): the check-in screen waits four times
    # that after the last touch; the start screen is then in the kiosk's own language again.
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'kiosk.db'}")
    port = free_port()
    settings = make_settings(url, port, demo_printer=f"file:{tmp_path / 'prints'}", kiosk_return_s=1)
    with LiveServer(settings, port) as server:
        make_bookable(server)
        page.goto(f"{server.url}/kiosk/demo?lang=en")
        page.get_by_role("button", name="I have an appointment").click()
        page.locator("#checkin-code").wait_for(timeout=5000)
        page.get_by_role("button", name="K", exact=True).click()
        page.get_by_role("button", name="Minulla on varattu aika").wait_for(timeout=15000)
        assert page.locator("#checkin-code").count() == 0


# Chromium on Linux has no BarcodeDetector and the test machine no camera: both stand-ins, so the
# page's own code (feature detection, the camera button, reading, sending) is what runs.
FAKE_CAMERA = """
window.BarcodeDetector = class {
  static getSupportedFormats() { return Promise.resolve(["qr_code"]); }
  detect() { return Promise.resolve(window.qrInFrontOfCamera ? [{ rawValue: window.qrInFrontOfCamera }] : []); }
};
navigator.mediaDevices.getUserMedia = () => {
  const canvas = document.createElement("canvas");
  canvas.getContext("2d").fillRect(0, 0, 10, 10);
  return Promise.resolve(canvas.captureStream());
};
"""


@pytest.mark.browser
def test_where_the_browser_reads_qr_codes_the_camera_checks_in_too(browser, live_server):
    make_bookable(live_server)
    appointment = book(live_server, soon(live_server))
    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="en-GB")
    try:
        plain = context.new_page()  # without BarcodeDetector the camera is not offered at all
        plain.goto(f"{live_server.url}/kiosk/demo/check-in?lang=en")
        assert plain.locator(".checkin-camera").is_hidden()
        plain.close()

        context.add_init_script(FAKE_CAMERA)
        page = context.new_page()
        page.goto(f"{live_server.url}/kiosk/demo?lang=en")
        page.get_by_role("button", name="I have an appointment").click()
        page.get_by_role("button", name="Show the QR code to the camera").click()
        page.locator(".checkin-video").wait_for(state="visible", timeout=5000)
        page.evaluate(f"window.qrInFrontOfCamera = '{live_server.settings.public_url}/b/demo/{appointment.code}'")
        assert page.locator("#issued-number").inner_text(timeout=5000) == "A001"
    finally:
        context.close()


def test_the_check_in_screen_is_a_whole_kiosk_page_without_htmx(live_server):
    make_bookable(live_server)
    page = httpx.get(f"{live_server.url}/kiosk/demo/check-in", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and 'id="checkin-code"' in page.text
    assert "<title>" in page.text and "Check in for your appointment" in page.text and 'data-live="' in page.text
