"""The event bus: in one process, and across workers through PostgreSQL LISTEN/NOTIFY."""

import secrets
import threading
from contextlib import asynccontextmanager

import anyio
import psycopg
import pytest
import sqlalchemy as sa
from sqlmodel import select

from server import queue
from server.bus import QUEUE_LIMIT, InProcessBus, PostgresBus, make_bus
from server.db import Database, run_write
from server.events import record_event
from server.models import Site
from tests.conftest import PG_ADMIN_URL, _pg_available, prepare_demo_database


def event(site: str, seq: int, type: str = "ticket.issued") -> dict:
    return {"seq": seq, "site": site, "type": type, "at": "2026-11-23T09:00:00+00:00"}


async def take(events, count: int = 1, timeout: float = 5.0) -> list:
    with anyio.fail_after(timeout):
        return [await events.get() for _ in range(count)]


@asynccontextmanager
async def running(*buses: InProcessBus):
    async with anyio.create_task_group() as tasks:
        for bus in buses:
            await tasks.start(bus.run)
        yield
        tasks.cancel_scope.cancel()


# --- In one process ---


def test_one_subscription_receives_both_sites_events_in_order_and_no_others():
    async def main():
        bus = InProcessBus()
        async with running(bus), bus.subscribe("demo", "library") as events:
            bus.publish([event("demo", 1), event("library", 1), event("elsewhere", 1), event("demo", 2)])
            # Commits publish from worker threads.
            await anyio.to_thread.run_sync(bus.publish, [event("library", 2), event("demo", 3)])
            received = await take(events, 5)
            assert events.empty()
        return received

    received = anyio.run(main)
    assert [(e["site"], e["seq"]) for e in received] == [
        ("demo", 1), ("library", 1), ("demo", 2), ("library", 2), ("demo", 3),
    ]


def test_it_counts_subscribers_and_forgets_them_when_they_leave():
    async def main():
        bus = InProcessBus()
        async with running(bus):
            async with bus.subscribe("demo", "library") as first, bus.subscribe("demo"):
                assert bus.subscriber_count("demo") == 2 and bus.subscriber_count("library") == 1
            assert bus.subscriber_count("demo") == 0 and bus.subscriber_count("library") == 0
            bus.publish([event("demo", 1)])
            await anyio.sleep(0)
            assert first.empty()

    anyio.run(main)


def test_a_subscriber_that_falls_behind_gets_none_and_stays_subscribed():
    async def main():
        bus = InProcessBus()
        async with running(bus), bus.subscribe("demo") as events:
            bus.publish([event("demo", seq) for seq in range(1, QUEUE_LIMIT + 2)])
            after = QUEUE_LIMIT + 2
            bus.publish([event("demo", after)])
            assert await take(events) == [None]
            assert bus.subscriber_count("demo") == 1
            assert [e["seq"] for e in await take(events)] == [after]

    anyio.run(main)


def test_an_event_older_than_one_delivered_is_replaced_by_none():
    # Possible only with the memory bus on PostgreSQL: two threads' commits reach publish crossed.
    async def main():
        bus = InProcessBus()
        async with running(bus), bus.subscribe("demo") as events:
            bus.publish([event("demo", 2)])
            bus.publish([event("demo", 1)])
            bus.publish([event("demo", 3)])
            return await take(events, 3)

    received = anyio.run(main)
    assert [e and e["seq"] for e in received] == [2, None, 3]


def test_subscribing_before_the_bus_runs_is_harmless():
    async def main():
        bus = InProcessBus()
        async with bus.subscribe("demo") as events:
            bus.publish([event("demo", 1)])
            async with running(bus):
                bus.publish([event("demo", 2)])
                return await take(events, 2)

    assert [e["seq"] for e in anyio.run(main)] == [1, 2]


