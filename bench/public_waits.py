"""Public waits (issue 21): ``GET /api/v1/waits`` offered 1,000 requests a second.

A city's website may send its visitors' browsers to the JSON (or its own server may poll it), so
the endpoint must stand far more traffic than the service point itself makes. A migrated demo
database with some tickets waiting, ``python -m server.cli serve`` (the checkout's files, one worker
unless ``--workers``, the rate limit off: every request here comes from one address) and an
open-loop load: request *i* is due at *i*/rate seconds whatever the answers before it, sent on a
free keep-alive connection (a new one if none is free, up to ``--connections``). Latency is
counted from when a request was due, so a server falling behind shows in it (no coordinated
omission). Reported: requests offered and answered, achieved throughput, p50/p99/max, errors, the
server's readings of the database (the cache: one every ``waits_cache_s`` seconds) and its CPU.

    scripts/bench waits                   # SQLite and PostgreSQL, 1,000 req/s for 10 s
    scripts/bench waits --quick           # SQLite, 3 s
    scripts/bench waits --write           # and updates its section of docs/PERFORMANCE.md
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from bench.live_fanout import percentile
from bench.luukku_server import (ROOT, Server, cpu_seconds, pg_database, pg_url, require_postgresql, seed,
                                 wait_until_quiet)
from bench.performance import PERFORMANCE, run_stamp, write_section
from bench.suite import Connection

PATH = "/api/v1/waits"


@dataclass
class Run:
    database: str
    offered: int = 0
    answered: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    connections: int = 0
    cpu_s: float = 0.0
    body_bytes: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    quiet: bool = True  # the machine was quiet before the run (others' work skews the figures)
    load: float = 0.0  # the 1-minute load average after the run


async def offer(port: int, rate: float, seconds: float, max_connections: int, run: Run) -> None:
    idle: list[Connection] = []
    pending: set[asyncio.Task] = set()
    gate = asyncio.Semaphore(max_connections)

    async def one(due: float) -> None:
        async with gate:
            connection = idle.pop() if idle else Connection(port)
            if connection.writer is None:
                run.connections += 1
            try:
                reply = await connection.request("GET", PATH)
            except (OSError, asyncio.IncompleteReadError):
                run.errors += 1
                connection.close()
                return
            run.latencies.append(time.perf_counter() - due)
            run.statuses[reply.status] = run.statuses.get(reply.status, 0) + 1
            if reply.status == 200:
                run.answered += 1
                run.body_bytes = len(reply.body)
            else:
                run.errors += 1
            idle.append(connection)

    total = int(rate * seconds)
    began = time.perf_counter()
    for i in range(total):
        due = began + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(due))
        pending.add(task)
        task.add_done_callback(pending.discard)
        run.offered += 1
    if pending:
        await asyncio.wait(pending, timeout=30)
    run.seconds = time.perf_counter() - began
    for connection in idle:
        connection.close()


async def warm_up(port: int) -> None:
    connection = Connection(port)
    for _ in range(20):
        await connection.request("POST", "/api/v1/sites/demo/tickets", json_body={"service": "advice"})
    for _ in range(50):
        await connection.request("GET", PATH)
    connection.close()


def measure(database: str, url: str, scratch: Path, rate: float, seconds: float, connections: int,
            workers: int) -> Run:
    run = Run({"sqlite": "SQLite", "postgresql": "PostgreSQL"}[database])
    server = Server(scratch.parent / "code", url, workers, scratch, scratch / "prints",
                    waits_rate_limit_per_min="0")
    try:
        server.wait_until_serving()
        asyncio.run(warm_up(server.port))
        run.quiet = wait_until_quiet(20, window_s=1.0)
        before = sum(cpu_seconds(pid) for pid in server.pids())
        asyncio.run(offer(server.port, rate, seconds, connections, run))
        run.cpu_s = sum(cpu_seconds(pid) for pid in server.pids()) - before
        run.load = os.getloadavg()[0]
        problems = server.log_problems()
        if problems:
            print("server log:", *problems[:5], sep="\n  ", file=sys.stderr)
    finally:
        server.stop()
    return run


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(runs: list[Run], rate: float, seconds: float, workers: int) -> str:
    lines = [
        f"`GET {PATH}` (every site's waits, {runs[0].body_bytes if runs else 0} bytes of JSON for the demo site) "
        f"offered **{rate:.0f} requests a second for {seconds:.0f} s**, open loop (each request due at its "
        "time whatever the answers before it, on a free keep-alive connection or a new one), to "
        f"`luukku serve` with {workers} worker{'s' * (workers > 1)}, 20 tickets waiting, the rate limit off "
        "(the load comes from one address) and the cache at its default (`LUUKKU_WAITS_CACHE_S=5`: one "
        "reading of the database at most every 5 s per worker, shared by every request meanwhile). "
        "Latency from when the request was due, so time spent waiting for the server counts. "
        "*Server CPU*: its processes' user + system seconds over the run, per second. *Load*: the "
        "machine's 1-minute load average after the run (2 CPUs; above 2, others' work took CPU from the "
        "server and from the load's own client, and the figures are lower bounds).",
        "",
        "| database | offered | answered | **achieved req/s** | p50 ms | **p99 ms** | max ms | errors "
        "| connections | server CPU | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        lines.append(
            f"| {r.database} | {r.offered} | {r.answered} | **{r.answered / r.seconds:.0f}** "
            f"| {ms(percentile(r.latencies, .5))} | **{ms(percentile(r.latencies, .99))}** "
            f"| {ms(max(r.latencies))} | {r.errors} | {r.connections} | {r.cpu_s / r.seconds:.2f} "
            f"| {r.load:.1f}{'' if r.quiet else ' (busy)'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench waits", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="SQLite only, 3 s")
    parser.add_argument("--rate", type=float, default=1000, help="requests a second offered")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=100, help="the most keep-alive connections at once")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--configs", default="sqlite,postgresql")
    parser.add_argument("--write", action="store_true", help=f"update {PERFORMANCE.name}")
    args = parser.parse_args(argv)
    configs, seconds = (["sqlite"], 3.0) if args.quick else (args.configs.split(","), args.seconds)
    command = " ".join(["scripts/bench waits", *(sys.argv[1:] if argv is None else argv)])
    if "postgresql" in configs:
        require_postgresql("scripts/bench waits")
    runs = []
    with tempfile.TemporaryDirectory(prefix="luukku-waits-") as tmp:
        tmp = Path(tmp)
        (tmp / "code").symlink_to(ROOT)  # the checkout's files as they are
        for database in configs:
            scratch = tmp / database
            (scratch / "prints").mkdir(parents=True)
            with pg_database() if database == "postgresql" else nullcontext() as name:
                url = pg_url(name) if database == "postgresql" else f"sqlite:///{scratch / 'luukku.db'}"
                seed(tmp / "code", url, scratch / "prints")
                run = measure(database, url, scratch, args.rate, seconds, args.connections, args.workers)
            print(f"{run.database}: {run.answered / run.seconds:.0f} req/s answered of {args.rate:.0f} offered, "
                  f"p50 {ms(percentile(run.latencies, .5))} ms, p99 {ms(percentile(run.latencies, .99))} ms, "
                  f"{run.errors} errors {run.statuses}", file=sys.stderr)
            runs.append(run)
    text = report(runs, args.rate, seconds, args.workers)
    print(text)
    if args.write:
        write_section("waits", "Public waits (issue 21)",
                      run_stamp(command, f"{args.rate:.0f} req/s for {seconds:.0f} s") + "\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
