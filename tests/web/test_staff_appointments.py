"""Staff's appointments over real HTTP against uvicorn: the day's bookings per service in the site's
time zone, booking for a caller on the phone, moving and cancelling with a reason, and every refusal
as the page again with the reason and the form as it was sent."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select

from server import booking, i18n, queue
from server.models import Appointment, AppointmentSlot, Event, StaffUser, utcnow
from tests.web.test_checkin import TZ, book, check_in, make_bookable, slot_between, soon
from tests.web.test_counter_day import log_in

HX = {"HX-Request": "true"}


def local_day(server, at: datetime) -> str:
    with server.app.state.db.read() as session:
        return queue.local_day(queue.get_site(session, "demo"), at).isoformat()


def row(page: httpx.Response, code: str) -> str:
    """The text of a booking's row, tags and extra spaces gone."""
    match = re.search(rf'<tr data-code="{code}".*?</tr>', page.text, re.S)
    assert match, f"no row for {code}"
    without_forms = re.sub(r"<details.*?</details>", "", match.group(0), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", without_forms)).split())


def section(page: httpx.Response, service: str) -> str:
    return re.search(rf'<section class="appointments-service" data-service="{service}".*?</section>', page.text,
                     re.S).group(0)


def options(fragment: str, select_id: str) -> list[str]:
    select_html = re.search(rf'<select id="{select_id}".*?</select>', fragment, re.S).group(0)
    return [value for value in re.findall(r'<option value="([^"]*)"', select_html) if value]


def message(page: httpx.Response) -> str:
    return html.unescape(re.search(r'id="appointments-message">([^<]+)<', page.text).group(1))


def stored(server, code: str) -> Appointment:
    with server.app.state.db.read() as session:
        return session.exec(select(Appointment).where(Appointment.code == code)).one()


def user_id(server, username: str) -> int:
    with server.app.state.db.read() as session:
        return session.exec(select(StaffUser).where(StaffUser.username == username)).one().id


def follow(client: httpx.Client, response: httpx.Response) -> httpx.Response:
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"])


def appointment_site(server):
    with server.app.state.db.read() as session:
        return queue.get_site(session, "demo")


def caller(at: datetime, **fields) -> dict:
    """The booking form as a clerk sends it for a caller on the phone: the day chosen is the time's own
    (near midnight, a slot soon may be tomorrow's while the page shows today)."""
    return {"site": "demo", "service": "advice", "day": at.astimezone(ZoneInfo(TZ)).date().isoformat(),
            "starts_at": at.isoformat(),
            "name": "Pekka Puhelin", "phone": "040 123 4567", "email": "", "message": "Tuo passi mukaan",
            "lang": "sv", "consent": "yes", "page_day": "", "page_service": "", **fields}


def test_it_is_for_staff_only_and_linked_from_the_counter_header(live_server):
    anonymous = httpx.get(f"{live_server.url}/counter/appointments")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/counter/login"
    with log_in(live_server, "clerk") as clerk:
        assert 'href="/counter/appointments?site=demo"' in clerk.get("/counter").text
        assert clerk.get("/counter/appointments").status_code == 200
    with log_in(live_server, "admin") as admin:
        assert 'href="/counter/appointments?site=demo"' in admin.get("/counter/overview").text
        assert admin.get("/counter/appointments").status_code == 200


def test_the_days_bookings_per_service_with_their_status_in_the_sites_time(live_server):
    make_bookable(live_server)
    make_bookable(live_server, "housing")
    now = utcnow()
    booked = book(live_server, soon(live_server))
    checked = book(live_server, soon(live_server))
    number = re.search(r'id="issued-number">([^<]+)<', check_in(live_server, checked.code).text).group(1)
    cancelled = book(live_server, soon(live_server))
    with live_server.app.state.db.write() as session:
        booking.cancel(session, cancelled.public_id, reason="Sairastui", staff_user_id=user_id(live_server, "clerk"))
    missed = book(live_server, slot_between(live_server, now - timedelta(minutes=60), now - timedelta(minutes=40)))
    with live_server.app.state.db.write() as session:
        booking.mark_no_shows(session, now=missed.starts_at + timedelta(minutes=16))
    housing = book(live_server, soon(live_server), code="housing")
    later = book(live_server, slot_between(live_server, now + timedelta(days=2), now + timedelta(days=2, hours=1)))

    with log_in(live_server, "clerk") as clerk:
        def day_of(appointment: Appointment, **params) -> httpx.Response:
            return clerk.get("/counter/appointments", params={"day": local_day(live_server, appointment.starts_at),
                                                              **params})

        page = day_of(booked)
        assert page.status_code == 200
        assert row(page, booked.code).startswith(
            f"{i18n.local_time(booked.starts_at, TZ, 'en')} {booked.code} Maija Meikäläinen {booked.email}")
        assert row(page, booked.code).endswith("Booked")
        assert 'class="move"' in re.search(rf'<tr data-code="{booked.code}".*?</tr>', page.text, re.S).group(0)
        assert row(day_of(checked), checked.code).endswith(f"Checked in: number {number}")
        assert row(day_of(cancelled), cancelled.code).endswith("Cancelled: Sairastui")
        assert row(day_of(missed), missed.code).endswith("Did not come")
        assert housing.code in section(day_of(housing), "housing")
        assert housing.code not in section(day_of(housing), "advice")
        only_housing = day_of(housing, service="housing")
        assert 'data-service="advice"' not in only_housing.text and housing.code in only_housing.text

        # Days forward and back, by the links on the page.
        later_day = local_day(live_server, later.starts_at)
        page = clerk.get("/counter/appointments", params={"day": later_day})
        assert later.code in page.text and booked.code not in page.text
        back = re.search(r'href="([^"]+)" rel="prev"', page.text).group(1)
        forward = re.search(r'href="([^"]+)" rel="next"', clerk.get(html.unescape(back)).text).group(1)
        assert later.code in clerk.get(html.unescape(forward)).text


def test_a_clerk_books_for_a_caller_on_the_phone_and_reads_out_the_code(live_server):
    make_bookable(live_server)
    tomorrow = (queue.local_day(appointment_site(live_server), utcnow()) + timedelta(days=1)).isoformat()
    with log_in(live_server, "clerk") as clerk:
        page = clerk.get("/counter/appointments", params={"service": "advice", "day": tomorrow})
        times = options(page.text, "book-time")
        with live_server.app.state.db.read() as session:
            site = queue.get_site(session, "demo")
            free = booking.day_slots(session, site, queue.get_service(session, site, "advice"),
                                     datetime.fromisoformat(tomorrow).date())
        assert times == [slot.starts_at.isoformat() for slot in free] and len(times) > 100  # the day's free times
        starts_at = datetime.fromisoformat(times[0])
        done = follow(clerk, clerk.post("/counter/appointments/book",
                                        data=caller(starts_at, page_day=tomorrow, page_service="advice")))
        code = re.search(r'class="booked-code" role="status" data-code="([A-Z0-9]+)"', done.text).group(1)
        assert f"{code[:4]} {code[4:]}" in done.text  # in two halves, to read out
        appointment = stored(live_server, code)
        assert appointment.status == "booked" and appointment.booked_by == user_id(live_server, "clerk")
        assert (appointment.phone, appointment.message, appointment.lang) == ("+358401234567", "Tuo passi mukaan", "sv")
        assert row(done, code).startswith(f"{i18n.local_time(starts_at, TZ, 'en')} {code} Pekka Puhelin "
                                          "booked by phone: Kalle Virkailija +358401234567 Tuo passi mukaan")
        assert 'class="booked-code"' not in clerk.get("/counter/appointments").text  # said once

        # No per-person limit for staff: the same caller books a fourth time (a citizen may hold three).
        for start in times[1:4]:
            again = clerk.post("/counter/appointments/book", data=caller(datetime.fromisoformat(start)))
            assert again.status_code == 303
        with live_server.app.state.db.read() as session:
            assert len(session.exec(select(Appointment).where(Appointment.phone == "+358401234567")).all()) == 4

        # The time list follows the form's service and day (htmx asks for it when either changes).
        after = (datetime.fromisoformat(tomorrow) + timedelta(days=1)).date().isoformat()
        fragment = clerk.get("/counter/appointments/times",
                             params={"site": "demo", "service": "advice", "day": after}, headers=HX)
        assert fragment.status_code == 200 and "<html" not in fragment.text
        first = datetime.fromisoformat(re.search(r'<option value="([^"]+)"', fragment.text).group(1))
        assert local_day(live_server, first) == after and i18n.local_time(first, TZ, "en") == "00:00"
        nothing = clerk.get("/counter/appointments/times", params={"site": "demo", "service": "payments",
                                                                   "day": after}, headers=HX)
        assert '<option value="">No free times on this day</option>' in nothing.text


def seats_taken(server, starts_at: datetime) -> int:
    with server.app.state.db.read() as session:
        slot = session.exec(select(AppointmentSlot).where(AppointmentSlot.starts_at == starts_at)).first()
        return slot.taken if slot else 0


def test_a_refused_booking_comes_back_with_the_reason_and_the_form_as_it_was(live_server):
    make_bookable(live_server)
    starts_at = soon(live_server)
    with log_in(live_server, "clerk") as clerk:
        no_consent = clerk.post("/counter/appointments/book", data=caller(starts_at, consent=""))
        assert no_consent.status_code == 422
        assert message(no_consent) == "Tick the box to confirm that the caller agreed to how their details are used."
        assert 'value="Pekka Puhelin"' in no_consent.text and 'value="040 123 4567"' in no_consent.text
        assert ">Tuo passi mukaan</textarea>" in no_consent.text
        assert f'<option value="{starts_at.isoformat()}" selected>' in no_consent.text
        assert '<option value="sv" selected>' in no_consent.text
        book_section = no_consent.text.split('id="book-heading"')[1]
        assert 'id="appointments-message"' in book_section and "autofocus" in book_section  # beside the form

        no_contact = clerk.post("/counter/appointments/book", data=caller(starts_at, phone=""))
        assert no_contact.status_code == 422
        assert message(no_contact).startswith("Give a phone number or an email address")
        bad_phone = clerk.post("/counter/appointments/book", data=caller(starts_at, phone="soita minulle"))
        assert bad_phone.status_code == 422 and "phone number does not look right" in message(bad_phone)
        assert 'value="soita minulle"' in bad_phone.text
        no_time = clerk.post("/counter/appointments/book", data=caller(starts_at, starts_at="kymmeneltä"))
        assert no_time.status_code == 422 and message(no_time) == "Choose a time."
        # Refused in the same transaction as the hold: the seat was never taken.
        assert seats_taken(live_server, starts_at) == 0

        for _ in range(2):  # the slot's two seats
            assert clerk.post("/counter/appointments/book", data=caller(starts_at)).status_code == 303
        taken = clerk.post("/counter/appointments/book", data=caller(starts_at, name="Kolmas Soittaja"))
        assert taken.status_code == 409
        assert message(taken) == "That time was just taken. Please choose another."
        assert "Next free times:" in taken.text and 'value="Kolmas Soittaja"' in taken.text
        assert seats_taken(live_server, starts_at) == 2

        bad_day = clerk.get("/counter/appointments", params={"day": "2027-02-30"})
        assert bad_day.status_code == 422 and message(bad_day).startswith("Write the day as YYYY-MM-DD")
        no_service = clerk.get("/counter/appointments", params={"service": "tax-returns"})
        assert no_service.status_code == 404 and "tax-returns" in message(no_service)


def test_moving_and_cancelling_need_a_reason_and_free_the_old_seat(live_server):
    make_bookable(live_server)
    now = utcnow()
    appointment = book(live_server, soon(live_server))
    other_day = slot_between(live_server, now + timedelta(days=3), now + timedelta(days=3, hours=2))
    page_day = local_day(live_server, appointment.starts_at)
    move = {"site": "demo", "public_id": appointment.public_id, "day": local_day(live_server, other_day),
            "starts_at": other_day.isoformat(), "reason": "", "page_day": page_day, "page_service": ""}
    with log_in(live_server, "clerk") as clerk:
        refused = clerk.post("/counter/appointments/move", data=move)
        assert refused.status_code == 422 and message(refused) == "Write the reason for the move."
        failed_row = re.search(rf'<tr data-code="{appointment.code}".*?</tr>', refused.text, re.S).group(0)
        assert '<details class="move" open>' in failed_row  # still open, on the day and time chosen
        assert 'id="appointments-message"' in failed_row
        assert f'value="{move["day"]}"' in failed_row and f'<option value="{other_day.isoformat()}" selected>' in failed_row
        assert stored(live_server, appointment.code).starts_at == appointment.starts_at

        moved = follow(clerk, clerk.post("/counter/appointments/move", data={**move, "reason": "Asiakas pyysi"}))
        assert f"Booking {appointment.code} moved to" in moved.text
        assert stored(live_server, appointment.code).starts_at == other_day
        assert appointment.code not in re.sub(r'<p class="notice".*?</p>', "", moved.text)  # gone from this day
        assert seats_taken(live_server, appointment.starts_at) == 0 and seats_taken(live_server, other_day) == 1
        later = clerk.get("/counter/appointments", params={"day": move["day"]})
        assert row(later, appointment.code).endswith("Booked")

        cancel = {"site": "demo", "public_id": appointment.public_id, "reason": "  ", "page_day": move["day"],
                  "page_service": ""}
        refused = clerk.post("/counter/appointments/cancel", data=cancel)
        assert refused.status_code == 422 and message(refused) == "Write the reason for the cancellation."
        assert '<details class="cancel" open>' in refused.text
        done = follow(clerk, clerk.post("/counter/appointments/cancel", data={**cancel, "reason": "Ei tarvetta"}))
        assert f"Booking {appointment.code} cancelled." in done.text
        assert row(done, appointment.code).endswith("Cancelled: Ei tarvetta")
        assert seats_taken(live_server, other_day) == 0
        again = clerk.post("/counter/appointments/move", data={**move, "reason": "Vielä kerran"})
        assert again.status_code == 409 and message(again) == "Only a booking that is still coming up can be moved."

    with live_server.app.state.db.read() as session:
        events = session.exec(select(Event).where(Event.type.in_(["appointment.moved", "appointment.cancelled"]))
                              .order_by(Event.seq)).all()
        assert [(e.type, e.staff_user_id) for e in events] == [
            ("appointment.moved", user_id(live_server, "clerk")), ("appointment.cancelled", user_id(live_server, "clerk"))]


def test_a_booking_is_given_to_an_expert_listed_per_expert_and_checks_in_to_them(live_server):
    make_bookable(live_server)
    when = soon(live_server)
    mine, other = book(live_server, when), book(live_server, when)
    expert = user_id(live_server, "expert")
    with log_in(live_server, "clerk") as clerk:
        page = clerk.get("/counter/appointments", params={"day": local_day(live_server, when)})
        assert f'<option value="{expert}">' in page.text  # the experts to choose from
        done = clerk.post("/counter/appointments/assign", data={  # from the page of the booking's day
            "site": "demo", "public_id": mine.public_id, "expert": str(expert),
            "page_day": local_day(live_server, when), "page_service": ""})
        listed = follow(clerk, done)
        assert "Eeva Asiantuntija" in row(listed, mine.code)
        theirs = clerk.get("/counter/appointments", params={"day": local_day(live_server, when), "expert": expert})
        assert f'data-code="{mine.code}"' in theirs.text and f'data-code="{other.code}"' not in theirs.text
        refused = clerk.post("/counter/appointments/assign", data={
            "site": "demo", "public_id": mine.public_id, "expert": "99999", "page_day": "", "page_service": ""})
        assert refused.status_code == 404 and "no such staff member" in message(refused)
    assert stored(live_server, mine.code).expert_id == expert
    assert check_in(live_server, mine.code).status_code == 201
    with live_server.app.state.db.read() as session:
        from server.models import Ticket

        ticket = session.get(Ticket, stored(live_server, mine.code).ticket_id)
    assert ticket.target_staff_user_id == expert  # only the expert calls it
