"""The messenger (issue 19): sends the outbox's messages to citizens by SMS, web push and email, and
tells a waiting visitor when their turn is near.

Messages are rows (``Message``) written by server/outbox.py in the transaction of the event that
causes them; the messenger renders their text (server/message_texts.py) and sends them, the print
queue's way (printers/jobs.py):

    queued --claim--> sending --the gateway took it--> sent
      ^                  |--failed, may work later--> queued again after 2, 4, 8 … s (at most 300 s)
      |                  '--failed for good, or the last attempt (LUUKKU_MESSAGE_MAX_ATTEMPTS)--> failed
      '-- a row left ``sending`` for SENDING_STALE_S by a worker that died is claimed again

**Exactly once.** A claim is its own write transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
SQLite's one writer) that marks the rows ``sending``: two workers never claim one row, and only the
claim that is still current (state and attempt number unchanged) records the outcome. A worker that
dies between the gateway taking a message and the outcome's commit leaves the row ``sending``; after
SENDING_STALE_S another worker sends it again with the same reference, the row's id. No send lasts
that long (SEND_TIMEOUT_S), so a live worker's row is never taken over. The HTTP gateway drops a
reference it has seen, so by HTTP each message arrives once. Email carries the id in its Message-ID,
which mail systems use to drop duplicates. SMPP cannot promise it: submit_sm has no idempotency key
(``user_message_reference`` is the client's label, not a check, and SMSCs accept it twice), so in that
one window, a crash after the SMSC's submit_sm_resp and before our commit, a visitor may get an SMS
twice; never none. A timeout (the SMSC or gateway did not answer) is the same case: retried.

**Your turn is near.** ``notify_near`` compares each waiting ticket's estimated wait (server/estimate.py,
one replay per site) with the minutes its holder asked for, and for those within it writes, in one
transaction per ticket, the claim (``near_sent_at``), a ``ticket.near`` event and the message. The
claim makes it race-proof: two workers never tell one ticket twice. It runs after each commit that
changed a site's queue (at most every NEAR_DEBOUNCE_S, a burst taken as one) and every NEAR_EVERY_S.
"""

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import anyio
import anyio.to_thread
import sqlalchemy as sa
from sqlmodel import Session, select

from server import booking, mail, message_texts, outbox, push, queue, sms
from server.db import Database
from server.estimate import QueueNow, estimate_wait_min
from server.events import record_event
from server.models import Message, Service, Site, Ticket, TicketContact, utcnow

log = logging.getLogger("luukku.messenger")

PARALLEL = 20  # messages claimed at once, and sent at once (the push service, HTTP gateway, SMTP)
SMPP_PARALLEL = 4  # SMPP: a connection (and bind) for each message; operators allow few binds at once
SEND_TIMEOUT_S = 60  # one send, connecting included; well within SENDING_STALE_S
SENDING_STALE_S = 120  # a row ``sending`` this long belongs to a worker that died
MAX_BACKOFF_S = 300
NEAR_DEBOUNCE_S = 0.5  # a burst of events (a counter calling, tickets issued) is one look at the queue
# A burst of commits that may have written messages is one look for them: in a rush of tickets, a
# read per ticket was a tenth of the server's time (docs/PERFORMANCE.md).
WAKE_DEBOUNCE_S = 0.1
NEAR_EVERY_S = 60  # and a look at every site with someone to tell, whatever the events
PUSH_TTL_S = {"called": 600, "near": 1800}  # what is not news by then is not kept for an offline phone
ENDED = ("finished", "no_show", "unserved", "cancelled")


class NotSent(Exception):
    """A message that did not go: ``retry`` whether it may go later; ``gone`` the push subscription
    no longer exists."""

    def __init__(self, error: str, retry: bool, gone: bool = False, retry_after_s: float | None = None):
        super().__init__(error)
        self.retry = retry
        self.gone = gone
        self.retry_after_s = retry_after_s


@dataclass
class Outcome:
    id: str
    attempts: int  # of the claim: only the claim still current records its outcome
    error: str | None = None
    retry: bool = False
    gone: bool = False
    retry_after_s: float | None = None
    gateway_id: str | None = None


def backoff_s(attempts: int) -> int:
    """Seconds before the next attempt after ``attempts`` failed ones: 2, 4, 8 … at most 300."""
    return min(MAX_BACKOFF_S, 2 ** max(1, attempts))


def ticket_link(public_url: str, public_id: str) -> str:
    return f"{public_url.rstrip('/')}/t/{public_id}"


