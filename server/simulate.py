"""Simulated days of visits: a deterministic plan from a seed, then the real engine driven through it.

``plan_day`` decides everything up front, with its own clock: who arrives when for which service,
booked times kept or missed, walk-ins, which clerk at which counter calls whom and when, recalls,
no-shows, transfers from the generalists to the expert, outcomes, the visits linked to a customer.
The plan carries the times it intends, so a test can compute the true figures from the plan alone.

``run_day`` then makes the plan happen through the queue engine (``queue.issue_ticket``,
``counters.call_ticket``, ``recall``, ``start_serving``, ``transfer``, ``finish``, ``mark_no_show``,
``walk_in``, ``customers.link_visit``, ``queue.close_day``), every call with the plan's ``now=``, so
the event log and the visit record are the engine's own. Tickets are called by ``call_ticket``
(not ``call_next``): the plan, not the fairness rule, decides who is called, so that the plan stays
the truth. ``luukku demo`` uses it to give the demo site a history (server/demo.py).
"""

import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from server import counters, customers, queue
from server.models import Appointment, Counter, Customer, Site, StaffUser, Ticket

OPENS, LAST_ARRIVAL, CLOSES = time(8), time(16), time(16, 30)


@dataclass(frozen=True)
class Desk:
    counter: str  # the counter's number
    clerk: str  # the username
    role: str
    services: tuple[str, ...]


# The demo site's services (server/demo.py): codes, tiers, arrivals per hour, mean minutes.
SERVICES = {
    "advice": ("generalist", 9.0, 5),
    "payments": ("generalist", 3.5, 6),
    "e-services": ("generalist", 2.5, 7),
    "housing": ("generalist", 2.5, 10),
    "early-education": ("generalist", 1.5, 8),
    "building": ("expert", 1.0, 15),
}
DESKS = (
    Desk("1", "sim-aino", "clerk", ("advice", "payments")),
    Desk("2", "sim-bertta", "clerk", ("advice", "e-services")),
    Desk("3", "sim-cecilia", "clerk", ("housing", "advice")),
    Desk("4", "sim-daniel", "clerk", ("early-education", "payments", "advice")),
    Desk("5", "sim-eeva", "expert", ("building",)),
)
# Fewer hands: two generalists and the expert; and a short-staffed day, one generalist for all.
TWO_GENERALISTS = (Desk("1", "sim-aino", "clerk", ("advice", "payments", "e-services")),
                   Desk("3", "sim-cecilia", "clerk", ("housing", "advice", "early-education")), DESKS[-1])
SHORT_STAFFED = (Desk("1", "sim-aino", "clerk", ("advice", "payments", "e-services", "housing", "early-education")),
                 DESKS[-1])
BOOKABLE = ("advice", "housing")  # booked times 9–15 every 20 minutes
SIM_NAMES = {"sim-aino": "Aino (sim)", "sim-bertta": "Bertta (sim)", "sim-cecilia": "Cecilia (sim)",
             "sim-daniel": "Daniel (sim)", "sim-eeva": "Eeva (sim, expert)"}
CUSTOMERS = 12  # the pool visits are linked to, so that some come back


@dataclass
class PlannedPeriod:
    service: str
    tier: str
    queued_at: datetime
    counter: str | None = None
    clerk: str | None = None
    called_at: datetime | None = None
    recalls: list[datetime] = field(default_factory=list)
    serving_at: datetime | None = None
    ended_at: datetime | None = None
    end: str | None = None  # transferred, finished, no_show, unserved
    outcome: str | None = None
    walk_in: bool = False

    @property
    def wait_s(self) -> int | None:
        if self.walk_in or self.called_at is None:
            return None
        return int((self.called_at - self.queued_at).total_seconds())

    @property
    def service_s(self) -> int | None:
        if self.serving_at is None:
            return None
        return int((self.ended_at - self.serving_at).total_seconds())


@dataclass
class PlannedVisit:
    key: int
    service: str  # what the visitor came for
    arrives_at: datetime  # the ticket's issue (or the walk-in's opening at the desk)
    walk_in: bool = False
    appointment_at: datetime | None = None
    customer: int | None = None  # an index into the customers run_day is given
    periods: list[PlannedPeriod] = field(default_factory=list)

    @property
    def final_service(self) -> str:
        return self.periods[-1].service

    @property
    def ended(self) -> str:
        return self.periods[-1].end


