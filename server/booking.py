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

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from server import hours, i18n, outbox, releases
from server.errors import Conflict, DomainError, Invalid, NotFound, N_
from server.events import record_event
from server.queue import IssuedTicket, get_service, get_site, issue_ticket
from server.models import (
    APPOINTMENT_PERSONAL,
    SEATED_STATES,
    Appointment,
    AppointmentHours,
    AppointmentSlot,
    OpeningException,
    OpeningHours,
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


def _local_in(timezone: str, day: date, at: time) -> datetime | None:
    """The UTC instant of a wall-clock time on a day, or None if the clocks skip it."""
    zone = ZoneInfo(timezone)
    local = datetime.combine(day, at, tzinfo=zone)
    utc = local.astimezone(ZoneInfo("UTC"))
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # in the spring gap: 3.30 does not happen that night
    return utc


def _seats(seats: int, walk_in_share: int, count: int) -> list[int]:
    """Bookable seats per slot: ``walk_in_share`` percent of the day's seats are kept back, spread
    evenly over the day rather than all at its end."""
    share = (100 - max(0, min(100, walk_in_share))) / 100
    per_slot = seats * share
    return [int((i + 1) * per_slot + 1e-9) - int(i * per_slot + 1e-9) for i in range(count)]


def _weekly_layout(service: Service, appointment_hours: dict[int, tuple[time, time]],
                   site_week: dict[int, tuple[time, time]], exceptions: dict[date, tuple[time | None, time | None]],
                   site: Site, day: date) -> list[tuple[datetime, datetime, int]]:
    """A day's slots from the rows read once for a range of days (``_layouts``)."""
    row = appointment_hours.get(day.weekday())
    if row is None:
        return []
    # The site's hours of the day, as hours.hours_on reads them: an exception overrides the weekday;
    # a site without weekly hours is open around the clock.
    if day in exceptions:
        site_opens, site_closes = exceptions[day]
        if site_opens is None:
            return []
    elif not site_week:
        site_opens = site_closes = None
    elif day.weekday() in site_week:
        site_opens, site_closes = site_week[day.weekday()]
    else:
        return []
    opens, closes = row
    if site_opens is not None:
        opens, closes = max(opens, site_opens), min(closes, site_closes)
    return list(_laid_out(site.timezone, day, opens, closes, service.slot_min, service.buffer_min,
                          service.appointment_seats, service.walk_in_share))


@functools.lru_cache(maxsize=4096)
def _laid_out(timezone: str, day: date, opens: time, closes: time, slot_min: int, buffer_min: int, seats: int,
              walk_in_share: int) -> tuple[tuple[datetime, datetime, int], ...]:
    """The slots of a day from its hours: kept, as the same days are laid out for every page (the
    arguments are all that decides them, so nothing kept is ever out of date)."""
    step = timedelta(minutes=slot_min + buffer_min)
    length = timedelta(minutes=slot_min)
    starts = []
    at = datetime.combine(day, opens)
    while at + length <= datetime.combine(day, closes):
        starts.append(at.time())
        at += step
    layout = []
    for start, capacity in zip(starts, _seats(seats, walk_in_share, len(starts))):
        utc = _local_in(timezone, day, start)
        if utc is not None and capacity > 0:
            layout.append((utc, utc + length, capacity))
    return tuple(layout)


# The hot reads of the booking pages, built once on the tables rather than per request: building a
# statement of ORM attributes cost more than running it (docs/PERFORMANCE.md, the booking rush).
_ah, _oh, _ox, _ap = (AppointmentHours.__table__.c, OpeningHours.__table__.c, OpeningException.__table__.c,
                      Appointment.__table__.c)
_no_day, _no_weekday = sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), sa.Integer)  # PostgreSQL wants them typed
# The service's appointment hours, the site's weekly hours and its exceptions of some days, in one statement.
HOURS = sa.union_all(
    sa.select(sa.literal("service"), _ah.weekday, _no_day, _ah.opens, _ah.closes)
    .where(_ah.service_id == sa.bindparam("service_id")),
    sa.select(sa.literal("site"), _oh.weekday, _no_day, _oh.opens, _oh.closes)
    .where(_oh.site_id == sa.bindparam("site_id")),
    sa.select(sa.literal("exception"), _no_weekday, _ox.day, _ox.opens, _ox.closes)
    .where(_ox.site_id == sa.bindparam("site_id"), _ox.day >= sa.bindparam("first"), _ox.day <= sa.bindparam("last")),
)
# Seats in use per slot start between two starts: bookings, and holds not yet expired.
LIVE_SEATS = (
    sa.select(_ap.starts_at, sa.func.count())
    .where(_ap.service_id == sa.bindparam("service_id"), _ap.starts_at >= sa.bindparam("first"),
           _ap.starts_at <= sa.bindparam("last"), _ap.status.in_(SEATED_STATES),
           sa.or_(_ap.status != "held", _ap.hold_expires_at > sa.bindparam("now")))
    .group_by(_ap.starts_at)
)


