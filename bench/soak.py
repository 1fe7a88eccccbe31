"""A working week without a restart (issue 24): the server under a busy day's mixed load for an hour,
its memory, files, threads, database and latencies sampled every few seconds.

    scripts/bench soak                    # SQLite (1 worker), then PostgreSQL (2 workers), 60 min each
    scripts/bench soak --quick            # 4 min each: a check that it runs, not figures to publish
    scripts/bench soak --write            # and updates its sections of docs/PERFORMANCE.md, with charts
    scripts/bench soak --configs postgresql2 --minutes 120 --every 10 --samples /tmp/week.json

Per configuration, five "days", each followed by a quiet "night" a tenth as long with every screen
still connected. By day 8 clerks (API tokens) call, start and finish customers with short pauses and
read the queue; a kiosk takes about 10 tickets a second while fewer than 200 wait; 100 waiting-room
displays, 50 phones each following a ticket and moving on to another when its visit ends, and 20
API event streams reconnecting every 20 s. How it works and what it leaves out: bench/README.md.
"""

import argparse
import asyncio
import html
import json
import math
import os
import random
import re
import resource
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from bench.city_day import OPEN, STATE, timed
from bench.live_fanout import Clients, Screen, ms, own_cpu_s, percentile
from bench.luukku_server import (PASSWORD, Server, code_to_measure, cpu_seconds, demo_database, environment,
                                 family_cpu_seconds, machine_cpu_seconds, peak_rss_kb, pg_database, pg_url,
                                 postmaster_pid, require_postgresql, seed, wait_until_quiet)
from bench.performance import PERFORMANCE, run_stamp, write_section
from bench.suite import BENCH_SETTINGS, Connection, wait_for_workers

CONFIGS = {"sqlite": ("sqlite", 1), "postgresql2": ("postgresql", 2)}
NAMES = {"sqlite": "SQLite, 1 worker", "postgresql2": "PostgreSQL, 2 workers"}
SERVICES = ("advice", "housing", "early-education", "payments", "e-services")  # the demo's generalist ones
CLERKS, DISPLAYS, PHONES, STREAMS = 8, 100, 50, 20
KIOSK_PER_S, HOLD_AT = 10.0, 200  # tickets a second, and the waiting count that holds the kiosk back
STREAM_RECONNECT_S = 20.0
DAYS, NIGHT_SHARE = 5, 0.1
DISPLAY_PATH = "/display/demo/ws?lang=fi,sv"
ANNOUNCED = re.compile(r'data-number="([^"]+)" data-counter="([^"]+)"')
DATA_LIVE = re.compile(r'data-live="([^"]+)"(?: data-live-heartbeat="([^"]+)")?')
WORKER_FIGURE = re.compile(r'^luukku_worker_([a-z_]+)\{([^}]*)\} (\S+)$', re.M)
LABEL = re.compile(r'(\w+)="([^"]*)"')
SETTLE_S = 60.0  # after the week, how long the displays may take to announce the last calls
CHARTS = PERFORMANCE.parent / "performance"
LATENCIES = ("call → display", "call → phone", "ticket POST", "queue read", "call-next", "start/finish")


# --- the clerks: counters and API tokens in the template -------------------------------------------

CLERK_SEED = """
import json, sys
from sqlmodel import select
from server.db import Database
from server.models import Counter, Site, StaffUser
from server.staff import hash_password, issue_token

url, secret, password, clerks = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
db = Database(url)
with db.write() as session:
    site = session.exec(select(Site).where(Site.slug == "demo")).one()
    have = session.exec(select(Counter).where(Counter.site_id == site.id)).all()
    session.add_all(Counter(site_id=site.id, number=str(n)) for n in range(len(have) + 1, clerks + 1))
    session.flush()
    counters = session.exec(select(Counter).where(Counter.site_id == site.id).order_by(Counter.id)).all()[:clerks]
    digest = hash_password(password)  # one hash for every clerk: argon2 is slow on purpose
    users = [StaffUser(username=f"soak-{c.number}", display_name=f"Virkailija {c.number}", role="clerk",
                       password_hash=digest) for c in counters]
    session.add_all(users)
    session.flush()
    desks = [(c.id, c.number, issue_token(secret, u)) for c, u in zip(counters, users)]
if db.is_sqlite:
    with db.engine.connect() as connection:  # everything into the main file, to copy it
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
db.dispose()
print(json.dumps(desks))
"""


def seed_clerks(code: Path, url: str, secret: str) -> list[tuple[int, str, str]]:
    """Counters up to CLERKS at the demo site, a clerk for each; their ids, numbers and API tokens
    (signed with the server's secret key, as city_day.py does)."""
    done = subprocess.run([sys.executable, "-c", CLERK_SEED, url, secret, PASSWORD, str(CLERKS)],
                          capture_output=True, text=True, env=environment(code), check=True)
    return [tuple(desk) for desk in json.loads(done.stdout)]


# --- the displays: a client process of their own ----------------------------------------------------


def displays_process(conn, base: str, specs, opening: int, heartbeat_s: float) -> None:
    asyncio.run(_displays(conn, base, specs, opening, heartbeat_s))