@dataclass
class PlannedAppointment:
    service: str
    starts_at: datetime
    status: str  # checked_in or no_show
    visit: int | None = None  # the visit's key of a kept booking


@dataclass
class DayPlan:
    day: date
    tz: str
    visits: list[PlannedVisit]
    appointments: list[PlannedAppointment]
    close_at: datetime  # when the night's closing ends what was left open
    desks: tuple[Desk, ...] = DESKS


# --- the plan ----------------------------------------------------------------------------------


def _at(day: date, clock: time, tz: str) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def _seconds(rng: random.Random, mean_min: float) -> int:
    """A lognormal service time around the mean, at least a minute, in whole seconds."""
    sigma = 0.5
    return max(60, round(60 * rng.lognormvariate(math.log(mean_min) - sigma * sigma / 2, sigma)))


def plan_day(seed: int, day: date, tz: str = "Europe/Helsinki", scale: float = 1.0,
             desks: tuple[Desk, ...] = DESKS) -> DayPlan:
    """A deterministic day: the same seed, day and scale give the same plan. ``scale`` multiplies
    the arrival rates (1.0: about 150 visits)."""
    rng = random.Random(f"{seed}:{day.isoformat()}:{scale}")
    opens, last, closes = (_at(day, t, tz) for t in (OPENS, LAST_ARRIVAL, CLOSES))
    span = (last - opens).total_seconds()
    visits: list[PlannedVisit] = []
    appointments: list[PlannedAppointment] = []

    def new_visit(service: str, at: datetime, **kw) -> PlannedVisit:
        visit = PlannedVisit(len(visits), service, at, **kw)
        if rng.random() < 0.35:
            visit.customer = rng.randrange(CUSTOMERS)
        visits.append(visit)
        return visit

    for code, (tier, per_hour, _) in SERVICES.items():
        t = 0.0
        while True:
            t += rng.expovariate(per_hour * scale / 3600)
            if t >= span:
                break
            walk_in = tier == "generalist" and rng.random() < 0.06
            new_visit(code, opens + timedelta(seconds=round(t)), walk_in=walk_in)
    for code in BOOKABLE:
        slot = _at(day, time(9), tz)
        while slot < _at(day, time(15), tz):
            if rng.random() < 0.35 * min(1.0, scale * 2):
                if rng.random() < 0.8:
                    visit = new_visit(code, slot - timedelta(seconds=rng.randrange(0, 600)), appointment_at=slot)
                    appointments.append(PlannedAppointment(code, slot, "checked_in", visit.key))
                else:
                    appointments.append(PlannedAppointment(code, slot, "no_show"))
            slot += timedelta(minutes=20)
    visits.sort(key=lambda v: (v.arrives_at, v.key))

    # The waiting room: periods waiting for a desk. Each desk, when free, takes first a walk-in
    # standing at it, then a due booking, then the one who has waited longest for its services.
    waiting: list[tuple[PlannedVisit, PlannedPeriod]] = []
    for v in visits:
        if not v.walk_in:
            queued = max(v.arrives_at, v.appointment_at) if v.appointment_at else v.arrives_at
            period = PlannedPeriod(v.service, SERVICES[v.service][0], queued)
            v.periods.append(period)
            waiting.append((v, period))
    walk_ins = [v for v in visits if v.walk_in]
    free_at = {d.counter: opens for d in desks}
    by_counter = {d.counter: d for d in desks}

    def serve(v: PlannedVisit, p: PlannedPeriod, desk: Desk, t: datetime) -> datetime:
        """What happens at the desk from ``t``; returns when the desk is free again."""
        p.counter, p.clerk = desk.counter, desk.clerk
        tier, _, mean_min = SERVICES[p.service]
        if p.walk_in:
            p.called_at = p.serving_at = t
        else:
            p.called_at = t
            if not v.appointment_at and p is v.periods[0] and rng.random() < 0.06:  # never comes
                p.recalls = [t + timedelta(seconds=60), t + timedelta(seconds=120)]
                p.ended_at, p.end = t + timedelta(seconds=150), "no_show"
                return p.ended_at + timedelta(seconds=20)
            if rng.random() < 0.15:
                p.recalls = [t + timedelta(seconds=45)]
            p.serving_at = (p.recalls[-1] if p.recalls else t) + timedelta(seconds=rng.randrange(20, 90))
        p.ended_at = p.serving_at + timedelta(seconds=_seconds(rng, mean_min))
        r = rng.random()
        if tier == "generalist" and len(v.periods) == 1 and r < 0.14:
            to = "building" if r < 0.11 else ("housing" if p.service != "housing" else "advice")
            p.end = "transferred"
            following = PlannedPeriod(to, SERVICES[to][0], p.ended_at)
            v.periods.append(following)
            waiting.append((v, following))
        else:
            p.end = "finished"
            choices = (("resolved", 0.75), ("service_request", 1.0)) if tier == "expert" else (
                ("resolved", 0.55), (None, 0.78), ("service_request", 0.88), ("transferred", 0.94), ("left", 1.0))
            r = rng.random()
            p.outcome = next(outcome for outcome, upto in choices if r < upto)
        return p.ended_at + timedelta(seconds=rng.randrange(10, 60))

    while True:
        counter = min(free_at, key=lambda c: (free_at[c], c))
        t = free_at[counter]
        if t >= closes:
            break
        desk = by_counter[counter]
        standing = next((v for v in walk_ins if v.arrives_at <= t and v.service in desk.services
                         and not v.periods), None)
        if standing is not None:
            standing.arrives_at = t  # the visit opens when the clerk opens it
            period = PlannedPeriod(standing.service, SERVICES[standing.service][0], t, walk_in=True)
            standing.periods.append(period)
            free_at[counter] = serve(standing, period, desk, t)
            continue
        ready = [(v, p) for v, p in waiting if p.queued_at <= t and p.service in desk.services]
        if not ready:
            free_at[counter] = t + timedelta(seconds=60)
            continue
        v, p = min(ready, key=lambda vp: (vp[0].appointment_at is None or vp[1] is not vp[0].periods[0],
                                          vp[1].queued_at, vp[0].key))
        waiting.remove((v, p))
        free_at[counter] = serve(v, p, desk, t)
    close_at = _at(day + timedelta(days=1), time(0, 5), tz)
    for v, p in waiting:  # closing time: whoever still waits is unserved
        p.ended_at, p.end = close_at, "unserved"
    visits = [v for v in visits if v.periods]  # walk-ins no desk was free for went home
    visits.sort(key=lambda v: (v.arrives_at, v.key))
    return DayPlan(day, tz, visits, appointments, close_at, desks)


