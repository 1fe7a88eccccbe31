"""The reports of a site (issue 7): visits, appointments, no-shows, waits and service times, the
share served within target, the share resolved at the first tier, transfers, service requests, the
busiest hours and repeat visits, for a period of local days and optionally one service, counter or
clerk; and the first tier's self-service (issue 20): the matters the guide settled, opened and
printed, the numbers taken and times booked from it, and the searches that found nothing. Plain
functions over a session; no HTTP. What each figure means: docs/reports.md.

Two kinds of figure:

- **period-level** figures read the ``service_period`` rows (server/visits.py) whose ``queued_at``
  falls in the range; the service, counter and clerk filters select the periods themselves.
- **visit-level** figures read the tickets that arrived (``issued_at``) in the range; the filters
  apply to the visit's *first* service period (the service it came for, who took it first).

Percentiles interpolate linearly between the sorted values (the "inclusive" method of
``statistics.quantiles``, also Excel's PERCENTILE.INC): with n values, the p-th lies at
position (n - 1)·p counted from 0.
"""

import math
import statistics
from collections import Counter as Tally
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from server import accuracy, alerts
from server.errors import Invalid, N_
from server.models import Appointment, GuideEvent, Matter, Service, ServicePeriod, ServiceRequest, Ticket

KINDS = ("day", "week", "month", "custom")
MAX_DAYS = 366
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)  # far enough either way, and no overflow
REPEAT_WITHIN = timedelta(days=30)
BOOKED_STATES = ("booked", "checked_in", "no_show")  # an appointment that was really booked


# --- the period and the filters ----------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a report is about: a site, its local days ``start``…``end`` (both included) and, if set,
    one service, counter or clerk (ids)."""

    site_id: int
    timezone: str
    start: date
    end: date
    service_id: int | None = None
    counter_id: int | None = None
    staff_user_id: int | None = None

    def __post_init__(self):
        if not (EARLIEST <= self.start and self.end <= LATEST):
            raise Invalid(N_("Choose days between the years 2000 and 2999."))
        if self.end < self.start:
            raise Invalid(N_("The period's first day is after its last day."))
        if self.days > MAX_DAYS:
            raise Invalid(N_("A report covers at most %(days)d days."), days=MAX_DAYS)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """The range as UTC instants: local midnight to local midnight (DST-safe: a local day may
        be 23 or 25 hours long)."""
        return local_midnight(self.start, self.timezone), local_midnight(self.end + timedelta(days=1), self.timezone)

    @property
    def narrowed(self) -> bool:
        return any(v is not None for v in (self.service_id, self.counter_id, self.staff_user_id))


def local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def period_range(kind: str, day: date, until: date | None = None) -> tuple[date, date]:
    """The local days of the ``kind`` of period holding ``day``: the day, its week (Monday to
    Sunday), its calendar month, or ``day``…``until`` for a custom period."""
    if kind == "day":
        return day, day
    if kind == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if kind == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    if kind == "custom":
        return day, until if until is not None else day
    raise Invalid(N_("The period must be a day, a week, a month or custom."))


def step(kind: str, start: date, end: date, direction: int) -> tuple[date, date]:
    """The previous (``direction`` -1) or next (+1) period of the same kind; a custom period moves
    by its own length."""
    if kind == "month":
        anchor = start - timedelta(days=1) if direction < 0 else end + timedelta(days=1)
        return period_range("month", anchor)
    length = (end - start).days + 1
    shift = timedelta(days=length * direction)
    return start + shift, end + shift


def latest_week_with_visits(session: Session, site_id: int, tz: str, today: date) -> date | None:
    """The Monday of the last whole week before ``today``'s that had visits at the site, or, when no
    earlier week had any, of the latest week with a visit; None when the site has had no visits.
    Reports open there: a quiet day (a Saturday, this morning) tells a manager nothing."""
    this_monday = today - timedelta(days=today.weekday())
    latest = sa.select(sa.func.max(Ticket.issued_at)).where(Ticket.site_id == site_id)
    at = session.execute(latest.where(Ticket.issued_at < local_midnight(this_monday, tz))).scalar()
    if at is None:
        at = session.execute(latest).scalar()
    if at is None:
        return None
    day = _local(at, tz).date()
    return day - timedelta(days=day.weekday())


# --- statistics --------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """The p-th quantile (0…1) by linear interpolation; None for no values (docstring above)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


