"""The messenger (issue 19) against real parts: an SMSC speaking SMPP and an HTTP SMS gateway on
loopback (tests/fakes/smsc.py), a push service that decrypts (tests/fakes/push_service.py), an SMTP
server (aiosmtpd), SQLite and PostgreSQL. Each message goes once, a failure is retried or given up,
a worker that died mid-send is made good, and "your turn is near" is told once a ticket."""

import collections
import json
import threading
import time
from datetime import datetime, timedelta, timezone

import anyio
import pytest
import sqlalchemy as sa
from sqlmodel import select

from server import housekeeping, message_texts, outbox, queue
from server.db import Database
from server.messenger import WAKE_DEBOUNCE_S, Messenger, backoff_s, claim_due, notify_near
from server.models import Event, Message, Ticket, TicketContact
from server.settings import Settings
from tests.conftest import free_port
from tests.core.test_mail import Inbox
from tests.fakes.push_service import PushService
from tests.fakes.smsc import FakeHttpGateway, FakeSmsc

PUBLIC_URL = "https://luukku.example.fi"
PHONE = "+358401234567"
NOW = datetime(2027, 3, 15, 9, 0, tzinfo=timezone.utc)  # a Monday morning in Helsinki


def settings(tmp_path, **overrides) -> Settings:
    values = dict(database_url="sqlite://", public_url=PUBLIC_URL, vapid_key_file=tmp_path / "vapid.pem",
                  smtp_from="Luukku <luukku@kaupunki.example.fi>")
    return Settings(_env_file=None, **{**values, **overrides})


def waiting(db, count: int = 1, channel: str = "sms", address: str = PHONE, lang: str = "fi",
            before_min: int = 20, service: str = "advice", now: datetime = NOW) -> list[int]:
    """Ids of ``count`` new waiting tickets whose holders asked to be told."""
    ids = []
    with db.write() as session:
        for _ in range(count):
            issued = queue.issue_ticket(session, "demo", service, lang, now=now, printed=False)
            ticket = session.get(Ticket, issued.ticket.id)
            ticket.notify = True
            session.add(ticket)
            session.add(TicketContact(ticket_id=ticket.id, site_id=ticket.site_id, channel=channel, address=address,
                                      lang=lang, notify_before_min=before_min, created_at=now))
            ids.append(ticket.id)
    return ids


def queued(db, kind: str = "called", channel: str = "sms", address: str = PHONE, lang: str = "fi",
           params: dict | None = None, count: int = 1, now: datetime = NOW) -> list[str]:
    """Ids of new outbox rows, as the queue engine writes them."""
    with db.write() as session:
        site = queue.get_site(session, "demo")
        params = params or {"number": "A042", "service": "Yleisneuvonta", "site": site.name, "ticket": "abc",
                            "counter": "3"}
        return [outbox.add(session, site, channel, address, kind, lang, params, now).id for _ in range(count)]


def message(db, id_: str) -> Message:
    with db.read() as session:
        return session.get(Message, id_)


def references(gateway: FakeHttpGateway) -> collections.Counter:
    with gateway.lock:
        return collections.Counter(request["body"]["reference"] for request in gateway.requests)


# --- texts --------------------------------------------------------------------------------------------

TICKET = {"number": "B042", "service": "Asuminen ja asumisneuvonta", "site": "Kaupungintalon asiakaspalvelu",
          "ticket": "x"}
KINDS = [
    ("joined", {**TICKET, "ahead": 4, "wait_min": 20},
     "Your number is B042 at Kaupungintalon asiakaspalvelu, Asuminen ja asumisneuvonta. People before you: 4, "
     "about 20 min."),
    ("near", {**TICKET, "ahead": 4, "wait_min": 20},
     "About 20 minutes to your turn (4 people before you). Come to Kaupungintalon asiakaspalvelu; tap I'm here "
     "when you arrive."),
    ("near", {**TICKET, "ahead": 0, "wait_min": 7}, "About 7 minutes to your turn: you are next."),
    ("called", {**TICKET, "counter": "3"}, "It's your turn: B042, counter 3."),
    ("transferred", TICKET, "Your number B042 is now in the queue for Asuminen ja asumisneuvonta."),
    ("closed", {**TICKET, "status": "finished"}, "Thank you for visiting Kaupungintalon asiakaspalvelu."),
    ("closed", {**TICKET, "status": "no_show"}, "Your turn B042 was passed because you did not arrive."),
    ("closed", {**TICKET, "status": "unserved"}, "Kaupungintalon asiakaspalvelu closed for the day before"),
    ("closed", {**TICKET, "status": "cancelled"}, "You left the queue (B042)."),
    ("closure", {**TICKET, "text": "Closed today from 14 because of a power cut."},
     "Kaupungintalon asiakaspalvelu: Closed today from 14 because of a power cut."),
    ("confirmation", {"service": "Housing", "site": "City Hall", "when": "15/03/2027 09:20", "code": "K7Q2"},
     "Your appointment at City Hall: Housing, 15/03/2027 09:20. Booking code: K7Q2."),
    ("reminder", {"service": "Housing", "site": "City Hall", "when": "15/03/2027 09:20", "code": "K7Q2"},
     "Reminder of your appointment at City Hall: Housing, 15/03/2027 09:20."),
    ("feedback", TICKET, "Thank you for visiting Kaupungintalon asiakaspalvelu. How did we do? Answer in a minute:"),
]


