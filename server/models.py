"""The tables, as SQLModel classes. The schema itself is made by Alembic (server/migrations).

Times are stored in UTC and shown in the site's time zone. Input is validated by separate,
non-table models (server/api/schemas.py), because ``table=True`` models skip validation.
"""

import re
from datetime import date, datetime, time, timezone

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime in Python, a naive UTC timestamp in the database.

    SQLite has no time zones; storing naive UTC everywhere keeps both databases alike.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Luukku stores aware UTC datetimes")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _at(**kw):
    return Field(sa_type=UTCDateTime, **kw)


def _still_kept(name: str, *columns: str, where: str) -> sa.Index:
    """A partial index of the rows whose personal data the retention jobs have still to clear: a row
    leaves it once cleared, so the jobs (every minute or hour) read what is left to do, never every
    row the tables ever had (tests/core/test_query_plans.py). ``where`` must appear as such in the
    jobs' statements for SQLite and PostgreSQL to use it."""
    return sa.Index(name, *columns, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


# An empty text written into a statement, not bound: PostgreSQL's generic plans of prepared statements
# match a partial index's ``!= ''`` only then.
NO_TEXT = sa.literal_column("''")


class Site(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)  # in Finnish, and in any language without a name of its own
    name_sv: str = Field(default="", max_length=200)
    name_en: str = Field(default="", max_length=200)
    # The postal address (lines separated by newlines), for letters and the pages that name the site.
    address: str = Field(default="", max_length=300)
    # The phone number citizens call (the booking pages name it), as people write it: "09 310 12345".
    phone: str = Field(default="", max_length=40)
    timezone: str = Field(default="Europe/Helsinki", max_length=64)
    languages: str = Field(default="fi,sv,en", max_length=20)
    # The last event number handed out on this site; events carry seq = this + 1.
    last_event_seq: int = Field(default=0)
    # A called ticket may be marked no-show once it has been called this many times.
    no_show_after_calls: int = Field(default=3)
    # The ticket's own lines above and below the number, per language (newlines allowed), and an
    # optional logo image (PNG, JPEG or GIF) printed once at the top.
    ticket_header_fi: str = Field(default="", max_length=500)
    ticket_header_sv: str = Field(default="", max_length=500)
    ticket_header_en: str = Field(default="", max_length=500)
    ticket_footer_fi: str = Field(default="", max_length=500)
    ticket_footer_sv: str = Field(default="", max_length=500)
    ticket_footer_en: str = Field(default="", max_length=500)
    ticket_logo: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    # The waiting-room displays' look: a brand colour (#rrggbb, empty for the default), a logo
    # (PNG or JPEG) and a notice line scrolling at the bottom, per language (empty: none).
    brand_colour: str = Field(default="", max_length=7)
    brand_logo: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    display_notice_fi: str = Field(default="", max_length=300)
    display_notice_sv: str = Field(default="", max_length=300)
    display_notice_en: str = Field(default="", max_length=300)
    # Remote tickets (server/remote.py): minutes a ticket at the front of its queue whose holder has
    # not arrived keeps its place, how many times it is then passed over (moved back
    # ``move_back_places``) before it is closed as a no-show, and the places "I need more time" and a
    # pass move a ticket back.
    arrival_hold_min: int = Field(default=10)
    arrival_passes: int = Field(default=1)
    move_back_places: int = Field(default=3)
    # Feedback per clerk in the reports: off unless an admin turns it on (docs/feedback.md says why).
    feedback_per_clerk: bool = Field(default=False)

    def name_in(self, lang: str) -> str:
        """The site's name in ``lang``: its Swedish or English name where it has one."""
        return getattr(self, f"name_{lang}", "") or self.name

    def phone_uri(self) -> str:
        """The phone number as a link a phone dials: "tel:+358931012345"."""
        return "tel:" + re.sub(r"[^\d+]", "", self.phone)

    def ticket_header(self, lang: str) -> str:
        return getattr(self, f"ticket_header_{lang}", "") or self.ticket_header_fi

    def ticket_footer(self, lang: str) -> str:
        return getattr(self, f"ticket_footer_{lang}", "") or self.ticket_footer_fi

    def display_notice(self, lang: str) -> str:
        return getattr(self, f"display_notice_{lang}", "") or self.display_notice_fi


class OpeningHours(SQLModel, table=True):
    """The site's regular hours: one row per weekday it is open (0 = Monday), local times."""

    __tablename__ = "opening_hours"
    __table_args__ = (sa.UniqueConstraint("site_id", "weekday"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    weekday: int
    opens: time
    closes: time


class OpeningException(SQLModel, table=True):
    """A one-off day (a holiday, a long evening): closed all day when ``opens`` is empty."""

    __tablename__ = "opening_exception"
    __table_args__ = (sa.UniqueConstraint("site_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    day: date
    opens: time | None = None
    closes: time | None = None


class Service(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("site_id", "code"),
        sa.UniqueConstraint("site_id", "prefix"),
    )
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    code: str = Field(max_length=40)
    prefix: str = Field(max_length=1)
    name_fi: str = Field(max_length=200)
    name_sv: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    tier: str = Field(default="generalist", max_length=20)
    target_wait_min: int = Field(default=15)
    # The typical minutes per customer: the wait estimate's starting point before the day has
    # enough served customers of its own (see server/estimate.py).
    service_min: int = Field(default=6)
    position: int = Field(default=0)
    active: bool = Field(default=True)
    # Numbers run number_start…number_end each local day, then start over.
    number_start: int = Field(default=1)
    number_end: int = Field(default=999)
    # Finishing a customer of this service asks for an outcome.
    outcome_required: bool = Field(default=False)
    # Where a ticket transferred into this service waits: "arrival" (by its original arrival time)
    # or "front" (ahead of the tickets that have not been transferred).
    transfer_position: str = Field(default="arrival", max_length=10)
    # Appointments (server/booking.py): how many can be served at once (counters or experts that
    # take them; 0: the service takes no bookings), the slot length, a pause after each, and the
    # share of the day's appointment capacity (percent) kept free for walk-ins.
    appointment_seats: int = Field(default=0)
    slot_min: int = Field(default=20)
    buffer_min: int = Field(default=0)
    walk_in_share: int = Field(default=0)
    # Joining from a phone (server/remote.py): allowed or not, from how many minutes after opening
    # until how many minutes before closing, and how many remote tickets may wait at once.
    remote_join: bool = Field(default=False)
    remote_from_min: int = Field(default=0)
    remote_until_min: int = Field(default=60)
    remote_max_waiting: int = Field(default=20)

    def name(self, lang: str) -> str:
        return getattr(self, f"name_{lang}", None) or self.name_fi


# clerk: the counter screen; expert: also takes transfers, appointments and service requests;
# manager: also the overview and the reports; admin: everything.
ROLES = ("clerk", "expert", "manager", "admin")


class Department(SQLModel, table=True):
    """Where a service request is routed when no one expert is named: building control, social
    services, … One list for the whole organisation, whichever site the matter came in at."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_fi: str = Field(max_length=200)
    name_sv: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    active: bool = Field(default=True)

    def name(self, lang: str) -> str:
        return getattr(self, f"name_{lang}", None) or self.name_fi


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True)
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=200)
    role: str = Field(default="clerk", max_length=20)  # one of ROLES
    active: bool = Field(default=True)
    # The department an expert works for: its service requests are on the expert's work list.
    department_id: int | None = Field(default=None, foreign_key="department.id")
    # Made by `luukku demo` with a known password: such a user can log in only in demo mode.
    demo: bool = Field(default=False)
    # Set when an admin resets the password: the temporary one only opens the page to choose a new one.
    must_change_password: bool = Field(default=False)
    password_changed_at: datetime | None = _at(default=None)


class Counter(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("site_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    number: str = Field(max_length=10)  # what the display and the voice say: "3"
    is_open: bool = Field(default=False)
    # Open but taking no calls (a break); the clerk stays bound to the counter.
    paused: bool = Field(default=False)
    paused_at: datetime | None = _at(default=None)  # the wait estimate expects it back after a while
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    # How call-next picks among the profile's services: "fair" or "ordered" (docs/queueing.md).
    profile: str = Field(default="fair", max_length=10)
    # The last call-next request's idempotency key and the ticket it called: a repeated request
    # (a double click, a retry) returns that ticket instead of calling another.
    call_key: str | None = Field(default=None, max_length=64)
    call_key_ticket_id: int | None = Field(default=None)


class CounterService(SQLModel, table=True):
    """The counter's work profile: the services it serves, their weights and order."""

    __tablename__ = "counter_service"
    counter_id: int = Field(foreign_key="counter.id", primary_key=True)
    service_id: int = Field(foreign_key="service.id", primary_key=True)
    weight: int = Field(default=1)  # 1–10: a weight-2 service's waits count double
    position: int = Field(default=0)  # the order in the "ordered" profile


class CounterDefaultService(SQLModel, table=True):
    """The counter's default work profile, set by an admin: the services and weights a clerk finds
    ticked when opening the counter (the clerk may change them; what is used is CounterService)."""

    __tablename__ = "counter_default_service"
    __table_args__ = (
        sa.PrimaryKeyConstraint("counter_id", "service_id", name="pk_counter_default_service"),
        sa.ForeignKeyConstraint(["counter_id"], ["counter.id"], name="fk_counter_default_service_counter_id"),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name="fk_counter_default_service_service_id"),
    )
    counter_id: int = Field(primary_key=True)
    service_id: int = Field(primary_key=True)
    weight: int = Field(default=1)  # 1–10, as in CounterService
    position: int = Field(default=0)


class TicketNumber(SQLModel, table=True):
    """The last number given per site, service and local day: numbers are never reused."""

    __tablename__ = "ticket_number"
    site_id: int = Field(foreign_key="site.id", primary_key=True)
    service_id: int = Field(foreign_key="service.id", primary_key=True)
    day: date = Field(primary_key=True)
    last_number: int = Field(default=0)


TICKET_STATES = ("waiting", "called", "serving", "parked", "finished", "no_show", "unserved", "cancelled")
OPEN_STATES = ("waiting", "called", "serving", "parked")
OUTCOMES = ("resolved", "transferred", "service_request", "left")


class Ticket(SQLModel, table=True):
    """A visit: from the kiosk (or a walk-in at the desk) to its end, across transfers."""

    # No unique (service, day, seq): a transfer moves a ticket into another service's queue, where the
    # same seq may have been given out. Numbers come from ticket_number's atomic counter.
    __table_args__ = (
        sa.Index("ix_ticket_queue", "site_id", "status", "service_day"),
        sa.Index("ix_ticket_service_queue", "service_id", "status", "service_day"),
        # A counter's current ticket (every call, every reading of the queue) and the displays' latest
        # calls (every event): without these both read every ticket the site ever had, and a busy
        # week's calls grew slower by the day (issue 24, docs/PERFORMANCE.md).
        sa.Index("ix_ticket_counter", "counter_id", "status"),
        sa.Index("ix_ticket_announced", "site_id", "service_day", "announced_at"),
        _still_kept("ix_ticket_noted", "issued_at", where="note IS NOT NULL"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # Goes into public URLs and QR codes: random, 128+ bits, never the number.
    public_id: str = Field(max_length=32, unique=True)
    site_id: int = Field(foreign_key="site.id")
    service_id: int = Field(foreign_key="service.id")
    service_day: date
    seq: int
    number: str = Field(max_length=10)
    lang: str = Field(default="fi", max_length=2)
    status: str = Field(default="waiting", max_length=20)  # one of TICKET_STATES
    issued_at: datetime = _at()
    # The arrival time the queue orders by; a transfer keeps it.
    queued_at: datetime = _at()
    called_at: datetime | None = _at(default=None)
    # The last call or recall: what the displays order by. called_at stays the first call, which
    # the waiting time is measured to.
    announced_at: datetime | None = _at(default=None)
    served_at: datetime | None = _at(default=None)  # start of the current service period
    finished_at: datetime | None = _at(default=None)
    call_count: int = Field(default=0)  # calls in the current period, recalls included
    period: int = Field(default=1)  # service periods: a transfer starts a new one
    priority: int = Field(default=0)  # set by staff, e.g. 1 = needs assistance
    front: bool = Field(default=False)  # transferred or returned to the front of its queue
    appointment_at: datetime | None = _at(default=None)  # a booked time: due ones go first
    walk_in: bool = Field(default=False)  # opened by a clerk at the desk, no ticket printed
    outcome: str | None = Field(default=None, max_length=20)  # one of OUTCOMES
    note: str | None = Field(default=None, max_length=500)  # for the next clerk
    counter_id: int | None = Field(default=None, foreign_key="counter.id")
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    # A transfer to a specific counter or a named expert: only they may call it.
    target_counter_id: int | None = Field(default=None, foreign_key="counter.id")
    target_staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    # The customer a clerk linked the visit to (server/customers.py); most visits stay anonymous.
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    # Joined from a phone (server/remote.py): not called before ``arrived_at`` is set ("I'm here",
    # or a check-in at the kiosk with ``arrival_code``). ``held_at``: since when it has been at the
    # front of its queue without its holder; ``passes``: times passed over for that; ``delays``:
    # times the visitor asked for more time.
    remote: bool = Field(default=False)
    arrived_at: datetime | None = _at(default=None)
    arrival_code: str | None = Field(default=None, max_length=8)
    held_at: datetime | None = _at(default=None)
    passes: int = Field(default=0)
    delays: int = Field(default=0)
    # The visitor asked to be told of its progress (a TicketContact row): events write messages.
    notify: bool = Field(default=False)
    # The waits the visitor was told (server/estimate.py), to compare with the wait they had: at the
    # kiosk or on joining from a phone, and the last one the phone's page showed before the call.
    told_wait_min: int | None = Field(default=None)
    told_last_min: int | None = Field(default=None)
    told_last_at: datetime | None = _at(default=None)


class TicketContact(SQLModel, table=True):
    """How a visitor wants to hear of a ticket's progress: personal data, kept apart from the ticket
    and erased when the visit has ended (server/remote.py)."""

    __tablename__ = "ticket_contact"
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    channel: str = Field(max_length=10)  # one of CHANNELS
    # An E.164 phone number, an email address, or a push subscription (JSON).
    address: str = Field(sa_type=sa.Text)
    lang: str = Field(default="fi", max_length=2)
    # "Tell me this many minutes before my turn", and when that was told.
    notify_before_min: int = Field(default=20)
    near_sent_at: datetime | None = _at(default=None)
    # Agreed to one message after the visit asking for feedback (server/feedback.py).
    feedback_ok: bool = Field(default=False)
    created_at: datetime = _at()


CHANNELS = ("sms", "email", "push")
MESSAGE_STATES = ("queued", "sending", "sent", "failed")


class Message(SQLModel, table=True):
    """One message to a citizen (SMS, email or push), written in the same transaction as the event
    that causes it and sent by server/messages.py: the print queue's pattern."""

    __table_args__ = (sa.Index("ix_message_due", "state", "next_attempt_at"),
                      _still_kept("ix_message_personal", "state", "updated_at", where="address != '' OR params != '{}'"))
    id: str = Field(primary_key=True, max_length=32)
    site_id: int = Field(foreign_key="site.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    channel: str = Field(max_length=10)  # one of CHANNELS
    address: str = Field(sa_type=sa.Text)  # erased with the rest of the personal data
    kind: str = Field(max_length=20)  # what it says: joined, near, called, transferred, closed, closure, …
    lang: str = Field(default="fi", max_length=2)
    params: str = Field(default="{}", sa_type=sa.Text)  # JSON: the figures the text is made of
    state: str = Field(default="queued", max_length=10)  # one of MESSAGE_STATES
    attempts: int = Field(default=0)
    next_attempt_at: datetime = _at()
    created_at: datetime = _at()
    updated_at: datetime = _at()
    sent_at: datetime | None = _at(default=None)
    error: str | None = Field(default=None, max_length=500)
    gateway_id: str | None = Field(default=None, max_length=100)  # the gateway's own id for it


class Event(SQLModel, table=True):
    """Append-only: what happened, written in the same transaction as the change itself."""

    # By kind: the counter screen's alarms of the day and a clerk's last counter read a few events of
    # one kind, not the site's whole log, at every render (tests/core/test_query_plans.py).
    __table_args__ = (sa.UniqueConstraint("site_id", "seq"), sa.Index("ix_event_site_type", "site_id", "type", "seq"),
                      _still_kept("ix_event_private", "ticket_id", where="private IS NOT NULL"))
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    seq: int
    type: str = Field(max_length=40)
    at: datetime = _at()
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    counter_id: int | None = Field(default=None, foreign_key="counter.id")
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    # The event as published (JSON text): what screens and integrations received.
    data: str = Field(sa_type=sa.Text)
    # Staff-only details (JSON text), never published: notes, the clerk a ticket was sent to.
    private: str | None = Field(default=None, sa_type=sa.Text)


PRINTER_CONDITIONS = (
    "unknown", "online", "paper_near_end", "paper_out", "cover_open", "offline", "error", "no_answer",
)
PRINT_JOB_STATES = ("queued", "sent", "printed", "failed")
PRINT_JOB_KINDS = ("ticket", "slip")


class Printer(SQLModel, table=True):
    """A receipt printer of a site, reached by the server (tcp://, usb://, serial://, file:) or
    through the printer agent on a kiosk PC (connection "agent")."""

    __table_args__ = (sa.UniqueConstraint("site_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    name: str = Field(max_length=60)
    connection: str = Field(max_length=300)
    profile: str = Field(default="TM-T88V", max_length=40)  # python-escpos capability profile
    condition: str = Field(default="unknown", max_length=20)  # one of PRINTER_CONDITIONS
    condition_at: datetime | None = _at(default=None)

    @property
    def via_agent(self) -> bool:
        return self.connection == "agent"


DEVICE_KINDS = ("kiosk", "display")


class Device(SQLModel, table=True):
    """A registered kiosk or waiting-room display (server/devices.py). Its token (only a hash is
    kept) lets its printer agent connect, and enrols its browser once."""

    __table_args__ = (sa.UniqueConstraint("site_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    kind: str = Field(default="kiosk", max_length=20)
    name: str = Field(max_length=60)
    printer_id: int | None = Field(default=None, foreign_key="printer.id")
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    token_created_at: datetime | None = _at(default=None)
    token_revoked_at: datetime | None = _at(default=None)
    # When the current token's enrolment link was used: it works once (server/devices.py).
    enrolled_at: datetime | None = _at(default=None)
    last_seen_at: datetime | None = _at(default=None)


class PrintJob(SQLModel, table=True):
    """One ticket to print, written in the same transaction as the ticket (or the staff's reprint);
    or (``kind`` "slip") a matter's steps for doing it oneself, asked for at a kiosk's guide.

    Printed at most once: only a queued job is ever sent, and a job is marked sent before its bytes
    leave. A job whose outcome is unknown (the printer went away mid-job) fails; staff may reprint.
    """

    __tablename__ = "print_job"
    __table_args__ = (sa.Index("ix_print_job_due", "printer_id", "state", "next_attempt_at"),)
    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(default="ticket", max_length=10)  # one of PRINT_JOB_KINDS
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)  # a ticket's job
    # A slip's matter and language (printers/slip.py); a ticket's language is the ticket's own.
    matter_id: int | None = Field(default=None, foreign_key="matter.id")
    lang: str = Field(default="", max_length=2)
    printer_id: int | None = Field(default=None, foreign_key="printer.id")
    reprint: bool = Field(default=False)
    requested_by: int | None = Field(default=None, foreign_key="staff_user.id")
    # What the slip says about the queue, as it was when the job was made.
    people_ahead: int = Field(default=0)
    estimated_wait_min: int = Field(default=0)
    state: str = Field(default="queued", max_length=20)  # one of PRINT_JOB_STATES
    attempts: int = Field(default=0)
    error: str | None = Field(default=None, max_length=500)
    next_attempt_at: datetime = _at()
    created_at: datetime = _at()
    updated_at: datetime = _at()
    sent_at: datetime | None = _at(default=None)
    printed_at: datetime | None = _at(default=None)


class AppointmentHours(SQLModel, table=True):
    """When a service takes appointments, per weekday (0 = Monday), in the site's local time; always
    within the site's opening hours of the day, and never on a day the site is closed."""

    __tablename__ = "appointment_hours"
    __table_args__ = (sa.UniqueConstraint("service_id", "weekday"),)
    id: int | None = Field(default=None, primary_key=True)
    service_id: int = Field(foreign_key="service.id", index=True)
    weekday: int
    opens: time
    closes: time


class AppointmentSlot(SQLModel, table=True):
    """The seats of one slot: the database, not Python, keeps ``taken`` within ``capacity``, so no two
    bookings ever share a seat, however many arrive at once (server/booking.py)."""

    __tablename__ = "appointment_slot"
    __table_args__ = (
        sa.CheckConstraint("taken >= 0 AND taken <= capacity", name="ck_appointment_slot_seats"),
    )
    service_id: int = Field(foreign_key="service.id", primary_key=True)
    starts_at: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    capacity: int
    taken: int = Field(default=0)


APPOINTMENT_STATES = ("held", "booked", "checked_in", "cancelled", "expired", "no_show")
SEATED_STATES = ("held", "booked", "checked_in", "no_show")  # those that hold a seat of their slot
APPOINTMENT_PERSONAL = "name != '' OR phone != '' OR email != '' OR message != '' OR requester != ''"


class Appointment(SQLModel, table=True):
    """A booked time, from the hold while the citizen fills in the form to check-in at the kiosk."""

    __table_args__ = (
        sa.Index("ix_appointment_slot", "service_id", "starts_at", "status"),
        sa.Index("ix_appointment_email", "email"),
        sa.Index("ix_appointment_phone", "phone"),
        # A hold counts the address's holds of the last hour (server/booking.py), inside the write:
        # without it, over the whole table, in a rush on every tap.
        sa.Index("ix_appointment_requester", "requester", "created_at"),
        # The jobs of every minute (holds to free, no-shows, reminders) read the holds and bookings to
        # come, never the appointments that ended.
        sa.Index("ix_appointment_state", "status", "starts_at"),
        _still_kept("ix_appointment_personal", "starts_at", where=APPOINTMENT_PERSONAL),
    )
    id: int | None = Field(default=None, primary_key=True)
    # In signed links; random, never the row id.
    public_id: str = Field(max_length=32, unique=True)
    # What the citizen types at the kiosk or shows as a QR code: short, unambiguous letters.
    code: str = Field(max_length=12, unique=True)
    site_id: int = Field(foreign_key="site.id")
    service_id: int = Field(foreign_key="service.id")
    starts_at: datetime = _at()
    ends_at: datetime = _at()
    status: str = Field(default="held", max_length=20)  # one of APPOINTMENT_STATES
    hold_expires_at: datetime | None = _at(default=None)
    # Personal data: the least that lets the service point reach the citizen; removed after the
    # retention period (docs/booking.md).
    name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=254)
    message: str = Field(default="", max_length=1000)
    lang: str = Field(default="fi", max_length=2)
    # A keyed hash of the address the booking came from: for the per-address limit, never the address.
    requester: str = Field(default="", max_length=64)
    created_at: datetime = _at()
    booked_at: datetime | None = _at(default=None)
    booked_by: int | None = Field(default=None, foreign_key="staff_user.id")  # staff, on the phone
    # The expert who takes it, if staff named one: the ticket of its check-in goes to them only.
    expert_id: int | None = Field(default=None, foreign_key="staff_user.id")
    cancelled_at: datetime | None = _at(default=None)
    cancel_reason: str = Field(default="", max_length=300)
    checked_in_at: datetime | None = _at(default=None)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    confirmation_sent_at: datetime | None = _at(default=None)
    reminder_sent_at: datetime | None = _at(default=None)
    # Agreed to one message after the visit asking for feedback (server/feedback.py).
    feedback_ok: bool = Field(default=False)


CUSTOMER_KINDS = ("person", "organisation")
SEGMENTS = ("resident", "non_resident", "business", "internal")
# Optional needs groups a customer may ask to be recorded (the service adapts to them); kept to the
# few a service point acts on, and erased with the rest of the personal data.
NEEDS = ("interpreter", "mobility", "vision", "hearing", "digital_support")
CONTACT_CHANNELS = ("phone", "email", "letter")


class Customer(SQLModel, table=True):
    """A person or an organisation in the customer registry (asiakasrekisteri).

    Personal data (name, contact details, needs) is erased after the retention period or on request;
    the row itself stays, anonymized, so that the statistics of its visits stay (server/customers.py).
    """

    __table_args__ = (_still_kept("ix_customer_named", "last_contact_at", where="anonymized_at IS NULL"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="person", max_length=20)  # one of CUSTOMER_KINDS
    segment: str = Field(default="resident", max_length=20)  # one of SEGMENTS
    needs: str = Field(default="", max_length=200)  # comma-separated NEEDS
    name: str = Field(default="", max_length=200)
    # The name folded for searching (case and accents as typed), the same on SQLite and PostgreSQL.
    name_key: str = Field(default="", max_length=200, index=True)
    business_id: str = Field(default="", max_length=20, index=True)  # Y-tunnus of an organisation
    phone: str = Field(default="", max_length=40, index=True)  # as normalized by booking.normal_phone
    email: str = Field(default="", max_length=254, index=True)  # lower case
    address: str = Field(default="", max_length=300)  # for letters
    preferred_channel: str = Field(default="phone", max_length=10)  # one of CONTACT_CHANNELS
    lang: str = Field(default="fi", max_length=2)
    created_at: datetime = _at()
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    updated_at: datetime = _at()
    # The last visit or service request: the retention period counts from here.
    last_contact_at: datetime = _at()
    anonymized_at: datetime | None = _at(default=None)


PERIOD_ENDS = ("transferred", "finished", "no_show", "unserved", "cancelled")


class ServicePeriod(SQLModel, table=True):
    """One service period of a visit: waiting in a service's queue, then served by one clerk at one
    counter, until a transfer, the finish, a no-show or closing time.

    Derived from the event log by server/visits.py whenever a period ends, and rebuilt from it on
    demand (``luukku visits rebuild``); the reports read these rows.
    """

    __tablename__ = "service_period"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "period"),
        sa.Index("ix_service_period_site_queued", "site_id", "queued_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    period: int
    site_id: int = Field(foreign_key="site.id")
    service_id: int = Field(foreign_key="service.id")
    tier: str = Field(max_length=20)  # the service's tier when the period ran
    counter_id: int | None = Field(default=None, foreign_key="counter.id")
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    queued_at: datetime = _at()  # arrival, a transfer, or the booked time if the visitor came early
    called_at: datetime | None = _at(default=None)  # the period's first call
    serving_at: datetime | None = _at(default=None)
    ended_at: datetime = _at()
    end: str = Field(max_length=20)  # one of PERIOD_ENDS
    outcome: str | None = Field(default=None, max_length=20)  # of a finished visit
    wait_s: int | None = Field(default=None)  # queued_at → called_at; none for a walk-in or no call
    service_s: int | None = Field(default=None)  # time in "serving", put-aside spells left out
    calls: int = Field(default=0)  # calls and recalls
    walk_in: bool = Field(default=False)
    appointment: bool = Field(default=False)


REQUEST_STATES = ("open", "in_progress", "waiting_customer", "closed")


class ServiceRequest(SQLModel, table=True):
    """A matter not solved at the desk (palvelupyyntö): routed to a department or a named expert, with
    a due date and a history of actions; the customer is contacted back through their preferred
    channel."""

    __tablename__ = "service_request"
    __table_args__ = (sa.Index("ix_service_request_work", "status", "due_on"),
                      _still_kept("ix_service_request_texts", "status", "closed_at", where="subject != '' OR description != ''"))
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")  # the visit it came from
    service_id: int | None = Field(default=None, foreign_key="service.id")  # what the matter is about
    department_id: int | None = Field(default=None, foreign_key="department.id")
    assignee_id: int | None = Field(default=None, foreign_key="staff_user.id")
    subject: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)  # personal data: erased with the customer's
    status: str = Field(default="open", max_length=20)  # one of REQUEST_STATES
    due_on: date
    channel: str = Field(default="phone", max_length=10)  # how the customer is contacted back
    created_at: datetime = _at()
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    updated_at: datetime = _at()
    closed_at: datetime | None = _at(default=None)


REQUEST_ACTIONS = ("created", "note", "assigned", "status", "contacted", "closed", "reopened")


class ServiceRequestAction(SQLModel, table=True):
    """One step in a service request's history; a ``contacted`` step by email is mailed by the mailer
    (``mail_sent_at`` claimed before sending, as with booking mail)."""

    __tablename__ = "service_request_action"
    __table_args__ = (_still_kept("ix_service_request_action_text", "request_id", where="text != ''"),)
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="service_request.id", index=True)
    at: datetime = _at()
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    kind: str = Field(max_length=20)  # one of REQUEST_ACTIONS
    text: str = Field(default="", max_length=2000)
    channel: str | None = Field(default=None, max_length=10)  # of a "contacted" step
    mail_sent_at: datetime | None = _at(default=None)


class AuditLog(SQLModel, table=True):
    """Who looked at or changed whose data, and what the system itself erased: append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_at", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _at()
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id")  # none: the system
    action: str = Field(max_length=60)  # "customer.view", "customer.erase", "retention.anonymize", …
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    target: str = Field(default="", max_length=100)  # what else it touched: "ticket:12", "request:3"
    detail: str = Field(default="", max_length=1000)  # no personal data: counts, field names


class LoginAttempt(SQLModel, table=True):
    """A failed staff login, or one whose password is being checked: the counts behind the lockout.

    A table of its own rather than columns on staff_user: unknown usernames are counted (and locked)
    exactly like real ones, so a lockout tells nothing about which names exist, and per-address
    counts span usernames. Kept in the database so that every worker sees the same counts.
    """

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_username_at", "username", "at"),
        sa.Index("ix_login_attempt_address_at", "address", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _at()
    username: str = Field(max_length=80)  # as typed, in lower case: "Clerk" and "clerk" count together
    address: str = Field(max_length=64)  # the client's network address


class Matter(SQLModel, table=True):
    """A matter a citizen comes with ("a parking permit for residents"), in the first tier's catalogue
    (server/matters.py): how to settle it oneself, what to have at hand, and which service takes it
    when it needs a clerk. Texts per language; a list field holds one item per line."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True)  # stable and readable: "parking-permit-resident"
    title_fi: str = Field(max_length=200)
    title_sv: str = Field(default="", max_length=200)
    title_en: str = Field(default="", max_length=200)
    # The words people use for it besides the title, comma-separated ("pysäköinti, asukaspysäköinti").
    keywords_fi: str = Field(default="", sa_type=sa.Text)
    keywords_sv: str = Field(default="", sa_type=sa.Text)
    keywords_en: str = Field(default="", sa_type=sa.Text)
    # The answer: a few sentences a visitor reads at the kiosk or on a phone.
    answer_fi: str = Field(default="", sa_type=sa.Text)
    answer_sv: str = Field(default="", sa_type=sa.Text)
    answer_en: str = Field(default="", sa_type=sa.Text)
    # What to have at hand (for the e-service) or to bring (to the counter): one per line.
    bring_fi: str = Field(default="", sa_type=sa.Text)
    bring_sv: str = Field(default="", sa_type=sa.Text)
    bring_en: str = Field(default="", sa_type=sa.Text)
    # The steps of doing it oneself, as the printed slip lists them: one per line.
    steps_fi: str = Field(default="", sa_type=sa.Text)
    steps_sv: str = Field(default="", sa_type=sa.Text)
    steps_en: str = Field(default="", sa_type=sa.Text)
    # The e-service that settles it, per language (a language without one uses the Finnish one);
    # a matter with an e-service can be done oneself.
    eservice_url_fi: str = Field(default="", max_length=500)
    eservice_url_sv: str = Field(default="", max_length=500)
    eservice_url_en: str = Field(default="", max_length=500)
    # The service (by its code, at each site) that takes it when it needs a clerk; none: self-service
    # only. ``book``: it needs an expert's time, so booking is offered before a queue number.
    service_code: str | None = Field(default=None, max_length=40)
    book: bool = Field(default=False)
    # Shown as a topic button on the guide's first screen, in this order (0: not a topic button).
    topic_position: int = Field(default=0)
    active: bool = Field(default=True)
    # Imported from the national service catalogue (server/ptv.py): the PTV service's id, and the
    # fields as PTV last gave them (JSON), so that a field staff changed since is known and kept.
    ptv_id: str | None = Field(default=None, max_length=64, unique=True)
    ptv_values: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = _at(default_factory=utcnow)
    updated_at: datetime = _at(default_factory=utcnow)

    def text(self, field: str, lang: str) -> str:
        """A field in ``lang``, or in Finnish where that language has none."""
        return getattr(self, f"{field}_{lang}", "") or getattr(self, f"{field}_fi")

    def lines(self, field: str, lang: str) -> list[str]:
        return [line.strip() for line in self.text(field, lang).splitlines() if line.strip()]


class MatterSite(SQLModel, table=True):
    """The sites whose guide offers a matter: one catalogue, shared by the sites that take it."""

    __tablename__ = "matter_site"
    matter_id: int = Field(foreign_key="matter.id", primary_key=True)
    site_id: int = Field(foreign_key="site.id", primary_key=True)


class GuideEvent(SQLModel, table=True):
    """What happened in the first tier, for the reports: a matter opened, settled by self-service
    ("solved"), a slip printed, a number taken or a time booked from it, or a search that found nothing.

    Anonymous. The words of a search that found nothing are kept (what citizens ask that the catalogue
    lacks) for the retention period only; the count stays."""

    __tablename__ = "guide_event"
    __table_args__ = (sa.Index("ix_guide_event_site_at", "site_id", "at"),
                      _still_kept("ix_guide_event_query", "at", where='"query" IS NOT NULL'))
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    at: datetime = _at(default_factory=utcnow)
    channel: str = Field(max_length=10)  # "kiosk" or "phone"
    kind: str = Field(max_length=20)  # one of server.matters.GUIDE_EVENTS
    matter_id: int | None = Field(default=None, foreign_key="matter.id")
    lang: str = Field(default="fi", max_length=2)
    query: str | None = Field(default=None, max_length=100)  # only for "not-found"


class Feedback(SQLModel, table=True):
    """"How did we do?": one answer per visit (``ticket_id`` unique) from the ticket's phone page or
    the link in a message, or an anonymous tap on the feedback tablet by the exit (no ticket).
    The comment is free text that may hold personal data: managers only, and the registry's
    retention and erasure apply (server/feedback.py)."""

    __table_args__ = (sa.Index("ix_feedback_site_at", "site_id", "at"),
                      _still_kept("ix_feedback_comment", "at", where="comment != ''"))
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", unique=True)
    service_id: int | None = Field(default=None, foreign_key="service.id")
    counter_id: int | None = Field(default=None, foreign_key="counter.id")
    staff_user_id: int | None = Field(default=None, foreign_key="staff_user.id")
    at: datetime = _at(default_factory=utcnow)
    score: int  # 1 (very bad) … 5 (very good)
    comment: str = Field(default="", sa_type=sa.Text)
    lang: str = Field(default="fi", max_length=2)
    channel: str = Field(max_length=10)  # "phone", "message" or "tablet"


class ServiceAlert(SQLModel, table=True):
    """A service going wrong, for the managers on duty: its longest wait past its target
    ("over_target"), or its queue not served before closing at the current pace ("past_closing").
    Open while ``cleared_at`` is None; cleared by itself when the cause goes (server/alerts.py)."""

    __tablename__ = "service_alert"
    __table_args__ = (sa.Index("ix_service_alert_site_open", "site_id", "cleared_at"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    service_id: int = Field(foreign_key="service.id")
    kind: str = Field(max_length=20)
    started_at: datetime = _at(default_factory=utcnow)
    cleared_at: datetime | None = _at(default=None)
    # What it was when raised (and last seen): for the alert's words and the reports.
    waiting: int = Field(default=0)
    longest_min: int = Field(default=0)
    target_min: int = Field(default=0)
    notified_at: datetime | None = _at(default=None)


class DirectoryGroup(SQLModel, table=True):
    """A group (or role) of the city's identity provider and what it gives in Luukku: a role, and a
    department for the experts' work lists. Edited by an admin on /admin/directory (server/directory.py)."""

    __tablename__ = "directory_group"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)  # as the groups claim says it: a name, a path or an id
    role: str = Field(max_length=20)  # one of ROLES
    department_id: int | None = Field(default=None, foreign_key="department.id")


class DirectoryAccount(SQLModel, table=True):
    """A staff account made by the first sign-in through the identity provider: the provider's stable
    ``sub`` is the key, never a username. ``groups``: the mapped groups of the last sign-in, so that a
    changed mapping is applied at once. ``refused_at``: the directory gave no role at the last look,
    and the account was deactivated for it (a sign-in with a role again reactivates only such an
    account, never one an admin deactivated)."""

    __tablename__ = "directory_account"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)
    id: int | None = Field(default=None, primary_key=True)
    staff_user_id: int = Field(foreign_key="staff_user.id", unique=True)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    email: str = Field(default="", max_length=320)
    groups: str = Field(default="[]", sa_type=sa.Text)  # JSON list
    last_sign_in_at: datetime | None = _at(default=None)
    refused_at: datetime | None = _at(default=None)


class BookingRelease(SQLModel, table=True):
    """New appointment times released at a set moment (issue 22): until ``opens_at`` the days from
    ``first_day`` to ``last_day`` cannot be booked at all; who comes before waits in the lobby and is
    let in in random order at ``pace`` admissions a minute (server/releases.py, docs/booking.md)."""

    __tablename__ = "booking_release"
    __table_args__ = (sa.Index("ix_booking_release_site", "site_id", "last_day"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    service_id: int | None = Field(default=None, foreign_key="service.id")  # None: every service of the site
    first_day: date  # local days of the site
    last_day: date
    opens_at: datetime = _at()
    pace: int  # admissions a minute
    created_by: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = _at(default_factory=utcnow)
    cancelled_at: datetime | None = _at(default=None)


class LobbyPass(SQLModel, table=True):
    """One browser's place in a release's lobby: its random ``rank`` drawn when it came (after the
    line was drawn, behind everyone in arrival order). Deleted some days after the release opened."""

    __tablename__ = "lobby_pass"
    __table_args__ = (sa.Index("ix_lobby_pass_rank", "release_id", "rank"),
                      sa.Index("ix_lobby_pass_requester", "release_id", "requester"))
    id: str = Field(primary_key=True, max_length=32)
    release_id: int = Field(foreign_key="booking_release.id")
    rank: int = Field(sa_type=sa.BigInteger)
    requester: str = Field(default="", max_length=64)  # a keyed hash of the address, for the per-address limit
    created_at: datetime = _at(default_factory=utcnow)
    admitted_at: datetime | None = _at(default=None)