async def _displays(conn, base: str, specs, opening: int, heartbeat_s: float) -> None:
    """Displays answering as live.js does, reconnecting with ``?seen=`` when their line closes.
    Commands: ("ready", timeout) → whether every display has had its first state; ("heard",) → the
    calls announced since the last ask, (display, number, counter, when), with the reconnections;
    ("close",) → None, closing them."""
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: commands.put_nowait(conn.recv()))
    gate = asyncio.Semaphore(opening)
    heard: list[tuple[int, str, str, float]] = []
    closes: list[str] = []
    screens: list[Screen | None] = [None] * len(specs)

    def listener(n: int):
        def hear(message: str, now: float) -> None:
            if not message.startswith("{"):
                heard.extend((n, number, counter, now) for number, counter in ANNOUNCED.findall(message))
        return hear

    async def keep(n: int, path: str) -> None:
        seq, retries = 0, 0
        while True:
            screen = Screen(path + (f"&seen=demo:{seq}" if seq else ""), listener=listener(n))
            screen.seq, screens[n] = seq, screen
            await screen.run(base, gate, heartbeat_s)
            closes.append(screen.closed or "closed")
            seq, retries = screen.seq, retries + 1
            await asyncio.sleep(min(3.0, 0.25 * 2 ** min(retries, 4)) * random.uniform(0.5, 1.0))  # live.js's backoff

    tasks = [asyncio.create_task(keep(n, path)) for n, (path, _headers) in enumerate(specs)]
    while True:
        command, *args = await commands.get()
        if command == "ready":
            deadline = time.perf_counter() + args[0]
            while not all(s and s.ready for s in screens) and time.perf_counter() < deadline:
                await asyncio.sleep(0.1)
            conn.send(all(s and s.ready for s in screens))
        elif command == "heard":
            conn.send((heard[:], closes[:]))
            heard.clear()
            closes.clear()
        elif command == "close":
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            conn.send(None)
            return


# --- the week's shared state -----------------------------------------------------------------------


@dataclass
class Call:
    t0: float  # just before the call-next request
    waiting: set[int]  # displays that have not announced it yet


@dataclass
class Week:
    """What the clients did and saw; ``latency`` is the current window's (city_day.timed fills it)."""
    displays: list[int]
    latency: defaultdict = field(default_factory=lambda: defaultdict(list))
    whole: defaultdict = field(default_factory=lambda: defaultdict(list))  # every window's, for the report
    statuses: dict[str, int] = field(default_factory=dict)  # "what status" → count, the unexpected ones
    errors_5xx: int = 0
    issued: dict[str, float] = field(default_factory=dict)  # ticket → when the kiosk had it
    kiosk_s: float = 0.0  # the days' seconds the kiosk worked
    kiosk_held_s: float = 0.0  # of which held back, HOLD_AT waiting
    waiting: dict[str, None] = field(default_factory=dict)  # issued, not yet called (the kiosk's hold)
    called_at: dict[str, float] = field(default_factory=dict)  # ticket → t0 of its call
    calls: int = 0
    finished: int = 0
    open_calls: dict[tuple[str, str], Call] = field(default_factory=dict)  # (number, counter) → its call
    early: list[tuple[tuple[str, str], int, float]] = field(default_factory=list)  # heard before the clerk knew
    announced: int = 0  # (call, display) pairs announced
    missed: int = 0  # (call, display) pairs never announced
    display_reconnects: int = 0
    display_closes: list[str] = field(default_factory=list)
    followed: set[str] = field(default_factory=set)  # tickets a phone follows or followed
    phone_ready: dict[str, float] = field(default_factory=dict)
    phone_moved: dict[str, float] = field(default_factory=dict)  # ticket → its phone's first push past waiting
    phone_tickets: int = 0
    stream_connections: int = 0
    stream_events: int = 0
    stream_gaps: int = 0
    stream_resyncs: int = 0

    def unexpected(self, what: str) -> None:
        self.statuses[what] = self.statuses.get(what, 0) + 1

    def check(self, what: str, reply, *expected: int) -> bool:
        """Whether the answer was one of ``expected``; counts it otherwise (a failed request was counted
        by ``timed``)."""
        if reply is None:
            return False
        if reply.status in expected:
            return True
        self.unexpected(f"{what} {reply.status}")
        self.errors_5xx += reply.status >= 500
        return False

    def called(self, ticket: str, number: str, counter: str, t0: float) -> None:
        self.calls += 1
        self.called_at[ticket] = t0
        self.waiting.pop(ticket, None)
        earlier = self.open_calls.pop((number, counter), None)
        if earlier is not None:  # the same number at the same counter again (numbers start over after 999)
            self.missed += len(earlier.waiting)
        self.open_calls[(number, counter)] = Call(t0, set(self.displays))
        for key, display, when in [e for e in self.early if e[0] == (number, counter) and e[2] >= t0]:
            self.heard(display, *key, when)
        self.early = [e for e in self.early if e[0] != (number, counter)]
        self.phone_timed(ticket)

    def heard(self, display: int, number: str, counter: str, when: float) -> None:
        call = self.open_calls.get((number, counter))
        if call is None or when < call.t0:
            self.early.append(((number, counter), display, when))
            return
        if display in call.waiting:
            call.waiting.discard(display)
            self.announced += 1
            self.latency["call → display"].append(when - call.t0)
            if not call.waiting:
                del self.open_calls[(number, counter)]

    def phone_timed(self, ticket: str) -> None:
        """Call → phone, once both the call and the phone's push are known, for a phone that was
        following the ticket before its call."""
        t0, moved = self.called_at.get(ticket), self.phone_moved.get(ticket)
        if t0 is not None and moved is not None and self.phone_ready.get(ticket, math.inf) < t0:
            self.latency["call → phone"].append(moved - t0)

    def close_window(self) -> dict[str, list[float]]:
        window, self.latency = self.latency, defaultdict(list)
        for kind, values in window.items():
            self.whole[kind] += values
        self.early = [e for e in self.early if e[2] > time.perf_counter() - 60]
        return window


# --- the clients ---------------------------------------------------------------------------------------


