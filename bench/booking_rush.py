"""The booking rush (issue 22, item 1): 2,000 citizens arriving within a minute for the 500 seats of
one site's new week, each through the public booking pages as a person goes through them.

    scripts/bench rush                    # SQLite (1 worker) and PostgreSQL (2 workers), 2,000 citizens
    scripts/bench rush --quick            # 400 citizens over 12 s for 100 seats
    scripts/bench rush --write            # and updates its section of docs/PERFORMANCE.md
    scripts/bench rush --configs sqlite --worktree --profile
    scripts/bench rush --commit HEAD~1    # the application as it was a commit ago, for a before and after

How it works and what it leaves out: bench/README.md.
"""

import argparse
import asyncio
import random
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import psycopg

from bench.live_fanout import ms, percentile
from bench.luukku_server import (code_to_measure, Server, cpu_seconds, demo_database, environment,
                                 family_cpu_seconds, machine_cpu_seconds, pg_database, pg_url, postmaster_pid,
                                 require_postgresql, seed, wait_until_quiet)
from bench.performance import PERFORMANCE, run_stamp, write_section
from bench.suite import BENCH_SETTINGS, BUTTON, TOKEN, Connection, Profile, wait_for_workers

CONFIGS = {"sqlite": ("sqlite", 1), "postgresql2": ("postgresql", 2), "postgresql": ("postgresql", 1)}
SLOTS = 50  # the week: Monday to Friday, ten 30-minute times from 9 to 14
KINDS = ("times", "hold", "form", "confirm", "taken → book")
DAY = re.compile(r'href="\?day=([\d-]+)"[^>]*>\s*<span class="day-name">[^<]*</span>\s*'
                 r'<span class="day-free">(\d+)')
LATER = re.compile(r'<a href="\?day=([\d-]+)">[^<]*</a>\s*</p>')  # "Later days", the last link of the strip
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
MAX_TRIES = 20  # a citizen gives up after this many times taken (bounds every loop)

# The week's advice: SLOTS times of seats ÷ SLOTS seats each; the days before the week closed, and the
# booking horizon ending on its Friday (the server's setting), so the week's seats are all there is.
RUSH_SEED = """
import sys
from datetime import date, time, timedelta
from sqlmodel import select
from server import hours
from server.db import Database
from server.models import AppointmentHours, Service, Site

url, seats, monday = sys.argv[1], int(sys.argv[2]), date.fromisoformat(sys.argv[3])
db = Database(url)
with db.write() as session:
    site = session.exec(select(Site).where(Site.slug == "demo")).one()
    advice = session.exec(select(Service).where(Service.site_id == site.id, Service.code == "advice")).one()
    advice.appointment_seats, advice.slot_min, advice.buffer_min, advice.walk_in_share = seats, 30, 0, 0
    session.add(advice)
    for row in session.exec(select(AppointmentHours).where(AppointmentHours.service_id == advice.id)):
        session.delete(row)
    session.flush()
    session.add_all(AppointmentHours(service_id=advice.id, weekday=d, opens=time(9), closes=time(14)) for d in range(5))
    day = date.today()
    while day < monday:
        hours.set_exception(session, site, day, "closed")
        day += timedelta(days=1)
if db.is_sqlite:
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
db.dispose()
"""


def new_week() -> date:
    """The Monday the rush books: the next one after today."""
    today = date.today()
    return today + timedelta(days=7 - today.weekday())


