"""Messages beyond the queue's own (issue 19): a booking with only a phone number is confirmed and
reminded by SMS through the outbox, and staff's notice of an unexpected closure reaches everyone of
the day once, audited. Sent for real through the local HTTP SMS gateway and SMTP server."""

import json
from datetime import time, timedelta

import anyio
import pytest
from sqlmodel import select

from server import booking, housekeeping, notices, queue, remote
from server.errors import Invalid
from server.messenger import Messenger
from server.models import Appointment, AuditLog, Event, Message, TicketContact
from tests.core.test_booking import MONDAY, NOW, at, bookable
from tests.core.test_messenger import PUBLIC_URL, settings
from tests.core.test_mail import Inbox
from tests.fakes.smsc import FakeHttpGateway

REMIND = timedelta(hours=24)


def book(db, starts_at, phone="", email="", now=NOW, lang="fi") -> Appointment:
    with db.write() as session:
        held = booking.hold(session, "demo", "advice", starts_at, now=now)
        return booking.confirm(session, held.public_id, name="Maija Meikäläinen", phone=phone, email=email,
                               consent=True, now=now, lang=lang)


def outbox(db) -> list[Message]:
    with db.read() as session:
        return list(session.exec(select(Message).order_by(Message.created_at, Message.id)))


def test_a_phone_only_booking_is_confirmed_and_reminded_by_sms_once(db, tmp_path):
    bookable(db, weekdays=range(7), slot_min=20)
    by_phone = book(db, at(MONDAY + timedelta(days=2), 10), phone="040 123 4567", lang="sv")
    book(db, at(MONDAY + timedelta(days=2), 10, 20), phone="040 765 4321", email="maija@example.fi")
    [confirmation] = outbox(db)  # the one with an email is mailed, as before (server/mail.py)
    assert (confirmation.kind, confirmation.channel, confirmation.address, confirmation.lang) == (
        "confirmation", "sms", "+358401234567", "sv")
    assert json.loads(confirmation.params)["code"] == by_phone.code
    with db.read() as session:
        assert session.get(Appointment, by_phone.id).confirmation_sent_at == NOW
    # The reminder is due 24 hours before: written once, however often the minute job runs.
    assert housekeeping.remind_by_sms(db, REMIND, now=NOW) == 0
    day_before = at(MONDAY + timedelta(days=1), 10, 1)
    assert housekeeping.remind_by_sms(db, REMIND, now=day_before) == 1
    assert housekeeping.remind_by_sms(db, REMIND, now=day_before + timedelta(minutes=1)) == 0
    assert [m.kind for m in outbox(db)] == ["confirmation", "reminder"]
    with FakeHttpGateway() as gateway:
        messenger = Messenger(db, settings(tmp_path, sms_gateway=gateway.url))
        assert anyio.run(messenger.send_due, day_before) == 2
    texts = [request["body"]["text"] for request in gateway.requests]
    assert all(by_phone.code in text for text in texts)
    assert all(f"{PUBLIC_URL}/a/" in text for text in texts)  # the booking's own signed page


def test_a_notice_reaches_everyone_of_the_day_once_each_and_is_audited(db, tmp_path):
    bookable(db, weekdays=range(7), opens=time(0), closes=time(23, 40))
    with db.write() as session:
        away = remote.join(session, "demo", "advice", "sv", remote.Contact("sms", "+358401110001"), now=NOW).ticket
        by_email = remote.join(session, "demo", "housing", "en", remote.Contact("email", "a@example.fi"), now=NOW).ticket
        silent = queue.issue_ticket(session, "demo", "advice", "fi", now=NOW, printed=False).ticket
    later_today = book(db, NOW + timedelta(hours=3), email="maija@example.fi", now=NOW - timedelta(hours=1))
    book(db, NOW + timedelta(hours=4), phone="040 999 8888", now=NOW - timedelta(hours=1))
    book(db, NOW + timedelta(days=1), email="tomorrow@example.fi", now=NOW - timedelta(hours=1))
    with db.write() as session:
        site = queue.get_site(session, "demo")
        with pytest.raises(Invalid, match="Finnish"):
            notices.tell_everyone(session, site, None, {"sv": "Stängt"}, now=NOW)
        with pytest.raises(Invalid, match="300"):
            notices.tell_everyone(session, site, None, {"fi": "x" * 301}, now=NOW)
    with db.write() as session:
        site = queue.get_site(session, "demo")
        counts = notices.tell_everyone(session, site, None, {"fi": "Suljettu tänään klo 14 alkaen.",
                                                             "sv": "Stängt i dag från kl. 14."}, now=NOW)
    assert counts == {"tickets": 2, "bookings": 2}
    sent = [m for m in outbox(db) if m.kind == "closure"]
    assert sorted((m.channel, m.address, m.lang) for m in sent) == sorted([
        ("sms", "+358401110001", "sv"), ("email", "a@example.fi", "en"),
        ("email", "maija@example.fi", "fi"), ("sms", "+358409998888", "fi")])
    texts = {m.address: json.loads(m.params)["text"] for m in sent}
    assert texts["+358401110001"] == "Stängt i dag från kl. 14."
    assert texts["a@example.fi"] == "Suljettu tänään klo 14 alkaen."  # no English text: the Finnish one
    assert silent.id not in {m.ticket_id for m in sent} and later_today.id in {m.appointment_id for m in sent}
    with db.read() as session:
        [row] = session.exec(select(AuditLog).where(AuditLog.action == "site.notice")).all()
        assert row.detail == "2 tickets, 2 bookings"
        [event] = session.exec(select(Event).where(Event.type == "site.notice")).all()
        assert json.loads(event.data)["audience"] == "staff" and "358" not in event.data
    with FakeHttpGateway() as gateway, Inbox() as inbox:
        messenger = Messenger(db, settings(tmp_path, sms_gateway=gateway.url, smtp_host="127.0.0.1",
                                           smtp_port=inbox.port, smtp_security="none"))
        anyio.run(messenger.send_due, NOW)
        bodies = [request["body"]["text"] for request in gateway.requests]
        assert any("Stängt i dag från kl. 14." in body for body in bodies)
    notices_mailed = [m for m in inbox.messages if "Suljettu tänään klo 14 alkaen." in m.get_content()]
    assert sorted(m["To"] for m in notices_mailed) == ["a@example.fi", "maija@example.fi"]