def _layouts(session: Session, site: Site, service: Service, days: list[date]) -> dict[date, list]:
    """(starts_at, ends_at, capacity) of the service's slots on each local day, from its appointment
    hours clipped to the site's opening hours of that day (a holiday has none). One small query for
    any number of days: a week's page must not cost a week of per-day queries."""
    if service.appointment_seats <= 0 or service.slot_min <= 0 or not days:
        return {day: [] for day in days}
    rows = session.execute(HOURS, {"service_id": service.id, "site_id": site.id, "first": min(days),
                                   "last": max(days)}).all()
    appointment_hours = {weekday: (opens, closes) for kind, weekday, _, opens, closes in rows if kind == "service"}
    if not appointment_hours:
        return {day: [] for day in days}
    site_week = {weekday: (opens, closes) for kind, weekday, _, opens, closes in rows if kind == "site"}
    exceptions = {day: (opens, closes if opens else None) for kind, _, day, opens, closes in rows
                  if kind == "exception"}
    return {day: _weekly_layout(service, appointment_hours, site_week, exceptions, site, day) for day in days}


def _day_layout(session: Session, site: Site, service: Service, day: date) -> list[tuple[datetime, datetime, int]]:
    """(starts_at, ends_at, capacity) of the service's slots on a local day."""
    return _layouts(session, site, service, [day])[day]


def _live_seats(session: Session, service: Service, starts: list[datetime], now: datetime) -> dict[datetime, int]:
    """Seats in use per slot start: bookings, and holds not yet expired. One grouped query over the
    span of ``starts`` (the index on service, start and status serves it), however many days."""
    if not starts:
        return {}
    rows = session.execute(LIVE_SEATS, {"service_id": service.id, "first": min(starts), "last": max(starts),
                                        "now": now})
    return {at: n for at, n in rows}


def days_slots(session: Session, site: Site, service: Service, days: list[date], now: datetime | None = None,
               limits: Limits = Limits()) -> dict[date, list[Slot]]:
    """The service's slots that can still be booked on each local day, with their free seats."""
    now = now or utcnow()
    last = hours.local_now(site, now).date() + timedelta(days=limits.horizon_days)
    # Days of a release not yet open are no slots at all (issue 22, server/releases.py).
    layouts = _layouts(session, site, service, [day for day in days if day <= last
                                                and not releases.holds_back(session, site.id, service.id, day, now)])
    layouts = {day: [item for item in layout if item[0] > now] for day, layout in layouts.items()}
    used = _live_seats(session, service, [start for layout in layouts.values() for start, _, _ in layout], now)
    return {day: [Slot(start, end, capacity, max(0, capacity - used.get(start, 0)))
                  for start, end, capacity in layouts.get(day, [])] for day in days}


