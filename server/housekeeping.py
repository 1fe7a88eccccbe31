"""Jobs the server runs by itself while it is up: closing the day's unserved tickets, giving back
the seats of appointment holds whose time ran out, marking missed bookings no-shows, and erasing
personal data after its retention period (bookings', and the customer registry's, hourly)."""

import logging
from datetime import datetime

import anyio

from server import booking, customers, queue
from server.db import Database
from server.models import utcnow

log = logging.getLogger("luukku.housekeeping")


def close_days(db: Database, now: datetime | None = None) -> int:
    """Closes, site by site, the tickets left open past closing time; returns how many."""
    now = now or utcnow()
    with db.read() as session:
        slugs = [site.slug for site in queue.all_sites(session)]
    closed = 0
    for slug in slugs:
        with db.write() as session:
            tickets = queue.close_day(session, queue.get_site(session, slug), now)
        if tickets:
            log.info("closed %d unserved tickets at %s", len(tickets), slug)
        closed += len(tickets)
    return closed


def release_holds(db: Database, now: datetime | None = None) -> int:
    """Expired holds give their seats back (bookings also do it themselves for the slot they want)."""
    with db.write() as session:
        return booking.release_expired(session, now)


def mark_no_shows(db: Database, now: datetime | None = None, limits: booking.Limits = booking.Limits()) -> int:
    with db.write() as session:
        return booking.mark_no_shows(session, now, limits)


def forget_people(db: Database, retention_days: int, now: datetime | None = None) -> int:
    with db.write() as session:
        return booking.forget_people(session, retention_days, now)


def apply_retention(db: Database, registry_days: int, now: datetime | None = None) -> dict:
    with db.write() as session:
        return customers.apply_retention(session, registry_days, now)


RETENTION_EVERY_S = 3600  # personal data past its time goes within the hour; no need to scan each minute


def run_all(db: Database, limits: booking.Limits, retention_days: int) -> None:
    close_days(db)
    release_holds(db)
    mark_no_shows(db, limits=limits)
    forget_people(db, retention_days)


async def run_periodically(db: Database, interval_s: float, limits: booking.Limits, retention_days: int,
                           registry_days: int) -> None:
    """Runs the jobs every ``interval_s`` seconds (the registry's retention every hour) until
    cancelled; a failing run is logged."""
    last_retention = None
    while True:
        try:
            await anyio.to_thread.run_sync(run_all, db, limits, retention_days)
            if last_retention is None or anyio.current_time() - last_retention >= RETENTION_EVERY_S:
                await anyio.to_thread.run_sync(apply_retention, db, registry_days)
                last_retention = anyio.current_time()
        except Exception:  # the next run tries again; the server must not stop for this
            log.exception("housekeeping failed")
        await anyio.sleep(interval_s)
