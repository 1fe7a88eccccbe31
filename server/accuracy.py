"""Estimates held to account (issue 21): the wait each visitor was told against the wait they had.

A ticket keeps what it was told when it was taken (``Ticket.told_wait_min``: the kiosk's screen and
slip, or the phone on joining remotely) and the last estimate its phone page showed before the call
(``told_last_min`` at ``told_last_at``). The report compares the first: told at the start, that is
what a visitor plans by.

The real wait is the visit's first service period's wait (called_at − queued_at, as the reports'
waits: server/visits.py), so a visit counts when it was told something and was called. Visits are
chosen as the reports' visit-level figures are (arrived in the range; the filters apply to the first
period). Per service (the first period's) and for all under None:

- **mean absolute error**: the mean of |told − real|, in minutes;
- **bias**: the mean of told − real; positive: called earlier than told, negative: later;
- **within ±5 min**: the share with |told − real| ≤ 5 min;
- **within ±25 %**: the share with |told − real| ≤ a quarter of what was told, and at least half a
  minute (the told wait is whole minutes: told 0, called after 20 s, was right).

Plain functions over a session; no HTTP. docs/reports.md says the same for managers.
"""

import asyncio
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from server.db import run_write
from server.models import ServicePeriod, Ticket

NEAR_MIN = 5  # "called within ±5 minutes of what they were told"
NEAR_SHARE = 0.25  # "… within ±25 % of it"
ROUNDING_MIN = 0.5  # … but never less than the rounding of a whole minute told
# A service's estimates "run late" or "early" on the reports page when the mean error leans one way
# by at least this much over at least this many visits: fewer visits, or a smaller lean, is noise.
LEAN_MIN = 3.0
LEAN_VISITS = 20
# The told-vs-real chart groups visits by what they were told (minutes; the last band is open).
BANDS = (0, 5, 10, 15, 20, 30, 45, 60)
# The phone page's estimate is stored when it changes, but at most this often per ticket: every
# event moves every waiting phone's estimate, and a write per phone per event is not worth it.
SHOWN_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Told:
    """One visit: what it was told and what it waited, in minutes."""

    ticket_id: int
    service_id: int
    told_min: int
    real_min: float

    @property
    def error(self) -> float:
        return self.told_min - self.real_min


@dataclass(frozen=True)
class Accuracy:
    visits: int
    mae: float | None  # minutes
    bias: float | None  # minutes; positive: called earlier than told
    within_5: int  # visits called within ±NEAR_MIN of what they were told
    within_25: int  # … within ±NEAR_SHARE of it

    @classmethod
    def of(cls, rows: list[Told]) -> "Accuracy":
        if not rows:
            return cls(0, None, None, 0, 0)
        errors = [r.error for r in rows]
        return cls(len(rows), statistics.fmean(abs(e) for e in errors), statistics.fmean(errors),
                   sum(abs(e) <= NEAR_MIN for e in errors),
                   sum(abs(r.error) <= max(NEAR_SHARE * r.told_min, ROUNDING_MIN) for r in rows))

    @property
    def share_5(self) -> float | None:
        return self.within_5 / self.visits if self.visits else None

    @property
    def share_25(self) -> float | None:
        return self.within_25 / self.visits if self.visits else None

    @property
    def leans(self) -> str | None:
        """"late" or "early" where the estimates lean one way enough to say so; else None."""
        if self.visits < LEAN_VISITS or self.bias is None or abs(self.bias) < LEAN_MIN:
            return None
        return "early" if self.bias > 0 else "late"


@dataclass(frozen=True)
class Band:
    low: int
    high: int | None  # None: and longer
    visits: int
    told_mean: float | None
    real_mean: float | None
    mae: float | None


@dataclass(frozen=True)
class Estimates:
    per_service: dict[int | None, Accuracy]  # all under None
    bands: list[Band]  # told vs real by what was told (the chart), only bands with visits


