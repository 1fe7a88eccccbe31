"""Keeping a screen live over one websocket: a snapshot, then the events of its sites, in order.

Every event carries its site's gap-free sequence number (server/events.py). The relay remembers the
last number it passed on per site: an event it already holds is dropped, the next one is passed on,
and a gap (or the bus saying events may have been lost) makes it take a fresh snapshot instead, so a
screen never misses a change and never shows a state the database does not have.

Heartbeats go both ways: the relay sends ``{"type": "heartbeat", "seq": {site: n}}`` whenever the line
has been quiet for ``heartbeat_s`` (and, for screens, ``EVENT_BEAT_S`` after an event or a burst of
them, so a screen soon knows the numbers it has seen); a screen that pings sends any text at least
that often, and one silent for ``CLIENT_SILENCE_BEATS`` heartbeats is taken for gone and closed. A
screen that reconnects passes the numbers it saw as ``?seen=site:n,…``, so what it missed meanwhile
(a call) can be caught up.
"""

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

import anyio
from starlette.routing import Match, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from server import garbage
from server.bus import InProcessBus
from server.db import Database, run_read
from server.events import last_seqs

log = logging.getLogger("luukku.live")

CLIENT_SILENCE_BEATS = 5  # a pinging screen silent this many heartbeats has gone away
EVENT_BEAT_S = 0.25  # how soon after an event a screen hears its number

Seqs = dict[str, int]
Snapshot = Callable[[Seqs], Awaitable[Seqs]]
OnEvents = Callable[[list[dict]], Awaitable[None]]


def parse_seen(value: str | None) -> Seqs:
    """``site:n,site:n`` from a reconnecting screen; anything malformed is ignored (a fresh start)."""
    seen: Seqs = {}
    for part in (value or "").split(",")[:20]:
        site, _, number = part.partition(":")
        if site and number.isdigit() and len(number) < 12:
            seen[site] = int(number)
    return seen


async def relay(
    websocket: WebSocket,
    bus: InProcessBus,
    sites: list[str],
    snapshot: Snapshot,
    on_events: OnEvents,
    *,
    heartbeat_s: float,
    screen: bool = True,
) -> None:
    """Runs until either side goes away.

    ``snapshot(seen)`` sends the screen's whole state and returns the sequence number per site that
    state reflects, read *before* the state: then an event the state already shows may be passed on
    again (harmless, screens render state), but none is ever skipped. ``seen`` holds what the screen
    had before (empty for a new screen). ``on_events(events)`` passes on new events, in order: the one
    that came, or all that came while the last were being passed on (a screen shows the state after
    them once). ``screen`` is False for API clients: no heartbeat after each event (the event carries
    its number) and no pings expected.
    """
    last_heard = time.monotonic()
    seqs: Seqs = {}

    async def send_heartbeat() -> None:
        await websocket.send_text(json.dumps({"type": "heartbeat", "seq": seqs}))

    async with bus.subscribe(*sites) as events, anyio.create_task_group() as tasks:

        async def watch_client() -> None:
            nonlocal last_heard
            try:
                while True:
                    message = await websocket.receive()
                    if message["type"] == "websocket.disconnect":
                        break
                    last_heard = time.monotonic()
            except WebSocketDisconnect:
                pass
            tasks.cancel_scope.cancel()

        tasks.start_soon(watch_client)
        try:
            seqs = await snapshot(parse_seen(websocket.query_params.get("seen")))
            await send_heartbeat()
            beat_at = None  # when the numbers of events passed on are due (screens)
            while True:
                wait_s = heartbeat_s if beat_at is None else max(0.0, beat_at - time.monotonic())
                try:
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for makes a task per wait,
                    # for every screen at every event and heartbeat.
                    async with asyncio.timeout(wait_s):
                        event = await events.get()
                except TimeoutError:
                    if screen and time.monotonic() - last_heard > CLIENT_SILENCE_BEATS * heartbeat_s:
                        await websocket.close(code=1011)  # a half-open line: the screen reconnects
                        break
                    await send_heartbeat()
                    beat_at = None
                    continue
                # What else has come meanwhile goes with it: a screen behind by a burst of events
                # shows the state once for them all. Handled one by one, each a reading of the
                # database, a display under issue 24's load fell a minute behind its calls.
                batch = [event]
                while not events.empty():
                    batch.append(events.get_nowait())
                fresh: list[dict] = []
                resynced = False
                with garbage.pushing():
                    for event in batch:
                        if event is None or event["seq"] > seqs.get(event["site"], 0) + 1:
                            if fresh:  # what came before the gap, in order
                                await on_events(fresh)
                                fresh = []
                            seqs = await snapshot(dict(seqs))  # events may be missing: start again from the database
                            resynced = True
                        elif event["seq"] > seqs.get(event["site"], 0):  # not already in the snapshot
                            seqs[event["site"]] = event["seq"]
                            fresh.append(event)
                    if fresh:
                        await on_events(fresh)
                if resynced:
                    await send_heartbeat()
                    beat_at = None
                elif fresh and screen and beat_at is None:
                    # The numbers follow a moment later, once for a burst of events: sent at
                    # once, a thousand screens' heartbeats would delay the next call's pushes.
                    beat_at = time.monotonic() + min(EVENT_BEAT_S, heartbeat_s)
        except WebSocketDisconnect:
            pass  # the screen went away while we were sending
        tasks.cancel_scope.cancel()


