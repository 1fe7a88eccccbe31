"""The counts "ever" that /metrics gives (tickets issued, calls), kept by each worker between scrapes
as of an event number of the site (server/metrics.py, Totals)."""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import event

from server import counters, queue
from server.metrics import CALLS, Totals
from server.models import Event, Ticket
from tests.core.test_queue import add_clerks, issue, open_counters, utc

NOW = utc("2026-05-11T07:00:00")  # Monday 10.00 in Helsinki: the demo site is open


def counted_afresh(session, site) -> tuple[dict[int, int], int]:
    issued = dict(session.execute(sa.select(Ticket.service_id, sa.func.count()).where(Ticket.site_id == site.id)
                                  .group_by(Ticket.service_id)).all())
    calls = session.execute(sa.select(sa.func.count()).select_from(Event)
                            .where(Event.site_id == site.id, Event.type.in_(CALLS))).scalar_one()
    return issued, calls


def test_kept_totals_count_what_a_count_afresh_does_reading_only_the_events_since_the_last_scrape(db):
    kept = Totals()
    clerk, = add_clerks(db, 1)
    counter, = open_counters(db, [clerk], ("advice", "housing"))
    afters: list[int] = []
    event.listen(db.engine, "before_cursor_execute", lambda _c, _cur, statement, parameters, *_: afters.append(
        parameters["after"] if isinstance(parameters, dict) else parameters[1])
        if "event.seq >" in statement else None)
    seen: list[int] = []
    at = NOW
    for _ in range(3):
        for service in ("advice", "advice", "housing"):
            at += timedelta(minutes=1)
            issue(db, service, now=at)
        with db.write() as session:
            walked_in, _ = counters.walk_in(session, counter, clerk, "housing", now=at)
        with db.write() as session:
            counters.finish(session, walked_in.public_id, clerk, now=at + timedelta(minutes=1))
        with db.write() as session:
            called, _ = counters.call_next(session, counter, clerk, now=at + timedelta(minutes=2))
            counters.recall(session, called.public_id, clerk, now=at + timedelta(minutes=3))
        with db.write() as session:
            counters.start_serving(session, called.public_id, clerk, now=at + timedelta(minutes=4))
            counters.finish(session, called.public_id, clerk, now=at + timedelta(minutes=5))
        with db.read() as session:
            site = queue.get_site(session, "demo")
            issued, calls = kept.of(session, site)
            assert (issued, calls) == counted_afresh(session, site)
            seen.append(site.last_event_seq)
    assert sum(issued.values()) == 12 and calls == 6
    # Each scrape read the events after the last one's; the first, all of them.
    assert afters == [0, *seen[:-1]]
    # A worker started later counts the same from the whole log.
    with db.read() as session:
        assert Totals().of(session, queue.get_site(session, "demo")) == (issued, calls)
