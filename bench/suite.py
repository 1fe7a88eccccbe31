"""The benchmark suite: six scenarios, each on SQLite (one worker) and on PostgreSQL (one and two
workers), in about three minutes.

1. Issue: kiosks taking tickets over HTTP (with the print job row), 1, 16 and 64 at once.
2. Call → screen: from a clerk's call-next request to the call arriving on every connected
   waiting-room display, with 10, 100 and 1,000 displays.
3. Race: 20 counters calling next at once until a queue of 5,000 is empty: duplicates and errors.
4. Memory: the resident memory of each worker idle and with 1,000 displays connected.
5. Booking: 100 citizens booking at once on a day with fewer seats than that.
6. Estimate quality: the simulated day's waiting-time estimate error (bench/simulate_day.py).

    scripts/bench               # all of it; prints Markdown
    scripts/bench --write       # and updates its section of docs/PERFORMANCE.md
    scripts/bench --quick       # smaller counts (a check that it all runs, not figures to publish)

How it works and what it leaves out: bench/README.md.
"""

import argparse
import asyncio
import json
import math
import random
import re
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from websockets.asyncio.client import connect as websockets_connect

from bench.live_fanout import Crowd, ms, num, percentile
from bench.luukku_server import (code_to_measure, PASSWORD, Server, cpu_seconds, demo_database, environment,
                                 family_cpu_seconds, machine_cpu_seconds, peak_rss_kb, pg_database, pg_url,
                                 postmaster_pid, require_postgresql, seed, wait_until_quiet)
from bench.performance import PERFORMANCE, run_stamp, write_section

CONFIGS = (("sqlite", 1), ("postgresql", 1), ("postgresql", 2))
SERVICES = ("advice", "housing", "payments", "e-services")  # the kiosks' tickets, in turn
RACE_COUNTERS = 20
CALL_COUNTER = 3
WAIT_S = 15.0  # a screen without its push this long after a call counts as missed


@dataclass(frozen=True)
class Sizes:
    kiosk_tickets: dict[int, int]  # kiosks at once → tickets in all
    screens: tuple[int, ...]
    screen_calls: dict[int, int]  # screens → calls timed
    race_tickets: int
    citizens: int


FULL = Sizes({1: 200, 16: 1600, 64: 1920}, (10, 100, 1000), {10: 10, 100: 10, 1000: 6}, 200, 100)
QUICK = Sizes({1: 20, 16: 64, 64: 128}, (10, 100), {10: 3, 100: 3}, 100, 40)


def config_name(database: str, workers: int) -> str:
    return f"{ {'sqlite': 'SQLite', 'postgresql': 'PostgreSQL'}[database]}, {workers} worker{'s' * (workers > 1)}"


# --- a lean HTTP client ------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


