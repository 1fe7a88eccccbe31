"""The event bus: events committed by the core reach every screen subscribed to their site.

Two buses behind one interface (``make_bus`` picks by the ``bus`` setting):

- ``InProcessBus``, for one worker: ``Database.after_commit`` hands it each transaction's events from
  whichever thread committed, and it delivers them on the event loop.
- ``PostgresBus``, for any number of workers and hosts on one PostgreSQL database: a
  ``Database.before_commit`` hook calls ``pg_notify`` inside the transaction itself, naming only the
  site and the range of sequence numbers. PostgreSQL hands the notification to every listening
  connection if and when the transaction commits, in commit order; each worker's ``run()`` listens on
  its own connection and reads the events' published ``data`` from the event table. A worker's own
  events come back the same way as everyone else's.

A subscriber gets one queue for the sites it asks for, each site's events in sequence order. ``None``
in the queue means "you may have missed events: take a fresh snapshot": the queue overflowed (it stays
subscribed), or the listening connection was lost and is back.
"""

import asyncio
import json
import logging
import os
import random
import secrets
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio
import sqlalchemy as sa
from anyio.abc import TaskStatus
from sqlmodel import Session

from server.db import Database

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("luukku.bus")

QUEUE_LIMIT = 1000  # a subscriber this far behind is emptied and told to take a fresh snapshot


class InProcessBus:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribers: dict[str, set[asyncio.Queue]] = {}
        self._last_seq: dict[str, int] = {}

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Delivers on the running loop until cancelled; ``await tasks.start(bus.run)`` returns once
        the bus is ready."""
        self._loop = asyncio.get_running_loop()
        task_status.started()
        try:
            await anyio.sleep_forever()
        finally:
            self._loop = None

    def publish(self, events: list[dict]) -> None:
        """A ``Database.after_commit`` hook: callable from any thread."""
        loop = self._loop
        if not events or loop is None:
            return
        try:
            loop.call_soon_threadsafe(self._deliver, list(events))
        except RuntimeError:  # the loop closed meanwhile: nobody is left to deliver to
            pass

    @asynccontextmanager
    async def subscribe(self, *sites: str) -> AsyncIterator[asyncio.Queue]:
        """One queue receiving the events of all ``sites``; ``None`` in it: take a fresh snapshot."""
        if self._loop is None:  # subscribing before run() is harmless: deliver on this loop
            self._loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_LIMIT)
        sites = tuple(dict.fromkeys(sites))
        for site in sites:
            self._subscribers.setdefault(site, set()).add(queue)
        try:
            yield queue
        finally:
            for site in sites:
                queues = self._subscribers.get(site)
                if queues is not None:
                    queues.discard(queue)
                    if not queues:
                        del self._subscribers[site]

    def subscriber_count(self, site: str) -> int:
        return len(self._subscribers.get(site, ()))

    def _deliver(self, events: Iterable[dict]) -> None:
        """On the loop: each event to the queues of its site."""
        for event in events:
            site = event["site"]
            seq = event.get("seq")
            if seq is not None:
                if seq <= self._last_seq.get(site, 0):
                    # Two threads' publish calls crossed (possible with the memory bus on PostgreSQL,
                    # whose writers take no common lock): never an older event after a newer one.
                    self._resync(self._subscribers.get(site, ()))
                    continue
                self._last_seq[site] = seq
            for queue in self._subscribers.get(site, ()):
                _put(queue, event)

    def _resync(self, queues: Iterable[asyncio.Queue] | None = None) -> None:
        """Tells the given subscribers (all by default) that they may have missed events."""
        if queues is None:
            queues = {queue for site_queues in self._subscribers.values() for queue in site_queues}
        for queue in list(queues):
            _put(queue, None)


def _put(queue: asyncio.Queue, item: dict | None) -> None:
    try:
        queue.put_nowait(item)
    except asyncio.QueueFull:
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(None)


EVENTS_IN_RANGE = """
    SELECT e.data FROM event e JOIN site s ON s.id = e.site_id
    WHERE s.slug = %s AND e.seq BETWEEN %s AND %s ORDER BY e.seq
