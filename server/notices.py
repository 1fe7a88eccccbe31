"""A notice from staff to everyone of the day: the service point closes unexpectedly (a power cut, a
storm). Written as outbox messages (server/outbox.py) in one transaction with its audit row and a
staff event; sent by server/messenger.py like every other message."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from server import audit, hours, i18n, outbox
from server.errors import Invalid, N_
from server.events import record_event
from server.models import Appointment, Site, Ticket, TicketContact, utcnow

NOTICE_MAX = 300


def recipients(session: Session, site: Site, now: datetime) -> tuple[list, list]:
    """Who a notice reaches now: (ticket, its contact) of the day's open tickets whose holders asked
    to be told, and (booking, channel, address) of the bookings of the rest of the day."""
    today = hours.local_now(site, now).date()
    tickets = list(session.exec(
        select(Ticket, TicketContact).join(TicketContact, TicketContact.ticket_id == Ticket.id)
        .where(Ticket.site_id == site.id, Ticket.service_day == today, Ticket.notify,
               Ticket.status.in_(("waiting", "parked", "called")))
        .order_by(Ticket.id)))
    bookings = []
    for appointment in session.exec(
            select(Appointment).where(Appointment.site_id == site.id, Appointment.status == "booked",
                                      Appointment.starts_at > now, Appointment.starts_at < now + timedelta(days=1),
                                      sa.or_(Appointment.email != "", Appointment.phone != ""))
            .order_by(Appointment.id)):
        if hours.local_now(site, appointment.starts_at).date() != today:
            continue
        channel, address = (("email", appointment.email) if appointment.email
                            else ("sms", outbox.sms_address(appointment)))
        if address is not None:
            bookings.append((appointment, channel, address))
    return tickets, bookings


def tell_everyone(session: Session, site: Site, staff_user_id: int, texts: dict[str, str],
                  now: datetime | None = None) -> dict[str, int]:
    """Staff's notice ("closed today from 14.00 for a power cut") to everyone ``recipients`` names,
    each in their own language. ``texts`` by language; the Finnish one is required and stands in for
    a missing one. One audit row and one staff event; one message per person."""
    now = now or utcnow()
    texts = {lang: " ".join((texts.get(lang) or "").split()) for lang in i18n.LANGUAGES}
    if not texts["fi"]:
        raise Invalid(N_("Write the notice in Finnish at least."))
    if any(len(text) > NOTICE_MAX for text in texts.values()):
        raise Invalid(N_("A notice is at most %(max)d characters, to fit in a text message."), max=NOTICE_MAX)
    tickets, bookings = recipients(session, site, now)
    for ticket, contact in tickets:
        lang = contact.lang if contact.lang in i18n.LANGUAGES else "fi"
        outbox.add(session, site, contact.channel, contact.address, "closure", lang,
                   {"site": site.name_in(lang), "text": texts[lang] or texts["fi"], "ticket": ticket.public_id},
                   now, ticket_id=ticket.id)
    for appointment, channel, address in bookings:
        lang = appointment.lang if appointment.lang in i18n.LANGUAGES else "fi"
        outbox.add(session, site, channel, address, "closure", lang,
                   {"site": site.name_in(lang), "text": texts[lang] or texts["fi"]}, now, appointment_id=appointment.id)
    counts = {"tickets": len(tickets), "bookings": len(bookings)}
    audit.record(session, staff_user_id, "site.notice", target=f"site:{site.id}",
                 detail=f"{counts['tickets']} tickets, {counts['bookings']} bookings", at=now)
    record_event(session, site, "site.notice", at=now, staff_user_id=staff_user_id, audience="staff", **counts)
    return counts
