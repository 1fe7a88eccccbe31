"""Appointments: free slots from a service's hours, a seat held while the citizen fills in the form,
booking, moving and cancelling, and check-in at the kiosk.

No double booking, ever: every slot has a row of seats (``appointment_slot``) whose ``taken`` the
database keeps within ``capacity`` (a CHECK constraint), and a seat is taken only by an UPDATE that
adds one where one is free. However many requests race for the last seat, one UPDATE wins; the
others change no row and are told the slot was just taken, with the next free times.

Times are stored in UTC; slots are laid out in the site's wall-clock time, so a slot at 9.00 stays
at 9.00 across the daylight-saving changes, and a wall time that does not exist (the spring gap) is
no slot.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from server import hours, i18n, outbox
from server.errors import Conflict, Invalid, NotFound, N_
from server.events import record_event
from server.queue import IssuedTicket, get_service, get_site, issue_ticket
from server.models import (
    SEATED_STATES,
    Appointment,
    AppointmentHours,
    AppointmentSlot,
    Service,
    Site,
    StaffUser,
    Ticket,
    utcnow,
)

CODE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no 0/O, 1/I, 2/Z, 5/S, 8/B: read aloud and typed without doubt
CODE_LENGTH = 8
NEXT_FREE = 5  # how many next free times a refusal offers


@dataclass(frozen=True)
class Slot:
    starts_at: datetime  # UTC
    ends_at: datetime
    capacity: int  # bookable seats
    free: int


@dataclass(frozen=True)
class Limits:
    """How bookings are kept fair (configured in server/settings.py)."""

    hold_s: int = 300
    horizon_days: int = 60
    per_person: int = 3  # future bookings per email or phone
    per_requester_per_hour: int = 10  # seats held from one address in an hour

    # Check-in at the kiosk: how early, how late, and whether a late visitor joins the queue.
    checkin_early_min: int = 30
    checkin_late_min: int = 15
    late_joins_queue: bool = True

    @classmethod
    def of(cls, settings) -> "Limits":
        return cls(hold_s=settings.booking_hold_s, horizon_days=settings.booking_horizon_days,
                   per_person=settings.booking_limit_per_person,
                   per_requester_per_hour=settings.booking_limit_per_address,
                   checkin_early_min=settings.checkin_early_min, checkin_late_min=settings.checkin_late_min,
                   late_joins_queue=settings.late_checkin_joins_queue)


class SlotTaken(Conflict):
    """The slot's seats are gone; ``next_free`` are the next free slots of the service."""

    def __init__(self, next_free: list[Slot]):
        super().__init__(N_("That time was just taken. Please choose another."))
        self.next_free = next_free


# --- slots --------------------------------------------------------------------------------------


def _local(site: Site, day: date, at: time) -> datetime | None:
    """The UTC instant of a wall-clock time on a day, or None if the clocks skip it."""
    zone = ZoneInfo(site.timezone)
    local = datetime.combine(day, at, tzinfo=zone)
    utc = local.astimezone(ZoneInfo("UTC"))
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # in the spring gap: 3.30 does not happen that night
    return utc


def _seats(service: Service, count: int) -> list[int]:
    """Bookable seats per slot: ``walk_in_share`` percent of the day's seats are kept back, spread
    evenly over the day rather than all at its end."""
    share = (100 - max(0, min(100, service.walk_in_share))) / 100
    per_slot = service.appointment_seats * share
    return [int((i + 1) * per_slot + 1e-9) - int(i * per_slot + 1e-9) for i in range(count)]