@dataclass(frozen=True)
class Spread:
    """Mean, median and 90th percentile of some durations, in seconds."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: list[float]) -> "Spread":
        if not values:
            return cls(0, None, None, None)
        return cls(len(values), statistics.fmean(values), percentile(values, 0.5), percentile(values, 0.9))


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- the rows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    ticket_id: int
    period: int
    service_id: int
    tier: str
    counter_id: int | None
    staff_user_id: int | None
    queued_at: datetime
    end: str
    outcome: str | None
    wait_s: int | None
    service_s: int | None
    next_service_id: int | None  # where a transfer sent the visit


def periods(session: Session, f: Filters) -> list[PeriodRow]:
    """The selected service periods, with where each transfer went: one query."""
    start, end = f.bounds()
    following = aliased(ServicePeriod)
    query = (
        sa.select(ServicePeriod.ticket_id, ServicePeriod.period, ServicePeriod.service_id, ServicePeriod.tier,
                  ServicePeriod.counter_id, ServicePeriod.staff_user_id, ServicePeriod.queued_at,
                  ServicePeriod.end, ServicePeriod.outcome, ServicePeriod.wait_s, ServicePeriod.service_s,
                  # The next period if it has ended, else the queue the ticket waits in now.
                  sa.func.coalesce(following.service_id, Ticket.service_id))
        .join(Ticket, Ticket.id == ServicePeriod.ticket_id)
        .outerjoin(following, sa.and_(following.ticket_id == ServicePeriod.ticket_id,
                                      following.period == ServicePeriod.period + 1))
        .where(ServicePeriod.site_id == f.site_id, ServicePeriod.queued_at >= start, ServicePeriod.queued_at < end)
    )
    if f.service_id is not None:
        query = query.where(ServicePeriod.service_id == f.service_id)
    if f.counter_id is not None:
        query = query.where(ServicePeriod.counter_id == f.counter_id)
    if f.staff_user_id is not None:
        query = query.where(ServicePeriod.staff_user_id == f.staff_user_id)
    rows = []
    for r in session.execute(query.order_by(ServicePeriod.queued_at, ServicePeriod.ticket_id)):
        *fields, next_service = r
        rows.append(PeriodRow(*fields, next_service if fields[7] == "transferred" else None))
    return rows


@dataclass(frozen=True)
class VisitRow:
    ticket_id: int
    arrived_at: datetime
    status: str  # the ticket's status now
    service_id: int  # the service it came for (its first period's)
    final_service_id: int  # the service it is in now, or ended in
    customer_id: int | None
    walk_in: bool
    first: "FirstPeriod | None"  # none while the first period has not ended


@dataclass(frozen=True)
class FirstPeriod:
    """How a visit's first service period went: what visit-level filters and the first tier read."""

    service_id: int
    tier: str
    counter_id: int | None
    staff_user_id: int | None
    end: str
    outcome: str | None


def _visit_query(site_id: int, start: datetime, end: datetime):
    first = aliased(ServicePeriod)
    return (
        sa.select(Ticket.id, Ticket.issued_at, Ticket.status, Ticket.service_id, Ticket.customer_id, Ticket.walk_in,
                  first.service_id, first.tier, first.counter_id, first.staff_user_id, first.end, first.outcome)
        .outerjoin(first, sa.and_(first.ticket_id == Ticket.id, first.period == 1))
        .where(Ticket.site_id == site_id, Ticket.issued_at >= start, Ticket.issued_at < end)
        .order_by(Ticket.issued_at, Ticket.id)
    )


def _visit(row) -> VisitRow:
    tid, issued_at, status, service_id, customer_id, walk_in, *first = row
    period = FirstPeriod(*first) if first[0] is not None else None
    return VisitRow(tid, issued_at, status, period.service_id if period else service_id, service_id, customer_id,
                    walk_in, period)


def _matches(v: VisitRow, f: Filters) -> bool:
    if f.service_id is not None and v.service_id != f.service_id:
        return False
    if f.counter_id is not None and (v.first is None or v.first.counter_id != f.counter_id):
        return False
    if f.staff_user_id is not None and (v.first is None or v.first.staff_user_id != f.staff_user_id):
        return False
    return True


def visits(session: Session, f: Filters) -> list[VisitRow]:
    """The visits that arrived in the range and whose first period matches the filters: one query."""
    start, end = f.bounds()
    return [v for v in map(_visit, session.execute(_visit_query(f.site_id, start, end))) if _matches(v, f)]


# --- the figures -------------------------------------------------------------------------------


def _local(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz))


