"""Remote-join rush (issue 19): 300 citizens joining one site's queue from their phones within a minute.

Each citizen, on a keep-alive connection of their own, opens the join form (``GET /j/demo/advice``:
the session cookie and its CSRF token) and sends it (``POST /j/demo/advice``: SMS to a phone of
their own, told 10–60 minutes before), as a phone's browser does; 303 to the ticket's page is a
join. Two ways of arriving: spread over the minute (each at a random moment of it: about 5 a
second, with the jitter of chance) and all at once. The server is ``python -m server.cli serve``
(bench/luukku_server.py) with LUUKKU_DEMO, on a fresh copy of the demo database, SQLite (one
worker) and PostgreSQL (one worker), its SMS gateway the fake HTTP gateway (tests/fakes/smsc.py) in
this process, so the "joined" messages go somewhere. The advice service takes remote tickets with
``remote_max_waiting`` raised to 10,000, so the quota does not refuse anyone; the public pages' rate
limit is off (every phone comes from 127.0.0.1).

The join route (kiosk/remote.py) is not committed yet: the server runs the checkout's files as they
are (the report names the uncommitted ones).

    scripts/bench remote                  # SQLite and PostgreSQL, 300 citizens, spread and at once
    scripts/bench remote --quick          # 60 citizens over 12 s
    scripts/bench remote --write          # and updates its section of docs/PERFORMANCE.md
"""

import argparse
import asyncio
import html
import random
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.live_fanout import ms, percentile
from bench.luukku_server import (ROOT, Server, demo_database, pg_database, pg_url, require_postgresql, seed,
                                 uncommitted, wait_until_quiet)
from bench.performance import PERFORMANCE, run_stamp, write_section
from bench.suite import Connection
from tests.fakes.smsc import FakeHttpGateway

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ERROR = re.compile(r'id="join-error"><p>(.*?)</p>', re.S)
THRESHOLDS = ("10", "15", "20", "30", "45", "60")
SETTINGS = {"demo_printer": "agent", "kiosk_rate_limit_per_min": "0", "public_rate_limit_per_min": "0"}
REMOTE_SQL = "UPDATE service SET remote_join = {true}, remote_max_waiting = 10000 WHERE code = 'advice'"


@dataclass
class Rush:
    database: str
    arrival: str
    citizens: int
    seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)
    join_latency: list[float] = field(default_factory=list)
    form_latency: list[float] = field(default_factory=list)
    server_errors: int = 0
    in_database: int = 0
    sms_received: int = 0
    sms_duplicates: int = 0
    problems: list[str] = field(default_factory=list)


async def citizen(port: int, n: int, start_at: float, rush: Rush) -> None:
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    connection = Connection(port)
    try:
        t0 = time.perf_counter()
        form = await connection.request("GET", "/j/demo/advice")
        rush.form_latency.append(time.perf_counter() - t0)
        if form.status != 200:
            outcome = f"form {form.status}"
        else:
            cookie = form.headers.get("set-cookie", "").split(";", 1)[0]
            token = CSRF.search(form.body.decode()).group(1)
            t0 = time.perf_counter()
            reply = await connection.request("POST", "/j/demo/advice", headers={"Cookie": cookie}, form={
                "csrf_token": token, "channel": "sms", "phone": f"+35850{n:07d}", "email": "",
                "minutes": THRESHOLDS[n % len(THRESHOLDS)]})
            rush.join_latency.append(time.perf_counter() - t0)
            if reply.status == 303 and reply.headers.get("location", "").startswith("/t/"):
                outcome = "joined"
            else:
                found = ERROR.search(reply.body.decode(errors="replace"))
                outcome = f"refused {reply.status}: {html.unescape(found.group(1)) if found else '?'}"
        if outcome.startswith(("form 5", "refused 5")):
            rush.server_errors += 1
    except (OSError, asyncio.IncompleteReadError) as exc:
        outcome = f"connection: {exc.__class__.__name__}"
    finally:
        connection.close()
    rush.outcomes[outcome] = rush.outcomes.get(outcome, 0) + 1


def remote_tickets(url: str) -> int:
    query = "SELECT count(*) FROM ticket WHERE remote"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(query).fetchone()[0]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
        return db.execute(query).fetchone()[0]


def allow_remote(url: str) -> None:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            db.execute(REMOTE_SQL.format(true=1))
    else:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
            db.execute(REMOTE_SQL.format(true="true"))


