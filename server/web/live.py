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
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from server.bus import InProcessBus
from server.db import Database, run_read
from server.events import last_seqs

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
    event_beats: bool = True,
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
                elif fresh and screen and event_beats and beat_at is None:
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
