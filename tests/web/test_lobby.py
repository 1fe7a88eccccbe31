"""The lobby in front of newly released booking times (issue 22) over real HTTP: a citizen waits, keeps
the place on reload, is refused a time before the turn, and is let in to the times; then 80 browsers
at once at a release, on SQLite (one worker) and PostgreSQL (two workers), each let in once and none
before its time."""

import re
import time
from datetime import datetime, time as clock, timedelta, timezone
from zoneinfo import ZoneInfo

import anyio
import httpx
import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from server import queue, releases
from server.db import Database
from server.models import BookingRelease, LobbyPass, utcnow
from tests.conftest import LiveServer, Uvicorn, free_port, make_settings, prepare_demo_database
from tests.web.test_booking_pages import ENGLISH, free_times, weekday_ahead

HELSINKI = ZoneInfo("Europe/Helsinki")


def release(db: Database, opens_in_s: float, pace: int, service: str = "advice") -> tuple[int, datetime]:
    """A release of one weekday ahead for the demo's service, opening ``opens_in_s`` from now."""
    day = weekday_ahead(3)
    with db.write() as session:
        site = queue.get_site(session, "demo")
        made = releases.add(session, site, queue.get_service(session, site, service), day, day,
                            utcnow() + timedelta(seconds=opens_in_s), pace, staff_user_id=None)
        return made.id, day


def open_now(db: Database, release_id: int, in_s: float) -> datetime:
    """The fake clock's move: the release opens ``in_s`` from now (the passes drawn so far keep their ranks)."""
    opens = utcnow() + timedelta(seconds=in_s)
    with db.write() as session:
        session.execute(sa.update(BookingRelease).where(BookingRelease.id == release_id).values(opens_at=opens))
        releases.forget_cache(session)
    return opens