def day_slots(session: Session, site: Site, service: Service, day: date, now: datetime | None = None,
              limits: Limits = Limits()) -> list[Slot]:
    """The service's slots on a local day that can still be booked, with their free seats."""
    return days_slots(session, site, service, [day], now, limits)[day]


NEXT_FREE_DAYS = 7  # next_free reads a week first, then the rest of the horizon at once


def next_free(session: Session, site: Site, service: Service, after: datetime, now: datetime | None = None,
              limits: Limits = Limits(), count: int = NEXT_FREE) -> list[Slot]:
    """The first ``count`` free slots starting after ``after``, within the booking horizon."""
    now = now or utcnow()
    found: list[Slot] = []
    day = first = hours.local_now(site, max(after, now)).date()
    last = hours.local_now(site, now).date() + timedelta(days=limits.horizon_days)
    while day <= last and len(found) < count:
        span = NEXT_FREE_DAYS if day == first else (last - day).days + 1
        days = [day + timedelta(days=i) for i in range(min(span, (last - day).days + 1))]
        for slots in days_slots(session, site, service, days, now, limits).values():
            found += [s for s in slots if s.free and s.starts_at > after]
        day += timedelta(days=len(days))
    return found[:count]


# --- taking and giving back seats --------------------------------------------------------------


def _insert_ignoring_conflict(session: Session, values: dict) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(AppointmentSlot).values(**values).on_conflict_do_nothing())


_slot = AppointmentSlot.__table__.c
TAKE_SEAT = (sa.update(AppointmentSlot.__table__)
             .where(_slot.service_id == sa.bindparam("service"), _slot.starts_at == sa.bindparam("at"),
                    _slot.taken < sa.bindparam("seats"))
             .values(taken=_slot.taken + 1, capacity=sa.bindparam("seats")))


def _take_seat(session: Session, service: Service, starts_at: datetime, capacity: int) -> bool:
    """One seat of the slot, if one is free: decided by the database, in one UPDATE."""
    params = {"service": service.id, "at": starts_at, "seats": capacity}  # not column names: an UPDATE's own
    if session.execute(TAKE_SEAT, params).rowcount == 1:
        return True
    # No seat changed: the slot's row is not there yet (its first seat), or its seats are gone. The row
    # is made if missing, and the same UPDATE decides again (in a rush the row is there: one statement).
    _insert_ignoring_conflict(session, {"service_id": service.id, "starts_at": starts_at,
                                        "capacity": capacity, "taken": 0})
    return session.execute(TAKE_SEAT, params).rowcount == 1


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
            releases.check_open(session, site.id, service.id, start, now)  # not before its release (issue 22)
            if day > hours.local_now(site, now).date() + timedelta(days=limits.horizon_days):
                raise Invalid(N_("Appointments can be booked at most %(days)d days ahead."), days=limits.horizon_days)
            return start, end, capacity
    raise NotFound(N_("There is no such appointment time."))


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.exec(select(Appointment.id).where(Appointment.code == code)).first() is None:
            return code


SITE_AND_SERVICE = (select(Site, Service).join(Service, Service.site_id == Site.id)
                    .where(Site.slug == sa.bindparam("slug"), Service.code == sa.bindparam("code"), Service.active))


def site_and_service(session: Session, site_slug: str, service_code: str) -> tuple[Site, Service]:
    """The site and its active service, in one query (every booking page asks for both); NotFound
    saying which of them is not there."""
    found = session.execute(SITE_AND_SERVICE, {"slug": site_slug, "code": service_code}).first()
    if found is None:
        site = get_site(session, site_slug)
        return site, get_service(session, site, service_code)
    return found[0], found[1]


