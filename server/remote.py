"""Waiting outside the hall: joining a queue from a phone, arriving, and acting on one's own ticket.

A **remote ticket** is an ordinary ticket with ``remote`` set: it waits its turn in its service's
queue, but call-next passes it over until its holder has **arrived** (``arrived_at``): "I'm here"
on the status page with the site's code of the day (the entrance QR), or a check-in at the kiosk
with the ticket's own ``arrival_code``. At the front of its queue without its holder it is **held**
(keeps its place) for ``site.arrival_hold_min``; then it is **passed over** (moved back
``site.move_back_places``) up to ``site.arrival_passes`` times, and then closed as a **no-show**.
Any visitor may ask for **more time** (moved back, twice at most) or **leave** (cancelled).

Each function runs inside the caller's write transaction and appends one event per change; a
message to a visitor who asked to be told is written by the same transaction (server/outbox.py).
The rules are in docs/queueing.md; no HTTP here.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from server import hours, i18n, outbox, site_memory, sms
from server.booking import CODE_ALPHABET, EMAIL
from server.errors import Conflict, Invalid, NotFound, N_
from server.events import record_event
from server.models import CHANNELS, Service, Site, Ticket, TicketContact, utcnow
from server.queue import IssuedTicket, get_service, get_site, local_day, new_ticket, people_ahead

MAX_DELAYS = 2  # "I need more time": at most twice per ticket
NOTIFY_BEFORE_MIN = (5, 10, 15, 20, 30, 45, 60)  # the choices a visitor has for "tell me … before"
ARRIVAL_CODE_LENGTH = 6
SITE_CODE_DIGITS = 4


@dataclass(frozen=True)
class Contact:
    """How the holder of a remote ticket wants to be told: "sms" to a phone, "email" to an address."""

    channel: str
    address: str
    notify_before_min: int = 20
    feedback_ok: bool = False  # agreed to one feedback message after the visit (issue 21)


def contact(channel: str, phone: str = "", email: str = "", notify_before_min: int | str = 20,
            feedback_ok: bool = False) -> Contact:
    """The visitor's choice, checked: a phone number for SMS (made E.164), an address for email."""
    if channel not in ("sms", "email"):
        raise Invalid(N_("Choose how you want to be told: a text message or email."))
    try:
        before = int(notify_before_min)
    except (TypeError, ValueError):
        before = -1
    if before not in NOTIFY_BEFORE_MIN:
        raise Invalid(N_("Choose how many minutes before your turn you want to be told."))
    if channel == "sms":
        if not phone.strip():
            raise Invalid(N_("Write your mobile phone number for the text messages."))
        return Contact("sms", sms.normal_phone(phone), before, bool(feedback_ok))
    email = email.strip().lower()
    if not email:
        raise Invalid(N_("Write your email address for the messages."))
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise Invalid(N_("The email address does not look right: write it as name@example.fi."))
    return Contact("email", email, before, bool(feedback_ok))


# --- joining -----------------------------------------------------------------------------------------


def window(session: Session, site: Site, service: Service, day: date) -> tuple[datetime, datetime] | None:
    """When remote joining is open on ``day`` (aware local times), or None if not at all."""
    if not service.active or not service.remote_join:
        return None
    today = hours.hours_on(session, site, day)
    if today.closed_all_day:
        return None
    zone = ZoneInfo(site.timezone)
    opens = datetime.combine(day, today.opens, tzinfo=zone)
    closes = (datetime.combine(day + timedelta(days=1), today.opens, tzinfo=zone) if today.around_the_clock
              else datetime.combine(day, today.closes, tzinfo=zone))
    start = opens + timedelta(minutes=service.remote_from_min)
    end = closes - timedelta(minutes=service.remote_until_min)
    return (start, end) if start < end else None


def remote_waiting(session: Session, service: Service, day: date) -> int:
    return session.execute(
        sa.select(sa.func.count()).select_from(Ticket)
        .where(Ticket.service_id == service.id, Ticket.service_day == day, Ticket.remote,
               Ticket.status == "waiting")
    ).scalar_one()


def joinable(session: Session, site: Site, service: Service, now: datetime) -> str | None:
    """Why ``service`` takes no remote ticket now (a message to translate), or None if it does."""
    if not service.active or not service.remote_join:
        return N_("This service cannot be joined from a phone. Please take a number at the service point.")
    day = local_day(site, now)
    span = window(session, site, service, day)
    if span is None or not hours.is_open(session, site, now):
        return N_("Joining the queue from a phone is closed now. Please come to the service point.")
    if now < span[0]:
        return N_("Joining from a phone opens at %(time)s.")
    if now >= span[1]:
        return N_("Joining from a phone has closed for today. Please come to the service point.")
    if remote_waiting(session, service, day) >= service.remote_max_waiting:
        return N_("The queue is full for remote joining now. Please try again later or come to the service point.")
    return None