def visits_by_day(f: Filters, rows: list[VisitRow]) -> list[tuple[date, int]]:
    """Arrivals per local day of the range, days without any included."""
    counts = Tally(_local(v.arrived_at, f.timezone).date() for v in rows)
    return [(f.start + timedelta(days=i), counts.get(f.start + timedelta(days=i), 0)) for i in range(f.days)]


def visits_by_hour(f: Filters, rows: list[VisitRow]) -> list[tuple[int, int]]:
    """Arrivals per local clock hour 0–23 (on the night the clocks go back, 03 holds two hours)."""
    counts = Tally(_local(v.arrived_at, f.timezone).hour for v in rows)
    return [(h, counts.get(h, 0)) for h in range(24)]


def heat_map(f: Filters, rows: list[VisitRow]) -> dict[tuple[int, int], int]:
    """Arrivals per (local weekday 0 = Monday, local hour): only the cells that have any."""
    return dict(Tally((_local(v.arrived_at, f.timezone).weekday(), _local(v.arrived_at, f.timezone).hour)
                      for v in rows))


def no_show_visits(rows: list[VisitRow]) -> int:
    return sum(1 for v in rows if v.status == "no_show")


@dataclass(frozen=True)
class Appointments:
    booked: int  # booked times in the range (kept, missed or still to come); not cancelled
    checked_in: int
    no_show: int


def appointments(session: Session, f: Filters) -> Appointments:
    """Booked times in the range (service filter only: a booking has no counter or clerk yet)."""
    start, end = f.bounds()
    query = (sa.select(Appointment.status, sa.func.count())
             .where(Appointment.site_id == f.site_id, Appointment.starts_at >= start, Appointment.starts_at < end,
                    Appointment.status.in_(BOOKED_STATES))
             .group_by(Appointment.status))
    if f.service_id is not None:
        query = query.where(Appointment.service_id == f.service_id)
    counts = dict(session.execute(query).all())
    return Appointments(sum(counts.values()), counts.get("checked_in", 0), counts.get("no_show", 0))


def times_by_service(rows: list[PeriodRow]) -> dict[int | None, tuple[Spread, Spread]]:
    """(wait, service time) spreads per service id, and for all of them under None."""
    waits: dict[int | None, list[float]] = {None: []}
    served: dict[int | None, list[float]] = {None: []}
    for r in rows:
        for key in (None, r.service_id):
            if r.wait_s is not None:
                waits.setdefault(key, []).append(r.wait_s)
            if r.service_s is not None:
                served.setdefault(key, []).append(r.service_s)
    keys = set(waits) | set(served)
    return {k: (Spread.of(waits.get(k, [])), Spread.of(served.get(k, []))) for k in keys}


@dataclass(frozen=True)
class Ratio:
    part: int
    whole: int

    @property
    def share(self) -> float | None:
        return share(self.part, self.whole)


def within_target(rows: list[PeriodRow], targets: dict[int, int]) -> dict[int | None, Ratio]:
    """Of the periods that were called (a wait is known), those called within their service's
    ``target_wait_min``; per service id and for all under None."""
    tally: dict[int | None, list[int]] = {None: [0, 0]}
    for r in rows:
        if r.wait_s is None:
            continue
        ok = r.wait_s <= targets.get(r.service_id, 15) * 60
        for key in (None, r.service_id):
            counts = tally.setdefault(key, [0, 0])
            counts[0] += ok
            counts[1] += 1
    return {k: Ratio(*v) for k, v in tally.items()}


def first_tier(rows: list[VisitRow]) -> dict[int | None, Ratio]:
    """Resolved by a generalist, per first service id and for all under None: of the visits whose
    first period was at a generalist-tier service and ended finished or transferred, those finished
    in that first period with no outcome or the outcome "resolved" (not referred, not a service
    request, not left). The first tier's share adds self-service to it: ``with_self_service``."""
    tally: dict[int | None, list[int]] = {None: [0, 0]}
    for v in rows:
        first = v.first
        if first is None or first.tier != "generalist" or first.end not in ("finished", "transferred"):
            continue
        resolved = first.end == "finished" and first.outcome in (None, "resolved")
        for key in (None, first.service_id):
            counts = tally.setdefault(key, [0, 0])
            counts[0] += resolved
            counts[1] += 1
    return {k: Ratio(*v) for k, v in tally.items()}


# --- the first tier's self-service (the guide at the kiosk and on the phone) ----------------------