def booking_link(settings, public_id: str) -> str:
    """A booking's own page, by its signed link (as in its confirmation mail)."""
    return f"{settings.public_url.rstrip('/')}/a/{booking.manage_token(settings.secret_key, public_id)}"


# --- the outbox's rows: claim and outcome ------------------------------------------------------------

def claim_due(session: Session, now: datetime, limit: int = PARALLEL) -> list[Message]:
    """The oldest due messages, now ``sending`` (attempts counted); rows left ``sending`` by a worker
    that died first. SKIP LOCKED: workers claiming at once take different rows and never wait."""
    stale = list(session.exec(
        select(Message).where(Message.state == "sending",
                              Message.updated_at < now - timedelta(seconds=SENDING_STALE_S))
        .order_by(Message.created_at, Message.id).limit(limit).with_for_update(skip_locked=True)
    ))
    due = stale
    if len(due) < limit:
        due += session.exec(
            select(Message).where(Message.state == "queued", Message.next_attempt_at <= now)
            .order_by(Message.created_at, Message.id).limit(limit - len(due)).with_for_update(skip_locked=True)
        )
    if not due:
        return []
    # "Near" is no news once the ticket has been called (or the visit ended) meanwhile.
    near = {m.ticket_id for m in due if m.kind == "near" and m.ticket_id is not None}
    moved_on = dict(session.execute(
        sa.select(Ticket.id, Ticket.status).where(Ticket.id.in_(near), Ticket.status != "waiting")
    ).all()) if near else {}
    claimed = []
    for message in due:
        message.attempts += 1
        message.updated_at = now
        if message.ticket_id in moved_on and message.kind == "near":
            message.state = "failed"
            message.error = f"Not sent: the ticket was no longer waiting ({moved_on[message.ticket_id]})."
        else:
            message.state = "sending"
            claimed.append(message)
        session.add(message)
    return claimed


def any_due(session: Session, now: datetime) -> bool:
    due = sa.or_(sa.and_(Message.state == "queued", Message.next_attempt_at <= now),
                 sa.and_(Message.state == "sending", Message.updated_at < now - timedelta(seconds=SENDING_STALE_S)))
    return session.execute(sa.select(Message.id).where(due).limit(1)).first() is not None


