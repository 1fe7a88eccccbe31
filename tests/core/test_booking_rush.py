"""What the booking rush's speed-ups (issue 22) must not change, on SQLite and PostgreSQL: a week read
at once gives the same slots as day by day, a full slot is refused from a read with the next free
times, and a hold still gets the seat of a hold that ran out."""

from datetime import time, timedelta

import pytest

from server import booking, hours, queue
from server.booking import Limits, SlotTaken
from tests.core.test_booking import MONDAY, NOW, at, book, bookable


def _site_and_advice(session):
    return booking.site_and_service(session, "demo", "advice")


def test_a_week_read_at_once_is_the_days_read_one_by_one(db):
    bookable(db, seats=2, weekdays=range(5))
    with db.write() as session:
        site = queue.get_site(session, "demo")
        hours.set_exception(session, site, MONDAY + timedelta(days=1), "closed")
        hours.set_exception(session, site, MONDAY + timedelta(days=2), "10:00-11:00")
    book(db, at(MONDAY, 9))
    book(db, at(MONDAY, 9), email="matti@example.fi")
    book(db, at(MONDAY + timedelta(days=3), 10, 20))
    week = [MONDAY + timedelta(days=n) for n in range(7)]
    with db.read() as session:
        site, advice = _site_and_advice(session)
        together = booking.days_slots(session, site, advice, week, NOW)
        one_by_one = {day: booking.day_slots(session, site, advice, day, NOW) for day in week}
    assert together == one_by_one
    assert together[MONDAY][0].free == 0 and together[MONDAY][1].free == 2
    assert together[MONDAY + timedelta(days=1)] == [] and len(together[MONDAY + timedelta(days=2)]) == 3
    assert together[MONDAY + timedelta(days=5)] == []  # a Saturday: no appointment hours
    assert [s.free for s in together[MONDAY + timedelta(days=3)]][3:6] == [2, 1, 2]  # 10.00, 10.20, 10.40


def test_the_next_free_times_reach_past_a_full_week(db):
    bookable(db, seats=1, weekdays=[0], opens=time(9), closes=time(10))
    for minutes in (0, 20, 40):
        book(db, at(MONDAY, 9, minutes), email=f"p{minutes}@example.fi")
    with db.read() as session:
        site, advice = _site_and_advice(session)
        found = booking.next_free(session, site, advice, NOW, NOW, count=4)
    # Three weeks of Mondays after the full one, read in two passes (a week, then the horizon).
    assert [s.starts_at for s in found] == [at(MONDAY + timedelta(days=7), 9, m) for m in (0, 20, 40)] + [
        at(MONDAY + timedelta(days=14), 9)]


def test_a_full_slot_is_refused_from_a_read_with_the_next_free_times(db):
    bookable(db, seats=1)
    book(db, at(MONDAY, 9))
    with db.read() as session:
        with pytest.raises(SlotTaken) as taken:
            booking.check_free(session, "demo", "advice", at(MONDAY, 9), now=NOW)
        booking.check_free(session, "demo", "advice", at(MONDAY, 9, 20), now=NOW)  # free: no answer
        booking.check_free(session, "demo", "advice", at(MONDAY, 9, 5), now=NOW)  # no such time: the hold says so
    assert [s.starts_at for s in taken.value.next_free][:2] == [at(MONDAY, 9, 20), at(MONDAY, 9, 40)]
    with db.write() as session, pytest.raises(SlotTaken):
        booking.hold(session, "demo", "advice", at(MONDAY, 9), now=NOW)  # and the hold agrees


def test_a_hold_that_ran_out_frees_its_seat_for_the_read_and_for_the_next_hold(db):
    bookable(db, seats=1)
    limits = Limits(hold_s=60)
    with db.write() as session:
        first = booking.hold(session, "demo", "advice", at(MONDAY, 9), now=NOW, limits=limits).public_id
    later = NOW + timedelta(seconds=61)
    with db.read() as session:
        booking.check_free(session, "demo", "advice", at(MONDAY, 9), now=later, limits=limits)  # no refusal
    with db.write() as session:
        second = booking.hold(session, "demo", "advice", at(MONDAY, 9), now=later, limits=limits)
    assert second.status == "held"
    with db.read() as session:
        assert booking.get_appointment(session, first).status == "expired"
        slot = booking.day_slots(session, *_site_and_advice(session), MONDAY, later)[0]
    assert (slot.capacity, slot.free) == (1, 0)
