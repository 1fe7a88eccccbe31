"""Live screens under load: how long a call takes to reach every screen, and what it costs.

``luukku serve`` runs in processes of its own, as in production, on a fresh demo database: SQLite with
one worker (the memory bus), PostgreSQL with two (LISTEN/NOTIFY between them). Real websocket clients
in this process play the screens, answering like server/web/static/live.js: a few waiting-room displays
(``/display/demo/ws``), the rest visitors' phones each following its own waiting ticket
(``/t/{id}/ws``). A clerk calls customers at counter 3 through the JSON API; for each call we time,
from just before the call-next request, each screen's first push after it, and we read the server's
CPU time and memory from /proc.

    scripts/bench live                # 10, 50 and 200 screens on each; prints Markdown (~3 min)
    scripts/bench live --write        # and updates its section of docs/PERFORMANCE.md
    scripts/bench live --quick        # 10 and 50 screens, 3 calls each
    scripts/bench live --phones       # issue 22: 5,000 phones, 200 displays, 50 counters on 2 PostgreSQL workers
    scripts/bench live --phones --quick  # 1,000 phones, 40 displays, 10 counters, 2 calls

The screens run in client processes of their own (``--clients``; one by default, four with
``--phones``): one process's event loop cannot keep thousands of websockets answered on a shared CPU.
Their clocks are the same (CLOCK_MONOTONIC), so a push is timed from the clerk's request across them.
"""

import argparse
import asyncio
import json
import math
import multiprocessing
import re
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.luukku_server import (code_to_measure, PASSWORD, Server, cpu_seconds, demo_database,
                                 family_cpu_seconds, machine_cpu_seconds, peak_rss_kb, pg_database, pg_url,
                                 postmaster_pid, require_postgresql, screens_per_worker, seed, sessions_opened,
                                 wait_until_quiet)
from bench.performance import PERFORMANCE, run_stamp, write_section

COUNTER_ID = 3
SERVICE = "advice"
HEARTBEAT_S = 2.0  # the server's default LUUKKU_LIVE_HEARTBEAT_S, which live.js reads from the page
PHONE_HEARTBEAT_S = 10.0  # LUUKKU_LIVE_PHONE_HEARTBEAT_S's default: a phone's page (/t/…) pings at this beat
WAIT_S = 15.0  # a screen without its push this long after a call counts as missed
PHONES, QUICK_PHONES = 5000, 1000  # issue 22, item 4: 5,000 phones (with 200 displays and 50 counters)


