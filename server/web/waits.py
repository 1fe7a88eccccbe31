"""The public waits (issue 21): JSON for anyone's website (GET /api/v1/waits, /api/v1/sites/{site}/waits)
and a small page to embed in an iframe (/waits, /waits/{site}); docs/public-waits.md.

Anyone may ask, as often as they like, so every request of a worker shares one reading of the
database made at most every ``waits_cache_s`` seconds (``ShortCache``), and each address is held to
``waits_rate_limit_per_min``. The JSON may be read by scripts of any origin (CORS, these routes only);
the page may be framed by ``waits_frame_ancestors`` (server/web/headers.py).
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server import i18n, waits
from server.db import run_read
from server.errors import N_
from server.models import utcnow
from server.web import pages
from server.web.ratelimit import WINDOW_S, SlidingWindow

CORS = {"Access-Control-Allow-Origin": "*"}
NO_SITE = N_("There is no service point called “%(site)s”.")
TOO_MANY = N_("Too many requests from your connection. Please wait a minute and try again.")


class ShortCache:
    """One value, computed at most once every ``ttl_s`` seconds and never twice at once: requests
    that come while it is being computed await that computation; the first after it has aged
    starts the next. ``computed`` counts the computations (tests, docs/PERFORMANCE.md)."""

    def __init__(self, ttl_s: float):
        self.ttl_s = ttl_s
        self.computed = 0
        self._task: asyncio.Task | None = None
        self._started = 0.0

    async def get(self, make: Callable[[], Awaitable[Any]]) -> Any:
        task, now = self._task, time.monotonic()
        if task is None or (task.done() and (
                now - self._started >= self.ttl_s or task.cancelled() or task.exception() is not None)):
            self.computed += 1
            self._started = now
            task = self._task = asyncio.ensure_future(make())
        # shield: a client that goes away must not cancel the others' reading
        return await asyncio.shield(task)


class Snapshot:
    """One reading: the data, and the JSON bodies (all sites, and each site) made once from it."""

    def __init__(self, data: dict):
        self.data = data
        self.generated_at = datetime.fromisoformat(data["generated_at"])
        self.sites = {site["site"]: site for site in data["sites"]}
        self.all_json = json.dumps(data, ensure_ascii=False).encode()
        self.site_json = {slug: json.dumps({"generated_at": data["generated_at"], **site},
                                           ensure_ascii=False).encode()
                          for slug, site in self.sites.items()}


def _read(session) -> Snapshot:
    return Snapshot(waits.public_waits(session, utcnow()))


def _worker_state(request: Request):
    """The worker's cache and rate limit, made on the first request (the settings are the app's)."""
    state = request.app.state
    if not hasattr(state, "waits_cache"):
        state.waits_cache = ShortCache(state.settings.waits_cache_s)
        state.waits_limit = SlidingWindow(state.settings.waits_rate_limit_per_min)
    return state


async def _snapshot(request: Request) -> Snapshot:
    state = _worker_state(request)
    return await state.waits_cache.get(lambda: run_read(state.db, _read))


def _allowed(request: Request) -> bool:
    limit: SlidingWindow = _worker_state(request).waits_limit
    return limit.limit <= 0 or limit.allow(request.client.host if request.client else "-")


def _cache_control(request: Request) -> dict[str, str]:
    return {"Cache-Control": f"public, max-age={max(1, round(request.app.state.settings.waits_cache_s))}"}


def _json_error(request: Request, status: int, message: str, **params) -> JSONResponse:
    text = i18n.gettext(pages.page_language(request), message, **params)
    headers = {**CORS, "Retry-After": str(int(WINDOW_S))} if status == 429 else CORS
    return JSONResponse({"detail": text}, status_code=status, headers=headers)


async def api_waits(request: Request) -> Response:
    if request.method == "OPTIONS":  # a preflight, should a script send a header of its own
        return Response(status_code=204, headers={**CORS, "Access-Control-Allow-Methods": "GET, HEAD",
                                                  "Access-Control-Allow-Headers": "*",
                                                  "Access-Control-Max-Age": "86400"})
    if not _allowed(request):
        return _json_error(request, 429, TOO_MANY)
    snapshot = await _snapshot(request)
    slug = request.path_params.get("site")
    if slug is None:
        body = snapshot.all_json
    elif slug in snapshot.site_json:
        body = snapshot.site_json[slug]
    else:
        return _json_error(request, 404, NO_SITE, site=slug)
    return Response(body, media_type="application/json", headers={**CORS, **_cache_control(request)})


async def page(request: Request) -> Response:
    if not _allowed(request):
        response = pages.error_page(request, 429, TOO_MANY)
        response.headers["Retry-After"] = str(int(WINDOW_S))
        return response
    snapshot = await _snapshot(request)
    slug = request.path_params.get("site")
    if slug is None:
        sites = snapshot.data["sites"]
    elif slug in snapshot.sites:
        sites = [snapshot.sites[slug]]
    else:
        return pages.error_page(request, 404, NO_SITE, site=slug)
    lang = pages.page_language(request)
    # Not pages.render: no language cookie (a third party's, in a frame), so the page may be cached.
    response = pages.templates.TemplateResponse(request, "waits.html", {
        "lang": lang, "sites": sites, "one_site": slug is not None,
        "updated": f"{snapshot.generated_at.astimezone(ZoneInfo(sites[0]['timezone'] if sites else 'UTC')):%H:%M}"})
    response.headers.update({**_cache_control(request), "Vary": "Cookie, Accept-Language"})
    return response


api_routes = [
    Route("/v1/waits", api_waits, methods=["GET", "OPTIONS"]),
    Route("/v1/sites/{site}/waits", api_waits, methods=["GET", "OPTIONS"]),
]
routes = [
    Route("/waits", page),
    Route("/waits/{site}", page),
]
