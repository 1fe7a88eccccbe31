"""A city's day (issue 22, item 5): 40 service points on PostgreSQL with two workers, a busy day's
visits, bookings and phones compressed into minutes, checked for errors and lost events and timed.

    scripts/bench city                # 40 sites, 8,000 visits, 2,000 bookings, 5,000 phones in 10 min
    scripts/bench city --quick        # 8 sites, 1,600 visits, 400 bookings, 500 phones in 2 min
    scripts/bench city --write        # and updates its section of docs/PERFORMANCE.md
    scripts/bench city --sites 20 --visits 4000 --minutes 5 --phones 2000

Each site has four services (two of them bookable), eight counters with a clerk each, one kiosk and
two waiting-room displays. The kiosks (the JSON ticket API, one keep-alive connection each) take
the visits as they arrive, by a busy day's hourly curve; the clerks call, start and finish through
the API with service times scaled like the day; citizens book through the public pages; a phone
follows a share of the tickets from issue to the end of its visit. How it works and what it leaves
out: bench/README.md.
"""

import argparse
import asyncio
import bisect
import json
import math
import random
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from bench.booking_rush import DAY, Citizen, Rush, choose
from bench.live_fanout import HEARTBEAT_S, Clients, Screen, ms, num, own_cpu_s, percentile
from bench.luukku_server import (code_to_measure, PASSWORD, Server, connected_ports, cpu_seconds, environment,
                                 family_cpu_seconds, machine_cpu_seconds, peak_rss_kb, pg_database, pg_url,
                                 postmaster_pid, require_postgresql, screens_per_worker, seed, wait_until_quiet)
from bench.performance import PERFORMANCE, run_stamp, write_section
from bench.simulate_day import HOURLY
from bench.suite import BENCH_SETTINGS, BUTTON, TOKEN, Connection, Profile, wait_for_workers

DAY_S = len(HOURLY) * 3600  # the day compressed: 8:00–16:00, HOURLY's shape
# code, prefix, Finnish, Swedish, English, minutes a customer (the configured estimate), share of visits
SERVICES = [("advice", "A", "Yleisneuvonta", "Allmän rådgivning", "General advice", 5, 0.4),
            ("housing", "B", "Asuminen", "Boende", "Housing", 10, 0.2),
            ("payments", "C", "Maksut", "Betalningar", "Payments", 6, 0.2),
            ("e-services", "D", "Sähköinen asiointi", "E-tjänster", "E-services", 7, 0.2)]
BOOKABLE = ("advice", "housing")  # 2 seats every 20 minutes, Monday to Friday 9–15
COUNTERS, DISPLAYS = 8, 2
WALK_S = 30  # from the call to the counter, real seconds (scaled like the day)
SERVICE_CV = 0.6  # of the lognormal service times around the configured minutes
OPEN = ("waiting", "called", "serving", "parked")
STATE = re.compile(r'class="ticket-card state-([a-z_]+)')
ANNOUNCED = re.compile(r'data-key="([^":]+):(\d+)"')
TIMEOUT_S = 60.0  # a request unanswered this long counts as an error
LATE_S = 15.0  # a call a screen has not had this long after it counts as lost


@dataclass(frozen=True)
class Size:
    sites: int
    visits: int
    bookings: int
    phones: int
    minutes: float


FULL = Size(40, 8000, 2000, 5000, 10.0)
QUICK = Size(8, 1600, 400, 500, 2.0)


# --- the sites: a configuration file's import, and the clerks with their tokens ------------------


def city_config(sites: int) -> dict:
    """The sites as a configuration file (server/config_file.py): no opening hours, so open whenever
    the benchmark runs, as the demo site is."""
    week = {day: "09:00-15:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    return {"format": "luukku-config", "version": 1, "departments": [], "sites": [{
        "slug": slug(n), "name": f"Palvelupiste {n}", "name_sv": f"Servicepunkt {n}", "timezone": "Europe/Helsinki",
        "languages": ["fi", "sv"],
        "services": [{"code": code, "prefix": prefix, "name_fi": fi, "name_sv": sv, "name_en": en, "active": True,
                      "service_min": minutes, "position": i, "number_end": 9999,
                      **({"appointment_seats": 2, "slot_min": 20, "appointment_hours": week}
                         if code in BOOKABLE else {})}
                     for i, (code, prefix, fi, sv, en, minutes, _share) in enumerate(SERVICES)],
        "counters": [{"number": str(c), "default_services": [{"service": s[0], "weight": 1} for s in SERVICES]}
                     for c in range(1, COUNTERS + 1)],
        "printers": [{"name": "kiosk-1", "connection": "agent", "profile": "TM-T88V"}],
    } for n in range(1, sites + 1)]}


def slug(n: int) -> str:
    return f"site-{n:02d}"


