"""Feedback after the visit (issue 21), on SQLite and PostgreSQL: one answer per visit, also under
concurrent answers; the link expires; the one message; retention and erasure of the comments."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import select

from server import customers, feedback, outbox, remote
from server.errors import Conflict, DomainError, Invalid
from server.models import Feedback, Message, Site
from tests.core.test_counters import add_clerks, at, call, open_counter, serve, write
from tests.core.test_customers import PERSON
from tests.core.test_queue import issue


def served(db, lang="fi"):
    """A kiosk ticket called and served to its end."""
    [clerk] = add_clerks(db, 1)
    counter = open_counter(db, "1", clerk)
    ticket = issue(db, lang=lang, now=at(0)).ticket
    assert call(db, counter, clerk, 1).id == ticket.id
    serve(db, ticket, clerk, 2, 5)
    return ticket, clerk, counter


def rows(db) -> list[Feedback]:
    with db.read() as session:
        return list(session.exec(select(Feedback).order_by(Feedback.id)))


def test_one_answer_per_visit_after_it_ended(db):
    ticket, clerk, counter = served(db)
    open_ticket = issue(db, now=at(5)).ticket
    with pytest.raises(Conflict, match="once your visit has ended"):
        write(db, feedback.give, open_ticket.public_id, 4, "", "fi", "phone", at(6))
    with pytest.raises(Invalid, match="five answers"):
        write(db, feedback.give, ticket.public_id, 6, "", "fi", "phone", at(6))
    with pytest.raises(Invalid, match="1000"):
        write(db, feedback.give, ticket.public_id, 3, "x" * 1001, "fi", "phone", at(6))
    row = write(db, feedback.give, ticket.public_id, "4", "  Quick and kind.  ", "sv", "phone", at(6))
    assert (row.score, row.comment, row.lang, row.channel) == (4, "Quick and kind.", "sv", "phone")
    assert (row.service_id, row.counter_id, row.staff_user_id) == (ticket.service_id, counter, clerk)
    with pytest.raises(Conflict, match="already been given"):
        write(db, feedback.give, ticket.public_id, 1, "", "fi", "message", at(7))
    assert len(rows(db)) == 1


def test_the_link_expires_after_the_setting(db):
    ticket, *_ = served(db)
    ended = at(5)
    with db.read() as session:
        row = session.exec(select(feedback.Ticket).where(feedback.Ticket.id == ticket.id)).one()
        assert feedback.state(session, row, ended + timedelta(days=7)) == "open"
        assert feedback.state(session, row, ended + timedelta(days=7, seconds=1)) == "expired"
        assert feedback.state(session, row, ended + timedelta(days=3), link_days=2) == "expired"
    with pytest.raises(Conflict, match="has passed"):
        write(db, feedback.give, ticket.public_id, 5, "", "fi", "message", ended + timedelta(days=8))


def test_concurrent_answers_leave_exactly_one_row(db):
    ticket, *_ = served(db)
    answers = 8
    barrier = threading.Barrier(answers)

    def answer(score):
        barrier.wait()
        try:
            write(db, feedback.give, ticket.public_id, score, f"answer {score}", "fi", "phone", at(6))
            return "ok"
        except DomainError as e:
            assert isinstance(e, Conflict)
            return "conflict"

    with ThreadPoolExecutor(answers) as pool:
        results = list(pool.map(answer, [1 + n % 5 for n in range(answers)]))
    assert sorted(results) == ["conflict"] * (answers - 1) + ["ok"]
    assert len(rows(db)) == 1


def test_a_tablet_tap_holds_no_personal_data(db):
    with db.write() as session:
        site = session.exec(select(Site).where(Site.slug == "demo")).one()
        feedback.tap(session, site, 5, at(0))
        with pytest.raises(Invalid):
            feedback.tap(session, site, 0, at(0))
    [row] = rows(db)
    assert (row.score, row.channel, row.ticket_id, row.comment, row.lang, row.staff_user_id) == (
        5, "tablet", None, "", "", None)


def test_one_feedback_message_when_an_agreed_visit_ends(db):
    [clerk] = add_clerks(db, 1)
    counter = open_counter(db, "1", clerk)
    asked = remote.contact("sms", phone="040 123 4567", feedback_ok=True)
    not_asked = remote.contact("email", email="a@example.fi")
    tickets = [write(db, remote.join, "demo", "advice", "sv", who, now=at(0)).ticket for who in (asked, not_asked)]
    with db.write() as session:  # both holders are here
        for ticket in tickets:
            row = session.get(feedback.Ticket, ticket.id)
            row.arrived_at = at(1)
            session.add(row)
    for n, ticket in enumerate(tickets):
        assert call(db, counter, clerk, 2 + n * 5).id == ticket.id
        serve(db, ticket, clerk, 3 + n * 5, 4 + n * 5)
    with db.read() as session:
        sent = list(session.exec(select(Message).where(Message.kind == "feedback")))
    [message] = sent
    assert (message.ticket_id, message.channel, message.address, message.lang) == (
        tickets[0].id, "sms", "+358401234567", "sv")
    assert json.loads(message.params)["ticket"] == tickets[0].public_id
    with db.write() as session:  # the end is recorded once; asking again writes nothing
        row = session.get(feedback.Ticket, tickets[0].id)
        assert outbox.ask_feedback(session, session.get(Site, row.site_id), row, at(20)) is None
    from server.message_texts import render
    title, body = render("feedback", "fi", {"site": "Demo", "number": "A001"}, "https://x/t/abc/feedback")
    assert body.endswith("https://x/t/abc/feedback") and "Demo" in body


def test_comments_follow_retention_and_erasure(db):
    ticket, clerk, _ = served(db)
    write(db, feedback.give, ticket.public_id, 2, "Matti Meikäläinen, 040 123", "fi", "phone", at(6))
    customer = write(db, customers.create, PERSON, clerk)
    write(db, customers.link_visit, ticket.public_id, customer.id, clerk)
    assert write(db, customers.erase, customer.id, clerk, now=at(10))["feedback_comments"] == 1
    [row] = rows(db)
    assert (row.comment, row.score) == ("", 2)  # the score stays for the statistics
    ticket2 = issue(db, now=at(20)).ticket
    with db.write() as session:  # another visit's comment goes after the retention period
        session.add(Feedback(site_id=ticket2.site_id, ticket_id=ticket2.id, at=at(30), score=3,
                             comment="kept a while", channel="phone"))
    assert write(db, customers.apply_retention, 730, at(30) + timedelta(days=729))["feedback_comments"] == 0
    assert write(db, customers.apply_retention, 730, at(30) + timedelta(days=731))["feedback_comments"] == 1
    assert [r.comment for r in rows(db)] == ["", ""]


def test_a_booking_that_agreed_is_asked_once_by_email(db):
    from tests.core.test_booking import MONDAY, at as when, book, bookable, check_in

    bookable(db)
    agreed = book(db, when(MONDAY, 10), feedback_ok=True)
    silent = book(db, when(MONDAY, 10, 40), email="ville@example.fi")
    assert agreed.feedback_ok and not silent.feedback_ok
    [clerk] = add_clerks(db, 1)
    counter = open_counter(db, "1", clerk)
    for appointment, minute in ((agreed, 0), (silent, 40)):
        _, issued = check_in(db, appointment.code, when(MONDAY, 9, 50) + timedelta(minutes=minute))
        with db.write() as session:
            from server import counters

            called, _ = counters.call_next(session, counter, clerk, now=when(MONDAY, 10, minute + 1))
            assert called.id == issued.ticket.id
            counters.start_serving(session, called.public_id, clerk, now=when(MONDAY, 10, minute + 2))
            counters.finish(session, called.public_id, clerk, now=when(MONDAY, 10, minute + 9))
    with db.read() as session:
        sent = list(session.exec(select(Message).where(Message.kind == "feedback")))
    assert [(m.channel, m.address) for m in sent] == [("email", "maija@example.fi")]
