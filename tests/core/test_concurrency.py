"""Counters acting at the same moment, on SQLite (one writer) and on PostgreSQL (row locks).

docs/queueing.md: "Either way a ticket is called at most once, which the tests check with 20
counters calling at once." Threads start together on a barrier; where an exact interleaving is
needed, one transaction is held open while the other runs.
"""

import threading
import time
from collections import Counter as Tally
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from server import counters, queue
from server.db import Database
from server.errors import Conflict, DomainError
from server.events import record_event
from server.models import Counter, Event, StaffUser, Ticket
from tests.core.test_queue import utc

NOW = utc("2026-05-11T07:00:00")  # Monday 10.00 in Helsinki
LATER = NOW + timedelta(hours=1)
SERVICES = ("advice", "housing", "building")


def add_desks(db, count: int, services=SERVICES) -> list[tuple[int, int]]:
    """``count`` open counters, each with its own clerk: [(counter id, clerk id)]. The demo site has
    six counters; more are added."""
    with db.write() as session:
        site = queue.get_site(session, "demo")
        existing = queue.site_counters(session, site)
        session.add_all(Counter(site_id=site.id, number=str(n))
                        for n in range(len(existing) + 1, count + 1))
        # No password: these clerks never log in, and argon2 would only slow the test down.
        clerks = [StaffUser(username=f"desk{i}", display_name=f"Desk {i}", password_hash="-")
                  for i in range(count)]
        session.add_all(clerks)
        session.flush()
        desks = list(zip((c.id for c in queue.site_counters(session, site)[:count]),
                         (u.id for u in clerks)))
        for counter_id, clerk in desks:
            counters.open_counter(session, counter_id, clerk, list(services))
    return desks


def issue_many(db, count: int, services=SERVICES) -> list[Ticket]:
    """Tickets as the kiosk issues them (a number and a ``ticket.issued`` event each), without the
    print job and the wait estimate, which would only slow the setup down."""
    with db.write() as session:
        site = queue.get_site(session, "demo")
        by_code = {s.code: s for s in queue.active_services(session, site)}
        tickets = []
        for n in range(count):
            service = by_code[services[n % len(services)]]
            ticket = queue.new_ticket(session, site, service, "fi", NOW + timedelta(seconds=n))
            record_event(session, site, "ticket.issued", at=ticket.issued_at, ticket=ticket,
                         service=service)
            tickets.append(ticket)
        return tickets


def called_events(db) -> Tally:
    with db.read() as session:
        rows = session.exec(select(Event.ticket_id).where(Event.type == "ticket.called")).all()
    return Tally(rows)


def assert_gapless_seq(db) -> None:
    with db.read() as session:
        seqs = session.execute(sa.select(Event.seq).order_by(Event.seq)).scalars().all()
        last = queue.get_site(session, "demo").last_event_seq
    assert seqs == list(range(1, len(seqs) + 1)) and last == len(seqs)


def test_twenty_counters_calling_at_once_call_every_ticket_exactly_once(db):
    desks = add_desks(db, 20)
    tickets = issue_many(db, 400)
    start = threading.Barrier(len(desks), timeout=30)
    called: list[list[int]] = [[] for _ in desks]

    def work(index: int) -> None:
        counter_id, clerk = desks[index]
        start.wait()
        while True:
            with db.write() as session:
                result = counters.call_next(session, counter_id, clerk, now=LATER)
            if result is None:
                return
            ticket = result[0]
            called[index].append(ticket.id)
            with db.write() as session:
                counters.start_serving(session, ticket.public_id, clerk, now=LATER)
            with db.write() as session:
                counters.finish(session, ticket.public_id, clerk, outcome="resolved", now=LATER)

    with ThreadPoolExecutor(len(desks)) as pool:
        list(pool.map(work, range(len(desks))))  # re-raises a thread's exception

    every_call = [ticket_id for calls in called for ticket_id in calls]
    assert sorted(every_call) == sorted(t.id for t in tickets)  # each once, none left behind
    assert sum(1 for calls in called if calls) > 1  # the counters really did share the work
    with db.read() as session:
        statuses = Tally(session.exec(select(Ticket.status)).all())
    assert statuses == {"finished": 400}
    events = called_events(db)
    assert sum(events.values()) == 400 and set(events.values()) == {1}
    assert_gapless_seq(db)


