"""What each worker keeps of a site between its events, so that issuing a ticket reads almost nothing.

Issuing is the hot path of a rush (docs/PERFORMANCE.md): reading the site, its services, opening
hours, kiosks and printers, and replaying its whole queue for the estimate, cost more than writing
the ticket. Every change to any of them is an event of the site (a call, a ``config.changed``, a
``printer.status``), and issuing reads the site's event number anyway. So each worker keeps, per
site, what issuing needs as of an event number: the settings and the queue. While the site's events
since then are only tickets issued (by other kiosks, other workers), the settings are unchanged and
the queue is the kept one with those tickets added; anything else, and both are read afresh. After
``KEPT_S`` they are read afresh whatever the events say: a change made outside the application (an
edit in the database) is seen within that long.
"""

import bisect
import copy
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from printers import jobs
from server import hours
from server.errors import N_, NotFound
from server.estimate import QueueNow, order
from server.models import Device, Event, Printer, Service, Site, Ticket

KEPT_S = 10


@dataclass
class Settings:
    """A site's settings as issuing reads them. Its ORM objects are detached (read from a session of
    their own) and only read: threads share them."""

    site: Site
    services: dict[str, Service]  # the active ones, by code
    kiosks: list  # (name, printer_id) rows, in the order they were added
    printers: list[Printer]  # by id
    days: dict[date, hours.DayHours] = field(default_factory=dict)  # filled as days are asked for

    def service(self, code: str) -> Service:
        service = self.services.get(code)
        if service is None:
            raise NotFound(N_("There is no service called “%(service)s” here."), service=code)
        return service

    def is_open(self, session: Session, now: datetime) -> bool:
        local = hours.local_now(self.site, now)
        day = local.date()
        if day not in self.days:
            self.days[day] = hours.hours_on(session, self.site, day)
        return hours.open_at(self.days[day], local)

    def printer_for(self, device_name: str | None) -> Printer | None:
        return jobs.choose_printer(self.kiosks, self.printers, device_name)


@dataclass(frozen=True)
class Kept:
    seq: int  # the site's event number these are true at
    settings: Settings
    queue: QueueNow


# Per database (its write engine) and site id.
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

SITE_SEQ = sa.select(Site.id, Site.last_event_seq).where(Site.slug == sa.bindparam("slug"))  # built once


def site_now(session: Session, slug: str, now: datetime) -> tuple[Settings, QueueNow, int]:
    """The site's settings and its queue now (a copy of its own: add to it), and the site's event number
    they are true at: as this transaction found it, or a later one that another transaction of this
    worker kept meanwhile (on PostgreSQL, with many kiosks, usually: it committed during our first
    read). Either is as good for a ticket whose own event comes after it."""
    row = session.connection().execute(SITE_SEQ, {"slug": slug}).first()
    if row is None:
        raise NotFound(N_("There is no service point called “%(site)s”."), site=slug)
    site_id, seen = row
    kept = _kept.get(session.get_bind(), {}).get(site_id)
    if kept is not None and (now - kept.queue.read_at).total_seconds() < KEPT_S:
        day = hours.local_now(kept.settings.site, now).date()
        issued = None
        if kept.queue.day == day:
            issued = _issued_since(session, site_id, kept.seq, seen, day) if kept.seq <= seen else []
        if issued is not None:
            queue = copy.copy(kept.queue)
            queue.now, queue.waiting = now, list(kept.queue.waiting)
            for ticket in issued:
                _add_waiting(queue, ticket)
            return kept.settings, queue, max(seen, kept.seq)
    settings = read_settings(session, site_id)
    return settings, QueueNow(session, settings.site, now, hours.local_now(settings.site, now).date()), seen