def pushing_snapshot(db: Database, sites: list[str], push: Callable[[], Awaitable[None]]) -> Snapshot:
    """The usual snapshot: the sites' last numbers, then ``push()`` of the screen's whole state."""

    async def snapshot(_seen: Seqs) -> Seqs:
        seqs = await run_read(db, last_seqs, sites)  # before the state, as relay() requires
        await push()
        return seqs

    return snapshot


class SharedRenders:
    """One rendering of an event for every screen that shows the same thing (or one reading, for
    screens that each render something of their own from the same data: the phones' queue).

    A thousand displays of one site each reading the state and rendering it after a call would make
    the last of them wait for 999 renderings (docs/PERFORMANCE.md). Screens alike (the same key: what
    they show, and the event they are answering) share one: the first to ask starts it, the others
    await the same result. It is read after the event, so it shows at least that event, as relay()
    needs. The most recent ``keep`` keys of each ``group`` (by default one group for all) are kept,
    enough for the events of a busy moment.
    """

    def __init__(self, keep: int = 256, group: Callable[[Hashable], Hashable] | None = None):
        self.keep = keep
        self.group = group
        self._renders: dict[Hashable, asyncio.Task] = {}
        self._groups: dict[Hashable, OrderedDict[Hashable, None]] = {}

    async def get(self, key: Hashable, make: Callable[[], Awaitable[Any]]) -> Any:
        task = self._renders.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            task.add_done_callback(lambda done: self._forget_failed(key, done))
            self._renders[key] = task
            kept = self._groups.setdefault(self.group(key) if self.group else None, OrderedDict())
            kept[key] = None
            while len(kept) > self.keep:
                self._renders.pop(kept.popitem(last=False)[0], None)
        # shield: a screen that goes away while waiting must not cancel the others' rendering
        return await asyncio.shield(task)

    def _forget_failed(self, key: Hashable, task: asyncio.Task) -> None:
        if (task.cancelled() or task.exception() is not None) and self._renders.get(key) is task:
            del self._renders[key]  # the next screen tries again rather than sharing the failure
            self._groups.get(self.group(key) if self.group else None, {}).pop(key, None)


