"""Fair releases of booking times for managers and admins (/admin/releases, issue 22): the coming
and recent releases with their lobby's figures, a form to make one, and cancelling (the rules are
in server/releases.py and docs/booking.md).

Plain forms that work without JavaScript; a form with mistakes comes back with a 422, what was
typed kept and each mistake beside its field, in the page's language.
"""

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from counter.routes import _see_other, login_required
from server import i18n, queue, releases
from server.config import FieldErrors
from server.db import run_read, run_write
from server.models import utcnow
from server.web import pages

FIELDS = ("target", "first_day", "last_day", "opens_day", "opens_time", "pace")


def admin(endpoint):
    return login_required(endpoint, role=("manager", "admin"))


def _context(session, lang: str) -> dict:
    now = utcnow()
    rows = []
    for item in releases.listing(session, now):
        r, site = item.release, item.site
        state = ("cancelled" if r.cancelled_at else "coming" if now < r.opens_at
                 else "letting_in" if now < r.opens_at + (item.passes / r.pace) * timedelta(minutes=1)
                 else "open")
        rows.append({"release": r, "site": site.name_in(lang),
                     "service": item.service.name(lang) if item.service else None,
                     "opens": i18n.local_time(r.opens_at, site.timezone, lang, with_date=True),
                     "days": f"{i18n.local_date(r.first_day, lang)} – {i18n.local_date(r.last_day, lang)}",
                     "passes": item.passes, "admitted": item.admitted, "state": state})
    targets = []
    for site in queue.all_sites(session):
        bookable = [s for s in queue.active_services(session, site) if s.appointment_seats > 0]
        if bookable:
            targets.append((f"{site.slug}/", site.name_in(lang), None))
            targets += [(f"{site.slug}/{s.code}", site.name_in(lang), s.name(lang)) for s in bookable]
    return {"rows": rows, "targets": targets}


async def _page(request: Request, values: dict | None = None, errors: dict | None = None) -> Response:
    lang = pages.page_language(request)
    context = await run_read(request.app.state.db, _context, lang)
    texts = {field: i18n.gettext(lang, message, **params) for field, (message, params) in (errors or {}).items()}
    context.update(user=request.state.user, errors=texts, site=None, section="releases",
                   values=values or {"pace": "60", "opens_time": "08:00"},
                   admin_sites=await run_read(request.app.state.db, queue.all_sites),
                   done=request.query_params.get("done", ""), admission_min=releases.ADMISSION_MIN,
                   per_address=releases.PASSES_PER_ADDRESS)
    return pages.render(request, "admin_releases.html", context, status_code=422 if errors else 200)


async def list_page(request: Request):
    return await _page(request)


async def create_release(request: Request):
    async with request.form() as form:
        values = {name: str(form.get(name) or "")[:40] for name in FIELDS}
    site_slug, _, service_code = values["target"].partition("/")
    try:
        await run_write(request.app.state.db, lambda session: releases.create(
            session, site_slug, service_code, values["first_day"], values["last_day"], values["opens_day"],
            values["opens_time"], values["pace"], staff_user_id=request.state.user.id).id)
    except FieldErrors as exc:
        return await _page(request, values, exc.errors)
    return _see_other(request, "/admin/releases?done=created")


async def cancel_release(request: Request):
    release_id = request.path_params["release_id"]
    await run_write(request.app.state.db, releases.cancel, release_id, staff_user_id=request.state.user.id)
    return _see_other(request, "/admin/releases?done=cancelled")


routes = [
    Route("/admin/releases", admin(list_page)),
    Route("/admin/releases", admin(create_release), methods=["POST"]),
    Route("/admin/releases/{release_id:int}/cancel", admin(cancel_release), methods=["POST"]),
]
