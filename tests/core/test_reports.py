"""The reports' figures against simulated days whose true figures this file computes from the plan
alone (server/simulate.py), never from the database: on SQLite and PostgreSQL."""

import statistics
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from server import queue, reports, simulate
from server.errors import Invalid
from server.models import Counter as Desk, Service, ServiceRequest, StaffUser

TZ = "Europe/Helsinki"
DAY = date(2027, 3, 17)  # a Wednesday
NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)  # long after every simulated day
SHORT_STAFFED = simulate.SHORT_STAFFED  # one generalist for every generalist service: queues grow


# --- the truth, from the plan ------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float:
    """Sort, then interpolate linearly between the two neighbours of position (n - 1)·q."""
    xs = sorted(values)
    position = (len(xs) - 1) * q
    below = int(position)
    if below + 1 >= len(xs):
        return xs[below]
    return xs[below] + (position - below) * (xs[below + 1] - xs[below])


def spread(values: list[float]) -> tuple:
    if not values:
        return (0, None, None, None)
    return (len(values), sum(values) / len(values), quantile(values, 0.5), quantile(values, 0.9))


def approx(t: tuple) -> tuple:
    return tuple(pytest.approx(x) if isinstance(x, float) else x for x in t)


def as_tuple(s: reports.Spread) -> tuple:
    return (s.count, s.mean, s.median, s.p90)


def local(at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(TZ))


class World:
    """The database's ids for the plan's names, and the plans run on it."""

    def __init__(self, db):
        self.db = db
        self.plans: list[simulate.DayPlan] = []
        with db.write() as session:
            self.site = queue.get_site(session, "demo")
            self.staff = simulate.ensure_staff(session)
            self.customers = simulate.ensure_customers(session, NOW)
            self.services = {s.code: s for s in session.exec(select(Service).where(Service.site_id == self.site.id))}
            self.desks = {c.number: c.id for c in session.exec(select(Desk).where(Desk.site_id == self.site.id))}

    def run(self, plan: simulate.DayPlan) -> simulate.DayPlan:
        with self.db.write() as session:
            simulate.run_day(session, queue.get_site(session, "demo"), plan, self.staff, self.customers)
        self.plans.append(plan)
        return plan

    def sid(self, code: str) -> int:
        return self.services[code].id

    def report(self, start: date, end: date, **narrow) -> reports.Report:
        f = reports.Filters(self.site.id, TZ, start, end, **narrow)
        targets = {s.id: s.target_wait_min for s in self.services.values()}
        with self.db.read() as session:
            return reports.report(session, f, targets, NOW)

    # The plan's visits and periods, chosen the way docs/reports.md says.

    def visits(self, start: date, end: date, service=None, counter=None, clerk=None):
        chosen = []
        for plan in self.plans:
            for v in plan.visits:
                first = v.periods[0]
                if not start <= local(v.arrives_at).date() <= end:
                    continue
                if (service and first.service != service) or (counter and first.counter != counter) \
                        or (clerk and first.clerk != clerk):
                    continue
                chosen.append(v)
        return chosen

    def periods(self, start: date, end: date, service=None, counter=None, clerk=None):
        return [p for plan in self.plans for v in plan.visits for p in v.periods
                if start <= local(p.queued_at).date() <= end
                and not (service and p.service != service) and not (counter and p.counter != counter)
                and not (clerk and p.clerk != clerk)]

    def all_visits(self):
        return [v for plan in self.plans for v in plan.visits]