def _active_for(session: Session, site: Site, address: str) -> Ticket | None:
    """The site's open remote ticket of a phone number or email, if any (one each)."""
    return session.exec(
        select(Ticket).join(TicketContact, TicketContact.ticket_id == Ticket.id)
        .where(Ticket.site_id == site.id, Ticket.remote, Ticket.status.in_(("waiting", "called", "parked")),
               TicketContact.address == address)
    ).first()


def _arrival_code(session: Session, site: Site, day: date) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(ARRIVAL_CODE_LENGTH))
        taken = session.exec(select(Ticket.id).where(Ticket.site_id == site.id, Ticket.service_day == day,
                                                     Ticket.arrival_code == code)).first()
        if taken is None:
            return code


def join(session: Session, site_slug: str, service_code: str, lang: str, who: Contact,
         now: datetime | None = None) -> IssuedTicket:
    """A remote ticket at the end of the service's queue, and its "joined" message."""
    now = now or utcnow()
    settings, state, seen_seq = site_memory.site_now(session, site_slug, now)  # as issuing does
    site = settings.site
    # The service itself read afresh: its quota for remote joiners is what joinable() checks, exactly.
    service = get_service(session, site, service_code)
    why = joinable(session, site, service, now)
    if why is not None:
        span = window(session, site, service, local_day(site, now))
        raise Conflict(why, time=i18n.local_time(span[0], site.timezone, lang) if span else "")
    if _active_for(session, site, who.address) is not None:
        raise Conflict(N_("You already have a ticket in the queue here. Open it from its message, or leave "
                          "that queue first."))
    day = local_day(site, now)
    wait, place = site_memory.place_new(state, service.id, now)  # what the phone is told (server/accuracy.py)
    ticket = new_ticket(session, site, service, lang, now, remote=True, notify=True,
                        arrival_code=_arrival_code(session, site, day), told_wait_min=wait)
    site_memory.saved(state, place, ticket.id)
    session.add(TicketContact(ticket_id=ticket.id, site_id=site.id, channel=who.channel, address=who.address,
                              lang=lang, notify_before_min=who.notify_before_min, created_at=now,
                              feedback_ok=who.feedback_ok))
    ahead = people_ahead(session, ticket)
    event = record_event(session, site, "ticket.issued", at=now, ticket=ticket, service=service, remote=True)
    site_memory.keep(session, settings, state, seen_seq, event["seq"])
    outbox.to_ticket(session, site, ticket, "joined", {"ahead": ahead, "wait_min": wait}, now)
    return IssuedTicket(site=site, service=service, ticket=ticket, people_ahead=ahead, estimated_wait_min=wait,
                        print_job_id=None)


# --- telling ---------------------------------------------------------------------------------------


def set_contact(session: Session, public_id: str, channel: str, address: str, notify_before_min: int,
                lang: str, now: datetime | None = None) -> Ticket:
    """The visitor of any open ticket chooses (or changes) how to be told; ``address`` is already
    checked (``contact()``, or a push subscription from server/push.py)."""
    now = now or utcnow()
    ticket = _locked(session, public_id)
    if ticket.status not in ("waiting", "parked", "called", "serving"):
        raise Conflict(N_("This visit has ended; there is nothing more to tell."))
    if channel not in CHANNELS or notify_before_min not in NOTIFY_BEFORE_MIN:
        raise Invalid(N_("Choose how many minutes before your turn you want to be told."))
    row = session.get(TicketContact, ticket.id)
    if row is None:
        row = TicketContact(ticket_id=ticket.id, site_id=ticket.site_id, created_at=now, channel=channel,
                            address=address)
    row.channel, row.address, row.lang, row.notify_before_min = channel, address, lang, notify_before_min
    row.near_sent_at = None  # a new threshold is told anew
    session.add(row)
    ticket.notify = True
    session.add(ticket)
    return ticket


def stop_telling(session: Session, public_id: str) -> Ticket:
    """No more messages: the contact is erased at once (a remote ticket's stays while it waits: it is
    what allows one remote ticket per person)."""
    ticket = _locked(session, public_id)
    if not ticket.remote:
        row = session.get(TicketContact, ticket.id)
        if row is not None:
            session.delete(row)
    ticket.notify = False
    session.add(ticket)
    return ticket


# --- arriving ------------------------------------------------------------------------------------


