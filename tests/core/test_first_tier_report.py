"""The reports' first tier (issue 20) against real guide events and a simulated day of visits, on
SQLite and PostgreSQL: the matters settled by self-service per matter and channel, what else the
guide did with them, the searches that found nothing, and "resolved at the first tier" as
self-service and the generalists together, (S + R) / (S + G) as docs/reports.md defines it. The
expected figures come from the events this file records and from the plan, never from the database."""

from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server import matters, queue, reports, simulate
from server.db import Database
from server.models import Matter, Site
from tests.conftest import shared
from tests.core.test_reports import DAY, SHORT_STAFFED, TZ, World

# (matter, kind, channel, local time on DAY or another day, words). The matters: "pay" names the
# generalist service payments, "build" the expert-tier building control, "self" no service at all.
EVENTS = [
    ("pay", "opened", "kiosk", "09:01"), ("pay", "solved", "kiosk", "09:03"), ("pay", "opened", "phone", "10:00"),
    ("pay", "solved", "phone", "10:02"), ("pay", "solved", "kiosk", "11:30"), ("pay", "printed", "kiosk", "11:29"),
    ("build", "opened", "kiosk", "09:10"), ("build", "booked", "kiosk", "09:12"), ("build", "opened", "phone", "12:00"),
    ("build", "solved", "phone", "12:05"), ("build", "ticket", "kiosk", "13:00"),
    ("self", "opened", "kiosk", "08:30"), ("self", "solved", "kiosk", "08:31"), ("self", "solved", "kiosk", "14:00"),
    ("self", "solved", "phone", "15:00"), ("self", "printed", "kiosk", "14:01"), ("self", "ticket", "phone", "15:05"),
    ("quiet", "opened", "phone", "16:00"),
]
SEARCHES = [("koiravero", "09:00"), ("Koiravero ", "10:00"), ("koiravero", "11:00"), ("ajokortti", "12:00"),
            ("ajokortti", "12:30"), ("bygglov balkong", "13:00"), (None, "13:30")]  # None: words already cleared
# Around the day: none of these may count in it (local midnight bounds, other site, other days).
OUTSIDE = [("pay", "solved", "kiosk", DAY - timedelta(days=1), "23:59"),
           ("pay", "solved", "kiosk", DAY + timedelta(days=1), "00:00")]


def at(day, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), ZoneInfo(TZ))


@pytest.fixture(scope="module")
def world(module_demo_url):
    """A simulated day and the guide's events around it, which the module's tests only read."""
    with shared(module_demo_url, build_world) as (db, world):
        world.db = db
        yield world


def build_world(db: Database) -> World:
    world = World(db)
    world.run(simulate.plan_day(11, DAY, TZ, scale=0.35, desks=SHORT_STAFFED))
    with db.write() as session:
        site = queue.get_site(session, "demo")
        other = Site(slug="test-other", name="Toinen piste")
        session.add(other)
        keys = {"pay": "payments", "build": "building", "self": None, "quiet": "advice"}
        world.matters = {}
        for name, code in keys.items():
            matter = Matter(key=f"test-{name}", title_fi=f"Testi {name}", title_sv=f"Test {name} sv",
                            service_code=code)
            session.add(matter)
            session.flush()
            matters.set_sites(session, matter, [site])
            world.matters[name] = matter.id
        session.flush()
        get = lambda name: session.get(Matter, world.matters[name])  # noqa: E731
        for name, kind, channel, clock in EVENTS:
            matters.record(session, site, kind, channel, "fi", matter=get(name), now=at(DAY, clock))
        for words, clock in SEARCHES:
            event = matters.record(session, site, "not-found", "kiosk", "fi", query=words or "x", now=at(DAY, clock))
            event.query = event.query if words else None
        for name, kind, channel, day, clock in OUTSIDE:
            matters.record(session, site, kind, channel, "fi", matter=get(name), now=at(day, clock))
        matters.record(session, other, "solved", "kiosk", "fi", matter=get("pay"), now=at(DAY, "10:00"))
        matters.record(session, other, "not-found", "kiosk", "fi", query="koiravero", now=at(DAY, "10:00"))
    return world