# --- making it happen --------------------------------------------------------------------------


def ensure_staff(session: Session, desks: tuple[Desk, ...] = DESKS) -> dict[str, int]:
    """The simulated clerks; username → id. Inactive, so nobody can log in as one or send them work
    (and no password matches "-"); the engine still lets the plan act in their name."""
    ids = {}
    for desk in desks:
        user = session.exec(select(StaffUser).where(StaffUser.username == desk.clerk)).first()
        if user is None:
            user = StaffUser(username=desk.clerk, display_name=SIM_NAMES.get(desk.clerk, desk.clerk),
                             role=desk.role, password_hash="-", demo=True, active=False)
            session.add(user)
            session.flush()
        ids[desk.clerk] = user.id
    return ids


def ensure_customers(session: Session, now: datetime, count: int = CUSTOMERS) -> list[int]:
    """Obviously fictional customers (names from a children's rhyme, 555 numbers); their ids."""
    first = ("Testi", "Malli", "Esimerkki", "Kuvitteellinen")
    last = ("Asiakas", "Henkilö", "Kävijä")
    ids = []
    for i in range(count):
        name = f"{first[i % 4]} {last[i % 3]} {i + 1}"
        customer = session.exec(select(Customer).where(Customer.name_key == customers.fold(name))).first()
        if customer is None:
            customer = Customer(name=name, name_key=customers.fold(name), phone=f"+35850555{i:04d}",
                                email=f"sim{i + 1}@example.invalid", created_at=now, updated_at=now,
                                last_contact_at=now)
            session.add(customer)
            session.flush()
        ids.append(customer.id)
    return ids