def _day_layout(session: Session, site: Site, service: Service, day: date) -> list[tuple[datetime, datetime, int]]:
    """(starts_at, ends_at, capacity) of the service's slots on a local day, from its appointment
    hours clipped to the site's opening hours of that day (a holiday has none)."""
    if service.appointment_seats <= 0 or service.slot_min <= 0:
        return []
    row = session.exec(
        select(AppointmentHours).where(AppointmentHours.service_id == service.id,
                                       AppointmentHours.weekday == day.weekday())
    ).first()
    site_hours = hours.hours_on(session, site, day)
    if row is None or site_hours.closed_all_day:
        return []
    opens, closes = row.opens, row.closes
    if not site_hours.around_the_clock:
        opens, closes = max(opens, site_hours.opens), min(closes, site_hours.closes)
    step = timedelta(minutes=service.slot_min + service.buffer_min)
    length = timedelta(minutes=service.slot_min)
    starts = []
    at = datetime.combine(day, opens)
    while at + length <= datetime.combine(day, closes):
        starts.append(at.time())
        at += step
    layout = []
    for start, capacity in zip(starts, _seats(service, len(starts))):
        utc = _local(site, day, start)
        if utc is not None and capacity > 0:
            layout.append((utc, utc + length, capacity))
    return layout


def _live_seats(session: Session, service: Service, starts: list[datetime], now: datetime) -> dict[datetime, int]:
    """Seats in use per slot start: bookings, and holds not yet expired."""
    if not starts:
        return {}
    rows = session.execute(
        sa.select(Appointment.starts_at, sa.func.count())
        .where(
            Appointment.service_id == service.id,
            Appointment.starts_at.in_(starts),
            Appointment.status.in_(SEATED_STATES),
            sa.or_(Appointment.status != "held", Appointment.hold_expires_at > now),
        )
        .group_by(Appointment.starts_at)
    )
    return {at: n for at, n in rows}


def day_slots(session: Session, site: Site, service: Service, day: date, now: datetime | None = None,
              limits: Limits = Limits()) -> list[Slot]:
    """The service's slots on a local day that can still be booked, with their free seats."""
    now = now or utcnow()
    if day > hours.local_now(site, now).date() + timedelta(days=limits.horizon_days):
        return []
    layout = [item for item in _day_layout(session, site, service, day) if item[0] > now]
    used = _live_seats(session, service, [start for start, _, _ in layout], now)
    return [Slot(start, end, capacity, max(0, capacity - used.get(start, 0))) for start, end, capacity in layout]


def next_free(session: Session, site: Site, service: Service, after: datetime, now: datetime | None = None,
              limits: Limits = Limits(), count: int = NEXT_FREE) -> list[Slot]:
    """The first ``count`` free slots starting after ``after``, within the booking horizon."""
    now = now or utcnow()
    found: list[Slot] = []
    day = hours.local_now(site, max(after, now)).date()
    last = hours.local_now(site, now).date() + timedelta(days=limits.horizon_days)
    while day <= last and len(found) < count:
        found += [s for s in day_slots(session, site, service, day, now, limits) if s.free and s.starts_at > after]
        day += timedelta(days=1)
    return found[:count]


# --- taking and giving back seats --------------------------------------------------------------


def _insert_ignoring_conflict(session: Session, values: dict) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(AppointmentSlot).values(**values).on_conflict_do_nothing())