async def clerk(port: int, week: Week, desk: tuple[int, str, str], day_end: float, rng: random.Random) -> None:
    """Opens the counter; reads the queue, calls, lets the customer walk up, serves a few seconds,
    finishes, pauses a moment; at the day's end finishes the customer and closes the counter."""
    counter_id, _number, token = desk
    auth = {"Authorization": f"Bearer {token}"}
    connection = Connection(port)
    reply = await timed(week, "open/close", connection, "POST", f"/api/v1/counters/{counter_id}/open",
                        json_body={"services": list(SERVICES)}, headers=auth)
    week.check("open counter", reply, 200)
    while time.perf_counter() < day_end:
        reply = await timed(week, "queue read", connection, "GET", "/api/v1/sites/demo/queue", headers=auth)
        week.check("queue read", reply, 200)
        t0 = time.perf_counter()
        reply = await timed(week, "call-next", connection, "POST", f"/api/v1/counters/{counter_id}/call-next",
                            headers=auth)
        if not week.check("call-next", reply, 200, 204) or reply.status == 204:
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            continue
        body = reply.json()
        week.called(body["id"], body["number"], body["counter"]["number"], t0)
        await asyncio.sleep(rng.uniform(0.3, 1.5))  # the customer walks up
        for action, json_body, then in (("start", None, rng.uniform(2.0, 6.0)),
                                        ("finish", {"outcome": "resolved"}, rng.uniform(0.5, 2.0))):
            reply = await timed(week, "start/finish", connection, "POST", f"/api/v1/tickets/{body['id']}/{action}",
                                json_body=json_body, headers=auth)
            week.check(action, reply, 200)
            await asyncio.sleep(then)  # serving; then a moment before the next
        week.finished += 1
    reply = await timed(week, "open/close", connection, "POST", f"/api/v1/counters/{counter_id}/close", headers=auth)
    week.check("close counter", reply, 200)
    connection.close()


async def kiosk(port: int, week: Week, day_end: float, rng: random.Random) -> None:
    """About KIOSK_PER_S tickets a second, held back while HOLD_AT or more wait."""
    connection = Connection(port)
    due = began = time.perf_counter()
    while time.perf_counter() < day_end:
        if len(week.waiting) >= HOLD_AT:
            held = time.perf_counter()
            await asyncio.sleep(0.1)
            due = time.perf_counter()
            week.kiosk_held_s += due - held
            continue
        reply = await timed(week, "ticket POST", connection, "POST", "/api/v1/sites/demo/tickets", json_body={
            "service": rng.choice(SERVICES), "lang": rng.choices(("fi", "sv", "en"), (80, 15, 5))[0], "print": True})
        if week.check("ticket POST", reply, 201):
            ticket = reply.json()["id"]
            week.issued[ticket] = time.perf_counter()
            week.waiting[ticket] = None
        # Paced, not a burst after a slow answer: a person at the kiosk takes a moment.
        due = max(due + 1 / KIOSK_PER_S, time.perf_counter())
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
    week.kiosk_s += time.perf_counter() - began
    connection.close()


async def phone(port: int, week: Week, rng: random.Random) -> None:
    """A visitor's phone: the ticket's page, then its websocket (live.js's), until the page says the
    visit is over; then another waiting ticket no phone follows. Runs until cancelled."""
    base = f"ws://127.0.0.1:{port}"
    connection = Connection(port)
    try:
        while True:
            choices = [t for t in week.waiting if t not in week.followed]
            if not choices:
                await asyncio.sleep(0.5)
                continue
            ticket = rng.choice(choices)
            week.followed.add(ticket)
            page = await timed(week, "phone page", connection, "GET", f"/t/{ticket}?lang=fi")
            if not week.check("phone page", page, 200):
                await asyncio.sleep(1.0)
                continue
            live = DATA_LIVE.search(page.body.decode())
            if live is None:  # the visit ended already: the page is no longer live
                continue
            week.phone_tickets += 1
            ended, pushed = asyncio.Event(), []

            def listen(message: str, now: float, ticket=ticket, ended=ended, pushed=pushed) -> None:
                if message.startswith("{"):
                    if pushed and ticket not in week.phone_ready:
                        week.phone_ready[ticket] = now
                    return
                pushed.append(now)
                state = STATE.search(message)
                if state is None:  # the figures alone
                    return
                if state.group(1) != "waiting" and ticket not in week.phone_moved:
                    week.phone_moved[ticket] = now
                    week.phone_timed(ticket)
                if state.group(1) not in OPEN:
                    ended.set()

            screen = Screen(html.unescape(live.group(1)), listener=listen)
            beat = float(live.group(2) or 10)
            task = asyncio.create_task(screen.run(base, None, beat))
            waiter = asyncio.create_task(ended.wait())
            try:
                await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
            finally:
                task.cancel()
                waiter.cancel()
                await asyncio.gather(task, waiter, return_exceptions=True)
            if screen.closed:
                week.unexpected(f"phone socket: {screen.closed[:80]}")
    finally:
        connection.close()


async def event_stream(port: int, week: Week, delay_s: float) -> None:
    """An integration on ``/api/v1/sites/demo/events`` (docs/api.md), connecting again every
    STREAM_RECONNECT_S with ``?seen=``; counts events, gaps in ``seq`` and resyncs. Runs until cancelled."""
    await asyncio.sleep(delay_s)
    seen = 0
    while True:
        path = "/api/v1/sites/demo/events" + (f"?seen=demo:{seen}" if seen else "")
        until = time.perf_counter() + STREAM_RECONNECT_S
        try:
            async with connect(f"ws://127.0.0.1:{port}{path}", open_timeout=30, close_timeout=2) as ws:
                week.stream_connections += 1
                while (left := until - time.perf_counter()) > 0:
                    try:
                        message = json.loads(await asyncio.wait_for(ws.recv(), left))
                    except TimeoutError:
                        break
                    if message.get("type") in ("heartbeat", "resync"):
                        week.stream_resyncs += message["type"] == "resync"
                        seen = message["seq"].get("demo", seen)
                        continue
                    if seen and message["seq"] != seen + 1:
                        week.stream_gaps += 1
                    seen = message["seq"]
                    week.stream_events += 1
        except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as exc:
            week.unexpected(f"event stream: {exc.__class__.__name__}")
            await asyncio.sleep(1.0)


