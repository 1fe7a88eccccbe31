"""Jobs the server runs by itself while it is up: closing the day's unserved tickets, passing over
remote tickets whose holders have not come (server/remote.py), raising and clearing the managers'
alerts (server/alerts.py), giving back
the seats of appointment holds whose time ran out, marking missed bookings no-shows, and erasing
personal data after its retention period (bookings', and the customer registry's, hourly), and the
words of the guide's searches that found nothing after theirs (hourly)."""

import logging
from datetime import datetime, timedelta

import anyio
import sqlalchemy as sa

from server import alerts, booking, customers, matters, outbox, queue, releases, remote
from server.db import Database
from server.models import NO_TEXT, Message, Ticket, TicketContact, utcnow

log = logging.getLogger("luukku.housekeeping")
ENDED_VISITS = ("finished", "no_show", "unserved", "cancelled")


def _site_by_site(db: Database, job, now: datetime) -> dict[str, list]:
    """``job(session, site, now)`` for each site in a transaction of its own: one busy site's
    locks do not hold up the others. What it returned, by site."""
    with db.read() as session:
        slugs = [site.slug for site in queue.all_sites(session)]
    done = {}
    for slug in slugs:
        with db.write() as session:
            done[slug] = job(session, queue.get_site(session, slug), now)
    return done


def close_days(db: Database, now: datetime | None = None) -> int:
    """Closes, site by site, the tickets left open past closing time; returns how many."""
    closed = _site_by_site(db, queue.close_day, now or utcnow())
    for slug, tickets in closed.items():
        if tickets:
            log.info("closed %d unserved tickets at %s", len(tickets), slug)
    return sum(len(tickets) for tickets in closed.values())


def pass_over(db: Database, now: datetime | None = None) -> int:
    """Remote tickets held at the front too long: passed over, or no-shows (server/remote.py)."""
    return sum(len(tickets) for tickets in _site_by_site(db, remote.pass_over_due, now or utcnow()).values())


def check_alerts(db: Database, now: datetime | None = None, contacts: list[tuple[str, str, str]] = ()) -> int:
    """The managers' alerts of services going wrong (server/alerts.py), raised and cleared site by
    site, each raised told to ``contacts`` (alerts.parse_contacts); returns how many were raised."""
    checked = _site_by_site(db, lambda session, site, at: alerts.check(session, site, at, contacts), now or utcnow())
    return sum(len(done["raised"]) for done in checked.values())


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


def forget_messages(db: Database, message_days: int, now: datetime | None = None) -> dict:
    """The queue messages' personal data (server/messenger.py): a message's address and contents
    ``message_days`` after it was sent or failed; the visitors' contact details once their visit has
    ended, from the next day of the site's calendar on (the messages' rows stay, for the reports)."""
    now = now or utcnow()
    with db.write() as session:
        erased = session.execute(
            sa.update(Message)
            .where(Message.state.in_(("sent", "failed")), Message.updated_at < now - timedelta(days=message_days),
                   sa.or_(Message.address != NO_TEXT, Message.params != sa.literal_column("'{}'")))
            .values(address="", params="{}").execution_options(synchronize_session=False)).rowcount
        contacts = 0
        for site in queue.all_sites(session):
            # From the contacts left (few), not from every visit the site has ended.
            ended = sa.select(TicketContact.ticket_id).join(Ticket, Ticket.id == TicketContact.ticket_id).where(
                TicketContact.site_id == site.id, Ticket.status.in_(ENDED_VISITS),
                Ticket.service_day < queue.local_day(site, now))
            gone = session.execute(ended).scalars().all()
            if gone:
                contacts += session.execute(sa.delete(TicketContact).where(TicketContact.ticket_id.in_(gone))
                                            .execution_options(synchronize_session=False)).rowcount
                session.execute(sa.update(Ticket).where(Ticket.id.in_(gone), Ticket.notify).values(notify=False)
                                .execution_options(synchronize_session=False))
    return {"messages": erased, "contacts": contacts}


def forget_search_words(db: Database, search_words_days: int, now: datetime | None = None) -> int:
    """The words of the guide's searches that found nothing (server/matters.py), once they are
    ``search_words_days`` old: they may name a person or a case. The count stays for the reports."""
    with db.write() as session:
        cleared = matters.forget_queries(session, search_words_days, now)
    if cleared:
        log.info("cleared the words of %d searches that found nothing", cleared)
    return cleared


def forget_lobby_passes(db: Database, now: datetime | None = None) -> int:
    """Lobby passes of booking releases that opened ``releases.RETENTION_DAYS`` ago (issue 22)."""
    with db.write() as session:
        return releases.forget_passes(session, now)


RETENTION_EVERY_S = 3600  # personal data past its time goes within the hour; no need to scan each minute


def remind_by_sms(db: Database, remind_before: timedelta, now: datetime | None = None) -> int:
    """Reminders of bookings told by text message, into the outbox (server/outbox.py)."""
    with db.write() as session:
        return outbox.appointment_reminders(session, now or utcnow(), remind_before)


def run_all(db: Database, limits: booking.Limits, retention_days: int,
            remind_before: timedelta = timedelta(hours=24), alert_contacts: list[tuple[str, str, str]] = ()) -> None:
    close_days(db)
    pass_over(db)
    check_alerts(db, contacts=alert_contacts)
    release_holds(db)
    mark_no_shows(db, limits=limits)
    remind_by_sms(db, remind_before)
    forget_people(db, retention_days)


async def run_periodically(db: Database, interval_s: float, limits: booking.Limits, retention_days: int,
                           registry_days: int, message_days: int = 30,
                           remind_before: timedelta = timedelta(hours=24), search_words_days: int = 90,
                           alert_contacts: list[tuple[str, str, str]] = ()) -> None:
    """Runs the jobs every ``interval_s`` seconds (the registry's, the queue messages' and the search
    words' retention every hour) until cancelled; a failing run is logged."""
    last_retention = None
    while True:
        try:
            await anyio.to_thread.run_sync(run_all, db, limits, retention_days, remind_before, alert_contacts)
            if last_retention is None or anyio.current_time() - last_retention >= RETENTION_EVERY_S:
                await anyio.to_thread.run_sync(apply_retention, db, registry_days)
                await anyio.to_thread.run_sync(forget_messages, db, message_days)
                await anyio.to_thread.run_sync(forget_search_words, db, search_words_days)
                await anyio.to_thread.run_sync(forget_lobby_passes, db)
                last_retention = anyio.current_time()
        except Exception:  # the next run tries again; the server must not stop for this
            log.exception("housekeeping failed")
        await anyio.sleep(interval_s)