@pytest.mark.parametrize("kind,params,english", KINDS)
def test_each_kind_reads_in_english_and_renders_in_finnish_and_swedish_within_one_sms(kind, params, english):
    title, body = message_texts.render(kind, "en", params, "https://luukku.example.fi/t/x")
    assert body.startswith(english) and title
    for lang in ("fi", "sv", "en"):
        title, body = message_texts.render(kind, lang, params, None)
        assert title and body and "%(" not in title + body
        assert message_texts.is_gsm(body), body  # 160 characters a part, not 70
        assert len(body) <= (70 if kind == "called" else 160), (lang, len(body), body)
        assert PHONE not in body and "Maija" not in body


@pytest.mark.parametrize("kind,params,english", KINDS)
def test_finnish_and_swedish_come_from_the_catalogs(kind, params, english):
    english_title, english_body = message_texts.render(kind, "en", params, None)
    for lang in ("fi", "sv"):
        title, body = message_texts.render(kind, lang, params, None)
        assert title != english_title and (body != english_body or kind == "closure"), (lang, kind)


def test_the_call_in_finnish_and_swedish():
    called = {**TICKET, "counter": "3"}
    assert message_texts.render("called", "fi", called, None) == ("Sinun vuorosi: B042",
                                                                   "Sinun vuorosi: B042, palvelupiste 3.")
    assert message_texts.render("called", "sv", called, None) == ("Din tur: B042", "Din tur: B042, lucka 3.")


def test_a_link_ends_the_text_but_never_the_call():
    assert message_texts.render("near", "en", {**TICKET, "ahead": 2, "wait_min": 9}, "https://x/t/1")[1] \
        .endswith("\nhttps://x/t/1")
    assert "https" not in message_texts.render("called", "en", {**TICKET, "counter": "3"}, "https://x/t/1")[1]


# --- sending ------------------------------------------------------------------------------------------

def test_a_call_goes_by_smpp_once_and_keeps_the_smscs_id(db, tmp_path):
    id_, = queued(db, "called", lang="sv")
    with FakeSmsc() as smsc:
        messenger = Messenger(db, settings(tmp_path, sms_gateway=smsc.url))
        assert anyio.run(messenger.send_due, NOW) == 1
        assert anyio.run(messenger.send_due, NOW + timedelta(minutes=10)) == 0
    (destination, text), = smsc.messages()
    assert destination == PHONE.removeprefix("+") and "A042" in text and "3" in text and len(text) < 70
    sent = message(db, id_)
    assert (sent.state, sent.attempts, sent.sent_at is not None, bool(sent.gateway_id)) == ("sent", 1, True, True)