def _take_seat(session: Session, service: Service, starts_at: datetime, capacity: int) -> bool:
    """One seat of the slot, if one is free: decided by the database, in one UPDATE."""
    _insert_ignoring_conflict(session, {"service_id": service.id, "starts_at": starts_at,
                                        "capacity": capacity, "taken": 0})
    taken = session.execute(
        sa.update(AppointmentSlot)
        .where(AppointmentSlot.service_id == service.id, AppointmentSlot.starts_at == starts_at,
               AppointmentSlot.taken < capacity)
        .values(taken=AppointmentSlot.taken + 1, capacity=capacity)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _give_back_seat(session: Session, service_id: int, starts_at: datetime) -> None:
    session.execute(
        sa.update(AppointmentSlot)
        .where(AppointmentSlot.service_id == service_id, AppointmentSlot.starts_at == starts_at,
               AppointmentSlot.taken > 0)
        .values(taken=AppointmentSlot.taken - 1)
        .execution_options(synchronize_session=False)
    )


def release_expired(session: Session, now: datetime | None = None, service_id: int | None = None,
                    starts_at: datetime | None = None) -> int:
    """Holds whose time ran out give their seats back; all of them, or one slot's."""
    now = now or utcnow()
    query = select(Appointment).where(Appointment.status == "held", Appointment.hold_expires_at <= now)
    if service_id is not None:
        query = query.where(Appointment.service_id == service_id, Appointment.starts_at == starts_at)
    expired = list(session.exec(query.with_for_update()))
    for appointment in expired:
        appointment.status = "expired"
        session.add(appointment)
        _give_back_seat(session, appointment.service_id, appointment.starts_at)
    session.flush()
    return len(expired)


def _slot_at(session: Session, site: Site, service: Service, starts_at: datetime, now: datetime,
             limits: Limits) -> tuple[datetime, datetime, int]:
    day = hours.local_now(site, starts_at).date()
    for start, end, capacity in _day_layout(session, site, service, day):
        if start == starts_at:
            if start <= now:
                raise Conflict(N_("That time has already passed. Please choose another."))
            if day > hours.local_now(site, now).date() + timedelta(days=limits.horizon_days):
                raise Invalid(N_("Appointments can be booked at most %(days)d days ahead."), days=limits.horizon_days)
            return start, end, capacity
    raise NotFound(N_("There is no such appointment time."))


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.exec(select(Appointment.id).where(Appointment.code == code)).first() is None:
            return code


def hold(session: Session, site_slug: str, service_code: str, starts_at: datetime, *, requester: str = "",
         lang: str = "fi", now: datetime | None = None, limits: Limits = Limits()) -> Appointment:
    """Holds a seat for ``limits.hold_s`` while the citizen fills in the form."""
    now = now or utcnow()
    site = get_site(session, site_slug)
    service = get_service(session, site, service_code)
    starts_at, ends_at, capacity = _slot_at(session, site, service, starts_at, now, limits)
    if requester:
        recent = session.execute(
            sa.select(sa.func.count()).select_from(Appointment)
            .where(Appointment.requester == requester, Appointment.created_at > now - timedelta(hours=1))
        ).scalar_one()
        if recent >= limits.per_requester_per_hour:
            raise Conflict(N_("Too many bookings from this connection in a short time. Please try again later "
                              "or call the service point."))
    release_expired(session, now, service.id, starts_at)
    if not _take_seat(session, service, starts_at, capacity):
        raise SlotTaken(next_free(session, site, service, starts_at, now, limits))
    appointment = Appointment(
        public_id=secrets.token_urlsafe(16), code=_new_code(session), site_id=site.id, service_id=service.id,
        starts_at=starts_at, ends_at=ends_at, status="held", hold_expires_at=now + timedelta(seconds=limits.hold_s),
        lang=lang, requester=requester, created_at=now,
    )
    session.add(appointment)
    session.flush()
    return appointment


# --- booking, moving, cancelling -------------------------------------------------------------------

TOKEN_SALT = "luukku-booking"


def manage_token(secret: str, public_id: str) -> str:
    """The opaque part of the link a citizen sees, changes or cancels a booking with (no login)."""
    return URLSafeSerializer(secret, salt=TOKEN_SALT).dumps(public_id)


def public_id_of(secret: str, token: str) -> str:
    try:
        return URLSafeSerializer(secret, salt=TOKEN_SALT).loads(token)
    except BadSignature:
        raise NotFound(N_("This booking link is not valid. Use the link in your confirmation.")) from None

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normal_phone(phone: str) -> str:
    """+358 40 123 4567, 040-1234567 and (040) 123 4567 are one number to the per-person limit."""
    digits = re.sub(r"[^\d+]", "", phone)
    return "+358" + digits[1:] if digits.startswith("0") else digits


def get_appointment(session: Session, public_id: str, lock: bool = False) -> Appointment:
    query = select(Appointment).where(Appointment.public_id == public_id)
    appointment = session.exec(query.with_for_update() if lock else query).first()
    if appointment is None:
        raise NotFound(N_("There is no such booking."))
    return appointment


def _event(session: Session, appointment: Appointment, type: str, staff_user_id: int | None, now: datetime,
           **extra) -> None:
    """Staff screens hear of bookings; the event holds no personal data, only the code and the time."""
    site = session.get(Site, appointment.site_id)
    service = session.get(Service, appointment.service_id)
    record_event(session, site, type, at=now, staff_user_id=staff_user_id, audience="staff",
                 appointment={"code": appointment.code, "service": service.code,
                              "starts_at": appointment.starts_at.isoformat()}, **extra)


def contact_errors(name: str, phone: str, email: str, message: str) -> dict[str, str]:
    """Every mistake in a booking's contact details, by field ("contact": neither phone nor email);
    empty when all is well. The form shows them all at once; ``confirm`` refuses the first."""
    name, phone, email, message = name.strip(), phone.strip(), email.strip(), message.strip()
    errors = {}
    if not name:
        errors["name"] = N_("Write your name.")
    elif len(name) > 200:
        errors["name"] = N_("The name is at most 200 characters.")
    if not phone and not email:
        errors["contact"] = N_("Give a phone number or an email address, so that we can reach you.")
    if phone and (not re.fullmatch(r"\+?[\d\s()-]{6,25}", phone) or len(re.sub(r"\D", "", phone)) < 6):
        errors["phone"] = N_("The phone number does not look right: write it as 040 123 4567 or +358 40 123 4567.")
    if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
        errors["email"] = N_("The email address does not look right: write it as name@example.fi.")
    if len(message) > 1000:
        errors["message"] = N_("The message is at most 1000 characters.")
    return errors


def _check_contact(name: str, phone: str, email: str, message: str) -> tuple[str, str, str, str]:
    errors = contact_errors(name, phone, email, message)
    if errors:
        raise Invalid(next(iter(errors.values())))
    phone = phone.strip()
    return name.strip(), normal_phone(phone) if phone else "", email.strip().lower(), message.strip()


def confirm(session: Session, public_id: str, *, name: str, phone: str = "", email: str = "", message: str = "",
            consent: bool, lang: str = "fi", staff_user_id: int | None = None, now: datetime | None = None,
            limits: Limits = Limits(), feedback_ok: bool = False) -> Appointment:
    """Turns a hold into a booking. Sending the form twice books once. ``feedback_ok``: one feedback
    message after the visit was agreed to (issue 21)."""
    now = now or utcnow()
    appointment = get_appointment(session, public_id, lock=True)
    if appointment.status == "booked":
        return appointment
    if appointment.status not in ("held", "expired"):
        raise Conflict(N_("This booking was cancelled. Please choose a time again."))
    if not consent:
        raise Invalid(N_("Please accept how your details are used, or call the service point to book."))
    name, phone, email, message = _check_contact(name, phone, email, message)
    if appointment.status == "expired" or appointment.hold_expires_at <= now:
        # The hold ran out while the form was filled in: the time is still theirs if it is still free.
        # Every hold of the slot that ran out gives its seat back first, this one's and others' that no
        # sweep has reached yet (another citizen's hold taken after this one ran out, and run out too).
        site, service = session.get(Site, appointment.site_id), session.get(Service, appointment.service_id)
        release_expired(session, now, service.id, appointment.starts_at)
        _, _, capacity = _slot_at(session, site, service, appointment.starts_at, now, limits)
        if not _take_seat(session, service, appointment.starts_at, capacity):
            raise SlotTaken(next_free(session, site, service, appointment.starts_at, now, limits))
    contact = [Appointment.email == email] if email else []
    contact += [Appointment.phone == phone] if phone else []
    if staff_user_id is None:
        booked = session.execute(
            sa.select(sa.func.count()).select_from(Appointment)
            .where(Appointment.status == "booked", Appointment.starts_at > now, sa.or_(*contact))
        ).scalar_one()
        if booked >= limits.per_person:
            raise Conflict(N_("You already have %(count)d bookings coming up. Cancel one first, or call the "
                              "service point."), count=booked)
    appointment.name, appointment.phone, appointment.email, appointment.message = name, phone, email, message
    appointment.lang = lang
    appointment.feedback_ok = bool(feedback_ok)
    appointment.status = "booked"
    appointment.booked_at = now
    appointment.booked_by = staff_user_id
    appointment.hold_expires_at = None
    session.add(appointment)
    _event(session, appointment, "appointment.booked", staff_user_id, now)
    outbox.to_appointment(session, appointment, "confirmation", now)  # by SMS when it has no email
    return appointment


def assign_expert(session: Session, public_id: str, expert_id: int | None, *, staff_user_id: int,
                  now: datetime | None = None) -> Appointment:
    """Names the expert who takes the booking (None: whoever serves the service); its check-in
    ticket then waits for that expert only, like a transfer to a named expert."""
    now = now or utcnow()
    appointment = get_appointment(session, public_id, lock=True)
    if appointment.status != "booked":
        raise Conflict(N_("Only a booking that is still coming up can be given to an expert."))
    if expert_id is not None:
        expert = session.get(StaffUser, expert_id)
        if expert is None or not expert.active:
            raise NotFound(N_("There is no such staff member."))
    appointment.expert_id = expert_id
    session.add(appointment)
    _event(session, appointment, "appointment.assigned", staff_user_id, now, expert=expert_id)
    return appointment


def cancel(session: Session, public_id: str, *, reason: str = "", staff_user_id: int | None = None,
           now: datetime | None = None) -> Appointment:
    """Cancels a booking (or drops a hold); its seat is free again at once."""
    now = now or utcnow()
    appointment = get_appointment(session, public_id, lock=True)
    if appointment.status == "cancelled":
        return appointment
    if appointment.status not in ("held", "booked"):
        raise Conflict(N_("This booking can no longer be cancelled."))
    if staff_user_id is not None and not reason.strip():
        raise Invalid(N_("Write the reason for the cancellation."))
    was_booked = appointment.status == "booked"
    if appointment.status == "booked" or appointment.hold_expires_at > now:
        _give_back_seat(session, appointment.service_id, appointment.starts_at)
    else:  # an expired hold whose seat a sweep has not given back yet
        release_expired(session, now, appointment.service_id, appointment.starts_at)
        appointment = get_appointment(session, public_id, lock=True)
    appointment.status = "cancelled"
    appointment.cancelled_at = now
    appointment.cancel_reason = reason.strip()[:300]
    session.add(appointment)
    if was_booked:
        _event(session, appointment, "appointment.cancelled", staff_user_id, now)
    return appointment


def move(session: Session, public_id: str, starts_at: datetime, *, reason: str = "",
         staff_user_id: int | None = None, now: datetime | None = None, limits: Limits = Limits()) -> Appointment:
    """Moves a booking to another free time of its service; the old seat is free at once."""
    now = now or utcnow()
    appointment = get_appointment(session, public_id, lock=True)
    if appointment.status != "booked":
        raise Conflict(N_("Only a booking that is still coming up can be moved."))
    if staff_user_id is not None and not reason.strip():
        raise Invalid(N_("Write the reason for the move."))
    if starts_at == appointment.starts_at:
        return appointment
    site, service = session.get(Site, appointment.site_id), session.get(Service, appointment.service_id)
    new_start, new_end, capacity = _slot_at(session, site, service, starts_at, now, limits)
    release_expired(session, now, service.id, new_start)
    if not _take_seat(session, service, new_start, capacity):
        raise SlotTaken(next_free(session, site, service, new_start, now, limits))
    _give_back_seat(session, service.id, appointment.starts_at)
    was = appointment.starts_at
    appointment.starts_at, appointment.ends_at = new_start, new_end
    session.add(appointment)
    _event(session, appointment, "appointment.moved", staff_user_id, now, was=was.isoformat())
    return appointment


# --- check-in at the kiosk -------------------------------------------------------------------------


def normal_code(text: str) -> str:
    """What a visitor types or a scanner sends: spaces, dashes and case do not matter, nor a whole
    booking address (the QR code) around the code."""
    text = text.strip().rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9]", "", text).upper()[:CODE_LENGTH + 4]


