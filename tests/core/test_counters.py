"""A clerk's actions at a counter (server/counters.py), one transition of docs/queueing.md at a time.

Each test runs on a SQLite file and on PostgreSQL. Times are explicit: NOW is a Monday at 10.00 in
Helsinki, and ``at(m)`` is m minutes later.
"""

import json
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from server import counters, hours, queue
from server.errors import Conflict, Invalid, NotFound
from server import estimate
from server.models import (
    Counter,
    CounterService,
    Event,
    OpeningException,
    PrintJob,
    Service,
    Site,
    Ticket,
    TicketNumber,
)
from tests.core.test_queue import add_clerks, issue, utc

NOW = utc("2026-05-11T07:00:00")  # Monday 11 May 2026, 10.00 in Helsinki (UTC+3)


def at(minutes: float) -> datetime:
    return NOW + timedelta(minutes=minutes)


def write(db, fn, *args, **kwargs):
    """One action in its own write transaction, as a request would run it."""
    with db.write() as session:
        return fn(session, *args, **kwargs)


def open_counter(db, number: str, clerk: int, services=("advice",), **kwargs) -> int:
    with db.write() as session:
        site = queue.get_site(session, "demo")
        counter = session.exec(
            select(Counter).where(Counter.site_id == site.id, Counter.number == number)
        ).one()
        counters.open_counter(session, counter.id, clerk, list(services), **kwargs)
        return counter.id


def call(db, counter_id: int, clerk: int, minute: float, **kwargs) -> Ticket | None:
    result = write(db, counters.call_next, counter_id, clerk, now=at(minute), **kwargs)
    return None if result is None else result[0]


def serve(db, ticket: Ticket, clerk: int, start: float, end: float, outcome="resolved") -> None:
    write(db, counters.start_serving, ticket.public_id, clerk, now=at(start))
    write(db, counters.finish, ticket.public_id, clerk, outcome=outcome, now=at(end))


def row(db, ticket: Ticket) -> Ticket:
    with db.read() as session:
        return queue.get_ticket(session, ticket.public_id)


def counter_row(db, counter_id: int) -> Counter:
    with db.read() as session:
        return session.get(Counter, counter_id)


def events(db, type: str | None = None, ticket: Ticket | None = None) -> list[Event]:
    with db.read() as session:
        query = select(Event).order_by(Event.seq)
        if type:
            query = query.where(Event.type == type)
        if ticket:
            query = query.where(Event.ticket_id == ticket.id)
        return list(session.exec(query))


def data(event: Event) -> dict:
    return json.loads(event.data)


def set_service(db, code: str, **fields) -> None:
    with db.write() as session:
        service = session.exec(select(Service).where(Service.code == code)).one()
        for name, value in fields.items():
            setattr(service, name, value)
        session.add(service)


def set_site(db, **fields) -> None:
    with db.write() as session:
        site = queue.get_site(session, "demo")
        for name, value in fields.items():
            setattr(site, name, value)
        session.add(site)


def snapshot(db) -> dict:
    """Every row the engine writes, to prove that a refused action changed nothing."""
    with db.read() as session:
        return {
            model.__name__: sorted((repr(r.model_dump()) for r in session.exec(select(model))))
            for model in (Site, Ticket, Counter, CounterService, Event, PrintJob, TicketNumber)
        }


def refused(db, error, fn, *args, match: str | None = None, **kwargs):
    """The action raises ``error`` and leaves every row as it was."""
    before = snapshot(db)
    with pytest.raises(error, match=match) as excinfo:
        write(db, fn, *args, **kwargs)
    assert snapshot(db) == before
    return excinfo.value


# --- calling --------------------------------------------------------------------------------------