def hold(session: Session, site_slug: str, service_code: str, starts_at: datetime, *, requester: str = "",
         lang: str = "fi", now: datetime | None = None, limits: Limits = Limits()) -> Appointment:
    """Holds a seat for ``limits.hold_s`` while the citizen fills in the form."""
    now = now or utcnow()
    site, service = site_and_service(session, site_slug, service_code)
    starts_at, ends_at, capacity = _slot_at(session, site, service, starts_at, now, limits)
    if requester:
        recent = session.execute(
            sa.select(sa.func.count()).select_from(Appointment)
            .where(Appointment.requester == requester, Appointment.created_at > now - timedelta(hours=1))
        ).scalar_one()
        if recent >= limits.per_requester_per_hour:
            raise Conflict(N_("Too many bookings from this connection in a short time. Please try again later "
                              "or call the service point."))
    # Holds of the slot that ran out give their seats back when the seats are wanted: the same seats
    # are free either way, and a hold that finds one free reads no more (the rush's commonest write).
    if not _take_seat(session, service, starts_at, capacity) and not (
            release_expired(session, now, service.id, starts_at) and _take_seat(session, service, starts_at, capacity)):
        raise SlotTaken(next_free(session, site, service, starts_at, now, limits))
    appointment = Appointment(
        public_id=secrets.token_urlsafe(16), code=_new_code(session), site_id=site.id, service_id=service.id,
        starts_at=starts_at, ends_at=ends_at, status="held", hold_expires_at=now + timedelta(seconds=limits.hold_s),
        lang=lang, requester=requester, created_at=now,
    )
    session.add(appointment)
    session.flush()
    return appointment


def check_free(session: Session, site_slug: str, service_code: str, starts_at: datetime, *,
               now: datetime | None = None, limits: Limits = Limits()) -> None:
    """SlotTaken, with the next free times, if the slot has no free seat now: read before ``hold``, so
    that in a rush the many who come too late are told so without a write transaction (on SQLite
    the writes of the whole process take turns). Only ever a refusal: whether a seat is free for a
    hold is decided by ``hold``, in its one UPDATE."""
    now = now or utcnow()
    site, service = site_and_service(session, site_slug, service_code)
    try:
        starts_at, _, capacity = _slot_at(session, site, service, starts_at, now, limits)
    except DomainError:
        return  # the hold says what is wrong with the time, as it always has
    if _live_seats(session, service, [starts_at], now).get(starts_at, 0) >= capacity:
        raise SlotTaken(next_free(session, site, service, starts_at, now, limits))


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


APPOINTMENT_AND_PLACE = (select(Appointment, Site, Service).join(Site, Site.id == Appointment.site_id)
                         .join(Service, Service.id == Appointment.service_id)
                         .where(Appointment.public_id == sa.bindparam("public_id")))


APPOINTMENT_AND_PLACE_LOCKED = APPOINTMENT_AND_PLACE.with_for_update(of=Appointment)  # the booking's row only


def appointment_and_place(session: Session, public_id: str, lock: bool = False) -> tuple[Appointment, Site, Service]:
    """The booking with its site and service, in one query (each page of a booking shows all three)."""
    found = session.execute(APPOINTMENT_AND_PLACE_LOCKED if lock else APPOINTMENT_AND_PLACE,
                            {"public_id": public_id}).first()
    if found is None:
        raise NotFound(N_("There is no such booking."))
    return found[0], found[1], found[2]


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
    # The booking's row locked, with its site and service read in the same query: the event and the
    # message below find them in the session (which holds them only while they are referenced: hence
    # the names) instead of asking again inside the transaction.
    appointment, _site, _service = appointment_and_place(session, public_id, lock=True)
    if appointment.status == "booked":
        return appointment
    if appointment.status not in ("held", "expired"):
        raise Conflict(N_("This booking was cancelled. Please choose a time again."))
    if not consent:
        raise Invalid(N_("Please accept how your details are used, or call the service point to book."))
    name, phone, email, message = _check_contact(name, phone, email, message)
    releases.check_open(session, appointment.site_id, appointment.service_id, appointment.starts_at, now, lang)
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
               sa.text(f"({APPOINTMENT_PERSONAL})"))  # as its index says (models.py)
        .values(name="", phone="", email="", message="", requester="")
        .execution_options(synchronize_session=False)
    )
    return erased.rowcount
