"""The visit record, derived from the event log: a ticket's service periods, with waits and service
times per clerk and counter.

A visit is a ticket from arrival to its end. Each transfer starts a new service period: the wait
counts from the transfer (or the arrival) to the period's first call, and the service time is the
time spent "serving" in that period, spells put aside left out. A visitor who checked in early for
a booked time waits from the booked time. A walk-in opened at the desk has no wait.

``record`` runs in the transaction of every event that ends a period (server/events.py), so the
``service_period`` rows always agree with the log; ``rebuild`` makes them again from the log.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from server.models import Event, Service, ServicePeriod, Ticket

# The event types that end a period, and how it ended.
ENDINGS = {
    "ticket.transferred": "transferred",
    "ticket.finished": "finished",
    "ticket.no_show": "no_show",
    "ticket.unserved": "unserved",
    "ticket.cancelled": "cancelled",
}


@dataclass
class Period:
    period: int
    service: str  # the service's code
    queued_at: datetime
    walk_in: bool = False
    counter_id: int | None = None
    staff_user_id: int | None = None
    called_at: datetime | None = None
    serving_at: datetime | None = None
    ended_at: datetime | None = None
    end: str | None = None
    outcome: str | None = None
    calls: int = 0
    service_s: float = 0.0
    _serving_since: datetime | None = field(default=None, repr=False)

    def stop_serving(self, at: datetime) -> None:
        if self._serving_since is not None:
            self.service_s += (at - self._serving_since).total_seconds()
            self._serving_since = None

    @property
    def wait_s(self) -> int | None:
        if self.walk_in or self.called_at is None:
            return None
        return max(0, round((self.called_at - self.queued_at).total_seconds()))


def periods(events: list[dict], booked_at: datetime | None = None) -> list[Period]:
    """The periods of one ticket's events (as published, oldest first), ended or still open.

    ``booked_at``: the booked time of an appointment; a visitor who came earlier waits from it.
    """
    done: list[Period] = []
    current: Period | None = None
    for event in events:
        type, at = event["type"], datetime.fromisoformat(event["at"])
        service = event.get("ticket", {}).get("service")
        if type in ("ticket.issued", "ticket.walk_in"):
            queued_at = max(at, booked_at) if booked_at and type == "ticket.issued" else at
            current = Period(1, service, queued_at, walk_in=type == "ticket.walk_in")
            if current.walk_in:
                current.called_at = current.serving_at = current._serving_since = at
                current.counter_id, current.staff_user_id = event.get("counter_id"), event.get("staff_user_id")
            continue
        if current is None:
            continue  # a log that starts mid-visit (should not happen): nothing to count
        if type == "ticket.called":
            current.called_at = current.called_at or at
            current.calls += 1
            current.counter_id, current.staff_user_id = event.get("counter_id"), event.get("staff_user_id")
        elif type == "ticket.recalled":
            current.calls += 1
        elif type == "ticket.serving":
            current.serving_at = current.serving_at or at
            current._serving_since = at
            current.counter_id, current.staff_user_id = event.get("counter_id"), event.get("staff_user_id")
        elif type == "ticket.parked":
            current.stop_serving(at)
        elif type in ENDINGS:
            current.stop_serving(at)
            current.ended_at, current.end = at, ENDINGS[type]
            current.outcome = event.get("outcome")
            done.append(current)
            current = Period(current.period + 1, service, at) if type == "ticket.transferred" else None
    if current is not None:
        done.append(current)
    return done


def _ticket_events(session: Session, ticket_id: int) -> list[dict]:
    rows = session.execute(
        sa.select(Event.data, Event.counter_id, Event.staff_user_id)
        .where(Event.ticket_id == ticket_id).order_by(Event.seq)
    )
    return [{**json.loads(data), "counter_id": counter_id, "staff_user_id": staff_user_id}
            for data, counter_id, staff_user_id in rows]


def record(session: Session, ticket: Ticket) -> list[ServicePeriod]:
    """Writes the ticket's ended periods from its events, replacing what was there."""
    ended = [p for p in periods(_ticket_events(session, ticket.id), ticket.appointment_at) if p.end]
    services = {s.code: s for s in session.exec(select(Service).where(Service.site_id == ticket.site_id))}
    session.execute(sa.delete(ServicePeriod).where(ServicePeriod.ticket_id == ticket.id))
    rows = []
    for p in ended:
        service = services[p.service]
        rows.append(ServicePeriod(
            ticket_id=ticket.id, period=p.period, site_id=ticket.site_id, service_id=service.id,
            tier=service.tier, counter_id=p.counter_id, staff_user_id=p.staff_user_id,
            queued_at=p.queued_at, called_at=p.called_at, serving_at=p.serving_at, ended_at=p.ended_at,
            end=p.end, outcome=p.outcome, wait_s=p.wait_s,
            service_s=round(p.service_s) if p.serving_at else None, calls=p.calls, walk_in=p.walk_in,
            appointment=ticket.appointment_at is not None and p.period == 1,
        ))
    session.add_all(rows)
    return rows


def rebuild(session: Session, site_id: int | None = None) -> int:
    """Makes every ticket's periods again from the event log (after an upgrade, or to check);
    returns how many tickets were gone through."""
    query = select(Ticket).order_by(Ticket.id)
    if site_id is not None:
        query = query.where(Ticket.site_id == site_id)
    count = 0
    for ticket in session.exec(query):
        record(session, ticket)
        count += 1
    return count


def visit_periods(session: Session, ticket: Ticket) -> list[Period]:
    """The visit's periods for its record page, the open one included."""
    return periods(_ticket_events(session, ticket.id), ticket.appointment_at)
