"""A simulated day at the demo service point: how good is the estimated waiting time?

The real queue engine (server/queue.py, server/counters.py, server/estimate.py) runs on a real
SQLite file with a simulated clock: every call passes ``now=``. Customers arrive per service as a
Poisson process whose rate follows the hours of a busy Monday; clerks open counters with work
profiles, pause for lunch, and serve each customer for a lognormal time whose mean is deliberately
*not* the service's configured ``service_min``, so the engine has to learn the real service times
from the day's finished customers. At each issue we keep the engine's estimate (a replay of
call-next on the queue, server/estimate.py) and a naive baseline's; when the ticket is called, the
true wait.

    scripts/bench simulate_day             # 5 seeds, prints a Markdown table
    scripts/bench simulate_day --write     # and updates its section of docs/PERFORMANCE.md
    scripts/bench simulate_day --quick     # 2 seeds
"""

import argparse
import heapq
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from bench.performance import PERFORMANCE, run_stamp, write_section
from server import counters as desk
from server.db import Database
from server.demo import seed_demo
from server.migrate import upgrade
from server import remote
from server.errors import Conflict
from server.models import Counter, Event, Service, Site, StaffUser, Ticket, TicketContact
from server.queue import issue_ticket

SITE = "demo"
DAY = date(2026, 11, 23)  # a Monday
TIMEZONE = ZoneInfo("Europe/Helsinki")
OPENS_H, CLOSES_H = 8, 16  # arrivals from 08:00 to 16:00; clerks then empty the queue


@dataclass(frozen=True)
class Load:
    """A service's customers: arrivals per hour on an average hour, and their true service time."""

    per_hour: float
    true_mean_min: float  # the real mean, 20–40 % off the demo's service_min on purpose
    cv: float = 0.6  # coefficient of variation of the lognormal service time


# Demo service_min: advice 5, housing 10, building 15, early-education 8, payments 6, e-services 7.
LOADS = {
    "advice": Load(16.0, 4.0),  # −20 %
    "housing": Load(4.0, 13.0),  # +30 %
    "building": Load(1.5, 11.0, cv=0.8),  # −27 %
    "early-education": Load(3.0, 10.5),  # +31 %
    "payments": Load(10.0, 4.5, cv=0.5),  # −25 %
    "e-services": Load(5.0, 9.5),  # +36 %
}

# The rate of each hour from 08:00, relative to the average hour: a morning peak and one after lunch.
HOURLY = [0.6, 1.2, 1.5, 1.1, 1.0, 1.3, 0.8, 0.5]


@dataclass(frozen=True)
class Shift:
    """A clerk at a counter: the work profile, the hours ("HH:MM", local) and the lunch break."""

    counter: str
    username: str
    services: tuple[str, ...]
    weights: tuple[tuple[str, int], ...] = ()  # the profile's weights other than 1
    opens: str = "08:00"
    closes: str = "16:00"
    lunch: str | None = None  # the break starts when the customer at the counter has left
    lunch_min: int = 30
    empties_queue: bool = True  # after closing time, keeps calling until no one waits


SHIFTS = [
    Shift("1", "sim-aino", ("advice", "payments"), lunch="11:00"),
    Shift("2", "sim-bertta", ("advice", "e-services"), lunch="11:30", closes="15:00",
          empties_queue=False),  # part-time: leaves at three
    Shift("3", "sim-cecilia", ("housing", "advice"), (("housing", 2),), lunch="12:00"),
    Shift("4", "sim-daniel", ("early-education", "advice"), (("early-education", 2),), lunch="11:00"),
    Shift("5", "sim-eero", ("building", "housing"), (("building", 2),), opens="08:30", lunch="12:00"),
    Shift("6", "sim-fanni", ("payments", "e-services", "advice"), opens="09:30", lunch="12:30"),
]


def minutes(hhmm: str) -> float:
    h, m = hhmm.split(":")
    return (int(h) - OPENS_H) * 60 + int(m)