def test_a_gateway_failure_is_retried_after_2_then_4_seconds_and_then_goes(db, tmp_path):
    id_, = queued(db, "near", params={**TICKET, "ahead": 3, "wait_min": 15})
    with FakeHttpGateway() as gateway:
        gateway.fail_next = [503, 503]
        messenger = Messenger(db, settings(tmp_path, sms_gateway=gateway.url))
        assert anyio.run(messenger.send_due, NOW) == 0
        assert (message(db, id_).state, message(db, id_).next_attempt_at) == ("queued", NOW + timedelta(seconds=2))
        assert anyio.run(messenger.send_due, NOW + timedelta(seconds=1)) == 0  # not due yet: nothing asked
        assert anyio.run(messenger.send_due, NOW + timedelta(seconds=2)) == 0
        assert message(db, id_).next_attempt_at == NOW + timedelta(seconds=2 + 4)
        assert anyio.run(messenger.send_due, NOW + timedelta(seconds=6)) == 1
    sent = message(db, id_)
    assert (sent.state, sent.attempts, sent.error) == ("sent", 3, None)
    assert references(gateway) == {id_: 3}  # the same reference each time: the gateway can tell
    assert gateway.requests[-1]["body"]["to"] == PHONE
    assert gateway.requests[-1]["body"]["text"].endswith(f"{PUBLIC_URL}/t/x")
    assert [backoff_s(n) for n in range(1, 11)] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_a_refusal_fails_at_once_and_the_last_attempt_gives_up(db, tmp_path):
    refused, = queued(db)
    with FakeHttpGateway() as gateway:
        gateway.fail_next = [400]
        messenger = Messenger(db, settings(tmp_path, sms_gateway=gateway.url, message_max_attempts=2))
        assert anyio.run(messenger.send_due, NOW) == 0
        assert (message(db, refused).state, message(db, refused).attempts) == ("failed", 1)
        assert "HTTP 400" in message(db, refused).error
        busy, = queued(db)
        gateway.fail_next = [503, 503, 503]
        anyio.run(messenger.send_due, NOW)
        anyio.run(messenger.send_due, NOW + timedelta(seconds=2))
        assert anyio.run(messenger.send_due, NOW + timedelta(hours=1)) == 0
    assert (message(db, busy).state, message(db, busy).attempts) == ("failed", 2)
    assert len(gateway.requests) == 3


def test_a_channel_that_is_not_set_up_fails_its_messages_at_once(db, tmp_path):
    sms, email = queued(db, channel="sms")[0], queued(db, channel="email", address="maija@example.fi")[0]
    messenger = Messenger(db, settings(tmp_path))  # no LUUKKU_SMS_GATEWAY, no LUUKKU_SMTP_HOST
    assert anyio.run(messenger.send_due, NOW) == 0
    assert (message(db, sms).state, message(db, email).state) == ("failed", "failed")
    assert "LUUKKU_SMS_GATEWAY" in message(db, sms).error and "LUUKKU_SMTP_HOST" in message(db, email).error


def test_a_message_left_sending_by_a_worker_that_died_is_sent_again_with_the_same_reference(db, tmp_path):
    id_, = queued(db)
    with db.write() as session:
        assert [m.id for m in claim_due(session, NOW)] == [id_]  # claimed, then the worker died
    with FakeHttpGateway() as gateway:
        restarted = Messenger(db, settings(tmp_path, sms_gateway=gateway.url))
        assert anyio.run(restarted.send_due, NOW + timedelta(seconds=60)) == 0  # maybe still being sent
        assert anyio.run(restarted.send_due, NOW + timedelta(seconds=121)) == 1
    assert references(gateway) == {id_: 1}
    assert (message(db, id_).state, message(db, id_).attempts) == ("sent", 2)


def test_a_gateway_that_is_down_loses_nothing(db, tmp_path):
    ids = queued(db, count=30)
    port = free_port()
    messenger = Messenger(db, settings(tmp_path, sms_gateway=f"http://127.0.0.1:{port}/sms"))
    assert anyio.run(messenger.send_due, NOW) == 0  # refused: nothing goes, every message waits
    with db.read() as session:
        assert {m.state for m in session.exec(select(Message))} == {"queued"}
    with FakeHttpGateway(port=port) as gateway:
        # Back: everything goes (over a round or two: 20 connections at once may overflow the little
        # test server's listen backlog, and the one refused is tried again).
        sent = sum(anyio.run(messenger.send_due, NOW + timedelta(minutes=5 * n)) for n in range(1, 4))
    assert sent == 30 and references(gateway) == {id_: 1 for id_ in ids}


def test_email_carries_the_subject_the_link_and_the_messages_id(db, tmp_path):
    id_, = queued(db, "joined", channel="email", address="maija@example.fi", lang="en",
                  params={**TICKET, "ahead": 2, "wait_min": 11})
    with Inbox() as inbox:
        messenger = Messenger(db, settings(tmp_path, smtp_host="127.0.0.1", smtp_port=inbox.port,
                                           smtp_security="none"))
        assert anyio.run(messenger.send_due, NOW) == 1
    mail, = inbox.messages
    assert mail["Subject"] == "Your number B042" and mail["To"] == "maija@example.fi"
    assert mail["Message-ID"] == f"<{id_}@kaupunki.example.fi>" == message(db, id_).gateway_id
    body = mail.get_body(("plain",)).get_content()
    assert "People before you: 2, about 11 min." in body and f"{PUBLIC_URL}/t/x" in body


