"""The queue: issuing tickets, and what screens read about queues, tickets and counters.

Each function that changes state runs inside the caller's write transaction
(``Database.write()``), changes the rows and appends exactly one event. No HTTP here.
What a clerk does at a counter is in server/counters.py; the rules are in docs/queueing.md.
"""

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from printers import jobs
from server import estimate, hours, site_memory
from server.errors import Conflict, Invalid, NotFound, N_
from server.events import record_event
from server.models import (
    Counter,
    CounterService,
    Event,
    Printer,
    PrintJob,
    Service,
    Site,
    StaffUser,
    Ticket,
    TicketNumber,
    utcnow,
)

LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class IssuedTicket:
    site: Site
    service: Service
    ticket: "NewTicket"
    people_ahead: int
    estimated_wait_min: int
    print_job_id: str | None
    # The printer's last known condition when the ticket was issued; None without a print job.
    printer_condition: str | None = None
    print_job: dict | None = None  # the job as the API shows it (printers/jobs.py job_view)


def local_day(site: Site, at: datetime) -> date:
    return at.astimezone(ZoneInfo(site.timezone)).date()


def get_site(session: Session, slug: str) -> Site:
    site = session.exec(select(Site).where(Site.slug == slug)).first()
    if site is None:
        raise NotFound(N_("There is no service point called “%(site)s”."), site=slug)
    return site


def get_service(session: Session, site: Site, code: str) -> Service:
    service = session.exec(
        select(Service).where(Service.site_id == site.id, Service.code == code, Service.active)
    ).first()
    if service is None:
        raise NotFound(N_("There is no service called “%(service)s” here."), service=code)
    return service


def active_services(session: Session, site: Site) -> list[Service]:
    return list(
        session.exec(
            select(Service)
            .where(Service.site_id == site.id, Service.active)
            .order_by(Service.position, Service.prefix)
        )
    )


def _number_upsert(insert) -> sa.Insert:
    """The day's next number of a service: one statement that inserts 1 or adds 1, and returns it."""
    numbers, p = TicketNumber.__table__, sa.bindparam
    return (insert(numbers).values(site_id=p("site_id"), service_id=p("service_id"), day=p("day"), last_number=1)
            .on_conflict_do_update(index_elements=["site_id", "service_id", "day"],
                                   set_={"last_number": numbers.c.last_number + 1})
            .returning(numbers.c.last_number))


# Built once per dialect, as the people ahead below: they run for every ticket issued.
NEXT_NUMBER = {"postgresql": _number_upsert(postgresql.insert), "sqlite": _number_upsert(sqlite.insert)}


def _next_number(session: Session, site: Site, service: Service, day: date) -> int:
    statement = NEXT_NUMBER[session.get_bind().dialect.name]
    return session.connection().execute(statement, {"site_id": site.id, "service_id": service.id, "day": day}).scalar_one()


def _people_ahead_query() -> sa.Select:
    """Waiting tickets of a service and day that call-next takes before the given one: higher
    priority, then those sent to the front, then earlier in the queue (docs/queueing.md)."""
    T, p = Ticket, sa.bindparam
    same_front = sa.and_(T.front == p("front"),
                         sa.or_(T.queued_at < p("queued_at"), sa.and_(T.queued_at == p("queued_at"), T.id < p("id"))))
    return (
        sa.select(sa.func.count()).select_from(T)
        .where(T.service_id == p("service_id"), T.service_day == p("day"), T.status == "waiting", T.id != p("id"),
               sa.or_(T.priority > p("priority"),
                      sa.and_(T.priority == p("priority"), sa.or_(T.front > p("front"), same_front))))
    )


# Built once: it runs for every ticket issued, and building it was most of its cost.
PEOPLE_AHEAD = _people_ahead_query()


def people_ahead(session: Session, ticket: Ticket) -> int:
    """Waiting tickets of the same service that its queue puts first (docs/queueing.md)."""
    return session.execute(PEOPLE_AHEAD, {
        "service_id": ticket.service_id, "day": ticket.service_day, "id": ticket.id,
        "priority": ticket.priority, "front": ticket.front, "queued_at": ticket.queued_at}).scalar_one()


