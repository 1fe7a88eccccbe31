"""The queue engine: issuing, calling and finishing tickets.

Each function that changes state runs inside the caller's write transaction
(``Database.write()``), changes the rows and appends exactly one event. No HTTP here.
"""

import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from server.errors import Conflict, Invalid, NotFound, N_
from server.events import record_event
from server.models import (
    Counter,
    CounterService,
    PrintJob,
    Service,
    Site,
    Ticket,
    TicketNumber,
    utcnow,
)

LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class IssuedTicket:
    site: Site
    service: Service
    ticket: Ticket
    people_ahead: int
    estimated_wait_min: int
    print_job_id: str | None


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


def _next_number(session: Session, site: Site, service: Service, day: date) -> int:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(TicketNumber).values(
        site_id=site.id, service_id=service.id, day=day, last_number=1
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["site_id", "service_id", "day"],
        set_={"last_number": TicketNumber.last_number + 1},
    ).returning(TicketNumber.last_number)
    return session.execute(stmt).scalar_one()


def people_ahead(session: Session, ticket: Ticket) -> int:
    return session.execute(
        sa.select(sa.func.count())
        .select_from(Ticket)
        .where(
            Ticket.service_id == ticket.service_id,
            Ticket.service_day == ticket.service_day,
            Ticket.status == "waiting",
            Ticket.seq < ticket.seq,
        )
    ).scalar_one()


def open_counters_for(session: Session, service: Service) -> int:
    return session.execute(
        sa.select(sa.func.count())
        .select_from(Counter)
        .join(CounterService, CounterService.counter_id == Counter.id)
        .where(CounterService.service_id == service.id, Counter.is_open)
    ).scalar_one()


def estimate_wait_min(session: Session, service: Service, ahead: int) -> int:
    """People ahead × the service's typical service time ÷ the counters open for it."""
    if ahead == 0:
        return 0
    counters = max(1, open_counters_for(session, service))
    return math.ceil(ahead * service.service_min / counters)


def issue_ticket(
    session: Session,
    site_slug: str,
    service_code: str,
    lang: str,
    now: datetime | None = None,
    printed: bool = True,
) -> IssuedTicket:
    """A new ticket at the end of the service's queue; with ``printed``, its print job too."""
    if lang not in LANGUAGES:
        raise Invalid(N_("Language must be one of fi, sv, en."))
    site = get_site(session, site_slug)
    service = get_service(session, site, service_code)
    now = now or utcnow()
    day = local_day(site, now)
    seq = _next_number(session, site, service, day)
    ticket = Ticket(
        public_id=secrets.token_urlsafe(16),
        site_id=site.id,
        service_id=service.id,
        service_day=day,
        seq=seq,
        number=f"{service.prefix}{seq:03d}",
        lang=lang,
        issued_at=now,
    )
    session.add(ticket)
    session.flush()
    job = None
    if printed:
        job = PrintJob(id=secrets.token_hex(16), ticket_id=ticket.id, created_at=now, updated_at=now)
        session.add(job)
    record_event(session, site, "ticket.issued", ticket=ticket, service=service)
    ahead = people_ahead(session, ticket)
    return IssuedTicket(
        site=site,
        service=service,
        ticket=ticket,
        people_ahead=ahead,
        estimated_wait_min=estimate_wait_min(session, service, ahead),
        print_job_id=job.id if job else None,
    )


def get_counter(session: Session, counter_id: int) -> Counter:
    counter = session.get(Counter, counter_id)
    if counter is None:
        raise NotFound(N_("There is no counter with id %(counter)s."), counter=counter_id)
    return counter


def counter_services(session: Session, counter: Counter) -> list[Service]:
    return list(
        session.exec(
            select(Service)
            .join(CounterService, CounterService.service_id == Service.id)
            .where(CounterService.counter_id == counter.id)
            .order_by(Service.position, Service.prefix)
        )
    )


def current_ticket(session: Session, counter: Counter) -> Ticket | None:
    return session.exec(
        select(Ticket).where(Ticket.counter_id == counter.id, Ticket.status == "called")
    ).first()


def open_counter(
    session: Session, counter_id: int, staff_user_id: int, service_codes: list[str]
) -> Counter:
    counter = get_counter(session, counter_id)
    if counter.is_open and counter.staff_user_id not in (None, staff_user_id):
        raise Conflict(N_("Counter %(counter)s is already open for another clerk."),
                       counter=counter.number)
    site = session.get(Site, counter.site_id)
    services = [get_service(session, site, code) for code in dict.fromkeys(service_codes)]
    if not services:
        raise Invalid(N_("Choose at least one service for the counter."))
    session.execute(sa.delete(CounterService).where(CounterService.counter_id == counter.id))
    session.add_all(CounterService(counter_id=counter.id, service_id=s.id) for s in services)
    counter.is_open = True
    counter.staff_user_id = staff_user_id
    session.add(counter)
    record_event(session, site, "counter.opened", counter=counter, staff_user_id=staff_user_id)
    return counter