def run(database: str, arrival: str, citizens: int, spread_s: float, tmp: Path, templates: dict) -> Rush:
    rush = Rush({"sqlite": "SQLite", "postgresql": "PostgreSQL"}[database], arrival, citizens)
    scratch = tmp / f"{database}-{arrival}"
    scratch.mkdir()
    wait_until_quiet(20, window_s=1.0)
    with demo_database(database, templates, scratch) as (url, _name), FakeHttpGateway() as gateway:
        allow_remote(url)
        server = Server(tmp / "code", url, 1, scratch, tmp / "prints", sms_gateway=gateway.url, **SETTINGS)
        try:
            server.wait_until_serving()
            rng = random.Random(19)
            offsets = [rng.uniform(0, spread_s) if arrival == "spread" else 0.0 for _ in range(citizens)]

            async def everyone():
                began = time.perf_counter() + 0.2
                await asyncio.gather(*(citizen(server.port, n, began + offset, rush)
                                       for n, offset in enumerate(offsets)))
                return time.perf_counter() - began

            rush.seconds = asyncio.run(everyone())
            time.sleep(3)  # the "joined" messages leave
        finally:
            server.stop()
        rush.problems += [f"server log: {line[:300]}" for line in server.log_problems()[:5]]
        rush.in_database = remote_tickets(url)
        rush.sms_received = len(gateway.requests)
        rush.sms_duplicates = rush.sms_received - len({r["body"]["reference"] for r in gateway.requests})
    print(f"{rush.database}, {arrival}: {rush.outcomes}", file=sys.stderr)
    return rush


def report(rushes: list[Rush], spread_s: float) -> str:
    lines = [
        f"Citizens joining `advice` at the demo site from their phones: the join form (GET) then the join "
        f"(POST with the CSRF token), each on its own connection; *spread*: each at a random moment of "
        f"{spread_s:g} s; *at once*: all together. Latency: the POST's round trip. *In the database*: remote "
        "tickets counted afterwards; *SMS*: messages the fake gateway received within 3 s of the "
        "last join (\"joined\", and \"near\" for those whose estimate was already within their threshold), "
        "and of those received twice.",
        "",
        "| database | arrival | citizens | joined | refused | server errors | seconds | join p50 ms | p95 ms "
        "| p99 ms | form p50 ms | in the database | SMS | SMS twice |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rushes:
        joined = r.outcomes.get("joined", 0)
        lines.append(f"| {r.database} | {r.arrival} | {r.citizens} | **{joined}** | {r.citizens - joined} "
                     f"| **{r.server_errors}** | {r.seconds:.1f} | {ms(percentile(r.join_latency, .5))} "
                     f"| {ms(percentile(r.join_latency, .95))} | **{ms(percentile(r.join_latency, .99))}** "
                     f"| {ms(percentile(r.form_latency, .5))} | {r.in_database} | {r.sms_received} | {r.sms_duplicates} |")
    refusals = [f"- {r.database}, {r.arrival}: {k}: {v}" for r in rushes for k, v in r.outcomes.items() if k != "joined"]
    problems = [f"- {r.database}, {r.arrival}: {p}" for r in rushes for p in r.problems]
    lines += ["", *(["Refusals:", "", *refusals] if refusals else ["Refusals: none."])]
    lines += ["", *(["Seen going wrong:", "", *problems] if problems else
                    ["Seen going wrong: nothing (no server error, no warning or error in the servers' logs)."])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench remote", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 citizens over 12 s")
    parser.add_argument("--citizens", type=int, default=300)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the spread arrivals span")
    parser.add_argument("--configs", default="sqlite,postgresql")
    parser.add_argument("--arrivals", default="spread,at once")
    parser.add_argument("--write", action="store_true", help=f"update {PERFORMANCE.name}")
    args = parser.parse_args(argv)
    citizens, spread_s = (60, 12.0) if args.quick else (args.citizens, args.spread)
    command = " ".join(["scripts/bench remote", *(sys.argv[1:] if argv is None else argv)])
    configs = args.configs.split(",")
    if "postgresql" in configs:
        require_postgresql("scripts/bench remote")
    began = time.perf_counter()
    rushes = []
    with tempfile.TemporaryDirectory(prefix="luukku-remote-") as tmp, pg_database() as pg_template:
        tmp = Path(tmp)
        (tmp / "code").symlink_to(ROOT)  # kiosk/remote.py is not committed yet: the checkout as it is
        (tmp / "prints").mkdir()
        for url in (f"sqlite:///{tmp / 'template.db'}", pg_url(pg_template)):
            seed(tmp / "code", url, tmp / "prints", printer="agent")
        templates = {"sqlite": str(tmp / "template.db"), "postgresql": pg_template}
        for database in configs:
            for arrival in args.arrivals.split(","):
                rushes.append(run(database, arrival, citizens, spread_s, tmp, templates))
    body = report(rushes, spread_s)
    changed = uncommitted()
    stamp = run_stamp(command, f"the checkout as it is{', uncommitted: ' + ', '.join(changed) if changed else ''}; "
                               f"{time.perf_counter() - began:.0f} s")
    print(body)
    if args.write:
        write_section("remote_rush", "Remote queue: joining rush", f"{stamp}\n\n{body}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
