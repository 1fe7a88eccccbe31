"""The database layer: SQLite's writers, the connection pool's sizes and the timeouts (server/db.py)."""

import threading
import time

import anyio
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from server import garbage
from server.db import Database, run_read
from tests.conftest import prepare_demo_database


def statements(db: Database) -> list[str]:
    """Every statement the engine sends from now on, as sent."""
    sent: list[str] = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda _conn, _cursor, statement, *_: sent.append(statement))
    return sent


def test_sqlite_write_transactions_begin_immediate_and_reads_deferred(tmp_path):
    db = Database(prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}"))
    sent = statements(db)
    with db.write() as session:
        session.execute(sa.text("SELECT 1"))
    with db.read() as session:
        session.execute(sa.text("SELECT 1"))
    db.dispose()
    assert [s for s in sent if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN DEFERRED"]


def test_two_sqlite_writers_that_read_first_never_meet_database_is_locked(tmp_path):
    # Two processes on one file (here: two Database objects, each with its own write lock). A
    # deferred transaction that has read cannot start writing once the other one has committed
    # meanwhile: SQLite refuses it at once with "database is locked", whatever the busy timeout.
    # BEGIN IMMEDIATE takes the write lock first, so the second writer waits its turn instead.
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}")
    one, two = Database(url), Database(url)
    inside, release = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def write(db: Database, hold: bool) -> None:
        try:
            with db.write() as session:
                session.execute(sa.text("SELECT count(*) FROM site")).scalar()
                session.execute(sa.text("UPDATE site SET name = name"))
                if hold:
                    inside.set()
                    release.wait(10)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            failures.append(exc)
        finally:
            inside.set()

    first = threading.Thread(target=write, args=(one, True))
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=write, args=(two, False))
    second.start()
    time.sleep(0.3)  # the second is waiting for the write lock now
    release.set()
    first.join(10)
    second.join(10)
    one.dispose()
    two.dispose()
    assert failures == []


def test_a_clerks_call_takes_the_next_sqlite_write_turn_before_the_writes_already_waiting(tmp_path):
    db = Database(prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}"))

    def round_of_writes() -> list[str]:
        """One write holds the turn while six kiosks' writes wait, then a call comes; the order of turns."""
        inside, release = threading.Event(), threading.Event()
        order: list[str] = []

        def write(name: str, urgent: bool = False, hold: bool = False) -> None:
            with db.write(urgent) as session:
                session.execute(sa.text("UPDATE site SET name = name"))
                order.append(name)
                if hold:
                    inside.set()
                    release.wait(10)

        holder = threading.Thread(target=write, args=("holder",), kwargs={"hold": True})
        holder.start()
        assert inside.wait(10)
        kiosks = [threading.Thread(target=write, args=(f"kiosk {n}",)) for n in range(6)]
        for kiosk in kiosks:
            kiosk.start()
        time.sleep(0.2)  # the kiosks are waiting for their turns now
        call = threading.Thread(target=write, args=("call",), kwargs={"urgent": True})
        call.start()
        while not db._write_turns._urgent:  # the call is waiting too
            time.sleep(0.01)
        release.set()
        for thread in [holder, *kiosks, call]:
            thread.join(10)
        return order

    # Without the rule the call took anywhere from the 2nd to the 8th turn (ten rounds tried).
    rounds = [round_of_writes() for _ in range(3)]
    db.dispose()
    for order in rounds:
        assert order[:2] == ["holder", "call"]
        assert sorted(order[2:]) == [f"kiosk {n}" for n in range(6)]


@pytest.mark.postgres
def test_the_pool_settings_and_timeouts_reach_postgresql(pg_url):
    db = Database(pg_url, pool_size=3, max_overflow=2, pool_timeout_s=7, connect_timeout_s=4,
                  statement_timeout_s=0.5)
    try:
        assert (db.engine.pool.size(), db.engine.pool._max_overflow, db.engine.pool._timeout) == (3, 2, 7)
        with db.read() as session:
            assert session.execute(sa.text("SHOW statement_timeout")).scalar() == "500ms"
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
                session.execute(sa.text("SELECT pg_sleep(5)"))
            assert time.monotonic() - started < 3
    finally:
        db.dispose()
    plain = Database(pg_url)  # the command-line tools: no statement timeout
    try:
        with plain.read() as session:
            assert session.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
    finally:
        plain.dispose()


@pytest.mark.postgres
def test_requests_use_at_most_the_pool_and_never_open_connections_beyond_it(pg_url):
    # Overflow connections are closed when given back: had 40 threads of requests shared a pool of 3,
    # every query beyond the third would have opened and closed a PostgreSQL connection.
    db = Database(pg_url, pool_size=3, max_overflow=20)
    opened = []
    event.listen(db.engine, "connect", lambda *_: opened.append(1))
    busiest = 0

    def query(session):
        nonlocal busiest
        session.execute(sa.text("SELECT pg_sleep(0.02)"))
        busiest = max(busiest, db.engine.pool.checkedout())  # this one's connection among them

    async def main():
        async with anyio.create_task_group() as tasks:
            for _ in range(60):
                tasks.start_soon(run_read, db, query)

    try:
        anyio.run(main)
    finally:
        db.dispose()
    assert busiest == 3 and len(opened) == 3


