"""Mail through SMTP: a booking's confirmation right after booking and its reminder before the visit,
and a service request's follow-ups and resolution sent by email (server/requests.py).

Mail is sent by a loop of its own (``Mailer.run``), never inside a page request: a slow or broken
mail server does not slow the booking down, and mail that could not be sent is tried again on the
next round. Each message is claimed in the database before it is sent (``*_sent_at`` set where it
was empty), so with several workers each mail goes once; a failed send gives the claim back.

Texts are plain text in the booking's (or the customer's) own language, times in the site's time
zone; the confirmation carries the booking as an .ics calendar file.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import anyio
import sqlalchemy as sa
from sqlmodel import Session

from server import i18n
from server.db import Database
from server.models import Appointment, Customer, Service, ServiceRequest, ServiceRequestAction, Site, utcnow

log = logging.getLogger("luukku.mail")

WAKE_EVENTS = {"appointment.booked", "appointment.moved", "appointment.cancelled", "request.contacted",
               "request.closed"}
GIVE_UP_AFTER = timedelta(days=2)  # a confirmation still unsent this long after booking is not sent
# Plain text: nothing in a mail is HTML-escaped.
TEXTS = i18n.template_environment([Path(__file__).parent / "mail_texts"], autoescape=False)


def _render(name: str, lang: str, **context) -> tuple[str, str]:
    """The subject (the text's first paragraph) and the body of the mail text ``name``."""
    subject, _, body = TEXTS.get_template(name).render(lang=lang, **context).strip().partition("\n\n")
    return subject.strip(), body.strip() + "\n"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    security: str = "starttls"  # "starttls", "tls" (port 465) or "none" (a relay on the LAN)

    @classmethod
    def of(cls, settings) -> "SmtpServer | None":
        if not settings.smtp_host:
            return None
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_username,
                   settings.smtp_password, settings.smtp_security)


def compose(kind: str, site: Site, service: Service, appointment: Appointment, sender: str, link: str,
            ics: bytes | None = None, early_min: int = 30) -> EmailMessage:
    """``kind``: "confirmation" or "reminder"; the text is ``server/mail_texts/{kind}.txt``."""
    lang = appointment.lang if appointment.lang in i18n.LANGUAGES else "fi"
    when = i18n.local_time(appointment.starts_at, site.timezone, lang, with_date=True)
    context = {"site": site, "service": service, "appointment": appointment, "when": when, "link": link,
               "early_min": early_min}
    subject, body = _render(f"{kind}.txt", lang, **context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = appointment.email
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "luukku")
    message.set_content(body)
    if ics is not None:
        message.add_attachment(ics, maintype="text", subtype="calendar", filename="ajanvaraus.ics",
                               params={"method": "PUBLISH"})
    return message


def compose_request(site: Site, request: ServiceRequest, action: ServiceRequestAction, customer: Customer,
                    sender: str) -> EmailMessage:
    """A service request's follow-up or resolution (``action``), in the customer's language."""
    lang = customer.lang if customer.lang in i18n.LANGUAGES else "fi"
    context = {"site": site, "request": request, "action": action, "customer": customer}
    subject, body = _render("request.txt", lang, **context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = customer.email
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "luukku")
    message.set_content(body)
    return message


async def send(server: SmtpServer, message: EmailMessage) -> None:
    import aiosmtplib  # noqa: PLC0415 (loaded with the first mail, not at every worker's start)

    await aiosmtplib.send(
        message, hostname=server.host, port=server.port, username=server.username or None,
        password=server.password or None, use_tls=server.security == "tls",
        start_tls=True if server.security == "starttls" else False, timeout=30,
    )