class Connection:
    """One keep-alive HTTP/1.1 connection, as a kiosk holds one.

    A few lines of our own rather than httpx: the clients share the machine's two CPUs with the
    server, and httpx spends several times the CPU per request, which would count against the server.
    """

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, *, json_body=None, form: dict | None = None,
                      headers: dict | None = None) -> Reply:
        reused = self.writer is not None
        try:
            return await self._request(method, path, json_body, form, headers)
        except (asyncio.IncompleteReadError, ConnectionResetError):
            if not reused:
                raise
            # The server closed the idle connection (uvicorn's keep-alive is 5 s): again on a new one,
            # as a browser does.
            self.close()
            return await self._request(method, path, json_body, form, headers)

    async def _request(self, method: str, path: str, json_body, form: dict | None, headers: dict | None) -> Reply:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        body, lines = b"", [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        if json_body is not None:
            body = json.dumps(json_body).encode()
            lines.append("Content-Type: application/json")
        elif form is not None:
            body = urlencode(form).encode()
            lines.append("Content-Type: application/x-www-form-urlencoded")
        if method != "GET":
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        reply_headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name:
                reply_headers[name.strip().lower()] = value.strip()
        if reply_headers.get("transfer-encoding") == "chunked":
            chunks = []
            while size := int((await self.reader.readline()).strip(), 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            data = b"".join(chunks)
        else:
            data = await self.reader.readexactly(int(reply_headers.get("content-length", 0)))
        if reply_headers.get("connection") == "close":
            self.close()
        return Reply(status, reply_headers, data)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def expect(reply: Reply, *statuses: int, what: str) -> Reply:
    if reply.status not in statuses:
        raise RuntimeError(f"{what}: {reply.status} {reply.body[:300]!r}")
    return reply


async def token(port: int, username: str) -> dict[str, str]:
    connection = Connection(port)
    reply = expect(await connection.request("POST", "/api/v1/token", json_body={
        "username": username, "password": PASSWORD}), 200, what=f"logging in as {username}")
    connection.close()
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


# --- the databases: the demo site, and a site of its own for the race ---------------------------

RACE_SEED = """
import sys
from server import queue
from server.db import Database
from server.events import record_event
from server.models import Counter, Service, Site, StaffUser
from server.staff import hash_password
from server import counters

url, password, tickets, desks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
db = Database(url)
with db.write() as session:
    site = Site(slug="race", name="Race", timezone="Europe/Helsinki")
    session.add(site)
    session.flush()
    service = Service(site_id=site.id, code="race", prefix="R", name_fi="Kilpa", name_sv="Kapplöpning",
                      name_en="Race", number_start=1, number_end=9999, service_min=5)
    session.add(service)
    session.add_all(Counter(site_id=site.id, number=str(n)) for n in range(1, desks + 1))
    digest = hash_password(password)  # one hash for every desk's clerk: argon2 is slow on purpose
    session.add_all(StaffUser(username=f"desk{n}", display_name=f"Desk {n}", role="clerk",
                              password_hash=digest) for n in range(1, desks + 1))
    session.flush()
    now = queue.utcnow()
    for _ in range(tickets):  # as the kiosk issues them, without the print job and the estimate
        ticket = queue.new_ticket(session, site, service, "fi", now)
        record_event(session, site, "ticket.issued", at=now, ticket=ticket, service=service)
if db.is_sqlite:
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
db.dispose()
"""


def seed_race(code: Path, url: str, tickets: int) -> None:
    import subprocess
    subprocess.run([sys.executable, "-c", RACE_SEED, url, PASSWORD, str(tickets), str(RACE_COUNTERS)],
                   env=environment(code), check=True)


# --- the scenarios -----------------------------------------------------------------------------


@dataclass
class Measured:
    """One scenario on one server."""
    config: str
    rows: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    profile: list[tuple[str, float]] = field(default_factory=list)


async def issue(server: Server, sizes: Sizes, out: Measured) -> None:
    """Kiosks, each on its own connection, taking tickets one after another as fast as answered."""
    postmaster = postmaster_pid() if server.database_url.startswith("postgresql") else None
    for kiosks, total in sizes.kiosk_tickets.items():
        latencies, statuses = [], {}

        async def kiosk(number: int) -> None:
            connection = Connection(server.port)
            try:
                for i in range(total // kiosks):
                    service = SERVICES[(number + i) % len(SERVICES)]
                    began = time.perf_counter()
                    reply = await connection.request("POST", "/api/v1/sites/demo/tickets", json_body={
                        "service": service, "lang": "fi", "print": True})
                    latencies.append(time.perf_counter() - began)
                    statuses[reply.status] = statuses.get(reply.status, 0) + 1
            finally:
                connection.close()

        # Where the machine's CPU went: the server, PostgreSQL, and the rest (the kiosks' client, mostly).
        cpu_before = sum(cpu_seconds(pid) for pid in server.pids())
        pg_before = family_cpu_seconds(postmaster) if postmaster else 0.0
        machine_before = machine_cpu_seconds()
        began = time.perf_counter()
        await asyncio.gather(*(kiosk(n) for n in range(kiosks)))
        elapsed = time.perf_counter() - began
        cpu = sum(cpu_seconds(pid) for pid in server.pids()) - cpu_before
        pg_cpu = family_cpu_seconds(postmaster) - pg_before if postmaster else 0.0
        machine = machine_cpu_seconds() - machine_before
        done = statuses.get(201, 0)
        out.rows.append({"kiosks": kiosks, "tickets": done, "seconds": elapsed, "rate": done / elapsed,
                         "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
                         "cpu_ms": cpu * 1000 / max(done, 1), "pg_ms": pg_cpu * 1000 / max(done, 1) if postmaster else math.nan,
                         "rest_ms": (machine - cpu - pg_cpu) * 1000 / max(done, 1), "busy": machine / elapsed})
        errors = {s: n for s, n in statuses.items() if s != 201}
        if errors:
            out.problems.append(f"{kiosks} kiosks: answers other than 201: {errors}")


async def call_to_screen(server: Server, sizes: Sizes, out: Measured, memory: Measured) -> None:
    """Displays connected in steps of 10, 100, 1,000; at each step a clerk calls customers and each
    display's first push after the call-next request is timed."""
    auth = await token(server.port, "clerk")
    clerk = Connection(server.port)
    expect(await clerk.request("POST", f"/api/v1/counters/{CALL_COUNTER}/open", json_body={"services": ["advice"]},
                               headers=auth), 200, what="opening the counter")
    for _ in range(sum(sizes.screen_calls.values()) + 6):
        expect(await clerk.request("POST", "/api/v1/sites/demo/tickets", json_body={"service": "advice"}), 201,
               what="a ticket to call")
    # One call before any is timed, and before the idle memory is read: the first rendering of the
    # display's templates after the start is not what a call costs.
    async with websockets_connect(server.url.replace("http://", "ws://") + "/display/demo/ws?lang=fi,sv"):
        reply = expect(await clerk.request("POST", f"/api/v1/counters/{CALL_COUNTER}/call-next", headers=auth), 200,
                       what="call-next")
        for action, body in (("start", None), ("finish", {"outcome": "resolved"})):
            expect(await clerk.request("POST", f"/api/v1/tickets/{reply.json()['id']}/{action}", json_body=body,
                                       headers=auth), 200, what=action)
    await asyncio.sleep(1.0)  # the workers settle after start (the print worker's first round)
    idle = {pid: peak_rss_kb(pid, "VmRSS") for pid in server.worker_pids()}
    base = server.url.replace("http://", "ws://")
    crowd = None
    try:
        for screens in sizes.screens:
            paths = ["/display/demo/ws?lang=fi,sv"] * (screens - (len(crowd.screens) if crowd else 0))
            began = time.perf_counter()
            if crowd is None:
                crowd = Crowd(base, paths)
            else:
                crowd.add(base, paths)
            if not await crowd.until(lambda s: s.ready is not None, 120):
                out.problems.append(f"{screens} displays: not all had their first state within 120 s")
            connected = time.perf_counter() - began
            latencies, missed, requests = [], 0, []
            for _ in range(sizes.screen_calls[screens]):
                for screen in crowd.screens:
                    screen.mark = len(screen.pushes)
                t0 = time.perf_counter()
                reply = expect(await clerk.request("POST", f"/api/v1/counters/{CALL_COUNTER}/call-next",
                                                   headers=auth), 200, what="call-next")
                requests.append(time.perf_counter() - t0)
                await crowd.until(lambda s: len(s.pushes) > s.mark, WAIT_S)
                for screen in crowd.screens:
                    if len(screen.pushes) > screen.mark:
                        latencies.append(screen.pushes[screen.mark] - t0)
                    else:
                        missed += 1
                called = reply.json()["id"]
                for action, body in (("start", None), ("finish", {"outcome": "resolved"})):
                    expect(await clerk.request("POST", f"/api/v1/tickets/{called}/{action}", json_body=body,
                                               headers=auth), 200, what=action)
                last = expect(await clerk.request("GET", "/api/v1/sites/demo/queue"), 200,
                              what="the queue").json()["last_seq"]
                if not await crowd.until(lambda s: s.seq >= last, WAIT_S):
                    out.problems.append(f"{screens} displays: some still behind event {last} after {WAIT_S:.0f} s")
            if missed:
                out.problems.append(f"{screens} displays: {missed} times a display had no push within {WAIT_S:.0f} s")
            out.rows.append({"screens": screens, "calls": sizes.screen_calls[screens],
                             "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
                             "max": max(latencies, default=float("nan")), "request": percentile(requests, 0.5),
                             "connected": connected})
        workers = server.worker_pids()
        memory.rows.append({
            "screens": len(crowd.screens),
            "idle": [idle.get(pid, 0) / 1024 for pid in workers],
            "loaded": [peak_rss_kb(pid, "VmRSS") / 1024 for pid in workers],
            "peak": [peak_rss_kb(pid) / 1024 for pid in workers],
        })
        closed = [s.closed for s in crowd.screens if s.closed]
        if closed:
            out.problems.append(f"{len(closed)} displays' sockets closed, e.g. {closed[0]}")
    finally:
        clerk.close()
        if crowd is not None:
            await crowd.close()


async def race(server: Server, sizes: Sizes, out: Measured) -> None:
    """20 clerks at 20 counters of a site of their own, each calling, starting and finishing customers
    as fast as answered until no one waits."""
    desks = list(range(1, RACE_COUNTERS + 1))
    auths = await asyncio.gather(*(token(server.port, f"desk{n}") for n in desks))
    setup = Connection(server.port)
    counter_ids = {}
    for n, auth in zip(desks, auths):
        # The race site's counters come after the demo site's six.
        counter_id = 6 + n
        expect(await setup.request("POST", f"/api/v1/counters/{counter_id}/open", json_body={"services": ["race"]},
                                   headers=auth), 200, what=f"opening counter {n}")
        counter_ids[n] = counter_id
    setup.close()
    called: list[str] = []
    errors: dict[str, int] = {}
    latencies: list[float] = []

    async def desk(n: int, auth: dict) -> None:
        connection = Connection(server.port)
        try:
            while True:
                t0 = time.perf_counter()
                reply = await connection.request("POST", f"/api/v1/counters/{counter_ids[n]}/call-next", headers=auth)
                latencies.append(time.perf_counter() - t0)
                if reply.status == 204:
                    return
                if reply.status != 200:
                    errors[f"call-next {reply.status}"] = errors.get(f"call-next {reply.status}", 0) + 1
                    continue
                ticket = reply.json()["id"]
                called.append(ticket)
                for action, body in (("start", None), ("finish", {"outcome": "resolved"})):
                    answer = await connection.request("POST", f"/api/v1/tickets/{ticket}/{action}", json_body=body,
                                                      headers=auth)
                    if answer.status != 200:
                        errors[f"{action} {answer.status}"] = errors.get(f"{action} {answer.status}", 0) + 1
        finally:
            connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(desk(n, auth) for n, auth in zip(desks, auths)))
    elapsed = time.perf_counter() - began
    duplicates = len(called) - len(set(called))
    left = expect(await Connection(server.port).request("GET", "/api/v1/sites/race/queue"), 200,
                  what="the race queue").json()
    waiting = sum(s["waiting"] for s in left["services"])
    out.rows.append({"tickets": sizes.race_tickets, "called": len(called), "seconds": elapsed,
                     "rate": len(called) / elapsed, "p50": percentile(latencies, 0.5),
                     "p99": percentile(latencies, 0.99), "duplicates": duplicates,
                     "errors": sum(errors.values()), "left": waiting})
    if errors:
        out.problems.append(f"race errors: {errors}")
    if len(set(called)) != sizes.race_tickets or waiting:
        out.problems.append(f"race: {len(set(called))} of {sizes.race_tickets} tickets called, {waiting} still waiting")


BUTTON = re.compile(r'name="starts_at" value="([^"]+)"')
TOKEN = re.compile(r"^/a/([^?/]+)")


def busy_day() -> date:
    """The first weekday at least two days ahead: bookable, and not today."""
    day = date.today() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def booking(server: Server, sizes: Sizes, out: Measured) -> None:
    """Citizens, all at once, each looking at the day's free times, taking one and filling in the
    form; one who finds the time taken picks from the next free times the page offers, up to five
    tries. The demo's advice has 2 seats every 20 minutes from 9 to 15."""
    day = busy_day()
    outcomes: dict[str, int] = {}
    latencies: list[float] = []

    async def timed(connection: Connection, method: str, path: str, **kwargs) -> Reply:
        t0 = time.perf_counter()
        reply = await connection.request(method, path, **kwargs)
        latencies.append(time.perf_counter() - t0)
        return reply

    async def citizen(n: int) -> str:
        rng = random.Random(n)
        connection = Connection(server.port)
        try:
            page = await timed(connection, "GET", f"/b/demo/advice?day={day.isoformat()}")
            times = BUTTON.findall(page.body.decode())
            for _ in range(5):
                if not times:
                    return "no free time left"
                # Most want a morning: the earliest times draw the most people.
                chosen = times[min(len(times) - 1, int(rng.expovariate(0.3)))]
                held = await timed(connection, "POST", "/b/demo/advice", form={"starts_at": chosen})
                if held.status == 409:
                    times = BUTTON.findall(held.body.decode())
                    continue
                if held.status != 303:
                    return f"hold {held.status}"
                path = TOKEN.match(held.headers["location"]).group(0)
                booked = await timed(connection, "POST", path, form={
                    "name": f"Asiakas {n}", "phone": "", "email": f"asiakas{n}@example.fi", "message": "",
                    "consent": "yes"})
                if booked.status == 409:
                    times = BUTTON.findall(booked.body.decode())
                    continue
                return "booked" if booked.status == 303 and "done=booked" in booked.headers.get("location", "") \
                    else f"confirm {booked.status}"
            return "gave up after 5 tries"
        finally:
            connection.close()

    began = time.perf_counter()
    for result in await asyncio.gather(*(citizen(n) for n in range(sizes.citizens))):
        outcomes[result] = outcomes.get(result, 0) + 1
    elapsed = time.perf_counter() - began
    booked, over = await server_bookings(server, day)
    out.rows.append({"citizens": sizes.citizens, "booked": outcomes.get("booked", 0), "in_db": booked,
                     "seconds": elapsed, "rate": outcomes.get("booked", 0) / elapsed,
                     "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
                     "requests": len(latencies), "double": over, "outcomes": outcomes})
    unexpected = {k: v for k, v in outcomes.items() if k not in ("booked", "no free time left", "gave up after 5 tries")}
    if unexpected:
        out.problems.append(f"booking: {unexpected}")


async def server_bookings(server: Server, day: date) -> tuple[int, int]:
    """Bookings of the day in the database, and seats booked beyond a slot's capacity (must be 0)."""
    query = """
        SELECT a.starts_at, count(*), max(s.appointment_seats) FROM appointment a
        JOIN service s ON s.id = a.service_id
        WHERE a.status = 'booked' AND s.code = 'advice' GROUP BY a.starts_at
    """
    url = server.database_url
    if url.startswith("sqlite"):
        import sqlite3
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            rows = db.execute(query).fetchall()
    else:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
            rows = db.execute(query).fetchall()
    return sum(n for _, n, _ in rows), sum(max(0, n - seats) for _, n, seats in rows)


def estimate_quality(quick: bool) -> dict:
    """The simulated day of bench/simulate_day.py, on SQLite with the checkout's engine."""
    from bench import simulate_day

    seeds = [1] if quick else [1, 2]
    with tempfile.TemporaryDirectory(prefix="luukku-bench-day-") as tmp:
        template = simulate_day.prepare_template(Path(tmp))
        days = [simulate_day.simulate(s, template, Path(tmp)) for s in seeds]
    q = simulate_day.mean_quality([simulate_day.quality(d) for d in days])
    return {"seeds": seeds, "tickets": q.tickets, "mae": q.mae, "median": q.median_ae, "p90": q.p90_ae,
            "bias": q.bias, "naive": q.naive_mae}


# --- where the time goes: py-spy ----------------------------------------------------------------

OWN = ("server/", "display/", "kiosk/", "counter/", "printers/")  # as py-spy names the files of the exported code
LIBRARIES = {"sqlalchemy/": "SQLAlchemy (queries, the ORM)", "sqlite3/": "sqlite3", "psycopg/": "psycopg",
             "jinja2/": "Jinja2 (rendering)", "websockets/": "websockets (the wire)",
             "uvicorn/": "uvicorn (HTTP, websockets)", "starlette/": "Starlette", "anyio/": "anyio (threads)",
             "logging/": "logging (the access log)"}


class Profile:
    """py-spy sampling the server's first worker while it holds the GIL (its CPU time), 100 times a
    second, from now until ``summary()``."""

    def __init__(self, server: Server, path: Path):
        import shutil
        import subprocess
        self.path = path
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self.process = subprocess.Popen([spy, "record", "--pid", str(server.worker_pids()[0]), "--format", "raw",
                                         "--output", str(path), "--rate", "100", "--gil", "--nonblocking"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)

    def summary(self, top: int = 12) -> list[tuple[str, float]]:
        """The share of samples in each library, and in our functions that took the most (inclusive)."""
        import signal
        self.process.send_signal(signal.SIGINT)
        self.process.wait(30)
        inclusive: dict[str, int] = {}
        total = 0
        for line in self.path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():  # a frame's name with a line break in it
                continue
            total += int(count)
            seen = set()
            for frame in stack.split(";"):
                where = frame[frame.rfind("(") + 1:]
                label = next((name for lib, name in LIBRARIES.items() if lib in where), None)
                path = where.split(":")[0]
                if label is None and (path.startswith(OWN) or any("/" + own in path for own in OWN)):
                    label = f"{frame.split(' (')[0]} ({'/'.join(path.rsplit('/', 2)[-2:])})"
                if label and label not in seen and "(server/cli.py)" not in label:  # cli: the event loop's root
                    seen.add(label)
                    inclusive[label] = inclusive.get(label, 0) + int(count)
        if not total:
            return []
        ranked = sorted(inclusive.items(), key=lambda item: -item[1])
        libraries = [(k, v * 100 / total) for k, v in ranked if k in LIBRARIES.values()]
        own = [(k, v * 100 / total) for k, v in ranked if k not in LIBRARIES.values()][:top]
        return libraries + own


# --- running it --------------------------------------------------------------------------------

SCENARIOS = ("issue", "screens", "race", "booking")
BENCH_SETTINGS = {
    # Tickets print on the kiosk PC's agent: the server writes the job row, as the issue asks, and
    # does not render the paper (a real printer takes a second a ticket; bench/README.md).
    "demo_printer": "agent",
    "kiosk_rate_limit_per_min": "0",
    "public_rate_limit_per_min": "0",
    "booking_limit_per_address": "100000",
}


def run_config(database: str, workers: int, sizes: Sizes, tmp: Path, templates: dict, only: set[str],
               results: dict[str, list[Measured]], profile: set[str]) -> None:
    name = config_name(database, workers)
    for scenario in SCENARIOS:
        if scenario not in only and not (scenario == "screens" and "memory" in only):
            continue
        wait_until_quiet(20, window_s=1.0)
        scratch = tmp / f"{database}-{workers}-{scenario}"
        scratch.mkdir()
        with demo_database(database, templates, scratch) as (url, _pg_name):
            server = Server(tmp / "code", url, workers, scratch, tmp / "prints", **BENCH_SETTINGS)
            measured = Measured(name)
            memory = Measured(name)
            try:
                server.wait_until_serving()
                wait_for_workers(server, workers)
                spy = Profile(server, scratch / "profile.txt") if scenario in profile else None
                coroutine = {"issue": lambda: issue(server, sizes, measured),
                             "screens": lambda: call_to_screen(server, sizes, measured, memory),
                             "race": lambda: race(server, sizes, measured),
                             "booking": lambda: booking(server, sizes, measured)}[scenario]
                asyncio.run(coroutine())
                if spy:
                    measured.profile = spy.summary()
            except (RuntimeError, OSError, asyncio.IncompleteReadError) as exc:
                measured.problems.append(f"stopped: {exc.__class__.__name__}: {exc}")
            finally:
                server.stop()
            logged = server.log_problems()
            measured.problems += [f"server log: {line[:300]}" for line in logged[:5]]
            if measured.problems:
                print(f"--- {name}, {scenario}: the server's log, last lines ---\n"
                      + "\n".join(server.log.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
        results.setdefault(scenario, []).append(measured)
        if scenario == "screens":
            results.setdefault("memory", []).append(memory)
        print(f"{name}, {scenario}: {measured.rows} {measured.problems}", file=sys.stderr)


def wait_for_workers(server: Server, workers: int, timeout: float = 30) -> None:
    """``/healthz`` answers once one worker serves; the figures want them all."""
    deadline = time.monotonic() + timeout
    while len(server.worker_pids()) < workers and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts: a check that it runs")
    parser.add_argument("--write", action="store_true", help=f"update {PERFORMANCE.name}")
    parser.add_argument("--only", help="comma-separated scenarios: issue, screens, memory, race, booking, estimate")
    parser.add_argument("--profile", metavar="SCENARIOS",
                        help="comma-separated scenarios (issue, screens, race, booking) to profile with py-spy on "
                        "SQLite: where the server's time went (--write: its own section, not the suite's figures)")
    parser.add_argument("--race-tickets", type=int, help="the race's queue (default 200; 100 with --quick)")
    parser.add_argument("--worktree", action="store_true",
                        help="run the checkout's files as they are, not those of its last commit")
    parser.add_argument("--configs", help="comma-separated: sqlite, postgresql, postgresql2 (default all three)")
    args = parser.parse_args(argv)
    command = " ".join(["scripts/bench", *(sys.argv[1:] if argv is None else argv)])
    sizes = QUICK if args.quick else FULL
    if args.race_tickets:
        sizes = replace(sizes, race_tickets=args.race_tickets)
    only = set((args.only or "issue,screens,memory,race,booking,estimate").split(","))
    wanted = set((args.configs or "sqlite,postgresql,postgresql2").split(","))
    configs = [(d, w) for d, w in CONFIGS if (d if w == 1 else f"{d}{w}") in wanted]
    # 1,000 displays and their server ends, in one process each side.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    require_postgresql("scripts/bench")

    began = time.perf_counter()
    results: dict[str, list[Measured]] = {}
    with tempfile.TemporaryDirectory(prefix="luukku-bench-") as tmp, pg_database() as pg_template:
        tmp = Path(tmp)
        commit = code_to_measure(tmp / "code", args.worktree)
        print(f"measuring commit {commit}", file=sys.stderr)
        for url in (f"sqlite:///{tmp / 'template.db'}", pg_url(pg_template)):
            seed(tmp / "code", url, tmp / "prints", printer="agent")
            seed_race(tmp / "code", url, sizes.race_tickets)
        templates = {"sqlite": str(tmp / "template.db"), "postgresql": pg_template}
        for database, workers in configs:
            run_config(database, workers, sizes, tmp, templates, only, results,
                       set(args.profile.split(",")) if args.profile and (database, workers) == CONFIGS[0] else set())
    estimate = estimate_quality(args.quick) if "estimate" in only else None
    elapsed = time.perf_counter() - began
    body = report(results, estimate, sizes)
    profiles = profile_report(results)
    print(body + (f"\n\nWhere the server's time went:\n\n{profiles}" if profiles else ""))
    print(f"\nthe suite took {elapsed:.0f} s", file=sys.stderr)
    if args.write:
        stamp = run_stamp(command, f"commit {commit}; {elapsed:.0f} s in all")
        if args.profile:  # a profiled server is slower: its figures are not the suite's
            write_section("suite_profile", "Where the server's time goes", f"{stamp}\n\n{profiles}")
        else:
            write_section("suite", "The benchmark suite", f"{stamp}\n\n{body}")
        print(f"updated {PERFORMANCE}", file=sys.stderr)
    return 0


# --- the report ------------------------------------------------------------------------------


def profile_report(results: dict[str, list[Measured]]) -> str:
    lines = []
    for scenario, measured in results.items():
        for m in measured:
            if m.profile:
                lines += [f"**{scenario}** ({m.config}):", "", "| where | share of CPU samples |", "| --- | ---: |",
                          *[f"| {label} | {share:.0f} % |" for label, share in m.profile], ""]
    return "\n".join(lines).rstrip()


def table(intro: str, columns: str, rows: list[str]) -> list[str]:
    """A scenario's Markdown: its explanation, then a table; ``columns``: "name|name:" (":" right-aligns)."""
    names = columns.split("|")
    header = "| " + " | ".join(n.rstrip(":") for n in names) + " |"
    rule = "| " + " | ".join("---:" if n.endswith(":") else "---" for n in names) + " |"
    return [intro, "", header, rule, *rows, ""]


def report(results: dict[str, list[Measured]], estimate: dict | None, sizes: Sizes) -> str:
    lines: list[str] = []
    problems = [f"- {m.config}, {scenario}: {p}" for scenario, ms_ in results.items() for m in ms_ for p in m.problems]

    def rows(scenario: str, row) -> list[str]:
        return [row(m.config, r) for m in results[scenario] for r in m.rows]

    if "issue" in results:
        lines += table(
            "**1. Issue.** Kiosks, each on its own keep-alive connection, taking tickets (`POST "
            "/api/v1/sites/demo/tickets` with `\"print\": true`: the ticket, its print job row and its event, "
            "the estimate and the position in the answer) one after another, in turn for four services. "
            "Latency is each request's round trip; *server CPU* is the server's processes' CPU time per ticket, "
            "*PostgreSQL* its processes', *the rest* the rest of the machine's (the kiosks' client, mostly); "
            "*CPUs busy*: the whole machine's CPU time over the run's time (it has 2).",
            "server|kiosks:|tickets:|tickets/s:|p50 ms:|p99 ms:|server CPU ms/ticket:|PostgreSQL ms/ticket:"
            "|the rest ms/ticket:|CPUs busy:",
            rows("issue", lambda c, r: f"| {c} | {r['kiosks']} | {r['tickets']} | **{r['rate']:.0f}** | {ms(r['p50'])} "
                                       f"| **{ms(r['p99'])}** | {r['cpu_ms']:.1f} | {num(r['pg_ms'])} "
                                       f"| {r['rest_ms']:.1f} | {r['busy']:.2f} |"))
    if "screens" in results:
        lines += table(
            "**2. Call → screen.** Waiting-room displays (`/display/demo/ws?lang=fi,sv`, pinging as live.js "
            "does) connected in steps; at each step a clerk calls, starts and finishes customers through the "
            "API. Latency: from just before the call-next request to each display's first push after it, over "
            "every call and display; *request*: the call-next round trip (median); *connected*: from opening "
            "the step's new websockets to the last one's first state.",
            "server|displays:|calls:|p50 ms:|p99 ms:|max ms:|request ms:|connected s:",
            rows("screens", lambda c, r: f"| {c} | {r['screens']} | {r['calls']} | {ms(r['p50'])} | **{ms(r['p99'])}** "
                                         f"| {ms(r['max'])} | {ms(r['request'])} | {num(r['connected'])} |"))
    if "race" in results:
        lines += table(
            f"**3. Race.** {RACE_COUNTERS} clerks at {RACE_COUNTERS} counters of a site of their own, each "
            "calling, starting and finishing customers as fast as answered until no one of the "
            f"{sizes.race_tickets:,} waiting is left. *Duplicates*: a ticket called by two counters; *errors*: "
            "any answer but 200 (and 204 for the empty queue).",
            "server|tickets:|called:|seconds:|calls/s:|call-next p50 ms:|p99 ms:|duplicates:|errors:|left waiting:",
            rows("race", lambda c, r: f"| {c} | {r['tickets']} | {r['called']} | {r['seconds']:.1f} | **{r['rate']:.0f}** "
                                      f"| {ms(r['p50'])} | {ms(r['p99'])} | **{r['duplicates']}** | **{r['errors']}** "
                                      f"| {r['left']} |"))
    if "memory" in results:
        def each(values: list[float]) -> str:
            return " + ".join(f"{v:.0f}" for v in values)

        lines += table(
            "**4. Memory.** Resident memory (VmRSS, /proc) of each worker process: idle (started, one "
            "counter open, before any display), and with the displays of scenario 2 connected, after "
            "their calls; *peak*: VmHWM, the most it held at any time. Per worker, MB.",
            "server|displays:|idle MB:|with the displays MB:|peak MB:",
            rows("memory", lambda c, r: f"| {c} | {r['screens']} | {each(r['idle'])} | **{each(r['loaded'])}** "
                                        f"| {each(r['peak'])} |"))
    if "booking" in results:
        lines += table(
            "**5. Booking.** Citizens all at once on the booking pages (`/b/demo/advice` for a weekday two "
            "days ahead, 2 seats every 20 minutes from 9 to 15), each choosing a time (mostly early), "
            "holding it and sending the form; one who finds it taken chooses from the times the page "
            "offers instead, up to 5 tries. *Double*: seats booked beyond a slot's capacity, counted in "
            "the database afterwards.",
            "server|citizens:|booked:|in the database:|no time left:|gave up after 5 tries:|seconds:|bookings/s:"
            "|requests:|p50 ms:|p99 ms:|double:",
            rows("booking", lambda c, r: f"| {c} | {r['citizens']} | {r['booked']} | {r['in_db']} "
                                         f"| {r['outcomes'].get('no free time left', 0)} "
                                         f"| {r['outcomes'].get('gave up after 5 tries', 0)} | {r['seconds']:.1f} "
                                         f"| **{r['rate']:.0f}** | {r['requests']} | {ms(r['p50'])} | {ms(r['p99'])} "
                                         f"| **{r['double']}** |"))
    if estimate:
        lines += table(
            "**6. Estimate quality.** The simulated busy day of `scripts/bench simulate_day` (seeds "
            f"{', '.join(map(str, estimate['seeds']))}; SQLite: the estimate is the engine's arithmetic, the "
            "same on either database), minutes, the mean over the seeds:",
            "tickets a day:|MAE:|median AE:|p90 AE:|bias:|naive MAE:",
            [f"| {estimate['tickets']:.0f} | **{estimate['mae']:.1f}** | {estimate['median']:.1f} | "
             f"{estimate['p90']:.1f} | {estimate['bias']:+.1f} | {estimate['naive']:.1f} |"])
    lines += ["Seen going wrong:", "", *problems] if problems else [
        "Seen going wrong: nothing (every answer as expected, no missed push, no closed socket, no warning or "
        "error in the servers' logs)."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