@dataclass(frozen=True)
class Scenario:
    database: str  # sqlite or postgresql
    workers: int
    screens: int
    counters: int = 0  # clerks' counter screens (/counter/ws) among the screens
    fixed_displays: int | None = None  # else a twentieth of the screens, at least 2

    @property
    def displays(self) -> int:
        return self.fixed_displays if self.fixed_displays is not None else max(2, self.screens // 20)

    @property
    def phones(self) -> int:
        return self.screens - self.displays - self.counters

    @property
    def server(self) -> str:
        name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[self.database]
        return f"{name}, {self.workers} worker{'s' if self.workers > 1 else ''}"


# --- the screens -------------------------------------------------------------------------------


@dataclass
class Screen:
    path: str
    headers: dict[str, str] | None = None  # a counter screen's session cookie
    pushes: list[float] = field(default_factory=list)  # when each HTML push arrived
    seq: int = 0  # the site's last number, from the heartbeats
    ready: float | None = None  # when the first state and its heartbeat had arrived
    closed: str | None = None
    port: int = 0  # the client's end of the connection
    mark: int = 0  # pushes before the call being timed
    listener: Callable[[str, float], None] | None = None  # sees every message and when it came (city_day.py)

    async def run(self, base: str, gate: asyncio.Semaphore | None = None,
                  heartbeat_s: float = HEARTBEAT_S) -> None:
        """Connects and listens until cancelled, pinging every heartbeat as live.js does. ``gate``
        bounds the handshakes under way at once (thousands at once overrun the listen backlog)."""
        try:
            if gate is not None:
                await gate.acquire()
            try:
                opened = await connect(base + self.path, compression=None, ping_interval=None, max_size=None,
                                       open_timeout=120, close_timeout=2, additional_headers=self.headers)
            finally:
                if gate is not None:
                    gate.release()
            async with opened as ws:
                self.port = ws.local_address[1]

                async def ping() -> None:
                    try:
                        while True:
                            await asyncio.sleep(heartbeat_s)
                            await ws.send("ping")
                    except ConnectionClosed:
                        pass

                pinger = asyncio.create_task(ping())
                try:
                    async for message in ws:
                        now = time.perf_counter()
                        if self.listener is not None:
                            self.listener(message, now)
                        if message.startswith("{"):  # live.js: JSON is control, the rest is HTML
                            control = json.loads(message)
                            self.seq = control.get("seq", {}).get("demo", self.seq)
                            if self.ready is None and self.pushes:
                                self.ready = now
                        else:
                            self.pushes.append(now)
                    self.closed = f"closed by the server ({ws.close_code} {ws.close_reason})".strip()
                finally:
                    pinger.cancel()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the line broke: counted and reported, not retried
            self.closed = f"{exc.__class__.__name__}: {exc}"


async def until(screens: list[Screen], done, timeout: float) -> bool:
    """Waits until ``done(screen)`` holds for every screen still connected, or ``timeout``. It looks
    every 10 ms at the screens not yet done: each push's time is taken when it arrives, so this only
    says when to go on. Looking at all of them at each message was the client processes' own cost
    that grew with the screens (1,250 a process), on the CPUs the server shares."""
    deadline = time.perf_counter() + timeout
    pending = [s for s in screens if not (done(s) or s.closed)]
    while pending:
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.01)
        pending = [s for s in pending if not (done(s) or s.closed)]
    return True


class Crowd:
    def __init__(self, base: str, paths: list[str]):
        self.screens = [Screen(path) for path in paths]
        self.tasks = [asyncio.create_task(s.run(base)) for s in self.screens]

    def add(self, base: str, paths: list[str]) -> None:
        """More screens, connecting now."""
        screens = [Screen(path) for path in paths]
        self.screens += screens
        self.tasks += [asyncio.create_task(s.run(base)) for s in screens]

    async def until(self, done, timeout: float) -> bool:
        """Waits until ``done(screen)`` holds for every screen still connected, or ``timeout``."""
        return await until(self.screens, done, timeout)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


# --- the screens in client processes of their own ----------------------------------------------


def client_process(conn, base: str, specs: list[tuple[str, dict | None]], opening: int, heartbeat_s: float) -> None:
    """A client process: its share of the screens, answering the commands of ``Clients``."""
    asyncio.run(_client(conn, base, specs, opening, heartbeat_s))


async def _client(conn, base: str, specs: list[tuple[str, dict | None]], opening: int, heartbeat_s: float) -> None:
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: commands.put_nowait(conn.recv()))
    gate = asyncio.Semaphore(opening)
    screens = [Screen(path, headers) for path, headers in specs]
    tasks = [asyncio.create_task(s.run(base, gate, PHONE_HEARTBEAT_S if s.path.startswith("/t/") else heartbeat_s))
             for s in screens]

    while True:
        command, *args = await commands.get()
        if command == "ready":
            ok = await until(screens, lambda s: s.ready is not None, args[0])
            conn.send((ok, max((s.ready for s in screens if s.ready), default=None)))
        elif command == "mark":
            for screen in screens:
                screen.mark = len(screen.pushes)
            conn.send(None)
        elif command == "pushes":  # each screen's first push since the mark (None: none within the time)
            await until(screens, lambda s: len(s.pushes) > s.mark, args[0])
            conn.send([s.pushes[s.mark] if len(s.pushes) > s.mark else None for s in screens])
        elif command == "seq":
            conn.send(await until(screens, lambda s: s.seq >= args[0], args[1]))
        elif command == "stats":
            conn.send({"ports": [s.port for s in screens], "closed": [s.closed for s in screens if s.closed],
                       "pushes": sum(len(s.pushes) for s in screens),
                       "last": max((s.pushes[-1] for s in screens if s.pushes), default=None)})
        elif command == "close":
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            conn.send(None)
            return