def people_ahead_of_new(session: Session, service: Service, day: date, now: datetime) -> int:
    """people_ahead of a ticket of the service about to be issued now, before its row is written."""
    return session.execute(PEOPLE_AHEAD, {"service_id": service.id, "day": day, "id": site_memory.UNSAVED,
                                          "priority": 0, "front": False, "queued_at": now}).scalar_one()


def places(session: Session, site: Site, day: date) -> dict[int, int]:
    """people_ahead of every waiting ticket of the site's day at once, by ticket id (the phones).
    Each service's line comes sorted in call-next's order from the database: two columns of each
    ticket, not a sort of whole rows here (45 ms for 5,000 waiting; a phones' reading at each event)."""
    ahead: dict[int, int] = {}
    line, place = None, 0
    for ticket_id, service_id in session.execute(
            sa.select(Ticket.id, Ticket.service_id)
            .where(Ticket.site_id == site.id, Ticket.service_day == day, Ticket.status == "waiting")
            .order_by(Ticket.service_id, Ticket.priority.desc(), Ticket.front.desc(), Ticket.queued_at, Ticket.id)):
        if service_id != line:
            line, place = service_id, 0
        ahead[ticket_id] = place
        place += 1
    return ahead


def ticket_number(service: Service, seq: int) -> str:
    """The seq-th number of the day: number_start…number_end, then from the start again."""
    span = max(1, service.number_end - service.number_start + 1)
    value = service.number_start + (seq - 1) % span
    width = max(3, len(str(service.number_end)))
    return f"{service.prefix}{value:0{width}d}"


@dataclass
class NewTicket:
    """A ticket as new_ticket wrote it, with every column of Ticket (the API's answer, the event and the
    kiosk's screen read them), but not an ORM object: building one cost more than writing the row.
    Read it only: a change goes to the database through the ORM (get_ticket), as any other's does."""

    id: int
    public_id: str
    site_id: int
    service_id: int
    service_day: date
    seq: int
    number: str
    lang: str
    issued_at: datetime
    queued_at: datetime
    status: str = "waiting"
    called_at: datetime | None = None
    announced_at: datetime | None = None
    served_at: datetime | None = None
    finished_at: datetime | None = None
    call_count: int = 0
    period: int = 1
    priority: int = 0
    front: bool = False
    appointment_at: datetime | None = None
    walk_in: bool = False
    outcome: str | None = None
    note: str | None = None
    counter_id: int | None = None
    staff_user_id: int | None = None
    target_counter_id: int | None = None
    target_staff_user_id: int | None = None
    customer_id: int | None = None
    remote: bool = False
    arrived_at: datetime | None = None
    arrival_code: str | None = None
    held_at: datetime | None = None
    passes: int = 0
    delays: int = 0
    notify: bool = False
    told_wait_min: int | None = None
    told_last_min: int | None = None
    told_last_at: datetime | None = None


INSERT_TICKET = sa.insert(Ticket.__table__).returning(Ticket.__table__.c.id)  # built once: every ticket


def new_ticket(session: Session, site: Site, service: Service, lang: str, now: datetime, **fields) -> NewTicket:
    """A ticket's row with the day's next number of its service; ``fields``: NewTicket's others."""
    day = local_day(site, now)
    seq = _next_number(session, site, service, day)
    values = dict(public_id=secrets.token_urlsafe(16), site_id=site.id, service_id=service.id, service_day=day,
                  seq=seq, number=ticket_number(service, seq), lang=lang, issued_at=now, queued_at=now, **fields)
    return NewTicket(id=session.connection().execute(INSERT_TICKET, values).scalar_one(), **values)


