"""Live screens over real websockets to uvicorn on loopback: sequence numbers, resync on a gap,
heartbeats both ways, catching up after a cut, the display's filters, the kiosk and the phone."""

import contextlib
import json
import re
import threading
import time

import httpx
import pytest
from sqlmodel import select
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from server import counters, queue
from server.models import Counter, Service, Site, StaffUser
from tests.conftest import (LiveServer, free_port, last_seq, make_settings, prepare_demo_database, pushes_until,
                            recv_push)
from tests.web.test_display_browser import Clerk

HEARTBEAT_S = 0.4


@contextlib.contextmanager
def screen(url: str):
    """A websocket that pings as a screen's live.js does (every other heartbeat), so that a test whose
    clerk takes a while on a busy machine is not closed as a screen gone silent."""
    with connect(url) as ws:
        stop = threading.Event()

        def ping() -> None:
            while not stop.wait(HEARTBEAT_S):
                try:
                    ws.send("ping")
                except Exception:  # closed: the test is over or checks the closing
                    return

        pinger = threading.Thread(target=ping, daemon=True)
        pinger.start()
        try:
            yield ws
        finally:
            stop.set()
            pinger.join()


@pytest.fixture
def server(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'live.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, live_heartbeat_s=HEARTBEAT_S,
                                    live_phone_heartbeat_s=HEARTBEAT_S), port) as server:
        yield server


def heartbeat(ws, timeout: float = 5) -> dict:
    """The next heartbeat; pushes before it are skipped."""
    deadline = time.monotonic() + timeout
    while True:
        message = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        if message.startswith("{"):
            control = json.loads(message)
            if control["type"] == "heartbeat":
                return control


