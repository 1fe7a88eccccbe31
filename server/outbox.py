"""The outbox: messages to citizens, written as rows in the transaction of the event that causes them.

A row says who (channel and address), what (``kind`` and the figures in ``params``) and in which
language; server/messenger.py renders the text and sends it later, with retries, exactly once. No
I/O here: everything runs inside the caller's transaction.
"""

import json
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from server import i18n, sms
from server.errors import DomainError
from server.models import Appointment, Message, Service, Site, Ticket, TicketContact, utcnow

# What a ticket's events tell its holder, by event type (server/events.py calls ``on_ticket_event``).
TICKET_MESSAGES = {
    "ticket.called": "called",
    "ticket.recalled": "called",
    "ticket.transferred": "transferred",
    "ticket.finished": "closed",
    "ticket.no_show": "closed",
    "ticket.unserved": "closed",
    "ticket.cancelled": "closed",
}


def add(session: Session, site: Site, channel: str, address: str, kind: str, lang: str, params: dict,
        now: datetime | None = None, ticket_id: int | None = None, appointment_id: int | None = None) -> Message:
    now = now or utcnow()
    message = Message(id=secrets.token_hex(16), site_id=site.id, ticket_id=ticket_id,
                      appointment_id=appointment_id, channel=channel, address=address, kind=kind, lang=lang,
                      params=json.dumps(params, ensure_ascii=False), next_attempt_at=now, created_at=now,
                      updated_at=now)
    session.add(message)
    return message


def ticket_params(site: Site, service: Service, ticket: Ticket, lang: str) -> dict:
    """What every message about a ticket may say: its number, service and site, and its page (the
    sender makes the address of ``ticket``, the public id, with the server's public URL)."""
    return {"number": ticket.number, "service": service.name(lang), "site": site.name_in(lang),
            "ticket": ticket.public_id}


def to_ticket(session: Session, site: Site, ticket: Ticket, kind: str, params: dict,
              now: datetime | None = None) -> Message | None:
    """A message to the holder of ``ticket`` by the way they chose, if they chose one."""
    contact = session.get(TicketContact, ticket.id) if ticket.notify else None
    if contact is None:
        return None
    service = session.get(Service, ticket.service_id)
    return add(session, site, contact.channel, contact.address, kind, contact.lang,
               {**ticket_params(site, service, ticket, contact.lang), **params}, now, ticket_id=ticket.id)


def on_ticket_event(session: Session, site: Site, event: dict, ticket: Ticket) -> Message | None:
    """The message an event of a ticket whose holder asked to be told causes, in its transaction."""
    kind = TICKET_MESSAGES.get(event["type"])
    if kind is None or not ticket.notify:
        return None
    params = {"status": ticket.status}
    if kind == "called" and "counter" in event:
        params["counter"] = event["counter"]["number"]
    return to_ticket(session, site, ticket, kind, params, datetime.fromisoformat(event["at"]))



def ask_feedback(session: Session, site: Site, ticket: Ticket, now: datetime) -> Message | None:
    """The one message with the feedback link (issue 21), when a visit whose holder agreed to it ends;
    in the transaction of its end event, never twice."""
    from server import feedback  # noqa: PLC0415 (feedback imports this module lazily too)

    if ticket.status not in feedback.MESSAGE_ENDS:
        return None
    to = feedback.message_to(session, ticket)
    if to is None or feedback.already_asked(session, ticket):
        return None
    channel, address, lang = to
    service = session.get(Service, ticket.service_id)
    return add(session, site, channel, address, "feedback", lang, ticket_params(site, service, ticket, lang), now,
               ticket_id=ticket.id)

# --- appointments by text message -------------------------------------------------------------------


def sms_address(appointment: Appointment) -> str | None:
    """A booking with a phone number and no email is told by text message (one with an email is
    mailed, server/mail.py); None if the number is not a mobile one."""
    if appointment.email or not appointment.phone:
        return None
    try:
        return sms.normal_phone(appointment.phone)
    except DomainError:
        return None


def appointment_params(site: Site, service: Service, appointment: Appointment) -> dict:
    lang = appointment.lang if appointment.lang in i18n.LANGUAGES else "fi"
    return {"service": service.name(lang), "site": site.name_in(lang), "code": appointment.code,
            "when": i18n.local_time(appointment.starts_at, site.timezone, lang, with_date=True),
            "appointment": appointment.public_id}


def to_appointment(session: Session, appointment: Appointment, kind: str, now: datetime) -> Message | None:
    """The booking's confirmation or reminder by SMS, if it is told by SMS; marks it told."""
    address = sms_address(appointment)
    if address is None:
        return None
    site, service = session.get(Site, appointment.site_id), session.get(Service, appointment.service_id)
    setattr(appointment, f"{kind}_sent_at", now)
    session.add(appointment)
    return add(session, site, "sms", address, kind, appointment.lang, appointment_params(site, service, appointment),
               now, appointment_id=appointment.id)


def appointment_reminders(session: Session, now: datetime, remind_before: timedelta) -> int:
    """Reminders due now for bookings told by SMS (booked within the window: the confirmation is
    reminder enough). Each is claimed (``reminder_sent_at``) in this transaction, with its message."""
    due = list(session.exec(
        select(Appointment).where(Appointment.status == "booked", Appointment.email == "", Appointment.phone != "",
                                  Appointment.reminder_sent_at.is_(None), Appointment.starts_at > now,
                                  Appointment.starts_at <= now + remind_before)
        .with_for_update(skip_locked=True)))
    told = 0
    for appointment in due:
        if appointment.booked_at is not None and appointment.booked_at >= appointment.starts_at - remind_before:
            continue
        told += to_appointment(session, appointment, "reminder", now) is not None
    return told