@pytest.fixture
def server(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'lobby.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, public_rate_limit_per_min=0), port) as live:
        live.db = Database(url)
        yield live
        live.db.dispose()


def test_a_citizen_waits_in_line_and_is_let_in_to_the_times(server):
    release_id, day = release(server.db, 60, pace=600)
    nine = datetime.combine(day, clock(9), tzinfo=HELSINKI).astimezone(timezone.utc).isoformat()
    with httpx.Client(base_url=server.url, headers=ENGLISH, timeout=10) as web:
        services = web.get("/b/demo/advice")
        assert services.status_code == 200
        assert "Wait in line for them" in services.text and f'href="?day={day.isoformat()}"' in services.text
        assert day.isoformat() not in free_times(web, "/b/demo/advice", day + timedelta(days=7)).get("9:00", "")

        lobby = web.get("/b/demo/advice", params={"day": day.isoformat()})
        assert lobby.status_code == 200 and "You are in line." in lobby.text
        assert lobby.headers["cache-control"] == "no-store"
        assert f"luukku_lobby_{release_id}" in lobby.headers["set-cookie"]
        again = web.get("/b/demo/advice", params={"day": day.isoformat()})  # a reload keeps the pass
        assert "You are in line." in again.text and "set-cookie" not in again.headers
        poll = web.get("/b/demo/advice", params={"day": day.isoformat()}, headers={"X-Lobby-Poll": "1"})
        assert poll.text.startswith('<div id="lobby-status"') and 4 <= int(poll.headers["x-lobby-refresh"]) <= 72

        refused = web.post("/b/demo/advice", data={"starts_at": nine})
        assert refused.status_code == 403 and "These times open on" in refused.text
        in_finnish = web.post("/b/demo/advice", data={"starts_at": nine}, headers={"Accept-Language": "fi"})
        assert in_finnish.status_code == 403 and '<html lang="fi">' in in_finnish.text
        with httpx.Client(base_url=server.url, headers=ENGLISH) as stranger:  # no pass at all
            assert stranger.post("/b/demo/advice", data={"starts_at": nine}).status_code == 403

        opens = open_now(server.db, release_id, 1.5)
        waiting = web.get("/b/demo/advice", params={"day": day.isoformat()})
        assert "Your place in line" in waiting.text  # the line is drawn
        deadline = time.monotonic() + 10
        while (poll := web.get("/b/demo/advice", params={"day": day.isoformat()},
                               headers={"X-Lobby-Poll": "1"})).status_code != 204:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert utcnow() >= opens and poll.headers["x-lobby-admitted"] == "1"
        times = free_times(web, "/b/demo/advice", day)
        assert times
        held = web.post("/b/demo/advice", data={"starts_at": next(iter(times.values()))})
        assert held.status_code == 303 and held.headers["location"].startswith("/a/")
    # No one waits any more: a newcomer's pass lets them in at once (303 to the same page, the times). Its
    # place is 1, due a tenth of a second after opening at 600 a minute: that must have passed (it once had not).
    while utcnow() < opens + timedelta(minutes=1 / 600):
        time.sleep(0.01)
    with httpx.Client(base_url=server.url, headers=ENGLISH, follow_redirects=True) as later:
        assert free_times(later, "/b/demo/advice", day)
    with server.db.read() as session:  # the reload made none
        assert session.execute(sa.select(sa.func.count()).select_from(LobbyPass)).scalar_one() == 2


def test_a_time_button_is_refused_until_the_browsers_turn_and_latecomers_go_last(server):
    release_id, day = release(server.db, 60, pace=1)  # one a minute: the second waits a minute
    nine = datetime.combine(day, clock(9), tzinfo=HELSINKI).astimezone(timezone.utc).isoformat()
    browsers = [httpx.Client(base_url=server.url, headers=ENGLISH, timeout=10) for _ in range(2)]
    try:
        for browser in browsers:
            assert "You are in line." in browser.get("/b/demo/advice", params={"day": day.isoformat()}).text
        open_now(server.db, release_id, 0.5)
        deadline = time.monotonic() + 10
        while True:
            polls = [b.get("/b/demo/advice", params={"day": day.isoformat()}, headers={"X-Lobby-Poll": "1"})
                     for b in browsers]
            if any(poll.status_code == 204 for poll in polls):
                break
            assert time.monotonic() < deadline
            time.sleep(0.1)
        first, second = browsers if polls[0].status_code == 204 else browsers[::-1]
        refused = second.post("/b/demo/advice", data={"starts_at": nine})
        assert refused.status_code == 403 and "It is not your turn yet" in refused.text
        waiting = second.get("/b/demo/advice", params={"day": day.isoformat()}).text
        assert re.search(r'Your place in line <strong class="figure">2</strong>', waiting)
        assert "About 1 minute to wait." in waiting
        assert first.post("/b/demo/advice", data={"starts_at": nine}).status_code == 303
        with httpx.Client(base_url=server.url, headers=ENGLISH) as latecomer:
            late = latecomer.get("/b/demo/advice", params={"day": day.isoformat()}).text
            assert re.search(r'Your place in line <strong class="figure">3</strong>', late)
    finally:
        for browser in browsers:
            browser.close()


async def _get(client: httpx.AsyncClient, params: dict, headers: dict | None = None) -> httpx.Response:
    """A GET as a browser sends it: once more on a new connection if the server closed the idle
    keep-alive one just as it was reused (uvicorn closes them after 5 s; a loaded machine meets that)."""
    try:
        return await client.get("/b/demo/advice", params=params, headers=headers)
    except httpx.RemoteProtocolError:
        return await client.get("/b/demo/advice", params=params, headers=headers)


async def _crowd(url: str, day, count: int) -> list[tuple[str, float]]:
    """``count`` browsers (each its own cookies and address) join the line; returns their clients."""
    limits = httpx.Limits(max_connections=count)
    clients = [httpx.AsyncClient(base_url=url, timeout=30, limits=limits,
                                 headers={**ENGLISH, "X-Forwarded-For": f"10.0.{i // 250}.{i % 250 + 1}"})
               for i in range(count)]

    arriving = anyio.Semaphore(25)  # arrivals over the minutes before the opening, not in one instant

    async def join(client):
        async with arriving:
            page = await _get(client, {"day": day.isoformat()})
        assert page.status_code == 200 and "You are in line." in page.text, page.text[:300]

    async with anyio.create_task_group() as tasks:
        for client in clients:
            tasks.start_soon(join, client)
    return clients


async def _wait_turns(clients, day) -> list[float]:
    """Each browser polls (as lobby.js does, but every ~0.3 s) until let in, then sees the times;
    returns when each was let in (UTC timestamps)."""
    admitted = [0.0] * len(clients)

    async def wait(i, client):
        with anyio.fail_after(60):
            while True:
                poll = await _get(client, {"day": day.isoformat()}, {"X-Lobby-Poll": "1"})
                if poll.status_code == 204:
                    admitted[i] = utcnow().timestamp()
                    break
                assert poll.status_code == 200, poll.text[:300]
                await anyio.sleep(0.25 + (i % 7) / 50)
        times = await _get(client, {"day": day.isoformat()})
        assert times.status_code == 200 and 'name="starts_at"' in times.text
        await client.aclose()

    async with anyio.create_task_group() as tasks:
        for i, client in enumerate(clients):
            tasks.start_soon(wait, i, client)
    return admitted


def _pass_id(client: httpx.AsyncClient, release_id: int) -> str:
    """The pass id in a browser's cookie (signed, not secret: read without the key)."""
    _, (_, pass_id, _) = URLSafeSerializer("-").loads_unsafe(client.cookies[f"luukku_lobby_{release_id}"])
    return pass_id


def _check_admissions(db: Database, release_id: int, opens: datetime, pace: int, admitted: dict[str, float]) -> None:
    with db.read() as session:
        rows = session.execute(sa.select(LobbyPass.id, LobbyPass.admitted_at)
                               .where(LobbyPass.release_id == release_id).order_by(LobbyPass.rank)).all()
    assert sorted(pass_id for pass_id, _ in rows) == sorted(admitted)  # one pass per browser, reloads or not
    for place, (pass_id, admitted_at) in enumerate(rows):
        due = opens + timedelta(minutes=place / pace)
        assert admitted_at is not None and admitted_at >= due, (place, admitted_at, due)
        assert admitted[pass_id] >= due.timestamp(), (place, admitted[pass_id], due)  # as the browser saw it
    # The pace held: the last one in came when its time came, not all at once.
    assert rows[-1][1] >= opens + timedelta(minutes=(len(rows) - 1) / pace)


# 80 browsers, polling together, are let in over about a second at this pace: enough for order and
# once-each to be tested under real concurrency (200 took 15 s a test; bench/lobby_polls.py has the scale).
def _rush(url: str, db: Database, count: int = 80, pace: int = 3000) -> None:
    release_id, day = release(db, 120, pace=pace)

    async def scenario():
        clients = await _crowd(url, day, count)
        ids = [_pass_id(client, release_id) for client in clients]
        opens = open_now(db, release_id, 1.5)
        admitted = await _wait_turns(clients, day)
        return opens, dict(zip(ids, admitted))

    opens, admitted = anyio.run(scenario)
    _check_admissions(db, release_id, opens, pace, admitted)


def test_eighty_browsers_are_let_in_once_each_in_turn_on_sqlite(server):
    _rush(server.url, server.db)


@pytest.mark.postgres
def test_eighty_browsers_are_let_in_once_each_in_turn_by_two_postgresql_workers(pg_url, tmp_path):
    port = free_port()
    db = Database(pg_url)
    web = Uvicorn(pg_url, port, tmp_path / "pg", workers=2, public_rate_limit_per_min="0")
    try:
        web.wait_until_serving()
        _rush(web.url, db)
    except BaseException:
        print(web.log.read_text()[-4000:])  # the workers' side of a failure
        raise
    finally:
        web.stop()
        db.dispose()


def test_one_address_cannot_take_many_places(server):
    _, day = release(server.db, 60, pace=60)
    answers = []
    for _ in range(releases.PASSES_PER_ADDRESS + 1):
        with httpx.Client(base_url=server.url, headers=ENGLISH) as fresh:  # a new cookie each time
            answers.append(fresh.get("/b/demo/advice", params={"day": day.isoformat()}))
    assert [a.status_code for a in answers] == [200] * releases.PASSES_PER_ADDRESS + [429]
    assert "Too many places in line from your connection" in answers[-1].text


def test_an_edited_pass_is_no_pass(server):
    release_id, day = release(server.db, 60, pace=60)
    with httpx.Client(base_url=server.url, headers=ENGLISH) as web:
        web.cookies.set(f"luukku_lobby_{release_id}", re.sub(r".$", "x", "WzEsImFiYyIsMV0.abc"))
        page = web.get("/b/demo/advice", params={"day": day.isoformat()})
        assert page.status_code == 200 and "You are in line." in page.text
        assert f"luukku_lobby_{release_id}" in page.headers["set-cookie"]  # a new pass, not the forged one
