"""The estimated waiting time of a service: people ahead × recent service time ÷ counter capacity.

- The service time is the mean of the service's last ``SAMPLES`` finished customers of the day
  (serving started → finished), blended with the configured ``service_min`` as if it were
  ``PRIOR_WEIGHT`` more customers, so the first customers of the day do not swing it.
- The capacity is what the open, unpaused counters give the service: a counter that serves several
  services with people waiting shares itself among them by the profile's weights.
- A customer who is first in line still waits for a counter to free up: half a service time when
  every counter for the service is busy (a counter that is free now takes the first in line and is
  then busy for a whole service time).

docs/PERFORMANCE.md reports the error of this estimate against a simulated day (bench/).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from server.models import Counter, CounterService, Service, Ticket

SAMPLES = 20
PRIOR_WEIGHT = 3


def recent_service_min(session: Session, service: Service, day) -> float:
    rows = session.execute(
        sa.select(Ticket.served_at, Ticket.finished_at)
        .where(
            Ticket.service_id == service.id,
            Ticket.service_day == day,
            Ticket.status == "finished",
            Ticket.served_at.is_not(None),
        )
        .order_by(Ticket.finished_at.desc())
        .limit(SAMPLES)
    ).all()
    minutes = [(finished - served).total_seconds() / 60 for served, finished in rows]
    return (sum(minutes) + PRIOR_WEIGHT * service.service_min) / (len(minutes) + PRIOR_WEIGHT)


def capacity(session: Session, service: Service, waiting: dict[int, int]) -> tuple[float, int]:
    """(counters' worth of capacity for the service, counters for it that are free right now)."""
    counters = session.exec(
        select(Counter)
        .join(CounterService, CounterService.counter_id == Counter.id)
        .where(CounterService.service_id == service.id, Counter.is_open, sa.not_(Counter.paused))
    ).all()
    if not counters:
        return 0.0, 0
    ids = [c.id for c in counters]
    profiles: dict[int, dict[int, int]] = {}
    for row in session.exec(select(CounterService).where(CounterService.counter_id.in_(ids))):
        profiles.setdefault(row.counter_id, {})[row.service_id] = max(1, row.weight)
    busy = set(
        session.execute(
            sa.select(Ticket.counter_id).where(
                Ticket.counter_id.in_(ids), Ticket.status.in_(("called", "serving"))
            )
        ).scalars()
    )
    total = 0.0
    for counter_id, weights in profiles.items():
        # Shared among the services that have people waiting, this one always included.
        shares = {s: w for s, w in weights.items() if waiting.get(s) or s == service.id}
        total += shares[service.id] / sum(shares.values())
    return total, len(set(ids) - busy)


def estimate_wait_min(
    session: Session, service: Service, ahead: int, day, waiting: dict[int, int] | None = None
) -> int:
    """Minutes until a customer with ``ahead`` people before them is called, rounded.

    With no counter open for the service it is reckoned as if one counter were open.
    """
    waiting = waiting if waiting is not None else {service.id: ahead}
    per_customer = recent_service_min(session, service, day)
    counters, free = capacity(session, service, waiting)
    if counters == 0:
        counters, free = 1.0, 0
    if ahead < free:
        return 0
    # Free counters take the first ones at once and are then busy for a whole service time;
    # a busy counter has, on average, half a service time left.
    in_line = ahead - free + (1.0 if free else 0.5)
    return round(in_line * per_customer / counters)