def check_figures(world: World, start: date, end: date, service=None, counter=None, clerk=None):
    """Every figure of the report equals what the plan says it must be."""
    narrow = dict(service_id=world.sid(service) if service else None,
                  counter_id=world.desks[counter] if counter else None,
                  staff_user_id=world.staff[clerk] if clerk else None)
    r = world.report(start, end, **narrow)
    visits = world.visits(start, end, service, counter, clerk)
    periods = world.periods(start, end, service, counter, clerk)
    sid = world.sid
    assert visits and periods, "the plan must give the check something to check"

    assert r.visits == len(visits)
    assert r.walk_ins == sum(v.walk_in for v in visits)
    days = Counter(local(v.arrives_at).date() for v in visits)
    assert r.by_day == [(start + timedelta(days=i), days.get(start + timedelta(days=i), 0))
                        for i in range((end - start).days + 1)]
    hours = Counter(local(v.arrives_at).hour for v in visits)
    assert r.by_hour == [(h, hours.get(h, 0)) for h in range(24)]
    assert r.heat_map == Counter((local(v.arrives_at).weekday(), local(v.arrives_at).hour) for v in visits)
    assert r.no_show_visits == sum(1 for v in visits if v.ended == "no_show")

    assert r.periods == len(periods)
    for code in [None, *{p.service for p in periods}]:
        mine = [p for p in periods if code is None or p.service == code]
        wait, served = r.times[sid(code) if code else None]
        assert as_tuple(wait) == approx(spread([p.wait_s for p in mine if p.wait_s is not None]))
        assert as_tuple(served) == approx(spread([p.service_s for p in mine if p.service_s is not None]))
        called = [p for p in mine if p.wait_s is not None]
        within = [p for p in called if p.wait_s <= world.services[p.service].target_wait_min * 60]
        ratio = r.within_target[sid(code) if code else None]
        assert (ratio.part, ratio.whole) == (len(within), len(called))

    counted = [v for v in visits if v.periods[0].tier == "generalist"
               and v.periods[0].end in ("finished", "transferred")]
    resolved = [v for v in counted if v.periods[0].end == "finished" and v.periods[0].outcome in (None, "resolved")]
    assert (r.first_tier[None].part, r.first_tier[None].whole) == (len(resolved), len(counted))
    for code in {v.periods[0].service for v in counted}:
        ratio = r.first_tier[sid(code)]
        assert (ratio.part, ratio.whole) == (
            sum(v.periods[0].service == code for v in resolved), sum(v.periods[0].service == code for v in counted))

    moves = Counter()
    for plan in world.plans:
        for v in plan.visits:
            for p, following in zip(v.periods, v.periods[1:]):
                if p in periods:
                    moves[(sid(p.service), sid(following.service))] += 1
    assert r.transfers == moves

    linked = [v for v in visits if v.customer is not None]
    earlier = world.all_visits()
    repeats = [v for v in linked if any(
        w.customer == v.customer and w.final_service == v.final_service
        and v.arrives_at - timedelta(days=30) <= w.arrives_at < v.arrives_at for w in earlier)]
    assert (r.repeats[None].part, r.repeats[None].whole) == (len(repeats), len(linked))
    for code in {v.final_service for v in linked}:
        ratio = r.repeats[sid(code)]
        assert (ratio.part, ratio.whole) == (sum(v.final_service == code for v in repeats),
                                             sum(v.final_service == code for v in linked))
    if counter is None and clerk is None:
        booked = [a for plan in world.plans for a in plan.appointments
                  if start <= local(a.starts_at).date() <= end and (service is None or a.service == service)]
        assert r.appointments == reports.Appointments(
            len(booked), sum(a.status == "checked_in" for a in booked), sum(a.status == "no_show" for a in booked))
        assert r.no_shows == r.no_show_visits + r.appointments.no_show
    return r


# --- the tests ---------------------------------------------------------------------------------


def test_the_percentile_is_the_linear_interpolation_statistics_calls_inclusive():
    values = [7, 1, 3, 10, 4, 4, 12, 8, 2, 30, 5]
    assert reports.percentile(values, 0.9) == pytest.approx(statistics.quantiles(values, n=10, method="inclusive")[8])
    assert reports.percentile(values, 0.5) == statistics.median(values)
    assert reports.percentile([60, 120], 0.9) == pytest.approx(114)
    assert reports.percentile([42], 0.9) == 42
    assert reports.percentile([], 0.5) is None


def test_a_simulated_days_figures_are_the_ones_the_plan_gives(db):
    world = World(db)
    plan = world.run(simulate.plan_day(11, DAY, TZ, scale=0.35, desks=SHORT_STAFFED))
    ends = Counter(p.end for v in plan.visits for p in v.periods)
    # The plan has every kind of visit the report tells apart.
    assert ends["transferred"] and ends["no_show"] and ends["finished"] and ends["unserved"]
    assert any(v.walk_in for v in plan.visits) and any(v.appointment_at for v in plan.visits)
    assert any(a.status == "no_show" for a in plan.appointments)
    r = check_figures(world, DAY, DAY)
    assert r.transfers and r.repeats[None].part > 0 and r.within_target[None].part < r.within_target[None].whole
    # Nothing leaks in from the days around it.
    assert world.report(DAY + timedelta(days=1), DAY + timedelta(days=7)).visits == 0


def test_the_filters_by_service_counter_and_clerk(db):
    world = World(db)
    world.run(simulate.plan_day(11, DAY, TZ, scale=0.25))
    check_figures(world, DAY, DAY, service="advice")
    check_figures(world, DAY, DAY, service="building")
    check_figures(world, DAY, DAY, counter="3")
    check_figures(world, DAY, DAY, clerk="sim-aino")
    check_figures(world, DAY, DAY, service="advice", clerk="sim-bertta")


def test_a_week_of_days_and_visits_that_come_back(db):
    world = World(db)
    monday = DAY - timedelta(days=DAY.weekday())
    for i in range(5):
        world.run(simulate.plan_day(3, monday + timedelta(days=i), TZ, scale=0.1))
    r = check_figures(world, monday, monday + timedelta(days=6))
    assert [count > 0 for _, count in r.by_day] == [True] * 5 + [False] * 2
    # Wednesday to Friday: the visits of Monday and Tuesday still make those of later days repeats.
    check_figures(world, monday + timedelta(days=2), monday + timedelta(days=4))


