"""The queue engine against real databases: each test runs on a SQLite file and on PostgreSQL."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import select

from server import counters, queue
from server.db import Database
from server.errors import Conflict, Invalid, NotFound
from server.models import Event, PrintJob, StaffUser, Ticket


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def issue(db, service="advice", lang="fi", now=None, **kw):
    with db.write() as session:
        return queue.issue_ticket(session, "demo", service, lang, now=now, **kw)


def add_clerks(db, count: int) -> list[int]:
    with db.write() as session:
        users = [StaffUser(username=f"clerk{i}", display_name=f"Clerk {i}",
                           password_hash="-") for i in range(count)]  # they never log in
        session.add_all(users)
        session.flush()
        return [u.id for u in users]


def open_counters(db, clerks: list[int], services=("advice",)) -> list[int]:
    with db.read() as session:
        site_counters = queue.site_counters(session, queue.get_site(session, "demo"))
    ids = []
    for counter, clerk in zip(site_counters, clerks):
        with db.write() as session:
            counters.open_counter(session, counter.id, clerk, list(services))
        ids.append(counter.id)
    return ids


def test_numbers_run_per_service_and_restart_each_local_day(db):
    # 29 March 2026 is the spring DST change in Helsinki (UTC+2 → UTC+3).
    assert issue(db, now=utc("2026-03-29T20:58:00")).ticket.number == "A001"  # 23.58 local
    assert issue(db, now=utc("2026-03-29T20:59:00")).ticket.number == "A002"
    assert issue(db, "housing", now=utc("2026-03-29T20:59:30")).ticket.number == "B001"
    next_day = issue(db, now=utc("2026-03-29T21:01:00"))  # 00.01 local on 30 March
    assert next_day.ticket.number == "A001"
    assert str(next_day.ticket.service_day) == "2026-03-30"


def test_a_ticket_has_a_random_public_id_and_a_print_job(db):
    first, second = issue(db), issue(db)
    assert len(first.ticket.public_id) >= 22  # 16 random bytes, URL-safe
    assert first.ticket.public_id != second.ticket.public_id
    assert first.ticket.number not in first.ticket.public_id
    with db.read() as session:
        job = session.get(PrintJob, first.print_job_id)
    assert job.ticket_id == first.ticket.id and job.state == "queued"


def test_people_ahead_and_the_estimate_follow_the_queue(db):
    [clerk] = add_clerks(db, 1)
    open_counters(db, [clerk])
    tickets = [issue(db) for _ in range(4)]
    assert [t.people_ahead for t in tickets] == [0, 1, 2, 3]
    # General advice takes 5 minutes; one counter serves it.
    assert tickets[3].estimated_wait_min == 15


def test_unknown_site_service_or_language_is_refused(db):
    with pytest.raises(NotFound), db.write() as session:
        queue.issue_ticket(session, "nowhere", "advice", "fi")
    with pytest.raises(NotFound), db.write() as session:
        queue.issue_ticket(session, "demo", "parking", "fi")
    with pytest.raises(Invalid), db.write() as session:
        queue.issue_ticket(session, "demo", "advice", "de")
    with db.read() as session:
        assert session.exec(select(Ticket)).first() is None  # nothing half-written


def test_call_next_takes_the_longest_waiting_ticket_and_finish_ends_it(db):
    [clerk] = add_clerks(db, 1)
    [counter_id] = open_counters(db, [clerk], services=("advice", "housing"))
    issue(db, "housing")
    issue(db, "advice")
    issue(db, "building")  # not served at this counter
    with db.write() as session:
        ticket, service = counters.call_next(session, counter_id, clerk)
    assert (ticket.number, ticket.status, service.code) == ("B001", "called", "housing")
    with pytest.raises(Conflict), db.write() as session:
        counters.call_next(session, counter_id, clerk)  # the current customer first
    with db.write() as session:
        counters.start_serving(session, ticket.public_id, clerk)
    with db.write() as session:
        finished, _ = counters.finish(session, ticket.public_id, clerk)
    assert finished.status == "finished" and finished.finished_at is not None
    with db.write() as session:
        assert counters.call_next(session, counter_id, clerk)[0].number == "A001"
    with db.read() as session:
        waiting = queue.waiting_counts(session, queue.get_site(session, "demo"))
    assert sum(waiting.values()) == 1  # only building control's ticket waits


def test_illegal_transitions_are_refused(db):
    first, second = add_clerks(db, 2)
    [counter_id] = open_counters(db, [first])
    ticket = issue(db).ticket
    with pytest.raises(Conflict, match="not at your counter"), db.write() as session:
        counters.finish(session, ticket.public_id, first)
    with pytest.raises(Conflict, match="another clerk"), db.write() as session:
        counters.call_next(session, counter_id, second)
    with db.read() as session:
        closed = queue.site_counters(session, queue.get_site(session, "demo"))[-1]
    with pytest.raises(Conflict, match="closed"), db.write() as session:
        counters.call_next(session, closed.id, first)
    with db.write() as session:
        counters.call_next(session, counter_id, first)
    with pytest.raises(Conflict, match="not being served"), db.write() as session:
        counters.finish(session, ticket.public_id, first)
    with pytest.raises(Conflict, match="Open a counter first"), db.write() as session:
        counters.finish(session, ticket.public_id, second)


def test_every_change_appends_one_event_with_a_gapless_seq(db):
    [clerk] = add_clerks(db, 1)
    [counter_id] = open_counters(db, [clerk])
    ticket = issue(db).ticket
    with db.write() as session:
        counters.call_next(session, counter_id, clerk)
    with db.write() as session:
        counters.start_serving(session, ticket.public_id, clerk)
    with db.write() as session:
        counters.finish(session, ticket.public_id, clerk)
    with db.read() as session:
        events = list(session.exec(select(Event).order_by(Event.seq)))
    assert [e.type for e in events] == ["counter.opened", "ticket.issued", "ticket.called",
                                        "ticket.serving", "ticket.finished"]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    called = json.loads(events[2].data)
    assert called["ticket"]["number"] == "A001" and called["counter"]["number"] == "1"


def test_a_failed_change_leaves_no_event_behind(db):
    published = []
    db.after_commit.append(published.extend)
    with pytest.raises(NotFound), db.write() as session:
        queue.issue_ticket(session, "demo", "advice", "fi")
        raise NotFound("simulated failure after the ticket was added")
    with db.read() as session:
        assert session.exec(select(Event)).first() is None
    assert published == []
    issue(db)
    assert [e["type"] for e in published] == ["ticket.issued"]


def test_concurrent_kiosks_never_get_the_same_number(db):
    def issue_ten(_):
        return [issue(db).ticket.number for _ in range(10)]

    with ThreadPoolExecutor(8) as pool:
        numbers = [n for batch in pool.map(issue_ten, range(8)) for n in batch]
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 81)]
    with db.read() as session:
        seqs = session.execute(sa.select(Event.seq).order_by(Event.seq)).scalars().all()
    assert seqs == list(range(1, 81))


def test_counters_calling_at_once_never_call_one_ticket_twice(db):
    clerks = add_clerks(db, 6)
    counter_ids = open_counters(db, clerks)
    for _ in range(60):
        issue(db)
    called: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(counter_ids))

    def work(counter_id: int, clerk: int) -> None:
        start.wait()
        while True:
            with db.write() as session:
                result = counters.call_next(session, counter_id, clerk)
            if result is None:
                return
            with lock:
                called.append(result[0].number)
            with db.write() as session:
                counters.start_serving(session, result[0].public_id, clerk)
                counters.finish(session, result[0].public_id, clerk)

    with ThreadPoolExecutor(len(counter_ids)) as pool:
        list(pool.map(work, counter_ids, clerks))
    assert len(called) == 60
    assert len(set(called)) == 60


def test_the_longest_wait_per_service_is_in_whole_minutes(db):
    issue(db, now=utc("2026-11-23T08:00:00"))
    issue(db, now=utc("2026-11-23T08:05:00"))
    issue(db, "housing", now=utc("2026-11-23T08:10:30"))
    with db.read() as session:
        site = queue.get_site(session, "demo")
        waits = queue.longest_wait_min(session, site, utc("2026-11-23T08:12:59"))
        services = {s.code: s.id for s in queue.active_services(session, site)}
    assert waits == {services["advice"]: 12, services["housing"]: 2}


def test_the_clerks_lists_hold_every_service_in_line_behind_a_busy_one(db):
    """A clerk of a quiet service sees its line though a busy service has 60 waiting ahead (the
    site's first 50 alone showed none), and every ticket parked or sent on, in the calls' order."""
    at = utc("2026-05-04T08:00:00")
    advice = [issue(db, now=at.replace(minute=n // 2, second=n % 2 * 30)).ticket for n in range(60)]
    housing = issue(db, "housing", now=utc("2026-05-04T08:40:00")).ticket
    [clerk] = add_clerks(db, 1)
    with db.write() as session:
        session.execute(sa.update(Ticket).where(Ticket.id == advice[50].id).values(status="parked"))
        session.execute(sa.update(Ticket).where(Ticket.id == advice[55].id).values(target_staff_user_id=clerk))
        session.execute(sa.update(Ticket).where(Ticket.id == advice[59].id).values(priority=1))
    with db.read() as session:
        rows = queue.waiting_tickets(session, queue.get_site(session, "demo"), utc("2026-05-04T08:45:00"))
    numbers = [t.number for t, _ in rows]
    assert numbers == [advice[59].number, *(t.number for t in advice[:11]), advice[50].number,
                       advice[55].number, housing.number]
    assert [s.code for t, s in rows if t.id == housing.id] == ["housing"]


def test_people_ahead_is_the_place_call_next_gives(db):
    """Priority, then the front (transferred, returned), then arrival; tickets of the same moment by id."""
    at = utc("2026-05-04T08:00:00")
    tickets = [issue(db, now=at if n % 3 == 0 else utc(f"2026-05-04T08:0{n}:00")).ticket for n in range(9)]
    with db.write() as session:
        for n, ticket in enumerate(tickets):
            session.execute(sa.update(Ticket).where(Ticket.id == ticket.id)
                            .values(priority=1 if n in (4, 7) else 0, front=n in (2, 5, 7)))
    with db.read() as session:
        rows = [session.get(Ticket, t.id) for t in tickets]
        order = sorted(rows, key=lambda t: (-t.priority, -t.front, t.queued_at, t.id))
        assert [queue.people_ahead(session, t) for t in order] == list(range(9))


def test_a_rush_of_tickets_gets_the_estimate_a_fresh_reading_gives(db):
    """The worker keeps the queue its last ticket left (server/site_memory.py) and adds the
    next ticket to it; between them a call, a priority, a ticket that was not issued after all."""
    from server import estimate

    clerks = add_clerks(db, 2)
    [first, _] = open_counters(db, clerks, services=("advice", "housing"))
    now = utc("2026-05-04T08:00:00")

    def fresh(issued) -> int:
        with db.read() as session:
            site = queue.get_site(session, "demo")
            return estimate.estimate_wait_min(session, site, session.get(Ticket, issued.ticket.id), now)

    def check(service="advice", **kw):
        issued = issue(db, service, now=now, **kw)
        assert issued.estimated_wait_min == fresh(issued)
        return issued

    for service in ("advice", "housing", "advice", "advice", "housing", "advice", "housing"):
        check(service)
    with db.write() as session:
        called, _service = counters.call_next(session, first, clerks[0], now=now)
    check("housing")
    with db.write() as session:
        waiting = session.exec(select(Ticket).where(Ticket.status == "waiting", Ticket.service_id == called.service_id)
                               .order_by(Ticket.id.desc())).first()
        counters.set_priority(session, waiting.public_id, clerks[0], 1, now=now)
    check("advice")
    with pytest.raises(RuntimeError), db.write() as session:
        queue.issue_ticket(session, "demo", "advice", "fi", now=now)
        raise RuntimeError("the kiosk's request failed after all")
    for service in ("advice", "advice", "housing"):
        check(service)
    assert check("advice", expert_id=clerks[1]).estimated_wait_min >= 0  # sent to a clerk: not in the replay
    check("housing")
    other_worker = Database(db.url)  # its own engine: its own kept queue, and its own tickets between ours
    try:
        for service in ("housing", "advice"):
            issue(other_worker, service, now=now)
        check("advice")
        issue(other_worker, "advice", now=now)
        check("housing")
    finally:
        other_worker.dispose()
    with ThreadPoolExecutor(8) as pool:  # kiosks at once: whatever each one's estimate, the next is right
        list(pool.map(lambda n: issue(db, ("advice", "housing")[n % 2], now=now), range(24)))
    check("advice")
    check("housing")


def test_the_whole_queue_at_once_agrees_with_each_ticket_alone(db):
    """What the phones get from one reading (QueueNow.waits, queue.places) is what each ticket's own
    estimate and people ahead say: counters serving different services, priorities, a service no
    open counter serves, a ticket sent to a clerk."""
    from server import estimate

    clerks = add_clerks(db, 3)
    open_counters(db, clerks[:1], services=("advice", "housing"))
    open_counters(db, clerks[:2], services=("housing",))
    now = utc("2026-05-04T08:00:00")
    for n, service in enumerate(("advice", "housing", "payments", "advice", "housing", "housing", "payments",
                                 "advice", "housing", "advice")):
        issue(db, service, now=now + (n % 4) * (utc("2026-05-04T08:01:00") - now))
    issue(db, "housing", now=now, expert_id=clerks[2])
    with db.write() as session:
        waiting = session.exec(select(Ticket).where(Ticket.status == "waiting").order_by(Ticket.id)).all()
        counters.set_priority(session, waiting[7].public_id, clerks[0], 1, now=now)
        waiting[8].front = True  # held at the front of its line (a remote ticket, issue 19)
        session.add(waiting[8])
    with db.read() as session:
        site = queue.get_site(session, "demo")
        state = estimate.QueueNow(session, site, now, queue.local_day(site, now))
        waiting = session.exec(select(Ticket).where(Ticket.status == "waiting")).all()
        untargeted = [t for t in waiting if t.target_staff_user_id is None]
        assert len(waiting) == 11 and len(untargeted) == 10
        assert state.waits() == {t.id: state.wait_min(t.service_id, t.id) for t in untargeted}
        assert queue.places(session, site, state.day) == {t.id: queue.people_ahead(session, t) for t in waiting}