"""


class PostgresBus(InProcessBus):
    ping_s = 30.0  # a listening connection quiet this long is asked a SELECT 1, so a dead one shows
    backoff_first_s = 0.1
    backoff_cap_s = 3.0

    def __init__(self, db: Database, channel: str = "luukku_events"):
        super().__init__()
        if db.engine.dialect.name != "postgresql":
            raise ValueError(f"PostgresBus needs a PostgreSQL database, not {db.engine.dialect.name}")
        self.db = db
        self.channel = channel
        # Names the listening connection in pg_stat_activity (and lets tests find it).
        self.application_name = f"luukku-bus-{os.getpid()}-{secrets.token_hex(3)}"
        self.listening = False
        self._conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def publish(self, events: list[dict]) -> None:
        """Nothing to do: every worker, this one too, gets the events back through LISTEN."""

    def notify(self, session: Session, events: list[dict]) -> None:
        """A ``Database.before_commit`` hook: one small notification per site, inside the transaction.

        A transaction holds its sites' row locks from its first event to its commit, so each site's
        events in it are numbered without gaps: the first and the last number say which they are,
        however many, and the payload stays far below PostgreSQL's 8000 bytes.
        """
        ranges: dict[str, tuple[int, int]] = {}
        for event in events:
            first, last = ranges.get(event["site"], (event["seq"], event["seq"]))
            ranges[event["site"]] = (min(first, event["seq"]), max(last, event["seq"]))
        for site, (first, last) in ranges.items():
            payload = json.dumps({"site": site, "first": first, "last": last}, separators=(",", ":"))
            session.execute(sa.text("SELECT pg_notify(:channel, :payload)"),
                            {"channel": self.channel, "payload": payload})

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Listens until cancelled, reconnecting with jittered backoff whenever the connection is lost.

        ``await tasks.start(bus.run)`` returns after the first attempt to listen, whether it worked or
        not: the app serves meanwhile, and subscribers get ``None`` whenever listening (re)starts.
        """
        # psycopg only here: a server on SQLite never loads it (about 10 MB a worker).
        import psycopg
        from psycopg import sql

        self._loop = asyncio.get_running_loop()
        failures = 0
        started = False
        try:
            while True:
                listened_at = None
                try:
                    connection = await psycopg.AsyncConnection.connect(
                        self._conninfo, autocommit=True, application_name=self.application_name,
                        connect_timeout=5, keepalives=1, keepalives_idle=10, keepalives_interval=5,
                        keepalives_count=3,
                    )
                    try:
                        listen = sql.SQL("LISTEN {}").format(sql.Identifier(self.channel))
                        await connection.execute(listen)
                        listened_at = time.monotonic()
                        self.listening = True
                        if failures:
                            log.info("event bus: listening again on %s", self.channel)
                        # Whatever was committed while nobody listened is lost: everyone resyncs.
                        self._resync()
                        if not started:
                            started = True
                            task_status.started()
                        await self._listen(connection)
                    finally:
                        self.listening = False
                        await connection.close()
                except (psycopg.Error, OSError) as exc:
                    log.warning("event bus: no listening connection (%s: %s); retrying",
                                exc.__class__.__name__, exc)
                except Exception:  # a bug of ours must not take the app down: log it, start over
                    log.exception("event bus failed; retrying")
                if not started:
                    started = True
                    task_status.started()
                if listened_at is not None and time.monotonic() - listened_at > 10 * self.backoff_cap_s:
                    failures = 0
                failures += 1
                delay = min(self.backoff_cap_s, self.backoff_first_s * 2 ** (failures - 1))
                await anyio.sleep(delay * random.uniform(0.5, 1.0))
        finally:
            self._loop = None

    async def _listen(self, connection: "psycopg.AsyncConnection") -> None:
        while True:
            # stop_after ends the generator (and frees the connection for the reads below);
            # notifications arriving during those reads wait in psycopg's backlog, in order.
            notes = [note async for note in connection.notifies(timeout=self.ping_s, stop_after=1)]
            if not notes:
                await connection.execute("SELECT 1")
            for note in notes:
                await self._fetch(connection, note.payload)

    async def _fetch(self, connection: "psycopg.AsyncConnection", payload: str) -> None:
        try:
            note = json.loads(payload)
            site, first, last = str(note["site"]), int(note["first"]), int(note["last"])
        except (ValueError, KeyError, TypeError):
            log.warning("event bus: ignored a notification it cannot read: %.200r", payload)
            return
        if not self._subscribers.get(site):
            return  # nobody on this worker watches the site
        cursor = await connection.execute(EVENTS_IN_RANGE, (site, first, last))
        events = [json.loads(data) for (data,) in await cursor.fetchall()]
        self._deliver(events)
        if len(events) != last - first + 1:
            log.warning("event bus: %s events %d-%d announced, %d found", site, first, last, len(events))
            self._resync(self._subscribers.get(site, ()))


def make_bus(db: Database, kind: str) -> InProcessBus:
    """The bus for the ``bus`` setting: memory, postgresql, or auto (postgresql on PostgreSQL)."""
    is_postgresql = db.engine.dialect.name == "postgresql"
    if kind == "memory" or (kind == "auto" and not is_postgresql):
        return InProcessBus()
    if kind in ("postgresql", "auto"):
        if not is_postgresql:
            raise ValueError(
                "LUUKKU_BUS=postgresql needs a PostgreSQL database (LUUKKU_DATABASE_URL="
                "postgresql+psycopg://…); this one is " + db.engine.dialect.name
                + ": use LUUKKU_BUS=memory (one worker) or auto"
            )
        return PostgresBus(db)
    raise ValueError(f"Unknown bus {kind!r}: choose auto, memory or postgresql")