CITY_SEED = """
import json, sys
from sqlmodel import select
from server import config_file
from server.db import Database
from server.models import Counter, Site, StaffUser
from argon2 import PasswordHasher
from server.staff import issue_token

url, secret, password = sys.argv[1:4]
data = json.loads(sys.stdin.read())
db = Database(url)
clerks = {}
with db.write() as session:
    config_file.import_config(session, None, data)
    # One hash for every clerk, at a light cost (argon2 reads it from the hash): the counter screens'
    # 320 logins before the day would spend a minute of both CPUs at the application's.
    digest = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password)
    for entry in data["sites"]:
        site = session.exec(select(Site).where(Site.slug == entry["slug"])).one()
        counters = session.exec(select(Counter).where(Counter.site_id == site.id).order_by(Counter.id)).all()
        users = [StaffUser(username=f"{site.slug}-{c.number}", display_name=f"Virkailija {c.number}", role="clerk",
                           password_hash=digest) for c in counters]
        session.add_all(users)
        session.flush()
        clerks[site.slug] = [(c.id, issue_token(secret, u), u.username) for c, u in zip(counters, users)]
db.dispose()
print(json.dumps(clerks))
"""


def seed_city(code: Path, url: str, sites: int, secret: str) -> dict[str, list[tuple[int, str, str]]]:
    """The sites and their clerks; per site, each counter's id, its clerk's API token (signed with the
    server's secret key) and user name (the counter screen's login)."""
    done = subprocess.run([sys.executable, "-c", CITY_SEED, url, secret, PASSWORD],
                          input=json.dumps(city_config(sites)),
                          capture_output=True, text=True, env=environment(code), check=True)
    return json.loads(done.stdout)


# --- the day's plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    at: float  # seconds from the start of the run
    site: str
    service: str
    lang: str
    phone: bool  # followed on a phone
    service_s: float  # at the counter, wall seconds
    walk_s: float


def plan(size: Size, seed_: int) -> tuple[list[Visit], list[tuple[float, str, str]]]:
    """The visits (by HOURLY's curve, sites of different sizes) and the bookings (uniform over the run)."""
    rng = random.Random(seed_)
    run_s, scale = size.minutes * 60, size.minutes * 60 / DAY_S
    weights = [rng.uniform(0.5, 1.5) for _ in range(size.sites)]  # some sites busier than others
    sites = [slug(n) for n in range(1, size.sites + 1)]
    followed = set(rng.sample(range(size.visits), min(size.phones, size.visits)))
    visits = []
    for n in range(size.visits):
        hour = rng.choices(range(len(HOURLY)), HOURLY)[0]
        code, *_rest, minutes, _share = rng.choices(SERVICES, [s[-1] for s in SERVICES])[0]
        sigma = math.sqrt(math.log(1 + SERVICE_CV ** 2))
        service_s = rng.lognormvariate(math.log(minutes * 60) - sigma ** 2 / 2, sigma) * scale
        visits.append(Visit(at=(hour + rng.random()) * 3600 * scale, site=rng.choices(sites, weights)[0],
                            service=code, lang=rng.choices(("fi", "sv", "en"), (80, 15, 5))[0],
                            phone=n in followed, service_s=service_s, walk_s=WALK_S * scale))
    visits.sort(key=lambda v: v.at)
    bookings = sorted((rng.uniform(0, run_s), rng.choices(sites, weights)[0], rng.choice(BOOKABLE))
                      for _ in range(size.bookings))
    return visits, bookings


# --- the screens: client processes whose screens come and go -------------------------------------


@dataclass
class Seen:
    """What one screen received: a phone's pushes, a display's calls announced, the last heartbeat's number."""
    kind: str  # display, counter (a clerk's counter screen) or phone
    site: str
    ticket: str | None = None  # a phone's ticket
    pushes: list[tuple[float, str | None]] = field(default_factory=list)  # a phone's: when, the card's state
    # (None: the figures alone); a counter screen's: when
    announced: dict[int, float] = field(default_factory=dict)  # a display's: call event's seq → first push with it
    opened: float = 0.0  # a phone's: when its ticket came back to the kiosk
    ready: float | None = None  # the first heartbeat
    last_seq: int = 0
    ended: float | None = None  # a phone's: the push saying the visit is over
    closed: str | None = None  # by the server or a broken line


def screens_process(conn, base: str, _specs, opening: int, heartbeat_s: float) -> None:
    asyncio.run(_screens(conn, base, opening, heartbeat_s))