# --- sampling ---------------------------------------------------------------------------------------


def proc_figures(pid: int) -> dict:
    """A process's resident memory (MB), open file descriptors and threads, from /proc."""
    try:
        threads = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                       if line.startswith("Threads:"))
        return {"rss_mb": peak_rss_kb(pid, "VmRSS") / 1024, "fds": len(os.listdir(f"/proc/{pid}/fd")),
                "threads": threads, "cpu_s": cpu_seconds(pid)}
    except (OSError, StopIteration):
        return {}


async def worker_metrics(port: int, pids: list[int], tries: int = 8) -> dict[int, dict]:
    """Each worker's own ``luukku_worker_*`` figures from /metrics: Python objects, garbage
    collections and their pauses per generation. A new connection per request, so that with two
    workers either may answer; asked until every worker has, at most ``tries`` times. A worker's
    figures are absent where its server has no such families (before issue 24's change)."""
    found: dict[int, dict] = {}
    for _ in range(tries):
        connection = Connection(port)
        try:
            reply = await asyncio.wait_for(connection.request("GET", "/metrics"), 30)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            continue
        finally:
            connection.close()
        if reply.status != 200:
            continue
        for name, labels, value in WORKER_FIGURE.findall(reply.body.decode()):
            labels = dict(LABEL.findall(labels))
            worker = int(labels.get("worker", 0))
            figures = found.setdefault(worker, {})
            if "generation" in labels:
                figures.setdefault(name, [None, None, None])[int(labels["generation"])] = float(value)
            else:
                figures[name] = float(value)
        if all(pid in found for pid in pids):
            break
    return found


class Database:
    """The database's size and its write-ahead log, read from outside the server."""

    def __init__(self, url: str, pg_name: str | None):
        self.pg_name = pg_name
        self.path = Path(url.removeprefix("sqlite:///")) if pg_name is None else None
        self.wal_via = "the file"
        self.lsn_start: str | None = None

    def _pg(self):
        return psycopg.connect(pg_url(self.pg_name).replace("postgresql+psycopg://", "postgresql://"), autocommit=True)

    def sizes(self) -> dict:
        if self.path is not None:
            wal = self.path.with_name(self.path.name + "-wal")
            return {"db_mb": self.path.stat().st_size / 2**20, "wal_mb": wal.stat().st_size / 2**20 if wal.exists() else 0.0}
        with self._pg() as db:
            size = db.execute("SELECT pg_database_size(current_database())").fetchone()[0]
            if self.wal_via != "lsn":
                try:  # the WAL directory's size: superusers and pg_monitor only
                    # sum() of bigints is numeric: a Decimal, which the samples' JSON cannot hold
                    wal = float(db.execute("SELECT sum(size) FROM pg_ls_waldir()").fetchone()[0])
                    self.wal_via = "pg_ls_waldir()"
                    return {"db_mb": size / 2**20, "wal_mb": wal / 2**20}
                except psycopg.errors.InsufficientPrivilege:
                    self.wal_via = "lsn"
            if self.lsn_start is None:
                self.lsn_start = db.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
            written = db.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)",
                                 (self.lsn_start,)).fetchone()[0]
            return {"db_mb": size / 2**20, "wal_written_mb": float(written) / 2**20}

    def tickets(self) -> set[str]:
        if self.path is not None:
            with sqlite3.connect(self.path) as db:
                return {row[0] for row in db.execute("SELECT public_id FROM ticket")}
        with self._pg() as db:
            return {row[0] for row in db.execute("SELECT public_id FROM ticket")}


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": percentile(values, .5), "p95": percentile(values, .95),
            "p99": percentile(values, .99), "max": max(values, default=math.nan)}


async def sample(server: Server, week: Week, database: Database, began: float, phase: str) -> dict:
    workers = server.worker_pids()
    figures = await worker_metrics(server.port, workers)
    sizes = await asyncio.to_thread(database.sizes)
    window = week.close_window()
    return {
        "t": time.perf_counter() - began, "phase": phase,
        # /proc's figures over /metrics's of the same (luukku_worker_threads): read at one moment with the rest
        "workers": {str(pid): {**figures.get(pid, {}), **proc_figures(pid)} for pid in workers},
        **sizes,
        "latency": {kind: summary(values) for kind, values in window.items()},
        # CPU seconds so far: the server's processes, and the whole machine's (others' work shows as the rest)
        "server_cpu_s": sum(cpu_seconds(pid) for pid in server.pids()), "machine_cpu_s": machine_cpu_seconds(),
        "waiting": len(week.waiting), "issued": len(week.issued), "calls": week.calls,
        "open_calls": len(week.open_calls), "errors_5xx": week.errors_5xx,
    }


async def sampler(server: Server, week: Week, database: Database, began: float, every_s: float,
                  samples: list[dict], phase: list[str], save) -> None:
    """A sample every ``every_s``; the samples saved and a line printed every minute. Runs until cancelled."""
    last_said = 0.0
    while True:
        samples.append(await sample(server, week, database, began, phase[0]))
        if samples[-1]["t"] - last_said >= 60:
            last_said = samples[-1]["t"]
            print(progress(samples[-1]), file=sys.stderr)
            await asyncio.to_thread(save)
        await asyncio.sleep(max(0.0, began + len(samples) * every_s - time.perf_counter()))