def test_two_counters_racing_for_one_number_one_wins_the_other_is_refused(db):
    (c1, k1), (c2, k2) = add_desks(db, 2)
    tickets = issue_many(db, 15, services=("advice",))
    for ticket in tickets:
        start = threading.Barrier(2, timeout=30)

        def race(desk):
            counter_id, clerk = desk
            start.wait()
            try:
                with db.write() as session:
                    return counters.call_ticket(session, counter_id, clerk, ticket.number,
                                                now=LATER)[0]
            except Conflict as exc:
                return exc

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(race, [(c1, k1), (c2, k2)]))
        won = [r for r in results if isinstance(r, Ticket)]
        lost = [r for r in results if isinstance(r, Conflict)]
        assert len(won) == 1 and len(lost) == 1, results
        assert won[0].id == ticket.id and "not waiting" in str(lost[0])
        winner = (k1, k2)[results.index(won[0])]
        with db.write() as session:  # the winner serves and is free for the next race
            counters.start_serving(session, ticket.public_id, winner, now=LATER)
            counters.finish(session, ticket.public_id, winner, now=LATER)
    assert sum(called_events(db).values()) == 15
    assert_gapless_seq(db)


# --- exact interleavings --------------------------------------------------------------------------


def while_open(db, first, second, hold_s: float = 0.5):
    """Runs ``first`` in a write transaction and, while that is still open, starts ``second`` in
    another; the first commits ``hold_s`` later. Returns both results; a refusal (DomainError) is
    returned, anything else raised."""
    inside, release = threading.Event(), threading.Event()
    results: dict = {}

    def run(name, fn, hold):
        try:
            with db.write() as session:
                results[name] = fn(session)
                if hold:
                    inside.set()
                    release.wait(10)
        except DomainError as exc:
            results[name] = exc
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            results[name] = ("raised", exc)
        finally:
            inside.set()

    one = threading.Thread(target=run, args=("first", first, True))
    one.start()
    assert inside.wait(10)
    two = threading.Thread(target=run, args=("second", second, False))
    two.start()
    time.sleep(hold_s)  # the second is now blocked (SQLite) or running beside it (PostgreSQL)
    release.set()
    one.join(10)
    two.join(10)
    for value in results.values():
        if isinstance(value, tuple) and value[:1] == ("raised",):
            raise value[1]
    return results["first"], results["second"]


@pytest.mark.parametrize("key", ["click-1", None])
def test_a_double_click_on_call_next_calls_one_ticket(db, key):
    [(counter_id, clerk)] = add_desks(db, 1, services=("advice",))
    issue_many(db, 3, services=("advice",))

    def click(session):
        return counters.call_next(session, counter_id, clerk, now=LATER, key=key)

    first, second = while_open(db, click, click)
    if key:  # the repeated key gets the first click's ticket
        assert second[0].id == first[0].id
    else:  # without one, the counter already has its customer
        assert isinstance(second, Conflict)
    with db.read() as session:
        current = session.exec(select(Ticket).where(
            Ticket.counter_id == counter_id, Ticket.status.in_(("called", "serving")))).all()
    assert [t.id for t in current] == [first[0].id]  # one customer at the counter
    assert sum(called_events(db).values()) == 1


def test_a_double_click_on_finish_finishes_once(db):
    [(counter_id, clerk)] = add_desks(db, 1, services=("advice",))
    [ticket] = issue_many(db, 1, services=("advice",))
    with db.write() as session:
        counters.call_next(session, counter_id, clerk, now=LATER)
        counters.start_serving(session, ticket.public_id, clerk, now=LATER)

    def click(session):
        return counters.finish(session, ticket.public_id, clerk, outcome="resolved", now=LATER)

    first, second = while_open(db, click, click)
    assert first[0].status == "finished" and isinstance(second, Conflict)
    with db.read() as session:
        finished = session.exec(select(Event).where(Event.type == "ticket.finished")).all()
    assert len(finished) == 1


