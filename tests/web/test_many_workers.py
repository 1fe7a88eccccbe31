"""Several uvicorn workers on one PostgreSQL database: every websocket hears every worker's events."""

import json
import os
import time
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path

import anyio
import httpx
import psycopg
import pytest
import sqlalchemy as sa
import websockets

from tests.conftest import PG_ADMIN_URL, Uvicorn, free_port

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def listening_buses(url: str) -> int:
    """How many workers' buses are listening on the database at ``url``."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        return admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
            " AND application_name LIKE 'luukku-bus-%%' AND query LIKE 'LISTEN%%'",
            (sa.make_url(url).database,),
        ).fetchone()[0]


@contextmanager
def serving(*servers: Uvicorn):
    try:
        for server in servers:
            server.wait_until_serving()
        yield servers
    finally:
        for server in servers:
            server.stop()


def wait_for(condition, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


class Screen:
    """A websockets client on a site's event socket, keeping the ticket events it hears."""

    def __init__(self, connection):
        self.connection = connection
        self.tickets: list[dict] = []

    async def next_ticket_event(self, timeout: float) -> dict | None:
        with anyio.move_on_after(timeout):
            while True:
                event = json.loads(await self.connection.recv())
                if event.get("type") == "ticket.issued":  # heartbeats and the like pass by
                    self.tickets.append(event)
                    return event
        return None

    async def hear(self, ticket_ids: list[str], timeout: float = 5) -> list[str]:
        """The ids of the tickets heard, in order, until all of ``ticket_ids`` were heard."""
        heard: list[str] = []
        with anyio.fail_after(timeout):
            while not set(ticket_ids) <= set(heard):
                event = await self.next_ticket_event(timeout)
                assert event is not None
                heard.append(event["ticket"]["id"])
        return heard


def kiosk_headers(url: str) -> dict:
    """The servers run outside demo mode: tickets come from a registered kiosk, by its token."""
    from server import devices, queue
    from server.db import Database
    from server.models import Device

    db = Database(url)
    try:
        with db.write() as session:
            kiosk = Device(site_id=queue.get_site(session, "demo").id, kind="kiosk", name="workers-kiosk")
            session.add(kiosk)
            session.flush()
            token = devices.issue_token(session, None, kiosk)
    finally:
        db.dispose()
    return {"Authorization": f"Device {token}"}