def progress(s: dict) -> str:
    workers = s["workers"].values()
    rss = " + ".join(f"{w.get('rss_mb', math.nan):.0f}" for w in workers)
    objects = " + ".join(f"{w['python_objects'] / 1000:.0f}k" if "python_objects" in w else "n/a" for w in workers)
    display = s["latency"].get("call → display", {}).get("p99", math.nan)
    return (f"  {s['t'] / 60:5.1f} min {s['phase']}: RSS {rss} MB, objects {objects}, waiting {s['waiting']}, "
            f"calls {s['calls']}, call → display p99 {ms(display)} ms, 5xx {s['errors_5xx']}")


async def poll_displays(displays: Clients, week: Week, stop: asyncio.Event) -> None:
    """The displays' announcements, matched to the clerks' calls every half second, until ``stop``
    (not cancelled: a question left unanswered in the pipe would be another's answer)."""
    while not stop.is_set():
        for announced, closes in await displays.ask("heard"):
            for display, number, counter, when in announced:
                week.heard(display, number, counter, when)
            week.display_reconnects += len(closes)
            week.display_closes += closes[:3]
        await asyncio.sleep(0.5)


# --- the week ----------------------------------------------------------------------------------------


async def run_week(server: Server, week: Week, desks: list, database: Database, minutes: float, every_s: float,
                   samples: list[dict], save, seed_: int) -> dict:
    rng = random.Random(seed_)
    displays = Clients(server.url.replace("http://", "ws://"), [(DISPLAY_PATH, None)] * DISPLAYS, 1,
                       target=displays_process)
    background: list[asyncio.Task] = []
    stop_polling, polling = asyncio.Event(), None
    facts: dict = {}
    try:
        if not all(await displays.ask("ready", 120)):
            week.unexpected("a display without its first state within 120 s")
        week.close_window()
        postgres = postmaster_pid() if database.pg_name else None
        cpu = lambda: {"server": sum(cpu_seconds(pid) for pid in server.pids()),  # noqa: E731
                       "postgresql": family_cpu_seconds(postgres) if postgres else 0.0,
                       "bench": own_cpu_s() + displays.cpu_seconds(), "machine": machine_cpu_seconds()}
        cpu_before = cpu()
        began = time.perf_counter()
        phase = ["start"]
        polling = asyncio.create_task(poll_displays(displays, week, stop_polling))
        background += [asyncio.create_task(sampler(server, week, database, began, every_s, samples, phase, save))]
        background += [asyncio.create_task(event_stream(server.port, week, n * STREAM_RECONNECT_S / STREAMS))
                       for n in range(STREAMS)]
        background += [asyncio.create_task(phone(server.port, week, random.Random(rng.random())))
                       for _ in range(PHONES)]
        day_s = minutes * 60 / DAYS / (1 + NIGHT_SHARE)
        for day in range(DAYS):
            start = began + day * day_s * (1 + NIGHT_SHARE)
            phase[0] = f"day {day + 1}"
            await asyncio.gather(kiosk(server.port, week, start + day_s, random.Random(rng.random())),
                                 *(clerk(server.port, week, desk, start + day_s, random.Random(rng.random()))
                                   for desk in desks))
            phase[0] = f"night {day + 1}"
            await asyncio.sleep(max(0.0, start + day_s * (1 + NIGHT_SHARE) - time.perf_counter()))
        facts["week_s"] = time.perf_counter() - began
        facts["cpu_s"] = {what: seconds - cpu_before[what] for what, seconds in cpu().items()}
        # Late announcements are timed, not counted missed: up to SETTLE_S for the last calls.
        deadline = time.perf_counter() + SETTLE_S
        while week.open_calls and time.perf_counter() < deadline:
            await asyncio.sleep(0.5)
        phase[0] = "end"
        samples.append(await sample(server, week, database, began, phase[0]))
    finally:
        # Cancelled again until done: Python 3.11's asyncio.wait_for can swallow a cancellation that
        # comes as its awaitable finishes (CPython gh-86296), and once the sampler ran on for minutes.
        while pending := [task for task in background if not task.done()]:
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=1)
        await asyncio.gather(*background, return_exceptions=True)
        stop_polling.set()
        if polling is not None:
            await asyncio.gather(polling, return_exceptions=True)
        await displays.close()
    week.missed += sum(len(call.waiting) for call in week.open_calls.values())
    week.close_window()
    return facts


# --- running it ----------------------------------------------------------------------------------------