async def _screens(conn, base: str, opening: int, heartbeat_s: float) -> None:
    """Commands: ("open", key, kind, site, ticket, path, linger_s, opened, headers) without an answer; ("ready",
    timeout) → whether every screen has had its first state; ("settle", {site: seq}, timeout) → whether
    every display has heard its site's last number and every phone has seen its visit end; ("count",)
    → screens connected now; ("collect",) → {key: Seen}, closing them all."""
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: commands.put_nowait(conn.recv()))
    gate = asyncio.Semaphore(opening)
    seen: dict[str, Seen] = {}
    screens: dict[str, Screen] = {}
    tasks: dict[str, asyncio.Task] = {}

    def listener(record: Seen, key: str, linger_s: float):
        def heard(message: str, now: float) -> None:
            if message.startswith("{"):
                seq = json.loads(message).get("seq", {}).get(record.site)
                if seq is not None:
                    record.last_seq = seq
                    record.ready = record.ready or now
            elif record.kind == "display":
                for site, seq in ANNOUNCED.findall(message):
                    if site == record.site:
                        record.announced.setdefault(int(seq), now)
            elif record.kind == "counter":
                record.pushes.append((now, None))
            else:
                state = STATE.search(message)
                record.pushes.append((now, state.group(1) if state else None))
                if record.ended is None and state and state.group(1) not in OPEN:
                    record.ended = now  # "You can close this page": closed after the linger
                    loop.call_later(linger_s, tasks[key].cancel)
        return heard

    while True:
        command, *args = await commands.get()
        if command == "open":
            key, kind, site, ticket, path, linger_s, opened, headers = args
            seen[key] = record = Seen(kind, site, ticket, opened=opened)
            screens[key] = screen = Screen(path, headers=headers, listener=listener(record, key, linger_s))
            tasks[key] = asyncio.create_task(screen.run(base, gate, heartbeat_s))
        elif command == "ready":
            deadline = time.perf_counter() + args[0]
            while any(r.ready is None and not screens[k].closed for k, r in seen.items()) \
                    and time.perf_counter() < deadline:
                await asyncio.sleep(0.1)
            conn.send(all(r.ready is not None for r in seen.values()))
        elif command == "settle":
            last, deadline = args[0], time.perf_counter() + args[1]

            def settled(key: str, record: Seen) -> bool:
                if tasks[key].done():
                    return True
                return record.last_seq >= last.get(record.site, 0) if record.kind != "phone" else False

            while not all(settled(k, r) for k, r in seen.items()) and time.perf_counter() < deadline:
                await asyncio.sleep(0.2)
            conn.send(all(settled(k, r) for k, r in seen.items()))
        elif command == "count":
            conn.send(sum(1 for t in tasks.values() if not t.done()))
        elif command == "collect":
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
            for key, record in seen.items():
                record.closed = screens[key].closed
            conn.send(seen)
            return


class Screens:
    """The client processes (live_fanout.Clients running ``screens_process``); screens dealt in turn."""

    def __init__(self, base: str, processes: int):
        self.clients = Clients(base, [], processes, opening=50, target=screens_process)
        self.turn = 0
        self.opened = 0
        self.asking = asyncio.Lock()  # one question at a time: two threads reading one pipe garble it

    async def ask(self, *command) -> list:
        async with self.asking:
            return await self.clients.ask(*command)

    def open(self, key: str, kind: str, site: str, ticket: str | None, path: str, linger_s: float = 0.5,
             headers: dict[str, str] | None = None) -> None:
        self.clients.pipes[self.turn % len(self.clients.pipes)].send(
            ("open", key, kind, site, ticket, path, linger_s, time.perf_counter(), headers))
        self.turn += 1
        self.opened += 1

    async def collect(self) -> dict[str, Seen]:
        found: dict[str, Seen] = {}
        for answer in await self.ask("collect"):
            found.update(answer)
        for process in self.clients.processes:
            process.join(10)
            if process.is_alive():
                process.kill()
        return found


# --- the day -----------------------------------------------------------------------------------


@dataclass
class Day:
    size: Size
    latency: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in (
        "issue", "call-next", "start/finish", "open counter")})
    statuses: dict[str, int] = field(default_factory=dict)  # "kind status" → count, the unexpected ones
    issued: int = 0
    issue_late_s: float = 0.0  # the most a kiosk's request went after its visitor arrived
    calls: list[tuple[str, str, float]] = field(default_factory=list)  # (site, ticket id, just before call-next)
    tickets: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # id → site, service, n-th of the site
    finished: int = 0
    rush: Rush | None = None  # the bookings' figures (booking_rush's)
    day_s: float = 0.0  # until the last clerk went home
    seconds: float = 0.0  # and every screen had caught up
    samples: list[dict] = field(default_factory=list)  # every few seconds: per worker RSS, sockets; phones
    worker_cpu: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    pg_cpu: float = math.nan
    bench_cpu: float = 0.0
    others_cpu: float = 0.0
    idle_rss: list[float] = field(default_factory=list)
    peak_rss: list[float] = field(default_factory=list)
    db_bytes: tuple[int, int] = (0, 0)  # before and after
    events: int = 0
    lost_display: int = 0
    lost_counter: int = 0
    lost_phone: int = 0
    behind: int = 0  # displays whose last heartbeat was short of their site's last event
    to_display: list[float] = field(default_factory=list)
    to_counter: list[float] = field(default_factory=list)  # every counter screen of the call's site
    to_phone: list[float] = field(default_factory=list)  # every phone behind the called ticket in its line
    to_own_phone: list[float] = field(default_factory=list)  # the called ticket's phone
    phone_ready: list[float] = field(default_factory=list)  # the ticket's answer → the phone's first state
    displays: int = 0
    counters: int = 0
    phones: int = 0
    problems: list[str] = field(default_factory=list)
    profile: list[tuple[str, float]] = field(default_factory=list)

    def unexpected(self, what: str) -> None:
        self.statuses[what] = self.statuses.get(what, 0) + 1


async def timed(day: Day, kind: str, connection: Connection, method: str, path: str, **kwargs):
    """The request, its round trip under ``kind``; None (and counted) if it failed or took too long."""
    t0 = time.perf_counter()
    try:
        reply = await asyncio.wait_for(connection.request(method, path, **kwargs), TIMEOUT_S)
    except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
        connection.close()
        day.unexpected(f"{kind}: {exc.__class__.__name__}")
        return None
    day.latency[kind].append(time.perf_counter() - t0)
    return reply


