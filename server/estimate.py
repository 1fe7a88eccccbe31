"""The estimated waiting time: call-next replayed on the queue as it is now.

Each open counter becomes free when its customer is expected to leave (half a recent service time
of their service), then calls whom the engine's own rule (server/fairness.py) would call, and is
busy for that service's recent service time. The estimate is the moment the ticket is called. So a
counter shared by several services is shared the way call-next really shares it, and services that
share counters see each other's queues.

- **Recent service time**: the mean of the service's last ``SAMPLES`` finished customers of the day
  (serving started → finished), blended with the configured ``service_min`` as if it were
  ``PRIOR_WEIGHT`` more customers, so the first customers of the day do not swing it.
- **A paused counter** is reckoned back ``EXPECTED_PAUSE_MIN`` after its pause began (at once if that
  is past).
- **No open counter** for the service: people ahead × service time, as if one busy counter served it.

Left out: tickets sent to a particular counter or clerk, appointments, and customers who will
arrive later. docs/PERFORMANCE.md reports the error against a simulated day (bench/).
"""

import functools
import heapq
import threading
import weakref
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from server import fairness
from server.models import Counter, CounterService, Service, Site, Ticket

SAMPLES = 20
PRIOR_WEIGHT = 3
EXPECTED_PAUSE_MIN = 30
NEW = -1  # the id of the imagined ticket taken now, for "how long if I take a number now?"


def _recent_query():
    last = sa.func.row_number().over(partition_by=Ticket.service_id, order_by=Ticket.finished_at.desc())
    recent = (
        sa.select(Ticket.service_id, Ticket.served_at, Ticket.finished_at, last.label("n"))
        .where(
            Ticket.service_id.in_(sa.bindparam("service_ids", expanding=True)),
            Ticket.service_day == sa.bindparam("day"),
            Ticket.status == "finished",
            Ticket.served_at.is_not(None),
        )
        .subquery()
    )
    return sa.select(recent.c.service_id, recent.c.served_at, recent.c.finished_at).where(recent.c.n <= SAMPLES)


# The queries of a reading of the queue, built once: the kiosk, the phones and the clerks' screens
# read it after every event, and building the queries each time was a fifth of a reading.
_RECENT = _recent_query()
_SERVICES = sa.select(Service.id, Service.target_wait_min, Service.service_min).where(
    Service.site_id == sa.bindparam("site_id"))
_COUNTERS = sa.select(Counter.id, Counter.paused, Counter.paused_at, Counter.profile).where(
    Counter.site_id == sa.bindparam("site_id"), Counter.is_open)
_PROFILES = sa.select(CounterService.counter_id, CounterService.service_id, CounterService.weight,
                      CounterService.position).where(
    CounterService.counter_id.in_(sa.bindparam("counter_ids", expanding=True)))
_CURRENT = sa.select(Ticket.counter_id, Ticket.service_id).where(
    Ticket.counter_id.in_(sa.bindparam("counter_ids", expanding=True)), Ticket.status.in_(("called", "serving")))
_WAITING = (sa.select(Ticket.id, Ticket.service_id, Ticket.queued_at, Ticket.priority, Ticket.front)
            .where(Ticket.site_id == sa.bindparam("site_id"), Ticket.service_day == sa.bindparam("day"),
                   Ticket.status == "waiting", Ticket.target_counter_id.is_(None),
                   Ticket.target_staff_user_id.is_(None))
            .order_by(Ticket.priority.desc(), Ticket.front.desc(), Ticket.queued_at, Ticket.id))