class PacedReadings:
    """One reading of a site's state for all the screens of it here that answer its events, at most
    one every ``every_s`` per site: the counter screens, each made from its site's state.

    A reading started after an event arrived shows it (an event is published once committed), so a
    screen answering event ``seq`` takes the reading under way if it started after that event came,
    else the next one, which starts ``every_s`` after the last began and answers every event that
    came meanwhile. A burst of events is then read once, and the screens show each event at most
    ``every_s`` late (the reading's own time aside), never not at all. Keyed by event numbers, a
    site's eight counters made a reading of everything for every event, in both workers (issue 22).
    """

    def __init__(self, every_s: float):
        self.every_s = every_s
        self._sites: dict[Hashable, _Paced] = {}

    async def get(self, site: Hashable, seq: int, make: Callable[[], Awaitable[Any]]) -> Any:
        paced = self._sites.get(site)
        if paced is None:
            paced = self._sites[site] = _Paced()
        paced.known = max(paced.known, seq)
        task = paced.current if paced.current is not None and paced.covers >= seq else None
        if task is None:
            if paced.next is None:
                paced.next = asyncio.ensure_future(self._read(paced, make))
            task = paced.next
        # shield: a screen that goes away while waiting must not cancel the others' reading
        return await asyncio.shield(task)

    async def _read(self, paced: "_Paced", make: Callable[[], Awaitable[Any]]) -> Any:
        await asyncio.sleep(max(0.0, paced.started_at + self.every_s - time.monotonic()))
        task = asyncio.current_task()
        paced.current, paced.covers, paced.next = task, paced.known, None
        paced.started_at = time.monotonic()
        try:
            return await make()
        except BaseException:
            if paced.current is task:  # the next screen tries again rather than sharing the failure
                paced.current, paced.covers = None, -1
            raise


class _Paced:
    """A site's readings in ``PacedReadings``: the last begun, the events it answers, the next."""

    def __init__(self):
        self.known = -1  # the newest event number a screen asked about
        self.current: asyncio.Future | None = None  # the last reading begun
        self.covers = -1  # the newest event number that had come when it began
        self.started_at = -1e9
        self.next: asyncio.Future | None = None  # the one waiting to begin


# --- many screens of a site pushed by one task: the phones ------------------------------------------

SEND_TIMEOUT_S = 5.0  # a follower whose line does not take a push this soon is closed (it reconnects)


ALONE = object()  # what Follower.message answers when the reading does not hold its screen's state


class Follower:
    """One screen following a site among many (a phone following its ticket): what ``Followers``
    needs of it. ``message(reading, whole)`` is what to send after a reading of the site (None:
    nothing changed for it; ``whole``: its whole state, as after a gap), or ``ALONE`` when the
    reading does not hold its state (a phone's ticket ended, or taken after it): ``alone(whole)``
    then reads its own."""

    def __init__(self, websocket: WebSocket, message: Callable[[Any, bool], Any],
                 alone: Callable[[bool], Awaitable[str | None]]):
        self.websocket = websocket
        self.message = message
        self.alone = alone
        self.seq = 0  # the site's number its screen shows
        self.ready = False  # its first state is sent: the site's task pushes to it from now on
        self.missed = False  # the site's task passed it by before it was ready
        self.sent_at = self.heard_at = time.monotonic()