def _acting_counter(session: Session, counter_id: int, staff_user_id: int) -> Counter:
    counter = get_counter(session, counter_id)
    if not counter.is_open:
        raise Conflict(N_("Counter %(counter)s is closed. Open it first."), counter=counter.number)
    if counter.staff_user_id != staff_user_id:
        raise Conflict(N_("Counter %(counter)s is open for another clerk."), counter=counter.number)
    return counter


def call_next(
    session: Session, counter_id: int, staff_user_id: int, now: datetime | None = None
) -> tuple[Ticket, Service] | None:
    """Calls the ticket that has waited longest in the counter's services, or None if none waits."""
    counter = _acting_counter(session, counter_id, staff_user_id)
    if current_ticket(session, counter) is not None:
        raise Conflict(N_("Finish the current customer before calling the next one."))
    site = session.get(Site, counter.site_id)
    now = now or utcnow()
    served = sa.select(CounterService.service_id).where(CounterService.counter_id == counter.id)
    # SKIP LOCKED: on PostgreSQL two counters calling at once each get a different ticket without
    # waiting for each other. SQLite ignores it; its writes are serialised by BEGIN IMMEDIATE.
    ticket = session.exec(
        select(Ticket)
        .where(
            Ticket.site_id == site.id,
            Ticket.status == "waiting",
            Ticket.service_day == local_day(site, now),
            Ticket.service_id.in_(served),
        )
        .order_by(Ticket.issued_at, Ticket.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if ticket is None:
        return None
    service = session.get(Service, ticket.service_id)
    ticket.status = "called"
    ticket.called_at = now
    ticket.counter_id = counter.id
    ticket.staff_user_id = staff_user_id
    session.add(ticket)
    record_event(
        session, site, "ticket.called", ticket=ticket, service=service, counter=counter,
        staff_user_id=staff_user_id,
    )
    return ticket, service


def get_ticket(session: Session, public_id: str) -> Ticket:
    ticket = session.exec(select(Ticket).where(Ticket.public_id == public_id)).first()
    if ticket is None:
        raise NotFound(N_("There is no such ticket."))
    return ticket


def finish_ticket(
    session: Session, public_id: str, staff_user_id: int, now: datetime | None = None
) -> tuple[Ticket, Service]:
    ticket = get_ticket(session, public_id)
    if ticket.status != "called":
        raise Conflict(N_("Ticket %(number)s is not being served, so it cannot be finished."),
                       number=ticket.number)
    counter = _acting_counter(session, ticket.counter_id, staff_user_id)
    site = session.get(Site, ticket.site_id)
    service = session.get(Service, ticket.service_id)
    ticket.status = "finished"
    ticket.finished_at = now or utcnow()
    session.add(ticket)
    record_event(
        session, site, "ticket.finished", ticket=ticket, service=service, counter=counter,
        staff_user_id=staff_user_id,
    )
    return ticket, service


def recent_calls(session: Session, site: Site, now: datetime | None = None, limit: int = 8):
    """Today's calls, newest first: (ticket, service, counter) for the displays."""
    rows = session.exec(
        select(Ticket, Service, Counter)
        .join(Service, Service.id == Ticket.service_id)
        .join(Counter, Counter.id == Ticket.counter_id)
        .where(
            Ticket.site_id == site.id,
            Ticket.called_at.is_not(None),
            Ticket.service_day == local_day(site, now or utcnow()),
        )
        .order_by(Ticket.called_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return list(rows)


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


def close_counter(session: Session, counter_id: int, staff_user_id: int) -> Counter:
    counter = _acting_counter(session, counter_id, staff_user_id)
    if current_ticket(session, counter) is not None:
        raise Conflict(N_("Finish the current customer before closing the counter."))
    site = session.get(Site, counter.site_id)
    session.execute(sa.delete(CounterService).where(CounterService.counter_id == counter.id))
    counter.is_open = False
    counter.staff_user_id = None
    session.add(counter)
    record_event(session, site, "counter.closed", counter=counter, staff_user_id=staff_user_id)
    return counter


def site_counters(session: Session, site: Site) -> list[Counter]:
    return list(session.exec(select(Counter).where(Counter.site_id == site.id).order_by(Counter.id)))


def counter_of(session: Session, staff_user_id: int) -> Counter | None:
    """The counter a clerk has open, if any."""
    return session.exec(
        select(Counter).where(Counter.staff_user_id == staff_user_id, Counter.is_open)
    ).first()
