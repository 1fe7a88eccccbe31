"""Rate limits for the pages anyone reaches: the citizen's booking and ticket status pages on the
internet, and the kiosk's buttons in the hall (server/web/app.py sets which, docs/security.md says why).

Counted per client address in each worker, over a sliding minute: simple, and enough to stop one
client hammering the pages; the booking limits (server/booking.py) keep the slots fair. Behind a
reverse proxy, `luukku serve --forwarded-allow-ips` names the proxy so that the client's address is the
visitor's (docs/deployment.md).
"""

import time
from collections import deque

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import N_
from server.web import pages

WINDOW_S = 60.0


class SlidingWindow:
    def __init__(self, limit: int, window_s: float = WINDOW_S):
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}
        self._calls = 0

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self._calls += 1
        if self._calls % 1000 == 0:  # forget clients that went quiet, so memory stays small
            self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window_s}
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True


class PublicRateLimit:
    """ASGI middleware: more than ``limit`` requests a minute from one address to ``prefixes`` (with
    one of ``methods``, if given) get a 429 page in the visitor's language, with Retry-After.
    A limit of 0 turns it off."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...], limit: int,
                 methods: tuple[str, ...] | None = None):
        self.app = app
        self.prefixes = prefixes
        self.methods = methods
        self.window = SlidingWindow(limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and self.window.limit > 0 and scope["path"].startswith(self.prefixes)
                and (self.methods is None or scope["method"] in self.methods)):
            client = scope.get("client")
            if not self.window.allow(client[0] if client else "-"):
                response = pages.error_page(Request(scope), 429, N_(
                    "Too many requests from your connection. Please wait a minute and try again."))
                response.headers["Retry-After"] = str(int(WINDOW_S))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
