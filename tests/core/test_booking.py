"""Appointments on SQLite and PostgreSQL: slots from a service's hours (DST included), holds that run
out, booking, moving, cancelling, the limits, and no double booking however many try at once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import select

from server import booking, hours, i18n, queue
from server.booking import Limits, SlotTaken
from server.errors import Conflict, Invalid, NotFound
from server.models import Appointment, AppointmentHours, AppointmentSlot, Event, Service

HELSINKI = ZoneInfo("Europe/Helsinki")
MONDAY = date(2027, 3, 22)
NOW = datetime(2027, 3, 22, 5, 0, tzinfo=timezone.utc)  # Monday 7.00 in Helsinki


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """A Helsinki wall-clock time, in UTC."""
    return (datetime.combine(day, time(hh), tzinfo=HELSINKI) + timedelta(minutes=mm)).astimezone(timezone.utc)


def bookable(db, code: str = "advice", seats: int = 2, slot_min: int = 20, buffer_min: int = 0,
             walk_in_share: int = 0, weekdays=range(7), opens=time(9), closes=time(12)) -> None:
    with db.write() as session:
        site = queue.get_site(session, "demo")
        service = queue.get_service(session, site, code)
        service.appointment_seats, service.slot_min, service.buffer_min = seats, slot_min, buffer_min
        service.walk_in_share = walk_in_share
        session.add(service)
        # The demo site books advice and housing on weekdays (server/demo.py): these hours replace those.
        session.execute(sa.delete(AppointmentHours).where(AppointmentHours.service_id == service.id))
        for weekday in weekdays:
            session.add(AppointmentHours(service_id=service.id, weekday=weekday, opens=opens, closes=closes))


def slots(db, day: date, code: str = "advice", now: datetime = NOW) -> list[booking.Slot]:
    with db.read() as session:
        site = queue.get_site(session, "demo")
        return booking.day_slots(session, site, queue.get_service(session, site, code), day, now)


def book(db, starts_at: datetime, email: str = "maija@example.fi", now: datetime = NOW, **kw) -> Appointment:
    with db.write() as session:
        held = booking.hold(session, "demo", "advice", starts_at, now=now, requester=kw.pop("requester", ""))
        return booking.confirm(session, held.public_id, name="Maija Meikäläinen", email=email, consent=True,
                               now=now, **kw)


def test_slots_follow_the_services_hours_length_and_buffer(db):
    bookable(db, buffer_min=10)
    day = slots(db, MONDAY)
    assert [s.starts_at.astimezone(HELSINKI).strftime("%H.%M") for s in day] == [
        "09.00", "09.30", "10.00", "10.30", "11.00", "11.30"]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=20) and s.capacity == s.free == 2 for s in day)
    assert slots(db, MONDAY, now=at(MONDAY, 10, 0)) == day[3:]  # past and current slots are gone


def test_a_share_kept_for_walk_ins_is_spread_over_the_day(db):
    bookable(db, seats=3, walk_in_share=50)
    capacities = [s.capacity for s in slots(db, MONDAY)]
    assert capacities == [1, 2, 1, 2, 1, 2, 1, 2, 1]
    assert sum(capacities) == 13  # half of 27 seats, rounded down


def test_holidays_and_short_days_of_the_site_limit_the_slots(db):
    bookable(db)
    with db.write() as session:
        site = queue.get_site(session, "demo")
        hours.set_exception(session, site, MONDAY, "closed")
        hours.set_exception(session, site, MONDAY + timedelta(days=1), "10:00-11:00")
    assert slots(db, MONDAY) == []
    short = slots(db, MONDAY + timedelta(days=1))
    assert [s.starts_at for s in short] == [at(MONDAY + timedelta(days=1), 10, m) for m in (0, 20, 40)]


def test_slots_keep_their_wall_clock_time_across_the_dst_changes(db):
    bookable(db, opens=time(2), closes=time(5))
    spring, autumn = date(2027, 3, 28), date(2027, 10, 31)  # 3.00 -> 4.00, and 4.00 -> 3.00
    before = slots(db, date(2027, 3, 27))
    assert before[0].starts_at == datetime(2027, 3, 27, 0, 0, tzinfo=timezone.utc)  # 2.00 at UTC+2
    gap = slots(db, spring)
    local = [s.starts_at.astimezone(HELSINKI).strftime("%H.%M") for s in gap]
    assert "03.00" not in local and "03.20" not in local and "03.40" not in local  # never on the clock
    assert local[:4] == ["02.00", "02.20", "02.40", "04.00"]
    assert gap[3].starts_at == datetime(2027, 3, 28, 1, 0, tzinfo=timezone.utc)  # 4.00 at UTC+3
    after = slots(db, date(2027, 3, 29), code="advice")
    assert after[0].starts_at == datetime(2027, 3, 28, 23, 0, tzinfo=timezone.utc)  # 2.00 at UTC+3
    october = slots(db, autumn, now=datetime(2027, 10, 30, tzinfo=timezone.utc))
    assert len({s.starts_at for s in october}) == len(october)  # the repeated hour makes no twin slots
    assert [s.starts_at.astimezone(HELSINKI).strftime("%H.%M") for s in october][:3] == ["02.00", "02.20", "02.40"]


def test_a_booking_takes_a_seat_and_cancelling_frees_it_at_once(db):
    bookable(db, seats=1)
    nine = at(MONDAY, 9)
    first = book(db, nine)
    assert first.status == "booked" and len(first.code) == 8 and first.phone == "" and first.email == "maija@example.fi"
    assert slots(db, MONDAY)[0].free == 0
    with db.write() as session, pytest.raises(SlotTaken) as taken:
        booking.hold(session, "demo", "advice", nine, now=NOW)
    assert [s.starts_at for s in taken.value.next_free] == [at(MONDAY, 9, 20), at(MONDAY, 9, 40), at(MONDAY, 10),
                                                            at(MONDAY, 10, 20), at(MONDAY, 10, 40)]
    with db.write() as session:
        booking.cancel(session, first.public_id, now=NOW)
    assert slots(db, MONDAY)[0].free == 1
    assert book(db, nine, email="toinen@example.fi").status == "booked"
    with db.read() as session:
        types = [e.type for e in session.exec(select(Event).order_by(Event.seq))]
        assert types[-3:] == ["appointment.booked", "appointment.cancelled", "appointment.booked"]
        assert "Maija" not in "".join(e.data for e in session.exec(select(Event)))  # no personal data


def test_a_hold_runs_out_and_its_seat_goes_to_the_next_one(db):
    bookable(db, seats=1)
    nine = at(MONDAY, 9)
    with db.write() as session:
        slow = booking.hold(session, "demo", "advice", nine, now=NOW, limits=Limits(hold_s=300))
    assert slots(db, MONDAY)[0].free == 0
    later = NOW + timedelta(seconds=301)
    assert slots(db, MONDAY, now=later)[0].free == 1  # free to see at once
    fast = book(db, nine, now=later)
    with db.write() as session, pytest.raises(SlotTaken):
        booking.confirm(session, slow.public_id, name="Hidas", email="hidas@example.fi", consent=True, now=later)
    with db.write() as session:
        booking.cancel(session, fast.public_id, now=later)
    with db.write() as session:  # the time is free again: the late form still gets it
        late = booking.confirm(session, slow.public_id, name="Hidas", email="hidas@example.fi", consent=True,
                               now=later)
    assert late.status == "booked"
    with db.read() as session:
        seat = session.get(AppointmentSlot, (late.service_id, nine))
        assert (seat.capacity, seat.taken) == (1, 1)


def test_a_late_form_books_a_time_whose_later_hold_ran_out_too(db):
    """A holds 9.00 and types past the hold; B holds the same time and types past it too; no sweep
    came between. A's form still gets the time, which is free, and B's then finds it taken."""
    bookable(db, seats=1)
    nine = at(MONDAY, 9)
    limits = Limits(hold_s=2)
    with db.write() as session:
        a = booking.hold(session, "demo", "advice", nine, now=NOW, limits=limits)
    b_holds = NOW + timedelta(seconds=2.3)
    with db.write() as session:
        b = booking.hold(session, "demo", "advice", nine, now=b_holds, limits=limits)
    forms_sent = b_holds + timedelta(seconds=2.3)
    assert slots(db, MONDAY, now=forms_sent)[0].free == 1  # the page offers the time again
    with db.write() as session:
        late = booking.confirm(session, a.public_id, name="Aino", email="aino@example.fi", consent=True,
                               now=forms_sent, limits=limits)
    assert late.status == "booked"
    with db.write() as session, pytest.raises(SlotTaken):
        booking.confirm(session, b.public_id, name="Bertta", email="bertta@example.fi", consent=True,
                        now=forms_sent, limits=limits)
    with db.read() as session:
        assert (session.get(AppointmentSlot, (late.service_id, nine)).taken,
                session.get(Appointment, b.id).status) == (1, "expired")


def test_fifty_people_at_once_for_the_last_free_seat_one_gets_it(db):
    bookable(db, seats=1)
    nine = at(MONDAY, 9)
    start = threading.Barrier(50)

    def attempt(i: int):
        start.wait()
        try:
            return book(db, nine, email=f"person{i}@example.fi")
        except SlotTaken as exc:
            return exc

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(attempt, range(50)))
    won = [r for r in results if isinstance(r, Appointment)]
    lost = [r for r in results if isinstance(r, SlotTaken)]
    assert len(won) == 1 and len(lost) == 49
    assert all(r.next_free and r.next_free[0].starts_at == at(MONDAY, 9, 20) for r in lost)
    with db.read() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Appointment)).scalar_one() == 1
        assert session.get(AppointmentSlot, (won[0].service_id, nine)).taken == 1


def test_the_database_itself_refuses_a_seat_beyond_capacity(db):
    bookable(db, seats=1)
    appointment = book(db, at(MONDAY, 9))
    with pytest.raises(sa.exc.IntegrityError), db.write() as session:
        session.execute(sa.update(AppointmentSlot).where(AppointmentSlot.service_id == appointment.service_id)
                        .values(taken=AppointmentSlot.taken + 1))


def test_moving_takes_the_new_seat_and_frees_the_old(db):
    bookable(db, seats=1)
    mine, other = book(db, at(MONDAY, 9)), book(db, at(MONDAY, 9, 40), email="other@example.fi")
    with db.write() as session:
        moved = booking.move(session, mine.public_id, at(MONDAY, 10), now=NOW)
    assert moved.starts_at == at(MONDAY, 10) and moved.code == mine.code
    assert [s.free for s in slots(db, MONDAY)[:4]] == [1, 1, 0, 0]  # 9.00 and 9.20 free, 9.40 and 10.00 not
    with db.write() as session, pytest.raises(SlotTaken):
        booking.move(session, mine.public_id, other.starts_at, now=NOW)
    with db.write() as session, pytest.raises(Invalid):
        booking.move(session, mine.public_id, at(MONDAY, 11), staff_user_id=1, now=NOW)  # staff give a reason
    with db.write() as session, pytest.raises(NotFound):
        booking.move(session, mine.public_id, at(MONDAY, 10, 5), now=NOW)  # not a slot


def test_one_person_cannot_hoard_times(db):
    bookable(db)
    for minute in (0, 20, 40):
        book(db, at(MONDAY, 9, minute), email="ahne@example.fi")
    with pytest.raises(Conflict, match="3 bookings"):
        book(db, at(MONDAY, 10), email="AHNE@example.fi ")
    with pytest.raises(Conflict, match="3 bookings"):  # the same phone written another way
        for n, phone in enumerate(("040 123 4567", "+358 40 1234567", "(040) 123-4567", "0401234567")):
            book(db, at(MONDAY, 10, 20 * n), email="", phone=phone)
    limits = Limits(per_requester_per_hour=2)
    with db.write() as session:
        for minute in (0, 20):
            booking.hold(session, "demo", "advice", at(MONDAY, 11, minute), requester="abc", now=NOW, limits=limits)
    with db.write() as session, pytest.raises(Conflict, match="Too many bookings"):
        booking.hold(session, "demo", "advice", at(MONDAY, 11, 40), requester="abc", now=NOW, limits=limits)


@pytest.mark.parametrize("fields, words", [
    ({"name": " "}, "Write your name"),
    ({"email": "", "phone": ""}, "phone number or an email"),
    ({"email": "maija@"}, "email address does not look right"),
    ({"email": "", "phone": "12ab"}, "phone number does not look right"),
    ({"consent": False}, "accept how your details are used"),
])
def test_a_booking_form_with_a_mistake_is_refused_with_the_reason(db, fields, words):
    bookable(db)
    with db.write() as session:
        held = booking.hold(session, "demo", "advice", at(MONDAY, 9), now=NOW)
    form = {"name": "Maija", "email": "maija@example.fi", "phone": "", "consent": True, **fields}
    with db.write() as session, pytest.raises(Invalid, match=words):
        booking.confirm(session, held.public_id, now=NOW, **form)


def test_times_outside_the_layout_or_the_horizon_are_refused(db):
    bookable(db)
    with db.write() as session:
        with pytest.raises(NotFound):
            booking.hold(session, "demo", "advice", at(MONDAY, 9, 10), now=NOW)
        with pytest.raises(Conflict, match="already passed"):
            booking.hold(session, "demo", "advice", at(MONDAY, 9), now=at(MONDAY, 9, 30))
        with pytest.raises(Invalid, match="days ahead"):
            booking.hold(session, "demo", "advice", at(MONDAY + timedelta(days=70), 9), now=NOW)
    with db.read() as session:
        site = queue.get_site(session, "demo")
        building = session.exec(select(Service).where(Service.code == "building")).one()
        assert booking.day_slots(session, site, building, MONDAY, NOW) == []  # takes no bookings


def test_housekeeping_gives_back_the_seats_of_holds_that_ran_out(db):
    from server.housekeeping import release_holds

    bookable(db, seats=1)
    with db.write() as session:
        booking.hold(session, "demo", "advice", at(MONDAY, 9), now=NOW, limits=Limits(hold_s=60))
    assert release_holds(db, NOW + timedelta(seconds=59)) == 0
    assert release_holds(db, NOW + timedelta(seconds=61)) == 1
    with db.read() as session:
        assert session.exec(select(AppointmentSlot)).one().taken == 0
        assert session.exec(select(Appointment)).one().status == "expired"


# --- check-in ------------------------------------------------------------------------------------


def check_in(db, code: str, now: datetime, lang: str = "fi", **limits):
    with db.write() as session:
        return booking.check_in(session, "demo", code, lang=lang, now=now, limits=Limits(**limits))


def test_a_booked_visitor_checks_in_and_is_called_before_walk_ins_at_the_booked_time(db):
    from server import counters
    from server.models import Counter, StaffUser

    bookable(db)
    appointment = book(db, at(MONDAY, 10))
    with db.write() as session:
        walk_in = queue.issue_ticket(session, "demo", "advice", "fi", now=at(MONDAY, 9, 40)).ticket
    code = " " + "-".join([appointment.code[:4], appointment.code[4:]]).lower() + " "  # as typed
    checked, issued = check_in(db, code, at(MONDAY, 9, 45))
    assert checked.status == "checked_in" and issued.ticket.appointment_at == at(MONDAY, 10)
    assert issued.print_job_id is not None  # printed like any ticket
    with db.write() as session:
        clerk = session.exec(select(StaffUser).where(StaffUser.username == "clerk")).one().id
        counter = session.exec(select(Counter).where(Counter.number == "1")).one().id
        counters.open_counter(session, counter, clerk, ["advice"], now=at(MONDAY, 9, 50))
    with db.write() as session:  # before its time, the walk-in who came first is called
        called, _ = counters.call_next(session, counter, clerk, now=at(MONDAY, 9, 50))
        assert called.id == walk_in.id
        counters.start_serving(session, called.public_id, clerk, now=at(MONDAY, 9, 51))
        counters.finish(session, called.public_id, clerk, now=at(MONDAY, 9, 59))
    with db.write() as session:
        walk_in_2 = queue.issue_ticket(session, "demo", "advice", "fi", now=at(MONDAY, 9, 30)).ticket
    with db.write() as session:  # at the booked time the appointment goes first
        called, _ = counters.call_next(session, counter, clerk, now=at(MONDAY, 10, 1))
        assert called.id == issued.ticket.id and called.id != walk_in_2.id
    with pytest.raises(Conflict, match=f"your number is {issued.ticket.number}"):
        check_in(db, appointment.code, at(MONDAY, 9, 46))


def test_too_early_is_told_when_to_come_back_in_the_kiosks_language(db):
    bookable(db)
    appointment = book(db, at(MONDAY, 10))
    with pytest.raises(Conflict) as early:
        check_in(db, appointment.code, at(MONDAY, 9, 0))
    assert early.value.params == {"time": "10.00", "from": "09.30"}
    with pytest.raises(Conflict) as early_sv:
        check_in(db, appointment.code, at(MONDAY, 9, 0), lang="sv")
    assert early_sv.value.params == {"time": "10:00", "from": "09:30"}
    with pytest.raises(Conflict) as day_before:  # the day is said, and not as part of a clock time
        check_in(db, appointment.code, at(MONDAY - timedelta(days=1), 12))
    assert day_before.value.params == {"date": "22.3.2027", "time": "10.00", "from": "09.30"}
    assert str(day_before.value) == ("Your appointment is on 22.3.2027 at 10.00. Please check in on that day "
                                     "from 09.30.")
    assert i18n.gettext("fi", day_before.value.message, **day_before.value.params) == (
        "Varattu aikasi on 22.3.2027 klo 10.00. Ilmoittaudu sinä päivänä aikaisintaan klo 09.30.")


def test_too_late_gets_an_ordinary_number_or_a_refusal_as_configured(db):
    bookable(db)
    first, second = book(db, at(MONDAY, 10)), book(db, at(MONDAY, 10, 20), email="b@example.fi")
    late, issued = check_in(db, first.code, at(MONDAY, 10, 16))
    assert late.status == "no_show" and issued.ticket.appointment_at is None
    with pytest.raises(Conflict, match="too late to check in"):
        check_in(db, second.code, at(MONDAY, 10, 36), late_joins_queue=False)
    with db.read() as session:
        types = [e.type for e in session.exec(select(Event).order_by(Event.seq))]
    assert "appointment.late" in types


def test_unknown_cancelled_and_forgotten_bookings(db):
    from server.housekeeping import mark_no_shows

    bookable(db)
    cancelled, forgotten = book(db, at(MONDAY, 10)), book(db, at(MONDAY, 11), email="f@example.fi")
    with db.write() as session:
        booking.cancel(session, cancelled.public_id, now=NOW)
    with pytest.raises(Conflict, match="cancelled"):
        check_in(db, cancelled.code, at(MONDAY, 9, 50))
    with pytest.raises(NotFound, match="No booking has this code"):
        check_in(db, "XXXXXXXX", at(MONDAY, 9, 50))
    # A QR code holds the booking's address; the scanner types all of it.
    _, issued = check_in(db, f"https://luukku.example.fi/b/demo/{forgotten.code}", at(MONDAY, 10, 55))
    assert issued.ticket.appointment_at == at(MONDAY, 11)
    third = book(db, at(MONDAY, 11, 20), email="g@example.fi")
    assert mark_no_shows(db, at(MONDAY, 11, 34)) == 0  # within the late window
    assert mark_no_shows(db, at(MONDAY, 11, 36)) == 1
    with db.read() as session:
        assert session.exec(select(Appointment).where(Appointment.id == third.id)).one().status == "no_show"
    # Turning up after that still gets an ordinary number (or the refusal, as configured).
    with pytest.raises(Conflict, match="too late to check in"):
        check_in(db, third.code, at(MONDAY, 11, 40), late_joins_queue=False)
    late, issued = check_in(db, third.code, at(MONDAY, 11, 40))
    assert late.status == "no_show" and issued.ticket.appointment_at is None


def test_personal_data_is_erased_after_the_retention_period_and_the_visit_stays(db):
    from server.housekeeping import forget_people

    bookable(db)
    appointment = book(db, at(MONDAY, 10), phone="040 123 4567", message="Rakennuslupa", requester="hash")
    assert forget_people(db, 30, at(MONDAY, 10) + timedelta(days=29)) == 0
    assert forget_people(db, 30, at(MONDAY, 10) + timedelta(days=31)) == 1
    with db.read() as session:
        kept = session.get(Appointment, appointment.id)
    assert (kept.name, kept.phone, kept.email, kept.message, kept.requester) == ("", "", "", "", "")
    assert (kept.code, kept.starts_at, kept.status) == (appointment.code, appointment.starts_at, "booked")
    assert forget_people(db, 30, at(MONDAY, 10) + timedelta(days=32)) == 0


def test_a_booking_given_to_an_expert_is_called_by_that_expert_only(db):
    from server import counters
    from server.models import Counter, StaffUser

    bookable(db)
    appointment = book(db, at(MONDAY, 10))
    with db.write() as session:
        ids = {u.username: u.id for u in session.exec(select(StaffUser))}
        counter_of = {n: session.exec(select(Counter).where(Counter.number == n)).one().id for n in ("1", "2")}
    with db.write() as session, pytest.raises(NotFound):
        booking.assign_expert(session, appointment.public_id, 9999, staff_user_id=ids["clerk"], now=NOW)
    with db.write() as session:
        booking.assign_expert(session, appointment.public_id, ids["expert"], staff_user_id=ids["clerk"], now=NOW)
    _, issued = check_in(db, appointment.code, at(MONDAY, 9, 50))
    assert issued.ticket.target_staff_user_id == ids["expert"]
    with db.write() as session:
        counters.open_counter(session, counter_of["1"], ids["clerk"], ["advice"], now=at(MONDAY, 9, 55))
        counters.open_counter(session, counter_of["2"], ids["expert"], ["advice"], now=at(MONDAY, 9, 55))
    with db.write() as session:  # not for the clerk, even at its time
        assert counters.call_next(session, counter_of["1"], ids["clerk"], now=at(MONDAY, 10, 1)) is None
    with db.write() as session:
        called, _ = counters.call_next(session, counter_of["2"], ids["expert"], now=at(MONDAY, 10, 1))
        assert called.id == issued.ticket.id
    with db.read() as session:
        assert "appointment.assigned" in [e.type for e in session.exec(select(Event))]