def test_before_commit_runs_inside_the_transaction_and_after_commit_once_it_is_done(tmp_path):
    db = Database(prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}"))
    seen = []

    def before(session, events):
        # The ticket is there in the transaction, and the events are the ones it recorded.
        seen.append(("before", [e["type"] for e in events],
                     session.execute(sa.text("SELECT count(*) FROM ticket")).scalar_one()))

    db.before_commit.append(before)
    db.after_commit.append(lambda events: seen.append(("after", [e["type"] for e in events])))
    with db.write() as session:
        queue.issue_ticket(session, "demo", "advice", "fi")
    with db.write() as session:
        queue.all_sites(session)  # no events: before_commit is not called
    assert seen == [("before", ["ticket.issued"], 1), ("after", ["ticket.issued"]), ("after", [])]
    db.dispose()


def test_make_bus_picks_by_setting_and_database(tmp_path):
    sqlite = Database(f"sqlite:///{tmp_path / 'luukku.db'}")
    postgresql = Database("postgresql+psycopg://luukku@127.0.0.1:5432/luukku")  # never connects here
    assert type(make_bus(sqlite, "auto")) is InProcessBus
    assert type(make_bus(sqlite, "memory")) is InProcessBus
    assert type(make_bus(postgresql, "auto")) is PostgresBus
    assert type(make_bus(postgresql, "postgresql")) is PostgresBus
    assert type(make_bus(postgresql, "memory")) is InProcessBus
    with pytest.raises(ValueError, match="needs a PostgreSQL database"):
        make_bus(sqlite, "postgresql")
    with pytest.raises(ValueError, match="Unknown bus"):
        make_bus(sqlite, "redis")
    sqlite.dispose()
    postgresql.dispose()


# --- Across workers, through PostgreSQL ---


class Worker:
    """What one uvicorn worker holds: its own engine and its own bus, wired like server/web/app.py."""

    def __init__(self, url: str):
        self.db = Database(url)
        self.bus = PostgresBus(self.db)
        self.db.before_commit.append(self.bus.notify)
        self.db.after_commit.append(self.bus.publish)

    async def issue(self, service: str = "advice", count: int = 1) -> list[str]:
        def work(session):
            return [queue.issue_ticket(session, "demo", service, "fi").ticket.number
                    for _ in range(count)]

        return await run_write(self.db, work)


@asynccontextmanager
async def workers(url: str, count: int = 2):
    crew = [Worker(url) for _ in range(count)]
    try:
        async with running(*(worker.bus for worker in crew)):
            assert all(worker.bus.listening for worker in crew)
            yield crew
    finally:
        for worker in crew:
            worker.db.dispose()


@asynccontextmanager
async def raw_listener(url: str, channel: str = "luukku_events"):
    """A plain LISTEN of our own, to look at the notifications themselves."""
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
    try:
        await connection.execute(f"LISTEN {channel}")
        yield connection
    finally:
        await connection.close()


async def notifications(connection, count: int, timeout: float = 5.0) -> list[str]:
    payloads: list[str] = []
    with anyio.fail_after(timeout):
        while len(payloads) < count:
            async for note in connection.notifies(stop_after=1):
                payloads.append(note.payload)
    return payloads


@pytest.mark.postgres
def test_an_event_committed_on_one_worker_reaches_subscribers_on_every_worker_in_order(pg_url):
    async def main():
        async with workers(pg_url) as (one, two), one.bus.subscribe("demo") as on_one, \
                two.bus.subscribe("demo") as on_two:
            numbers = await one.issue()
            numbers += await two.issue("housing")
            numbers += await one.issue(count=3)
            for events in (on_one, on_two):
                received = await take(events, 5)
                assert [e["type"] for e in received] == ["ticket.issued"] * 5
                assert [e["seq"] for e in received] == [1, 2, 3, 4, 5]
                assert [e["ticket"]["number"] for e in received] == numbers
                assert events.empty()

    anyio.run(main)


@pytest.mark.postgres
def test_a_rolled_back_transaction_delivers_nothing(pg_url):
    async def main():
        async with workers(pg_url) as (one, two), two.bus.subscribe("demo") as events:

            def fail(session):
                queue.issue_ticket(session, "demo", "advice", "fi")
                raise RuntimeError("changed our mind")

            with pytest.raises(RuntimeError):
                await run_write(one.db, fail)
            await one.issue("housing")
            # Notifications come in commit order: had the first one been sent, it would be first.
            [received] = await take(events)
            assert received["ticket"]["number"] == "B001" and received["seq"] == 1

    anyio.run(main)


