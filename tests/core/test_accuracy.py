"""Estimates held to account (issue 21): the report's accuracy figures recomputed from a simulated
plan (the real waits are the plan's; what each visitor was told is what the engine said at the
kiosk, kept on the ticket), on SQLite and PostgreSQL; and the phone page's last estimate."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from server import accuracy, queue, remote, reports, simulate
from server.models import Service, Ticket

TZ = "Europe/Helsinki"
DAY = date(2027, 3, 17)  # a Wednesday
NOW = datetime(2027, 6, 1, tzinfo=timezone.utc)


def run(db, plan):
    with db.write() as session:
        site = queue.get_site(session, "demo")
        staff = simulate.ensure_staff(session)
        tickets = simulate.run_day(session, site, plan, staff)
        told = {key: t.told_wait_min for key, t in tickets.items()}
        services = {s.code: s.id for s in session.exec(select(Service).where(Service.site_id == site.id))}
        return site.id, told, services


def truth(rows: list[tuple[int, float]]):
    """(visits, MAE, bias, within ±5 min, within ±25 %) from (told, real) minutes, computed here."""
    if not rows:
        return (0, None, None, 0, 0)
    errors = [t - r for t, r in rows]
    return (len(rows), sum(abs(e) for e in errors) / len(rows), sum(errors) / len(rows),
            sum(1 for e in errors if -5 <= e <= 5), sum(1 for (t, _), e in zip(rows, errors) if abs(e) <= max(t / 4, 0.5)))


def test_a_simulated_days_estimate_accuracy_is_the_one_the_plan_gives(db):
    plan = simulate.plan_day(11, DAY, TZ, scale=0.35, desks=simulate.SHORT_STAFFED)
    site_id, told, services = run(db, plan)
    # Every ticket taken at the kiosk was told a wait; walk-ins were told none.
    assert all((told[v.key] is None) == v.walk_in for v in plan.visits)
    f = reports.Filters(site_id, TZ, DAY, DAY)
    with db.read() as session:
        r = reports.report(session, f, {}, NOW)
    called = [v for v in plan.visits if not v.walk_in and v.periods[0].wait_s is not None]
    assert len(called) > 20
    for code in [None, *{v.periods[0].service for v in called}]:
        mine = [(told[v.key], v.periods[0].wait_s / 60) for v in called if code is None or v.periods[0].service == code]
        a = r.estimates.per_service[services[code] if code else None]
        assert (a.visits, a.mae, a.bias, a.within_5, a.within_25) == pytest.approx(truth(mine))
    # The short-staffed day's estimates are off, and by a margin the page should say.
    overall = r.estimates.per_service[None]
    assert overall.mae > 0 and 0 <= overall.within_5 < overall.visits
    assert sum(b.visits for b in r.estimates.bands) == overall.visits
    for b in r.estimates.bands:
        mine = [(t, w) for t, w in ((told[v.key], v.periods[0].wait_s / 60) for v in called)
                if t >= b.low and (b.high is None or t < b.high)]
        assert b.visits == len(mine) and b.real_mean == pytest.approx(sum(w for _, w in mine) / len(mine))
    # Narrowed to a service, only its visits; a day without visits, none.
    with db.read() as session:
        advice = reports.report(session, reports.Filters(site_id, TZ, DAY, DAY, service_id=services["advice"]), {}, NOW)
        empty = reports.report(session, reports.Filters(site_id, TZ, DAY + timedelta(days=1), DAY + timedelta(days=1)),
                               {}, NOW)
    assert set(advice.estimates.per_service) == {None, services["advice"]}
    assert advice.estimates.per_service[None] == r.estimates.per_service[services["advice"]]
    assert empty.estimates.per_service[None] == accuracy.Accuracy(0, None, None, 0, 0)


def test_a_lean_is_said_only_with_enough_visits_and_a_big_enough_bias():
    def told(pairs):
        return accuracy.Accuracy.of([accuracy.Told(i, 1, t, w) for i, (t, w) in enumerate(pairs)])

    assert told([(10, 16)] * accuracy.LEAN_VISITS).leans == "late"
    assert told([(10, 4)] * accuracy.LEAN_VISITS).leans == "early"
    assert told([(10, 16)] * (accuracy.LEAN_VISITS - 1)).leans is None
    assert told([(10, 12)] * accuracy.LEAN_VISITS).leans is None
    # ±25 % of the told wait: 8 min told, called after 10 is within; after 10.5 is not; told 0 (a
    # whole minute rounded), called within half a minute is within.
    assert told([(8, 10), (8, 10.5), (0, 0), (0, 0.5), (0, 0.6)]).within_25 == 3


def test_the_phone_page_keeps_its_last_estimate_cheaply(db):
    now = datetime(2027, 3, 17, 8, tzinfo=timezone.utc)  # 10:00 in Helsinki, a Wednesday: open
    with db.read() as session:
        service = queue.active_services(session, queue.get_site(session, "demo"))[0]
    with db.write() as session:
        issued = queue.issue_ticket(session, "demo", service.code, "fi", now=now, printed=False)
    ticket = issued.ticket
    assert ticket.told_wait_min == issued.estimated_wait_min and ticket.told_last_min is None
    with db.write() as session:  # joining from a phone keeps what the phone was told too
        joined = remote.join(session, "demo", "advice", "fi", remote.Contact("sms", "+358401110001"),
                             now=now + timedelta(minutes=1))
    assert joined.ticket.told_wait_min == joined.estimated_wait_min
    assert accuracy.worth_noting(ticket, 7, now)
    with db.write() as session:  # one statement for every phone's figure
        accuracy.note_shown(session, {ticket.id: (7, now), joined.ticket.id: (4, now)})
    with db.read() as session:
        kept, other = session.get(Ticket, ticket.id), session.get(Ticket, joined.ticket.id)
    assert (kept.told_last_min, kept.told_last_at) == (7, now)
    assert (other.told_last_min, other.told_last_at) == (4, now)
    assert not accuracy.worth_noting(kept, 7, now + timedelta(minutes=5))  # unchanged: no write
    assert not accuracy.worth_noting(kept, 9, now + timedelta(seconds=30))  # changed, but just written
    assert accuracy.worth_noting(kept, 9, now + timedelta(seconds=61))


def test_the_demos_weeks_keep_what_each_visitor_was_told(db):
    from server import demo  # noqa: PLC0415

    now = datetime(2027, 3, 19, 12, tzinfo=timezone.utc)  # a Friday
    assert demo.add_history(db, now, days=7, scale=0.1) == 5
    with db.read() as session:
        site = queue.get_site(session, "demo")
        r = reports.report(session, reports.Filters(site.id, TZ, date(2027, 3, 12), date(2027, 3, 18)), {}, now)
        kiosk = session.exec(select(Ticket).where(Ticket.site_id == site.id, Ticket.walk_in == False)).all()  # noqa: E712
    assert kiosk and all(t.told_wait_min is not None for t in kiosk)
    assert r.estimates.per_service[None].visits > 0 and r.estimates.bands