def test_the_feedback_message_links_to_the_visits_feedback_form(db, tmp_path):
    queued(db, "feedback", channel="email", address="maija@example.fi", lang="en", params=TICKET)
    with Inbox() as inbox:
        messenger = Messenger(db, settings(tmp_path, smtp_host="127.0.0.1", smtp_port=inbox.port,
                                           smtp_security="none"))
        assert anyio.run(messenger.send_due, NOW) == 1
    mail, = inbox.messages
    assert mail["Subject"] == "How did we do? Kaupungintalon asiakaspalvelu"
    assert mail.get_body(("plain",)).get_content().rstrip().endswith(f"{PUBLIC_URL}/t/x/feedback")


def test_a_push_arrives_decrypted_and_a_subscription_that_is_gone_is_forgotten(db, tmp_path):
    with PushService() as service:
        subscription = service.new_subscription()
        ticket_id, = waiting(db, channel="push", address=json.dumps(subscription), lang="en")
        with db.write() as session:
            ticket = session.get(Ticket, ticket_id)
            called = outbox.to_ticket(session, queue.get_site(session, "demo"), ticket, "called", {"counter": "3"},
                                      NOW).id
        messenger = Messenger(db, settings(tmp_path))
        assert anyio.run(messenger.send_due, NOW) == 1
        payload, = service.received()
        assert payload["title"].startswith("It's your turn: A") and payload["body"].endswith(", counter 3.")
        assert payload["url"] == f"{PUBLIC_URL}/t/{ticket.public_id}" and payload["urgent"] is True
        assert payload["tag"] == f"ticket-{ticket.public_id}" and service.refused == []
        assert message(db, called).state == "sent"

        service.unsubscribe(subscription["endpoint"])
        with db.write() as session:
            ticket = session.get(Ticket, ticket_id)
            gone = outbox.to_ticket(session, queue.get_site(session, "demo"), ticket, "near",
                                    {"wait_min": 5, "ahead": 1}, NOW).id
        assert anyio.run(messenger.send_due, NOW) == 0
    assert message(db, gone).state == "failed" and "gone" in message(db, gone).error
    with db.read() as session:
        assert session.get(TicketContact, ticket_id) is None  # no more messages are written for it
        assert session.get(Ticket, ticket_id).notify is False  # nor does its page say it will be told