class Site:
    """A site's shared state in the benchmark: tickets waiting for a clerk (one call-next per ticket,
    as a clerk watching the counter screen's queue calls when someone waits)."""

    def __init__(self):
        self.waiting = asyncio.Semaphore(0)
        self.closing = False


async def kiosk(port: int, day: Day, sites: dict[str, Site], visits: list[Visit], began: float, screens: Screens,
                linger_s: float) -> None:
    connection = Connection(port)
    for visit in visits:
        await asyncio.sleep(max(0.0, began + visit.at - time.perf_counter()))
        day.issue_late_s = max(day.issue_late_s, time.perf_counter() - began - visit.at)
        reply = await timed(day, "issue", connection, "POST", f"/api/v1/sites/{visit.site}/tickets",
                            json_body={"service": visit.service, "lang": visit.lang, "print": True})
        if reply is None or reply.status != 201:
            if reply is not None:
                day.unexpected(f"issue {reply.status}")
            continue
        day.issued += 1
        ticket = reply.json()["id"]
        day.tickets[ticket] = (visit.site, visit.service, day.issued)  # a site's kiosk issues one at a time
        if visit.phone:  # the QR code on the slip
            screens.open(f"phone:{ticket}", "phone", visit.site, ticket, f"/t/{ticket}/ws?lang={visit.lang}", linger_s)
        sites[visit.site].waiting.release()
    connection.close()


async def clerk(port: int, day: Day, site: str, state: Site, counter_id: int, token: str,
                service_times: asyncio.Queue, screens: Screens, cookie: dict[str, str]) -> None:
    """Opens the counter and its counter screen; calls when someone waits; the customer walks up, is
    served for their drawn time, leaves."""
    auth = {"Authorization": f"Bearer {token}"}
    connection = Connection(port)
    reply = await timed(day, "open counter", connection, "POST", f"/api/v1/counters/{counter_id}/open",
                        json_body={"services": [s[0] for s in SERVICES]}, headers=auth)
    if reply is None or reply.status != 200:
        day.unexpected(f"open counter {reply.status if reply else ''}")
    else:  # the clerk's screen: the queue, the customer, colleagues; pushed at every event of the site
        screens.open(f"counter:{site}:{counter_id}", "counter", site, None, "/counter/ws?lang=fi", headers=cookie)
    while True:
        await state.waiting.acquire()
        t0 = time.perf_counter()
        reply = await timed(day, "call-next", connection, "POST", f"/api/v1/counters/{counter_id}/call-next",
                            headers=auth)
        if reply is None:
            continue
        if reply.status == 204:
            if state.closing:
                break
            day.unexpected("call-next 204 while someone waited")
            continue
        if reply.status != 200:
            day.unexpected(f"call-next {reply.status}")
            continue
        ticket = reply.json()["id"]
        day.calls.append((site, ticket, t0))
        walk_s, service_s = service_times.get_nowait() if not service_times.empty() else (1.0, 1.0)
        await asyncio.sleep(walk_s)
        for action, body in (("start", None), ("finish", {"outcome": "resolved"})):
            answer = await timed(day, "start/finish", connection, "POST", f"/api/v1/tickets/{ticket}/{action}",
                                 json_body=body, headers=auth)
            if answer is not None and answer.status != 200:
                day.unexpected(f"{action} {answer.status}")
            if action == "start":
                await asyncio.sleep(service_s)
        day.finished += 1
    connection.close()