START = datetime(DAY.year, DAY.month, DAY.day, OPENS_H, tzinfo=TIMEZONE).astimezone(timezone.utc)
END_MIN = (CLOSES_H - OPENS_H) * 60


def at(t: float) -> datetime:
    """The simulated clock: minutes since opening as an aware UTC datetime."""
    return START + timedelta(minutes=t)


# --- the customers -----------------------------------------------------------------------------


@dataclass
class Customer:
    service: str
    arrives: float  # minutes since opening
    service_min: float  # how long the clerk will take
    public_id: str = ""
    estimates: dict[str, float] = field(default_factory=dict)  # by ESTIMATES key, at issue
    called: float | None = None
    # A remote joiner (``--remote``): joins at ``arrives`` from elsewhere, sets off when told their
    # turn is near (``notify_before_min``) and reaches the hall ``travel_min`` later.
    remote: bool = False
    notify_before_min: int = 0
    travel_min: float = 0.0
    ticket_id: int = 0
    arrival_code: str = ""
    told: float | None = None
    here: float | None = None  # reached the hall (checked in at the kiosk)
    fate: str = ""  # on time, held, passed over, no-show, arrived after the no-show

    @property
    def wait(self) -> float:
        assert self.called is not None
        return self.called - self.arrives


def lognormal(rng: random.Random, mean: float, cv: float) -> float:
    sigma = math.sqrt(math.log(1 + cv * cv))
    return max(0.5, rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma))