def run_config(config: str, code: Path, tmp: Path, templates: dict, desks: list, secret: str, args,
               samples: list[dict], save) -> dict:
    kind, workers = CONFIGS[config]
    scratch = tmp / config
    scratch.mkdir()
    week = Week(displays=list(range(DISPLAYS)))
    result: dict = {"config": config, "name": NAMES[config], "problems": []}
    if args.quiet_wait and not wait_until_quiet(args.quiet_wait):
        print(f"the machine is still busy after {args.quiet_wait:.0f} s; measuring anyway", file=sys.stderr)
    with demo_database(kind, templates, scratch) as (url, pg_name):
        database = Database(url, pg_name)
        server = Server(code, url, workers, scratch, tmp / "prints", **BENCH_SETTINGS, secret_key=secret)
        try:
            server.wait_until_serving()
            wait_for_workers(server, workers)
            result |= asyncio.run(run_week(server, week, desks, database, args.minutes, args.every, samples, save,
                                           args.seed))
            missing = set(week.issued) - database.tickets()
            result["lost_tickets"] = len(missing)
        except (RuntimeError, OSError) as exc:
            result["problems"].append(f"stopped: {exc.__class__.__name__}: {exc}")
        finally:
            server.stop()
        result["problems"] += [f"server log: {line[:300]}" for line in server.log_problems()[:8]]
        if result["problems"]:
            print("--- the server's log, last lines ---\n"
                  + "\n".join(server.log.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
    lost_phones = sum(1 for ticket, t0 in week.called_at.items()
                      if week.phone_ready.get(ticket, math.inf) < t0 and ticket not in week.phone_moved)
    result |= {
        "wal_via": database.wal_via, "issued": len(week.issued), "calls": week.calls, "finished": week.finished,
        "kiosk_s": week.kiosk_s, "kiosk_held_s": week.kiosk_held_s,
        "announced": week.announced, "missed_calls": week.missed, "lost_phones": lost_phones,
        "errors_5xx": week.errors_5xx, "unexpected": week.statuses, "display_reconnects": week.display_reconnects,
        "display_closes": week.display_closes[:5], "phone_tickets": week.phone_tickets,
        "stream_connections": week.stream_connections, "stream_events": week.stream_events,
        "stream_gaps": week.stream_gaps, "stream_resyncs": week.stream_resyncs,
        "latency": {kind: summary(values) for kind, values in week.whole.items()},
    }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 minutes per configuration, the same shape")
    parser.add_argument("--write", action="store_true",
                        help=f"update each configuration's section of {PERFORMANCE.name} and its chart")
    parser.add_argument("--configs", default="sqlite,postgresql2",
                        help="comma-separated: sqlite (1 worker), postgresql2 (PostgreSQL, 2 workers); one after the other")
    parser.add_argument("--minutes", type=float, help="wall minutes per configuration, the five days and nights (default 60)")
    parser.add_argument("--every", type=float, default=5.0, metavar="S", help="seconds between samples (default 5)")
    parser.add_argument("--samples", type=Path, metavar="FILE",
                        help="where the samples go, as JSON (default: a new file under $TMPDIR/luukku-soak/)")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--quiet-wait", type=float, default=60, metavar="S",
                        help="before each server, wait up to S seconds for the machine to be idle for 5 s (default 60)")
    parser.add_argument("--worktree", action="store_true",
                        help="run the checkout's files as they are, not those of its last commit")
    parser.add_argument("--commit", default="HEAD", help="run the application as of this commit")
    args = parser.parse_args(argv)
    if args.quick and args.write:
        parser.error("--quick checks that it runs; its four minutes are not figures for --write")
    args.minutes = args.minutes or (4.0 if args.quick else 60.0)
    configs = args.configs.split(",")
    if unknown := [c for c in configs if c not in CONFIGS]:
        parser.error(f"unknown configuration {', '.join(unknown)} (sqlite, postgresql2)")
    command = " ".join(["scripts/bench soak", *(sys.argv[1:] if argv is None else argv)])
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out = args.samples or Path(tempfile.gettempdir()) / "luukku-soak" / f"soak-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"samples go to {out}", file=sys.stderr)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # the screens' sockets; inherited by the server
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    if "postgresql2" in configs:
        require_postgresql("scripts/bench soak")

    runs: dict[str, dict] = {}
    document = {"command": command, "started": stamp, "minutes": args.minutes, "every_s": args.every, "configs": runs}

    def save() -> None:
        out.write_text(json.dumps(plain(document)))

    reports = []
    with tempfile.TemporaryDirectory(prefix="luukku-soak-") as tmp, pg_database() as pg_template:
        tmp = Path(tmp)
        code = tmp / "code"
        measured = code_to_measure(code, args.worktree, args.commit)
        document["commit"] = measured
        print(f"measuring commit {measured}", file=sys.stderr)
        secret = secrets.token_hex(32)
        templates, desks = {"sqlite": str(tmp / "template.db"), "postgresql": pg_template}, {}
        for kind in {CONFIGS[c][0] for c in configs}:
            url = f"sqlite:///{templates['sqlite']}" if kind == "sqlite" else pg_url(pg_template)
            seed(code, url, tmp / "prints", printer="agent")
            desks[kind] = seed_clerks(code, url, secret)
        for config in configs:
            began = time.perf_counter()
            samples: list[dict] = []
            runs[config] = {"samples": samples}
            print(f"{NAMES[config]}: {args.minutes:g} min", file=sys.stderr)
            result = run_config(config, code, tmp, templates, desks[CONFIGS[config][0]], secret, args, samples, save)
            runs[config]["result"] = result
            save()
            chart = out.with_name(f"{out.stem}-{config}.svg")
            chart.write_text(draw(config, samples, args.minutes))
            body = report(result, samples, args)
            print(f"\n## {NAMES[config]}\n\n{body}\n")
            print(f"{NAMES[config]}: {time.perf_counter() - began:.0f} s; chart {chart}", file=sys.stderr)
            reports.append(config)
            if args.write:
                CHARTS.mkdir(exist_ok=True)
                (CHARTS / f"soak-{config}.svg").write_text(chart.read_text())
                run_line = run_stamp(command, f"{measured}; {NAMES[config]}, {args.minutes:g} min")
                write_section(f"soak-{config}", f"A working week: {NAMES[config]} (issue 24)",
                              f"{run_line}\n\n![RSS and Python objects per worker, and call → display p99, "
                              f"over the run](performance/soak-{config}.svg)\n\n{body}")
                print(f"updated {PERFORMANCE} and {CHARTS / f'soak-{config}.svg'}", file=sys.stderr)
    print(f"samples: {out}", file=sys.stderr)
    return 0


# --- the report and the chart ----------------------------------------------------------------------------


def plain(value):
    """``value`` for JSON: NaN (a percentile of nothing) as null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of (seconds, value), per hour."""
    if len(points) < 3:
        return math.nan
    n = len(points)
    mt, mv = sum(t for t, _ in points) / n, sum(v for _, v in points) / n
    spread = sum((t - mt) ** 2 for t, _ in points)
    return math.nan if spread == 0 else sum((t - mt) * (v - mv) for t, v in points) / spread * 3600


def per_worker(samples: list[dict], figure: str) -> dict[str, list[tuple[float, float]]]:
    """Each worker's (seconds, figure) over the samples where it has the figure."""
    found: dict[str, list] = {}
    for s in samples:
        for pid, figures in s["workers"].items():
            if figures.get(figure) is not None:
                found.setdefault(pid, []).append((s["t"], figures[figure]))
    return found


def report(result: dict, samples: list[dict], args) -> str:
    end = samples[-1]["t"] if samples else 0.0
    each = lambda values, fmt: " + ".join(fmt(v) for v in values) or "–"  # noqa: E731

    def level(figure: str, fmt, growth=None) -> list[str]:
        """At the start, after 10 minutes, at the end; the growth per hour over the last half."""
        series = per_worker(samples, figure)
        if not series:
            return ["n/a"] * 4
        at = lambda t: [next((v for s, v in points if s >= t), None) for points in series.values()]  # noqa: E731
        after_10 = at(600) if end >= 600 else []
        return [each([p[0][1] for p in series.values()], fmt), each([v for v in after_10 if v is not None], fmt),
                each([p[-1][1] for p in series.values()], fmt),
                each([slope_per_hour([(t, v) for t, v in p if t >= end / 2]) for p in series.values()],
                     growth or (lambda v: f"{v:+,.0f}" if figure != "rss_mb" else f"{v:+.1f}"))]

    rss, objects = level("rss_mb", lambda v: f"{v:.0f}"), level("python_objects", lambda v: f"{v / 1000:.0f}k")
    fds, threads = level("fds", lambda v: f"{v:.0f}"), level("threads", lambda v: f"{v:.0f}")
    sqlite = level("sqlite_bytes", lambda v: f"{v / 1e6:.1f}", lambda v: f"{v / 1e6:+.1f}")
    heap_used = level("malloc_in_use_bytes", lambda v: f"{v / 1e6:.1f}", lambda v: f"{v / 1e6:+.1f}")
    heap_free = level("malloc_free_bytes", lambda v: f"{v / 1e6:.1f}", lambda v: f"{v / 1e6:+.1f}")
    first, last = (samples[0], samples[-1]) if samples else ({}, {})
    gc_full = [figures.get("gc_collections_total", [None] * 3)[2] for figures in last.get("workers", {}).values()]
    gc_pause = [figures.get("gc_pause_seconds_total", [None] * 3) for figures in last.get("workers", {}).values()]
    gc_longest = [figures.get("gc_longest_pause_seconds", [None] * 3) for figures in last.get("workers", {}).values()]
    wal = ("WAL (file) MB" if "wal_mb" in last else "WAL written MB (cluster, pg_current_wal_lsn)")
    wal_values = (f"{first.get('wal_mb', 0):.1f} → {last.get('wal_mb', 0):.1f}" if "wal_mb" in last
                  else f"{last.get('wal_written_mb', math.nan):.0f}")
    lines = [
        f"Five days and nights in {args.minutes:g} minutes ({end / 60:.1f} min sampled every {args.every:g} s): "
        f"{CLERKS} clerks (API tokens) reading the queue, calling, starting and finishing with short pauses "
        f"(service 2–6 s), one kiosk at {KIOSK_PER_S:g} tickets a second held back while {HOLD_AT} wait, "
        f"{DISPLAYS} displays, {PHONES} phones moving on to a new ticket when theirs ends, {STREAMS} API event "
        f"streams reconnecting every {STREAM_RECONNECT_S:g} s. Per worker (several: joined by +): resident memory "
        "(VmRSS), Python objects the collector tracks (/metrics), file descriptors and threads (/proc); growth: "
        "the least-squares slope over the last half of the run.",
        "",
        "| per worker | at the start | after 10 min | at the end | growth per hour, last half |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| RSS MB | {rss[0]} | {rss[1]} | {rss[2]} | **{rss[3]}** |",
        f"| Python objects | {objects[0]} | {objects[1]} | {objects[2]} | **{objects[3]}** |",
        f"| file descriptors | {fds[0]} | {fds[1]} | {fds[2]} | {fds[3]} |",
        f"| threads | {threads[0]} | {threads[1]} | {threads[2]} | {threads[3]} |",
        f"| SQLite's memory MB | {sqlite[0]} | {sqlite[1]} | {sqlite[2]} | {sqlite[3]} |",
        f"| C heap in use MB | {heap_used[0]} | {heap_used[1]} | {heap_used[2]} | {heap_used[3]} |",
        f"| C heap free MB | {heap_free[0]} | {heap_free[1]} | {heap_free[2]} | {heap_free[3]} |",
        "",
        f"Database {first.get('db_mb', math.nan):.1f} → {last.get('db_mb', math.nan):.1f} MB; {wal} {wal_values}. "
        f"Full collections (generation 2) by the end: {each(gc_full, lambda v: 'n/a' if v is None else f'{v:.0f}')}; "
        f"time in collections, generations 0/1/2: "
        f"{each(gc_pause, lambda p: 'n/a' if p[0] is None else '/'.join(f'{x:.2f}' for x in p) + ' s')}; "
        f"the longest one, generations 0/1/2: "
        f"{each(gc_longest, lambda p: 'n/a' if p[0] is None else '/'.join(f'{x * 1000:.0f}' for x in p) + ' ms')} "
        "(the collecting thread's CPU time since 8457587, wall time before: server/garbage.py).",
        "",
        "| latency, whole run | count | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in LATENCIES:
        s = result.get("latency", {}).get(kind, summary([]))
        lines.append(f"| {kind} | {s['n']:,} | {ms(s['p50'])} | {ms(s['p95'])} | **{ms(s['p99'])}** | {ms(s['max'])} |")
    lines += [
        "",
        "| tickets issued | calls | finished | missed calls (call × display) | phones lost | lost tickets | 5xx "
        "| other unexpected | display reconnects | phones' tickets | stream connections (events, gaps, resyncs) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| {result.get('issued', 0):,} | {result.get('calls', 0):,} | {result.get('finished', 0):,} "
        f"| **{result.get('missed_calls', '–')}** | **{result.get('lost_phones', '–')}** "
        f"| **{result.get('lost_tickets', '–')}** | **{result.get('errors_5xx', '–')}** "
        f"| {sum(result.get('unexpected', {}).values()) - result.get('errors_5xx', 0)} "
        f"| {result.get('display_reconnects', 0)} | {result.get('phone_tickets', 0)} "
        f"| {result.get('stream_connections', 0)} ({result.get('stream_events', 0):,}, {result.get('stream_gaps', 0)}, "
        f"{result.get('stream_resyncs', 0)}) |",
    ]
    cpu, week_s = result.get("cpu_s", {}), result.get("week_s", math.nan)
    others = cpu.get("machine", math.nan) - sum(cpu.get(k, 0.0) for k in ("server", "postgresql", "bench"))
    kiosk_s, held_s = result.get("kiosk_s", 0.0), result.get("kiosk_held_s", 0.0)
    lines += [
        "",
        f"The kiosk issued {result.get('issued', 0) / kiosk_s if kiosk_s else math.nan:.1f} tickets a second of "
        f"the days ({(result.get('issued', 0) / (kiosk_s - held_s)) if kiosk_s > held_s else math.nan:.1f} while "
        f"not held back; held back {held_s / kiosk_s * 100 if kiosk_s else math.nan:.0f} % of the time). "
        f"CPU over the week's {week_s:.0f} s, in cores on average: the server "
        f"{cpu.get('server', math.nan) / week_s:.2f}, PostgreSQL {cpu.get('postgresql', math.nan) / week_s:.2f}, "
        f"the benchmark's clients {cpu.get('bench', math.nan) / week_s:.2f}, everything else on the machine "
        f"{others / week_s:.2f} (others' work: over 0.2 the figures are partly theirs).",
    ]
    problems = [f"- {what}: {n}" for what, n in sorted(result.get("unexpected", {}).items())]
    problems += [f"- display line closed: {c}" for c in result.get("display_closes", [])]
    problems += [f"- {p}" for p in result.get("problems", [])]
    lines += ["", "Seen going wrong:", "", *problems] if problems else [
        "", "Seen going wrong: nothing (no unexpected answer, no socket closed, no warning or error in the server's log)."]
    return "\n".join(lines)


def draw(config: str, samples: list[dict], minutes: float) -> str:
    """Vega-Lite → SVG: each worker's RSS and Python objects over the run, and call → display p99 per
    window; the nights shaded."""
    names: dict[str, str] = {}  # pid → "worker 1", … in the order they appear
    rows = [{"minute": s["t"] / 60, "worker": names.setdefault(pid, f"worker {len(names) + 1} (pid {pid})"),
             "RSS MB": figures.get("rss_mb"), "Python objects": figures.get("python_objects")}
            for s in samples for pid, figures in s["workers"].items()]
    day = minutes / DAYS / (1 + NIGHT_SHARE)
    nights = {"values": [{"from": day * (n * (1 + NIGHT_SHARE) + 1), "to": day * (n + 1) * (1 + NIGHT_SHARE)}
                         for n in range(DAYS)]}
    p99 = [{"minute": s["t"] / 60, "p99 ms": s["latency"]["call → display"]["p99"] * 1000}
           for s in samples if s["latency"].get("call → display", {}).get("n")]

    week = {"domain": [0, minutes], "nice": False}  # the same minutes on every panel, nights aligned

    def panel(values: list[dict], y: str, color: bool) -> dict:
        encoding = {"x": {"field": "minute", "type": "quantitative", "title": "minutes", "scale": week},
                    "y": {"field": y, "type": "quantitative", "scale": {"zero": False}}}
        if color:
            encoding["color"] = {"field": "worker", "type": "nominal"}
        night = {"data": nights, "mark": {"type": "rect", "color": "#d8d8d8", "opacity": 0.5},
                 "encoding": {"x": {"field": "from", "type": "quantitative", "scale": week}, "x2": {"field": "to"}}}
        line = {"data": {"values": [v for v in values if v.get(y) is not None]},
                "mark": {"type": "line"}, "encoding": encoding}
        return {"width": 640, "height": 160, "layer": [night, line]}

    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": f"A working week: {NAMES[config]} (nights shaded)",
            "vconcat": [panel(rows, "RSS MB", True), panel(rows, "Python objects", True),
                        panel(p99, "p99 ms", False)]}
    import vl_convert  # here: the display process imports this module too, and needs none of its 84 MB

    return vl_convert.vegalite_to_svg(json.dumps(spec), allowed_base_urls=[])


if __name__ == "__main__":
    sys.exit(main())