def record_outcome(session: Session, outcome: Outcome, now: datetime, max_attempts: int) -> str | None:
    """The message's new state, or None if the claim is no longer current (another worker took it
    over after this one was taken for dead)."""
    current = (Message.id == outcome.id, Message.state == "sending", Message.attempts == outcome.attempts)
    if outcome.error is None:
        values = {"state": "sent", "sent_at": now, "gateway_id": (outcome.gateway_id or "")[:100] or None,
                  "error": None}
    elif outcome.retry and outcome.attempts < max_attempts:
        wait = max(backoff_s(outcome.attempts), min(outcome.retry_after_s or 0, MAX_BACKOFF_S))
        values = {"state": "queued", "next_attempt_at": now + timedelta(seconds=wait), "error": outcome.error[:500]}
    else:
        values = {"state": "failed", "error": outcome.error[:500]}
    done = session.execute(sa.update(Message).where(*current).values(updated_at=now, **values)
                           .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return None
    if outcome.gone:
        forget_subscription(session, outcome.id)
    return values["state"]


def forget_subscription(session: Session, message_id: str) -> None:
    """The push subscription is gone: its ticket's contact goes too (if the visitor has not
    subscribed again meanwhile), so that no more messages are written for it."""
    message = session.get(Message, message_id)
    if message is not None and message.ticket_id is not None:
        gone = session.execute(sa.delete(TicketContact).where(TicketContact.ticket_id == message.ticket_id,
                                                              TicketContact.channel == "push",
                                                              TicketContact.address == message.address))
        if gone.rowcount:  # a ticket is told only while it has a contact (housekeeping relies on it)
            session.execute(sa.update(Ticket).where(Ticket.id == message.ticket_id).values(notify=False)
                            .execution_options(synchronize_session=False))


# --- "your turn is near" -------------------------------------------------------------------------------

def notify_near(db: Database, slug: str, now: datetime | None = None) -> int:
    """Tells the site's waiting visitors whose estimated wait is now within the minutes they asked
    for; returns how many were told (a ``ticket.near`` event and a "near" message each)."""
    now = now or utcnow()
    with db.read() as session:
        site = queue.get_site(session, slug)
        day = queue.local_day(site, now)
        asked = session.execute(
            sa.select(Ticket.id, TicketContact.notify_before_min)
            .join(TicketContact, TicketContact.ticket_id == Ticket.id)
            .where(Ticket.site_id == site.id, Ticket.service_day == day, Ticket.status == "waiting", Ticket.notify,
                   TicketContact.near_sent_at.is_(None))).all()
        if not asked:
            return 0
        state = QueueNow(session, site, now, day)  # one replay for every ticket of the site
        waits, places = state.waits(), queue.places(session, site, day)
        near = []
        for ticket_id, before_min in asked:
            wait = waits.get(ticket_id)
            if wait is None:  # sent to a particular counter or clerk: reckoned alone
                wait = estimate_wait_min(session, site, session.get(Ticket, ticket_id), now, state)
            if wait <= before_min:
                near.append((ticket_id, wait, places.get(ticket_id, 0)))
    told = 0
    for ticket_id, wait, ahead in near:
        # One short transaction a ticket: it holds the site's event row lock, which counters need too.
        with db.write() as session:
            told += tell_near(session, site.id, ticket_id, wait, ahead, now)
    return told


def tell_near(session: Session, site_id: int, ticket_id: int, wait_min: int, ahead: int, now: datetime) -> bool:
    """Claims the ticket's "near" (once ever) and writes its event and message; False if it was
    told already (another worker) or is no longer waiting."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.status != "waiting" or not ticket.notify:
        return False
    claimed = session.execute(
        sa.update(TicketContact).where(TicketContact.ticket_id == ticket_id, TicketContact.near_sent_at.is_(None))
        .values(near_sent_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return False
    site, service = session.get(Site, site_id), session.get(Service, ticket.service_id)
    record_event(session, site, "ticket.near", ticket=ticket, service=service, at=now, wait_min=wait_min,
                 ahead=ahead)
    outbox.to_ticket(session, site, ticket, "near", {"wait_min": wait_min, "ahead": ahead}, now)
    return True


def sites_to_tell(session: Session, now: datetime) -> list[str]:
    """Slugs of the sites with a waiting visitor who asked to be told and has not been."""
    return list(session.execute(
        sa.select(Site.slug).where(sa.exists().where(
            Ticket.site_id == Site.id, Ticket.status == "waiting", Ticket.notify,
            TicketContact.ticket_id == Ticket.id, TicketContact.near_sent_at.is_(None)))).scalars())


# --- the worker ------------------------------------------------------------------------------------------

class Messenger:
    """Sends the outbox (``run``), woken by the commits that write messages (``on_commit``)."""

    def __init__(self, db: Database, settings):
        self.db = db
        self.settings = settings
        self.poll_s = settings.message_poll_s
        self.max_attempts = settings.message_max_attempts
        self.smtp = mail.SmtpServer.of(settings)
        self._sms_gateway = None
        self._http = None  # while running: one HTTP client for the SMS gateway, its connections kept
        self._smpp: sms.SmppSender | None = None  # while running: one bound SMPP connection
        self._vapid: push.VapidKeys | None = None
        self._limiter: anyio.CapacityLimiter | None = None
        self._smpp_limiter: anyio.CapacityLimiter | None = None
        self._wake = anyio.Event()
        self._near_wake = anyio.Event()
        self._near_sites: set[str] = set()
        self._call_soon = None

    # Waking

    def on_commit(self, events: list[dict]) -> None:
        """A ``Database.after_commit`` hook (any thread): a commit that may have written a message wakes
        the sender; one that changed a site's queue has its visitors' waits looked at."""
        call_soon = self._call_soon
        if call_soon is None:
            return
        types = [(e["type"], e.get("site")) for e in events]
        sites = {site for type_, site in types if type_.startswith(("ticket.", "counter."))
                 and type_ != "ticket.near" and site}  # its own event changes no one's wait
        if sites or any(type_.startswith(("ticket.", "counter.", "message.")) for type_, _ in types):
            try:
                call_soon(self._woken, sites)
            except RuntimeError:  # the loop has closed (the app is stopping)
                pass

    def _woken(self, sites: set[str]) -> None:
        self._wake.set()
        if sites:
            self._near_sites |= sites
            self._near_wake.set()

    async def run(self) -> None:
        self._call_soon = asyncio.get_running_loop().call_soon_threadsafe
        # While running, an SMSC gets one bound connection, kept from one message to the next (an
        # operator allows few binds, and a bind costs round trips): sms.SmppSender reconnects itself.
        self._smpp = sms.SmppSender(self._gateway()) if self._is_smpp() else None
        try:
            # The HTTP client (and httpx, 12 MB with what it loads) only for an HTTP gateway.
            http = sms.http_client() if self._is_http() else contextlib.nullcontext()
            async with http as self._http, anyio.create_task_group() as tasks:
                tasks.start_soon(self._tell_near)
                while True:
                    self._wake = anyio.Event()  # before sending: a wake while sending is kept
                    try:
                        await self.send_due()
                    except Exception:  # the database may be restarting; the next round tries again
                        log.exception("messages")
                    with anyio.move_on_after(self.poll_s):
                        await self._wake.wait()
                        await anyio.sleep(WAKE_DEBOUNCE_S)
        finally:
            self._call_soon = None
            self._http = None
            if self._smpp is not None:
                smpp, self._smpp = self._smpp, None
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(smpp.close)  # unbinds

    async def _tell_near(self) -> None:
        swept = -NEAR_EVERY_S
        while True:
            with anyio.move_on_after(NEAR_EVERY_S):
                await self._near_wake.wait()
            self._near_wake = anyio.Event()
            sites, self._near_sites = self._near_sites, set()
            try:
                if time.monotonic() - swept >= NEAR_EVERY_S:
                    sites |= set(await anyio.to_thread.run_sync(self._sites_to_tell))
                    swept = time.monotonic()
                told = 0
                for slug in sorted(sites):
                    told += await anyio.to_thread.run_sync(notify_near, self.db, slug)
                if told:
                    self._wake.set()
            except Exception:
                log.exception("your turn is near")
            await anyio.sleep(NEAR_DEBOUNCE_S)  # the events meanwhile are looked at together

    def _sites_to_tell(self) -> list[str]:
        with self.db.read() as session:
            return sites_to_tell(session, utcnow())

    # Sending

    async def send_due(self, now: datetime | None = None) -> int:
        """Sends what is due, PARALLEL at a time, until nothing is (or nothing goes); returns how
        many were sent. ``now``: the clock, for tests."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(PARALLEL)
            self._smpp_limiter = anyio.CapacityLimiter(SMPP_PARALLEL)
        sent = 0
        if not await anyio.to_thread.run_sync(self._any_due, now or utcnow()):
            return 0  # a read, not a write transaction, every poll_s while there is nothing to send
        while True:
            claimed = await anyio.to_thread.run_sync(self._claim, now or utcnow())
            if not claimed:
                return sent
            outcomes: list[Outcome] = []
            async with anyio.create_task_group() as tasks:
                for message in claimed:
                    tasks.start_soon(self._send_one, message, outcomes)
            states = await anyio.to_thread.run_sync(self._record, outcomes, now or utcnow())
            went = states.count("sent")
            sent += went
            if len(claimed) < PARALLEL or not went:
                return sent  # all done; or nothing goes now (a gateway down): the next round

    def _any_due(self, now: datetime) -> bool:
        with self.db.read() as session:
            return any_due(session, now)

    def _claim(self, now: datetime) -> list[Message]:
        with self.db.write() as session:
            return claim_due(session, now)

    def _record(self, outcomes: list[Outcome], now: datetime) -> list[str | None]:
        with self.db.write() as session:
            states = [record_outcome(session, outcome, now, self.max_attempts) for outcome in outcomes]
        for outcome, state in zip(outcomes, states):
            if state == "failed":
                log.warning("message %s not sent: %s", outcome.id, outcome.error)
            elif state is None:
                log.warning("message %s: another worker took it over meanwhile", outcome.id)
        return states

    async def _send_one(self, message: Message, outcomes: list[Outcome]) -> None:
        outcome = Outcome(message.id, message.attempts)
        limiter = self._smpp_limiter if message.channel == "sms" and self._is_smpp() else self._limiter
        try:
            async with limiter:
                with anyio.fail_after(SEND_TIMEOUT_S):
                    outcome.gateway_id = await self.send(message)
        except NotSent as exc:
            outcome.error, outcome.retry, outcome.gone = str(exc), exc.retry, exc.gone
            outcome.retry_after_s = exc.retry_after_s
        except TimeoutError:
            outcome.error, outcome.retry = f"no answer in {SEND_TIMEOUT_S} s", True
        except (ValueError, KeyError, TypeError) as exc:  # a message that cannot be made: it never will be
            outcome.error, outcome.retry = f"cannot be sent: {exc!r}", False
        except Exception as exc:  # unforeseen: retried, and logged for whoever looks into it
            log.exception("message %s", message.id)
            outcome.error, outcome.retry = f"{exc.__class__.__name__}: {exc}", True
        outcomes.append(outcome)

    async def send(self, message: Message) -> str | None:
        """Renders ``message`` and hands it to its channel's gateway; the gateway's id for it. Raises
        ``NotSent``."""
        if not message.address:
            raise NotSent("no address (erased)", retry=False)
        params = json.loads(message.params or "{}")
        link = (ticket_link(self.settings.public_url, params["ticket"]) if params.get("ticket")
                else booking_link(self.settings, params["appointment"]) if params.get("appointment")
                else params.get("link") or None)
        if message.kind == "feedback" and link:
            link += "/feedback"  # the ticket's feedback form (issue 21)
        if message.channel == "sms":
            return await self._send_sms(message, message_texts.render(message.kind, message.lang, params, link)[1])
        if message.channel == "email":
            return await self._send_email(message, *message_texts.render(message.kind, message.lang, params, link))
        if message.channel == "push":
            title, body = message_texts.render(message.kind, message.lang, params, None)
            payload = {"title": title, "body": body, "url": link or self.settings.public_url,
                       "tag": f"ticket-{params['ticket']}" if params.get("ticket") else f"message-{message.id}"}
            if message.kind == "called":
                payload["urgent"] = True
            return await self._send_push(message, payload)
        raise NotSent(f"unknown channel {message.channel!r}", retry=False)

    def _is_smpp(self) -> bool:
        return self.settings.sms_gateway.strip().startswith("smpp:")

    def _is_http(self) -> bool:
        return bool(self.settings.sms_gateway.strip()) and not self._is_smpp()

    def _gateway(self):
        if self._sms_gateway is None:
            self._sms_gateway = sms.Gateway.from_url(self.settings.sms_gateway, self.settings.sms_http_auth,
                                                     self.settings.sms_http_body)
        return self._sms_gateway

    async def _send_sms(self, message: Message, text: str) -> str:
        if not self.settings.sms_gateway:
            raise NotSent("SMS is not configured (LUUKKU_SMS_GATEWAY is empty)", retry=False)
        try:
            # The row's id is the reference: a message sent again after a crash is the same message
            # to the HTTP gateway, which drops it (see the module's docstring for SMPP).
            return await sms.send(self._smpp or self._gateway(), message.address, text, message.id, self._http)
        except sms.SendFailed as exc:
            raise NotSent(str(exc), exc.retry) from exc

    async def _send_email(self, message: Message, subject: str, body: str) -> str:
        if self.smtp is None:
            raise NotSent("email is not configured (LUUKKU_SMTP_HOST is empty)", retry=False)
        mail_message = EmailMessage()
        mail_message["Subject"] = subject
        mail_message["From"] = self.smtp.sender
        mail_message["To"] = message.address
        domain = self.smtp.sender.rpartition("@")[2].strip(">").strip() or "luukku"
        # The same Message-ID when sent again after a crash: mail systems drop the second.
        mail_message["Message-ID"] = message_id = f"<{message.id}@{domain}>"
        mail_message.set_content(body)
        import aiosmtplib  # noqa: PLC0415 (loaded with the first mail, not at every worker's start)

        try:
            await mail.send(self.smtp, mail_message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            permanent = all(refused.code >= 500 for refused in exc.recipients)
            raise NotSent(f"the mail server refused the address: {exc}", retry=not permanent) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise NotSent(f"the mail server answered {exc.code} {exc.message}", retry=exc.code < 500) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise NotSent(f"mail server {self.smtp.host}:{self.smtp.port}: {exc!r}", retry=True) from exc
        return message_id

    async def _send_push(self, message: Message, payload: dict) -> None:
        subscription = json.loads(message.address)
        if self._vapid is None:
            self._vapid = await anyio.to_thread.run_sync(push.VapidKeys.load_or_create, self.settings.vapid_key_file)
        try:
            await push.send(self._vapid, self.settings.vapid_subject, subscription, payload,
                            ttl_s=PUSH_TTL_S.get(message.kind, 3600))
        except push.SendFailed as exc:
            raise NotSent(str(exc), exc.retry, exc.gone, getattr(exc, "retry_after_s", None)) from exc
        return None