def test_call_next_calls_the_first_in_line_with_one_called_event(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    first = issue(db, now=at(0)).ticket
    issue(db, now=at(1))
    called = call(db, counter_id, clerk, 5)
    assert called.id == first.id
    stored = row(db, first)
    assert (stored.status, stored.counter_id, stored.staff_user_id, stored.call_count) == (
        "called", counter_id, clerk, 1)
    assert stored.called_at == at(5)
    [event] = events(db, "ticket.called")
    assert (event.ticket_id, event.counter_id, event.staff_user_id) == (first.id, counter_id, clerk)
    assert data(event)["calls"] == 1 and data(event)["ticket"]["status"] == "called"


def test_call_next_with_no_one_waiting_calls_no_one_and_writes_nothing(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk, ("advice",))
    issue(db, "housing", now=at(0))  # not served at this counter
    before = snapshot(db)
    assert call(db, counter_id, clerk, 1) is None
    assert snapshot(db) == before


def test_a_clerk_calls_a_ticket_by_its_number_as_typed(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    first, second = issue(db, now=at(0)).ticket, issue(db, now=at(1)).ticket
    called, _ = write(db, counters.call_ticket, counter_id, clerk, " a2 ", now=at(2))
    assert called.id == second.id and row(db, second).status == "called"
    serve(db, called, clerk, 3, 4)
    called, _ = write(db, counters.call_ticket, counter_id, clerk, "A001", now=at(5))
    assert called.id == first.id
    assert [e.ticket_id for e in events(db, "ticket.called")] == [second.id, first.id]


def test_a_clerk_calls_a_ticket_by_its_public_id(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    issue(db, now=at(0))
    second = issue(db, now=at(1)).ticket
    called, service = write(db, counters.call_ticket, counter_id, clerk, second.public_id, now=at(2))
    assert (called.id, called.status, service.code) == (second.id, "called", "advice")


def test_calling_a_number_no_one_has_today_is_not_found(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    issue(db, now=at(-24 * 60))  # yesterday's A001
    error = refused(db, NotFound, counters.call_ticket, counter_id, clerk, "A001", now=at(0))
    assert error.status_code == 404
    refused(db, NotFound, counters.call_ticket, counter_id, clerk, "Z001", now=at(0))


def test_recall_announces_again_and_counts_the_calls(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    ticket = issue(db, now=at(0)).ticket
    call(db, counter_id, clerk, 1)
    write(db, counters.recall, ticket.public_id, clerk, now=at(2))
    write(db, counters.recall, ticket.public_id, clerk, now=at(3))
    stored = row(db, ticket)
    assert (stored.status, stored.call_count) == ("called", 3)
    assert [data(e)["calls"] for e in events(db, "ticket.recalled")] == [2, 3]


def test_a_no_show_needs_the_sites_number_of_calls_first(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    ticket = issue(db, now=at(0)).ticket
    issue(db, now=at(1))
    call(db, counter_id, clerk, 2)
    for minute in (3, 4):
        error = refused(db, Conflict, counters.mark_no_show, ticket.public_id, clerk, now=at(minute),
                        match="3 times")
        assert error.status_code == 409
        write(db, counters.recall, ticket.public_id, clerk, now=at(minute))
    write(db, counters.mark_no_show, ticket.public_id, clerk, now=at(5))
    stored = row(db, ticket)
    assert (stored.status, stored.call_count, stored.finished_at) == ("no_show", 3, at(5))
    [event] = events(db, "ticket.no_show")
    assert data(event)["calls"] == 3
    assert call(db, counter_id, clerk, 6).number == "A002"  # the counter is free again


def test_a_site_may_allow_a_no_show_after_a_single_call(db):
    set_site(db, no_show_after_calls=1)
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    ticket = issue(db, now=at(0)).ticket
    call(db, counter_id, clerk, 1)
    write(db, counters.mark_no_show, ticket.public_id, clerk, now=at(2))
    assert row(db, ticket).status == "no_show"


# --- serving --------------------------------------------------------------------------------------


def test_start_serving_then_finish_with_an_outcome(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    ticket = issue(db, now=at(0)).ticket
    call(db, counter_id, clerk, 1)
    write(db, counters.start_serving, ticket.public_id, clerk, now=at(2))
    stored = row(db, ticket)
    assert (stored.status, stored.served_at) == ("serving", at(2))
    write(db, counters.finish, ticket.public_id, clerk, outcome="service_request", now=at(9.5))
    stored = row(db, ticket)
    assert (stored.status, stored.outcome, stored.finished_at) == ("finished", "service_request", at(9.5))
    assert [e.type for e in events(db, ticket=ticket)] == [
        "ticket.issued", "ticket.called", "ticket.serving", "ticket.finished"]
    finished = data(events(db, "ticket.finished")[0])
    assert (finished["outcome"], finished["service_s"], finished["tier"]) == (
        "service_request", 450, "generalist")


def test_an_unknown_outcome_is_invalid_and_changes_nothing(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    ticket = issue(db, now=at(0)).ticket
    call(db, counter_id, clerk, 1)
    write(db, counters.start_serving, ticket.public_id, clerk, now=at(2))
    error = refused(db, Invalid, counters.finish, ticket.public_id, clerk, outcome="happy", now=at(3))
    assert error.status_code == 422
    assert row(db, ticket).status == "serving"


def test_a_service_that_asks_for_an_outcome_refuses_a_finish_without_one(db):
    set_service(db, "housing", outcome_required=True)
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk, ("advice", "housing"))
    housing = issue(db, "housing", now=at(0)).ticket
    advice = issue(db, "advice", now=at(1)).ticket
    call(db, counter_id, clerk, 2)
    write(db, counters.start_serving, housing.public_id, clerk, now=at(3))
    refused(db, Invalid, counters.finish, housing.public_id, clerk, now=at(4), match="outcome")
    refused(db, Invalid, counters.finish, housing.public_id, clerk, outcome="", now=at(4))
    write(db, counters.finish, housing.public_id, clerk, outcome="resolved", now=at(5))
    # A service that does not ask for one finishes without.
    assert call(db, counter_id, clerk, 6).id == advice.id
    serve(db, advice, clerk, 7, 8, outcome=None)
    assert row(db, advice).status == "finished" and row(db, advice).outcome is None


# --- transfers -----------------------------------------------------------------------------------


def test_a_transfer_to_an_expert_service_keeps_the_arrival_and_starts_a_new_period(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    ticket = issue(db, now=at(0)).ticket
    call(db, counter_id, clerk, 5)
    write(db, counters.start_serving, ticket.public_id, clerk, now=at(6))
    moved, service = write(db, counters.transfer, ticket.public_id, clerk, service_code="building",
                           note="Asks about the 2019 garage permit", now=at(10))
    assert service.code == "building"
    stored = row(db, ticket)
    assert stored.status == "waiting" and stored.service_id == service.id
    assert stored.queued_at == at(0)  # the original arrival
    assert (stored.period, stored.call_count, stored.counter_id, stored.served_at) == (2, 0, None, None)
    assert stored.number == "A001"  # a visit keeps its number
    [event] = events(db, "ticket.transferred")
    published = data(event)
    assert published["escalated"] is True
    assert (published["from_service"], published["ticket"]["service"]) == ("advice", "building")
    assert published["service_s"] == 240
    assert json.loads(event.private)["note"] == "Asks about the 2019 garage permit"
    assert "garage" not in event.data  # never published
    with db.read() as session:
        history = queue.ticket_history(session, stored)
    # The next clerk sees the note with the ticket's history.
    assert history[-1]["type"] == "ticket.transferred"
    assert history[-1]["private"]["note"] == "Asks about the 2019 garage permit"


def test_a_transfer_between_generalist_services_is_not_an_escalation(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    ticket = issue(db, now=at(0)).ticket
    call(db, counter_id, clerk, 1)
    write(db, counters.transfer, ticket.public_id, clerk, service_code="housing", now=at(2))
    [event] = events(db, "ticket.transferred")
    assert data(event)["escalated"] is False
    assert row(db, ticket).service_id != ticket.service_id


def test_a_transfer_needs_a_valid_target(db):
    first, second = add_clerks(db, 2)
    counter_id = open_counter(db, "1", first)
    ticket = issue(db, now=at(0)).ticket
    call(db, counter_id, first, 1)
    pid = ticket.public_id
    refused(db, Invalid, counters.transfer, pid, first, now=at(2), match="where to transfer")
    refused(db, Invalid, counters.transfer, pid, first, service_code="housing", note="x" * 501,
            now=at(2))
    refused(db, Invalid, counters.transfer, pid, first, counter_id=counter_id, now=at(2))
    refused(db, Invalid, counters.transfer, pid, first, expert_id=first, now=at(2))
    refused(db, NotFound, counters.transfer, pid, first, service_code="parking", now=at(2))
    refused(db, NotFound, counters.transfer, pid, first, counter_id=10_000, now=at(2))
    refused(db, NotFound, counters.transfer, pid, first, expert_id=10_000, now=at(2))
    # A note of exactly 500 characters is fine.
    write(db, counters.transfer, pid, first, expert_id=second, note="y" * 500, now=at(3))
    assert row(db, ticket).note == "y" * 500


def test_a_ticket_sent_to_a_counter_is_called_only_there(db):
    k1, k2, k3 = add_clerks(db, 3)
    c1, c2, c3 = (open_counter(db, n, k) for n, k in (("1", k1), ("2", k2), ("3", k3)))
    sent = issue(db, now=at(0)).ticket
    other = issue(db, now=at(1)).ticket
    call(db, c1, k1, 2)
    write(db, counters.transfer, sent.public_id, k1, counter_id=c3, now=at(3))
    assert row(db, sent).target_counter_id == c3
    assert data(events(db, "ticket.transferred")[0])["to_counter"] == "3"
    refused(db, Conflict, counters.call_ticket, c2, k2, "A001", now=at(4), match="another counter")
    refused(db, Conflict, counters.call_ticket, c1, k1, sent.public_id, now=at(4))
    # Counter 2 passes over it, although it arrived first.
    assert call(db, c2, k2, 5).id == other.id
    assert call(db, c3, k3, 6).id == sent.id
    stored = row(db, sent)
    assert (stored.counter_id, stored.target_counter_id) == (c3, None)


def test_a_ticket_sent_to_a_named_clerk_is_called_only_at_that_clerks_counter(db):
    k1, k2, expert = add_clerks(db, 3)
    c1 = open_counter(db, "1", k1)
    c2 = open_counter(db, "2", k2)
    c4 = open_counter(db, "4", expert, ("housing",))  # the ticket's service is not in its profile
    sent = issue(db, now=at(0)).ticket
    other = issue(db, now=at(1)).ticket
    call(db, c1, k1, 2)
    write(db, counters.transfer, sent.public_id, k1, expert_id=expert, note="Knows the case", now=at(3))
    [event] = events(db, "ticket.transferred")
    assert json.loads(event.private) == {"note": "Knows the case", "to_staff_user_id": expert,
                                         "to_staff_name": "Clerk 2"}
    assert "Clerk 2" not in event.data and "Knows the case" not in event.data
    refused(db, Conflict, counters.call_ticket, c2, k2, "A001", now=at(4), match="another counter")
    assert call(db, c2, k2, 5).id == other.id
    assert call(db, c4, expert, 6).id == sent.id
    assert row(db, sent).target_staff_user_id is None


@pytest.mark.parametrize("position, order", [("arrival", ["C001", "A003", "C002"]),
                                             ("front", ["A003", "C001", "C002"])])
def test_the_receiving_service_decides_where_a_transferred_ticket_waits(db, position, order):
    set_service(db, "building", transfer_position=position)
    k1, k2 = add_clerks(db, 2)
    c1 = open_counter(db, "1", k1, ("advice",))
    c2 = open_counter(db, "2", k2, ("building",))
    issue(db, "building", now=at(0))  # C001
    issue(db, "advice", now=at(1))
    issue(db, "advice", now=at(2))
    transferred = issue(db, "advice", now=at(5)).ticket  # A003
    write(db, counters.call_ticket, c1, k1, "A003", now=at(10))
    write(db, counters.transfer, transferred.public_id, k1, service_code="building", now=at(11))
    issue(db, "building", now=at(12))  # C002
    assert row(db, transferred).front is (position == "front")
    called = []
    for minute in (13, 16, 19):
        ticket = call(db, c2, k2, minute)
        called.append(ticket.number)
        serve(db, ticket, k2, minute + 1, minute + 2)
    assert called == order


def test_a_transfer_into_a_service_that_has_given_out_the_same_number_today(db):
    # A001 goes to housing, which has already given out B001 today: both are the day's first
    # ticket of their service. The visit keeps its number; housing keeps counting on its own.
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    issue(db, "housing", now=at(0))
    ticket = issue(db, "advice", now=at(1)).ticket
    call(db, counter_id, clerk, 2)
    moved, service = write(db, counters.transfer, ticket.public_id, clerk, service_code="housing",
                           now=at(3))
    assert (row(db, ticket).number, service.code) == ("A001", "housing")
    assert issue(db, "housing", now=at(4)).ticket.number == "B002"


# --- parking --------------------------------------------------------------------------------------


def test_a_parked_customer_frees_the_counter_and_returns_to_the_front(db):
    k1, k2 = add_clerks(db, 2)
    c1 = open_counter(db, "1", k1)
    c2 = open_counter(db, "2", k2)
    earlier = issue(db, now=at(0)).ticket
    parked = issue(db, now=at(1)).ticket
    write(db, counters.call_ticket, c1, k1, "A002", now=at(2))
    write(db, counters.start_serving, parked.public_id, k1, now=at(3))
    write(db, counters.park, parked.public_id, k1, note="fetching the passport", now=at(4))
    stored = row(db, parked)
    assert (stored.status, stored.counter_id, stored.note) == ("parked", c1, "fetching the passport")
    assert json.loads(events(db, "ticket.parked")[0].private) == {"note": "fetching the passport"}
    with db.read() as session:
        assert queue.current_ticket(session, counter_row(db, c1)) is None  # the counter is free
    # The clerk can call the parked customer back directly …
    write(db, counters.call_ticket, c1, k1, parked.public_id, now=at(5))
    assert (row(db, parked).status, row(db, parked).call_count) == ("called", 1)
    write(db, counters.park, parked.public_id, k1, now=at(6))
    # … or any clerk returns it to the queue, where it waits ahead of the earlier arrival.
    write(db, counters.return_to_queue, parked.public_id, k2, now=at(7))
    stored = row(db, parked)
    assert (stored.status, stored.front, stored.counter_id, stored.call_count) == (
        "waiting", True, None, 0)
    assert [e.counter_id for e in events(db, "ticket.returned")] == [c2]
    assert call(db, c2, k2, 8).id == parked.id
    assert call(db, c1, k1, 9).id == earlier.id


def test_only_a_parked_ticket_returns_and_only_by_a_clerk_at_a_counter(db):
    k1, without_counter = add_clerks(db, 2)
    c1 = open_counter(db, "1", k1)
    ticket = issue(db, now=at(0)).ticket
    refused(db, Conflict, counters.return_to_queue, ticket.public_id, k1, now=at(1),
            match="not put aside")
    call(db, c1, k1, 1)
    write(db, counters.park, ticket.public_id, k1, now=at(2))
    refused(db, Conflict, counters.return_to_queue, ticket.public_id, without_counter, now=at(3),
            match="Open a counter")
    refused(db, NotFound, counters.return_to_queue, "no-such-ticket", k1, now=at(3))


# --- walk-ins and priority -----------------------------------------------------------------------


def test_a_walk_in_is_served_at_once_without_a_print_job_and_takes_a_number(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    issue(db, now=at(0))
    walk_in, service = write(db, counters.walk_in, counter_id, clerk, "advice", now=at(1))
    stored = row(db, walk_in)
    assert (stored.number, stored.status, stored.walk_in) == ("A002", "serving", True)
    assert (stored.counter_id, stored.staff_user_id, stored.served_at) == (counter_id, clerk, at(1))
    with db.read() as session:
        assert session.exec(select(PrintJob).where(PrintJob.ticket_id == walk_in.id)).first() is None
    assert [e.type for e in events(db, ticket=walk_in)] == ["ticket.walk_in"]
    assert issue(db, now=at(2)).ticket.number == "A003"
    refused(db, Conflict, counters.call_next, counter_id, clerk, now=at(3), match="current customer")
    refused(db, Conflict, counters.walk_in, counter_id, clerk, "advice", now=at(3))
    write(db, counters.finish, walk_in.public_id, clerk, now=at(8))
    assert row(db, walk_in).status == "finished"


def test_a_priority_ticket_is_called_first(db):
    k1, without_counter = add_clerks(db, 2)
    counter_id = open_counter(db, "1", k1)
    issue(db, now=at(0))
    needs_help = issue(db, now=at(1)).ticket
    write(db, counters.set_priority, needs_help.public_id, k1, 1)
    [event] = events(db, "ticket.priority")
    assert (event.ticket_id, data(event)["priority"]) == (needs_help.id, 1)
    refused(db, Invalid, counters.set_priority, needs_help.public_id, k1, 3)
    refused(db, Conflict, counters.set_priority, needs_help.public_id, without_counter, 2)
    assert call(db, counter_id, k1, 2).id == needs_help.id
    refused(db, Conflict, counters.set_priority, needs_help.public_id, k1, 0, match="not waiting")


def test_an_appointment_waits_until_its_time_and_then_goes_first(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    booked = issue(db, now=at(0)).ticket
    with db.write() as session:
        ticket = session.get(Ticket, booked.id)
        ticket.appointment_at = at(30)
        session.add(ticket)
    walk_up = issue(db, now=at(1)).ticket
    later = issue(db, now=at(2)).ticket
    assert call(db, counter_id, clerk, 10).id == walk_up.id  # the booking is not due yet
    serve(db, walk_up, clerk, 11, 12)
    assert call(db, counter_id, clerk, 31).id == booked.id  # due: before the one waiting 29 min
    serve(db, booked, clerk, 32, 33)
    assert call(db, counter_id, clerk, 34).id == later.id


@pytest.mark.parametrize("housing_weight, first", [(1, "A001"), (2, "B001")])
def test_a_fair_counter_weighs_its_services_waits(db, housing_weight, first):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk, ("advice", "housing"),
                              weights={"housing": housing_weight})
    issue(db, "advice", now=at(0))
    issue(db, "housing", now=at(8))
    # At 20: advice has waited 20/15 = 1.33; housing 12/15 = 0.8, or 1.6 with a weight of 2.
    assert call(db, counter_id, clerk, 20).number == first


def test_an_ordered_counter_serves_its_first_service_whenever_it_has_someone(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk, ("housing", "advice"), profile="ordered")
    advice = issue(db, "advice", now=at(0)).ticket
    housing = issue(db, "housing", now=at(30)).ticket
    assert call(db, counter_id, clerk, 31).id == housing.id  # although advice has waited 31 min
    serve(db, housing, clerk, 32, 33)
    assert call(db, counter_id, clerk, 34).id == advice.id


# --- the counter ---------------------------------------------------------------------------------


def test_a_paused_counter_takes_no_calls_until_it_resumes(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    issue(db, now=at(0))
    write(db, counters.pause_counter, counter_id, clerk)
    assert counter_row(db, counter_id).paused
    refused(db, Conflict, counters.call_next, counter_id, clerk, now=at(1), match="paused")
    refused(db, Conflict, counters.call_ticket, counter_id, clerk, "A001", now=at(1), match="paused")
    refused(db, Conflict, counters.walk_in, counter_id, clerk, "advice", now=at(1), match="paused")
    refused(db, Conflict, counters.pause_counter, counter_id, clerk, match="already paused")
    write(db, counters.resume_counter, counter_id, clerk)
    refused(db, Conflict, counters.resume_counter, counter_id, clerk, match="not paused")
    assert call(db, counter_id, clerk, 2).number == "A001"
    assert [e.type for e in events(db) if e.type.startswith("counter.")] == [
        "counter.opened", "counter.paused", "counter.resumed"]


def test_a_counter_with_a_customer_can_be_neither_paused_nor_closed(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    ticket = issue(db, now=at(0)).ticket
    call(db, counter_id, clerk, 1)
    refused(db, Conflict, counters.pause_counter, counter_id, clerk, match="before pausing")
    refused(db, Conflict, counters.close_counter, counter_id, clerk, match="before closing")
    write(db, counters.start_serving, ticket.public_id, clerk, now=at(2))
    refused(db, Conflict, counters.pause_counter, counter_id, clerk)
    refused(db, Conflict, counters.close_counter, counter_id, clerk)


def test_closing_keeps_the_work_profile_and_takes_the_counters_calls_off_the_displays(db):
    k1, k2 = add_clerks(db, 2)
    c1 = open_counter(db, "1", k1, ("housing", "advice"), weights={"advice": 3}, profile="ordered")
    c2 = open_counter(db, "2", k2)
    first = issue(db, now=at(0)).ticket
    second = issue(db, now=at(1)).ticket
    call(db, c1, k1, 2)
    serve(db, first, k1, 3, 4)
    call(db, c2, k2, 5)

    def on_display():
        with db.read() as session:
            site = queue.get_site(session, "demo")
            return [t.id for t, _, _ in queue.recent_calls(session, site, now=at(6))]

    assert on_display() == [second.id, first.id]
    write(db, counters.close_counter, c1, k1)
    closed = counter_row(db, c1)
    assert (closed.is_open, closed.staff_user_id, closed.paused) == (False, None, False)
    assert on_display() == [second.id]
    with db.read() as session:
        profile = session.exec(select(CounterService).where(CounterService.counter_id == c1)
                               .order_by(CounterService.position)).all()
        codes = {s.id: s.code for s in session.exec(select(Service))}
    assert [(codes[p.service_id], p.weight, p.position) for p in profile] == [
        ("housing", 1, 0), ("advice", 3, 1)]
    assert closed.profile == "ordered"
    refused(db, Conflict, counters.call_next, c1, k1, now=at(7), match="closed")
    [event] = events(db, "counter.closed")
    assert (event.counter_id, event.staff_user_id) == (c1, k1)


def test_a_clerk_cannot_open_a_second_counter_nor_one_open_for_another_clerk(db):
    k1, k2 = add_clerks(db, 2)
    c1 = open_counter(db, "1", k1)
    with db.read() as session:
        c2 = session.exec(select(Counter).where(Counter.number == "2")).one().id
    refused(db, Conflict, counters.open_counter, c2, k1, ["advice"], match="already have counter 1")
    refused(db, Conflict, counters.open_counter, c1, k2, ["advice"], match="another clerk")
    refused(db, Invalid, counters.open_counter, c2, k2, ["advice"], weights={"advice": 11})
    refused(db, Invalid, counters.open_counter, c2, k2, ["advice"], weights={"advice": 0})
    refused(db, Invalid, counters.open_counter, c2, k2, ["advice"], profile="random")
    refused(db, Invalid, counters.open_counter, c2, k2, [])
    refused(db, NotFound, counters.open_counter, c2, k2, ["parking"])
    refused(db, NotFound, counters.open_counter, 10_000, k2, ["advice"])
    # Once the first is closed, the clerk may open another.
    write(db, counters.close_counter, c1, k1)
    write(db, counters.open_counter, c2, k1, ["advice"])
    assert counter_row(db, c2).staff_user_id == k1


def test_a_repeated_call_next_with_the_same_key_returns_the_same_ticket(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    first, second = issue(db, now=at(0)).ticket, issue(db, now=at(1)).ticket
    assert call(db, counter_id, clerk, 2, key="click-1").id == first.id
    assert call(db, counter_id, clerk, 2.1, key="click-1").id == first.id  # the double click
    assert len(events(db, "ticket.called")) == 1
    assert row(db, second).status == "waiting"
    refused(db, Conflict, counters.call_next, counter_id, clerk, now=at(3), key="click-2",
            match="current customer")
    serve(db, first, clerk, 4, 5)
    assert call(db, counter_id, clerk, 6, key="click-2").id == second.id


def test_done_call_next_finishes_and_calls_the_next_in_one_step_once_per_key(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    first, second, third = (issue(db, now=at(m)).ticket for m in (0, 1, 2))
    call(db, counter_id, clerk, 3)
    write(db, counters.start_serving, first.public_id, clerk, now=at(4))
    called, _ = write(db, counters.finish_and_call_next, first.public_id, clerk, "resolved", now=at(9),
                      key="done-1")
    assert called.id == second.id and row(db, second).status == "called"
    assert (row(db, first).status, row(db, first).outcome) == ("finished", "resolved")
    # The same form sent again (a double click): the next one stays called, no one else is.
    again, _ = write(db, counters.finish_and_call_next, first.public_id, clerk, "resolved", now=at(9.1),
                     key="done-1")
    assert again.id == second.id and row(db, third).status == "waiting"
    assert [e.type for e in events(db)][-2:] == ["ticket.finished", "ticket.called"]
    # Not yet serving: nothing is finished and no one else is called.
    refused(db, Conflict, counters.finish_and_call_next, second.public_id, clerk, now=at(10),
            key="done-2", match="not being served")
    write(db, counters.start_serving, second.public_id, clerk, now=at(11))
    assert write(db, counters.finish_and_call_next, second.public_id, clerk, now=at(12))[0].id == third.id
    write(db, counters.start_serving, third.public_id, clerk, now=at(13))
    # The last customer: finished, and no one is left to call.
    assert write(db, counters.finish_and_call_next, third.public_id, clerk, now=at(14)) is None
    assert row(db, third).status == "finished" and counter_row(db, counter_id).is_open


def test_the_counter_a_clerk_opened_last_and_what_it_served_are_remembered(db):
    k1, k2 = add_clerks(db, 2)
    with db.read() as session:
        site = queue.get_site(session, "demo")
        assert queue.last_counter_of(session, site, k1) is None
    c3 = open_counter(db, "3", k1, ("housing", "advice"), weights={"advice": 4})
    write(db, counters.close_counter, c3, k1)
    open_counter(db, "2", k2)
    with db.read() as session:
        site = queue.get_site(session, "demo")
        last = queue.last_counter_of(session, site, k1)
        codes = {s.id: s.code for s in session.exec(select(Service))}
        profile = queue.last_profile(session, last)
    assert (last.id, last.number) == (c3, "3")
    assert [(codes[i], w) for i, w in profile.items()] == [("housing", 1), ("advice", 4)]


def test_counter_actions_need_the_clerk_bound_to_the_counter(db):
    k1, k2 = add_clerks(db, 2)
    c1 = open_counter(db, "1", k1)
    ticket = issue(db, now=at(0)).ticket
    refused(db, Conflict, counters.call_next, c1, k2, now=at(1), match="another clerk")
    refused(db, Conflict, counters.pause_counter, c1, k2)
    refused(db, Conflict, counters.close_counter, c1, k2)
    refused(db, Conflict, counters.walk_in, c1, k2, "advice", now=at(1))
    call(db, c1, k1, 1)
    c2 = open_counter(db, "2", k2)
    for action in (counters.recall, counters.start_serving, counters.park, counters.mark_no_show):
        refused(db, Conflict, action, ticket.public_id, k2, now=at(2), match="not at your counter")
    refused(db, Conflict, counters.transfer, ticket.public_id, k2, service_code="housing", now=at(2))
    refused(db, NotFound, counters.recall, "no-such-ticket", k1, now=at(2))
    refused(db, NotFound, counters.call_next, 10_000, k1, now=at(2))
    assert counter_row(db, c2).is_open


# --- every other move is refused ------------------------------------------------------------------

# docs/queueing.md's table: the states each action is for.
ALLOWED = {
    "call this ticket": {"waiting", "parked"},
    "recall": {"called"},
    "no-show": set(),  # "called" too, but only after three calls: the ticket here has one
    "start serving": {"called"},
    "finish": {"serving"},
    "transfer": {"called", "serving"},
    "park": {"called", "serving"},
    "return to queue": {"parked"},
    "priority": {"waiting", "parked"},
}


def test_every_transition_the_table_does_not_allow_is_refused_and_changes_nothing(db):
    clerks = add_clerks(db, 5)
    desks = [open_counter(db, str(n), k) for n, k in zip("12345", clerks)]
    clerk_at = dict(zip(desks, clerks))
    issue(db, now=at(-24 * 60))  # yesterday's ticket, closed below
    tickets = {"waiting": issue(db, now=at(0)).ticket}
    for name in ("called", "serving", "parked", "finished", "no_show"):
        tickets[name] = issue(db, now=at(1)).ticket
    c1, c2, c3, c4, c5 = desks
    k1, k2, k3, k4, k5 = clerks
    write(db, counters.call_ticket, c1, k1, tickets["called"].public_id, now=at(2))
    write(db, counters.call_ticket, c2, k2, tickets["serving"].public_id, now=at(2))
    write(db, counters.start_serving, tickets["serving"].public_id, k2, now=at(3))
    write(db, counters.call_ticket, c3, k3, tickets["parked"].public_id, now=at(2))
    write(db, counters.park, tickets["parked"].public_id, k3, now=at(3))
    write(db, counters.call_ticket, c4, k4, tickets["finished"].public_id, now=at(2))
    serve(db, tickets["finished"], k4, 3, 4)
    write(db, counters.call_ticket, c4, k4, tickets["no_show"].public_id, now=at(5))
    for minute in (6, 7):
        write(db, counters.recall, tickets["no_show"].public_id, k4, now=at(minute))
    write(db, counters.mark_no_show, tickets["no_show"].public_id, k4, now=at(8))
    with db.write() as session:
        [tickets["unserved"]] = queue.close_day(session, queue.get_site(session, "demo"), now=at(9))

    actions = {
        "call this ticket": lambda s, t, k: counters.call_ticket(s, c5, k5, t.public_id, now=at(10)),
        "recall": lambda s, t, k: counters.recall(s, t.public_id, k, now=at(10)),
        "no-show": lambda s, t, k: counters.mark_no_show(s, t.public_id, k, now=at(10)),
        "start serving": lambda s, t, k: counters.start_serving(s, t.public_id, k, now=at(10)),
        "finish": lambda s, t, k: counters.finish(s, t.public_id, k, outcome="resolved", now=at(10)),
        "transfer": lambda s, t, k: counters.transfer(s, t.public_id, k, service_code="housing",
                                                      now=at(10)),
        "park": lambda s, t, k: counters.park(s, t.public_id, k, now=at(10)),
        "return to queue": lambda s, t, k: counters.return_to_queue(s, t.public_id, k, now=at(10)),
        "priority": lambda s, t, k: counters.set_priority(s, t.public_id, k, 1),
    }
    tried = 0
    for state, ticket in tickets.items():
        assert row(db, ticket).status == state
        # The clerk of the ticket's own counter, where it has one: refused for its state, not
        # because it is someone else's customer.
        clerk = clerk_at.get(row(db, ticket).counter_id, k5)
        for action, run in actions.items():
            if state in ALLOWED[action]:
                continue
            error = refused(db, Conflict, run, ticket, clerk, match=ticket.number)
            assert error.status_code == 409, (state, action)
            tried += 1
    assert tried == 7 * 9 - sum(len(states) for states in ALLOWED.values())


# --- alarms ---------------------------------------------------------------------------------------


def test_an_alarm_stays_until_someone_clears_it(db):
    at_counter, walking = add_clerks(db, 2)
    open_counter(db, "1", at_counter)
    first = write(db, counters.raise_alarm, at_counter)
    assert (first["type"], first["audience"], first["by"], first["counter"]["number"]) == (
        "counter.alarm", "staff", "Clerk 0", "1")
    second = write(db, counters.raise_alarm, walking, "demo")  # from the overview, no counter
    refused(db, Conflict, counters.raise_alarm, walking, match="Open a counter")

    def active():
        with db.read() as session:
            return counters.active_alarms(session, queue.get_site(session, "demo"))

    assert [a["seq"] for a in active()] == [second["seq"], first["seq"]]  # newest first
    assert active()[1] == first
    write(db, counters.clear_alarm, walking, "demo", first["seq"])
    assert active() == [second]
    write(db, counters.clear_alarm, at_counter, "demo", second["seq"])
    assert active() == []
    assert [e.type for e in events(db) if "alarm" in e.type] == [
        "counter.alarm", "counter.alarm", "counter.alarm_cleared", "counter.alarm_cleared"]


# --- opening hours and the end of the day ---------------------------------------------------------

WEEKDAYS_8_TO_16 = {weekday: (time(8, 0), time(16, 0)) for weekday in range(5)}


def set_hours(db, weekly: dict) -> None:
    with db.write() as session:
        hours.set_weekly_hours(session, queue.get_site(session, "demo"), weekly)


def test_no_ticket_is_issued_outside_the_opening_hours(db):
    set_hours(db, WEEKDAYS_8_TO_16)
    for closed in ("2026-05-11T04:59:00", "2026-05-11T13:00:00", "2026-05-09T09:00:00"):
        # 7.59 and 16.00 on Monday in Helsinki; Saturday noon.
        with pytest.raises(Conflict, match="closed") as excinfo, db.write() as session:
            queue.issue_ticket(session, "demo", "advice", "fi", now=utc(closed))
        assert excinfo.value.status_code == 409
    for open_ in ("2026-05-11T05:00:00", "2026-05-11T12:59:59"):  # 8.00 and 15.59.59
        issue(db, now=utc(open_))
    with db.read() as session:
        assert len(session.exec(select(Ticket)).all()) == 2


def test_a_site_without_hours_is_open_around_the_clock(db):
    issue(db, now=utc("2026-05-10T00:30:00"))  # Sunday, 3.30 at night


def test_weekly_hours_must_close_after_they_open(db):
    with pytest.raises(ValueError), db.write() as session:
        hours.set_weekly_hours(session, queue.get_site(session, "demo"), {0: (time(16), time(8))})


def test_an_exception_closes_a_holiday_or_opens_a_long_evening(db):
    set_hours(db, WEEKDAYS_8_TO_16)
    with db.write() as session:
        site = queue.get_site(session, "demo")
        session.add(OpeningException(site_id=site.id, day=date(2026, 5, 14)))  # Ascension Day
        session.add(OpeningException(site_id=site.id, day=date(2026, 5, 12), opens=time(8),
                                     closes=time(20)))
    with pytest.raises(Conflict), db.write() as session:
        queue.issue_ticket(session, "demo", "advice", "fi", now=utc("2026-05-14T07:00:00"))
    assert issue(db, now=utc("2026-05-12T16:30:00")).ticket.number == "A001"  # 19.30 on Tuesday
    with pytest.raises(Conflict), db.write() as session:
        queue.issue_ticket(session, "demo", "advice", "fi", now=utc("2026-05-12T17:00:00"))


def test_opening_hours_are_local_times_across_the_change_to_summer_time(db):
    # Helsinki moves from UTC+2 to UTC+3 on Sunday 29 March 2026.
    set_hours(db, {weekday: (time(8), time(16)) for weekday in range(7)})

    def is_open(text):
        with db.read() as session:
            return hours.is_open(session, queue.get_site(session, "demo"), utc(text))

    assert not is_open("2026-03-28T05:30:00")  # Saturday 7.30 (UTC+2)
    assert is_open("2026-03-28T06:00:00")  # Saturday 8.00
    assert is_open("2026-03-29T05:30:00")  # Sunday 8.30 (UTC+3)
    assert not is_open("2026-03-29T04:59:00")  # Sunday 7.59
    assert is_open("2026-03-29T12:59:00")  # Sunday 15.59
    assert not is_open("2026-03-29T13:00:00")  # Sunday 16.00
    assert is_open("2026-03-28T13:59:00")  # Saturday 15.59 (UTC+2)


def test_closing_time_ends_the_waiting_and_the_parked_but_not_the_customers_at_counters(db):
    set_hours(db, WEEKDAYS_8_TO_16)
    k1, k2, k3, k4 = add_clerks(db, 4)
    c1, c2, c3, c4 = (open_counter(db, n, k) for n, k in zip("1234", (k1, k2, k3, k4)))
    friday = utc("2026-05-08T07:00:00")
    left_waiting = issue(db, now=friday).ticket
    left_serving = issue(db, now=friday).ticket
    write(db, counters.call_ticket, c4, k4, left_serving.public_id, now=friday)
    write(db, counters.start_serving, left_serving.public_id, k4, now=friday)
    serving, called, parked, waiting = (issue(db, now=at(m)).ticket for m in range(4))
    write(db, counters.call_ticket, c1, k1, serving.public_id, now=at(5))
    write(db, counters.start_serving, serving.public_id, k1, now=at(5))
    write(db, counters.call_ticket, c2, k2, called.public_id, now=at(5))
    write(db, counters.call_ticket, c3, k3, parked.public_id, now=at(5))
    write(db, counters.park, parked.public_id, k3, now=at(6))

    def close_day(when):
        with db.write() as session:
            return [t.id for t in queue.close_day(session, queue.get_site(session, "demo"), now=when)]

    # 15.00 on Monday: only what Friday left open ends.
    assert close_day(utc("2026-05-11T12:00:00")) == [left_waiting.id, left_serving.id]
    # 16.00: closing time.
    assert close_day(utc("2026-05-11T13:00:00")) == [parked.id, waiting.id]
    assert close_day(utc("2026-05-11T13:01:00")) == []
    statuses = {t.id: row(db, t).status for t in (left_waiting, left_serving, serving, called,
                                                    parked, waiting)}
    assert statuses == {left_waiting.id: "unserved", left_serving.id: "unserved",
                        serving.id: "serving", called.id: "called", parked.id: "unserved",
                        waiting.id: "unserved"}
    unserved = events(db, "ticket.unserved")
    assert sorted(e.ticket_id for e in unserved) == sorted(
        [left_waiting.id, left_serving.id, parked.id, waiting.id])  # one event each
    assert {e.ticket_id: data(e)["previous"] for e in unserved} == {
        left_waiting.id: "waiting", left_serving.id: "serving", parked.id: "parked",
        waiting.id: "waiting"}
    assert row(db, waiting).finished_at == utc("2026-05-11T13:00:00")


def test_a_site_open_around_the_clock_closes_only_earlier_days(db):
    yesterday = issue(db, now=at(-24 * 60)).ticket
    today = issue(db, now=at(0)).ticket
    with db.write() as session:
        closed = queue.close_day(session, queue.get_site(session, "demo"), now=at(1))
    assert [t.id for t in closed] == [yesterday.id]
    assert row(db, today).status == "waiting"


# --- numbers --------------------------------------------------------------------------------------


def test_numbers_start_over_after_number_end(db):
    set_service(db, "advice", number_end=3)
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    tickets = [issue(db, now=at(m)).ticket for m in range(5)]
    assert [t.number for t in tickets] == ["A001", "A002", "A003", "A001", "A002"]
    assert len({t.id for t in tickets}) == 5
    # A number typed at the counter means the latest ticket with it.
    called, _ = write(db, counters.call_ticket, counter_id, clerk, "a1", now=at(6))
    assert called.id == tickets[3].id


def test_the_number_width_follows_number_end(db):
    set_service(db, "housing", number_start=998, number_end=1000)
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk, ("housing",))
    tickets = [issue(db, "housing", now=at(m)).ticket for m in range(4)]
    assert [t.number for t in tickets] == ["B0998", "B0999", "B1000", "B0998"]
    called, _ = write(db, counters.call_ticket, counter_id, clerk, "b999", now=at(5))
    assert called.id == tickets[1].id


# --- the estimate ---------------------------------------------------------------------------------


def wait_now(db, code: str, minute: float = 0) -> int:
    """The estimated wait of a ticket of the service taken now (the kiosk tile)."""
    with db.read() as session:
        site = queue.get_site(session, "demo")
        service = queue.get_service(session, site, code)
        now = at(minute)
        return estimate.estimates(session, site, [service], now, queue.local_day(site, now))[service.id]


def recent_min(db, code: str) -> float:
    with db.read() as session:
        service = queue.get_service(session, queue.get_site(session, "demo"), code)
        return estimate.recent_service_min(session, {service.id: service}, NOW.date())[service.id]


def test_the_estimate_learns_from_the_days_finished_customers(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    first = issue(db, now=at(-2)).ticket
    second = issue(db, now=at(-1)).ticket
    # General advice is set at 5 minutes: the free counter calls the two waiting at 0 and 5, and a
    # ticket taken now at 10.
    assert wait_now(db, "advice") == 10
    with db.read() as session:
        site = queue.get_site(session, "demo")
        assert estimate.estimate_wait_min(session, site, second, at(0)) == 5
    # Yesterday's slow customer does not count today.
    old = issue(db, now=at(-24 * 60)).ticket
    write(db, counters.call_ticket, counter_id, clerk, old.public_id, now=at(-24 * 60))
    serve(db, old, clerk, -24 * 60, -24 * 60 + 90)
    # Three customers of 20 minutes each today.
    for n, ticket in enumerate([first, second, issue(db, now=at(50)).ticket]):
        assert call(db, counter_id, clerk, 30 * n).id == ticket.id
        serve(db, ticket, clerk, 30 * n, 30 * n + 20)
    # (3 × 20 + 3 × 5) / (3 + 3): the configured time counts as three more customers.
    assert recent_min(db, "advice") == 12.5
    issue(db, now=at(98))
    issue(db, now=at(99))
    assert wait_now(db, "advice", 100) == 25


def test_only_the_last_twenty_customers_count(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk)
    # The first customer takes 100 minutes and finishes first; the twenty after take 5 each.
    for start, end in [(-100, 0)] + [(10 * n, 10 * n + 5) for n in range(1, 21)]:
        ticket = issue(db, now=at(start)).ticket
        with db.write() as session:
            counters.call_next(session, counter_id, clerk, now=at(start))
            counters.start_serving(session, ticket.public_id, clerk, now=at(start))
            counters.finish(session, ticket.public_id, clerk, now=at(end))
    assert recent_min(db, "advice") == 5.0


def test_with_no_counter_open_the_estimate_is_one_busy_counter(db):
    # Housing takes 10 minutes: two ahead, and half a service for the imagined busy counter.
    issue(db, "housing", now=at(0))
    issue(db, "housing", now=at(1))
    assert wait_now(db, "housing", 2) == 25


def test_a_busy_counter_is_reckoned_free_after_half_a_service(db):
    [clerk] = add_clerks(db, 1)
    counter_id = open_counter(db, "1", clerk, ("housing",))
    assert wait_now(db, "housing") == 0  # a free counter calls at once
    issue(db, "housing", now=at(0))
    call(db, counter_id, clerk, 1)
    assert wait_now(db, "housing", 2) == 5


def test_a_paused_counter_is_reckoned_back_thirty_minutes_after_its_pause_began(db):
    k1, k2 = add_clerks(db, 2)
    c1, c2 = open_counter(db, "1", k1), open_counter(db, "2", k2)
    for minute in range(3):
        issue(db, now=at(minute))
    # Two free counters: the three waiting are called at 0, 0 and 5; a new ticket at 5.
    assert wait_now(db, "advice", 3) == 5
    write(db, counters.pause_counter, c2, k2, now=at(3))
    assert counter_row(db, c2).paused_at == at(3)
    # Counter 1 alone calls at 0, 5, 10 and the new one at 15; counter 2 is back only at 33.
    assert wait_now(db, "advice", 3) == 15
    # Both paused at 3, both back at 33 (30 minutes from now): two called at 30, then the third
    # and the new one at 35.
    write(db, counters.pause_counter, c1, k1, now=at(3))
    assert wait_now(db, "advice", 3) == 35
    # A pause longer than that is reckoned to end now.
    assert wait_now(db, "advice", 60) == 5
    write(db, counters.resume_counter, c2, k2, now=at(61))
    assert counter_row(db, c2).paused_at is None


def test_services_that_share_a_counter_see_each_others_queues(db):
    [clerk] = add_clerks(db, 1)
    open_counter(db, "1", clerk, ("advice", "housing"))
    issue(db, "advice", now=at(0))
    assert wait_now(db, "advice", 2) == 5
    issue(db, "housing", now=at(1))
    # The counter calls the advice customer (5 min), then the housing customer who has waited
    # longer than the new advice ticket (10 min): the new one is called at 15.
    assert wait_now(db, "advice", 2) == 15