def told(session: Session, site_id: int, start: datetime, end: datetime, service_id: int | None = None,
         counter_id: int | None = None, staff_user_id: int | None = None) -> list[Told]:
    """The visits that arrived in ``start``…``end``, were told a wait and were called: one query."""
    first = aliased(ServicePeriod)
    query = (sa.select(Ticket.id, first.service_id, Ticket.told_wait_min, first.wait_s)
             .join(first, sa.and_(first.ticket_id == Ticket.id, first.period == 1))
             .where(Ticket.site_id == site_id, Ticket.issued_at >= start, Ticket.issued_at < end,
                    Ticket.told_wait_min.is_not(None), first.wait_s.is_not(None))
             .order_by(Ticket.issued_at, Ticket.id))
    if service_id is not None:
        query = query.where(first.service_id == service_id)
    if counter_id is not None:
        query = query.where(first.counter_id == counter_id)
    if staff_user_id is not None:
        query = query.where(first.staff_user_id == staff_user_id)
    return [Told(tid, sid, told_min, wait_s / 60) for tid, sid, told_min, wait_s in session.execute(query)]


def bands(rows: list[Told]) -> list[Band]:
    out = []
    for i, low in enumerate(BANDS):
        high = BANDS[i + 1] if i + 1 < len(BANDS) else None
        mine = [r for r in rows if r.told_min >= low and (high is None or r.told_min < high)]
        if mine:
            out.append(Band(low, high, len(mine), statistics.fmean(r.told_min for r in mine),
                            statistics.fmean(r.real_min for r in mine), statistics.fmean(abs(r.error) for r in mine)))
    return out


def estimates(rows: list[Told]) -> Estimates:
    per_service: dict[int | None, list[Told]] = {None: []}
    for r in rows:
        per_service[None].append(r)
        per_service.setdefault(r.service_id, []).append(r)
    return Estimates({k: Accuracy.of(v) for k, v in per_service.items()}, bands(rows))


# --- the phone page's last estimate ---------------------------------------------------------------


def worth_noting(ticket: Ticket, minutes: int, now: datetime) -> bool:
    """Whether the phone page's estimate is worth a write: the ticket waits, the estimate changed,
    and the last one was noted at least ``SHOWN_EVERY`` ago (so the last noted is the last shown
    to within that, at no more than one write per phone per minute)."""
    if ticket.status != "waiting" or ticket.told_last_min == minutes:
        return False
    return ticket.told_last_at is None or now - ticket.told_last_at >= SHOWN_EVERY


def note_shown(session: Session, shown: dict[int, tuple[int, datetime]]) -> None:
    """Keeps the estimates phones showed, {ticket id: (minutes, when)}: one UPDATE for them all, a
    no-op for a ticket called meanwhile."""
    table = Ticket.__table__
    session.execute(sa.update(table)
                    .where(table.c.id == sa.bindparam("ticket"), table.c.status == "waiting")
                    .values(told_last_min=sa.bindparam("minutes"), told_last_at=sa.bindparam("at")),
                    [{"ticket": ticket, "minutes": minutes, "at": at} for ticket, (minutes, at) in shown.items()])


class ShownEstimates:
    """The estimates phones were shown, kept in one write per moment rather than one per phone: after
    a call every waiting phone's estimate moves, and 5,000 phones would be 5,000 writes (issue 22).

    ``note()`` holds a figure worth keeping; ``run()`` writes what is held ``every_s`` after the first
    of a burst, and at shutdown; ``flush()`` writes it at once (a page answering with its figure).
    """

    def __init__(self, db, every_s: float = 1.0):
        self.db = db
        self.every_s = every_s
        self.held: dict[int, tuple[int, datetime]] = {}
        self._due = asyncio.Event()

    def note(self, ticket: Ticket, minutes: int, now: datetime) -> None:
        if worth_noting(ticket, minutes, now) and self.held.get(ticket.id, (None,))[0] != minutes:
            self.held[ticket.id] = (minutes, now)
            self._due.set()

    async def flush(self) -> None:
        held, self.held = self.held, {}
        self._due.clear()
        if held:
            await run_write(self.db, note_shown, held)

    async def run(self) -> None:
        try:
            while True:
                await self._due.wait()
                await asyncio.sleep(self.every_s)
                await self.flush()
        finally:
            with anyio.CancelScope(shield=True):
                await self.flush()
