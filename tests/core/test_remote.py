"""Remote tickets (server/remote.py): joining from a phone, arriving, being held at the front, passed
over and closed as a no-show, moving back and leaving; and the messages the events write.

Each test runs on a SQLite file and on PostgreSQL. NOW is a Monday at 10.00 in Helsinki.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, time, timedelta

import pytest
from sqlmodel import select

from server import counters, hours, queue, remote
from server.errors import Conflict, Invalid
from server.models import Event, Message, Service, ServicePeriod, Site, Ticket, TicketContact
from tests.core.test_counters import NOW, add_clerks, at, call, events, open_counter, row, write
from tests.core.test_queue import issue

SECRET = "test-secret"


def join(db, phone="040 123 4567", service="advice", minute=0, before=20, channel="sms", email=""):
    who = remote.contact(channel, phone=phone, email=email, notify_before_min=before)
    return write(db, remote.join, "demo", service, "fi", who, now=at(minute)).ticket


def messages(db, ticket=None) -> list[Message]:
    with db.read() as session:
        query = select(Message).order_by(Message.created_at, Message.kind)
        if ticket is not None:
            query = query.where(Message.ticket_id == ticket.id)
        return list(session.exec(query))


def arrive(db, ticket, minute):
    with db.read() as session:
        site = queue.get_site(session, "demo")
        code = remote.site_code(SECRET, site, queue.local_day(site, at(minute)))
    return write(db, remote.arrive, ticket.public_id, code, SECRET, now=at(minute))


def test_a_remote_ticket_has_its_contact_apart_and_a_joined_message(db):
    ticket = join(db, phone="+358 40 123 4567")
    assert ticket.remote and ticket.notify and ticket.arrived_at is None
    assert len(ticket.arrival_code) == remote.ARRIVAL_CODE_LENGTH
    with db.read() as session:
        contact = session.get(TicketContact, ticket.id)
    assert (contact.channel, contact.address, contact.notify_before_min) == ("sms", "+358401234567", 20)
    [message] = messages(db, ticket)
    params = json.loads(message.params)
    assert (message.kind, message.channel, message.address, message.state) == ("joined", "sms", "+358401234567",
                                                                               "queued")
    assert params["number"] == ticket.number and params["ticket"] == ticket.public_id
    assert params["ahead"] == 0 and "wait_min" in params
    [issued] = events(db, "ticket.issued")
    assert json.loads(issued.data)["remote"] is True
    assert "358" not in issued.data  # the published event carries no phone number


def test_one_remote_ticket_per_phone_or_email_per_site(db):
    join(db, phone="040 123 4567")
    with pytest.raises(Conflict, match="already have a ticket"):
        join(db, phone="+358401234567", service="housing")  # the same number written otherwise
    join(db, channel="email", phone="", email="Maija@Example.fi")
    with pytest.raises(Conflict, match="already have a ticket"):
        join(db, channel="email", phone="", email="maija@example.fi")
    with db.read() as session:
        assert session.exec(select(Ticket).where(Ticket.remote)).all().__len__() == 2


def test_bad_contact_details_are_refused_with_words(db):
    with pytest.raises(Invalid, match="phone number"):
        remote.contact("sms", phone="12")
    with pytest.raises(Invalid, match="email"):
        remote.contact("email", email="not an address")
    with pytest.raises(Invalid, match="minutes"):
        remote.contact("sms", phone="0401234567", notify_before_min="7")
    with pytest.raises(Invalid, match="text message or email"):
        remote.contact("carrier pigeon")


def test_a_service_closed_for_remote_joining_and_a_full_quota_are_refused(db):
    with pytest.raises(Conflict, match="cannot be joined from a phone"):
        join(db, service="building")  # the demo's expert service takes no remote tickets
    with db.write() as session:
        service = session.exec(select(Service).where(Service.code == "advice")).one()
        service.remote_max_waiting = 2
    join(db, phone="0401111111")
    join(db, phone="0402222222")
    with pytest.raises(Conflict, match="full"):
        join(db, phone="0403333333")
    issue(db, now=at(1))  # the kiosk still gives numbers: the quota is for remote tickets only


def test_remote_joining_keeps_to_its_hours(db):
    with db.write() as session:
        site = queue.get_site(session, "demo")
        hours.set_weekly_hours(session, site, {d: (time(9), time(16)) for d in range(5)})
        service = session.exec(select(Service).where(Service.code == "advice")).one()
        service.remote_from_min, service.remote_until_min = 30, 60  # 9.30 to 15.00
    # NOW is 10.00 local: open. 8.15 local is before opening; 9.10 before 9.30; 15.10 after 15.00.
    join(db, minute=0)
    with pytest.raises(Conflict, match="opens at"):
        join(db, phone="0402222222", minute=-50)
    with pytest.raises(Conflict, match="closed for today"):
        join(db, phone="0403333333", minute=5 * 60 + 10)
    with pytest.raises(Conflict, match="closed now"):
        join(db, phone="0404444444", minute=-105)


def test_call_next_passes_over_a_remote_ticket_not_here_and_holds_it_at_the_front(db):
    [clerk] = add_clerks(db, 1)
    counter = open_counter(db, "1", clerk)
    far = join(db, minute=0)
    walk = issue(db, now=at(1)).ticket
    assert call(db, counter, clerk, 2).id == walk.id  # the remote one waits for its holder
    assert row(db, far).held_at == at(2)
    assert len(events(db, "ticket.held", far)) == 1
    write(db, counters.start_serving, walk.public_id, clerk, now=at(3))
    write(db, counters.finish, walk.public_id, clerk, outcome="resolved", now=at(4))
    assert call(db, counter, clerk, 5) is None  # only the absent one waits: nobody is called
    assert len(events(db, "ticket.held", far)) == 1  # held once, one event
    arrive(db, far, 6)
    assert row(db, far).held_at is None
    later = issue(db, now=at(6)).ticket
    assert call(db, counter, clerk, 7).id == far.id  # it kept its place in front of the later one
    assert row(db, later).status == "waiting"


def test_a_held_ticket_is_passed_over_then_closed_as_a_no_show(db):
    [clerk] = add_clerks(db, 1)
    counter = open_counter(db, "1", clerk)
    far = join(db, minute=0)
    behind = [issue(db, now=at(0.1 * (i + 1))).ticket for i in range(4)]
    assert call(db, counter, clerk, 1).id == behind[0].id
    assert row(db, far).held_at == at(1)
    with db.write() as session:  # within the hold (10 min): nothing happens
        assert remote.pass_over_due(session, queue.get_site(session, "demo"), at(10)) == []
    with db.write() as session:
        assert len(remote.pass_over_due(session, queue.get_site(session, "demo"), at(11))) == 1
    passed = row(db, far)
    assert passed.status == "waiting" and passed.passes == 1 and passed.held_at is None
    # Moved back three places: behind behind[1], [2] and [3], so three tickets before it now.
    with db.read() as session:
        assert queue.people_ahead(session, passed) == 3
    [event] = events(db, "ticket.passed_over", far)
    assert json.loads(event.data)["places"] == 3
    # It reaches the front again, is held again, and after that hold it is a no-show.
    with db.write() as session:
        for t in behind:
            session.get(Ticket, t.id).status = "finished"  # served elsewhere; this test is about the absent one
    assert call(db, counter, clerk, 20) is None
    assert row(db, far).held_at == at(20)
    with db.write() as session:
        [closed] = remote.pass_over_due(session, queue.get_site(session, "demo"), at(30))
    assert closed.status == "no_show"
    [no_show] = events(db, "ticket.no_show", far)
    assert json.loads(no_show.data)["reason"] == "not_arrived"
    with db.read() as session:
        [period] = session.exec(select(ServicePeriod).where(ServicePeriod.ticket_id == far.id)).all()
    assert period.end == "no_show" and period.wait_s is None


def test_more_time_moves_back_a_few_places_twice_at_most(db):
    first = issue(db, now=at(0)).ticket
    others = [issue(db, now=at(1 + i)).ticket for i in range(7)]
    assert write(db, remote.more_time, first.public_id, now=at(10)) == 3
    with db.read() as session:
        assert queue.people_ahead(session, row(db, first)) == 3
    assert write(db, remote.more_time, first.public_id, now=at(11)) == 3
    with db.read() as session:
        assert queue.people_ahead(session, row(db, first)) == 6
    with pytest.raises(Conflict, match="twice"):
        write(db, remote.more_time, first.public_id, now=at(12))
    assert [json.loads(e.data)["places"] for e in events(db, "ticket.delayed", first)] == [3, 3]
    last = others[-1]
    with pytest.raises(Conflict, match="No one is behind you"):
        write(db, remote.more_time, last.public_id, now=at(13))
    assert row(db, last).delays == 0  # a refusal changes nothing


def test_leaving_cancels_the_visit_and_tells_the_holder(db):
    ticket = join(db)
    after = issue(db, now=at(1)).ticket
    with db.read() as session:
        assert queue.people_ahead(session, row(db, after)) == 1
    write(db, remote.leave, ticket.public_id, now=at(2))
    assert row(db, ticket).status == "cancelled"
    with db.read() as session:
        assert queue.people_ahead(session, row(db, after)) == 0
        [period] = session.exec(select(ServicePeriod).where(ServicePeriod.ticket_id == ticket.id)).all()
    assert period.end == "cancelled"
    assert [m.kind for m in messages(db, ticket)] == ["joined", "closed"]
    assert json.loads(messages(db, ticket)[1].params)["status"] == "cancelled"
    with pytest.raises(Conflict, match="no longer waiting"):
        write(db, remote.leave, ticket.public_id, now=at(3))
    assert len(events(db, "ticket.cancelled")) == 1


def test_a_call_and_a_transfer_are_told_with_the_counter(db):
    [clerk] = add_clerks(db, 1)
    counter = open_counter(db, "3", clerk, services=("advice", "housing"))
    ticket = join(db)
    arrive(db, ticket, 1)
    assert call(db, counter, clerk, 2).id == ticket.id
    write(db, counters.transfer, ticket.public_id, clerk, service_code="housing", now=at(3))
    kinds = [(m.kind, json.loads(m.params).get("counter")) for m in messages(db, ticket)]
    assert kinds == [("joined", None), ("called", "3"), ("transferred", None)]


def test_arriving_needs_the_code_of_the_day(db):
    ticket = join(db)
    with db.read() as session:
        site = queue.get_site(session, "demo")
        today = remote.site_code(SECRET, site, date(2026, 5, 11))
        yesterday = remote.site_code(SECRET, site, date(2026, 5, 10))
    assert today != yesterday and len(today) == remote.SITE_CODE_DIGITS
    with pytest.raises(Invalid, match="not today's code"):
        write(db, remote.arrive, ticket.public_id, yesterday, SECRET, now=at(1))
    assert row(db, ticket).arrived_at is None
    write(db, remote.arrive, ticket.public_id, f" {today[:2]} {today[2:]} ", SECRET, now=at(1))
    assert row(db, ticket).arrived_at == at(1)
    write(db, remote.arrive, ticket.public_id, today, SECRET, now=at(2))  # twice: nothing more happens
    assert len(events(db, "ticket.arrived", ticket)) == 1


def test_a_remote_ticket_checks_in_at_the_kiosk_with_its_own_code(db):
    ticket = join(db)
    assert write(db, remote.check_in, "demo", "XXXXXX", now=at(1)) is None
    code = ticket.arrival_code.lower()
    arrived = write(db, remote.check_in, "demo", f"{code[:3]}-{code[3:]}", now=at(1))
    assert arrived.id == ticket.id and arrived.arrived_at == at(1)
    [event] = events(db, "ticket.arrived", ticket)
    assert json.loads(event.data)["how"] == "kiosk"


def test_counters_calling_at_once_never_call_an_absent_holder(db):
    clerks = add_clerks(db, 4)
    counter_ids = [open_counter(db, str(n + 1), clerk) for n, clerk in enumerate(clerks)]
    absent = [join(db, phone=f"04000000{i:02d}", minute=0.01 * i) for i in range(6)]
    present = [issue(db, now=at(0.5 + 0.01 * i)).ticket for i in range(6)]
    barrier = threading.Barrier(4)

    def calls(index):
        barrier.wait()
        got = []
        for minute in range(1, 4):
            ticket = call(db, counter_ids[index], clerks[index], minute)
            if ticket is not None:
                got.append(ticket.id)
                write(db, counters.start_serving, ticket.public_id, clerks[index], now=at(minute + 0.1))
                write(db, counters.finish, ticket.public_id, clerks[index], outcome="resolved", now=at(minute + 0.2))
        return got

    with ThreadPoolExecutor(4) as pool:
        called = [t for batch in pool.map(calls, range(4)) for t in batch]
    assert sorted(called) == sorted(t.id for t in present)
    for ticket in absent:
        current = row(db, ticket)
        assert current.status == "waiting" and current.held_at is not None
        assert len(events(db, "ticket.held", ticket)) == 1