def test_a_counter_is_not_told_the_queue_is_empty_while_someone_waits_for_it(db):
    # Counter 1 serves advice and housing, counter 2 housing only. Counter 1 calls the advice
    # customer; at that same moment counter 2 must get the housing customer, whom counter 1 is not
    # calling — not "no one is waiting".
    (c1, k1), = add_desks(db, 1, services=("advice", "housing"))
    with db.write() as session:
        site = queue.get_site(session, "demo")
        c2 = queue.site_counters(session, site)[1].id
        clerk = StaffUser(username="housing-desk", display_name="Housing", password_hash="-")
        session.add(clerk)
        session.flush()
        k2 = clerk.id
        counters.open_counter(session, c2, k2, ["housing"])
    advice, housing = issue_many(db, 2, services=("advice", "housing"))

    first, second = while_open(
        db,
        lambda session: counters.call_next(session, c1, k1, now=LATER),
        lambda session: counters.call_next(session, c2, k2, now=LATER),
    )
    assert first[0].id == advice.id  # the longer wait
    assert second is not None and second[0].id == housing.id


@pytest.mark.postgres
def test_on_postgresql_call_next_skips_a_head_ticket_another_transaction_has_locked(pg_url):
    # Another counter deciding on the head of the queue holds its row locked until it commits. A
    # second counter must take the next ticket at once (FOR UPDATE SKIP LOCKED), not queue behind that
    # lock; the lock timeout turns a wait into a failure instead of a hang.
    db = Database(pg_url)
    locked, release = threading.Event(), threading.Event()

    def hold(ticket_id: int) -> None:
        try:
            with db.write() as session:
                session.exec(select(Ticket).where(Ticket.id == ticket_id).with_for_update()).one()
                locked.set()
                release.wait(10)
        finally:
            locked.set()

    try:
        [(counter_id, clerk)] = add_desks(db, 1, services=("advice",))
        head, second = issue_many(db, 2, services=("advice",))
        holder = threading.Thread(target=hold, args=(head.id,))
        holder.start()
        try:
            assert locked.wait(10)
            with db.write() as session:
                # The holder lets go only after this returns: waiting for its lock would end in a
                # lock timeout error here, so no clock is needed to see that it did not wait.
                session.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
                called, _service = counters.call_next(session, counter_id, clerk, now=LATER)
        finally:
            release.set()
            holder.join(10)
    finally:
        db.dispose()
    assert called.id == second.id


def test_kiosks_issuing_while_clerks_take_walk_ins_and_call_never_deadlock(db):
    """Issuing takes the service's number, then the site's row for its event (server/queue.py); a
    walk-in takes a number too, and must take them in the same order, or the two wait for each other
    for ever (on PostgreSQL, one is killed as a deadlock). Taking the site's row first when issuing
    did that."""
    desks = add_desks(db, 4, services=("advice",))
    start = threading.Barrier(len(desks) + 6, timeout=30)

    def kiosk(_n):
        start.wait()
        for _ in range(15):
            with db.write() as session:
                queue.issue_ticket(session, "demo", "advice", "fi", now=NOW, printed=False)

    def clerk(desk):
        counter_id, clerk_id = desk
        start.wait()
        for _ in range(8):
            with db.write() as session:
                ticket, _service = counters.walk_in(session, counter_id, clerk_id, "advice", now=NOW)
            with db.write() as session:
                counters.finish(session, ticket.public_id, clerk_id, "resolved", now=NOW)
            with db.write() as session:
                called = counters.call_next(session, counter_id, clerk_id, now=NOW)
            if called:
                with db.write() as session:
                    counters.start_serving(session, called[0].public_id, clerk_id, now=NOW)
                with db.write() as session:
                    counters.finish(session, called[0].public_id, clerk_id, "resolved", now=NOW)

    with ThreadPoolExecutor(len(desks) + 6) as pool:
        done = [pool.submit(kiosk, n) for n in range(6)] + [pool.submit(clerk, desk) for desk in desks]
        for future in done:
            future.result()  # a deadlock would be raised here
    with db.read() as session:
        numbers = session.exec(select(Ticket.number)).all()
    assert len(numbers) == 6 * 15 + 4 * 8 and len(set(numbers)) == len(numbers)
    assert_gapless_seq(db)