class Clients:
    """The screens, dealt in turn to ``processes`` client processes (spawned: a fork would inherit
    this process's event loop); each command goes to all and their answers come back in the
    screens' order."""

    def __init__(self, base: str, specs: list[tuple[str, dict | None]], processes: int, opening: int = 50,
                 heartbeat_s: float = HEARTBEAT_S, target: Callable = client_process):
        """``target``: the function each client process runs (city_day.py has one whose screens come
        and go), called with its end of the pipe, ``base``, its share of ``specs``, ``opening`` and
        ``heartbeat_s``."""
        assert time.get_clock_info("perf_counter").implementation == "clock_gettime(CLOCK_MONOTONIC)", \
            "the client processes' times are compared: they need one clock"
        context = multiprocessing.get_context("spawn")
        self.shares = [specs[n::processes] for n in range(processes)]
        self.pipes, self.processes = [], []
        for share in self.shares:
            ours, theirs = context.Pipe()
            process = context.Process(target=target, args=(theirs, base, share, opening, heartbeat_s),
                                      daemon=True)
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    async def ask(self, *command) -> list:
        for pipe in self.pipes:
            pipe.send(command)
        return await asyncio.gather(*(asyncio.to_thread(pipe.recv) for pipe in self.pipes))

    async def in_order(self, *command) -> list:
        """Per screen, in the order of the specs given."""
        answers = await self.ask(*command)
        found: list = [None] * sum(len(share) for share in self.shares)
        for n, answer in enumerate(answers):
            found[n::len(self.shares)] = answer
        return found

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(process.pid) for process in self.processes if process.pid)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.ask("close"), 30)
        except (TimeoutError, EOFError, OSError):
            pass
        for process in self.processes:
            process.join(5)
            if process.is_alive():
                process.kill()


# --- one scenario ------------------------------------------------------------------------------


@dataclass
class Result:
    scenario: Scenario
    calls: int
    connect_s: float = math.nan
    latencies: list[float] = field(default_factory=list)  # seconds, every (call, screen)
    display_latencies: list[float] = field(default_factory=list)  # the displays' among them
    counter_latencies: list[float] = field(default_factory=list)  # the counter screens'
    phone_latencies: list[float] = field(default_factory=list)  # the phones'
    missed: int = 0
    requests: list[float] = field(default_factory=list)  # seconds, each call-next's round trip
    pushes: int = 0
    phase_s: float = math.nan
    server_cpu_s: float = math.nan
    postgres_cpu_s: float = math.nan
    pg_connections: int | None = None  # connections PostgreSQL accepted during the calls
    peak_rss_mb: float = math.nan  # the sum of the processes' peaks
    largest_rss_mb: float = math.nan  # the largest process's peak
    processes: int = 0
    per_worker: list[int] = field(default_factory=list)
    idle_rss_mb: list[float] = field(default_factory=list)  # each worker's VmRSS before the screens
    loaded_rss_mb: list[float] = field(default_factory=list)  # and with them, after the calls
    worker_peak_mb: list[float] = field(default_factory=list)  # each worker's VmHWM
    clients: int = 1  # client processes playing the screens
    client_cpu_s: float = math.nan
    other_cpu_s: float = math.nan  # the rest of the machine meanwhile, PostgreSQL's other processes included
    problems: list[str] = field(default_factory=list)

    @property
    def disturbed(self) -> bool:
        """Other processes used more than a fifth of a CPU during the calls."""
        return self.other_cpu_s > 0.2 * self.phase_s


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def checked(response: httpx.Response, expected: int = 200) -> httpx.Response:
    if response.status_code != expected:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text[:300]}")
    return response