@pytest.mark.postgres
def test_two_workers_draining_200_messages_send_each_exactly_once(pg_url, tmp_path):
    setup = Database(pg_url)
    ids = queued(setup, count=200, now=datetime.now(timezone.utc) - timedelta(seconds=1))
    setup.dispose()
    workers = [Database(pg_url) for _ in range(2)]
    with FakeHttpGateway() as gateway:
        start, counts = threading.Barrier(2), []

        def drain(db):
            messenger = Messenger(db, settings(tmp_path, sms_gateway=gateway.url))
            start.wait()
            sent = anyio.run(messenger.send_due)
            while not all_sent(db) and sent < 200:  # a connection refused by the little test server
                time.sleep(0.5)
                sent += anyio.run(messenger.send_due)
            counts.append(sent)

        threads = [threading.Thread(target=drain, args=(db,)) for db in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    for db in workers:
        db.dispose()
    assert references(gateway) == {id_: 1 for id_ in ids}
    assert sum(counts) == 200 and min(counts) > 0  # both took part


def all_sent(db) -> bool:
    with db.read() as session:
        return session.execute(sa.select(Message.id).where(Message.state != "sent").limit(1)).first() is None


# --- "your turn is near" ----------------------------------------------------------------------------

def near_rows(db) -> tuple[list[Message], list[Event]]:
    with db.read() as session:
        return (list(session.exec(select(Message).where(Message.kind == "near"))),
                list(session.exec(select(Event).where(Event.type == "ticket.near"))))


def test_a_ticket_crossing_its_threshold_is_told_once_even_by_two_workers_at_once(db):
    # No counter is open: each waits (people ahead + ½) × 5 min, the advice's service time.
    tickets = waiting(db, count=6, before_min=20)
    start, told = threading.Barrier(2), []

    def look():
        start.wait()
        told.append(notify_near(db, "demo", NOW))

    threads = [threading.Thread(target=look) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    messages, events = near_rows(db)
    assert sum(told) == 4 and sorted(m.ticket_id for m in messages) == tickets[:4]  # 2, 8, 12, 18 min
    assert sorted(e.ticket_id for e in events) == tickets[:4]
    fourth = json.loads(next(e.data for e in events if e.ticket_id == tickets[3]))
    assert (fourth["wait_min"], fourth["ahead"]) == (18, 3)
    assert json.loads(next(m.params for m in messages if m.ticket_id == tickets[3]))["ahead"] == 3

    assert notify_near(db, "demo", NOW) == 0  # nothing changed: no one is told again
    with db.write() as session:  # the first leaves the queue: the fifth is 18 minutes away now
        session.get(Ticket, tickets[0]).status = "cancelled"
    assert notify_near(db, "demo", NOW) == 1
    messages, events = near_rows(db)
    assert len(messages) == len(events) == 5 and tickets[5] not in {m.ticket_id for m in messages}


def test_the_messenger_tells_and_sends_after_a_commit_without_being_asked(db, tmp_path):
    with FakeHttpGateway() as gateway:
        messenger = Messenger(db, settings(tmp_path, sms_gateway=gateway.url, message_poll_s=30))
        db.after_commit.append(messenger.on_commit)

        async def main():
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(messenger.run)
                await anyio.sleep(0.2)
                await anyio.to_thread.run_sync(lambda: waiting(db, lang="en", now=datetime.now(timezone.utc)))
                with anyio.fail_after(10):
                    while not gateway.requests:
                        await anyio.sleep(0.05)
                tasks.cancel_scope.cancel()

        anyio.run(main)
        db.after_commit.remove(messenger.on_commit)
    request, = gateway.requests
    assert "minutes to your turn" in request["body"]["text"] or "very near" in request["body"]["text"]


def _ticket(db) -> None:
    with db.write() as session:
        queue.issue_ticket(session, "demo", "advice", "fi", printed=False)


def test_a_rush_of_tickets_is_one_look_for_messages_not_one_each(db, tmp_path, monkeypatch):
    # Every ticket's commit wakes the sender; it looked for due messages at each wake, a read per
    # ticket that was a tenth of the server's time in a rush (docs/PERFORMANCE.md).
    looks = []
    monkeypatch.setattr(Messenger, "_any_due", lambda self, now: looks.append(now) or False)
    messenger = Messenger(db, settings(tmp_path, message_poll_s=30))
    db.after_commit.append(messenger.on_commit)

    async def main():
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(messenger.run)
            await anyio.sleep(0.2)
            first, began = len(looks), time.monotonic()
            await anyio.to_thread.run_sync(lambda: [_ticket(db) for _ in range(40)])  # 40 commits
            took = time.monotonic() - began
            await anyio.sleep(0.3)
            tasks.cancel_scope.cancel()
        return len(looks) - first, took

    try:
        looked, took = anyio.run(main)
    finally:
        db.after_commit.remove(messenger.on_commit)
    assert 1 <= looked <= min(20, took / WAKE_DEBOUNCE_S + 3), (looked, took)


def test_while_running_the_messenger_keeps_one_bind_to_the_smsc_and_unbinds_at_the_end(db, tmp_path):
    with FakeSmsc() as smsc:
        messenger = Messenger(db, settings(tmp_path, sms_gateway=smsc.url, message_poll_s=0.05))

        async def main():
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(messenger.run)
                for round_ in range(3):  # three rounds of sending, each with its own messages
                    await anyio.to_thread.run_sync(lambda: queued(db, "called", count=2, now=datetime.now(timezone.utc)))
                    with anyio.fail_after(10):
                        while len(smsc.submits) < 2 * (round_ + 1):
                            await anyio.sleep(0.02)
                tasks.cancel_scope.cancel()

        anyio.run(main)
        assert len(smsc.messages()) == 6
        assert len(smsc.binds) == 1 and smsc.unbinds == 1


# --- retention ------------------------------------------------------------------------------------------

def test_retention_erases_old_messages_and_the_contacts_of_ended_visits(db):
    yesterday, today = waiting(db, now=NOW - timedelta(days=1))[0], waiting(db, count=2)
    old, recent = queued(db, now=NOW - timedelta(days=31))[0], queued(db, now=NOW - timedelta(days=1))[0]
    with db.write() as session:
        session.get(Ticket, yesterday).status = "finished"
        session.get(Ticket, today[0]).status = "finished"
        session.execute(sa.update(Message).values(state="sent"))
    assert housekeeping.forget_messages(db, 30, NOW) == {"messages": 1, "contacts": 1}
    assert (message(db, old).address, message(db, old).params) == ("", "{}")
    assert message(db, recent).address == PHONE
    with db.read() as session:
        assert session.get(TicketContact, yesterday) is None and not session.get(Ticket, yesterday).notify
        assert session.get(TicketContact, today[0]) is not None  # ended today: kept until tomorrow
        assert session.get(TicketContact, today[1]) is not None

