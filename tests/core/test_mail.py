"""Booking mail through a real SMTP server on loopback (aiosmtpd): the confirmation with its .ics, the
reminder, wall times across DST, a mail server that is down, and each mail sent once."""

import email
import email.policy
import threading
from datetime import date, datetime, time, timedelta, timezone

import anyio
import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar

from server import booking
from server.ics import appointment_ics
from server.mail import Mailer, SmtpServer
from server.models import Service, Site
from tests.conftest import free_port
from tests.core.test_booking import HELSINKI, bookable

SENDER = "Luukku <luukku@kaupunki.example.fi>"


class Inbox:
    """An SMTP server on 127.0.0.1 that keeps every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def mailer(db, port: int) -> Mailer:
    def ics(session, appointment):
        site, service = session.get(Site, appointment.site_id), session.get(Service, appointment.service_id)
        return appointment_ics(site, service, appointment, link(appointment.public_id))

    def link(public_id: str) -> str:
        return f"https://luukku.example.fi/b/a/{booking.manage_token('test-secret', public_id)}"

    return Mailer(db, SmtpServer("127.0.0.1", port, SENDER, security="none"), link, ics,
                  remind_before=timedelta(hours=24), early_min=30)


def book(db, starts_at: datetime, now: datetime, lang: str = "fi", email_address: str = "maija@example.fi"):
    with db.write() as session:
        held = booking.hold(session, "demo", "advice", starts_at, now=now, limits=booking.Limits(horizon_days=400))
        return booking.confirm(session, held.public_id, name="Maija Meikäläinen", email=email_address,
                               consent=True, lang=lang, now=now)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=HELSINKI).astimezone(timezone.utc)


def test_the_confirmation_arrives_once_in_the_bookings_language_with_a_calendar_file(db):
    bookable(db)
    now = datetime(2027, 3, 25, 8, 0, tzinfo=timezone.utc)
    after_spring = date(2027, 3, 29)  # the Monday after the clocks went forward
    appointment = book(db, local(after_spring, 9), now)
    with Inbox() as inbox:
        sending = mailer(db, inbox.port)
        assert anyio.run(sending.send_due, now) == 1
        assert anyio.run(sending.send_due, now) == 0  # once
    message, = inbox.messages
    assert message["To"] == "maija@example.fi" and message["From"] == SENDER
    assert message["Subject"] == "Ajanvaraus vahvistettu: Yleisneuvonta, 29.3.2027 09.00"
    body = message.get_body(("plain",)).get_content()
    assert "Hei Maija Meikäläinen," in body and appointment.code in body
    assert "https://luukku.example.fi/b/a/" in body and "30 minuuttia" in body
    attachment, = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    event, = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    start = event["dtstart"].dt
    assert (start.hour, start.minute, start.tzinfo.key if hasattr(start.tzinfo, "key") else str(start.tzinfo)) \
        == (9, 0, "Europe/Helsinki")
    assert start.astimezone(timezone.utc) == datetime(2027, 3, 29, 6, 0, tzinfo=timezone.utc)  # UTC+3 now


def test_the_reminder_comes_a_day_before_in_swedish_with_the_autumn_wall_time(db):
    bookable(db)
    now = datetime(2027, 10, 20, 8, 0, tzinfo=timezone.utc)
    after_autumn = date(2027, 11, 1)  # the Monday after the clocks went back
    book(db, local(after_autumn, 9, 20), now, lang="sv")
    with Inbox() as inbox:
        sending = mailer(db, inbox.port)
        assert anyio.run(sending.send_due, now) == 1  # the confirmation
        day_before = local(after_autumn, 9, 20) - timedelta(hours=24)
        assert anyio.run(sending.send_due, day_before - timedelta(minutes=1)) == 0
        assert anyio.run(sending.send_due, day_before) == 1
        assert anyio.run(sending.send_due, day_before + timedelta(hours=1)) == 0
    reminder = inbox.messages[1]
    assert reminder["Subject"] == "Påminnelse: Allmän rådgivning, 1.11.2027 09:20"
    assert "avboka" in reminder.get_body(("plain",)).get_content()


def test_a_booking_made_within_a_day_gets_no_reminder_and_a_cancelled_one_no_mail(db):
    bookable(db)
    now = datetime(2027, 3, 22, 5, 0, tzinfo=timezone.utc)
    soon = book(db, local(date(2027, 3, 22), 10), now)
    cancelled = book(db, local(date(2027, 3, 24), 10), now, email_address="peruja@example.fi")
    with db.write() as session:
        booking.cancel(session, cancelled.public_id, now=now)
    with Inbox() as inbox:
        sending = mailer(db, inbox.port)
        assert anyio.run(sending.send_due, now) == 1
        assert anyio.run(sending.send_due, now + timedelta(hours=1)) == 0
    assert [m["To"] for m in inbox.messages] == [soon.email]


def test_mail_that_could_not_be_sent_is_sent_when_the_server_is_back(db):
    bookable(db)
    now = datetime(2027, 3, 22, 5, 0, tzinfo=timezone.utc)
    book(db, local(date(2027, 3, 23), 10), now)
    inbox = Inbox()
    sending = mailer(db, inbox.port)
    assert anyio.run(sending.send_due, now) == 0  # nothing listens there yet
    with inbox:
        assert anyio.run(sending.send_due, now) == 1
    assert len(inbox.messages) == 1


def test_two_workers_sending_at_once_send_each_mail_once(db):
    bookable(db)
    now = datetime(2027, 3, 22, 5, 0, tzinfo=timezone.utc)
    for minute in (0, 20, 40):
        book(db, local(date(2027, 3, 23), 10, minute), now, email_address=f"p{minute}@example.fi")
    with Inbox() as inbox:
        first, second = mailer(db, inbox.port), mailer(db, inbox.port)

        async def both():
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(first.send_due, now)
                tasks.start_soon(second.send_due, now)

        anyio.run(both)
    assert sorted(m["To"] for m in inbox.messages) == ["p0@example.fi", "p20@example.fi", "p40@example.fi"]


@pytest.mark.parametrize("lang, words", [("fi", "Varauskoodi"), ("sv", "Bokningskod"), ("en", "Booking code")])
def test_the_calendar_file_speaks_the_bookings_language(db, lang, words):
    bookable(db)
    now = datetime(2027, 3, 22, 5, 0, tzinfo=timezone.utc)
    appointment = book(db, local(date(2027, 3, 23), 10), now, lang=lang)
    with db.read() as session:
        site, service = session.get(Site, appointment.site_id), session.get(Service, appointment.service_id)
        event, = Calendar.from_ical(appointment_ics(site, service, appointment)).walk("VEVENT")
    assert words in str(event["description"]) and appointment.code in str(event["description"])
