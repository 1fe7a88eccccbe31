"""Random days at the service point, against a real SQLite file and a model of docs/queueing.md.

Hypothesis draws a sequence of actions — tickets issued, called, served, transferred, put aside,
returned, recalled, marked no-show, walk-ins, pauses, time passing, closing time; remote tickets
joined from a phone, arriving, held at the front, passed over, moved back, left — at three counters
with three clerks. A small model written from the documentation says what each action must do:
succeed with a given effect, or be refused (and then change nothing). After every step the database
must match the model: no ticket lost, each in one state, at most one customer per counter, a
finished ticket never back, one event for every change and a gapless event sequence.
"""

import shutil
import tempfile
from collections import Counter as Tally
from dataclasses import dataclass, field
from fractions import Fraction
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from server import counters, hours, queue, remote
from server.db import Database
from server.errors import Conflict, Invalid
from server.models import Counter, CounterService, Event, Site, StaffUser, Ticket, TicketNumber
from tests.conftest import prepare_demo_database

HELSINKI = ZoneInfo("Europe/Helsinki")
START = datetime(2026, 5, 11, 5, 0, tzinfo=timezone.utc)  # Monday 11 May 2026, 8.00 in Helsinki
SERVICES = ("advice", "housing", "building")
PROFILES = (("advice", "housing"), ("housing", "building"), ("building", "advice"))
OUTCOMES = (None, "resolved", "left", "no-such-outcome")
WAITS_MIN = (2, 10, 45, 180, 600)
OPEN_STATES = ("waiting", "called", "serving", "parked")
ENDED = ("finished", "no_show", "unserved", "cancelled")
REMOTE_SERVICES = ("advice", "housing")  # of SERVICES, those the demo lets citizens join from a phone
HOLD = timedelta(minutes=10)  # the demo site's arrival_hold_min
SECRET = "property-secret"


# --- the template database, copied for each example -----------------------------------------------


@dataclass(frozen=True)
class Template:
    path: Path
    counters: tuple[int, ...]  # counter ids, counter i bound to clerk i
    clerks: tuple[int, ...]
    services: dict  # code -> (id, prefix, outcome_required, transfer_position, target_wait_min)
    events: int  # events already in the template


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Template:
    """The demo site, open Monday to Friday 8–16, building control taking transfers to the front,
    and three counters open for three clerks."""
    path = tmp_path_factory.mktemp("properties") / "template.db"
    db = Database(prepare_demo_database(f"sqlite:///{path}"))
    with db.write() as session:
        site = queue.get_site(session, "demo")
        hours.set_weekly_hours(session, site, {day: (time(8), time(16)) for day in range(5)})
        building = queue.get_service(session, site, "building")
        building.transfer_position = "front"
        session.add(building)
        clerks = [StaffUser(username=f"desk{i}", display_name=f"Desk {i}", password_hash="-")
                  for i in range(3)]
        session.add_all(clerks)
        session.flush()
        desks = queue.site_counters(session, site)[:3]
        for counter, clerk, profile in zip(desks, clerks, PROFILES):
            counters.open_counter(session, counter.id, clerk.id, list(profile),
                                  now=START - timedelta(minutes=5))
        services = {
            s.code: (s.id, s.prefix, s.outcome_required, s.transfer_position, s.target_wait_min)
            for s in queue.active_services(session, site)
        }
    with db.read() as session:
        events = session.execute(sa.select(sa.func.count()).select_from(Event)).scalar_one()
    db.dispose()
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return Template(path, tuple(c.id for c in desks), tuple(u.id for u in clerks), services, events)


# --- the model ------------------------------------------------------------------------------------


@dataclass
class Model:
    """A ticket as docs/queueing.md describes it."""

    id: int
    public_id: str
    number: str
    service: str
    day: date
    queued_at: datetime
    status: str = "waiting"
    counter: int | None = None  # where it is called, served or was put aside
    calls: int = 0
    period: int = 1
    front: bool = False
    priority: int = 0
    to_counter: int | None = None
    to_clerk: int | None = None
    walk_in: bool = False
    remote: bool = False
    arrived: bool = False
    held_at: datetime | None = None
    passes: int = 0
    delays: int = 0
    phone: str = ""
    code: str = ""
    events: list[str] = field(default_factory=list)

    @property
    def absent(self) -> bool:
        return self.remote and not self.arrived


def local(now: datetime) -> datetime:
    return now.astimezone(HELSINKI)