@dataclass(frozen=True)
class MatterUse:
    """What the guide did with one matter in the range: settled by self-service ("This solved it")
    at the kiosk and on a phone, opened, its steps printed, a queue number taken or a time booked
    from it."""

    matter_id: int
    solved_kiosk: int = 0
    solved_phone: int = 0
    opened: int = 0
    printed: int = 0
    ticket: int = 0
    booked: int = 0

    @property
    def solved(self) -> int:
        return self.solved_kiosk + self.solved_phone


@dataclass(frozen=True)
class Guide:
    matters: list[MatterUse]  # the matters the guide met in the range, the most settled first
    settled: dict[int | None, int]  # settled by self-service, per service id the matter names; all: None
    not_found: int  # searches that found nothing, their words kept or already cleared
    not_found_words: list[tuple[str, int]]  # the words still kept, the most frequent first


def guide(session: Session, f: Filters) -> Guide:
    """The first tier's self-service at the site in the range (``GuideEvent.at``). The service filter
    keeps the matters that name that service; a counter or a clerk filter changes nothing here (no
    counter settles a matter at the kiosk). Searches that found nothing belong to no service: they
    are the site's, whatever the filters."""
    start, end = f.bounds()
    E = GuideEvent
    where = [E.site_id == f.site_id, E.at >= start, E.at < end]
    counts = (sa.select(E.matter_id, E.kind, E.channel, sa.func.count())
              .where(*where, E.matter_id.is_not(None), E.kind != "not-found")
              .group_by(E.matter_id, E.kind, E.channel))
    if f.service_id is not None:
        code = sa.select(Service.code).where(Service.id == f.service_id).scalar_subquery()
        counts = counts.join(Matter, Matter.id == E.matter_id).where(Matter.service_code == code)
    tally: dict[int, dict[str, int]] = {}
    for matter_id, kind, channel, n in session.execute(counts):
        field = f"solved_{channel}" if kind == "solved" else kind
        mine = tally.setdefault(matter_id, {})
        mine[field] = mine.get(field, 0) + n
    uses = sorted((MatterUse(matter_id, **fields) for matter_id, fields in tally.items()),
                  key=lambda u: (-u.solved, -u.opened, u.matter_id))

    # Settled per service: the matter's service code, as this site's service of that code.
    settled: dict[int | None, int] = {None: sum(u.solved for u in uses)}
    solved = {u.matter_id: u.solved for u in uses if u.solved}
    if solved:
        services = (sa.select(Matter.id, Service.id)
                    .join(Service, sa.and_(Service.code == Matter.service_code, Service.site_id == f.site_id))
                    .where(Matter.id.in_(solved)))
        for matter_id, service_id in session.execute(services):
            settled[service_id] = settled.get(service_id, 0) + solved[matter_id]

    not_found = [E.site_id == f.site_id, E.at >= start, E.at < end, E.kind == "not-found"]
    total = session.execute(sa.select(sa.func.count()).select_from(E).where(*not_found)).scalar_one()
    n = sa.func.count().label("n")
    words = session.execute(sa.select(E.query, n).where(*not_found, E.query.is_not(None))
                            .group_by(E.query).order_by(n.desc(), E.query)).all()
    return Guide(uses, settled, total, [(text, count) for text, count in words])


def with_self_service(generalist: dict[int | None, Ratio], settled: dict[int | None, int]) -> dict[int | None, Ratio]:
    """Resolved at the first tier: the matters settled by self-service and the visits resolved by a
    generalist, of the matters settled by self-service and the visits counted for the generalists
    (``first_tier``); per service id and for all under None."""
    return {k: Ratio(generalist.get(k, Ratio(0, 0)).part + settled.get(k, 0),
                     generalist.get(k, Ratio(0, 0)).whole + settled.get(k, 0))
            for k in {None, *generalist, *settled}}


def transfers(rows: list[PeriodRow]) -> dict[tuple[int, int], int]:
    """Transfers from → to service (ids): the selected periods that ended in a transfer."""
    return dict(Tally((r.service_id, r.next_service_id) for r in rows if r.end == "transferred"))


@dataclass(frozen=True)
class Requests:
    opened: int
    closed: int
    overdue: int  # open at the end of the range (or now) past its due date