@pytest.mark.postgres
def test_a_transaction_with_many_events_arrives_whole_with_one_small_notification_per_site(pg_url):
    setup = Database(pg_url)
    with setup.write() as session:
        session.add(Site(slug="library", name="Kirjasto"))
    setup.dispose()

    def busy_day(session):
        # 300 events at the demo site (a ticket and two notes, a hundred times), one at the library.
        demo, library = (session.exec(select(Site).where(Site.slug == slug)).one()
                         for slug in ("demo", "library"))
        for _ in range(100):
            queue.issue_ticket(session, "demo", "advice", "fi", printed=False)
            record_event(session, demo, "test.note")
            record_event(session, demo, "test.note")
        record_event(session, library, "test.note")

    async def main():
        async with workers(pg_url) as (one, two), raw_listener(pg_url) as raw, \
                two.bus.subscribe("demo", "library") as events:
            await run_write(one.db, busy_day)
            received = await take(events, 301)
            payloads = await notifications(raw, 2)
        return received, payloads

    received, payloads = anyio.run(main)
    demo = [e for e in received if e["site"] == "demo"]
    assert [e["seq"] for e in demo] == list(range(1, 301))
    assert [e["type"] for e in demo] == ["ticket.issued", "test.note", "test.note"] * 100
    assert [e["ticket"]["number"] for e in demo[::3]] == [f"A{n:03d}" for n in range(1, 101)]
    assert [e["type"] for e in received if e["site"] == "library"] == ["test.note"]
    assert sorted(payloads) == ['{"site":"demo","first":1,"last":300}',
                                '{"site":"library","first":1,"last":1}']


@pytest.mark.postgres
def test_a_lost_listening_connection_means_none_then_events_flow_again(pg_url):
    async def main():
        async with workers(pg_url) as (one, two), one.bus.subscribe("demo") as on_one, \
                two.bus.subscribe("demo") as on_two:
            async with await psycopg.AsyncConnection.connect(PG_ADMIN_URL, autocommit=True) as admin:
                cursor = await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                    (one.bus.application_name,),
                )
                assert await cursor.fetchall() == [(True,)]
            assert await take(on_one) == [None]  # listening again: whatever was missed, resync
            await two.issue()
            [on_one_event] = await take(on_one)
            [on_two_event] = await take(on_two)
            assert on_one_event == on_two_event and on_one_event["seq"] == 1
            assert on_two.empty()  # the other worker never lost its connection

    anyio.run(main)


@pytest.mark.postgres
def test_a_bus_that_cannot_reach_its_database_keeps_trying_without_crashing(postgres_demo_template):
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    name = f"luukku_test_{secrets.token_hex(6)}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    worker = Worker(f"{base}/{name}")  # the database does not exist yet

    async def main():
        async with worker.bus.subscribe("demo") as events, running(worker.bus):
            assert not worker.bus.listening
            await anyio.to_thread.run_sync(create_database)
            assert await take(events) == [None]  # listening at last: the early subscriber resyncs
            assert worker.bus.listening
            await worker.issue()
            assert [e["seq"] for e in await take(events)] == [1]

    def create_database():
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_demo_template}"')

    try:
        anyio.run(main)
    finally:
        worker.db.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_events_committed_from_many_threads_reach_a_subscriber_in_seq_order(pg_url):
    async def main():
        async with workers(pg_url) as (one, two), two.bus.subscribe("demo") as events:
            errors = []

            def kiosk():
                try:
                    for _ in range(10):
                        with one.db.write() as session:
                            queue.issue_ticket(session, "demo", "advice", "fi")
                except Exception as exc:  # reported below
                    errors.append(exc)

            kiosks = [threading.Thread(target=kiosk) for _ in range(6)]
            for thread in kiosks:
                thread.start()
            received = await take(events, 60, timeout=20)
            for thread in kiosks:
                await anyio.to_thread.run_sync(thread.join)
            assert errors == []
            return received

    assert [e["seq"] for e in anyio.run(main)] == list(range(1, 61))