def site_code(secret: str, site: Site, day: date) -> str:
    """The site's arrival code of ``day``: on the entrance QR, and printed under it to type.

    Derived, not stored: a keyed hash of the site and the date, so yesterday's photo of the poster
    does not work today and nothing needs to change it at midnight."""
    digest = hmac.new(secret.encode(), f"arrival:{site.slug}:{day.isoformat()}".encode(), hashlib.sha256).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**SITE_CODE_DIGITS).zfill(SITE_CODE_DIGITS)


def _locked(session: Session, public_id: str) -> Ticket:
    ticket = session.exec(select(Ticket).where(Ticket.public_id == public_id).with_for_update()
                          .execution_options(populate_existing=True)).first()
    if ticket is None:
        raise NotFound(N_("There is no such ticket."))
    return ticket


def _arrive(session: Session, site: Site, ticket: Ticket, now: datetime, how: str) -> Ticket:
    if ticket.status not in ("waiting", "called", "parked"):
        raise Conflict(N_("Ticket %(number)s is no longer in the queue."), number=ticket.number)
    if ticket.arrived_at is not None or not ticket.remote:
        return ticket  # already here: nothing changes, no event
    ticket.arrived_at = now
    ticket.held_at = None
    session.add(ticket)
    record_event(session, site, "ticket.arrived", at=now, ticket=ticket,
                 service=session.get(Service, ticket.service_id), how=how)
    return ticket


def arrive(session: Session, public_id: str, code: str, secret: str, now: datetime | None = None) -> Ticket:
    """"I'm here" from the status page, with the site's code of the day (scanned or typed)."""
    now = now or utcnow()
    ticket = _locked(session, public_id)
    site = session.get(Site, ticket.site_id)
    typed = re.sub(r"\D", "", code or "")
    if not hmac.compare_digest(typed, site_code(secret, site, local_day(site, now))):
        raise Invalid(N_("That is not today's code. Scan the QR code at the entrance or type the digits under it."))
    return _arrive(session, site, ticket, now, "code")