def run_day(session: Session, site: Site, plan: DayPlan, staff: dict[str, int],
            customer_ids: list[int] | None = None) -> dict[int, Ticket]:
    """Drives the engine through the plan in one transaction; returns each visit's ticket by key."""
    desks = {c.number: c.id for c in session.exec(select(Counter).where(Counter.site_id == site.id))}
    used = {(p.counter, p.clerk) for v in plan.visits for p in v.periods if p.counter}
    services = {d.counter: d.services for d in plan.desks}
    actions: list[tuple[datetime, int, tuple]] = []

    def do(at: datetime, *action) -> None:
        actions.append((at, len(actions), action))

    opens, closes = _at(plan.day, time(7, 55), plan.tz), _at(plan.day, time(23, 59), plan.tz)
    for counter, clerk in sorted(used):
        do(opens, "open", counter, clerk)
    for v in plan.visits:
        if v.walk_in:
            do(v.arrives_at, "walk_in", v)
        else:
            do(v.arrives_at, "issue", v)
        if v.customer is not None and customer_ids:
            do(v.arrives_at, "link", v)
        for p in v.periods:
            if p.called_at and not p.walk_in:
                do(p.called_at, "call", v, p)
            for at in p.recalls:
                do(at, "recall", v, p)
            if p.serving_at and not p.walk_in:
                do(p.serving_at, "serve", v, p)
            if p.end == "finished":
                do(p.ended_at, "finish", v, p)
            elif p.end == "no_show":
                do(p.ended_at, "no_show", v, p)
            elif p.end == "transferred":
                do(p.ended_at, "transfer", v, p)
    for counter, clerk in sorted(used):
        do(closes, "close", counter, clerk)

    tickets: dict[int, Ticket] = {}
    for at, _, (kind, *args) in sorted(actions, key=lambda a: (a[0], a[1])):
        if kind == "open":
            counter, clerk = args
            counters.open_counter(session, desks[counter], staff[clerk], list(services[counter]), now=at)
        elif kind == "close":
            counter, clerk = args
            counters.close_counter(session, desks[counter], staff[clerk], now=at)
        elif kind == "issue":
            v = args[0]
            tickets[v.key] = queue.issue_ticket(session, site.slug, v.service, "fi", now=at, printed=False,
                                                appointment_at=v.appointment_at).ticket
        elif kind == "walk_in":
            v = args[0]
            p = v.periods[0]
            tickets[v.key], _ = counters.walk_in(session, desks[p.counter], staff[p.clerk], v.service, now=at)
        elif kind == "link":
            v = args[0]
            customers.link_visit(session, tickets[v.key].public_id, customer_ids[v.customer],
                                 staff[v.periods[0].clerk or plan.desks[0].clerk], now=at)
        else:
            v, p = args
            public_id, clerk = tickets[v.key].public_id, staff[p.clerk]
            if kind == "call":
                counters.call_ticket(session, desks[p.counter], clerk, public_id, now=at)
            elif kind == "recall":
                counters.recall(session, public_id, clerk, now=at)
            elif kind == "serve":
                counters.start_serving(session, public_id, clerk, now=at)
            elif kind == "finish":
                counters.finish(session, public_id, clerk, outcome=p.outcome, now=at)
            elif kind == "no_show":
                counters.mark_no_show(session, public_id, clerk, now=at)
            elif kind == "transfer":
                following = v.periods[v.periods.index(p) + 1]
                counters.transfer(session, public_id, clerk, service_code=following.service, now=at)
    queue.close_day(session, site, plan.close_at)
    _book(session, site, plan, tickets)
    return tickets


def _book(session: Session, site: Site, plan: DayPlan, tickets: dict[int, Ticket]) -> None:
    """The plan's booked times as appointments: kept (checked in, with the visit's ticket) or missed."""
    service_ids = {s.code: s.id for s in queue.active_services(session, site)}
    for a in plan.appointments:
        ticket = tickets.get(a.visit) if a.visit is not None else None
        booked = a.starts_at - timedelta(days=3)
        session.add(Appointment(
            public_id=secrets.token_urlsafe(16), code="SIM" + secrets.token_hex(4).upper(), site_id=site.id,
            service_id=service_ids[a.service], starts_at=a.starts_at, ends_at=a.starts_at + timedelta(minutes=20),
            status=a.status, name="Simuloitu Varaaja", email="sim@example.invalid", lang="fi",
            created_at=booked, booked_at=booked,
            checked_in_at=ticket.issued_at if ticket else None, ticket_id=ticket.id if ticket else None,
        ))
    session.flush()