def arrivals(rng: random.Random) -> list[Customer]:
    """Every customer of the day, with their service time drawn up front (independent of the queue)."""
    customers = []
    peak = max(HOURLY)
    for code, load in LOADS.items():
        # A Poisson process with an hourly rate, by thinning one with the peak rate.
        t = 0.0
        while True:
            t += rng.expovariate(load.per_hour * peak / 60)
            if t >= END_MIN:
                break
            if rng.random() < HOURLY[int(t // 60)] / peak:
                customers.append(Customer(code, t, lognormal(rng, load.true_mean_min, load.cv)))
    customers.sort(key=lambda c: c.arrives)
    return customers


TRAVEL_MEDIAN_MIN, TRAVEL_SIGMA = 15.0, 0.5  # lognormal: half within 11–21 min, 5–40 min clipped


def remote_joiners(rng: random.Random, customers: list[Customer], share: float) -> None:
    """Makes ``share`` of the customers remote joiners: they join at their arrival time from
    elsewhere, travel 5–40 minutes (lognormal, median 15), and ask to be told the smallest choice of
    minutes that covers their own guess of the travel time (the true one × a lognormal error, CV 0.3).
    A separate random stream: the day's arrivals and service times are those of the kiosk-only day."""
    for c in customers:
        if rng.random() >= share:
            continue
        c.remote = True
        c.travel_min = min(40.0, max(5.0, rng.lognormvariate(math.log(TRAVEL_MEDIAN_MIN), TRAVEL_SIGMA)))
        guess = c.travel_min * rng.lognormvariate(-0.3 ** 2 / 2, 0.3)
        c.notify_before_min = next((m for m in remote.NOTIFY_BEFORE_MIN if m >= guess), remote.NOTIFY_BEFORE_MIN[-1])


def fates(db: Database, customers: list[Customer]) -> None:
    """How each remote joiner's arrival went, from the engine's events: on time (never held), held
    at the front and then came, passed over and then came, a no-show, or closed before told."""
    joined = {c.ticket_id: c for c in customers if c.remote}
    with db.read() as session:
        rows = session.exec(select(Event.ticket_id, Event.type).where(
            Event.ticket_id.in_(list(joined)), Event.type.in_(("ticket.held", "ticket.passed_over", "ticket.no_show"))))
        seen: dict[int, set[str]] = {}
        for ticket_id, type_ in rows:
            seen.setdefault(ticket_id, set()).add(type_)
    for ticket_id, c in joined.items():
        if c.fate:
            continue
        kinds = seen.get(ticket_id, set())
        c.fate = ("no-show" if "ticket.no_show" in kinds else "passed over" if "ticket.passed_over" in kinds
                  else "held" if "ticket.held" in kinds else "on time")


# --- the day -----------------------------------------------------------------------------------


@dataclass
class Desk:
    shift: Shift
    counter_id: int
    clerk_id: int
    open: bool = False
    paused: bool = False
    serving: Customer | None = None
    lunch_due: bool = False  # at lunch time with a customer: the break starts after them
    leaving: bool = False  # past closing time

    @property
    def idle(self) -> bool:
        return self.open and not self.paused and self.serving is None


@dataclass
class Day:
    db: Database
    rng: random.Random
    desks: list[Desk]
    services: dict[str, Service]
    waiting: dict[str, Customer] = field(default_factory=dict)  # by public id
    events: list = field(default_factory=list)  # (minute, order, action, args)
    order: int = 0
    remote: bool = False  # remote joiners in the day: the minute's tick tells and passes over
    away: dict[int, Customer] = field(default_factory=dict)  # remote joiners not yet here, by ticket id

    def schedule(self, t: float, action, *args) -> None:
        self.order += 1
        heapq.heappush(self.events, (t, self.order, action, args))

    def run(self, customers: list[Customer]) -> None:
        for customer in customers:
            self.schedule(customer.arrives, self.arrive, customer)
        for d in self.desks:
            self.schedule(minutes(d.shift.opens), self.open, d)
            if d.shift.lunch:
                self.schedule(minutes(d.shift.lunch), self.lunch, d)
            self.schedule(minutes(d.shift.closes), self.leave, d)
        if self.remote:
            self.schedule(1.0, self.tick)
        while self.events:
            t, _, action, args = heapq.heappop(self.events)
            action(t, *args)

    # What happens at the desks.

    def open(self, t: float, d: Desk) -> None:
        with self.db.write() as session:
            desk.open_counter(session, d.counter_id, d.clerk_id, list(d.shift.services),
                              weights=dict(d.shift.weights), now=at(t))
        d.open = True
        self.call(t, d)

    def lunch(self, t: float, d: Desk) -> None:
        if d.serving is not None:
            d.lunch_due = True
            return
        with self.db.write() as session:
            desk.pause_counter(session, d.counter_id, d.clerk_id, now=at(t))
        d.paused = True
        self.schedule(t + d.shift.lunch_min, self.back_from_lunch, d)

    def back_from_lunch(self, t: float, d: Desk) -> None:
        with self.db.write() as session:
            desk.resume_counter(session, d.counter_id, d.clerk_id, now=at(t))
        d.paused = False
        self.call(t, d)

    def leave(self, t: float, d: Desk) -> None:
        d.leaving = True
        if d.serving is None and (not d.shift.empties_queue or d.paused or not self._call(t, d)):
            if not (self.away and d.shift.empties_queue):  # stays for the remote joiners still coming
                self.close(t, d)

    def close(self, t: float, d: Desk) -> None:
        with self.db.write() as session:
            if d.paused:
                desk.resume_counter(session, d.counter_id, d.clerk_id, now=at(t))
            desk.close_counter(session, d.counter_id, d.clerk_id, now=at(t))
        d.open = d.paused = False

    def call(self, t: float, d: Desk) -> bool:
        """A free clerk presses "call next"; the customer comes at once."""
        if not d.idle:
            return False
        if d.leaving:
            if d.shift.empties_queue and self._call(t, d):
                return True
            if not (self.away and d.shift.empties_queue):
                self.close(t, d)
            return False
        return self._call(t, d)

    def _call(self, t: float, d: Desk) -> bool:
        with self.db.write() as session:
            called = desk.call_next(session, d.counter_id, d.clerk_id, now=at(t))
        if called is None:
            return False
        ticket, _ = called
        with self.db.write() as session:
            desk.start_serving(session, ticket.public_id, d.clerk_id, now=at(t))
        customer = self.waiting.pop(ticket.public_id)
        customer.called = t
        d.serving = customer
        self.schedule(t + customer.service_min, self.finish, d)
        return True

    def finish(self, t: float, d: Desk) -> None:
        with self.db.write() as session:
            desk.finish(session, d.serving.public_id, d.clerk_id, outcome="resolved", now=at(t))
        d.serving = None
        if d.lunch_due:
            d.lunch_due = False
            self.lunch(t, d)
        elif d.leaving and not d.shift.empties_queue:
            self.close(t, d)
        else:
            self.call(t, d)

    # What happens at the kiosk.

    def arrive(self, t: float, customer: Customer) -> None:
        if customer.remote:
            return self.join(t, customer)
        open_for_it = [d for d in self.desks
                       if d.open and not d.paused and customer.service in d.shift.services]
        with self.db.write() as session:
            issued = issue_ticket(session, SITE, customer.service, "fi", now=at(t))
            customer.estimates = {
                "engine": issued.estimated_wait_min,
                "naive": (issued.people_ahead * self.services[customer.service].service_min
                          / max(1, len(open_for_it))),
            }
        customer.public_id = issued.ticket.public_id
        self.waiting[customer.public_id] = customer
        free = [d for d in open_for_it if d.serving is None]
        self.rng.shuffle(free)  # whichever free clerk clicks first
        for d in free:
            if self.call(t, d):
                break


    # Remote joiners (issue 19): server/remote.py's rules, with the simulated clock.

    def join(self, t: float, customer: Customer) -> None:
        with self.db.write() as session:
            issued = remote.join(session, SITE, customer.service, "fi", remote.Contact(
                "sms", f"+35840{len(self.away):07d}",
                customer.notify_before_min), now=at(t))
            customer.estimates = {"engine": issued.estimated_wait_min, "naive": float("nan")}
        customer.public_id, customer.ticket_id = issued.ticket.public_id, issued.ticket.id
        customer.arrival_code = issued.ticket.arrival_code
        self.waiting[customer.public_id] = customer
        self.away[customer.ticket_id] = customer

    def tick(self, t: float) -> None:
        """Every simulated minute, what the server does by itself: tells those whose turn is near
        (server/messenger.py's ``notify_near``) and passes over or closes the held ones whose hold ran
        out (``remote.pass_over_due``, server/housekeeping.py)."""
        now = at(t)
        from server.messenger import notify_near  # noqa: PLC0415 (issue 19's, only with --remote)
        notify_near(self.db, SITE, now)
        with self.db.read() as session:
            told = set(session.exec(select(TicketContact.ticket_id).where(
                TicketContact.ticket_id.in_(list(self.away)), TicketContact.near_sent_at.is_not(None))))
        for ticket_id in told:
            customer = self.away[ticket_id]
            if customer.told is None:
                customer.told = t
                self.schedule(t + customer.travel_min, self.reach_hall, customer)
        with self.db.write() as session:
            site = session.exec(select(Site).where(Site.slug == SITE)).one()
            ended = [ticket.public_id for ticket in remote.pass_over_due(session, site, now)
                     if ticket.status == "no_show"]
        for public_id in ended:
            customer = self.waiting.pop(public_id)
            if customer.told is None:  # closed before ever told: never sets off
                customer.here, customer.fate = t, 'closed before told'
        if t < END_MIN or any(c.here is None for c in self.away.values()):
            self.schedule(t + 1.0, self.tick)
        else:
            for d in self.desks:  # the last remote joiner is in (or gone): the clerks may go
                if d.leaving and d.open and d.serving is None and not d.paused:
                    self.call(t, d)

    def reach_hall(self, t: float, customer: Customer) -> None:
        customer.here = t
        try:
            with self.db.write() as session:
                remote.check_in(session, SITE, customer.arrival_code, now=at(t))
        except Conflict:  # closed as a no-show meanwhile
            customer.fate = "arrived after the no-show"
            return
        free = [d for d in self.desks if d.idle and customer.service in d.shift.services]
        self.rng.shuffle(free)
        for d in free:
            if self.call(t, d):
                break


def add_history(session, days: int) -> None:
    """Finished customers on the weekdays of the ``days`` days before the simulated day, each
    service's day of arrivals with its true service times (``LOADS``): the history an estimate may
    learn from (issue 21). Only what server/estimate.py reads of them is filled in."""
    rng = random.Random(99)
    site = session.exec(select(Site).where(Site.slug == SITE)).one()
    services = {s.code: s for s in session.exec(select(Service).where(Service.site_id == site.id))}
    for back in range(1, days + 1):
        day = DAY - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        opens = datetime(day.year, day.month, day.day, OPENS_H, tzinfo=TIMEZONE).astimezone(timezone.utc)
        for code, load in LOADS.items():
            service = services[code]
            for seq in range(1, round(load.per_hour * (CLOSES_H - OPENS_H)) + 1):
                issued = opens + timedelta(minutes=rng.uniform(0, (CLOSES_H - OPENS_H) * 60))
                served = issued + timedelta(minutes=10)
                session.add(Ticket(public_id=f"h{back}-{code}-{seq}", site_id=site.id, service_id=service.id,
                                   service_day=day, seq=seq, number=f"{service.prefix}{seq:03d}", lang="fi",
                                   issued_at=issued, queued_at=issued, called_at=served, served_at=served,
                                   finished_at=served + timedelta(minutes=lognormal(rng, load.true_mean_min, load.cv)),
                                   status="finished"))


def prepare_template(directory: Path, history_days: int = 0) -> Path:
    """A migrated database with the demo site and the simulation's clerks, copied for each run;
    with ``history_days``, that many days of finished customers before the day (``add_history``)."""
    path = directory / "template.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = Database(url)
    with db.write() as session:
        seed_demo(session, "bench-not-a-login")
        for shift in SHIFTS:
            session.add(StaffUser(username=shift.username, display_name=shift.username,
                                  role="expert" if "building" in shift.services else "clerk",
                                  password_hash="!"))  # no one logs in
        add_history(session, history_days)
    db.dispose()
    return path


def simulate(seed: int, template: Path, directory: Path, remote_share: float = 0.0) -> list[Customer]:
    """One day; with ``remote_share``, that share of the customers joins remotely (``remote_joiners``)."""
    path = directory / f"day-{seed}{'-remote' if remote_share else ''}.db"
    shutil.copyfile(template, path)
    db = Database(f"sqlite:///{path}")
    try:
        if remote_share:
            with db.write() as session:
                for service in session.exec(select(Service)):
                    service.remote_join, service.remote_max_waiting = True, 10_000
                    session.add(service)
        with db.read() as session:
            services = {s.code: s for s in session.exec(select(Service))}
            counters = {c.number: c.id for c in session.exec(select(Counter))}
            clerks = {u.username: u.id for u in session.exec(select(StaffUser))}
        rng = random.Random(seed)
        customers = arrivals(rng)
        if remote_share:
            remote_joiners(random.Random(seed + 20_000), customers, remote_share)
        desks = [Desk(s, counters[s.counter], clerks[s.username]) for s in SHIFTS]
        day = Day(db, random.Random(seed + 10_000), desks, services, remote=bool(remote_share))
        day.run(customers)
        assert not day.waiting, f"{len(day.waiting)} customers were never called"
        if remote_share:
            fates(db, customers)
    finally:
        db.dispose()
    return customers


# --- the report --------------------------------------------------------------------------------

ESTIMATES = {
    "engine": "server/estimate.py, as shown on the kiosk and the ticket",
    "naive": "baseline for comparison, not used by the engine: people ahead × service_min ÷ open counters for the service",
}


@dataclass(frozen=True)
class Quality:
    tickets: int
    mean_wait: float
    mae: float
    median_ae: float
    p90_ae: float
    bias: float  # mean of estimate − true wait: positive means the estimate promises too long
    naive_mae: float


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


def quality(customers: list[Customer], key: str = "engine") -> Quality:
    """The error of estimate ``key``; the naive baseline's mean absolute error alongside."""
    errors = [c.estimates[key] - c.wait for c in customers]
    absolute = [abs(e) for e in errors]
    return Quality(
        tickets=len(customers),
        mean_wait=statistics.fmean(c.wait for c in customers),
        mae=statistics.fmean(absolute),
        median_ae=statistics.median(absolute),
        p90_ae=p90(absolute),
        bias=statistics.fmean(errors),
        naive_mae=statistics.fmean(abs(c.estimates["naive"] - c.wait) for c in customers),
    )


def mean_quality(rows: list[Quality]) -> Quality:
    return Quality(*(statistics.fmean(getattr(r, f) for r in rows) for f in Quality.__dataclass_fields__))


HEADER = ("| | tickets | mean true wait | MAE | median AE | p90 AE | bias | naive MAE |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")


def row(label: str, q: Quality) -> str:
    return (f"| {label} | {q.tickets:.0f} | {q.mean_wait:.1f} | **{q.mae:.1f}** | {q.median_ae:.1f} | "
            f"{q.p90_ae:.1f} | {q.bias:+.1f} | {q.naive_mae:.1f} |")


def report(days: dict[int, list[Customer]]) -> str:
    per_seed = {seed: quality(cs) for seed, cs in days.items()}
    lines = [
        "Minutes. MAE, median AE, p90 AE and bias are those of the engine's estimate; each figure is "
        "the mean over the seeds of that seed's figure. Bias is estimate − true wait (positive: the "
        "estimate promises too long a wait).",
        "",
        HEADER,
        row("**all services**", mean_quality(list(per_seed.values()))),
    ]
    for code in LOADS:
        rows = [quality(served) for cs in days.values() if (served := [c for c in cs if c.service == code])]
        lines.append(row(code, mean_quality(rows)))
    lines += ["", "Each estimate, all services:", "",
              "| estimate | MAE | median AE | p90 AE | bias |", "| --- | ---: | ---: | ---: | ---: |"]
    for key, description in ESTIMATES.items():
        q = mean_quality([quality(cs, key) for cs in days.values()])
        lines.append(f"| {key}: {description} | {q.mae:.1f} | {q.median_ae:.1f} | {q.p90_ae:.1f} | "
                     f"{q.bias:+.1f} |")
    lines += ["", "Per seed, all services:", "", HEADER]
    lines += [row(f"seed {seed}", q) for seed, q in per_seed.items()]
    return "\n".join(lines)


FATES = ("on time", "held", "passed over", "no-show", "arrived after the no-show", "closed before told")


def remote_report(days: dict[int, list[Customer]], share: float) -> str:
    """Remote joiners against kiosk visitors: how often a remote joiner came too late, and the error of
    what each was told at joining (remote) or at the kiosk against when they were called."""
    def errors(cs: list[Customer]) -> tuple[int, float, float, float, float]:
        e = [c.estimates["engine"] - c.wait for c in cs if c.called is not None]
        a = [abs(x) for x in e]
        return (len(e), statistics.fmean(c.wait for c in cs if c.called is not None), statistics.fmean(a),
                p90(a), statistics.fmean(e))

    lines = [
        f"{share:.0%} of the customers of `scripts/bench simulate_day`'s day join remotely instead (the same "
        "arrivals and service times; seeds as below): each joins at the minute they would have taken a number, "
        f"travels 5–40 minutes (lognormal, median {TRAVEL_MEDIAN_MIN:g}), asks to be told the smallest of "
        f"{', '.join(map(str, remote.NOTIFY_BEFORE_MIN))} minutes that covers their own guess of the travel "
        "time (CV 0.3), sets off when told, and checks in at the kiosk on arrival. Every simulated minute the "
        "server's own work runs with the simulated clock: `notify_near` (\"your turn is near\") and "
        "`remote.pass_over_due` (the demo's rules: held 10 min at the front, passed over 3 places once, then "
        "a no-show). Summed over the seeds.",
        "",
        "| remote joiners | " + " | ".join(FATES) + " | too late (held or worse) |",
        "| ---: | " + " | ".join("---:" for _ in FATES) + " | ---: |",
    ]
    remote_cs = [c for cs in days.values() for c in cs if c.remote]
    counts = {f: sum(1 for c in remote_cs if c.fate == f) for f in FATES}
    late = len(remote_cs) - counts["on time"]
    lines.append(f"| {len(remote_cs)} | " + " | ".join(f"{counts[f]} ({counts[f] / max(1, len(remote_cs)):.0%})"
                                                    for f in FATES)
                 + f" | **{late / max(1, len(remote_cs)):.0%}** |")
    at_once = [c for c in remote_cs if c.told is not None and c.told - c.arrives <= 1.0]
    late_at_once = sum(1 for c in at_once if c.fate != "on time")
    later = [c for c in remote_cs if c not in at_once]
    late_later = sum(1 for c in later if c.fate != "on time")
    lines += ["", f"Told within a minute of joining (the estimate already within their threshold, so they set off at "
              f"once): {len(at_once)}, of whom {late_at_once} ({late_at_once / max(1, len(at_once)):.0%}) too late; "
              f"told later: {len(later)}, of whom {late_later} ({late_later / max(1, len(later)):.0%}) too late. "
              f"Median travel {statistics.median(c.travel_min for c in remote_cs):.0f} min; median threshold "
              f"{statistics.median(c.notify_before_min for c in remote_cs):.0f} min."]
    lines += ["", "The estimate told at joining (remote: the join page and the \"joined\" message; kiosk: the ticket) "
              "against the true wait, joined/issued → called, minutes (remote joiners who were never called "
              "left out):", "",
              "| visitors | called | mean true wait | MAE | p90 AE | bias |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for label, group in (("kiosk", [c for cs in days.values() for c in cs if not c.remote]), ("remote", remote_cs)):
        n, wait, mae, p90_, bias = errors(group)
        lines.append(f"| {label} | {n} | {wait:.1f} | **{mae:.1f}** | {p90_:.1f} | {bias:+.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench simulate_day", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="days to simulate (default 5)")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="2 seeds, for a quick look")
    parser.add_argument("--write", action="store_true", help=f"update {PERFORMANCE.name}")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="days simulated at once (default: the number of CPUs)")
    parser.add_argument("--remote", type=float, default=0.0, metavar="SHARE",
                        help="this share of the customers (e.g. 0.3) joins remotely (issue 19); its own report "
                        "and section")
    parser.add_argument("--history-days", type=int, default=0, metavar="DAYS",
                        help="give the site that many days of finished customers before the day (issue 21: "
                             "an estimate may learn service times from them)")
    args = parser.parse_args(argv)
    command = " ".join(["scripts/bench simulate_day", *(sys.argv[1:] if argv is None else argv)])
    seeds = range(args.first_seed, args.first_seed + (2 if args.quick else args.seeds))

    began = time.perf_counter()
    days = {}
    with tempfile.TemporaryDirectory(prefix="luukku-bench-") as tmp:
        template = prepare_template(Path(tmp), args.history_days)
        # One day per process: each has its own SQLite file, so they do not wait for each other.
        with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            runs = {seed: pool.submit(simulate, seed, template, Path(tmp), args.remote)
                    for seed in seeds}
            for seed, run in runs.items():
                days[seed] = run.result()
                print(f"seed {seed}: {len(days[seed])} tickets", file=sys.stderr)
    elapsed = time.perf_counter() - began

    if args.remote:
        body = remote_report(days, args.remote)
        print(body)
        if args.write:
            stamp = run_stamp(command, f"seeds {seeds.start}–{seeds.stop - 1}, {elapsed:.0f} s")
            write_section("simulate_day_remote", "Remote queue: remote joiners in the simulated day",
                          f"{stamp}\n\n{body}")
        return 0
    body = report(days)
    print(body)
    print(f"\n{len(days)} days in {elapsed:.1f} s", file=sys.stderr)
    if args.write:
        stamp = run_stamp(command, f"seeds {seeds.start}–{seeds.stop - 1}, {args.jobs} at a time, {elapsed:.0f} s")
        write_section("simulate_day", "Estimate quality: a simulated day", f"{stamp}\n\n{body}")
        print(f"updated {PERFORMANCE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