def expected_uses(names) -> dict[str, dict[str, int]]:
    uses: dict[str, Counter] = {}
    for name, kind, channel, _ in EVENTS:
        if name in names:
            uses.setdefault(name, Counter())[f"solved_{channel}" if kind == "solved" else kind] += 1
    return uses


def as_dict(use: reports.MatterUse) -> dict[str, int]:
    fields = ("solved_kiosk", "solved_phone", "opened", "printed", "ticket", "booked")
    return {f: getattr(use, f) for f in fields if getattr(use, f)}


def generalists(world: World, service: str | None = None) -> tuple[int, int]:
    """(resolved R, counted G) for the generalists, from the plan (docs/reports.md)."""
    counted = [v for v in world.visits(DAY, DAY, service) if v.periods[0].tier == "generalist"
               and v.periods[0].end in ("finished", "transferred")]
    resolved = [v for v in counted if v.periods[0].end == "finished" and v.periods[0].outcome in (None, "resolved")]
    return len(resolved), len(counted)


def test_the_guide_counts_each_matter_by_kind_and_channel_within_the_local_day(world):
    r = world.report(DAY, DAY)
    ids = {v: k for k, v in world.matters.items()}
    got = {ids[u.matter_id]: as_dict(u) for u in r.guide.matters}
    assert got == {name: dict(counts) for name, counts in expected_uses(world.matters).items()}
    # The most settled first; a tie by the most opened.
    assert [ids[u.matter_id] for u in r.guide.matters] == ["pay", "self", "build", "quiet"]
    assert (r.guide.matters[0].solved, r.guide.matters[1].solved) == (3, 3)
    # Settled per service: payments and building control by their codes; "self" only in the total.
    assert r.guide.settled == {None: 7, world.sid("payments"): 3, world.sid("building"): 1}


def test_searches_that_found_nothing_most_frequent_first_with_cleared_words_counted(world):
    g = world.report(DAY, DAY).guide
    assert g.not_found == len(SEARCHES)
    assert g.not_found_words == [("koiravero", 3), ("ajokortti", 2), ("bygglov balkong", 1)]


def test_resolved_at_the_first_tier_is_self_service_and_the_generalists_together(world):
    r = world.report(DAY, DAY)
    resolved, counted = generalists(world)
    assert counted > 0 and resolved < counted
    assert (r.generalist[None].part, r.generalist[None].whole) == (resolved, counted)
    assert (r.first_tier[None].part, r.first_tier[None].whole) == (7 + resolved, 7 + counted)
    assert r.first_tier[None].share == pytest.approx((7 + resolved) / (7 + counted))
    pay_resolved, pay_counted = generalists(world, "payments")
    payments = r.first_tier[world.sid("payments")]
    assert (payments.part, payments.whole) == (3 + pay_resolved, 3 + pay_counted)
    # Building control is an expert's service: only its self-service is first tier.
    assert (r.first_tier[world.sid("building")].part, r.first_tier[world.sid("building")].whole) == (1, 1)


def test_the_service_filter_keeps_the_matters_naming_it_and_a_counter_settles_nothing_at_the_kiosk(world):
    r = world.report(DAY, DAY, service_id=world.sid("payments"))
    assert [u.matter_id for u in r.guide.matters] == [world.matters["pay"]]
    assert r.guide.settled == {None: 3, world.sid("payments"): 3}
    assert r.guide.not_found == len(SEARCHES)  # a search belongs to no service
    resolved, counted = generalists(world, "payments")
    assert (r.first_tier[None].part, r.first_tier[None].whole) == (3 + resolved, 3 + counted)

    r = world.report(DAY, DAY, counter_id=world.desks["1"])
    assert r.first_tier == r.generalist and r.guide.settled[None] == 7


def test_no_guide_events_leave_the_generalists_figure_as_it_was(world):
    r = world.report(DAY + timedelta(days=2), DAY + timedelta(days=3))
    assert r.guide.matters == [] and r.guide.not_found == 0 and r.first_tier == r.generalist
    r = world.report(DAY - timedelta(days=1), DAY - timedelta(days=1))
    assert [u.solved for u in r.guide.matters] == [1]  # the event at 23:59 the evening before
