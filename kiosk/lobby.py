"""The lobby in front of newly released booking times (issue 22; the rules are in server/releases.py
and docs/booking.md).

``gate()`` stands in front of the slot page and the time buttons (kiosk/booking.py). For days of a
release still letting people in, a browser without an admission gets the lobby page instead: when
the times open, its place in line and about how long. The page's small script (static/lobby.js)
asks again for the status part only, as often as the answer says (sooner as the turn nears,
jittered so that 10,000 phones do not ask in step); without script a noscript meta refresh does.
The pass is a signed cookie holding the pass id and rank, so a waiting browser's poll reads no row:
its place comes from the per-process cache of ranks (``releases.cached_view``). Once its time has
come the same address shows the times.
"""

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kiosk import booking as booking_pages
from server import i18n, queue, releases
from server.db import run_read, run_write
from server.errors import N_
from server.models import utcnow
from server.web import pages

COOKIE = "luukku_lobby_{}"
SALT = "luukku-lobby"
POLL_MIN_S, POLL_MAX_S = 5, 60  # the refresh: about a quarter of the wait left, within these bounds


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.secret_key, salt=SALT)


def _passes_of(request: Request) -> dict[int, tuple[str, int]]:
    """The browser's passes from its lobby cookies, {release id: (pass id, rank)}: ours and unedited only."""
    held = {}
    for name, text in request.cookies.items():
        if not name.startswith(COOKIE.format("")):
            continue
        try:
            release_id, pass_id, rank = _serializer(request).loads(text)
        except (BadSignature, ValueError, TypeError):
            continue
        if (name == COOKIE.format(release_id) and isinstance(release_id, int) and isinstance(pass_id, str)
                and isinstance(rank, int)):
            held[release_id] = (pass_id, rank)
    return held


def _set_pass(request: Request, response: Response, release: releases.Release, pass_id: str, rank: int,
              now: datetime) -> None:
    settings = request.app.state.settings
    max_age = int((release.opens_at - now).total_seconds()) + releases.RETENTION_DAYS * 86400
    response.set_cookie(COOKIE.format(release.id), _serializer(request).dumps([release.id, pass_id, rank]),
                        max_age=max(60, max_age), httponly=True, samesite="lax",
                        secure=settings.public_url.startswith("https://"))


def refresh_s(wait_s: float) -> int:
    """Seconds until the page asks again: sooner as the turn nears, jittered by ±20 %."""
    base = min(POLL_MAX_S, max(POLL_MIN_S, wait_s / 4))
    return max(POLL_MIN_S - 1, round(base * random.uniform(0.8, 1.2)))


def _opening(release: releases.Release, lang: str) -> dict:
    local = release.opens_at.astimezone(ZoneInfo(release.timezone))
    day_label = booking_pages.day_label  # the booking pages' own way of writing a day
    return {"day": day_label(local.date(), lang, long=True),
            "time": i18n.local_time(release.opens_at, release.timezone, lang),
            "first": day_label(release.first_day, lang, long=True),
            "last": day_label(release.last_day, lang, long=True)}


async def _lobby_page(request: Request, release: releases.Release, place: int, waiting: int,
                     now: datetime) -> Response:
    """The lobby page, or for lobby.js's poll only its status (no row read: the site and the service
    are read for the whole page only)."""
    lang = pages.page_language(request)
    wait_s = max(0.0, (release.due_at(place) - now).total_seconds())
    context = {"release": release, "opened": now >= release.opens_at, "drawn": release.drawn(now),
               "place": place + 1, "waiting": waiting, "wait_min": max(1, round(wait_s / 60)),
               "refresh_s": refresh_s(wait_s), "admission_min": releases.ADMISSION_MIN}
    if request.headers.get("x-lobby-poll"):
        response = Response(pages.render_fragment("_lobby_status.html", lang, **context),
                            media_type="text/html; charset=utf-8",
                            headers={"X-Lobby-Refresh": str(context["refresh_s"])})
    else:
        def read(session):
            site = queue.get_site(session, release.site_slug)
            return site, queue.get_service(session, site, request.path_params["service"])

        site, service = await run_read(request.app.state.db, read)
        context.update(site=site, service=service, opening=_opening(release, lang))
        response = pages.render(request, "booking_lobby.html", context)
    response.headers["Cache-Control"] = "no-store"  # every answer is this browser's own place
    return response


