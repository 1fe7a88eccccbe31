"""The queue's busiest paths, and /metrics, find their tickets and events by index, never by reading
every row the site has had: on a working week's database such a read made every call slower by the
day (issue 24, docs/PERFORMANCE.md). The statements are caught as they run and planned by SQLite's
own EXPLAIN QUERY PLAN; a plan that reads the table whole, or every row of the site, fails. SQLite
only: it plans without statistics (no ANALYZE is run), so its plans do not depend on the rows;
PostgreSQL's depend on its statistics and a small table is best read whole.)"""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from server import booking, counters, estimate, housekeeping, metrics, queue
from server.db import Database
from tests.conftest import prepare_demo_database
from tests.core.test_queue import add_clerks, issue, open_counters, utc

NOW = utc("2026-05-11T07:00:00")  # a Monday, 10.00 in Helsinki


@contextmanager
def statements(db):
    caught: list[tuple[str, tuple]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not executemany:  # writes of many rows at once: not reads
            caught.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield caught
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def reads_every(table: str, plan: str) -> bool:
    """A scan of the table, or a search by the site alone: every row the site ever had."""
    return bool(re.search(rf"\bSCAN {table}\b", plan)
                or re.search(rf"SEARCH {table} USING \w* ?INDEX \w+ \(site_id=\?\)", plan))


def planned(db, caught, table: str) -> dict[str, str]:
    """The plans of the statements caught that read ``table``."""
    plans = {}
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        for statement, parameters in caught:
            if re.search(rf"\b{table}\b", statement) and not statement.lstrip().upper().startswith(("INSERT", "BEGIN")):
                rows = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
                plans[" ".join(statement.split())[:200]] = " | ".join(row[3] for row in rows)
    return plans


@pytest.fixture
def db(tmp_path):
    database = Database(prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}"))
    yield database
    database.dispose()


def test_a_tickets_day_reads_tickets_by_index_only(db):
    clerk, = add_clerks(db, 1)
    counter_id, = open_counters(db, [clerk], services=("advice",))
    with statements(db) as caught:
        ticket = issue(db, now=NOW).ticket
        with db.write() as session:
            called, _ = counters.call_next(session, counter_id, clerk, now=NOW)
            counters.start_serving(session, called.public_id, clerk, now=NOW)
        with db.read() as session:
            site = queue.get_site(session, "demo")
            now = estimate.QueueNow(session, site, NOW, queue.local_day(site, NOW))
            now.waits()
            assert [t.id for t, _, _ in queue.recent_calls(session, site, NOW)] == [ticket.id]
            assert queue.current_ticket(session, session.get(queue.Counter, counter_id)).id == ticket.id
        with db.write() as session:
            counters.finish(session, called.public_id, clerk, outcome="resolved", now=NOW)

    plans = planned(db, caught, "ticket")
    assert len(plans) >= 8  # the day's paths were caught
    whole = {statement: plan for statement, plan in plans.items() if reads_every("ticket", plan)}
    assert not whole, whole


def test_a_scrape_of_the_metrics_reads_only_todays_tickets_and_the_events_since_the_last(db):
    # Prometheus asks every 15 s or so, for years: counted afresh, each scrape read the site's whole
    # event log and filled a connection's page cache with it (issue 24, docs/PERFORMANCE.md).
    totals = metrics.Totals()
    with db.read() as session:
        metrics.exposition(session, {}, totals, now=NOW)  # a worker's first scrape counts from the start
    issue(db, now=NOW)
    with statements(db) as caught:
        with db.read() as session:
            text = metrics.exposition(session, {}, totals, now=NOW).decode()
    assert 'luukku_tickets_issued_total{service="advice",site="demo"} 1.0' in text
    for table in ("ticket", "event"):
        plans = planned(db, caught, table)
        assert plans  # the scrape read the table
        whole = {statement: plan for statement, plan in plans.items() if reads_every(table, plan)}
        assert not whole, whole


def test_the_counter_screens_reads_of_events_find_them_by_kind(db):
    # Rendered at every event on every clerk's screen: the day's alarms and a clerk's last counter had
    # read every event the site ever had (issue 24).
    clerk, = add_clerks(db, 1)
    counter_id, = open_counters(db, [clerk], services=("advice",))
    with db.write() as session:
        counters.raise_alarm(session, clerk, "demo", now=NOW)
    with statements(db) as caught:
        with db.read() as session:
            site = queue.get_site(session, "demo")
            assert len(counters.active_alarms(session, site, NOW)) == 1
            assert queue.last_counter_of(session, site, clerk).id == counter_id
    plans = planned(db, caught, "event")
    assert len(plans) == 2
    whole = {statement: plan for statement, plan in plans.items() if reads_every("event", plan)}
    assert not whole, whole


# The tables that grow with every visit, booking, answer and search for as long as the server runs
# (ticket_contact does not: a visit's contact goes when it ends).
GROWING = ("ticket", "event", "appointment", "feedback", "customer", "guide_event", "message", "service_request",
           "service_request_action")


def partial_indexes(db) -> set[str]:
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        return {name for name, sql in rows if " WHERE " in sql.upper()}


def test_the_housekeeping_jobs_read_what_is_left_to_do_not_every_row_ever(db):
    # Every minute (holds, no-shows, reminders, the booking's retention) and every hour (the registry's,
    # the messages' and the search words' retention): each had read whole tables that only grow, the
    # appointments four times a minute (issue 24).
    partial = partial_indexes(db)
    assert len(partial) >= 9
    with statements(db) as caught:
        housekeeping.run_all(db, booking.Limits(), retention_days=30)
        housekeeping.apply_retention(db, 365)
        housekeeping.forget_messages(db, 30)
        housekeeping.forget_search_words(db, 90)
    checked = 0
    for table in GROWING:
        for statement, plan in planned(db, caught, table).items():
            checked += 1
            # Read whole only through a partial index: the rows whose personal data is still to clear.
            scanned = re.findall(rf"\bSCAN {table}\b(?: USING (?:COVERING )?INDEX (\w+))?", plan)
            assert all(index in partial for index in scanned), (statement, plan)
            assert scanned or not reads_every(table, plan), (statement, plan)
            # Nor by a contact address alone: every booking that ever gave one.
            assert not re.search(rf"SEARCH {table} USING \w* ?INDEX \w+ \((email|phone)=\?\)", plan), (statement, plan)
            if re.match(rf"(UPDATE|DELETE FROM) {table}\b", statement):
                # What a job changes it finds by key, or among the rows still to clear.
                used = re.search(rf"(?:SCAN|SEARCH) {table} USING (?:COVERING )?INDEX (\w+)", plan)
                assert "PRIMARY KEY" in plan or (used and used.group(1) in partial), (statement, plan)
    assert checked >= 15