def check_in(session: Session, site_slug: str, code: str, now: datetime | None = None) -> Ticket | None:
    """A remote ticket's own code at the kiosk: arrived. None if no remote ticket of today has it."""
    now = now or utcnow()
    site = get_site(session, site_slug)
    code = re.sub(r"[^A-Za-z0-9]", "", code).upper()
    if len(code) != ARRIVAL_CODE_LENGTH:
        return None
    ticket = session.exec(
        select(Ticket).where(Ticket.site_id == site.id, Ticket.service_day == local_day(site, now),
                             Ticket.arrival_code == code).with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if ticket is None:
        return None
    return _arrive(session, site, ticket, now, "kiosk")


# --- moving back, leaving ----------------------------------------------------------------------------


def _move_back(session: Session, ticket: Ticket, places: int) -> int:
    """Puts the ticket behind the next ``places`` tickets of its queue (fewer if fewer wait behind
    it): it takes an arrival time just after theirs. Returns how many it went behind."""
    T = Ticket
    behind = list(session.exec(
        select(T).where(T.service_id == ticket.service_id, T.service_day == ticket.service_day,
                        T.status == "waiting", T.id != ticket.id, T.priority == ticket.priority,
                        T.front == ticket.front, T.appointment_at.is_(None),
                        sa.or_(T.queued_at > ticket.queued_at,
                               sa.and_(T.queued_at == ticket.queued_at, T.id > ticket.id)))
        .order_by(T.queued_at, T.id).limit(places)
    ))
    if not behind:
        return 0
    # Just after the last of them: 1 µs later, so no tie with it or the one after it is possible
    # unless they are 1 µs apart, when the ids (later ones larger) still put this one first only if
    # its id is lower; rare enough, and still behind the ones it passed.
    ticket.queued_at = behind[-1].queued_at + timedelta(microseconds=1)
    session.add(ticket)
    return len(behind)


def more_time(session: Session, public_id: str, now: datetime | None = None) -> int:
    """"I need more time": the ticket goes back a few places; twice at most. Returns the places."""
    now = now or utcnow()
    ticket = _locked(session, public_id)
    if ticket.status != "waiting":
        raise Conflict(N_("Only a ticket that is waiting can be moved back."))
    if ticket.delays >= MAX_DELAYS:
        raise Conflict(N_("You have already moved back twice. If you cannot come, leave the queue."))
    site = session.get(Site, ticket.site_id)
    moved = _move_back(session, ticket, site.move_back_places)
    if moved == 0:
        raise Conflict(N_("No one is behind you in the queue, so there is nowhere to move back to. "
                          "Your turn keeps until you are called."))
    ticket.delays += 1
    ticket.held_at = None
    session.add(ticket)
    record_event(session, site, "ticket.delayed", at=now, ticket=ticket,
                 service=session.get(Service, ticket.service_id), places=moved)
    return moved


def leave(session: Session, public_id: str, now: datetime | None = None) -> Ticket:
    """"I'm leaving": the visit ends as cancelled; the queue and its estimates move at once."""
    now = now or utcnow()
    ticket = _locked(session, public_id)
    if ticket.status not in ("waiting", "parked"):
        raise Conflict(N_("Ticket %(number)s is no longer waiting, so it cannot be cancelled here. "
                          "Please tell the clerk."), number=ticket.number)
    site = session.get(Site, ticket.site_id)
    previous = ticket.status
    ticket.status = "cancelled"
    ticket.finished_at = now
    session.add(ticket)
    record_event(session, site, "ticket.cancelled", at=now, ticket=ticket,
                 service=session.get(Service, ticket.service_id), previous=previous)
    return ticket


def counts(session: Session, site: Site, now: datetime) -> dict[int, tuple[int, int]]:
    """Per service with remote tickets waiting today: (how many, how many of them not here yet)."""
    rows = session.execute(
        sa.select(Ticket.service_id, sa.func.count(),
                  sa.func.count(sa.case((Ticket.arrived_at.is_(None), 1))))
        .where(Ticket.site_id == site.id, Ticket.service_day == local_day(site, now), Ticket.remote,
               Ticket.status == "waiting")
        .group_by(Ticket.service_id))
    return {service_id: (total, away) for service_id, total, away in rows}


# --- held at the front, passed over, no-show ----------------------------------------------------------


def not_arrived():
    """The SQL condition of a ticket call-next must pass over: remote, and its holder not here."""
    return sa.and_(Ticket.remote, Ticket.arrived_at.is_(None))


# Built once: call-next asks at every call whether any of the site's waiting remote tickets is not
# held yet, before asking each of its services (mostly there is none).
_UNHELD = (sa.select(Ticket.id)
           .where(Ticket.site_id == sa.bindparam("site_id"), Ticket.service_day == sa.bindparam("day"),
                  Ticket.status == "waiting", not_arrived(), Ticket.held_at.is_(None))
           .limit(1))


def any_to_hold(session: Session, site: Site, now: datetime) -> bool:
    """Whether the site has a waiting remote ticket of the day, its holder not here, not held yet:
    one that hold_front might hold."""
    return session.execute(_UNHELD, {"site_id": site.id, "day": local_day(site, now)}).first() is not None


def hold_front(session: Session, site: Site, service_id: int, before: Ticket | None, now: datetime) -> int:
    """Marks held the not-arrived tickets that call-next passed over in the service's queue: those
    before ``before`` (the ticket it calls), or all its waiting ones if it calls none there. One
    ``ticket.held`` event each, the first time only."""
    T = Ticket
    query = select(T).where(T.service_id == service_id, T.service_day == local_day(site, now), T.status == "waiting",
                            not_arrived(), T.held_at.is_(None))
    if before is not None:  # call-next's order (docs/queueing.md): priority, front, arrival
        same = sa.and_(T.priority == before.priority, T.front == before.front)
        ahead = [T.priority > before.priority, sa.and_(same, T.queued_at < before.queued_at)]
        if not before.front:
            ahead.append(sa.and_(T.priority == before.priority, T.front))
        query = query.where(sa.or_(*ahead))
    held = list(session.exec(query.with_for_update(skip_locked=True)))
    service = session.get(Service, service_id) if held else None
    for ticket in held:
        ticket.held_at = now
        session.add(ticket)
        record_event(session, site, "ticket.held", at=now, ticket=ticket, service=service)
    return len(held)


def pass_over_due(session: Session, site: Site, now: datetime | None = None) -> list[Ticket]:
    """Held tickets whose hold has run out: passed over (moved back, held no more) while passes are
    left, else closed as no-shows. Run every minute by the server (server/housekeeping.py)."""
    now = now or utcnow()
    T = Ticket
    due = list(session.exec(
        select(T).where(T.site_id == site.id, T.status == "waiting", not_arrived(), T.held_at.is_not(None),
                        T.held_at <= now - timedelta(minutes=site.arrival_hold_min))
        .order_by(T.id).with_for_update(skip_locked=True)
    ))
    for ticket in due:
        service = session.get(Service, ticket.service_id)
        ticket.held_at = None
        if ticket.passes < site.arrival_passes:
            ticket.passes += 1
            moved = _move_back(session, ticket, site.move_back_places)
            session.add(ticket)
            record_event(session, site, "ticket.passed_over", at=now, ticket=ticket, service=service, places=moved)
        else:
            ticket.status = "no_show"
            ticket.finished_at = now
            session.add(ticket)
            record_event(session, site, "ticket.no_show", at=now, ticket=ticket, service=service,
                         reason="not_arrived")
    return due
