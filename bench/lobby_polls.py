"""The lobby of a fair release (issue 22): how many waiting browsers' polls one worker answers a second.

A migrated demo database on SQLite with a release of the demo's General advice that opened a second
ago at a pace of one a minute and 10,000 passes drawn before it, so every poll is a waiting
browser's: its signed cookie (pass id and rank), the place from the worker's cache of ranks (one
indexed query a second), the status fragment rendered (what lobby.js asks for every 5–60 s).
``python -m server.cli serve`` with one worker (the checkout's files, the rate limit off: every
request here comes from one address); closed loop: ``--connections`` keep-alive connections each
sending its next poll as soon as the last is answered, each poll with another pass's cookie.
Reported: polls answered a second, p50/p99, errors, the server's CPU seconds per second, and what
that means for 10,000 browsers polling every ~10 s (1,000 polls a second).

    .venv/bin/python -m bench.lobby_polls              # 10,000 passes, 64 connections, 10 s
    .venv/bin/python -m bench.lobby_polls --seconds 3
"""

import argparse
import asyncio
import os
import secrets
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from bench.live_fanout import percentile
from bench.luukku_server import ROOT, Server, cpu_seconds, seed, wait_until_quiet
from bench.suite import Connection

HELSINKI = ZoneInfo("Europe/Helsinki")


def prepare(url: str, passes: int) -> tuple[int, str, list[tuple[str, int]]]:
    """The release (opened a second ago, one a minute) and its passes; (release id, day, [(id, rank)])."""
    from server import queue, releases
    from server.db import Database
    from server.models import LobbyPass, utcnow

    day = datetime.now(HELSINKI).date() + timedelta(days=3)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    db = Database(url)
    with db.write() as session:
        site = queue.get_site(session, "demo")
        release = releases.add(session, site, queue.get_service(session, site, "advice"), day, day,
                               utcnow() - timedelta(seconds=1), 1, staff_user_id=None,
                               now=utcnow() - timedelta(hours=1))
        rows = [{"id": secrets.token_urlsafe(16), "release_id": release.id, "rank": secrets.randbelow(releases.LATE),
                 "requester": f"bench-{i % 1000}", "created_at": utcnow() - timedelta(minutes=30)}
                for i in range(passes)]
        session.execute(sa.insert(LobbyPass), rows)
        release_id = release.id
    db.dispose()
    return release_id, day.isoformat(), [(row["id"], row["rank"]) for row in rows]


async def load(port: int, path: str, cookies: list[tuple[str, str]], connections: int, seconds: float) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def client() -> None:
        nonlocal errors
        connection = Connection(port)
        while time.perf_counter() < deadline:
            name, value = cookies[next(counter) % len(cookies)]
            began = time.perf_counter()
            try:
                reply = await connection.request("GET", path, headers={"X-Lobby-Poll": "1",
                                                                       "Cookie": f"{name}={value}"})
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                connection.close()
                continue
            latencies.append(time.perf_counter() - began)
            statuses[reply.status] = statuses.get(reply.status, 0) + 1
        connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return {"seconds": time.perf_counter() - began, "latencies": latencies, "statuses": statuses, "errors": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.lobby_polls", description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="luukku-lobby-") as tmp:
        tmp = Path(tmp)
        (tmp / "code").symlink_to(ROOT)  # the checkout's files as they are
        scratch = tmp / "sqlite"
        scratch.mkdir()
        url = f"sqlite:///{scratch / 'luukku.db'}"
        seed(tmp / "code", url, scratch / "prints")
        release_id, day, passes = prepare(url, args.passes)
        key = secrets.token_hex(32)
        signer = URLSafeSerializer(key, salt="luukku-lobby")
        cookies = [(f"luukku_lobby_{release_id}", signer.dumps([release_id, pass_id, rank]))
                   for pass_id, rank in passes]
        server = Server(tmp / "code", url, 1, scratch, scratch / "prints", secret_key=key,
                        public_rate_limit_per_min="0")
        try:
            server.wait_until_serving()
            path = f"/b/demo/advice?day={day}"
            asyncio.run(load(server.port, path, cookies, 8, 1.0))  # warm up: templates, the cache
            quiet = wait_until_quiet(20, window_s=1.0)
            before = sum(cpu_seconds(pid) for pid in server.pids())
            run = asyncio.run(load(server.port, path, cookies, args.connections, args.seconds))
            cpu = sum(cpu_seconds(pid) for pid in server.pids()) - before
            load_avg = os.getloadavg()[0]
        finally:
            server.stop()
    answered = run["statuses"].get(200, 0)
    rate = answered / run["seconds"]
    print(f"{args.passes} passes waiting, {args.connections} connections, {run['seconds']:.1f} s, one worker, SQLite")
    print(f"polls answered: {answered} ({rate:.0f}/s), statuses {run['statuses']}, errors {run['errors']}")
    print(f"latency p50 {percentile(run['latencies'], .5) * 1000:.1f} ms, "
          f"p99 {percentile(run['latencies'], .99) * 1000:.1f} ms")
    print(f"server CPU {cpu / run['seconds']:.2f} s/s; machine load {load_avg:.1f}{'' if quiet else ' (busy before)'}")
    print(f"10,000 browsers polling every ~10 s ask 1,000 polls/s: {1000 / rate * 100:.0f} % of this worker's "
          f"capacity; at lobby.js's pace far from the turn (every 60 s) {10000 / 60 / rate * 100:.0f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