def service_requests(session: Session, f: Filters, now: datetime) -> Requests:
    """Service requests opened and closed in the range, and overdue at its end (or now, if the
    range has not ended): not closed by then, due on an earlier day. The service filter only."""
    start, end = f.bounds()
    as_of = min(end, now)
    as_of_day = _local(as_of, f.timezone).date()
    R = ServiceRequest
    where = [R.site_id == f.site_id] + ([R.service_id == f.service_id] if f.service_id is not None else [])

    def count(*conditions) -> int:
        return session.execute(sa.select(sa.func.count()).select_from(R).where(*where, *conditions)).scalar_one()

    return Requests(
        opened=count(R.created_at >= start, R.created_at < end),
        closed=count(R.closed_at.is_not(None), R.closed_at >= start, R.closed_at < end),
        overdue=count(R.created_at < as_of, sa.or_(R.closed_at.is_(None), R.closed_at >= as_of),
                      R.due_on < as_of_day),
    )


def repeat_visits(session: Session, f: Filters, rows: list[VisitRow]) -> dict[int | None, Ratio]:
    """Of the visits linked to a customer, those preceded (by at most 30 days) by a visit of the same
    customer about the same final service, at any site; per final service id and all under None."""
    linked = [v for v in rows if v.customer_id is not None]
    tally: dict[int | None, list[int]] = {None: [0, 0]}
    if not linked:
        return {None: Ratio(0, 0)}
    start, end = f.bounds()
    earlier: dict[tuple[int, int], list[datetime]] = {}
    query = (sa.select(Ticket.customer_id, Ticket.service_id, Ticket.issued_at)
             .where(Ticket.customer_id.in_({v.customer_id for v in linked}),
                    Ticket.issued_at >= start - REPEAT_WITHIN, Ticket.issued_at < end))
    for customer_id, service_id, issued_at in session.execute(query):
        earlier.setdefault((customer_id, service_id), []).append(issued_at)
    for v in linked:
        before = earlier.get((v.customer_id, v.final_service_id), [])
        repeat = any(v.arrived_at - REPEAT_WITHIN <= at < v.arrived_at for at in before)
        for key in (None, v.final_service_id):
            counts = tally.setdefault(key, [0, 0])
            counts[0] += repeat
            counts[1] += 1
    return {k: Ratio(*v) for k, v in tally.items()}


# --- everything at once ------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    filters: Filters
    visits: int
    walk_ins: int
    by_day: list[tuple[date, int]]
    by_hour: list[tuple[int, int]]
    heat_map: dict[tuple[int, int], int]
    no_show_visits: int
    appointments: Appointments
    periods: int
    times: dict[int | None, tuple[Spread, Spread]]
    within_target: dict[int | None, Ratio]
    first_tier: dict[int | None, Ratio]  # self-service and generalists (with_self_service)
    generalist: dict[int | None, Ratio]  # the generalists alone (first_tier())
    guide: Guide
    transfers: dict[tuple[int, int], int]
    requests: Requests
    repeats: dict[int | None, Ratio]
    estimates: accuracy.Estimates  # told vs real waits (issue 21: server/accuracy.py)
    alerts: dict  # the managers' alerts per (service, kind): alerts.counted (issue 21: server/alerts.py)

    @property
    def no_shows(self) -> int:
        """Tickets that ended as no-shows, and booked times no one came to."""
        return self.no_show_visits + self.appointments.no_show


def report(session: Session, f: Filters, targets: dict[int, int], now: datetime) -> Report:
    """Every figure of the report; ``targets``: each service's ``target_wait_min`` by id."""
    visit_rows = visits(session, f)
    period_rows = periods(session, f)
    generalist = first_tier(visit_rows)
    first_tier_guide = guide(session, f)
    # A counter or a clerk settles nothing at the kiosk: narrowed to one, the first tier is theirs alone.
    settled = {} if f.counter_id is not None or f.staff_user_id is not None else first_tier_guide.settled
    return Report(
        filters=f,
        visits=len(visit_rows),
        walk_ins=sum(1 for v in visit_rows if v.walk_in),
        by_day=visits_by_day(f, visit_rows),
        by_hour=visits_by_hour(f, visit_rows),
        heat_map=heat_map(f, visit_rows),
        no_show_visits=no_show_visits(visit_rows),
        appointments=appointments(session, f),
        periods=len(period_rows),
        times=times_by_service(period_rows),
        within_target=within_target(period_rows, targets),
        first_tier=with_self_service(generalist, settled),
        generalist=generalist,
        guide=first_tier_guide,
        transfers=transfers(period_rows),
        requests=service_requests(session, f, now),
        repeats=repeat_visits(session, f, visit_rows),
        estimates=accuracy.estimates(accuracy.told(session, f.site_id, *f.bounds(), f.service_id, f.counter_id,
                                                   f.staff_user_id)),
        alerts=alerts.counted(session, f.site_id, *f.bounds(), f.service_id, now),
    )