def issue_ticket(
    session: Session,
    site_slug: str,
    service_code: str,
    lang: str,
    now: datetime | None = None,
    printed: bool = True,
    device: str | None = None,
    appointment_at: datetime | None = None,
    expert_id: int | None = None,
) -> IssuedTicket:
    """A new ticket at the end of the service's queue; with ``printed``, its print job too, for the
    printer of the kiosk ``device`` (printers/jobs.py says which printer that is). A ticket for an
    appointment (``appointment_at``, its booked time) goes before walk-ins once that time comes.

    The hot path of a rush: the site's settings and queue come from what this worker kept of them
    (server/site_memory.py), and the rows are written as rows (docs/PERFORMANCE.md)."""
    if lang not in LANGUAGES:
        raise Invalid(N_("Language must be one of fi, sv, en."))
    now = now or utcnow()
    settings, state, seen_seq = site_memory.site_now(session, site_slug, now)
    site = settings.site
    service = settings.service(service_code)
    if not settings.is_open(session, now):
        raise Conflict(N_("The service point is closed now. No queue numbers are given."))
    printer = settings.printer_for(device) if printed else None
    # What the screen and the slip say, to hold it to account (server/accuracy.py). Both before the
    # rows: writing the day's number locks the service's row until commit, and on PostgreSQL the
    # kiosks of one service wait for each other that long (docs/PERFORMANCE.md).
    wait, place = site_memory.place_new(state, service.id, now, targeted=expert_id is not None)
    ahead = people_ahead_of_new(session, service, local_day(site, now), now)
    ticket = new_ticket(session, site, service, lang, now, appointment_at=appointment_at,
                        target_staff_user_id=expert_id, told_wait_min=wait)
    site_memory.saved(state, place, ticket.id)
    job = jobs.create_job(session, ticket, printer, now, ahead, wait) if printed else None
    event = record_event(session, site, "ticket.issued", at=now, ticket=ticket, service=service)
    site_memory.keep(session, settings, state, seen_seq, event["seq"])
    return IssuedTicket(
        site=site,
        service=service,
        ticket=ticket,
        people_ahead=ahead,
        estimated_wait_min=wait,
        print_job_id=job.id if job else None,
        printer_condition=(printer.condition if printer else "none") if printed else None,
        print_job=jobs.job_view(job, printer) if job else None,
    )


def get_ticket(session: Session, public_id: str) -> Ticket:
    ticket = session.exec(select(Ticket).where(Ticket.public_id == public_id)).first()
    if ticket is None:
        raise NotFound(N_("There is no such ticket."))
    return ticket


def reprint_ticket(session: Session, public_id: str, staff_user_id: int, now: datetime | None = None,
                   printer: Printer | None = None) -> PrintJob:
    """A new job for a ticket whose paper was lost or never came out, on the printer of its last
    job unless ``printer`` is given; an event records who asked."""
    now = now or utcnow()
    ticket = get_ticket(session, public_id)
    if ticket.status in jobs.ENDED_VISITS:
        raise Conflict(N_("Ticket %(number)s is closed; it is not printed again."), number=ticket.number)
    site = session.get(Site, ticket.site_id)
    if printer is None:
        original = session.exec(
            select(PrintJob).where(PrintJob.ticket_id == ticket.id, PrintJob.printer_id.is_not(None))
            .order_by(PrintJob.created_at.desc())
        ).first()
        printer = session.get(Printer, original.printer_id) if original else jobs.printer_for(session, site)
    if printer is None:
        raise Conflict(N_("No printer is set up for this service point."))
    ahead = people_ahead(session, ticket) if ticket.status == "waiting" else 0
    job = jobs.create_job(session, ticket, printer, now, people_ahead=ahead, requested_by=staff_user_id)
    service = session.get(Service, ticket.service_id)
    record_event(session, site, "ticket.reprinted", at=now, ticket=ticket, service=service,
                 staff_user_id=staff_user_id, audience="staff", printer=jobs.printer_view(printer))
    return job