class Followers:
    """Many screens of a site that each show something of their own from one reading of the site,
    pushed by one task per site and worker instead of a relay() per screen (the phones, issue 22).

    With 2,500 phones a worker, a relay each woke 2,500 tasks at every event, each with its queue,
    its heartbeat timer and its wait on the shared reading. Here the site's task takes the reading
    once (``read(site, key)``, for the ``key_of(site, batch)`` of the events that move the screens)
    and sends to each screen in turn, and beats for them all on one timer. Events come in order with
    the site's numbers as in relay(): a gap, or the bus saying events may be lost, makes the task
    take a fresh reading and send every screen its whole state. A screen that goes silent for
    ``CLIENT_SILENCE_BEATS`` heartbeats, or whose line does not take a push within
    ``SEND_TIMEOUT_S``, is closed, so one stuck phone cannot hold the others.
    """

    def __init__(self, bus: InProcessBus, db: Database, heartbeat_s: float,
                 key_of: Callable[[str, list[dict]], Hashable | None],
                 read: Callable[[str, Hashable], Awaitable[Any]]):
        self.bus = bus
        self.db = db
        self.heartbeat_s = heartbeat_s
        self.key_of = key_of
        self.read = read
        self._members: dict[str, dict[int, Follower]] = {}
        self._tasks: dict[str, asyncio.Task] = {}
        self._listening: dict[str, asyncio.Event] = {}
        self._latest: dict[str, tuple[int, Any]] = {}  # the site's last reading, with its number
        self._passed: dict[str, int] = {}  # the site's last number passed on to its ready screens

    def count(self, site: str) -> int:
        return len(self._members.get(site, ()))

    async def follow(self, site: str, follower: Follower) -> None:
        """Runs until the screen goes away. Its whole state is sent first, from a reading at the site's
        number then; the site's task pushes to it from then on."""
        members = self._members.setdefault(site, {})
        members[id(follower)] = follower
        task = self._tasks.get(site)
        if task is None or task.done():  # the first screen of the site here, or the last task failed
            self._listening[site] = asyncio.Event()
            self._tasks[site] = asyncio.create_task(self._run(site))
        try:
            await self._listening[site].wait()  # subscribed before the first number is read
            await self._send_first(site, follower)
            follower.ready = True
            await self._send(follower, json.dumps({"type": "heartbeat", "seq": {site: follower.seq}}))
            while True:  # the screen's pings; the rest is the site's task's
                message = await follower.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                follower.heard_at = time.monotonic()
        except WebSocketDisconnect:
            pass
        finally:
            members.pop(id(follower), None)
            if not members and self._members.get(site) is members:
                del self._members[site]
                if task := self._tasks.pop(site, None):
                    task.cancel()
                self._listening.pop(site, None)
                self._latest.pop(site, None)
                self._passed.pop(site, None)

    async def _send_first(self, site: str, follower: Follower) -> None:
        """The screen's whole state, from a reading at the site's number then. A method of its own so
        that the reading and the text go when it returns: kept in ``follow``'s frame for the hours a
        phone stays, each held the reading of the queue at its connecting (with 5,000 open tickets,
        4 MB each) and its first page (issue 22, docs/PERFORMANCE.md)."""
        seq, reading = await self._fresh(site)
        whole = True
        while True:  # the site's task may have passed it by meanwhile: the newest reading then
            follower.missed = False
            follower.seq = seq
            text = follower.message(reading, whole)
            if text is ALONE:
                text = await follower.alone(whole)
            if text is not None:
                await follower.websocket.send_text(text)
            whole = False
            if not follower.missed:
                return
            seq, reading = self._latest[site]

    async def _fresh(self, site: str) -> tuple[int, Any]:
        """The site's number and a reading at least that new (the number is read first, as relay()
        requires). Screens connecting at once share it (a worker restarting reconnects thousands of
        phones), within the minute: a quiet queue's estimates follow the clock."""
        seq = (await run_read(self.db, last_seqs, [site])).get(site, 0)
        return seq, await self.read(site, ("at", site, seq, int(time.time() // 60)))

    async def _send(self, follower: Follower, text: str) -> None:
        try:
            async with asyncio.timeout(SEND_TIMEOUT_S):
                await follower.websocket.send_text(text)
            follower.sent_at = time.monotonic()
        except Exception:  # gone, or not taking pushes: closed, and its own loop ends
            self._drop(follower)

    def _drop(self, follower: Follower, code: int = 1011) -> None:
        follower.ready = False
        for members in self._members.values():
            members.pop(id(follower), None)
        asyncio.ensure_future(_close(follower.websocket, code))

    async def _push(self, site: str, seq: int, reading: Any, whole: bool) -> None:
        self._latest[site] = (seq, reading)
        alone = []
        for follower in list(self._members.get(site, {}).values()):
            if not follower.ready:
                follower.missed = True
                continue
            follower.seq = max(follower.seq, seq)
            try:
                text = follower.message(reading, whole)
            except Exception:
                log.exception("a follower's push failed; it is closed and reconnects")
                self._drop(follower)
                continue
            if text is ALONE:
                alone.append(follower)
            elif text is not None:
                await self._send(follower, text)
        # Those reading their own read at once, not one after another: each is a trip to a database
        # thread, and in a city's day the phones of ended tickets made a site's pushes wait in line.
        await asyncio.gather(*(self._push_alone(follower, whole) for follower in alone))

    async def _push_alone(self, follower: Follower, whole: bool) -> None:
        try:
            text = await follower.alone(whole)
        except Exception:
            log.exception("a follower's push failed; it is closed and reconnects")
            self._drop(follower)
            return
        if text is not None:
            await self._send(follower, text)

    async def _beat(self, site: str) -> None:
        now = time.monotonic()
        passed = self._passed.get(site, 0)  # events that moved no screen count too, as in relay()
        for follower in list(self._members.get(site, {}).values()):
            if not follower.ready:
                continue
            if now - follower.heard_at > CLIENT_SILENCE_BEATS * self.heartbeat_s:
                self._drop(follower)  # a half-open line: the screen reconnects
            elif now - follower.sent_at >= self.heartbeat_s * 0.9:
                seq = max(follower.seq, passed)
                await self._send(follower, json.dumps({"type": "heartbeat", "seq": {site: seq}}))

    async def _run(self, site: str) -> None:
        try:
            async with self.bus.subscribe(site) as events:
                seq = (await run_read(self.db, last_seqs, [site])).get(site, 0)  # the last passed on
                self._listening[site].set()
                beat_at = time.monotonic() + self.heartbeat_s / 2
                while True:
                    try:
                        async with asyncio.timeout(max(0.0, beat_at - time.monotonic())):
                            event = await events.get()
                    except TimeoutError:
                        await self._beat(site)
                        beat_at = time.monotonic() + self.heartbeat_s / 2
                        continue
                    batch = [event]
                    while not events.empty():
                        batch.append(events.get_nowait())
                    lost = any(e is None for e in batch)
                    fresh = [e for e in batch if e is not None and e["seq"] > seq]
                    numbers = [e["seq"] for e in fresh]
                    if any(b > a + 1 for a, b in zip([seq] + numbers, numbers)):
                        lost = True  # a gap: events are missing
                    with garbage.pushing():
                        if lost:  # every screen's whole state again, and the numbers, from the database
                            seq, reading = await self._fresh(site)
                            await self._push(site, seq, reading, whole=True)
                        elif fresh:
                            seq = numbers[-1]
                            if (key := self.key_of(site, fresh)) is not None:
                                await self._push(site, seq, await self.read(site, key), whole=False)
                    self._passed[site] = seq
                    if time.monotonic() >= beat_at:  # events all the time: the beat is still kept
                        await self._beat(site)
                        beat_at = time.monotonic() + self.heartbeat_s / 2
        except asyncio.CancelledError:
            raise
        except Exception:  # the database went away: every screen of the site reconnects and starts again
            log.exception("pushing to the followers of %s failed; they are closed", site)
            self._listening[site].set()  # none waits for it any more
            for follower in list(self._members.get(site, {}).values()):
                self._drop(follower)


class DirectSockets:
    """ASGI middleware: the websockets of ``routes`` go straight to their endpoints, past the
    middlewares after it and the router. For the phones' sockets (``/t/{id}/ws``), thousands open at
    once: none of the middlewares does anything for them (no session, device, rate limit or headers
    on a websocket), and each held a coroutine and closures for every open socket, 6 of a socket's
    37 KB (issue 22, docs/PERFORMANCE.md). Such an endpoint handles its own errors."""

    def __init__(self, app: ASGIApp, routes: list[WebSocketRoute]):
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            for route in self.routes:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child_scope)
                    await route.endpoint(WebSocket(scope, receive=receive, send=send))
                    return
        await self.app(scope, receive, send)


async def _close(websocket: WebSocket, code: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.close(code=code)
