"""The visit record: service periods derived from the event log, on SQLite and PostgreSQL."""

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlmodel import select

from server import counters, queue, visits
from server.models import Service, ServicePeriod, StaffUser

T0 = datetime(2026, 11, 24, 7, 0, tzinfo=timezone.utc)  # 9.00 in Helsinki


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def clerks(db, *roles):
    with db.write() as session:
        users = [StaffUser(username=f"u{i}", display_name=f"U {i}", role=role, password_hash="-")
                 for i, role in enumerate(roles)]
        session.add_all(users)
        session.flush()
        return [u.id for u in users]


def open_desks(db, staff: list[int], services: list[list[str]]) -> list[int]:
    with db.write() as session:
        desks = queue.site_counters(session, queue.get_site(session, "demo"))[:len(staff)]
        for desk, user, codes in zip(desks, staff, services):
            counters.open_counter(session, desk.id, user, codes, now=T0)
        return [d.id for d in desks]


def write(db, fn, *args, **kw):
    with db.write() as session:
        return fn(session, *args, **kw)


def periods_of(db, ticket_id: int) -> list[ServicePeriod]:
    with db.read() as session:
        return list(session.exec(select(ServicePeriod).where(ServicePeriod.ticket_id == ticket_id)
                                 .order_by(ServicePeriod.period)))


def test_a_transferred_visit_has_two_periods_with_their_own_waits_and_service_times(db):
    clerk, other, expert = clerks(db, "clerk", "clerk", "expert")
    desk1, desk2, desk3 = open_desks(db, [clerk, other, expert], [["advice"], ["advice"], ["building"]])
    ticket = write(db, queue.issue_ticket, "demo", "advice", "fi", now=at(0)).ticket
    pid = ticket.public_id
    write(db, counters.call_next, desk1, clerk, now=at(10))
    write(db, counters.recall, pid, clerk, now=at(11))
    write(db, counters.start_serving, pid, clerk, now=at(12))
    write(db, counters.park, pid, clerk, note="hakee passin", now=at(20))  # not service time
    write(db, counters.return_to_queue, pid, clerk, now=at(30))
    write(db, counters.call_ticket, desk2, other, pid, now=at(35))
    write(db, counters.start_serving, pid, other, now=at(36))
    assert periods_of(db, ticket.id) == []  # nothing has ended yet
    write(db, counters.transfer, pid, other, service_code="building", now=at(40))
    write(db, counters.call_next, desk3, expert, now=at(60))
    write(db, counters.start_serving, pid, expert, now=at(61))
    write(db, counters.finish, pid, expert, outcome="resolved", now=at(81))

    first, second = periods_of(db, ticket.id)
    with db.read() as session:
        codes = {s.id: s.code for s in session.exec(select(Service))}
    assert (codes[first.service_id], first.tier, first.end, first.outcome) == ("advice", "generalist", "transferred", None)
    assert first.wait_s == 600  # 9.00 → first call 9.10; the wait after the return is not a new wait
    assert first.service_s == 8 * 60 + 4 * 60  # 9.12–9.20 and 9.36–9.40; put aside 9.20–9.30 left out
    assert first.calls == 3
    assert (first.counter_id, first.staff_user_id) == (desk2, other)  # who served it last
    assert (codes[second.service_id], second.tier, second.end, second.outcome) == ("building", "expert", "finished", "resolved")
    assert (second.queued_at, second.wait_s, second.service_s) == (at(40), 20 * 60, 20 * 60)
    assert (second.counter_id, second.staff_user_id, second.calls) == (desk3, expert, 1)


def test_walk_ins_no_shows_and_unserved_tickets_end_their_periods(db):
    [clerk] = clerks(db, "clerk")
    [desk] = open_desks(db, [clerk], [["advice", "housing"]])
    walk_in, _ = write(db, counters.walk_in, desk, clerk, "housing", now=at(5))
    write(db, counters.finish, walk_in.public_id, clerk, now=at(17))
    missed = write(db, queue.issue_ticket, "demo", "advice", "fi", now=at(6)).ticket
    write(db, counters.call_next, desk, clerk, now=at(20))
    write(db, counters.recall, missed.public_id, clerk, now=at(21))
    write(db, counters.recall, missed.public_id, clerk, now=at(21.5))
    write(db, counters.mark_no_show, missed.public_id, clerk, now=at(22))
    left = write(db, queue.issue_ticket, "demo", "advice", "fi", now=at(7)).ticket
    with db.write() as session:  # the next morning, the night's closing
        queue.close_day(session, queue.get_site(session, "demo"), at(24 * 60))

    [w] = periods_of(db, walk_in.id)
    assert (w.walk_in, w.wait_s, w.service_s, w.end, w.calls) == (True, None, 12 * 60, "finished", 0)
    [m] = periods_of(db, missed.id)
    assert (m.wait_s, m.service_s, m.end, m.calls) == (14 * 60, None, "no_show", 3)
    [u] = periods_of(db, left.id)
    assert (u.wait_s, u.called_at, u.service_s, u.end, u.ended_at) == (None, None, None, "unserved", at(24 * 60))


def test_an_early_visitor_for_a_booked_time_waits_from_the_booked_time(db):
    [clerk] = clerks(db, "clerk")
    [desk] = open_desks(db, [clerk], [["advice"]])
    booked = write(db, queue.issue_ticket, "demo", "advice", "fi", now=at(0), appointment_at=at(20)).ticket
    write(db, counters.call_next, desk, clerk, now=at(25))
    write(db, counters.start_serving, booked.public_id, clerk, now=at(26))
    write(db, counters.finish, booked.public_id, clerk, now=at(40))
    [p] = periods_of(db, booked.id)
    assert (p.appointment, p.queued_at, p.wait_s) == (True, at(20), 5 * 60)


def test_rebuilding_from_the_log_gives_the_same_rows(db):
    clerk, expert = clerks(db, "clerk", "expert")
    desk, desk2 = open_desks(db, [clerk, expert], [["advice"], ["building"]])
    for i in range(6):
        write(db, queue.issue_ticket, "demo", "advice", "fi", now=at(i))
    for i in range(6):
        ticket, _ = write(db, counters.call_next, desk, clerk, now=at(10 + 5 * i))
        write(db, counters.start_serving, ticket.public_id, clerk, now=at(11 + 5 * i))
        if i % 2:
            write(db, counters.transfer, ticket.public_id, clerk, service_code="building", now=at(13 + 5 * i))
            write(db, counters.call_next, desk2, expert, now=at(14 + 5 * i))
            write(db, counters.start_serving, ticket.public_id, expert, now=at(14 + 5 * i))
            write(db, counters.finish, ticket.public_id, expert, outcome="service_request", now=at(15 + 5 * i))
        else:
            write(db, counters.finish, ticket.public_id, clerk, now=at(14 + 5 * i))

    def rows():
        with db.read() as session:
            return [tuple(row) for row in session.execute(
                sa.select(*[c for c in ServicePeriod.__table__.c if c.name != "id"])
                .order_by(ServicePeriod.ticket_id, ServicePeriod.period))]

    before = rows()
    assert len(before) == 9
    with db.write() as session:
        session.execute(sa.delete(ServicePeriod))
    assert rows() == []
    with db.write() as session:
        assert visits.rebuild(session) == 6
    assert rows() == before