def test_a_request_waiting_longer_than_the_pool_timeout_fails_with_a_timeout(tmp_path):
    db = Database(prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}"), pool_size=1,
                  pool_timeout_s=0.2)

    async def main():
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run_read, db, lambda session: time.sleep(1))
            await anyio.sleep(0.05)
            started = anyio.current_time()
            with pytest.raises(sa.exc.TimeoutError, match="LUUKKU_DB_POOL_TIMEOUT_S"):
                await run_read(db, lambda session: None)
            return anyio.current_time() - started

    try:
        waited = anyio.run(main)
    finally:
        db.dispose()
    assert 0.15 < waited < 0.6


def test_sqlite_commits_leave_the_checkpoint_to_the_servers_own_thread(tmp_path):
    # A checkpoint syncs the file to disk; run by a commit, it held every writer behind it for
    # 10-150 ms. Commits now leave the log alone (up to a 64 MB backstop) and checkpoint() copies it.
    db = Database(f"sqlite:///{tmp_path / 'luukku.db'}")
    with db.write() as session:
        session.execute(sa.text("CREATE TABLE t (x BLOB)"))
    page = b"x" * 4000
    for _ in range(2500):  # about 2,500 pages of log: SQLite's own default checkpoints at 1,000
        with db.write() as session:
            session.execute(sa.text("INSERT INTO t VALUES (:x)"), {"x": page})
    log_bytes = (tmp_path / "luukku.db-wal").stat().st_size
    busy, in_log, copied = db.checkpoint()
    db.dispose()
    assert log_bytes > 2000 * 4096 and busy == 0 and in_log == copied >= 2500


def test_the_server_checkpoints_sqlite_on_its_own(tmp_path):
    from server.db import checkpoint_periodically
    db = Database(f"sqlite:///{tmp_path / 'luukku.db'}")
    with db.write() as session:
        session.execute(sa.text("CREATE TABLE t (x BLOB)"))
        session.execute(sa.text("INSERT INTO t VALUES (zeroblob(100000))"))
    before = (tmp_path / "luukku.db").stat().st_size  # the row is in the log only

    async def a_while():
        with anyio.move_on_after(0.5):
            await checkpoint_periodically(db, every_s=0.1)

    anyio.run(a_while)
    after = (tmp_path / "luukku.db").stat().st_size  # before dispose(): closing checkpoints too
    db.dispose()
    assert before < 100_000 <= after  # copied into the database


@pytest.mark.parametrize("url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_after_a_rush_a_quiet_worker_keeps_using_one_connection(url, tmp_path, request):
    # Lent in turn, every connection of the pool would come to hold every prepared statement
    # (issue 24): the pool lends the connection given back last.
    url = request.getfixturevalue("pg_url") if url == "postgresql" else \
        prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}")
    db = Database(url, pool_size=5)
    rush = [db.engine.connect() for _ in range(5)]
    for connection in rush:
        connection.close()
    used: list[int] = []
    event.listen(db.engine, "checkout", lambda dbapi_connection, *_: used.append(id(dbapi_connection)))
    for _ in range(20):
        with db.read() as session:
            session.execute(sa.text("SELECT count(*) FROM site")).scalar()
    db.dispose()
    assert len(used) == 20 and len(set(used)) == 1


def test_sqlites_memory_is_bounded_by_the_pools_page_caches(tmp_path):
    # What grows in a SQLite worker after its first days (issue 24, docs/PERFORMANCE.md): each kept
    # connection's page cache fills as the database outgrows it, up to SQLite's default 2 MB, and no
    # further; the pool's overflow connections are closed and give theirs back.
    sqlite = garbage._sqlite()
    if sqlite is None:
        pytest.skip("SQLite's library is not loadable by name here")
    url = f"sqlite:///{tmp_path / 'big.db'}"
    db = Database(url, pool_size=4, max_overflow=4)
    with db.engine.begin() as connection:  # 12 MB: six times a connection's cache
        connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)")
        connection.exec_driver_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) "
                                   "INSERT INTO t (a) SELECT hex(randomblob(200)) FROM n")
    db.dispose()

    def read_whole(connections: int) -> float:
        """SQLite's memory after that many connections at once each read the database whole, in MB."""
        held = [db.engine.connect() for _ in range(connections)]
        for connection in held:
            assert connection.exec_driver_sql("SELECT count(*), sum(length(a)) FROM t").one() == (30000, 12_000_000)
        for connection in held:
            connection.close()
        return sqlite.sqlite3_memory_used() / 1e6

    db = Database(url, pool_size=4, max_overflow=4)
    before = sqlite.sqlite3_memory_used() / 1e6
    first = read_whole(8)
    again = [read_whole(8) for _ in range(3)]
    db.dispose()
    kept = first - before
    assert 4 * 1.8 < kept < 4 * 2.6, kept  # the 4 kept connections' caches, full; the 4 beyond gave theirs back
    assert max(again) - first < 1.0, again