def test_service_requests_opened_closed_and_overdue(db):
    world = World(db)
    start, end = reports.period_range("week", DAY)
    inside = reports.local_midnight(DAY, TZ) + timedelta(hours=10)
    before = reports.local_midnight(start, TZ) - timedelta(hours=1)  # Sunday 23.00, the week before
    with db.write() as session:
        customer = world.customers[0]

        def request(created, closed=None, due=DAY + timedelta(days=7), service="advice"):
            session.add(ServiceRequest(site_id=world.site.id, customer_id=customer, subject="Simuloitu",
                                       service_id=world.sid(service), due_on=due, created_at=created,
                                       updated_at=created, status="closed" if closed else "open", closed_at=closed))

        request(inside)  # opened, open, not yet due
        request(inside, closed=inside + timedelta(days=1))  # opened and closed in the week
        request(before, due=start + timedelta(days=2))  # open, overdue by the week's end
        request(before, closed=inside, due=start)  # closed in the week: not overdue
        request(before, closed=reports.local_midnight(end + timedelta(days=2), TZ), due=start, service="housing")
        request(inside, due=end, service="housing")  # due on the last day: overdue once it is over
    r = world.report(start, end)
    assert r.requests == reports.Requests(opened=3, closed=2, overdue=3)
    assert world.report(start, end, service_id=world.sid("housing")).requests == reports.Requests(1, 0, 2)
    with db.read() as session:  # a week still running counts overdue as of now
        f = reports.Filters(world.site.id, TZ, start, end)
        assert reports.service_requests(session, f, inside + timedelta(hours=1)).overdue == 1


def test_a_dst_week_keeps_local_days_and_hours(db):
    """The clocks went forward in Helsinki on Sunday 28 March 2027 at 03.00 (UTC+2 → UTC+3)."""
    world = World(db)
    monday = date(2027, 3, 22)
    world.run(simulate.plan_day(5, date(2027, 3, 26), TZ, scale=0.15))  # Friday, UTC+2
    world.run(simulate.plan_day(5, date(2027, 3, 29), TZ, scale=0.15))  # next Monday, UTC+3
    zone = ZoneInfo(TZ)
    late = [datetime.combine(date(2027, 3, 27), time(23, 30), zone),  # Saturday 21.30 UTC
            datetime.combine(date(2027, 3, 28), time(23, 30), zone),  # Sunday 20.30 UTC
            datetime.combine(date(2027, 3, 29), time(0, 30), zone)]  # Sunday 21.30 UTC, but Monday here
    with db.write() as session:
        for at in late:
            queue.issue_ticket(session, "demo", "advice", "fi", now=at.astimezone(timezone.utc), printed=False)
    week = world.report(monday, monday + timedelta(days=6))
    assert [count for _, count in week.by_day][5:] == [1, 1]
    assert week.heat_map[(5, 23)] == 1 and week.heat_map[(6, 23)] == 1
    assert week.visits == len(world.visits(monday, monday + timedelta(days=6))) + 2
    sunday = world.report(date(2027, 3, 28), date(2027, 3, 28))
    assert sunday.visits == 1 and sunday.by_hour[23] == (23, 1)
    next_week = world.report(date(2027, 3, 29), date(2027, 4, 4))
    assert next_week.by_hour[0] == (0, 1) and next_week.heat_map[(0, 0)] == 1
    check_figures(world, date(2027, 3, 26), date(2027, 3, 26))


def test_periods_step_by_kind_and_refuse_what_is_no_period():
    assert reports.period_range("week", date(2027, 3, 28)) == (date(2027, 3, 22), date(2027, 3, 28))
    assert reports.period_range("month", date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert reports.step("month", date(2027, 3, 1), date(2027, 3, 31), -1) == (date(2027, 2, 1), date(2027, 2, 28))
    assert reports.step("week", date(2027, 3, 22), date(2027, 3, 28), 1) == (date(2027, 3, 29), date(2027, 4, 4))
    assert reports.step("custom", date(2027, 3, 1), date(2027, 3, 10), -1) == (date(2027, 2, 19), date(2027, 2, 28))
    start, end = reports.Filters(1, TZ, date(2027, 3, 28), date(2027, 3, 28)).bounds()
    assert end - start == timedelta(hours=23)  # the short day
    with pytest.raises(Invalid):
        reports.Filters(1, TZ, date(2027, 3, 2), date(2027, 3, 1))
    with pytest.raises(Invalid):
        reports.Filters(1, TZ, date(2026, 1, 1), date(2027, 1, 2))
    with pytest.raises(Invalid):
        reports.period_range("year", date(2027, 1, 1))


def test_the_demo_gets_a_history_once(db):
    from server import demo

    now = datetime(2027, 3, 19, 12, tzinfo=timezone.utc)  # a Friday
    assert demo.add_history(db, now, days=7, scale=0.1) == 5  # Friday to Thursday: five weekdays
    assert demo.add_history(db, now, days=7, scale=0.1) == 0  # and never twice
    world = World(db)
    r = world.report(date(2027, 3, 12), date(2027, 3, 18))
    assert r.visits > 0 and r.repeats[None].whole > 0
    assert sorted(d.weekday() for d, n in r.by_day if n) == [0, 1, 2, 3, 4]  # Friday 12th to Thursday 18th
    with db.read() as session:
        linked = session.exec(select(StaffUser).where(StaffUser.username.startswith("sim-"))).all()
        assert len(linked) == len(simulate.DESKS)