def check_in(session: Session, site_slug: str, code: str, *, lang: str = "fi", device: str | None = None,
             now: datetime | None = None, limits: Limits = Limits()) -> tuple[Appointment, IssuedTicket]:
    """A booked visitor at the kiosk: a ticket that goes before walk-ins from the booked time on.

    Too early: told when to come back. Too late: an ordinary queue number, or a refusal, as
    configured; the appointment is then a no-show.
    """
    now = now or utcnow()
    site = get_site(session, site_slug)
    appointment = session.exec(
        select(Appointment).where(Appointment.code == normal_code(code), Appointment.site_id == site.id)
        .with_for_update()
    ).first()
    if appointment is None or appointment.status in ("held", "expired"):
        raise NotFound(N_("No booking has this code here. Check the code, or ask at the counter."))
    service = session.get(Service, appointment.service_id)
    local = {"time": i18n.local_time(appointment.starts_at, site.timezone, lang)}
    if appointment.status == "cancelled":
        raise Conflict(N_("This booking was cancelled. Please take a queue number."))
    if appointment.status in ("checked_in", "no_show") and appointment.ticket_id:
        number = session.get(Ticket, appointment.ticket_id).number
        raise Conflict(N_("This booking is already checked in: your number is %(number)s."), number=number)
    earliest = appointment.starts_at - timedelta(minutes=limits.checkin_early_min)
    if now < earliest:
        day = hours.local_now(site, appointment.starts_at).date()
        # Check-in opens the evening before a booking just after midnight: that time with its date.
        when = i18n.local_time(earliest, site.timezone, lang,
                               with_date=hours.local_now(site, earliest).date() != day)
        if day == hours.local_now(site, now).date():
            raise Conflict(N_("Your appointment is at %(time)s. Please check in from %(from)s."),
                           **local, **{"from": when})
        raise Conflict(N_("Your appointment is on %(date)s at %(time)s. Please check in on that day from %(from)s."),
                       date=i18n.local_date(day, lang), **local, **{"from": when})
    # Marked a no-show already (the housekeeping job), or past the window now: late either way.
    late = appointment.status == "no_show" or now > appointment.starts_at + timedelta(minutes=limits.checkin_late_min)
    if late and not limits.late_joins_queue:
        raise Conflict(N_("Your appointment was at %(time)s, and it is too late to check in. Please book a new "
                          "time or ask at the counter."), **local)
    issued = issue_ticket(session, site_slug, service.code, lang, now, device=device,
                          appointment_at=None if late else appointment.starts_at,
                          expert_id=None if late else appointment.expert_id)
    appointment.status = "no_show" if late else "checked_in"
    appointment.checked_in_at = now
    appointment.ticket_id = issued.ticket.id
    session.add(appointment)
    _event(session, appointment, "appointment.late" if late else "appointment.checked_in", None, now)
    return appointment, issued


def mark_no_shows(session: Session, now: datetime | None = None, limits: Limits = Limits()) -> int:
    """Bookings nobody checked in for by the end of the late window become no-shows (an event each)."""
    now = now or utcnow()
    missed = list(session.exec(
        select(Appointment).where(Appointment.status == "booked",
                                  Appointment.starts_at < now - timedelta(minutes=limits.checkin_late_min))
        .with_for_update()
    ))
    for appointment in missed:
        appointment.status = "no_show"
        session.add(appointment)
        _event(session, appointment, "appointment.no_show", None, now)
    return len(missed)


def forget_people(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Personal data of bookings is kept ``retention_days`` after the booked time, then erased; the
    booking itself (service, time, what happened) stays for the statistics."""
    now = now or utcnow()
    erased = session.execute(
        sa.update(Appointment)
        .where(Appointment.starts_at < now - timedelta(days=retention_days),
               sa.or_(Appointment.name != "", Appointment.phone != "", Appointment.email != "",
                      Appointment.message != "", Appointment.requester != ""))
        .values(name="", phone="", email="", message="", requester="")
        .execution_options(synchronize_session=False)
    )
    return erased.rowcount