async def issue(client: httpx.AsyncClient, base_url: str) -> str:
    answer = await client.post(f"{base_url}/api/v1/sites/demo/tickets", json={"service": "advice"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def until_listening(screens: list[Screen], client: httpx.AsyncClient, base_url: str) -> set[str]:
    """Issues probe tickets until every screen has heard one: its socket is subscribed by then (a
    socket is accepted a moment before the server subscribes it). Returns the probes' ids."""
    probes: set[str] = set()
    waiting = list(screens)
    with anyio.fail_after(15):
        while waiting:
            probes.add(await issue(client, base_url))
            async with anyio.create_task_group() as tasks:
                for screen in waiting:
                    tasks.start_soon(screen.next_ticket_event, 0.3)
            waiting = [screen for screen in waiting if not screen.tickets]
    return probes


def heard_after_probes(screen: Screen, probes: set[str]) -> list[dict]:
    return [event for event in screen.tickets if event["ticket"]["id"] not in probes]


def test_a_ticket_issued_on_one_worker_reaches_a_websocket_on_the_other(pg_url, tmp_path):
    a = Uvicorn(pg_url, free_port(), tmp_path / "a")
    b = Uvicorn(pg_url, free_port(), tmp_path / "b")
    headers = kiosk_headers(pg_url)

    async def main():
        async with httpx.AsyncClient(timeout=5, headers=headers) as client, \
                websockets.connect(f"{a.ws_url}/api/v1/sites/demo/events") as on_a, \
                websockets.connect(f"{b.ws_url}/api/v1/sites/demo/events") as on_b:
            screen_a, screen_b = Screen(on_a), Screen(on_b)
            probes = await until_listening([screen_a], client, a.url)
            probes |= await until_listening([screen_b], client, b.url)
            from_a = await issue(client, a.url)
            from_b = await issue(client, b.url)
            for screen in (screen_a, screen_b):
                await screen.hear([from_a, from_b])
                heard = heard_after_probes(screen, probes)
                assert [event["ticket"]["id"] for event in heard] == [from_a, from_b]
                seqs = [event["seq"] for event in screen.tickets]
                assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)

    with serving(a, b):
        anyio.run(main)


def test_every_websocket_hears_every_ticket_whichever_of_two_workers_holds_it(pg_url, tmp_path):
    server = Uvicorn(pg_url, free_port(), tmp_path / "server", workers=2)
    headers = kiosk_headers(pg_url)

    def sockets_per_worker(local_ports: set[int]) -> list[int]:
        """How many of our websockets each worker process holds (read from /proc)."""
        inodes = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local_port, remote_port = (int(address.split(":")[1], 16) for address in fields[1:3])
            if local_port == server.port and remote_port in local_ports:
                inodes.add(f"socket:[{fields[9]}]")
        counts = []
        for pid in server.worker_pids():
            fds = Path(f"/proc/{pid}/fd")
            counts.append(sum(1 for fd in fds.iterdir() if _readlink(fd) in inodes))
        return counts

    async def main():
        async with httpx.AsyncClient(timeout=5, headers=headers) as client, AsyncExitStack() as stack:
            screens: list[Screen] = []
            # The kernel hands each new connection to whichever worker accepts first: connect until
            # both workers hold some (usually the first few do).
            while len(screens) < 6 or min(sockets_per_worker(ports(screens))) == 0:
                assert len(screens) < 40, "the connections never reached both workers"
                connection = await stack.enter_async_context(
                    websockets.connect(f"{server.ws_url}/api/v1/sites/demo/events"))
                screens.append(Screen(connection))
            probes = await until_listening(screens, client, server.url)
            tickets = [await issue(client, server.url) for _ in range(5)]
            for screen in screens:
                await screen.hear(tickets)
                assert [event["ticket"]["id"] for event in heard_after_probes(screen, probes)] == tickets
            return sockets_per_worker(ports(screens))

    with serving(server):
        wait_for(lambda: listening_buses(pg_url) == 2, "both workers' buses listening")
        held = anyio.run(main)
    assert len(held) == 2 and min(held) >= 1


def ports(screens: list["Screen"]) -> set[int]:
    return {screen.connection.local_address[1] for screen in screens}


def _readlink(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:  # the descriptor closed meanwhile
        return ""


def bus_connections(url: str) -> int:
    """How many workers' buses hold a connection to the database at ``url``, listening or not."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        return admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name LIKE 'luukku-bus-%%'",
            (sa.make_url(url).database,),
        ).fetchone()[0]


def enrolled_display(base_url: str, url: str) -> str:
    """Registers a display of the demo site and enrols an httpx browser with it: its device cookie."""
    import re

    from server import devices, queue
    from server.db import Database

    db = Database(url)
    try:
        with db.write() as session:
            device = devices.save_device(session, None, queue.get_site(session, "demo"),
                                         {"kind": "display", "name": "hall-display", "printer": ""})
            token = devices.issue_token(session, None, device)
    finally:
        db.dispose()
    with httpx.Client(base_url=base_url) as browser:
        page = browser.get(f"/devices/enrol/{token}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        assert browser.post(f"/devices/enrol/{token}", data={"csrf_token": csrf}).status_code in (200, 303)
        return browser.cookies["luukku_device"]


def test_a_display_whose_worker_lost_its_listening_connection_is_resynchronised_without_reconnecting(
        pg_url, tmp_path):
    """While the workers' LISTEN connections are gone, a kiosk and a counter elsewhere issue and call a
    ticket: its notification reaches no one. Once a worker listens again, its display gets a fresh state
    from the database that shows the call, over the same websocket, before anything else happens."""
    from server import counters, queue
    from server.bus import PostgresBus
    from server.db import Database
    from server.models import StaffUser

    name = sa.make_url(pg_url).database
    # Another worker, as far as the database can tell: its transactions notify, as the app's do.
    elsewhere = Database(pg_url)
    elsewhere.before_commit.append(PostgresBus(elsewhere).notify)
    desks: list[tuple[int, int]] = []  # (counter, clerk), open for advice

    def open_desks() -> None:
        with elsewhere.write() as session:
            staff = session.execute(sa.select(StaffUser.id).where(StaffUser.username.in_(("clerk", "expert")))
                                    .order_by(StaffUser.username)).scalars().all()
            desks.extend(zip((c.id for c in queue.site_counters(session, queue.get_site(session, "demo"))), staff))
            for desk, clerk in desks:
                counters.open_counter(session, desk, clerk, ["advice"])

    def issue_and_call() -> str:
        """A ticket issued and called at the next free desk (each desk calls once)."""
        desk, clerk = desks.pop(0)
        with elsewhere.write() as session:
            number = queue.issue_ticket(session, "demo", "advice", "fi", printed=False).ticket.number
            counters.call_next(session, desk, clerk)
            return number

    async def push(display, timeout: float) -> str | None:
        """The next pushed state (HTML), answering heartbeats with a ping as live.js does."""
        with anyio.move_on_after(timeout):
            while True:
                message = await display.recv()
                if not message.startswith('{"type": "heartbeat"'):
                    return message
                await display.send("ping")
        return None

    async def main(cookie: str):
        async with websockets.connect(f"{server.ws_url}/display/demo/ws",
                                      additional_headers={"Cookie": f"luukku_device={cookie}"}) as display:
            first = await push(display, 10)
            assert first is not None and "data-ticket=" not in first  # no call yet
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')  # no one reconnects
                try:
                    admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                  " WHERE datname = %s AND application_name LIKE 'luukku-bus-%%'", (name,))
                    await anyio.to_thread.run_sync(wait_for, lambda: bus_connections(pg_url) == 0,
                                                   "the buses' connections gone")
                    missed = await anyio.to_thread.run_sync(issue_and_call)
                    assert await push(display, 0.5) is None  # nobody heard it
                finally:
                    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            resynced = await push(display, 10)  # the bus listens again: a fresh state, unasked
            assert resynced is not None and f'data-ticket="{missed}"' in resynced
            later = await anyio.to_thread.run_sync(issue_and_call)
            pushed = await push(display, 5)  # and events flow as before
            assert pushed is not None and f'data-ticket="{later}"' in pushed

    try:
        open_desks()
        server = Uvicorn(pg_url, free_port(), tmp_path / "server", workers=2)
        with serving(server):
            wait_for(lambda: listening_buses(pg_url) == 2, "both workers' buses listening")
            anyio.run(main, enrolled_display(server.url, pg_url))
    finally:
        elsewhere.dispose()