def recent_calls(session: Session, site: Site, now: datetime | None = None, limit: int = 8,
                 services: frozenset[str] | None = None, counters: frozenset[str] | None = None):
    """Today's calls, the latest call or recall first: (ticket, service, counter) for the displays.

    ``services`` (codes or prefixes) and ``counters`` (numbers) narrow it to what one display shows.
    """
    query = (
        select(Ticket, Service, Counter)
        .join(Service, Service.id == Ticket.service_id)
        .join(Counter, Counter.id == Ticket.counter_id)
        .where(
            Ticket.site_id == site.id,
            Ticket.announced_at.is_not(None),
            Ticket.service_day == local_day(site, now or utcnow()),
            Counter.is_open,  # a closed counter disappears from the displays
        )
        .order_by(Ticket.announced_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    if services is not None:
        query = query.where(sa.or_(Service.code.in_(services), Service.prefix.in_(services)))
    if counters is not None:
        query = query.where(Counter.number.in_(counters))
    return list(session.exec(query))


def waiting_counts(session: Session, site: Site, now: datetime | None = None) -> dict[int, int]:
    rows = session.execute(
        sa.select(Ticket.service_id, sa.func.count())
        .where(
            Ticket.site_id == site.id,
            Ticket.status == "waiting",
            Ticket.service_day == local_day(site, now or utcnow()),
        )
        .group_by(Ticket.service_id)
    )
    return dict(rows.all())


def open_counters(session: Session, site: Site) -> list[Counter]:
    return list(
        session.exec(
            select(Counter).where(Counter.site_id == site.id, Counter.is_open).order_by(Counter.id)
        )
    )


def all_sites(session: Session) -> list[Site]:
    return list(session.exec(select(Site).order_by(Site.name)))


def site_counters(session: Session, site: Site) -> list[Counter]:
    return list(session.exec(select(Counter).where(Counter.site_id == site.id).order_by(Counter.id)))


def counter_of(session: Session, staff_user_id: int) -> Counter | None:
    """The counter a clerk has open, if any."""
    return session.exec(
        select(Counter).where(Counter.staff_user_id == staff_user_id, Counter.is_open)
    ).first()


def get_counter(session: Session, counter_id: int, lock: bool = False) -> Counter:
    """The counter; with ``lock`` its row stays locked until the transaction ends (PostgreSQL),
    so two requests for one counter (a double click, two tabs) act one after the other."""
    query = select(Counter).where(Counter.id == counter_id).execution_options(populate_existing=True)
    counter = session.exec(query.with_for_update() if lock else query).first()
    if counter is None:
        raise NotFound(N_("There is no counter with id %(counter)s."), counter=counter_id)
    return counter


def counter_services(session: Session, counter: Counter) -> list[Service]:
    """The counter's work profile, in the profile's order."""
    return list(
        session.exec(
            select(Service)
            .join(CounterService, CounterService.service_id == Service.id)
            .where(CounterService.counter_id == counter.id)
            .order_by(CounterService.position, Service.position, Service.prefix)
        )
    )


def site_profiles(session: Session, site: Site) -> dict[int, list[Service]]:
    """Every work profile of the site's counters, each in its order (``counter_services``), in one query."""
    rows = session.exec(
        select(CounterService.counter_id, Service)
        .join(Service, Service.id == CounterService.service_id)
        .join(Counter, Counter.id == CounterService.counter_id)
        .where(Counter.site_id == site.id)
        .order_by(CounterService.counter_id, CounterService.position, Service.position, Service.prefix)
    )
    profiles: dict[int, list[Service]] = {}
    for counter_id, service in rows:
        profiles.setdefault(counter_id, []).append(service)
    return profiles


def last_counter_of(session: Session, site: Site, staff_user_id: int) -> Counter | None:
    """The counter the clerk opened last at the site (its counter.opened event), if any."""
    counter_id = session.exec(
        select(Event.counter_id)
        .where(Event.site_id == site.id, Event.type == "counter.opened",
               Event.staff_user_id == staff_user_id, Event.counter_id.is_not(None))
        .order_by(Event.seq.desc())
        .limit(1)
    ).first()
    return session.get(Counter, counter_id) if counter_id is not None else None


def last_profile(session: Session, counter: Counter) -> dict[int, int]:
    """{service id: weight} the counter served when it was last open (kept after closing)."""
    rows = session.exec(select(CounterService).where(CounterService.counter_id == counter.id)
                        .order_by(CounterService.position))
    return {row.service_id: row.weight for row in rows}


def current_ticket(session: Session, counter: Counter) -> Ticket | None:
    """The customer called to, or being served at, the counter."""
    return session.exec(
        select(Ticket).where(Ticket.counter_id == counter.id, Ticket.status.in_(("called", "serving")))
    ).first()


def longest_wait_min(session: Session, site: Site, now: datetime) -> dict[int, int]:
    """Per service with someone waiting, the whole minutes the longest waiter has waited."""
    rows = session.execute(
        sa.select(Ticket.service_id, sa.func.min(Ticket.queued_at))
        .where(Ticket.site_id == site.id, Ticket.status == "waiting",
               Ticket.service_day == local_day(site, now))
        .group_by(Ticket.service_id)
    )
    return {sid: max(0, int((now - since).total_seconds() // 60)) for sid, since in rows.all()}


def estimates(session: Session, site: Site, services: list[Service], now: datetime) -> dict[int, int]:
    """Per service, the estimated wait of a ticket taken now, in minutes."""
    return estimate.estimates(session, site, services, now, local_day(site, now))


def waiting_tickets(session: Session, site: Site, now: datetime, per_service: int = 12) -> list[tuple[Ticket, Service]]:
    """Today's waiting and parked tickets for the clerks' lists, in the order calls take them: every
    one parked or sent to a counter or a person, and of the others the first ``per_service`` of each
    service. (The site's first 50 alone left a clerk of a quiet service with an empty line behind 50
    of a busy one.)"""
    order = (Ticket.priority.desc(), Ticket.front.desc(), Ticket.queued_at, Ticket.id)
    in_line = sa.and_(Ticket.status == "waiting", Ticket.target_counter_id.is_(None),
                      Ticket.target_staff_user_id.is_(None))
    ranked = (
        sa.select(Ticket.id, sa.func.row_number().over(partition_by=(Ticket.service_id, in_line), order_by=order).label("place"),
                  in_line.label("in_line"))
        .where(Ticket.site_id == site.id, Ticket.status.in_(("waiting", "parked")),
               Ticket.service_day == local_day(site, now))
        .subquery()
    )
    rows = session.exec(
        select(Ticket, Service)
        .join(ranked, ranked.c.id == Ticket.id)
        .join(Service, Service.id == Ticket.service_id)
        .where(sa.or_(ranked.c.place <= per_service, sa.not_(ranked.c.in_line)))
        .order_by(*order)
    )
    return list(rows)


def find_ticket(session: Session, site: Site, ref: str, now: datetime) -> Ticket:
    """A ticket by its public id, or by today's number as a clerk types it ("a42", "A042")."""
    ref = ref.strip()
    ticket = session.exec(select(Ticket).where(Ticket.public_id == ref, Ticket.site_id == site.id)).first()
    if ticket is None and 2 <= len(ref) <= 10 and ref[1:].strip().isdigit():
        service = session.exec(
            select(Service).where(Service.site_id == site.id, Service.prefix == ref[0].upper())
        ).first()
        if service is not None:
            width = max(3, len(str(service.number_end)))
            number = f"{service.prefix}{int(ref[1:]):0{width}d}"
            # Numbers start over after number_end: the latest ticket with the number is meant.
            ticket = session.exec(
                select(Ticket)
                .where(Ticket.site_id == site.id, Ticket.service_day == local_day(site, now),
                       Ticket.number == number)
                .order_by(Ticket.id.desc())
            ).first()
    if ticket is None:
        raise NotFound(N_("There is no ticket %(ref)s today."), ref=ref)
    return ticket


def ticket_history(session: Session, ticket: Ticket) -> list[dict]:
    """The ticket's events, oldest first, for staff: as published, plus ``private`` (notes, …)."""
    return [{**json.loads(e.data), "private": json.loads(e.private) if e.private else None}
            for e in session.exec(select(Event).where(Event.ticket_id == ticket.id).order_by(Event.seq))]


def staff_names(session: Session, ids) -> dict[int, str]:
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    rows = session.exec(select(StaffUser).where(StaffUser.id.in_(ids)))
    return {u.id: u.display_name for u in rows}


def close_day(session: Session, site: Site, now: datetime | None = None) -> list[Ticket]:
    """Closes the tickets the day left open, as "unserved" with an event each (never deleted).

    Waiting and put-aside tickets end at closing time; anything still open from an earlier day
    (a counter left serving overnight) ends too. Run every minute by the server (server/web/app.py).
    """
    now = now or utcnow()
    today = local_day(site, now)
    open_states = ("waiting", "parked", "called", "serving")
    stale = sa.and_(Ticket.service_day < today, Ticket.status.in_(open_states))
    if hours.past_closing(session, site, now):
        stale = sa.or_(stale, sa.and_(Ticket.service_day == today,
                                      Ticket.status.in_(("waiting", "parked"))))
    tickets = list(session.exec(
        select(Ticket).where(Ticket.site_id == site.id, stale).order_by(Ticket.id)
        .with_for_update(skip_locked=True)
    ))
    services = {s.id: s for s in session.exec(select(Service).where(Service.site_id == site.id))}
    for ticket in tickets:
        previous = ticket.status
        ticket.status = "unserved"
        ticket.finished_at = now
        session.add(ticket)
        record_event(session, site, "ticket.unserved", at=now, ticket=ticket,
                     service=services[ticket.service_id], previous=previous)
    return tickets