def keep(session: Session, settings: Settings, queue: QueueNow, seen: int, seq: int) -> None:
    """Once this transaction commits, keeps ``settings`` and ``queue`` as the site's at event ``seq``.
    ``queue`` is the site's at ``seen`` (site_now's number) with this transaction's ticket; the events
    between, if any (PostgreSQL: kiosks on other threads and workers), have committed, each having
    taken the site's row before this one did: if they are only tickets issued, they are added;
    anything else, and nothing is kept. Otherwise the kept queue would age with every ticket that
    had company, and each next ticket add more of them (docs/PERFORMANCE.md)."""
    if seq != seen + 1:
        between = _issued_since(session, settings.site.id, seen, seq - 1, queue.day)
        if between is None:
            return
        for ticket in between:
            _add_waiting(queue, ticket)
    kept = _kept.setdefault(session.get_bind(), {})
    # Threads commit in any order: an older state kept over a newer one only means more events to add.
    session.info["on_commit"].append(lambda: kept.__setitem__(settings.site.id, Kept(seq, settings, queue)))


def _add_waiting(queue: QueueNow, ticket) -> int | None:
    """Puts a ticket just issued (with the columns of _issued_since's rows) in its place in ``queue``;
    its index there, or None for a ticket sent to a particular counter or clerk (left out)."""
    if ticket.target_counter_id is not None or ticket.target_staff_user_id is not None:
        return None
    return _insert(queue, (ticket.id, ticket.service_id, ticket.queued_at, ticket.priority, ticket.front))


def _insert(queue: QueueNow, row: tuple) -> int:
    index = bisect.bisect(queue.waiting, order(row), key=order)
    queue.waiting.insert(index, row)
    return index


# The id a ticket has in a queue until its row is written (place_new, saved): after every real one
# (the largest an id column holds on PostgreSQL, whose queries take it too).
UNSAVED = 2**31 - 1


def place_new(queue: QueueNow, service_id: int, now: datetime, targeted: bool = False) -> tuple[int, int | None]:
    """Puts a ticket about to be issued now in its place in ``queue``: the minutes until it is called,
    and its index there (for ``saved``). Estimated before its row is written, so that the row is
    written once, with the estimate it was told."""
    index = None if targeted else _insert(queue, (UNSAVED, service_id, now, 0, False))  # as _add_waiting
    return queue.wait_min(service_id, UNSAVED), index


def saved(queue: QueueNow, index: int | None, ticket_id: int) -> None:
    """The ticket placed by place_new has its row now: its real id in the queue (its place stays)."""
    if index is not None:
        queue.waiting[index] = (ticket_id, *queue.waiting[index][1:])


def read_settings(session: Session, site_id: int) -> Settings:
    # In a session of its own on the same connection: its objects are detached when it closes, and the
    # caller's session keeps its own (a booking's check-in has the site loaded already).
    with Session(bind=session.connection(), expire_on_commit=False) as own:
        site = own.get(Site, site_id)
        services = {s.code: s for s in own.exec(select(Service).where(Service.site_id == site_id, Service.active))}
        kiosks = own.execute(sa.select(Device.name, Device.printer_id)
                             .where(Device.site_id == site_id, Device.kind == "kiosk").order_by(Device.id)).all()
        printers = list(own.exec(select(Printer).where(Printer.site_id == site_id).order_by(Printer.id)))
    return Settings(site=site, services=services, kiosks=kiosks, printers=printers)


def _issued_since(session: Session, site_id: int, since: int, until: int, day: date) -> list | None:
    """The tickets of the site's events numbered after ``since`` up to ``until``, if all of them are
    tickets issued for ``day``; None if anything else happened (a call, a change of the settings)."""
    if since == until:
        return []
    rows = session.execute(
        sa.select(Event.type, Ticket.id, Ticket.service_id, Ticket.queued_at, Ticket.priority, Ticket.front,
                  Ticket.target_counter_id, Ticket.target_staff_user_id, Ticket.service_day)
        .join(Ticket, Ticket.id == Event.ticket_id, isouter=True)
        .where(Event.site_id == site_id, Event.seq > since, Event.seq <= until)).all()
    if len(rows) != until - since or any(r.type != "ticket.issued" or r.service_day != day for r in rows):
        return None
    return rows