def announced(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-number="([^"]+)" data-counter="([^"]+)"', html)


def printer_status_known(server, timeout: float = 10) -> None:
    """The print worker records the demo printer's first status as an event soon after the start:
    a screen is quiet only after that."""
    from server.models import Printer

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with server.app.state.db.read() as session:
            if all(p.condition != "unknown" for p in session.exec(select(Printer))):
                return
        time.sleep(0.05)
    raise AssertionError("the printer's status was never recorded")


def test_a_quiet_screen_gets_heartbeats_carrying_the_last_sequence_number(server):
    printer_status_known(server)
    with connect(f"{server.ws_url}/display/demo/ws") as display:
        assert 'id="latest-call"' in display.recv(timeout=5)  # the snapshot first
        first = heartbeat(display)
        assert first == {"type": "heartbeat", "seq": {"demo": last_seq(server)}}
        started = time.monotonic()
        display.send("ping")
        assert heartbeat(display) == first
        assert time.monotonic() - started < 3 * HEARTBEAT_S


def test_a_burst_of_events_is_followed_by_one_heartbeat_with_the_last_number(server):
    """The numbers come a moment after the pushes, once for a burst (server/web/live.py EVENT_BEAT_S):
    a thousand screens' heartbeats must not hold up the next call's pushes."""
    printer_status_known(server)
    with connect(f"{server.ws_url}/display/demo/ws") as display:
        recv_push(display)
        seq = heartbeat(display)["seq"]["demo"]
        burst = [{"seq": seq + n, "site": "demo", "type": "ticket.issued", "at": "2026-01-01T00:00:00+00:00",
                  "ticket": {"id": f"x{n}", "number": f"A90{n}", "service": "advice", "status": "waiting"}}
                 for n in (1, 2, 3)]
        server.app.state.bus.publish(burst)
        pushes = 0
        while True:
            message = display.recv(timeout=5)
            if not message.startswith("{"):
                pushes += 1
                continue
            assert json.loads(message) == {"type": "heartbeat", "seq": {"demo": seq + 3}}
            break
        assert pushes == 0  # tickets taken (and these are not even in the database) change nothing it shows


def test_a_gap_in_the_sequence_makes_the_screen_start_again_from_the_database(server):
    with Clerk(server.url) as clerk, screen(f"{server.ws_url}/display/demo/ws") as display:
        recv_push(display)
        seq = heartbeat(display)["seq"]["demo"]
        # An event from nowhere, five numbers ahead: what a lost notification looks like.
        fake = {"seq": seq + 5, "site": "demo", "type": "ticket.called", "at": "2026-01-01T00:00:00+00:00",
                "ticket": {"id": "x", "number": "A999", "service": "advice", "status": "called"},
                "counter": {"id": 9, "number": "9"}}
        server.app.state.bus.publish([fake])
        # The database's numbers, not the event's; and its state, which the screen already shows, so
        # nothing is pushed (no A999).
        assert json.loads(display.recv(timeout=5)) == {"type": "heartbeat", "seq": {"demo": seq}}
        clerk.open(3, "advice")
        clerk.take("advice")
        clerk.call_next(3)
        deadline = time.monotonic() + 5
        while not announced(pushed := recv_push(display)):
            assert time.monotonic() < deadline
        assert announced(pushed) == [("A001", "3")] and "A001" in pushed
        assert heartbeat(display)["seq"]["demo"] == last_seq(server)


def test_a_screen_back_after_a_cut_hears_the_calls_it_missed(server):
    seen = last_seq(server)
    with Clerk(server.url) as clerk:
        clerk.open(3, "advice")
        clerk.take("advice")
        clerk.take("advice")
        clerk.done(clerk.call_next(3)["id"])
        clerk.call_next(3)  # A001 and A002 were called while the screen was away
    with connect(f"{server.ws_url}/display/demo/ws?seen=demo:{seen}") as display:
        assert announced(recv_push(display)) == [("A001", "3"), ("A002", "3")]
    with connect(f"{server.ws_url}/display/demo/ws?seen=demo:{last_seq(server)}") as display:
        assert announced(recv_push(display)) == []  # nothing new: nothing spoken again
    with connect(f"{server.ws_url}/display/demo/ws?seen=bogus") as display:
        assert announced(recv_push(display)) == []  # a malformed mark is a fresh start


def closed_as_silent(silent) -> None:
    """A screen that never pings is closed as gone (1011) within a few heartbeats."""
    started = time.monotonic()
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            silent.recv(timeout=10)
    assert closed.value.rcvd.code == 1011
    assert time.monotonic() - started < 10 * HEARTBEAT_S


def test_a_screen_that_stops_pinging_is_closed_and_one_that_pings_is_kept(server):
    with connect(f"{server.ws_url}/display/demo/ws") as silent:
        closed_as_silent(silent)
    with connect(f"{server.ws_url}/display/demo/ws") as pinging:
        until = time.monotonic() + 8 * HEARTBEAT_S
        while time.monotonic() < until:
            pinging.send("ping")
            pinging.recv(timeout=2)
        pinging.send("ping")
        assert heartbeat(pinging)


def test_a_display_shows_and_speaks_only_its_services_and_counters(server):
    with Clerk(server.url) as clerk, Clerk(server.url, "expert") as expert, \
            screen(f"{server.ws_url}/display/demo/ws?services=B&counters=4") as display:
        recv_push(display)
        clerk.open(3, "advice", "housing")
        expert.open(4, "housing")
        clerk.take("advice")
        clerk.take("housing")
        clerk.take("housing")
        clerk.done(clerk.call_next(3)["id"])  # A001 at 3: neither its service nor its counter
        clerk.call_next(3)  # B001 at 3: its service but not its counter
        expert.call_next(4)  # B002 at 4
        pushes = []
        deadline = time.monotonic() + 5
        while not any(announced(p) for p in pushes):
            assert time.monotonic() < deadline
            pushes.append(recv_push(display))
        assert announced(pushes[-1]) == [("B002", "4")]
        assert "A001" not in "".join(pushes) and "B001" not in "".join(pushes)


def test_a_wrong_display_address_gets_a_clear_message(server):
    page = httpx.get(f"{server.url}/display/demo?layout=diagonal", headers={"Accept-Language": "fi"})
    assert page.status_code == 422 and "Tuntematon asettelu diagonal" in page.text
    page = httpx.get(f"{server.url}/display/demo?lang=de", headers={"Accept-Language": "en"})
    assert page.status_code == 422 and "Unknown language de" in page.text
    assert httpx.get(f"{server.url}/display/demo?calls=99").status_code == 422
    assert httpx.get(f"{server.url}/display/nowhere").status_code == 404
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        with connect(f"{server.ws_url}/display/demo/ws?layout=diagonal") as ws:
            ws.recv(timeout=5)


def test_the_spoken_call_and_the_chime_are_served_as_wav(server):
    if not server.app.state.speech.available:
        pytest.skip(f"espeak-ng cannot speak here: {server.app.state.speech.reason}")
    for lang in ("fi", "sv", "en"):
        wav = httpx.get(f"{server.url}/display/speech/{lang}/A042/3.wav")
        assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
        assert wav.content[:4] == b"RIFF" and len(wav.content) > 20_000
    chime = httpx.get(f"{server.url}/display/speech/chime.wav")
    assert chime.status_code == 200 and chime.content[:4] == b"RIFF"
    for bad in ("de/A042/3", "fi/a042/3", "fi/A04200/3", "fi/A042/3%20-x", "fi/..%2F..%2Fetc/3"):
        assert httpx.get(f"{server.url}/display/speech/{bad}.wav").status_code == 404, bad


def test_the_kiosk_start_screen_counts_tickets_taken_elsewhere(server):
    with Clerk(server.url) as clerk, screen(f"{server.ws_url}/kiosk/demo/ws?lang=en") as kiosk:
        assert 'id="waiting-advice"' in recv_push(kiosk)
        clerk.take("advice")
        pushed = recv_push(kiosk)
        assert re.search(r'id="waiting-advice"[^>]*>1 waiting', pushed)


def test_the_phone_follows_its_ticket_until_it_is_called(server):
    with Clerk(server.url) as clerk:
        clerk.open(3, "advice")
        clerk.take("advice")
        mine = clerk.take("advice")
        with screen(f"{server.ws_url}/t/{mine['id']}/ws?lang=en") as phone:
            first = recv_push(phone)
            assert "You are in the queue." in first and 'id="status-ahead">1<' in first
            clerk.done(clerk.call_next(3)["id"])
            deadline = time.monotonic() + 5
            while 'id="status-ahead">0<' not in recv_push(phone):
                assert time.monotonic() < deadline
            clerk.call_next(3)
            while "It is your turn" not in (called := recv_push(phone)):
                assert time.monotonic() < deadline + 5
            assert 'Please go to counter <strong class="turn-counter">3</strong>' in called and "data-called=" in called
    with pytest.raises((InvalidStatus, ConnectionClosed)):
        with connect(f"{server.ws_url}/t/not-a-ticket/ws") as ws:
            ws.recv(timeout=5)


def test_the_event_stream_tells_an_integration_to_resync_after_a_gap(server):
    with connect(f"{server.ws_url}/api/v1/sites/demo/events") as events:
        seq = json.loads(events.recv(timeout=5))["seq"]["demo"]
        server.app.state.bus.publish([{"seq": seq + 3, "site": "demo", "type": "ticket.issued", "at": "x"}])
        resync = json.loads(events.recv(timeout=5))
        assert resync["type"] == "resync" and seq <= resync["seq"]["demo"] <= last_seq(server)


def test_one_display_shows_two_sites(server):
    db = server.app.state.db  # the server's own: what it writes reaches its bus
    with db.write() as session:
        north = Site(slug="north", name="Pohjoinen palvelupiste")
        session.add(north)
        session.flush()
        session.add(Service(site_id=north.id, code="advice", prefix="N", name_fi="Neuvonta",
                            name_sv="Rådgivning", name_en="Advice"))
        counter = Counter(site_id=north.id, number="1")
        session.add(counter)
        session.flush()
        north_counter = counter.id
        expert = session.exec(select(StaffUser).where(StaffUser.username == "expert")).one().id
    with Clerk(server.url) as clerk, screen(f"{server.ws_url}/display/demo,north/ws?lang=fi") as display:
        recv_push(display)
        assert set(heartbeat(display)["seq"]) == {"demo", "north"}
        clerk.open(3, "advice")
        clerk.take("advice")
        clerk.call_next(3)
        with db.write() as session:
            counters.open_counter(session, north_counter, expert, ["advice"])
            queue.issue_ticket(session, "north", "advice", "fi")
        with db.write() as session:
            counters.call_next(session, north_counter, expert)
        deadline = time.monotonic() + 5
        while ("N001", "1") not in announced(pushed := recv_push(display)):
            assert time.monotonic() < deadline
        assert "Pohjoinen palvelupiste" in pushed and "A001" in pushed  # both sites' calls, named


def test_displays_with_one_address_read_the_state_once_per_event_and_get_the_same_push(server, monkeypatch):
    import display.routes

    reads = []
    real_state = display.routes._state

    def counting_state(session, config):
        reads.append(config.langs)
        return real_state(session, config)

    printer_status_known(server)
    monkeypatch.setattr(display.routes, "_state", counting_state)
    with contextlib.ExitStack() as stack:
        alike = [stack.enter_context(screen(f"{server.ws_url}/display/demo/ws?lang=fi,sv")) for _ in range(5)]
        other = stack.enter_context(screen(f"{server.ws_url}/display/demo/ws?lang=sv"))
        for ws in [*alike, other]:
            recv_push(ws)
        with Clerk(server.url) as clerk:
            clerk.open(3, "advice")
            clerk.take("advice")
            for ws in [*alike, other]:  # every screen up to date before the call
                while heartbeat(ws)["seq"]["demo"] < last_seq(server):
                    pass
            before = len(reads)
            clerk.call_next(3)
            pushes = [recv_push(ws) for ws in alike]
            other_push = recv_push(other)
        assert len(set(pushes)) == 1 and announced(pushes[0]) == [("A001", "3")]
        assert announced(other_push) == [("A001", "3")] and other_push != pushes[0]  # its own rendering
        # One ticket.called event: one read for the five alike, one for the other.
        assert sorted(reads[before:]) == [("fi", "sv"), ("sv",)]


def test_a_shared_rendering_survives_a_screen_leaving_and_a_failure_is_not_shared():
    import asyncio

    from server.web.live import SharedRenders

    async def scenario():
        renders, started = SharedRenders(keep=2), []

        async def slow():
            started.append(1)
            await asyncio.sleep(0.05)
            return "html"

        leaving = asyncio.create_task(renders.get("k", slow))
        staying = asyncio.create_task(renders.get("k", slow))
        await asyncio.sleep(0.01)
        leaving.cancel()  # the first screen went away mid-render
        assert await staying == "html" and len(started) == 1

        async def broken():
            raise RuntimeError("database gone")

        for _ in range(2):
            try:
                await renders.get("bad", broken)
            except RuntimeError:
                pass
            else:
                raise AssertionError("the failure was not raised")
        assert "bad" not in renders._renders  # the next screen tries again
        for key in ("a", "b", "c"):
            await renders.get(key, slow)
        assert list(renders._renders) == ["b", "c"]  # only the most recent are kept

        # The phones' readings: a few kept for each site, however many sites have events (one site's
        # burst does not push out another's reading, and no site keeps more than its own few).
        readings = SharedRenders(keep=2, group=lambda key: key[0])
        for key in [("north", 1), ("south", 1), ("north", 2), ("north", 3), ("north", 4)]:
            await readings.get(key, slow)
        assert list(readings._renders) == [("south", 1), ("north", 3), ("north", 4)]
        started.clear()
        assert await readings.get(("south", 1), slow) == "html" and started == []  # still shared

    asyncio.run(scenario())


def test_paced_readings_answer_every_event_and_read_a_burst_once():
    """The counter screens' readings of their site (issue 22): a screen answering an event gets a
    reading begun after it came; a burst of events, each answered by four screens, is read twice
    (at once, then once for the rest after ``every_s``), not once per event; sites apart."""
    import asyncio

    from server.web.live import PacedReadings

    async def scenario():
        readings = PacedReadings(every_s=1.0)  # far longer than the burst below takes
        committed = {"north": 0, "south": 0}  # the newest event of each site in the database
        began = []

        def reading_of(site):
            async def read():
                began.append(site)
                seen = committed[site]  # what a reading begun now shows
                await asyncio.sleep(0.02)
                return seen
            return read

        async def screen(site, seq):
            return await readings.get(site, seq, reading_of(site))

        answers = []
        for seq in range(1, 11):  # ten events at once, four screens answering each
            committed["north"] = seq
            answers += [(seq, asyncio.create_task(screen("north", seq))) for _ in range(4)]
            for _ in range(3):
                await asyncio.sleep(0)
        assert all([await task >= seq for seq, task in answers])  # never older than its event
        assert began == ["north", "north"]

        committed["south"] = 1
        assert await screen("south", 1) == 1 and began[-1] == "south"  # its own site's reading
        assert await screen("north", 10) == 10 and len(began) == 3  # an event answered: shared

        await asyncio.sleep(1.05)  # quiet for longer than every_s: the next event is read at once
        committed["north"] = 11
        task = asyncio.create_task(screen("north", 11))
        for _ in range(5):
            await asyncio.sleep(0)
        assert began[-1] == "north" and len(began) == 4
        leaving, staying = task, asyncio.create_task(screen("north", 11))
        await asyncio.sleep(0)
        leaving.cancel()  # a screen going away mid-reading does not end it for the others
        assert await staying == 11 and len(began) == 4

        async def broken():
            raise RuntimeError("database gone")

        for _ in range(2):  # a failure is not shared: the next screen reads again
            try:
                await readings.get("west", 1, broken)
            except RuntimeError:
                pass
            else:
                raise AssertionError("the failure was not raised")
        committed["west"] = 1
        assert await readings.get("west", 1, reading_of("west")) == 1

    asyncio.run(scenario())


def test_a_display_behind_by_a_burst_shows_the_state_once_and_announces_every_call(server, monkeypatch):
    """Issue 24: a display handled each event with a reading of the database; when events came faster
    than those readings, it fell further behind with each one (a minute after twenty minutes). Events
    that come while it reads go together into its next push, each call announced in order."""
    import display.routes

    reads = []
    real_state = display.routes._state
    done = threading.Event()

    def slow_state(session, config):
        reads.append(1)
        # A database busy with a hall's worth of requests: the reading ends once every event below
        # has come (a sleep of 0.3 s let a loaded machine make each request slower than a reading).
        done.wait(10)
        return real_state(session, config)

    printer_status_known(server)
    with Clerk(server.url) as clerk, Clerk(server.url, "expert") as expert, \
            screen(f"{server.ws_url}/display/demo/ws") as display_ws:
        recv_push(display_ws)
        clerk.open(3, "advice")
        expert.open(4, "advice")
        for _ in range(4):
            clerk.take("advice")
        monkeypatch.setattr(display.routes, "_state", slow_state)
        before = len(reads)
        calls = [clerk.call_next(3), expert.call_next(4)]
        clerk.done(calls[0]["id"])
        calls.append(clerk.call_next(3))
        expert.done(calls[1]["id"])
        calls.append(expert.call_next(4))
        done.set()
        pushes = pushes_until(display_ws, last_seq(server), timeout=10)
        assert [number for push in pushes for number, _ in announced(push)] == [c["number"] for c in calls]
        assert len(reads) - before < len(calls)  # ten events, four of them calls: fewer readings
        assert all(c["number"] in pushes[-1] for c in calls)  # the last push shows them all


def queue_readings(monkeypatch) -> list[str]:
    """The sites of every reading of the queue for the phones from now on (kiosk.routes._queue_now)."""
    import kiosk.routes

    reads: list[str] = []
    real_queue_now = kiosk.routes._queue_now

    def counting_queue_now(session, slug):
        reads.append(slug)
        return real_queue_now(session, slug)

    monkeypatch.setattr(kiosk.routes, "_queue_now", counting_queue_now)
    return reads


def test_phones_read_the_queue_once_per_event_and_each_shows_its_own_place_and_wait(server, monkeypatch):
    reads = queue_readings(monkeypatch)
    with Clerk(server.url) as clerk, contextlib.ExitStack() as stack:
        clerk.open(3, "advice")
        tickets = [clerk.take("advice") for _ in range(4)]
        phones = [stack.enter_context(screen(f"{server.ws_url}/t/{t['id']}/ws?lang=en")) for t in tickets]
        for phone in phones:
            pushes_until(phone, last_seq(server))
        before = len(reads)
        clerk.call_next(3)
        seq = last_seq(server)
        last_pushes = [pushes_until(phone, seq)[-1] for phone in phones]
        # One ticket.called event: one reading of the queue, shared by the four phones.
        assert reads[before:] == ["demo"]
        assert "It is your turn" in last_pushes[0]
        for ahead, (ticket, pushed) in enumerate(zip(tickets[1:], last_pushes[1:])):
            page = httpx.get(f"{server.url}/t/{ticket['id']}", headers={"Accept-Language": "en"}).text
            wait = re.search(r"about \d+ min|You are next", page).group(0)
            # Each phone its own place, and the same estimate a fresh page (its own reading) shows.
            assert f'id="status-ahead">{ahead}<' in pushed and wait in pushed


def test_pushes_render_from_templates_held_in_memory_without_looking_at_their_files(server, monkeypatch):
    """A template is read once; a push to each of 5,000 phones stat-ing its file again was a system
    call per push (issue 22)."""
    import os.path

    looked = []
    real = os.path.getmtime
    with Clerk(server.url) as clerk:
        clerk.open(3, "advice")
        tickets = [clerk.take("advice") for _ in range(3)]
        with screen(f"{server.ws_url}/t/{tickets[2]['id']}/ws?lang=en") as phone, \
                screen(f"{server.ws_url}/display/demo/ws") as display:
            pushes_until(phone, last_seq(server))
            pushes_until(display, last_seq(server))
            monkeypatch.setattr(os.path, "getmtime", lambda path: looked.append(path) or real(path))
            for _ in range(2):
                clerk.done(clerk.call_next(3)["id"])
                seq = last_seq(server)
                assert pushes_until(phone, seq) and pushes_until(display, seq)
    assert looked == []


def test_a_phones_figures_are_its_own_numbers_in_the_fragment_rendered_once_per_language():
    from kiosk.routes import _figures
    from server.web import pages

    for lang in ("fi", "sv", "en"):
        for ahead, wait in [(0, 0), (1, 0), (7, 12), (4999, 1), (12, 12), (3, 1234), (0, 9)]:
            whole = pages.render_fragment("_ticket_figures.html", lang, oob=True, ahead=ahead, wait=wait)
            assert _figures(lang, ahead, wait) == whole
            assert f'id="status-ahead">{ahead}<' in whole


def test_tickets_taken_are_read_for_the_phones_once_a_second_and_a_call_after_them_at_once(server, monkeypatch):
    # Issue 24: at a kiosk's ten tickets a second, a reading of the queue for the phones after each
    # was the largest part of a worker's time.
    import kiosk.routes

    reads = queue_readings(monkeypatch)
    with Clerk(server.url) as clerk, contextlib.ExitStack() as stack:
        clerk.open(3, "advice")
        tickets = [clerk.take("advice") for _ in range(2)]
        phones = [stack.enter_context(screen(f"{server.ws_url}/t/{t['id']}/ws?lang=en")) for t in tickets]
        for phone in phones:
            pushes_until(phone, last_seq(server))
        before = len(reads)
        began = time.monotonic()
        for _ in range(8):  # one at a time, each passed on by itself: 8 readings before the change
            with server.app.state.db.write() as session:
                queue.issue_ticket(session, "demo", "housing", "en", printed=False)
            time.sleep(0.05)
        seconds = int((time.monotonic() - began) // kiosk.routes.ISSUED_READ_EVERY_S) + 2  # begun meanwhile, at most
        assert len(reads) - before <= seconds < 8, reads[before:]
        taken = len(reads)
        clerk.call_next(3)
        seq = last_seq(server)
        pushed = [pushes_until(phone, seq)[-1] for phone in phones]
        # The call: read at once, after it (the next phone is first now), as every event but tickets taken.
        assert len(reads) == taken + 1
        assert "It is your turn" in pushed[0] and 'id="status-ahead">0<' in pushed[1]


def test_a_phone_is_sent_only_what_changed_and_the_phones_estimates_are_kept_in_one_write(server, monkeypatch):
    # Issue 22: after a call every waiting phone's place moves; 5,000 phones each sent its whole card and
    # each writing its estimate made a call take 20 s to reach them all (docs/PERFORMANCE.md).
    from server import accuracy

    writes = []
    real_note_shown = accuracy.note_shown

    def counting_note_shown(session, shown):
        writes.append(sorted(shown))
        real_note_shown(session, shown)

    monkeypatch.setattr(accuracy, "note_shown", counting_note_shown)
    with Clerk(server.url) as clerk, contextlib.ExitStack() as stack:
        clerk.open(3, "advice")
        tickets = [clerk.take("advice") for _ in range(4)]
        phones = [stack.enter_context(screen(f"{server.ws_url}/t/{t['id']}/ws?lang=en")) for t in tickets]
        firsts = [pushes_until(phone, last_seq(server)) for phone in phones]
        assert all(len(pushed) == 1 and "You are in the queue." in pushed[0] for pushed in firsts)
        clerk.call_next(3)
        seq = last_seq(server)
        pushes = [pushes_until(phone, seq) for phone in phones]
        assert len(pushes[0]) == 1 and "It is your turn" in pushes[0][0]  # its card changed: sent whole
        for ahead, pushed in enumerate(pushes[1:]):
            # The others' cards are the same but for the figures: the figures alone, swapped in by id.
            assert len(pushed) == 1 and pushed[0].startswith('<dl class="status-facts" id="status-facts" hx-swap-oob')
            assert f'id="status-ahead">{ahead}<' in pushed[0] and "You are in the queue." not in pushed[0]
        deadline = time.monotonic() + 5
        with server.app.state.db.read() as session:
            ids = {queue.get_ticket(session, t["id"]).id for t in tickets}
        while not ids <= {t for w in writes for t in w}:
            assert time.monotonic() < deadline, writes
            time.sleep(0.05)
    # Four phones' first figures, noted within a second of each other: kept together, not one by one.
    assert max(len(w) for w in writes) >= 2, writes


def test_phones_connecting_at_once_share_one_reading_and_each_shows_its_own_place(server, monkeypatch):
    # A worker restarting reconnects thousands of phones: each replaying the whole queue for its own
    # place and estimate made 1,000 phones take most of a minute to be live (docs/PERFORMANCE.md).
    reads = queue_readings(monkeypatch)
    with Clerk(server.url) as clerk, contextlib.ExitStack() as stack:
        tickets = [clerk.take("advice") for _ in range(4)]
        seq = last_seq(server)
        phones = [stack.enter_context(screen(f"{server.ws_url}/t/{t['id']}/ws?lang=en")) for t in tickets]
        firsts = [pushes_until(phone, seq)[0] for phone in phones]
    # One reading for the four (two where the minute turned between them: a quiet queue's reading is
    # not kept longer, its estimates follow the clock).
    assert 1 <= len(reads) <= 2
    for ahead, (ticket, pushed) in enumerate(zip(tickets, firsts)):
        page = httpx.get(f"{server.url}/t/{ticket['id']}", headers={"Accept-Language": "en"}).text
        wait = re.search(r"about \d+ min|You are next", page).group(0)
        assert f'id="status-ahead">{ahead}<' in pushed and wait in pushed


def test_a_phones_page_beats_at_the_phones_own_slower_heartbeat(tmp_path):
    # Thousands of phones at the screens' 2 s heartbeat would keep a worker busy (docs/PERFORMANCE.md).
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'beat.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, live_heartbeat_s=0.4, live_phone_heartbeat_s=0.9), port) as server, \
            Clerk(server.url) as clerk:
        mine = clerk.take("advice")
        page = httpx.get(f"{server.url}/t/{mine['id']}").text
        assert 'data-live-heartbeat="0.9"' in page
        kiosk = httpx.get(f"{server.url}/kiosk/demo").text
        assert 'data-live-heartbeat="0.4"' in kiosk
        with screen(f"{server.ws_url}/t/{mine['id']}/ws?lang=en") as phone:
            recv_push(phone)
            first = heartbeat(phone, timeout=5)  # the first may come early: the numbers after the taking
            started = time.monotonic()
            beats = [first] + [heartbeat(phone, timeout=5) for _ in range(2)]
            # Two more beats at 0.9 s take 1.8 s, at 0.4 s they would take 0.8: halfway between, since
            # the first may reach this thread late on a busy machine (once 1.62 s in the whole suite).
            assert time.monotonic() - started >= 1.3 and all(b["type"] == "heartbeat" for b in beats)


def test_a_sites_phones_are_pushed_by_one_task_and_a_gap_sends_each_its_whole_card_again(server):
    # Issue 22: a relay per phone woke 2,500 tasks a worker at each event; the site's phones now have
    # one task, which after a lost event sends every phone its whole card and the database's number.
    phones_of = server.app.state.phones
    with Clerk(server.url) as clerk, contextlib.ExitStack() as stack:
        clerk.open(3, "advice")
        tickets = [clerk.take("advice") for _ in range(3)]
        phones = [stack.enter_context(screen(f"{server.ws_url}/t/{t['id']}/ws?lang=en")) for t in tickets]
        seq = last_seq(server)
        assert all("You are in the queue." in pushes_until(phone, seq)[0] for phone in phones)
        assert phones_of.count("demo") == 3 and list(phones_of._tasks) == ["demo"]
        fake = {"seq": seq + 5, "site": "demo", "type": "ticket.called", "at": "2026-01-01T00:00:00+00:00",
                "ticket": {"id": "x", "number": "A999", "service": "advice", "status": "called"},
                "counter": {"id": 9, "number": "9"}}
        server.app.state.bus.publish([fake])
        for phone in phones:  # nothing changed, yet each is sent its whole card, read afresh
            pushed = recv_push(phone)
            assert "You are in the queue." in pushed and "A999" not in pushed
            assert heartbeat(phone)["seq"] == {"demo": seq}  # the database's number, not the event's
        clerk.call_next(3)
        seq = last_seq(server)
        assert "It is your turn" in pushes_until(phones[0], seq)[-1]
        assert 'id="status-ahead">1<' in pushes_until(phones[2], seq)[-1]
    deadline = time.monotonic() + 5
    while phones_of._tasks:  # the last phone gone, the site's task ends
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert phones_of.count("demo") == 0


def test_an_event_that_moves_no_phone_sends_nothing_and_its_number_comes_with_the_next_beat(server):
    with Clerk(server.url) as clerk:
        mine = clerk.take("advice")
    with screen(f"{server.ws_url}/t/{mine['id']}/ws?lang=en") as phone:
        seq = last_seq(server)
        pushes_until(phone, seq)
        other = {"seq": seq + 1, "site": "demo", "type": "printer.status", "at": "2026-01-01T00:00:00+00:00"}
        server.app.state.bus.publish([other])
        assert pushes_until(phone, seq + 1) == []


def test_phones_that_read_their_own_ticket_read_at_once_not_one_after_another(server, monkeypatch):
    # Issue 22: ended tickets' phones are not in the site's reading; each read alone, one after the
    # other in the site's task, made every push of a busy site wait for them in a city's day.
    import kiosk.routes

    with Clerk(server.url) as clerk, contextlib.ExitStack() as stack:
        clerk.open(3, "advice")
        ended = [clerk.take("advice") for _ in range(2)]
        for _ in ended:
            clerk.done(clerk.call_next(3)["id"])
        phones = [stack.enter_context(screen(f"{server.ws_url}/t/{t['id']}/ws?lang=en")) for t in ended]
        for phone in phones:
            pushes_until(phone, last_seq(server))
        together, reads = threading.Barrier(2, timeout=5), []
        real = kiosk.routes._status_context

        def read_alone(session, public_id):
            together.wait()  # both phones' reads under way at once, or this breaks after 5 s
            reads.append(public_id)
            return real(session, public_id)

        monkeypatch.setattr(kiosk.routes, "_status_context", read_alone)
        clerk.take("advice")  # an event of the site: both ended phones read their own
        deadline = time.monotonic() + 10
        while len(reads) < 2:
            assert time.monotonic() < deadline and not together.broken
            time.sleep(0.05)
        assert sorted(reads) == sorted(t["id"] for t in ended)
        assert server.app.state.phones.count("demo") == 2


def test_a_phone_that_stops_pinging_is_closed_and_one_that_pings_is_kept(server):
    with Clerk(server.url) as clerk:
        tickets = [clerk.take("advice") for _ in range(2)]
    with connect(f"{server.ws_url}/t/{tickets[0]['id']}/ws?lang=en") as silent, \
            screen(f"{server.ws_url}/t/{tickets[1]['id']}/ws?lang=en") as pinging:
        closed_as_silent(silent)
        assert heartbeat(pinging) and server.app.state.phones.count("demo") == 1


def test_a_phone_whose_line_takes_no_pushes_is_closed_and_does_not_hold_the_others(server, monkeypatch):
    from server.web import live

    monkeypatch.setattr(live, "SEND_TIMEOUT_S", 0.5)
    with Clerk(server.url) as clerk:
        clerk.open(3, "advice")
        tickets = [clerk.take("advice") for _ in range(3)]
        with screen(f"{server.ws_url}/t/{tickets[1]['id']}/ws?lang=en") as stuck, \
                screen(f"{server.ws_url}/t/{tickets[2]['id']}/ws?lang=en") as other:
            seq = last_seq(server)
            pushes_until(stuck, seq)
            pushes_until(other, seq)
            # What the line says when a phone stops reading and its buffers are full: uvicorn's
            # protocol then holds every send to it until the line drains.
            (line,) = [p for p in server.server.server_state.connections
                       if getattr(p, "scope", {}).get("path") == f"/t/{tickets[1]['id']}/ws"]
            line.loop.call_soon_threadsafe(line.pause_writing)
            time.sleep(0.1)
            clerk.call_next(3)
            assert 'id="status-ahead">1<' in pushes_until(other, last_seq(server), timeout=3)[-1]
            assert server.app.state.phones.count("demo") == 1  # the stuck one let go


def test_a_phone_following_no_such_ticket_is_refused(server):
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{server.ws_url}/t/no-such-ticket-here/ws?lang=en", open_timeout=5)
    assert refused.value.response.status_code == 403  # closed before accepting: the handshake fails


def test_a_display_is_sent_only_what_changes_on_it(server):
    """Issue 24: at ten tickets a second, each display sent its unchanged screen again for every
    ticket taken, and a call waited behind those pushes."""
    printer_status_known(server)
    with Clerk(server.url) as clerk, screen(f"{server.ws_url}/display/demo/ws") as calls_only, \
            screen(f"{server.ws_url}/display/demo/ws?panel=waiting") as waiting:
        recv_push(calls_only)
        recv_push(waiting)
        clerk.open(3, "advice")
        clerk.take("advice")
        seq = last_seq(server)
        assert pushes_until(calls_only, seq) == []  # a ticket taken shows on neither of its panels
        assert len(pushes_until(waiting, seq)) == 1  # its waiting panel counts one more
        clerk.call_next(3)
        seq = last_seq(server)
        assert announced("".join(pushes_until(calls_only, seq))) == [("A001", "3")]
        assert announced("".join(pushes_until(waiting, seq))) == [("A001", "3")]


def test_a_display_of_the_calls_does_not_read_the_queue_for_events_that_cannot_change_it(server, monkeypatch):
    """Issue 22: in a city's day two thirds of the displays' readings were for tickets taken and
    services started or ended, none of which changes a display of the calls. A display of the
    waiting too still reads for a ticket taken, and every display for a call."""
    import display.routes

    reads = []
    real_state = display.routes._state

    def counting_state(session, config):
        reads.append(config.panel)
        return real_state(session, config)

    monkeypatch.setattr(display.routes, "_state", counting_state)
    printer_status_known(server)
    with Clerk(server.url) as clerk, screen(f"{server.ws_url}/display/demo/ws") as calls_only:
        recv_push(calls_only)
        clerk.open(3, "advice")
        pushes_until(calls_only, last_seq(server))
        first = clerk.take("advice")
        clerk.call_next(3)
        assert announced("".join(pushes_until(calls_only, last_seq(server)))) == [(first["number"], "3")]
        reads.clear()
        second = clerk.take("advice")
        clerk.done(first["id"])
        assert pushes_until(calls_only, last_seq(server)) == [] and reads == []
        clerk.call_next(3)
        assert announced("".join(pushes_until(calls_only, last_seq(server)))) == [(second["number"], "3")]
        assert reads == ["none"]
        with screen(f"{server.ws_url}/display/demo/ws?panel=waiting") as waiting:
            recv_push(waiting)
            reads.clear()
            clerk.take("advice")
            assert len(pushes_until(waiting, last_seq(server))) == 1 and reads == ["waiting"]


def test_a_screens_and_a_phones_pushes_are_marked_for_the_full_collection_to_wait_for(server):
    """server/garbage.py puts a full collection off while the worker passes an event on to its
    screens: both ways of pushing (a display's relay, the phones' shared task) must say so."""
    from server import garbage

    with Clerk(server.url) as clerk:
        clerk.open(3, "advice")
        first = clerk.take("advice")["id"]
        ticket = clerk.take("advice")["id"]
        with screen(f"{server.ws_url}/t/{ticket}/ws?lang=fi") as phone:  # a phone alone
            recv_push(phone)
            before = garbage.pushing.ended_at
            clerk.call_next(3)  # no one ahead of it now
            recv_push(phone)
            assert garbage.pushing.ended_at > before and garbage.pushing.running == 0
        clerk.done(first)
        with screen(f"{server.ws_url}/display/demo/ws") as display:  # a display alone
            recv_push(display)
            before = garbage.pushing.ended_at
            clerk.call_next(3)
            assert announced("".join(pushes_until(display, last_seq(server)))) == [("A002", "3")]
            assert garbage.pushing.ended_at > before and garbage.pushing.running == 0