def recent_service_min(session: Session, services: dict[int, Service], day: date) -> dict[int, float]:
    """Per service id, the mean of its last ``SAMPLES`` service times today, blended with its prior."""
    minutes: dict[int, list[float]] = {sid: [] for sid in services}
    # One query for every service (a window function keeps each one's last SAMPLES): this runs on
    # every ticket issued, and a query per service was a fifth of the kiosk's time (docs/PERFORMANCE.md).
    for service_id, served, finished in session.execute(_RECENT, {"service_ids": list(services), "day": day}):
        minutes[service_id].append((finished - served).total_seconds() / 60)
    return {sid: (sum(minutes[sid]) + PRIOR_WEIGHT * service.service_min) / (len(minutes[sid]) + PRIOR_WEIGHT)
            for sid, service in services.items()}


class QueueNow:
    """What the replay needs, read once: the open counters, their profiles and customers, the queues."""

    def __init__(self, session: Session, site: Site, now: datetime, day: date):
        self.day = day
        self.read_at = now  # self.now moves on as tickets are added to a kept queue (server/site_memory.py)
        # Plain rows of the columns the replay reads, not ORM objects: this runs on every ticket
        # issued, and building objects was most of its time (docs/PERFORMANCE.md).
        self.now = now
        self.services = {s.id: s for s in session.execute(_SERVICES, {"site_id": site.id})}
        self.mean = recent_service_min(session, self.services, day)
        self.counters = {c.id: c for c in session.execute(_COUNTERS, {"site_id": site.id})}
        self.profiles: dict[int, dict[int, CounterService]] = {}
        for row in session.execute(_PROFILES, {"counter_ids": list(self.counters)}):
            self.profiles.setdefault(row.counter_id, {})[row.service_id] = row
        self.current = {t.counter_id: t for t in session.execute(_CURRENT, {"counter_ids": list(self.counters)})}
        self.waiting = session.execute(_WAITING, {"site_id": site.id, "day": day}).all()

    def _free_at(self) -> dict[int, float]:
        """Minutes from now until each open counter can call."""
        free_at = {}
        for cid, counter in self.counters.items():
            if counter.paused:
                back = (counter.paused_at or self.now) + timedelta(minutes=EXPECTED_PAUSE_MIN)
                free_at[cid] = max(0.0, (back - self.now).total_seconds() / 60)
            elif cid in self.current:
                free_at[cid] = 0.5 * self.mean[self.current[cid].service_id]
            else:
                free_at[cid] = 0.0
        return free_at

    def _queues(self, new_of: int | None = None) -> dict[int, deque]:
        """Each service's waiting line; ``new_of``: with the imagined ticket at the end of that service's."""
        queues: dict[int, deque] = {}
        for tid, sid, queued_at, priority, front in self.waiting:
            queues.setdefault(sid, deque()).append((tid, queued_at, priority, front))
        if new_of is not None:
            queues.setdefault(new_of, deque()).append((NEW, self.now, 0, False))
        return queues

    def _picks(self, queues: dict[int, deque]):
        """call-next replayed on ``queues`` (which it empties as it calls): each counter's turn in
        order, as (counter id, minutes from now, the head it chose, or None when it has no one left to
        call), yielded before the chosen head leaves its line."""
        # The counters' next turns in a heap, the earliest (then the lowest id) first; a replay of a
        # long queue takes thousands of turns among a few counters (docs/PERFORMANCE.md).
        turns = [(at, cid) for cid, at in self._free_at().items()]
        heapq.heapify(turns)
        # Each line's head as a counter's candidate, made again only when the head changes: a replay
        # picks hundreds of times among the same few heads (docs/PERFORMANCE.md).
        made: dict[tuple[int, int], fairness.Candidate] = {}
        while turns:
            at, cid = heapq.heappop(turns)
            heads, services = [], {}
            for sid, row in self.profiles.get(cid, {}).items():
                if not (q := queues.get(sid)):
                    continue
                head = made.get((cid, sid))
                if head is None or head.ticket_id != q[0][0]:
                    head = made[cid, sid] = fairness.Candidate(
                        ticket_id=q[0][0], queued_at=q[0][1], target_wait_min=self.services[sid].target_wait_min,
                        weight=row.weight, position=row.position, priority=q[0][2], front=q[0][3])
                heads.append(head)
                services[head.ticket_id] = sid
            if len(heads) == 1:  # the one head there is (pick() would choose it, after ranking it)
                chosen = heads[0]
            else:
                chosen = fairness.pick(heads, self.now + timedelta(minutes=at), self.counters[cid].profile)
            yield cid, at, chosen
            if chosen is None:
                continue  # no one left for this counter; no one new comes in the replay
            called_service = services[chosen.ticket_id]
            queues[called_service].popleft()
            heapq.heappush(turns, (at + self.mean[called_service], cid))

    def _calls(self, queues: dict[int, deque]):
        """(ticket id, minutes from now) for each call of the replay, in order, until no open counter
        has anyone left to call."""
        for _cid, at, chosen in self._picks(queues):
            if chosen is not None:
                yield chosen.ticket_id, at

    def wait_min(self, service_id: int, ticket_id: int = NEW) -> int:
        """Minutes until the ticket is called; ``NEW``: a ticket of the service taken now."""
        if any(service_id in self.profiles.get(cid, {}) for cid in self.counters):
            queues = self._queues(service_id if ticket_id == NEW else None)
            for called, at in self._calls(queues):
                if called == ticket_id:
                    return round(at)
            return self._no_counter(service_id, queues.get(service_id, ()), ticket_id)
        # No open counter serves it: its own line is all that counts, not every line built for a replay.
        return self._no_counter(service_id, [row for row in self.waiting if row[1] == service_id], ticket_id)

    def replay(self, service_ids) -> tuple[dict[int, int], dict[int, int]]:
        """From one replay: wait_min of every waiting ticket (the phones following them), and of a
        ticket taken now for each of the services (every kiosk and counter screen asks after each
        event), instead of a replay each.

        Until the imagined ticket is called, a replay with it is the replay without it: it is last in
        its line, and pick() takes the best head, so a head it does not choose changes nothing. So the
        replay without it tells, for each service, the first turn at which a counter serving it finds
        the service's line empty and would choose the imagined ticket over the head it chose (or over
        no one): then it is called, as wait_min's own replay would call it. The tickets the replay
        does not call wait as _no_counter reckons them."""
        served = {sid for profile in self.profiles.values() for sid in profile}
        new_waits = {sid: self.wait_min(sid) for sid in service_ids if sid not in served}
        pending = {sid for sid in service_ids if sid in served}
        waits: dict[int, int] = {}
        queues = self._queues()
        for cid, at, chosen in self._picks(queues):
            profile = self.profiles.get(cid, {}) if pending else {}
            for sid in [sid for sid in pending if sid in profile and not queues.get(sid)]:
                row = profile[sid]
                new = fairness.Candidate(ticket_id=NEW, queued_at=self.now,
                                         target_wait_min=self.services[sid].target_wait_min,
                                         weight=row.weight, position=row.position)
                when, rule = self.now + timedelta(minutes=at), self.counters[cid].profile
                if chosen is None or fairness.rank(new, when, rule) > fairness.rank(chosen, when, rule):
                    new_waits[sid] = round(at)
                    pending.discard(sid)
            if chosen is not None:
                waits[chosen.ticket_id] = round(at)
        for sid in pending:  # called by none of the replay's turns: as wait_min reckons it then
            new_waits[sid] = self.wait_min(sid)
        for sid, line in queues.items():
            for ahead, (tid, *_rest) in enumerate(line):
                waits[tid] = round((ahead + 0.5) * self.mean[sid])
        return waits, new_waits

    def waits(self) -> dict[int, int]:
        """wait_min of every ticket in the replay at once (replay's first)."""
        return self.replay(())[0]

    def _no_counter(self, service_id: int, line, ticket_id: int) -> int:
        ahead = next((i for i, t in enumerate(line) if t[0] == ticket_id), len(line))
        return round((ahead + 0.5) * self.mean[service_id])