@dataclass
class Rush:
    config: str
    citizens: int
    seats: int
    spread_s: float
    outcomes: dict[str, int] = field(default_factory=dict)
    latency: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    statuses: dict[int, int] = field(default_factory=dict)
    booked_at: list[float] = field(default_factory=list)  # seconds from the first arrival
    seconds: float = 0.0
    server_cpu: float = 0.0
    pg_cpu: float | None = None
    client_cpu: float = 0.0  # this process: the citizens
    others_cpu: float = 0.0  # everything else on the machine meanwhile (other people's work)
    in_db: int = 0
    double: int = 0
    profile: list[tuple[str, float]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def booked(self) -> int:
        return self.outcomes.get("booked", 0)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


class Citizen:
    """One phone: its own keep-alive connection and its own cookies (the language cookie), every
    request timed under the kind of page it is."""

    def __init__(self, port: int, rush: Rush):
        self.connection = Connection(port)
        self.cookies: dict[str, str] = {}
        self.rush = rush

    async def request(self, kind: str, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        t0 = time.perf_counter()
        reply = await self.connection.request(method, path, form=form, headers=headers)
        self.rush.latency[kind].append(time.perf_counter() - t0)
        self.rush.statuses[reply.status] = self.rush.statuses.get(reply.status, 0) + 1
        if "set-cookie" in reply.headers:  # the one cookie these pages set: the language
            name, _, value = reply.headers["set-cookie"].split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return reply


def choose(rng: random.Random, options: list):
    """Most want the earliest: the n-th option with n drawn from an exponential distribution."""
    return options[min(len(options) - 1, int(rng.expovariate(0.3)))]


async def citizen(port: int, n: int, monday: date, start_at: float, began: float, rush: Rush) -> None:
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    rng = random.Random(n)
    lang = rng.choices(("fi", "sv", "en"), (80, 10, 10))[0]
    person = Citizen(port, rush)
    outcome = "gave up"
    try:
        # The new week's page, as the link in the news or the QR code's page leads to it.
        page = await person.request("times", "GET", f"/b/demo/advice?day={monday.isoformat()}&lang={lang}")
        text, details = page.body.decode(), None
        for _ in range(MAX_TRIES):
            if page.status >= 400 and page.status != 409:
                outcome = f"times {page.status}"
                break
            times = BUTTON.findall(text)
            if not times:
                if page.status == 409:  # "just taken" with no next time: back to the week's page
                    page = await person.request("times", "GET", f"/b/demo/advice?day={monday.isoformat()}")
                    text, details = page.body.decode(), None
                    times = BUTTON.findall(text)
                if not times:  # the chosen day is full: another day of the strip with free times
                    days = DAY.findall(text)
                    later = LATER.findall(text)
                    if days:
                        day = choose(rng, [d for d, _free in days])
                    elif later and later[-1] > monday.isoformat():
                        day = later[-1]
                    else:
                        outcome = "no time left"
                        break
                    page = await person.request("times", "GET", f"/b/demo/advice?day={day}")
                    text = page.body.decode()
                    continue
            chosen = choose(rng, times)
            if details:  # the "just taken" page after the form: a tap holds and books at once
                held = await person.request("taken → book", "POST", "/b/demo/advice",
                                            form={**details, "starts_at": chosen})
            else:
                held = await person.request("hold", "POST", "/b/demo/advice", form={"starts_at": chosen})
            if held.status == 409:
                page, text = held, held.body.decode()
                continue
            if held.status != 303:
                outcome = f"hold {held.status}"
                break
            location = held.headers["location"]
            if "done=booked" in location:
                outcome = "booked"
                break
            path = TOKEN.match(location).group(0)
            form = await person.request("form", "GET", path)
            if form.status != 200:
                outcome = f"form {form.status}"
                break
            sent = await person.request("confirm", "POST", path, form={
                "name": f"Asiakas {n}", "phone": "", "email": f"asiakas{n}@example.fi", "message": "",
                "consent": "yes"})
            if sent.status == 409:
                page, text = sent, sent.body.decode()
                details = dict(HIDDEN.findall(text)) or None
                continue
            outcome = "booked" if sent.status == 303 and "done=booked" in sent.headers.get("location", "") \
                else f"confirm {sent.status}"
            break
    except (OSError, asyncio.IncompleteReadError) as exc:
        outcome = f"connection: {exc.__class__.__name__}"
    finally:
        person.connection.close()
    if outcome == "booked":
        rush.booked_at.append(time.perf_counter() - began)
    rush.outcomes[outcome] = rush.outcomes.get(outcome, 0) + 1


def configure(code: Path, url: str, seats: int, monday: date) -> None:
    subprocess.run([sys.executable, "-c", RUSH_SEED, url, str(seats // SLOTS), monday.isoformat()],
                   env=environment(code), check=True)


def count_bookings(url: str, monday: date) -> tuple[int, int]:
    """The week's booked appointments of advice in the database, and seats beyond a slot's capacity."""
    query = """
        SELECT a.starts_at, count(*), max(s.appointment_seats) FROM appointment a
        JOIN service s ON s.id = a.service_id
        WHERE a.status = 'booked' AND s.code = 'advice' GROUP BY a.starts_at
    """
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            rows = db.execute(query).fetchall()
    else:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
            rows = db.execute(query).fetchall()
    return sum(n for _, n, _ in rows), sum(max(0, n - seats) for _, n, seats in rows)


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(name: str, citizens: int, seats: int, spread_s: float, monday: date, tmp: Path, templates: dict,
        profile: bool) -> Rush:
    database, workers = CONFIGS[name]
    rush = Rush(f"{ {'sqlite': 'SQLite', 'postgresql': 'PostgreSQL'}[database]}, {workers} "
                f"worker{'s' * (workers > 1)}", citizens, seats, spread_s)
    scratch = tmp / name
    scratch.mkdir()
    wait_until_quiet(20, window_s=1.0)
    settings = {**BENCH_SETTINGS, "booking_horizon_days": str((monday + timedelta(days=4) - date.today()).days)}
    with demo_database(database, templates, scratch) as (url, _name):
        server = Server(tmp / "code", url, workers, scratch, tmp / "prints", **settings)
        try:
            server.wait_until_serving()
            wait_for_workers(server, workers)
            rng = random.Random(22)
            offsets = sorted(rng.uniform(0, spread_s) for _ in range(citizens))  # a Poisson process's arrivals
            postgres = postmaster_pid() if database == "postgresql" else None
            spy = Profile(server, scratch / "profile.txt") if profile else None

            async def everyone() -> float:
                began = time.perf_counter() + 0.2
                await asyncio.gather(*(citizen(server.port, n, monday, began + offset, began, rush)
                                       for n, offset in enumerate(offsets)))
                return time.perf_counter() - began

            cpu_before = sum(cpu_seconds(pid) for pid in server.pids())
            pg_before = family_cpu_seconds(postgres) if postgres else None
            client_before, machine_before = own_cpu_seconds(), machine_cpu_seconds()
            rush.seconds = asyncio.run(everyone())
            rush.server_cpu = sum(cpu_seconds(pid) for pid in server.pids()) - cpu_before
            if postgres:
                rush.pg_cpu = family_cpu_seconds(postgres) - pg_before
            rush.client_cpu = own_cpu_seconds() - client_before
            rush.others_cpu = max(0.0, machine_cpu_seconds() - machine_before - rush.server_cpu
                                  - (rush.pg_cpu or 0.0) - rush.client_cpu)
            if spy:
                rush.profile = spy.summary(top=16)
        finally:
            server.stop()
        rush.problems += [f"server log: {line[:300]}" for line in server.log_problems()[:5]]
        rush.in_db, rush.double = count_bookings(url, monday)
    print(f"{rush.config}: {rush.outcomes} statuses {rush.statuses}", file=sys.stderr)
    return rush


def report(rushes: list[Rush]) -> str:
    r0 = rushes[0]
    lines = [
        f"{r0.citizens:,} citizens arriving at random moments of {r0.spread_s:g} s (a Poisson process) for the "
        f"{r0.seats} seats of the demo site's advice in the new week (Monday to Friday, ten 30-minute times a day, "
        f"{r0.seats // SLOTS} seats each; no other bookable day). Each on a keep-alive connection and with cookies of "
        "its own, through the pages as a phone goes through them: the week's page (`/b/demo/advice?day=`), "
        "another day of its strip when the chosen day is full, holding a time (`POST`, mostly an early one), "
        "the form (`/a/…`), sending it; a time taken meanwhile brings the \"just taken\" page, whose next "
        "times it chooses from (after the form, that tap books at once: *taken → book*). No pause to read "
        "or type. *Sold out*: from the first arrival to the last booking; *bookings/s* over that time. "
        "*Double*: seats booked beyond a slot's capacity in the database afterwards; *5xx*: answers 500 or "
        "above. *CPU*: the server's processes' (and the PostgreSQL server's) CPU time per booking; *citizens' "
        "CPU*: the benchmark's own process, in all; *others' CPU*: everything else on the machine meanwhile "
        "(2 CPUs: more than a few seconds a second means the figures are someone else's too).",
        "",
        "| server | citizens | booked | in the database | double | 5xx | no time left | sold out s | bookings/s "
        "| page p50 ms | page p99 ms | server CPU ms/booking | PostgreSQL CPU ms/booking "
        "| citizens' CPU s | others' CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rushes:
        every = [x for values in r.latency.values() for x in values]
        sold_out = max(r.booked_at, default=float("nan"))
        lines.append(
            f"| {r.config} | {r.citizens:,} | {r.booked} | {r.in_db} | **{r.double}** | **{r.server_errors}** "
            f"| {r.outcomes.get('no time left', 0)} | {sold_out:.1f} | **{r.booked / sold_out:.0f}** "
            f"| {ms(percentile(every, .5))} | **{ms(percentile(every, .99))}** "
            f"| {r.server_cpu * 1000 / max(r.booked, 1):.0f} "
            f"| {'' if r.pg_cpu is None else f'{r.pg_cpu * 1000 / max(r.booked, 1):.0f}'} "
            f"| {r.client_cpu:.0f} | {r.others_cpu:.0f} |")
    lines += ["", "Per kind of page (requests, p50 / p99 ms):", "",
              "| server | " + " | ".join(KINDS) + " |", "| --- |" + " ---: |" * len(KINDS)]
    for r in rushes:
        lines.append(f"| {r.config} | " + " | ".join(
            f"{len(r.latency[k])}: {ms(percentile(r.latency[k], .5))} / {ms(percentile(r.latency[k], .99))}"
            if r.latency[k] else "–" for k in KINDS) + " |")
    others = [f"- {r.config}: {k}: {v}" for r in rushes for k, v in r.outcomes.items()
              if k not in ("booked", "no time left")]
    problems = [f"- {r.config}: {p}" for r in rushes for p in r.problems]
    problems += [f"- {r.config}: {r.in_db} booked in the database, {r.booked} told booked"
                 for r in rushes if r.in_db != r.booked]
    lines += ["", *(["Other outcomes:", "", *others, ""] if others else [])]
    lines += ["Seen going wrong:", "", *problems] if problems else [
        "Seen going wrong: nothing (no double booking, no 5xx, no warning or error in the servers' logs)."]
    for r in rushes:
        if r.profile:
            lines += ["", f"Where the server's time went ({r.config}, py-spy, first worker):", "",
                      "| where | share of CPU samples |", "| --- | ---: |",
                      *[f"| {label} | {share:.0f} % |" for label, share in r.profile]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench rush", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="400 citizens over 12 s for 100 seats")
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--seats", type=int, default=500, help=f"the week's seats (a multiple of {SLOTS})")
    parser.add_argument("--spread", type=float, default=60.0, help="seconds the arrivals span")
    parser.add_argument("--configs", default="sqlite,postgresql2", help="comma-separated: sqlite, postgresql, "
                        "postgresql2 (PostgreSQL with one worker, two)")
    parser.add_argument("--worktree", action="store_true",
                        help="run the checkout's files as they are, not those of its last commit")
    parser.add_argument("--commit", default="HEAD",
                        help="run the application as of this commit (before and after a change, on one machine)")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy on the first worker (slower: do not --write with it)")
    parser.add_argument("--write", action="store_true", help=f"update {PERFORMANCE.name}")
    args = parser.parse_args(argv)
    citizens, seats, spread_s = (400, 100, 12.0) if args.quick else (args.citizens, args.seats, args.spread)
    if seats % SLOTS:
        parser.error(f"--seats must be a multiple of {SLOTS}")
    command = " ".join(["scripts/bench rush", *(sys.argv[1:] if argv is None else argv)])
    configs = args.configs.split(",")
    if any(c.startswith("postgresql") for c in configs):
        require_postgresql("scripts/bench rush")
    monday = new_week()
    began = time.perf_counter()
    rushes = []
    with tempfile.TemporaryDirectory(prefix="luukku-rush-") as tmp, pg_database() as pg_template:
        tmp = Path(tmp)
        commit = code_to_measure(tmp / "code", args.worktree, args.commit)
        (tmp / "prints").mkdir()
        print(f"measuring commit {commit}", file=sys.stderr)
        for url in (f"sqlite:///{tmp / 'template.db'}", pg_url(pg_template)):
            seed(tmp / "code", url, tmp / "prints", printer="agent")
            configure(tmp / "code", url, seats, monday)
        templates = {"sqlite": str(tmp / "template.db"), "postgresql": pg_template}
        for name in configs:
            rushes.append(run(name, citizens, seats, spread_s, monday, tmp, templates,
                              args.profile and name == configs[0]))
    body = report(rushes)
    print(body)
    elapsed = time.perf_counter() - began
    print(f"\nthe rush took {elapsed:.0f} s", file=sys.stderr)
    if args.write:
        stamp = run_stamp(command, f"commit {commit}; {elapsed:.0f} s in all")
        write_section("rush", "Booking rush: 2,000 citizens for 500 seats", f"{stamp}\n\n{body}")
        print(f"updated {PERFORMANCE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
