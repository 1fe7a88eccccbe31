"""The event log: every state change appends one event in its own transaction.

An event's ``data`` is exactly what the bus publishes to screens and integrations after commit.
What only staff may read (a clerk's note, who a ticket was sent to) goes to ``private`` and is
never published. Events for staff screens only (an alarm) carry ``"audience": "staff"``; public
sockets drop them.
"""

import json
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from server import outbox, visits
from server.models import Counter, Event, Service, Site, Ticket, utcnow


def ticket_view(ticket: Ticket, service: Service) -> dict:
    """The public face of a ticket: no personal data, the random public id, never the row id."""
    return {
        "id": ticket.public_id,
        "number": ticket.number,
        "service": service.code,
        "status": ticket.status,
    }


def counter_view(counter: Counter) -> dict:
    return {"id": counter.id, "number": counter.number}


_sites = Site.__table__.c
INSERT_EVENT = sa.insert(Event.__table__)
NEXT_SEQ = (sa.update(Site.__table__).where(_sites.id == sa.bindparam("site_id"))
            .values(last_event_seq=_sites.last_event_seq + 1).returning(_sites.last_event_seq))


def record_event(
    session: Session,
    site: Site,
    type: str,
    *,
    ticket: Ticket | None = None,
    service: Service | None = None,
    counter: Counter | None = None,
    staff_user_id: int | None = None,
    private: dict | None = None,
    at: datetime | None = None,
    **extra,
) -> dict:
    session.flush()  # the change itself reaches the database before its event, as an ORM query would
    # An UPDATE … RETURNING takes the site row's write lock, so seq is gap-free and ordered per site
    # on PostgreSQL as on SQLite. Built once, on the table: every change runs it (docs/PERFORMANCE.md).
    connection = session.connection()  # Core statements on it: the session's own execute costs more
    seq = connection.execute(NEXT_SEQ, {"site_id": site.id}).scalar_one()
    at = at or utcnow()
    data: dict = {"seq": seq, "site": site.slug, "type": type, "at": at.isoformat()}
    if ticket is not None and service is not None:
        data["ticket"] = ticket_view(ticket, service)
    if counter is not None:
        data["counter"] = counter_view(counter)
    data.update(extra)
    # Written at once, as a row of the table: an ORM object costs more than the rest of the event.
    connection.execute(INSERT_EVENT, {
        "site_id": site.id,
        "seq": seq,
        "type": type,
        "at": at,
        "ticket_id": ticket.id if ticket else None,
        "counter_id": counter.id if counter else None,
        "staff_user_id": staff_user_id,
        "data": json.dumps(data, ensure_ascii=False),
        "private": json.dumps(private, ensure_ascii=False) if private else None,
    })
    if ticket is not None and type in visits.ENDINGS:
        visits.record(session, ticket)  # the visit record follows the log in the same transaction
    if ticket is not None and ticket.notify:
        outbox.on_ticket_event(session, site, data, ticket)  # its holder asked to be told
    if ticket is not None and type in ("ticket.finished", "ticket.unserved") and (
            ticket.notify or ticket.appointment_at):
        outbox.ask_feedback(session, site, ticket, at)  # one feedback message, if agreed to (issue 21)
    session.info.setdefault("events", []).append(data)
    return data


def is_public(event: dict) -> bool:
    return event.get("audience") != "staff"


def last_seqs(session: Session, slugs: list[str]) -> dict[str, int]:
    """The last event number per site: what a screen's snapshot starts from (server/web/live.py)."""
    rows = session.execute(sa.select(Site.slug, Site.last_event_seq).where(Site.slug.in_(slugs)))
    return {slug: seq for slug, seq in rows}


def events_after(session: Session, site: Site, seq: int, types: set[str], since: datetime) -> list[dict]:
    """The site's published events of ``types`` numbered after ``seq`` and not older than ``since``,
    oldest first: what a screen that was cut off missed."""
    rows = session.execute(
        sa.select(Event.data)
        .where(Event.site_id == site.id, Event.seq > seq, Event.type.in_(types), Event.at >= since)
        .order_by(Event.seq)
    )
    return [json.loads(data) for (data,) in rows]


def happened_since(session: Session, slug: str, seq: int, types: set[str]) -> bool:
    """Whether the site had an event of ``types`` numbered after ``seq``."""
    return session.execute(
        sa.select(Event.id).join(Site, Site.id == Event.site_id)
        .where(Site.slug == slug, Event.seq > seq, Event.type.in_(types)).limit(1)
    ).first() is not None