def order(row) -> tuple:
    """call-next's order of a service's waiting tickets, as QueueNow.waiting is sorted."""
    _tid, _sid, queued_at, priority, front = row
    return -priority, -front, queued_at, row[0]


def estimate_wait_min(session: Session, site: Site, ticket: Ticket, now: datetime,
                      state: QueueNow | None = None) -> int:
    """Minutes until this waiting ticket is called; ``state``: the site's queue as read already (the
    phones following their tickets share one reading per event), if it is of the ticket's day."""
    if state is None or state.day != ticket.service_day:
        state = QueueNow(session, site, now, ticket.service_day)
    return state.wait_min(ticket.service_id, ticket.id)


def estimates(session: Session, site: Site, services: list[Service], now: datetime, day: date) -> dict[int, int]:
    """Per service, the estimated wait of a ticket taken now, in minutes (from the kept replay)."""
    new = replayed(session, site, now, day).new
    return {s.id: new[s.id] for s in services}


@dataclass(frozen=True)
class Replay:
    """The site's queue replayed once (QueueNow.replay): each waiting ticket's wait, and a new
    ticket's for each of the site's services, in minutes. Kept and shared by threads: read only."""

    waits: dict[int, int]
    new: dict[int, int]


def replayed(session: Session, site: Site, now: datetime, day: date) -> Replay:
    """The site's queue replayed for every waiting ticket and every service at once.

    Kept per site, event number and minute: after each event every counter screen, kiosk and API
    client of a site asks for the new estimates, and the phones following their tickets for the
    waits; with 5,000 waiting each replay took 50-100 ms, and three of them at once held a worker's
    phones for half a second (issue 22). Every change that moves an estimate is an event
    (server/events.py), so the site's last number says whether it is still true; the minute, that
    the clock has not moved it. The site is read before the queue, so what is kept is at least as
    new as its number. Only the newest replay of a site is kept."""
    bind = session.get_bind()
    key = (site.last_event_seq, day, now.replace(second=0, microsecond=0))
    writing = "on_commit" in session.info
    with _kept_lock:
        newest = _kept.setdefault(bind, OrderedDict()).get(site.id)
        kept = newest[1] if newest is not None and newest[0] == key else None
        # The screens of a site ask at the same moment, each in a thread of its own: one replays,
        # the others wait for its answer rather than all replaying at once.
        working = None if kept is not None or writing else _working.get((bind, site.id, key))
        if kept is None and working is None and not writing:
            _working[bind, site.id, key] = threading.Event()
    if working is not None and working.wait(KEPT_WAIT_S):
        with _kept_lock:
            newest = _kept[bind].get(site.id)
            kept = newest[1] if newest is not None and newest[0] == key else None
    if kept is None:
        try:
            state = QueueNow(session, site, now, day)
            kept = Replay(*state.replay(list(state.services)))
            if writing:  # kept only once the write's changes are sure (server/db.py)
                session.info["on_commit"].append(functools.partial(_keep, bind, site.id, key, kept))
            elif working is None:
                _keep(bind, site.id, key, kept)
        finally:
            if not writing and working is None:
                with _kept_lock:
                    _working.pop((bind, site.id, key)).set()
    return kept


def _keep(bind, site_id: int, key: tuple, replay: Replay) -> None:
    with _kept_lock:
        kept = _kept.setdefault(bind, OrderedDict())
        newest = kept.get(site_id)
        if newest is None or newest[0] <= key:  # a slower thread's older replay does not replace it
            kept[site_id] = (key, replay)
        kept.move_to_end(site_id)
        while len(kept) > KEPT_SITES:
            kept.popitem(last=False)


KEPT_SITES = 64  # the sites a worker serves; a city has about 40 (issue 22)
KEPT_WAIT_S = 5.0  # how long a screen waits for another's replay before making its own
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per database (engine), as server/site_memory.py
_working: dict[tuple, threading.Event] = {}
_kept_lock = threading.Lock()