async def booker(port: int, n: int, at: float, site: str, service: str, began: float, rush: Rush) -> None:
    """A citizen booking through the public pages: booking_rush's Citizen (own cookies, each request
    timed by kind), from the service's page to a time, the form and its sending; a time taken
    meanwhile, another of the times the answer offers."""
    await asyncio.sleep(max(0.0, began + at - time.perf_counter()))
    rng = random.Random(n)
    person = Citizen(port, rush)
    base = f"/b/{site}/{service}"
    outcome = "gave up"
    try:
        page = await asyncio.wait_for(person.request("times", "GET", f"{base}?lang=fi"), TIMEOUT_S)
        for _ in range(10):
            text = page.body.decode()
            if page.status not in (200, 409):
                outcome = f"times {page.status}"
                break
            times = BUTTON.findall(text)
            if not times:
                days = DAY.findall(text)
                if not days:
                    outcome = "no time left"
                    break
                day = choose(rng, [d for d, _free in days])
                page = await asyncio.wait_for(person.request("times", "GET", f"{base}?day={day}"), TIMEOUT_S)
                continue
            held = await asyncio.wait_for(person.request("hold", "POST", base, form={"starts_at": choose(rng, times)}),
                                          TIMEOUT_S)
            if held.status == 409:
                page = held
                continue
            if held.status != 303:
                outcome = f"hold {held.status}"
                break
            path = TOKEN.match(held.headers["location"]).group(0)
            form = await asyncio.wait_for(person.request("form", "GET", path), TIMEOUT_S)
            if form.status != 200:
                outcome = f"form {form.status}"
                break
            sent = await asyncio.wait_for(person.request("confirm", "POST", path, form={
                "name": f"Asiakas {n}", "phone": "", "email": f"asiakas{n}@example.fi", "message": "",
                "consent": "yes"}), TIMEOUT_S)
            if sent.status == 409:
                page = sent
                continue
            outcome = "booked" if sent.status == 303 and "done=booked" in sent.headers.get("location", "") \
                else f"confirm {sent.status}"
            break
    except (OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
        outcome = f"connection: {exc.__class__.__name__}"
    finally:
        person.connection.close()
    if outcome == "booked":
        rush.booked_at.append(time.perf_counter() - began)
    rush.outcomes[outcome] = rush.outcomes.get(outcome, 0) + 1


async def counter_logins(base: str, clerks: dict) -> dict[tuple[str, int], dict[str, str]]:
    """Each clerk logged in on the counter page as a browser does, before the day: the cookie its
    counter screen's websocket sends, by (site, counter id)."""
    gate = asyncio.Semaphore(8)

    async def login(site: str, counter_id: int, username: str) -> tuple[tuple[str, int], dict[str, str]]:
        async with gate, httpx.AsyncClient(base_url=base, timeout=60) as http:
            form = await http.get("/counter/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
            done = await http.post("/counter/login", data={"username": username, "password": PASSWORD,
                                                           "csrf_token": token})
            if done.status_code != 303:
                raise RuntimeError(f"{username} could not log in: {done.status_code}")
            return (site, counter_id), {"Cookie": f"luukku_session={http.cookies['luukku_session']}"}

    return dict(await asyncio.gather(*(login(site, counter_id, username) for site, desks in clerks.items()
                                       for counter_id, _token, username in desks)))


async def sample(server: Server, day: Day, screens: Screens, stop: asyncio.Event, every_s: float = 5.0) -> None:
    """Each worker's resident memory and connections, and the screens connected, every few seconds."""
    while not stop.is_set():
        workers = server.worker_pids()
        ports = connected_ports(server.port)
        screens_now = sum(await screens.ask("count"))
        day.samples.append({"rss": [peak_rss_kb(pid, "VmRSS") / 1024 for pid in workers],
                            "sockets": screens_per_worker(workers, server.port, ports), "screens": screens_now})
        try:
            await asyncio.wait_for(stop.wait(), every_s)
        except TimeoutError:
            pass


async def run_day(server: Server, day: Day, clerks: dict, visits: list[Visit], bookings: list, db_name: str,
                  processes: int, linger_s: float) -> None:
    screens = Screens(server.url.replace("http://", "ws://"), processes)
    sites = {name: Site() for name in clerks}
    try:
        for name in sites:
            for n in range(DISPLAYS):
                screens.open(f"display:{name}:{n}", "display", name, None, f"/display/{name}/ws?lang=fi,sv")
        if not all(await screens.ask("ready", 120)):
            day.problems.append("not every display had its first state within 120 s")
        day.idle_rss = [peak_rss_kb(pid, "VmRSS") / 1024 for pid in server.worker_pids()]
        cookies = await counter_logins(server.url, clerks)
        service_times = {name: asyncio.Queue() for name in sites}  # each called customer's, in arrival order
        for visit in visits:
            service_times[visit.site].put_nowait((visit.walk_s, visit.service_s))
        workers = server.worker_pids()
        cpu_before = {pid: cpu_seconds(pid) for pid in server.pids()}
        postgres = postmaster_pid()
        pg_before = family_cpu_seconds(postgres) if postgres else 0.0
        bench_before = own_cpu_s() + screens.clients.cpu_seconds()
        machine_before = machine_cpu_seconds()
        day.db_bytes = (database_size(db_name), 0)
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample(server, day, screens, stop))
        began = time.perf_counter() + 0.5
        day.rush = Rush("city", len(bookings), 0, day.size.minutes * 60)
        by_site: dict[str, list[Visit]] = {}
        for visit in visits:
            by_site.setdefault(visit.site, []).append(visit)
        staff = [asyncio.create_task(clerk(server.port, day, name, sites[name], counter_id, token, service_times[name],
                                           screens, cookies[name, counter_id]))
                 for name, desks in clerks.items() for counter_id, token, _username in desks]
        await asyncio.gather(
            *(kiosk(server.port, day, sites, by_site.get(name, []), began, screens, linger_s) for name in sites),
            *(booker(server.port, n, at, name, service, began, day.rush)
              for n, (at, name, service) in enumerate(bookings)))
        for name, state in sites.items():  # the day is over: each clerk serves who waits, then goes home
            state.closing = True
            for _ in clerks[name]:
                state.waiting.release()
        await asyncio.wait_for(asyncio.gather(*staff), 300)
        day.day_s = time.perf_counter() - began
        # Until every screen has caught up (a display its site's last event, a phone its visit's end):
        # a push late is timed, not counted lost.
        if not all(await screens.ask("settle", last_seqs(db_name), 300)):
            day.problems.append("some screens had not caught up 300 s after the day")
        await asyncio.sleep(HEARTBEAT_S)
        day.seconds = time.perf_counter() - began
        stop.set()
        await sampler
        day.server_cpu = sum(cpu_seconds(pid) - cpu_before.get(pid, 0.0) for pid in server.pids())
        day.worker_cpu = [cpu_seconds(pid) - cpu_before.get(pid, 0.0) for pid in workers]
        day.peak_rss = [peak_rss_kb(pid) / 1024 for pid in workers]
        if postgres:
            day.pg_cpu = family_cpu_seconds(postgres) - pg_before
        day.bench_cpu = own_cpu_s() + screens.clients.cpu_seconds() - bench_before
        day.others_cpu = max(0.0, machine_cpu_seconds() - machine_before - day.server_cpu
                             - (0.0 if math.isnan(day.pg_cpu) else day.pg_cpu) - day.bench_cpu)
        seen = await screens.collect()
        day.db_bytes = (day.db_bytes[0], database_size(db_name))
        check_screens(day, seen, site_events(db_name))
    finally:
        for process in screens.clients.processes:
            if process.is_alive():
                process.kill()


def last_seqs(name: str) -> dict[str, int]:
    with psycopg.connect(pg_url(name).replace("postgresql+psycopg://", "postgresql://")) as db:
        return dict(db.execute("SELECT slug, last_event_seq FROM site").fetchall())


def database_size(name: str) -> int:
    with psycopg.connect(pg_url(name).replace("postgresql+psycopg://", "postgresql://")) as db:
        return db.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def site_events(name: str) -> dict[str, list[tuple[int, str, str | None]]]:
    """Every event of every site, in order: (seq, type, the ticket's public id)."""
    found: dict[str, list] = {}
    with psycopg.connect(pg_url(name).replace("postgresql+psycopg://", "postgresql://")) as db:
        for site, seq, kind, data in db.execute(
                "SELECT s.slug, e.seq, e.type, e.data FROM event e JOIN site s ON s.id = e.site_id "
                "ORDER BY s.slug, e.seq"):
            ticket = (json.loads(data).get("ticket") or {}).get("id")
            found.setdefault(site, []).append((seq, kind, ticket))
    return found


def timed_after(times: list[float], t0: float, latencies: list[float]) -> int:
    """How long after ``t0`` the first of a screen's sorted push ``times`` came, added to ``latencies``;
    returns 1 when none came after it (a lost call), else 0."""
    i = bisect.bisect_right(times, t0)
    if i == len(times):
        return 1
    latencies.append(times[i] - t0)
    return 0


def check_screens(day: Day, seen: dict[str, Seen], events: dict[str, list]) -> None:
    """Each call against the screens of its site that were there.

    Displays: every call is announced on every display of its site, in the push whose ``data-key`` is
    the call's event (its site and number, from the database afterwards). Counter screens: every call
    changes the queue each counter screen of its site shows, so each must get a push (its first after
    the call is timed). Phones: a call moves every
    waiting ticket behind it in its service's line one place up, so each of their phones must get a
    push (its first after the call is timed); and the called ticket's own phone must show it is no
    longer waiting. Lost: a call that such a screen, connected before it, never had."""
    day.events = sum(len(e) for e in events.values())
    called = {(site, ticket): seq for site, rows in events.items() for seq, kind, ticket in rows
              if kind == "ticket.called"}
    announced_calls = []  # (site, the call's event number, t0)
    own_call: dict[str, float] = {}
    line_calls: dict[tuple[str, str], list[tuple[float, int]]] = {}  # (site, service) → (t0, n-th), by t0
    for site, ticket, t0 in day.calls:
        own_call[ticket] = t0
        if ticket in day.tickets:
            _site, service, n = day.tickets[ticket]
            line_calls.setdefault((site, service), []).append((t0, n))
        if (site, ticket) in called:
            announced_calls.append((site, called[(site, ticket)], t0))
        else:
            day.problems.append(f"{site}: the call of {ticket} is not among the events")
    for calls in line_calls.values():
        calls.sort()
    last = {site: rows[-1][0] for site, rows in events.items() if rows}
    closed = [r.closed for r in seen.values() if r.closed]
    if closed:
        day.problems.append(f"{len(closed)} screens' sockets closed by the server or broken, e.g. {closed[0]}")
    for record in seen.values():
        if record.kind == "display":
            day.displays += 1
            for site, seq, t0 in announced_calls:
                if site != record.site or record.ready is None or record.ready > t0:
                    continue
                if seq in record.announced:
                    day.to_display.append(record.announced[seq] - t0)
                else:
                    day.lost_display += 1
            if record.last_seq < last.get(record.site, 0):
                day.behind += 1
            continue
        if record.kind == "counter":
            day.counters += 1
            times = [when for when, _state in record.pushes]
            for site, _seq, t0 in announced_calls:
                if site != record.site or record.ready is None or record.ready > t0:
                    continue
                day.lost_counter += timed_after(times, t0, day.to_counter)
            if record.last_seq < last.get(record.site, 0):
                day.behind += 1
            continue
        day.phones += 1
        if record.ready is None or record.ticket not in day.tickets:
            continue
        day.phone_ready.append(record.ready - record.opened)
        times = [when for when, _state in record.pushes]
        site, service, mine = day.tickets[record.ticket]
        own = own_call.get(record.ticket, math.inf)
        for t0, n in line_calls.get((site, service), []):  # the calls ahead while it waited
            if n >= mine or t0 < record.ready or t0 >= own:
                continue
            day.lost_phone += timed_after(times, t0, day.to_phone)
        if own < math.inf and record.ready < own:
            moved = next((when for when, state in record.pushes if when > own and state not in (None, "waiting")), None)
            if moved is None:
                day.lost_phone += 1
            else:
                day.to_own_phone.append(moved - own)


# --- running it and the report --------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench city", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 sites, 1,600 visits, 400 bookings, 500 phones, 2 min")
    parser.add_argument("--write", action="store_true", help=f"update {PERFORMANCE.name}")
    parser.add_argument("--sites", type=int)
    parser.add_argument("--visits", type=int)
    parser.add_argument("--bookings", type=int)
    parser.add_argument("--phones", type=int, help="visits followed on a phone (default 5,000; 500 with --quick)")
    parser.add_argument("--minutes", type=float, help="wall minutes the day (8:00–16:00) is compressed into")
    parser.add_argument("--linger", type=float, default=0.0, metavar="MIN",
                        help="minutes of the day a phone stays on its page after the visit (default 0: closed at once)")
    parser.add_argument("--clients", type=int, default=2, help="client processes playing the screens (default 2)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--quiet-wait", type=float, default=60, metavar="S",
                        help="before the server starts, wait up to S seconds for the machine to be idle for 5 s "
                        "(default 60)")
    parser.add_argument("--worktree", action="store_true",
                        help="run the checkout's files as they are, not those of its last commit")
    parser.add_argument("--commit", default="HEAD", help="run the application as of this commit")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy on the first worker: where its time goes (slower: do not --write with it)")
    args = parser.parse_args(argv)
    base = QUICK if args.quick else FULL
    size = Size(args.sites or base.sites, args.visits or base.visits, base.bookings if args.bookings is None
                else args.bookings, base.phones if args.phones is None else args.phones, args.minutes or base.minutes)
    command = " ".join(["scripts/bench city", *(sys.argv[1:] if argv is None else argv)])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # inherited by the server and the client processes
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    require_postgresql("scripts/bench city")
    visits, bookings = plan(size, args.seed)
    # A phone stays half a second after the page says the visit is over, and --linger minutes of the day.
    linger_s = 0.5 + args.linger * 60 * size.minutes * 60 / DAY_S
    began = time.perf_counter()
    day = Day(size)
    with tempfile.TemporaryDirectory(prefix="luukku-city-") as tmp, pg_database() as db_name:
        tmp = Path(tmp)
        commit = code_to_measure(tmp / "code", args.worktree, args.commit)
        (tmp / "prints").mkdir()
        print(f"measuring commit {commit}", file=sys.stderr)
        secret = secrets.token_hex(32)
        seed(tmp / "code", pg_url(db_name), tmp / "prints", printer="agent")
        clerks = seed_city(tmp / "code", pg_url(db_name), size.sites, secret)
        if args.quiet_wait and not wait_until_quiet(args.quiet_wait):
            print(f"the machine is still busy after {args.quiet_wait:.0f} s; measuring anyway", file=sys.stderr)
        # The clerks work through the API, not by clicks on their counter page, so nothing renews the
        # page's session and it ends after 30 idle minutes, closing the counter screens (4401), as it
        # should for a real clerk who stops working: the day's length plus a margin instead.
        idle_min = str(math.ceil(size.minutes) + 30)
        server = Server(tmp / "code", pg_url(db_name), 2, tmp, tmp / "prints", **BENCH_SETTINGS, secret_key=secret,
                        session_idle_min=idle_min)
        try:
            server.wait_until_serving()
            wait_for_workers(server, 2)
            spy = Profile(server, tmp / "profile.txt") if args.profile else None
            asyncio.run(run_day(server, day, clerks, visits, bookings, db_name, args.clients, linger_s))
            if spy:
                day.profile = spy.summary(top=16)
        except (RuntimeError, OSError, TimeoutError) as exc:
            day.problems.append(f"stopped: {exc.__class__.__name__}: {exc}")
        finally:
            server.stop()
        day.problems += [f"server log: {line[:300]}" for line in server.log_problems()[:8]]
        if day.problems:
            print("--- the server's log, last lines ---\n"
                  + "\n".join(server.log.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
    elapsed = time.perf_counter() - began
    body = report(day, len(visits))
    print(body)
    print(f"\nthe city's day took {elapsed:.0f} s in all", file=sys.stderr)
    if args.write:
        stamp = run_stamp(command, f"commit {commit}; {elapsed:.0f} s in all")
        write_section("city_day", "A city's day (issue 22)", f"{stamp}\n\n{body}")
        print(f"updated {PERFORMANCE}", file=sys.stderr)
    return 0


def report(day: Day, planned: int) -> str:
    s, rush = day.size, day.rush or Rush("city", 0, 0, 0)
    booking_pages = [x for values in rush.latency.values() for x in values]
    errors_5xx = sum(n for status, n in rush.statuses.items() if status >= 500) + sum(
        n for what, n in day.statuses.items() if re.search(r" 5\d\d$", what))
    each = lambda values, digits=0: " + ".join(f"{v:.{digits}f}" for v in values) or "–"  # noqa: E731
    loaded = max(day.samples, key=lambda x: sum(x["sockets"]), default={"rss": [], "sockets": []})
    peak_screens = max((x["screens"] for x in day.samples), default=0)
    visits_s = day.finished or 1
    growth = (day.db_bytes[1] - day.db_bytes[0]) / max(day.issued + rush.outcomes.get("booked", 0), 1)
    lines = [
        f"{s.sites} sites, each with 4 services (2 bookable), {COUNTERS} counters and a clerk at each, 1 kiosk and "
        f"{DISPLAYS} waiting-room displays, every clerk's counter screen open (`/counter/ws`); a busy day (8:00–16:00, HOURLY's curve) compressed into "
        f"{s.minutes:g} minutes ({DAY_S / (s.minutes * 60):.0f}× a real day's pace), on PostgreSQL with 2 workers. "
        f"{planned:,} visits taken at the kiosks (`POST /api/v1/sites/…/tickets`, with the print job), called, "
        "started and finished by the clerks through the API (service times lognormal around each service's minutes, "
        f"scaled likewise); {s.bookings:,} citizens booking through the public pages at random moments; "
        f"{s.phones:,} of the visits followed on a phone (`/t/…/ws`) from the ticket to the end of the visit. "
        "**Lost**: a call that a display of its site (connected before it) never announced, that a counter "
        "screen of its site never had a push for, or that a phone "
        "waiting behind it in its service's line (or its own) never had a push for. Latencies from just before "
        "the request (the call-next request for call → screen) to its answer or push.",
        "",
        "| visits issued | called and finished | bookings (booked) | displays | counter screens "
        "| phones (most at once) | 5xx | other unexpected | lost: displays | lost: counter screens | lost: phones "
        "| screens behind at the end | events |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {day.issued:,} | {day.finished:,} | {s.bookings:,} ({rush.outcomes.get('booked', 0):,}) | {day.displays} "
        f"| {day.counters} | {day.phones:,} "
        f"({peak_screens - day.displays - day.counters if peak_screens > 0 else '–'}) | **{errors_5xx}** "
        f"| {sum(day.statuses.values()) - errors_5xx} | **{day.lost_display}** | **{day.lost_counter}** "
        f"| **{day.lost_phone}** | {day.behind} | {day.events:,} |",
        "",
        "| what | count | p50 ms | p99 ms | max ms | issue 22 asks |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, values, target in (
            ("issue (kiosk)", day.latency["issue"], "p99 < 50 ms"),
            ("call-next (clerk)", day.latency["call-next"], ""),
            ("start, finish (clerk)", day.latency["start/finish"], ""),
            ("booking pages (all kinds)", booking_pages, "p99 < 500 ms"),
            ("call → display", day.to_display, ""),
            ("call → counter screen (every one of its site)", day.to_counter, ""),
            ("call → phone (every phone behind it in the line)", day.to_phone, "p99 < 1 s"),
            ("call → the called ticket's phone", day.to_own_phone, ""),
            ("ticket → its phone's first state", day.phone_ready, "")):
        lines.append(f"| {name} | {len(values):,} | {ms(percentile(values, .5))} | **{ms(percentile(values, .99))}** "
                     f"| {ms(max(values, default=math.nan))} | {target} |")
    lines += [
        "",
        f"**Cost** over the day's {day.day_s:.0f} s (planned {s.minutes * 60:.0f} s) and until every screen had "
        f"caught up ({day.seconds:.0f} s in all): CPU time (user + system, /proc) of each worker and of the "
        "whole server, also per visit; PostgreSQL's (its processes, those that came and went included); each "
        "worker's resident memory before the day (displays connected), when the most connections were open "
        "(sampled every 5 s), and its peak (VmHWM); those connections per worker (screens and the kiosks', "
        "clerks' and citizens' keep-alive HTTP); the database's size before and after; the benchmark's own "
        "processes (kiosks, clerks, citizens, screens) and the rest of the machine meanwhile.",
        "",
        "| worker CPU s | server CPU ms/visit | PostgreSQL CPU s (ms/visit) | RSS before MB | RSS loaded MB | peak MB "
        "| connections per worker (most) | database MB before → after | bytes per visit or booking | bench CPU s "
        "| others' CPU s |",
        "| --- | ---: | ---: | --- | --- | --- | --- | --- | ---: | ---: | ---: |",
        f"| {each(day.worker_cpu, 1)} | {day.server_cpu * 1000 / visits_s:.1f} "
        f"| {num(day.pg_cpu)} ({num(day.pg_cpu * 1000 / visits_s)}) | {each(day.idle_rss)} | **{each(loaded['rss'])}** "
        f"| {each(day.peak_rss)} | {each(loaded['sockets'])} | {day.db_bytes[0] / 2**20:.1f} → "
        f"{day.db_bytes[1] / 2**20:.1f} | {growth:,.0f} | {day.bench_cpu:.0f} | {day.others_cpu:.0f} |",
    ]
    unexpected = [f"- {what}: {n}" for what, n in sorted(day.statuses.items())]
    unexpected += [f"- booking: {what}: {n}" for what, n in rush.outcomes.items()
                   if what not in ("booked", "no time left")]
    unexpected += [f"- booking pages answered {status}: {n}" for status, n in rush.statuses.items()
                   if status not in (200, 303, 409)]
    problems = unexpected + [f"- {p}" for p in day.problems]
    lines += ["", "Seen going wrong:", "", *problems] if problems else [
        "", "Seen going wrong: nothing (no unexpected answer, no lost event, no socket closed, no warning or "
            "error in the server's log)."]
    if day.profile:
        lines += ["", "Where the first worker's time went (py-spy):", "", "| where | share of CPU samples |",
                  "| --- | ---: |", *[f"| {label} | {share:.0f} % |" for label, share in day.profile]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