async def counter_session(http: httpx.AsyncClient) -> dict[str, str]:
    """The clerk logged in on the counter page as a browser does, with counter COUNTER_ID open: the
    cookie its counter screens' websockets send."""
    form = await checked(await http.get("/counter/login"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    await checked(await http.post("/counter/login", data={"username": "clerk", "password": PASSWORD,
                                                          "csrf_token": token}), 303)
    page = await checked(await http.get("/counter"))
    header = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
    await checked(await http.post("/counter/open", data={"counter": str(COUNTER_ID), "service": [SERVICE]},
                                  headers={"X-CSRF-Token": header}), 303)
    return {"Cookie": f"luukku_session={http.cookies['luukku_session']}"}


def worker_rss_mb(server: Server) -> list[float]:
    return [peak_rss_kb(pid, "VmRSS") / 1024 for pid in server.worker_pids()]


async def exercise(server: Server, result: Result, interval_s: float, database: str | None,
                   clients: int = 1, heartbeat_s: float = HEARTBEAT_S, wait_s: float = WAIT_S) -> None:
    """Issues the tickets, connects the screens, makes the calls; fills in ``result`` as it goes."""
    scenario, calls = result.scenario, result.calls
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        # Tickets: the first ``calls`` are called; the phones follow the rest, which keep waiting.
        tickets = []
        for _ in range(calls):
            r = await checked(await http.post("/api/v1/sites/demo/tickets", json={"service": SERVICE}), 201)
            tickets.append(r.json()["id"])
        gate = asyncio.Semaphore(8)  # a few kiosks at once: thousands of tickets in a minute or two

        async def issue() -> str:
            async with gate:
                r = await checked(await http.post("/api/v1/sites/demo/tickets", json={"service": SERVICE}), 201)
            return r.json()["id"]

        tickets += await asyncio.gather(*(issue() for _ in range(scenario.phones)))
        cookie = None
        if scenario.counters:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as browser:
                cookie = await counter_session(browser)
        r = await checked(await http.post("/api/v1/token", json={"username": "clerk", "password": PASSWORD}))
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        await checked(await http.post(f"/api/v1/counters/{COUNTER_ID}/open", json={"services": [SERVICE]},
                                      headers=auth))
        await asyncio.sleep(1.0)  # the workers settle after the tickets (the print worker's rounds)
        result.idle_rss_mb = worker_rss_mb(server)

        specs = ([("/display/demo/ws?lang=fi,sv", None)] * scenario.displays
                 + [("/counter/ws?lang=fi", cookie)] * scenario.counters
                 + [(f"/t/{ticket}/ws?lang=fi", None) for ticket in tickets[calls:]])
        kinds = ["display"] * scenario.displays + ["counter"] * scenario.counters + ["phone"] * scenario.phones
        began = time.perf_counter()
        crowd = Clients(server.url.replace("http://", "ws://"), specs, clients, heartbeat_s=heartbeat_s)
        stats = None
        try:
            readiness = await crowd.ask("ready", 600)
            if not all(ok for ok, _ in readiness):
                result.problems.append("not every screen had its first state within 600 s")
            result.connect_s = max((last for _, last in readiness if last), default=began) - began

            pids = server.pids()
            cpu_before = {pid: cpu_seconds(pid) for pid in pids}
            postmaster = postmaster_pid() if database else None
            postgres_before = family_cpu_seconds(postmaster) if postmaster else 0.0
            sessions_before = sessions_opened(database) if database else 0
            client_before, machine_before = own_cpu_s() + crowd.cpu_seconds(), machine_cpu_seconds()
            pushes_before = sum(answer["pushes"] for answer in await crowd.ask("stats"))
            first_call = time.perf_counter()
            next_call = first_call
            for _ in range(calls):
                await asyncio.sleep(max(0.0, next_call - time.perf_counter()))
                await crowd.ask("mark")
                t0 = time.perf_counter()
                r = await checked(await http.post(f"/api/v1/counters/{COUNTER_ID}/call-next", headers=auth))
                result.requests.append(time.perf_counter() - t0)
                next_call = t0 + interval_s
                called = r.json()["id"]
                for kind, pushed in zip(kinds, await crowd.in_order("pushes", wait_s)):
                    if pushed is None:
                        result.missed += 1
                        continue
                    result.latencies.append(pushed - t0)
                    {"display": result.display_latencies, "counter": result.counter_latencies,
                     "phone": result.phone_latencies}[kind].append(pushed - t0)
                # The customer comes and is served; the next call waits until every screen has had
                # those pushes too, so each call is timed on its own.
                await checked(await http.post(f"/api/v1/tickets/{called}/start", headers=auth))
                await checked(await http.post(f"/api/v1/tickets/{called}/finish", json={"outcome": "resolved"},
                                              headers=auth))
                last_seq = (await checked(await http.get("/api/v1/sites/demo/queue"))).json()["last_seq"]
                if not all(await crowd.ask("seq", last_seq, wait_s)):
                    result.problems.append(f"screens still behind event {last_seq} after {wait_s:.0f} s")
            stats = await crowd.ask("stats")
            ended = max([first_call, *(answer["last"] for answer in stats if answer["last"])])
            result.phase_s = ended - first_call
            result.pushes = sum(answer["pushes"] for answer in stats) - pushes_before
            result.client_cpu_s = own_cpu_s() + crowd.cpu_seconds() - client_before
            result.clients = clients
            machine = machine_cpu_seconds() - machine_before
            pids = server.pids()
            result.server_cpu_s = sum(cpu_seconds(pid) - cpu_before.get(pid, 0) for pid in pids)
            peaks = [peak_rss_kb(pid) / 1024 for pid in pids]
            result.peak_rss_mb, result.largest_rss_mb = sum(peaks), max(peaks)
            result.processes = len(pids)
            result.loaded_rss_mb = worker_rss_mb(server)
            result.worker_peak_mb = [peak_rss_kb(pid) / 1024 for pid in server.worker_pids()]
            ports = {port for answer in stats for port in answer["ports"] if port}
            result.per_worker = screens_per_worker(pids, server.port, ports)
            if postmaster:
                result.postgres_cpu_s = family_cpu_seconds(postmaster) - postgres_before
            result.other_cpu_s = max(0.0, machine - result.server_cpu_s - result.client_cpu_s - (
                result.postgres_cpu_s if postmaster else 0.0))
            if database:
                await asyncio.sleep(1.5)  # until every backend has reported its connection
                result.pg_connections = sessions_opened(database) - sessions_before
        finally:
            if result.missed:
                result.problems.append(f"{result.missed} times a screen had no push within {wait_s:.0f} s of a call")
            closed = [c for answer in (stats or []) for c in answer["closed"]]
            if closed:
                result.problems.append(f"{len(closed)} screens' sockets closed during the run, e.g. {closed[0]}")
            await crowd.close()


def run_scenario(scenario: Scenario, calls: int, interval_s: float, tmp: Path, templates: dict,
                 quiet_wait_s: float, attempt: int = 1, clients: int = 1, heartbeat_s: float = HEARTBEAT_S,
                 wait_s: float = WAIT_S) -> Result:
    scratch = tmp / f"{scenario.database}-{scenario.screens}-{attempt}"
    scratch.mkdir()
    result = Result(scenario, calls)
    if not wait_until_quiet(quiet_wait_s):
        print(f"the machine is still busy after {quiet_wait_s:.0f} s; measuring anyway", file=sys.stderr)
    with demo_database(scenario.database, templates, scratch) as (url, pg_name):
        server = Server(tmp / "code", url, scenario.workers, scratch, tmp / "prints", live_heartbeat_s=str(heartbeat_s))
        try:
            server.wait_until_serving()
            asyncio.run(exercise(server, result, interval_s, pg_name, clients, heartbeat_s, wait_s))
        except (RuntimeError, OSError, httpx.HTTPError) as exc:  # reported, and the next scenario runs
            result.problems.append(f"stopped: {exc.__class__.__name__}: {exc}")
        finally:
            server.stop()
        logged = server.log_problems()
        result.problems += [f"server log: {line[:300]}" for line in logged[:5]]
        if logged or result.problems:
            print(f"--- {scenario.server}, {scenario.screens} screens: the server's log, last lines ---\n"
                  + "\n".join(server.log.read_text(errors="replace").splitlines()[-60:]), file=sys.stderr)
    return result


# --- the report --------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


def ms(seconds: float) -> str:
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def num(value: float, digits: int = 1) -> str:
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


def report(results: list[Result], interval_s: float) -> str:
    lines = [
        "Each row is a fresh server on a fresh copy of the demo database. The clerk's calls follow one "
        f"another {interval_s * 1000:.0f} ms apart or, when that is later, as soon as every screen has had "
        "the pushes of the previous customer's start and finish, so no call waits behind another. "
        "**Latency**: from just before the call-next request to each screen's first push after it, over "
        "every call and screen; *displays max*: the same for the displays alone, which announce the call; "
        "*missed*: no push within 15 s; *request*: the call-next request's own round trip (median); "
        "*connected*: from opening every websocket at once to the last screen's first state.",
        "",
        "| server | screens | calls | p50 ms | p95 ms | max ms | displays max ms | missed | request ms "
        "| connected s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        s = r.scenario
        lines.append(
            f"| {s.server} | {s.screens} ({s.displays} displays, {s.phones} phones) | {r.calls} | "
            f"{ms(percentile(r.latencies, 0.5))} | **{ms(percentile(r.latencies, 0.95))}** | "
            f"{ms(max(r.latencies, default=math.nan))} | {ms(max(r.display_latencies, default=math.nan))} | "
            f"{r.missed} | {ms(percentile(r.requests, 0.5))} | {num(r.connect_s)} |")
    lines += [
        "",
        "**Cost**, from the first call to the last push: the pushes all screens received (each customer's "
        "call, start and finish), per second; the CPU time (user + system, /proc/PID/stat) of the "
        "server's processes, also divided by the pushes (it includes everything the server did "
        "meanwhile: pings, heartbeats, the clerk's requests), and of the PostgreSQL server (all its "
        "processes, those that came and went meanwhile included), and the connections it accepted to "
        "the database; the sum of the server's processes' peak resident memory "
        "(VmHWM, /proc/PID/status, since they started), with the largest one's; how the screens were "
        "spread over the workers; the CPU time of this benchmark's own process (the screens and the "
        "clerk), which shares the machine; and of everything else on the machine meanwhile (/proc/stat).",
        "",
        "| server | screens | pushes | seconds | pushes/s | server CPU s | CPU ms/push | PostgreSQL CPU s "
        "| PostgreSQL connections | peak RSS MB: sum (largest) | processes | screens per worker | bench CPU s | other CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for r in results:
        s = r.scenario
        per_push = r.server_cpu_s * 1000 / r.pushes if r.pushes else math.nan
        rate = r.pushes / r.phase_s if r.pushes else math.nan
        lines.append(
            f"| {s.server} | {s.screens} | {r.pushes} | {num(r.phase_s)} | **{num(rate, 0)}** | "
            f"{num(r.server_cpu_s)} | {num(per_push)} | {num(r.postgres_cpu_s)} | "
            f"{'–' if r.pg_connections is None else r.pg_connections} | "
            f"{num(r.peak_rss_mb, 0)} ({num(r.largest_rss_mb, 0)}) | {r.processes} | "
            f"{' + '.join(map(str, r.per_worker)) or '–'} | {num(r.client_cpu_s)} | "
            f"{num(r.other_cpu_s)} |")
    problems = [f"- {r.scenario.server}, {r.scenario.screens} screens: {p}" for r in results for p in r.problems]
    if problems:
        lines += ["", "Seen going wrong:", "", *problems]
    else:
        lines += ["", "Seen going wrong: nothing (no HTTP error, no missed push, no socket closed, no warning "
                      "or error in the servers' logs)."]
    return "\n".join(lines)


def phones_report(results: list[Result], interval_s: float, heartbeat_s: float) -> str:
    """Issue 22's phones: the call reaching every phone, and each worker's memory and sockets."""
    lines = [
        "A fresh server on a fresh copy of the demo database; its one queue holds every phone's ticket "
        "(the worst case: every event of the site moves every phone). The clerk calls, starts and finishes "
        f"customers through the API, calls at least {interval_s * 1000:.0f} ms apart and each only once every "
        "screen has had the previous customer's pushes. **Phones p50/p99/max**: from just before the "
        "call-next request to each phone's first push after it, over every call and phone; the displays' and "
        "counter screens' max likewise; *missed*: a screen without a push within 60 s. Screens ping, and the "
        f"server sends heartbeats, every {heartbeat_s:g} s (live.js; phones every {PHONE_HEARTBEAT_S:g} s). **Memory**: each worker's resident memory "
        "(VmRSS, /proc) after the tickets were issued and before any screen, and with every screen "
        "connected after the calls; *peak*: VmHWM. *Sockets*: the screens' connections each worker held.",
        "",
        "| server | phones + displays + counters | calls | phones p50 ms | phones p99 ms | phones max ms | "
        "displays max ms | counters max ms | missed | connected s | RSS idle MB | RSS with the screens MB "
        "| peak MB | sockets per worker |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    each = lambda values: " + ".join(f"{v:.0f}" for v in values) or "–"  # noqa: E731
    for r in results:
        s = r.scenario
        lines.append(
            f"| {s.server} | {s.phones} + {s.displays} + {s.counters} | {r.calls} | "
            f"{ms(percentile(r.phone_latencies, 0.5))} | **{ms(percentile(r.phone_latencies, 0.99))}** | "
            f"{ms(max(r.phone_latencies, default=math.nan))} | {ms(max(r.display_latencies, default=math.nan))} | "
            f"{ms(max(r.counter_latencies, default=math.nan))} | {r.missed} | {num(r.connect_s)} | "
            f"{each(r.idle_rss_mb)} | **{each(r.loaded_rss_mb)}** | {each(r.worker_peak_mb)} | "
            f"{' + '.join(map(str, r.per_worker)) or '–'} |")
    lines += [
        "",
        "**Cost**, from the first call to the last push: pushes received by all screens, per second; CPU time "
        "(user + system, /proc) of the server's processes, of PostgreSQL's, of the client processes playing "
        "the screens (and the clerk), and of the rest of the machine, which all share its CPUs.",
        "",
        "| server | pushes | seconds | pushes/s | server CPU s | CPU ms/push | PostgreSQL CPU s | client processes "
        "| clients' CPU s | other CPU s | call-next request ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        per_push = r.server_cpu_s * 1000 / r.pushes if r.pushes else math.nan
        rate = r.pushes / r.phase_s if r.pushes else math.nan
        lines.append(
            f"| {r.scenario.server} | {r.pushes} | {num(r.phase_s)} | **{num(rate, 0)}** | {num(r.server_cpu_s)} | "
            f"{num(per_push)} | {num(r.postgres_cpu_s)} | {r.clients} | {num(r.client_cpu_s)} | {num(r.other_cpu_s)} | "
            f"{ms(percentile(r.requests, 0.5))} |")
    problems = [f"- {r.scenario.server}: {p}" for r in results for p in r.problems]
    lines += ["", "Seen going wrong:", "", *problems] if problems else [
        "", "Seen going wrong: nothing (no HTTP error, no missed push, no socket closed, no warning or error "
            "in the servers' logs)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench live", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 and 50 screens, 3 calls each")
    parser.add_argument("--write", action="store_true", help=f"update {PERFORMANCE.name}")
    parser.add_argument("--calls", type=int,
                        help="calls per scenario (default: 20, but no more than 500 ÷ screens, at least 4; 3 with --quick)")
    parser.add_argument("--interval", type=float, default=0.3, help="seconds between calls (default 0.3)")
    parser.add_argument("--quiet-wait", type=float, default=300, metavar="S",
                        help="before each server, wait up to S seconds for the machine to be idle (default 300)")
    parser.add_argument("--attempts", type=int, default=3,
                        help="measure a server again, up to this many times, while other processes were busy "
                        "during its calls (default 3)")
    parser.add_argument("--worktree", action="store_true",
                        help="run the checkout's files as they are, not those of its last commit")
    parser.add_argument("--screens", help="comma-separated screen counts (default 10,50,200)")
    parser.add_argument("--phones", nargs="?", const=PHONES, type=int, metavar="N",
                        help=f"issue 22's scenario instead: N phones (default {PHONES:,}; 1,000 with --quick), "
                        f"with a twenty-fifth as many displays and a hundredth as many counter screens, "
                        "on PostgreSQL with 2 workers")
    parser.add_argument("--clients", type=int,
                        help="client processes playing the screens (default 1; 4 with --phones)")
    parser.add_argument("--heartbeat", type=float, default=HEARTBEAT_S, metavar="S",
                        help=f"the server's LUUKKU_LIVE_HEARTBEAT_S, and the screens' pings (default {HEARTBEAT_S:g})")
    args = parser.parse_args(argv)
    command = " ".join(["scripts/bench live", *(sys.argv[1:] if argv is None else argv)])
    if args.phones:
        phones = QUICK_PHONES if args.quick and args.phones == PHONES else args.phones
        displays, counters = max(1, phones // 25), max(1, phones // 100)
        scenarios = [Scenario("postgresql", 2, phones + displays + counters, counters, displays)]
        calls = {scenarios[0].screens: args.calls or (2 if args.quick else 5)}
        clients = args.clients or 4
        wait_s = 60.0  # thousands of pushes per call: a slow one is measured, not counted missed
    else:
        sizes = [int(n) for n in (args.screens or ("10,50" if args.quick else "10,50,200")).split(",")]
        scenarios = [Scenario(database, workers, n)
                     for database, workers in (("sqlite", 1), ("postgresql", 2)) for n in sizes]
        # Every screen re-renders on every event, so a call costs in proportion to the screens: fewer
        # calls with many screens keep the run within a few minutes.
        calls = {n: args.calls or (3 if args.quick else min(20, max(4, 500 // n))) for n in sizes}
        clients = args.clients or 1
        wait_s = WAIT_S
    # A socket is a file: the server's workers and the client processes inherit the raised limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))

    require_postgresql("scripts/bench live")

    began = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="luukku-bench-") as tmp, pg_database() as pg_template:
        # Migrated and seeded once (the demo passwords' hashing takes a while), copied per scenario.
        code = Path(tmp) / "code"
        measured = f"commit {code_to_measure(code, args.worktree)}"
        print(f"measuring {measured}", file=sys.stderr)
        seed(code, f"sqlite:///{Path(tmp) / 'template.db'}", Path(tmp) / "prints")
        seed(code, pg_url(pg_template), Path(tmp) / "prints")
        templates = {"sqlite": str(Path(tmp) / "template.db"), "postgresql": pg_template}
        for scenario in scenarios:
            earlier: list[str] = []  # what went wrong in attempts measured again, kept for the report
            for attempt in range(1, args.attempts + 1):
                result = run_scenario(scenario, calls[scenario.screens], args.interval, Path(tmp), templates,
                                      args.quiet_wait, attempt, clients, args.heartbeat, wait_s)
                print(f"{scenario.server}, {scenario.screens} screens: p95 {ms(percentile(result.latencies, 0.95))} "
                      f"ms, {len(result.problems)} problems, other processes {num(result.other_cpu_s)} CPU s",
                      file=sys.stderr)
                if not result.disturbed or attempt == args.attempts:
                    break
                earlier += [f"(attempt {attempt}, measured again: the machine was busy) {p}" for p in result.problems]
            result.problems = earlier + result.problems
            if result.disturbed:
                result.problems.append(f"the machine was not idle: other processes used {result.other_cpu_s:.1f} "
                                       f"CPU s during the {result.phase_s:.1f} s of calls (attempt {attempt} of {args.attempts})")
            results.append(result)
    elapsed = time.perf_counter() - began

    body = phones_report(results, args.interval, args.heartbeat) if args.phones else report(results, args.interval)
    print(body)
    print(f"\n{len(results)} scenarios in {elapsed:.0f} s", file=sys.stderr)
    if args.write:
        stamp = run_stamp(command, f"{measured}; {len(results)} servers one after another, {elapsed:.0f} s")
        if args.phones:
            write_section("live_phones", "Thousands of phones (issue 22)", f"{stamp}\n\n{body}")
        else:
            write_section("live_fanout", "Live screens: a call reaching every screen", f"{stamp}\n\n{body}")
        print(f"updated {PERFORMANCE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
