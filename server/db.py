"""The database: one engine, read sessions and write transactions.

SQLite (the embedded default) runs in WAL mode with one writer at a time: the process's write turns
(WriteTurns) and ``BEGIN IMMEDIATE`` keep concurrent requests from meeting "database is locked"; a
clerk's call takes the next turn before the writes already waiting. PostgreSQL needs no lock of ours;
the queue's hot paths take row locks instead.

Requests do their database work on worker threads (``run_read``, ``run_write``), at most
``pool_size`` at once: more would only take connections beyond the pool, which SQLAlchemy closes
as soon as they are given back, so a busy worker would open and close a PostgreSQL connection for
nearly every query (docs/configuration.md, "Connections").
"""

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import anyio
import anyio.to_thread
import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import Session

log = logging.getLogger(__name__)
AfterCommit = Callable[[list[dict]], None]
# SQLite's write-ahead log is copied into the database by a checkpoint, which also syncs the file to
# disk: 10-150 ms. Left to SQLite, the commit that fills 1,000 pages of log runs it, under the write
# lock, and every request behind it waits (a rush's slowest tickets, docs/PERFORMANCE.md). The
# server checkpoints on a thread of its own instead (checkpoint_periodically); a commit checkpoints
# only if the log grows past this many pages (64 MB), e.g. in a program that does not run that loop.
WAL_BACKSTOP_PAGES = 16_384
CHECKPOINT_EVERY_S = 1.0
BeforeCommit = Callable[[Session, list[dict]], None]


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20, pool_timeout_s: float = 30,
                connect_timeout_s: int | None = None, statement_timeout_s: float | None = None) -> sa.Engine:
    """The engine for ``url``. The timeouts apply to PostgreSQL only; None (or 0) means none."""
    # The connection given back last is lent next: a worker that is not busy keeps using the one or
    # two it needs, and the others, opened in a rush, stay as they were. Lent in turn, each of the
    # pool's connections would come to hold every statement the server runs (SQLite's prepared
    # statements, ~8 KB each, up to 128 a connection) and the pages of its last transaction
    # (issue 24, docs/PERFORMANCE.md).
    pool = dict(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout_s, pool_use_lifo=True)
    if url.startswith("sqlite"):
        path = sa.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        else:
            pool = {}  # an in-memory database lives in one connection per thread: no pool to size
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool)
        _configure_sqlite(engine)
        return engine
    connect_args: dict = {}
    if connect_timeout_s:
        connect_args["connect_timeout"] = connect_timeout_s
    if statement_timeout_s:
        # Sent at connect time (libpq's options), so it costs no query; options given in the URL stay.
        options = sa.make_url(url).query.get("options", "")
        connect_args["options"] = f"{options} -c statement_timeout={round(statement_timeout_s * 1000)}".strip()
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args, **pool)


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class WriteTurns:
    """SQLite's one writer at a time, in turns: an urgent write (a clerk's call, which a person at the
    counter and a waiting room wait for) takes the next turn before the others waiting (a kiosk's
    tickets, whose printing takes seconds anyway). In a busy hall's mixed load a call had waited
    130 ms on average behind kiosk tickets when it was slow (issue 24, docs/PERFORMANCE.md). Calls
    come at a person's pace, so the others are not starved."""

    def __init__(self):
        self._changed = threading.Condition()
        self._busy = False
        # Turns in the order asked, urgent ones first: a thread that has just written goes to the back
        # of the line, so one busy thread cannot keep the writer to itself (a Condition wakes no one
        # in order; 20 counters' threads calling at once once saw one thread take every turn).
        self._urgent: deque[object] = deque()
        self._others: deque[object] = deque()

    def _first(self) -> object | None:
        return self._urgent[0] if self._urgent else self._others[0] if self._others else None

    @contextmanager
    def turn(self, urgent: bool = False) -> Iterator[None]:
        me, line = object(), self._urgent if urgent else self._others
        with self._changed:
            line.append(me)
            try:
                self._changed.wait_for(lambda: not self._busy and self._first() is me)
            except BaseException:
                line.remove(me)
                self._changed.notify_all()
                raise
            line.popleft()
            self._busy = True
        try:
            yield
        finally:
            with self._changed:
                self._busy = False
                self._changed.notify_all()


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 20, pool_timeout_s: float = 30,
                 connect_timeout_s: int | None = None, statement_timeout_s: float | None = None):
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow,
                                  pool_timeout_s=pool_timeout_s, connect_timeout_s=connect_timeout_s,
                                  statement_timeout_s=statement_timeout_s)
        # Requests' turns at the database (run_read, run_write): one per pooled connection, so that
        # they never open connections beyond the pool (see the module's docstring).
        self.request_slots = anyio.Semaphore(pool_size)
        self.pool_timeout_s = pool_timeout_s
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write_turns = WriteTurns() if self.is_sqlite else None
        # Called inside a write transaction that recorded events, just before it commits (the
        # PostgreSQL bus notifies there), and with its events once it has committed.
        self.before_commit: list[BeforeCommit] = []
        self.after_commit: list[AfterCommit] = []

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self, urgent: bool = False) -> Iterator[Session]:
        """One transaction. Events recorded in it go to ``before_commit`` inside it, and to
        ``after_commit`` once it commits; so do the transaction's own ``session.info["on_commit"]``
        callables (what it may keep in memory once its changes are sure: server/estimate.py).
        ``urgent``: on SQLite, its turn comes before the other writes waiting (WriteTurns)."""
        with self._write_turns.turn(urgent) if self._write_turns else nullcontext():
            with Session(self._writer, expire_on_commit=False) as session:
                session.info["events"] = []
                session.info["on_commit"] = on_commit = []
                with session.begin():
                    yield session
                    events = session.info["events"]
                    if events:
                        for before in self.before_commit:
                            before(session, events)
            # Still in SQLite's write turn: transactions reach after_commit in commit order, so the
            # in-process bus sees each site's events in sequence order.
            for callback in on_commit:
                callback()
            for callback in self.after_commit:
                callback(events)

    def checkpoint(self) -> tuple[int, int, int]:
        """SQLite: copies what it can of the write-ahead log into the database without waiting for
        readers or writers (PASSIVE); SQLite's answer (busy, pages in the log, pages copied)."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            row = cursor.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            cursor.close()
            return tuple(row)
        finally:
            raw.close()

    def dispose(self) -> None:
        self.engine.dispose()


async def checkpoint_periodically(db: Database, every_s: float = CHECKPOINT_EVERY_S) -> None:
    """The server's SQLite checkpoints, off the requests' path (WAL_BACKSTOP_PAGES says why)."""
    while True:
        await anyio.sleep(every_s)
        try:
            await anyio.to_thread.run_sync(db.checkpoint)
        except Exception:  # a full disk, say: the next round tries again, and commits still work
            log.exception("checkpoint")


async def run_write(db: Database, fn, *args, urgent: bool = False, **kwargs):
    """Runs ``fn(session, *args, **kwargs)`` in one write transaction on a worker thread; ``urgent``
    for a clerk's call (Database.write)."""

    def work():
        with db.write(urgent) as session:
            return fn(session, *args, **kwargs)

    return await _in_turn(db, work)


async def run_read(db: Database, fn, *args, **kwargs):
    def work():
        with db.read() as session:
            return fn(session, *args, **kwargs)

    return await _in_turn(db, work)


async def _in_turn(db: Database, work):
    """Runs ``work()`` on a worker thread once one of the database's request slots is free; waits for
    one as long as SQLAlchemy's pool would wait for a connection, then fails as the pool would."""
    try:
        with anyio.fail_after(db.pool_timeout_s):
            await db.request_slots.acquire()
    except TimeoutError:
        raise sa.exc.TimeoutError(f"no database connection was free within {db.pool_timeout_s:g} s "
                                  "(LUUKKU_DB_POOL_TIMEOUT_S)") from None
    try:
        return await anyio.to_thread.run_sync(work)
    finally:
        db.request_slots.release()
