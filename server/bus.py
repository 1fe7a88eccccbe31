"""The event bus: events committed by the core reach every screen subscribed to their site.

This is the embedded, in-process bus (one worker). The core commits in worker threads, so
``publish`` may be called from any thread; delivery happens on the event loop.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

QUEUE_LIMIT = 1000  # a screen this far behind is cut off; it reconnects and starts from a snapshot


class InProcessBus:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribers: dict[str, set[asyncio.Queue]] = {}

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def publish(self, events: list[dict]) -> None:
        if events and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._deliver, events)

    def _deliver(self, events: list[dict]) -> None:
        for event in events:
            for queue in list(self._subscribers.get(event["site"], ())):
                try:
                    queue.put_nowait(event)
                except asyncio.QueueFull:
                    self._subscribers[event["site"]].discard(queue)
                    queue.get_nowait()
                    queue.put_nowait(None)  # tells the reader it fell behind

    @asynccontextmanager
    async def subscribe(self, site: str) -> AsyncIterator[asyncio.Queue]:
        """A queue of the site's events; ``None`` in it means the subscriber fell behind."""
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_LIMIT)
        self._subscribers.setdefault(site, set()).add(queue)
        try:
            yield queue
        finally:
            self._subscribers.get(site, set()).discard(queue)

    def subscriber_count(self, site: str) -> int:
        return len(self._subscribers.get(site, ()))