NOT_YET = N_("It is not your turn yet. Please keep the booking page open: it lets you in when your turn comes.")
NOT_OPEN = releases.NOT_OPEN


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


async def gate(request: Request, site_slug: str, service_code: str, day: date | str | None, *,
               posting: bool = False, now: datetime | None = None) -> tuple[Response | None, dict | None]:
    """(the lobby's answer instead of the page, or None to go on; a note for the slot page of a
    release to come). ``day`` None: the slot page without a chosen day. ``posting``: a time button,
    which never makes a pass and is refused with words (NotYourTurn, a 403) until the browser's turn."""
    db = request.app.state.db
    now = now or utcnow()
    if isinstance(day, str):
        day = _parse_day(day)
        if day is None:
            return None, None  # not a date: the slot page says so
    known = releases.cached_releases(db.engine.url)
    if known is not None and not any(r.covers(site_slug, service_code, day) for r in known):
        release = None  # no release concerns this page (the common case): no trip to a worker thread
    else:
        passes = _passes_of(request)
        held = {rid: rank for rid, (_, rank) in passes.items()}
        # A waiting browser's poll is answered from the caches when they are fresh, on the event loop.
        view = releases.cached_view(db.engine.url, site_slug, service_code, day, held, now)
        if view is None:
            view = await run_read(db, releases.lobby_view, site_slug, service_code, day, held, now)
        release, place, waiting = view
    if release is None:
        if request.headers.get("x-lobby-poll"):  # the line is gone (drained, cancelled): on to the times
            return Response(status_code=204, headers={"X-Lobby-Admitted": "1", "Cache-Control": "no-store"}), None
        return None, None
    lang = pages.page_language(request)
    if day is None:
        if now < release.opens_at:  # other days book as usual; the note leads to the line
            return None, {**_opening(release, lang), "href": f"?day={release.first_day.isoformat()}"}
        return RedirectResponse(f"?day={release.first_day.isoformat()}", status_code=303), None
    if posting and now < release.opens_at:
        raise releases.NotYourTurn(NOT_OPEN, **_opening_date(release, lang))
    if release.id in passes:
        pass_id, _ = passes[release.id]
        if now < release.due_at(place):
            if posting:
                raise releases.NotYourTurn(NOT_YET)
            return await _lobby_page(request, release, place, waiting, now), None
        at = await run_read(db, lambda session: releases.admitted_at(session, pass_id)[1])
        if at is None:
            at = await run_write(db, releases.admit, pass_id, now)
        if at is not None and now < releases.admission_ends(at):
            if request.headers.get("x-lobby-poll"):  # lobby.js opens the times itself
                return Response(status_code=204, headers={"X-Lobby-Admitted": "1", "Cache-Control": "no-store"}), None
            return None, None
        # The pass is gone, or its admission ran out: back in line, at its end.
    if posting:
        raise releases.NotYourTurn(NOT_YET)
    requester = booking_pages.requester_of(request.app.state.settings, request.client.host if request.client else "")
    await run_read(db, releases.check_passes_left, release, requester)
    made = await run_write(db, releases.new_pass, release, requester, now)
    _, place, waiting = await run_read(db, releases.lobby_view, site_slug, service_code, day,
                                       {release.id: made.rank}, now)
    if now >= release.due_at(place):  # no one waiting ahead any more: in at once, with the pass
        await run_write(db, releases.admit, made.id, now)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(here, status_code=303)
    else:
        response = await _lobby_page(request, release, place, max(waiting, place + 1), now)
    _set_pass(request, response, release, made.id, made.rank, now)
    return response, None


def _opening_date(release: releases.Release, lang: str) -> dict:
    return {"date": i18n.local_date(release.opens_at.astimezone(ZoneInfo(release.timezone)).date(), lang),
            "time": i18n.local_time(release.opens_at, release.timezone, lang)}