def is_open(now: datetime) -> bool:
    at = local(now)
    return at.weekday() < 5 and time(8) <= at.time() < time(16)


def past_closing(now: datetime) -> bool:
    at = local(now)
    return at.weekday() >= 5 or at.time() >= time(16)


class ServicePoint:
    """Runs actions on the engine and on the model, and compares the two after each one."""

    def __init__(self, db: Database, template: Template):
        self.db = db
        self.t = template
        self.now = START
        self.tickets: dict[int, Model] = {}
        self.paused = [False, False, False]
        self.counter_events = 0
        self.numbers: Tally = Tally()  # (service, day) -> numbers given
        self.ended: dict[int, str] = {}

    # helpers
    def today(self) -> date:
        return local(self.now).date()

    def current(self, desk: int) -> Model | None:
        found = [m for m in self.tickets.values()
                 if m.status in ("called", "serving") and m.counter == self.t.counters[desk]]
        assert len(found) <= 1
        return found[0] if found else None

    def desk_of_counter(self, counter_id: int | None) -> int | None:
        return self.t.counters.index(counter_id) if counter_id in self.t.counters else None

    def write(self, fn, *args, **kwargs):
        with self.db.write() as session:
            return fn(session, *args, **kwargs)

    def refused(self, error, fn, *args, **kwargs) -> None:
        before = snapshot(self.db)
        with pytest.raises(error):
            self.write(fn, *args, **kwargs)
        assert snapshot(self.db) == before, f"{fn.__name__} was refused but changed something"

    def new_number(self, service: str) -> str:
        key = (service, self.today())
        self.numbers[key] += 1
        return f"{self.t.services[service][1]}{self.numbers[key]:03d}"

    def add(self, ticket: Ticket, service: str, **fields) -> Model:
        model = Model(id=ticket.id, public_id=ticket.public_id, number=self.new_number(service),
                      service=service, day=self.today(), queued_at=self.now, **fields)
        self.tickets[ticket.id] = model
        return model

    def pick(self, tickets: list[Model], index: int) -> Model | None:
        return tickets[index % len(tickets)] if tickets else None

    def choose(self, index: int, focused: bool, states: tuple[str, ...]) -> Model | None:
        """Mostly a ticket the action is for (so that days go somewhere), else any ticket."""
        everyone = sorted(self.tickets.values(), key=lambda m: m.id)
        fitting = [m for m in everyone if m.status in states]
        return self.pick(fitting if focused and fitting else everyone, index)

    def clerk_for(self, ticket: Model, focused: bool, desk: int) -> int:
        own = self.desk_of_counter(ticket.counter)
        return own if focused and own is not None else desk

    def at_own_counter(self, ticket: Model, desk: int) -> bool:
        return ticket.counter == self.t.counters[desk]

    # the rule call-next follows, as docs/queueing.md words it
    def expected_call(self, desk: int) -> Model | None:
        counter_id, clerk = self.t.counters[desk], self.t.clerks[desk]
        waiting = self.line(absent=False)
        heads = []
        for service in PROFILES[desk]:
            head = next((m for m in waiting if m.service == service
                         and m.to_counter is None and m.to_clerk is None), None)
            if head:
                heads.append((head, False))
        directed = next((m for m in waiting if m.to_counter == counter_id or m.to_clerk == clerk), None)
        if directed:
            heads.append((directed, True))
        if not heads:
            return None
        # Priority, then sent here or at the front, then the relative wait (every weight is 1
        # here), then the earlier arrival and the lower id.
        def rank(head):
            ticket, directed = head
            waited = Fraction(int((self.now - ticket.queued_at).total_seconds()), 60)
            relative = waited / self.t.services[ticket.service][4]
            return (ticket.priority, directed or ticket.front, relative, -ticket.queued_at.timestamp(),
                    -ticket.id)

        return max(heads, key=rank)[0]

    def line(self, absent: bool | None = None) -> list[Model]:
        """Today's waiting tickets in call-next's order; ``absent=False``: those it may call."""
        return sorted(
            (m for m in self.tickets.values() if m.status == "waiting" and m.day == self.today()
             and (absent is None or m.absent == absent)),
            key=lambda m: (-m.priority, -m.front, m.queued_at, m.id),
        )

    def holds(self, desk: int) -> list[Model]:
        """The absent tickets call-next at ``desk`` passes over at the front of its queues: before
        each queue's callable head, or all of them where it has none (docs/queueing.md)."""
        order = {m.id: i for i, m in enumerate(self.line())}
        callable_ = self.line(absent=False)
        held = []
        for service in PROFILES[desk]:
            head = next((m for m in callable_ if m.service == service and m.to_counter is None
                         and m.to_clerk is None), None)
            held += [m for m in self.line(absent=True) if m.service == service and m.held_at is None
                     and (head is None or order[m.id] < order[head.id])]
        return held

    def hold(self, models: list[Model]) -> None:
        for model in models:
            model.held_at = self.now
            model.events.append("ticket.held")

    def move_back(self, model: Model, places: int = 3) -> int:
        # Its queue is its own day's: a ticket left waiting from an earlier day moves among those.
        same_day = sorted((m for m in self.tickets.values() if m.status == "waiting" and m.day == model.day),
                          key=lambda m: (-m.priority, -m.front, m.queued_at, m.id))
        behind = [m for m in same_day if m.id != model.id and m.service == model.service
                  and m.priority == model.priority and m.front == model.front
                  and (m.queued_at, m.id) > (model.queued_at, model.id)][:places]
        if behind:
            model.queued_at = behind[-1].queued_at + timedelta(microseconds=1)
        return len(behind)

    # --- the actions ------------------------------------------------------------------------------

    def run(self, action) -> None:
        name, desk, index, extra, focused = action
        self.now += timedelta(minutes=1)
        getattr(self, name)(desk, index, extra, focused)
        self.check()

    def issue(self, desk, index, extra, focused):
        service = SERVICES[index % 3]
        if not is_open(self.now):
            return self.refused(Conflict, queue.issue_ticket, "demo", service, "fi", now=self.now)
        issued = self.write(queue.issue_ticket, "demo", service, "fi", now=self.now)
        model = self.add(issued.ticket, service)
        model.events.append("ticket.issued")
        assert issued.ticket.number == model.number

    def call_next(self, desk, index, extra, focused):
        counter_id, clerk = self.t.counters[desk], self.t.clerks[desk]
        if self.paused[desk] or self.current(desk):
            return self.refused(Conflict, counters.call_next, counter_id, clerk, now=self.now)
        expected = self.expected_call(desk)
        held = self.holds(desk)
        if expected is None:
            before = snapshot(self.db)
            assert self.write(counters.call_next, counter_id, clerk, now=self.now) is None
            self.hold(held)
            if not held:
                assert snapshot(self.db) == before
            return
        ticket, _ = self.write(counters.call_next, counter_id, clerk, now=self.now)
        assert ticket.id == expected.id, f"called {ticket.number}, the rule says {expected.number}"
        self.hold(held)
        self.called(expected, desk)

    def called(self, model: Model, desk: int) -> None:
        model.status, model.counter, model.calls = "called", self.t.counters[desk], 1
        model.to_counter = model.to_clerk = None
        model.events.append("ticket.called")

    def call_ticket(self, desk, index, extra, focused):
        today = [m for m in self.tickets.values() if m.day == self.today()]
        fitting = [m for m in today if m.status in ("waiting", "parked")]
        model = self.pick(sorted(fitting if focused and fitting else today, key=lambda m: m.id), index)
        if model is None:
            return
        counter_id, clerk = self.t.counters[desk], self.t.clerks[desk]
        elsewhere = (model.to_counter not in (None, counter_id)
                     or model.to_clerk not in (None, clerk))
        if (self.paused[desk] or self.current(desk) or model.status not in ("waiting", "parked")
                or elsewhere):
            return self.refused(Conflict, counters.call_ticket, counter_id, clerk, model.number,
                                now=self.now)
        ticket, _ = self.write(counters.call_ticket, counter_id, clerk, model.number, now=self.now)
        assert ticket.id == model.id
        self.called(model, desk)

    def start(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("called",))
        if model is None:
            return
        desk = self.clerk_for(model, focused, desk)
        clerk = self.t.clerks[desk]
        if not (model.status == "called" and self.at_own_counter(model, desk)):
            return self.refused(Conflict, counters.start_serving, model.public_id, clerk, now=self.now)
        self.write(counters.start_serving, model.public_id, clerk, now=self.now)
        model.status = "serving"
        model.events.append("ticket.serving")

    def finish(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("serving",))
        if model is None:
            return
        desk = self.clerk_for(model, focused, desk)
        clerk = self.t.clerks[desk]
        outcome = OUTCOMES[extra % len(OUTCOMES)]
        if not (model.status == "serving" and self.at_own_counter(model, desk)):
            return self.refused(Conflict, counters.finish, model.public_id, clerk, outcome=outcome,
                                now=self.now)
        required = self.t.services[model.service][2]
        if outcome == "no-such-outcome" or (outcome is None and required):
            return self.refused(Invalid, counters.finish, model.public_id, clerk, outcome=outcome,
                                now=self.now)
        self.write(counters.finish, model.public_id, clerk, outcome=outcome, now=self.now)
        model.status = "finished"
        model.events.append("ticket.finished")

    def transfer(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("called", "serving"))
        if model is None:
            return
        desk = self.clerk_for(model, focused, desk)
        clerk = self.t.clerks[desk]
        kind, which = ("service", "counter", "clerk")[extra % 3], (extra // 3) % 3
        target = {"service": {"service_code": SERVICES[which]},
                  "counter": {"counter_id": self.t.counters[which]},
                  "clerk": {"expert_id": self.t.clerks[which]}}[kind]
        if not (model.status in ("called", "serving") and self.at_own_counter(model, desk)):
            return self.refused(Conflict, counters.transfer, model.public_id, clerk, now=self.now,
                                **target)
        if kind != "service" and which == desk:  # to one's own counter, or to oneself
            return self.refused(Invalid, counters.transfer, model.public_id, clerk, now=self.now,
                                **target)
        self.write(counters.transfer, model.public_id, clerk, now=self.now, **target)
        if kind == "service":
            model.service = SERVICES[which]
        model.status, model.counter, model.period = "waiting", None, model.period + 1
        model.front = self.t.services[model.service][3] == "front"
        model.to_counter = self.t.counters[which] if kind == "counter" else None
        model.to_clerk = self.t.clerks[which] if kind == "clerk" else None
        model.events.append("ticket.transferred")

    def park(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("called", "serving"))
        if model is None:
            return
        desk = self.clerk_for(model, focused, desk)
        clerk = self.t.clerks[desk]
        if not (model.status in ("called", "serving") and self.at_own_counter(model, desk)):
            return self.refused(Conflict, counters.park, model.public_id, clerk, now=self.now)
        self.write(counters.park, model.public_id, clerk, now=self.now)
        model.status = "parked"
        model.events.append("ticket.parked")

    def return_(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("parked",))
        if model is None:
            return
        clerk = self.t.clerks[desk]  # any clerk with an open counter
        if model.status != "parked":
            return self.refused(Conflict, counters.return_to_queue, model.public_id, clerk,
                                now=self.now)
        self.write(counters.return_to_queue, model.public_id, clerk, now=self.now)
        model.status, model.counter, model.front = "waiting", None, True
        model.events.append("ticket.returned")

    def recall(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("called",))
        if model is None:
            return
        desk = self.clerk_for(model, focused, desk)
        clerk = self.t.clerks[desk]
        if not (model.status == "called" and self.at_own_counter(model, desk)):
            return self.refused(Conflict, counters.recall, model.public_id, clerk, now=self.now)
        self.write(counters.recall, model.public_id, clerk, now=self.now)
        model.calls += 1
        model.events.append("ticket.recalled")

    def no_show(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("called",))
        if model is None:
            return
        desk = self.clerk_for(model, focused, desk)
        clerk = self.t.clerks[desk]
        if not (model.status == "called" and self.at_own_counter(model, desk) and model.calls >= 3):
            return self.refused(Conflict, counters.mark_no_show, model.public_id, clerk, now=self.now)
        self.write(counters.mark_no_show, model.public_id, clerk, now=self.now)
        model.status = "no_show"
        model.events.append("ticket.no_show")

    def walk_in(self, desk, index, extra, focused):
        service = SERVICES[index % 3]
        counter_id, clerk = self.t.counters[desk], self.t.clerks[desk]
        if self.paused[desk] or self.current(desk):
            return self.refused(Conflict, counters.walk_in, counter_id, clerk, service, now=self.now)
        ticket, _ = self.write(counters.walk_in, counter_id, clerk, service, now=self.now)
        model = self.add(ticket, service, status="serving", counter=counter_id, walk_in=True)
        model.events.append("ticket.walk_in")
        assert ticket.number == model.number

    def priority(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("waiting", "parked"))
        if model is None:
            return
        clerk, value = self.t.clerks[desk], extra % 3
        if model.status not in ("waiting", "parked"):
            return self.refused(Conflict, counters.set_priority, model.public_id, clerk, value,
                                now=self.now)
        self.write(counters.set_priority, model.public_id, clerk, value, now=self.now)
        model.priority = value
        model.events.append("ticket.priority")

    def pause(self, desk, index, extra, focused):
        counter_id, clerk = self.t.counters[desk], self.t.clerks[desk]
        if self.paused[desk] or self.current(desk):
            return self.refused(Conflict, counters.pause_counter, counter_id, clerk, now=self.now)
        self.write(counters.pause_counter, counter_id, clerk, now=self.now)
        self.paused[desk] = True
        self.counter_events += 1

    def resume(self, desk, index, extra, focused):
        counter_id, clerk = self.t.counters[desk], self.t.clerks[desk]
        if not self.paused[desk]:
            return self.refused(Conflict, counters.resume_counter, counter_id, clerk, now=self.now)
        self.write(counters.resume_counter, counter_id, clerk, now=self.now)
        self.paused[desk] = False
        self.counter_events += 1

    def close_day(self, desk, index, extra, focused):
        expected = sorted(
            m.id for m in self.tickets.values()
            if (m.day < self.today() and m.status in OPEN_STATES)
            or (m.day == self.today() and m.status in ("waiting", "parked") and past_closing(self.now))
        )
        with self.db.write() as session:
            closed = queue.close_day(session, queue.get_site(session, "demo"), now=self.now)
        assert sorted(t.id for t in closed) == expected
        for ticket_id in expected:
            self.tickets[ticket_id].status = "unserved"
            self.tickets[ticket_id].events.append("ticket.unserved")

    def join(self, desk, index, extra, focused):
        service = SERVICES[index % 3]
        phone = f"+35840{index % 8:07d}"  # eight people, so that some already have a ticket
        who = remote.Contact("sms", phone)
        local_now = local(self.now)
        in_window = is_open(self.now) and local_now.time() < time(15)  # 8–16, remote until an hour before
        waiting_remote = [m for m in self.tickets.values() if m.remote and m.status == "waiting"
                          and m.service == service and m.day == self.today()]
        has_one = any(m.phone == phone and m.status in ("waiting", "called", "parked") for m in self.tickets.values())
        if service not in REMOTE_SERVICES or not in_window or len(waiting_remote) >= 20 or has_one:
            return self.refused(Conflict, remote.join, "demo", service, "fi", who, now=self.now)
        issued = self.write(remote.join, "demo", service, "fi", who, now=self.now)
        model = self.add(issued.ticket, service, remote=True, phone=phone, code=issued.ticket.arrival_code)
        model.events.append("ticket.issued")

    def arrive(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("waiting",))
        if model is None or not model.remote:
            return
        if model.day != self.today():  # the kiosk knows only today's codes
            assert self.write(remote.check_in, "demo", model.code, now=self.now) is None
            return
        if model.status not in ("waiting", "called", "parked"):
            return self.refused(Conflict, remote.check_in, "demo", model.code, now=self.now)
        self.write(remote.check_in, "demo", model.code, now=self.now)
        if not model.arrived:
            model.arrived, model.held_at = True, None
            model.events.append("ticket.arrived")

    def more_time(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("waiting",))
        if model is None:
            return
        probe = Model(**{**model.__dict__, "events": []})
        if model.status != "waiting" or model.delays >= 2 or self.move_back(probe) == 0:
            return self.refused(Conflict, remote.more_time, model.public_id, now=self.now)
        self.write(remote.more_time, model.public_id, now=self.now)
        self.move_back(model)
        model.delays += 1
        model.held_at = None
        model.events.append("ticket.delayed")

    def leave(self, desk, index, extra, focused):
        model = self.choose(index, focused, ("waiting", "parked"))
        if model is None:
            return
        if model.status not in ("waiting", "parked"):
            return self.refused(Conflict, remote.leave, model.public_id, now=self.now)
        self.write(remote.leave, model.public_id, now=self.now)
        model.status = "cancelled"
        model.events.append("ticket.cancelled")

    def pass_over(self, desk, index, extra, focused):
        due = sorted((m for m in self.tickets.values() if m.status == "waiting" and m.absent
                      and m.held_at is not None and m.held_at <= self.now - HOLD), key=lambda m: m.id)
        with self.db.write() as session:
            done = remote.pass_over_due(session, queue.get_site(session, "demo"), now=self.now)
        assert [t.id for t in done] == [m.id for m in due]
        for model in due:  # in id order, as the server does them
            model.held_at = None
            if model.passes < 1:
                model.passes += 1
                self.move_back(model)
                model.events.append("ticket.passed_over")
            else:
                model.status = "no_show"
                model.events.append("ticket.no_show")

    def wait(self, desk, index, extra, focused):
        self.now += timedelta(minutes=WAITS_MIN[extra % len(WAITS_MIN)])

    # --- the invariants ---------------------------------------------------------------------------

    def check(self) -> None:
        with self.db.read() as session:
            rows = {t.id: t for t in session.exec(select(Ticket))}
            events = list(session.exec(select(Event).order_by(Event.seq)))
            site = queue.get_site(session, "demo")
            desks = {c.id: c for c in session.exec(select(Counter).where(Counter.id.in_(self.t.counters)))}
        # No ticket lost, none made up; each in exactly one known state.
        assert set(rows) == set(self.tickets)
        for ticket_id, model in self.tickets.items():
            row = rows[ticket_id]
            service_id = self.t.services[model.service][0]
            seen = (row.status, row.service_id, row.number, row.service_day, row.queued_at, row.period,
                    row.priority, row.walk_in, row.remote, row.arrived_at is not None, row.held_at,
                    row.passes, row.delays)
            wanted = (model.status, service_id, model.number, model.day, model.queued_at,
                      model.period, model.priority, model.walk_in, model.remote, model.arrived,
                      model.held_at, model.passes, model.delays)
            assert seen == wanted, f"ticket {model.number}: {seen} != {wanted}"
            if model.status in ("called", "serving", "parked"):
                assert row.counter_id == model.counter
            if model.status == "waiting":
                assert (row.counter_id, row.front, row.target_counter_id, row.target_staff_user_id) == (
                    None, model.front, model.to_counter, model.to_clerk), model.number
            if model.status == "called":
                assert row.call_count == model.calls
            # A ticket that has ended never comes back.
            if ticket_id in self.ended:
                assert row.status == self.ended[ticket_id]
            elif row.status in ENDED:
                self.ended[ticket_id] = row.status
        # One customer at most per counter, and each current customer at one counter.
        current = Tally(t.counter_id for t in rows.values() if t.status in ("called", "serving"))
        assert all(n == 1 for n in current.values())
        for desk, counter_id in enumerate(self.t.counters):
            assert desks[counter_id].paused is self.paused[desk]
        # Every change has its event; the site's sequence has no gaps.
        by_ticket: dict[int, list[str]] = {}
        for event in events:
            if event.ticket_id is not None:
                by_ticket.setdefault(event.ticket_id, []).append(event.type)
        for ticket_id, model in self.tickets.items():
            assert by_ticket.get(ticket_id, []) == model.events, f"events of {model.number}"
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert site.last_event_seq == len(events)
        ticket_events = sum(len(m.events) for m in self.tickets.values())
        assert len(events) == self.t.events + ticket_events + self.counter_events


def snapshot(db: Database) -> dict:
    with db.read() as session:
        return {
            model.__name__: sorted(repr(r.model_dump()) for r in session.exec(select(model)))
            for model in (Site, Ticket, Counter, CounterService, Event, TicketNumber)
        }


# --- the test -------------------------------------------------------------------------------------

# Issuing, calling and serving come up more often than the rest, so that days fill up.
NAMES = (
    ["issue"] * 6 + ["call_next"] * 5 + ["start"] * 4 + ["finish"] * 4 + ["recall"] * 3
    + ["call_ticket"] * 2 + ["transfer"] * 2 + ["park", "return_", "no_show", "walk_in", "priority",
                                                 "pause", "resume", "close_day", "wait"]
    + ["join"] * 4 + ["arrive"] * 2 + ["pass_over"] * 3 + ["more_time", "leave"]
)
action = st.tuples(
    st.sampled_from(NAMES),
    st.integers(0, 2),  # the counter (and its clerk)
    st.integers(0, 63),  # which ticket, or which service
    st.integers(0, 11),  # the outcome, the transfer's target, the priority, the minutes to wait
    st.booleans() | st.just(True),  # mostly a ticket the action is for, at its own counter
)


@settings(max_examples=50, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Runs of actions rather than one flat list: long days on average, yet a failing day shrinks fast
# (whole runs go at once).
@given(st.lists(st.lists(action, min_size=1, max_size=12), min_size=1, max_size=16))
def test_random_days_keep_every_rule(template, runs):
    workdir = Path(tempfile.mkdtemp(prefix="luukku-day-"))
    try:
        shutil.copy(template.path, workdir / "day.db")
        db = Database(f"sqlite:///{workdir / 'day.db'}")
        try:
            point = ServicePoint(db, template)
            for step in (step for run in runs for step in run):
                point.run(step)
        finally:
            db.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