def _claim(session: Session, appointment_id: int, column: str, now: datetime) -> bool:
    done = session.execute(
        sa.update(Appointment)
        .where(Appointment.id == appointment_id, getattr(Appointment, column).is_(None))
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def _unclaim(session: Session, appointment_id: int, column: str) -> None:
    session.execute(sa.update(Appointment).where(Appointment.id == appointment_id).values({column: None})
                    .execution_options(synchronize_session=False))


def _claim_action(session: Session, action_id: int, now: datetime) -> bool:
    done = session.execute(
        sa.update(ServiceRequestAction)
        .where(ServiceRequestAction.id == action_id, ServiceRequestAction.mail_sent_at.is_(None))
        .values(mail_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def _unclaim_action(session: Session, action_id: int) -> None:
    session.execute(sa.update(ServiceRequestAction).where(ServiceRequestAction.id == action_id)
                    .values(mail_sent_at=None).execution_options(synchronize_session=False))


def _due_requests(session: Session, now: datetime) -> list[tuple[str, int]]:
    """("request", action id) of the service requests' follow-ups and resolutions to mail; one the
    customer can no longer be mailed (erased, no address) waits unsent."""
    actions = session.execute(
        sa.select(ServiceRequestAction.id)
        .join(ServiceRequest, ServiceRequest.id == ServiceRequestAction.request_id)
        .join(Customer, Customer.id == ServiceRequest.customer_id)
        .where(ServiceRequestAction.kind.in_(("contacted", "closed")), ServiceRequestAction.channel == "email",
               ServiceRequestAction.mail_sent_at.is_(None), ServiceRequestAction.at > now - GIVE_UP_AFTER,
               Customer.email != "")
        .order_by(ServiceRequestAction.id)
    ).scalars()
    return [("request", id_) for id_ in actions]


def _due(session: Session, now: datetime, remind_before: timedelta) -> list[tuple[str, int]]:
    """(kind, appointment id) of the mail to send now."""
    with_email = (Appointment.status == "booked", Appointment.email != "", Appointment.starts_at > now)
    confirmations = session.execute(
        sa.select(Appointment.id).where(*with_email, Appointment.confirmation_sent_at.is_(None),
                                        Appointment.booked_at > now - GIVE_UP_AFTER)
    ).scalars()
    due = [("confirmation", id_) for id_ in confirmations]
    reminders = session.execute(
        sa.select(Appointment.id, Appointment.booked_at, Appointment.starts_at)
        .where(*with_email, Appointment.reminder_sent_at.is_(None), Appointment.starts_at <= now + remind_before)
    )
    # Booked within the reminder window: the confirmation is reminder enough.
    return due + [("reminder", id_) for id_, booked_at, starts_at in reminders
                  if booked_at < starts_at - remind_before]


class Mailer:
    """Sends the mail that is due, every ``poll_s`` and at once after a booking or a service request's
    follow-up."""

    def __init__(self, db: Database, server: SmtpServer | None, link: Callable[[str], str],
                 ics: Callable[[Session, Appointment], bytes], remind_before: timedelta, poll_s: float = 60,
                 early_min: int = 30):
        self.db = db
        self.server = server
        self.link = link  # public id -> the booking's signed address
        self.ics = ics
        self.remind_before = remind_before
        self.poll_s = poll_s
        self.early_min = early_min  # what the confirmation says about checking in
        self._wake = anyio.Event()
        self._call_soon = None

    def on_commit(self, events: list[dict]) -> None:
        """A ``Database.after_commit`` hook (any thread): a new booking is mailed at once."""
        if self._call_soon is not None and any(e["type"] in WAKE_EVENTS for e in events):
            self._call_soon(self._wake.set)

    async def run(self) -> None:
        if self.server is None:
            return  # no SMTP server configured: no mail
        self._call_soon = asyncio.get_running_loop().call_soon_threadsafe
        while True:
            try:
                await self.send_due()
            except Exception:  # the database or the mail server may be down; the next round tries again
                log.exception("mail")
            with anyio.move_on_after(self.poll_s):
                await self._wake.wait()
            self._wake = anyio.Event()

    async def send_due(self, now: datetime | None = None) -> int:
        """Sends what is due; returns how many were sent."""
        now = now or utcnow()
        due = await anyio.to_thread.run_sync(self._read_due, now)
        sent = 0
        for kind, id_ in due:
            message = await anyio.to_thread.run_sync(self._claim_and_compose, kind, id_, now)
            if message is None:
                continue  # another worker has it
            import aiosmtplib  # noqa: PLC0415 (as send does: loaded with the first mail)

            try:
                await send(self.server, message)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                what = f"service request action {id_}" if kind == "request" else f"the {kind} of booking {id_}"
                log.warning("could not send %s: %s", what, exc)
                await anyio.to_thread.run_sync(self._give_back, kind, id_)
                continue
            sent += 1
        return sent

    def _read_due(self, now: datetime) -> list[tuple[str, int]]:
        with self.db.read() as session:
            return _due(session, now, self.remind_before) + _due_requests(session, now)

    def _claim_and_compose(self, kind: str, appointment_id: int, now: datetime) -> EmailMessage | None:
        if kind == "request":
            return self._claim_and_compose_request(appointment_id, now)
        with self.db.write() as session:
            if not _claim(session, appointment_id, f"{kind}_sent_at", now):
                return None
            appointment = session.get(Appointment, appointment_id)
            site, service = session.get(Site, appointment.site_id), session.get(Service, appointment.service_id)
            ics = self.ics(session, appointment) if kind == "confirmation" else None
            return compose(kind, site, service, appointment, self.server.sender, self.link(appointment.public_id), ics,
                           self.early_min)

    def _claim_and_compose_request(self, action_id: int, now: datetime) -> EmailMessage | None:
        with self.db.write() as session:
            if not _claim_action(session, action_id, now):
                return None
            action = session.get(ServiceRequestAction, action_id)
            request = session.get(ServiceRequest, action.request_id)
            customer = session.get(Customer, request.customer_id)
            return compose_request(session.get(Site, request.site_id), request, action, customer, self.server.sender)

    def _give_back(self, kind: str, id_: int) -> None:
        with self.db.write() as session:
            if kind == "request":
                _unclaim_action(session, id_)
            else:
                _unclaim(session, id_, f"{kind}_sent_at")
