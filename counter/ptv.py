"""The national service catalogue's import for admins (/admin/ptv; server/ptv.py does the work).

GET with an organisation's id and service points reads PTV and shows what would change (a dry run:
safe to repeat, nothing is written): new matters, changed fields, the conflicts where staff edited a
field PTV has since changed (both values side by side, a box to tick to take PTV's), matters gone
from PTV, items PTV gave in a shape its API does not have. POST applies it, reading PTV again, with
the ticked conflicts overwritten, and shows what was done. PTV unreachable or an id it does not know:
the page says so, in its language, with what was typed kept.
"""

import functools

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from counter.routes import login_required
from server import i18n, ptv, ptv_api, queue
from server.db import run_read, run_write
from server.errors import N_, DomainError
from server.web import pages

FIELD_NAMES = {"title": N_("Title"), "keywords": N_("Keywords"), "answer": N_("Answer"), "steps": N_("Steps"),
               "bring": N_("What to bring"), "eservice_url": N_("E-service address"), "address": N_("Postal address"),
               "phone": N_("Phone number")}
IN_LANGUAGE = {"fi": N_("in Finnish"), "sv": N_("in Swedish"), "en": N_("in English")}


def field_label(lang: str, name: str) -> str:
    """"answer_sv" as a person reads it in ``lang``: "Answer in Swedish"."""
    base, _, code = name.rpartition("_")
    if code not in IN_LANGUAGE:
        return i18n.gettext(lang, FIELD_NAMES.get(name, name))
    return i18n.gettext(lang, N_("%(field)s %(in_language)s"), field=i18n.gettext(lang, FIELD_NAMES.get(base, base)),
                        in_language=i18n.gettext(lang, IN_LANGUAGE[code]))


async def _page(request: Request, values: dict, plan: ptv.Plan | None = None, catalogue=None,
                problem: DomainError | None = None) -> Response:
    lang = pages.page_language(request)
    settings = request.app.state.settings
    sites = await run_read(request.app.state.db, queue.all_sites)
    error = i18n.gettext(lang, problem.message, **problem.params) if problem else ""
    context = {"user": request.state.user, "admin_sites": sites, "sites": sites, "site": None, "values": values,
               "site_names": {site.slug: site.name_in(lang) for site in sites},
               "plan": plan, "catalogue": catalogue, "error": error,
               "organization_error": isinstance(problem, ptv_api.BadOrganization),
               "label": functools.partial(field_label, lang), "limits": ptv.LIMITS, "ptv_url": settings.ptv_url,
               "api_version": ptv_api.API_VERSION}
    status = 200 if problem is None else problem.status_code
    return pages.render(request, "admin_ptv.html", context, status_code=status)


def _values(request: Request, form=None) -> dict:
    source = form if form is not None else request.query_params
    organization = source.get("organization")
    return {"organization": (organization if isinstance(organization, str) else
                             request.app.state.settings.ptv_organization_id).strip()[:100],
            "sites": [s for s in source.getlist("site") if isinstance(s, str)],
            "overwrite": {s for s in source.getlist("overwrite") if isinstance(s, str)},
            "asked": organization is not None}


async def _run(request: Request, values: dict, apply: bool) -> Response:
    """Reads PTV (on a thread: retries wait), then plans or applies in one transaction."""
    settings, db = request.app.state.settings, request.app.state.db
    user_id = request.state.user.id

    def work(session, catalogue):
        chosen = [queue.get_site(session, slug) for slug in dict.fromkeys(values["sites"])]
        return ptv.import_catalogue(session, catalogue, chosen, values["overwrite"], apply=apply, staff_user_id=user_id)

    try:
        if values["sites"]:
            await run_read(db, lambda s: [queue.get_site(s, slug) for slug in values["sites"]])
        fetch = functools.partial(ptv_api.fetch, settings.ptv_url, values["organization"],
                                  timeout_s=settings.ptv_timeout_s, retries=settings.ptv_retries)
        catalogue = await anyio.to_thread.run_sync(fetch)
        plan = await (run_write if apply else run_read)(db, work, catalogue)
    except DomainError as exc:
        return await _page(request, values, problem=exc)
    return await _page(request, values, plan, catalogue)


async def ptv_page(request: Request):
    values = _values(request)
    if not values["asked"]:  # the first visit: the form, every service point ticked
        values["sites"] = [site.slug for site in await run_read(request.app.state.db, queue.all_sites)]
        return await _page(request, values)
    return await _run(request, values, apply=False)


async def apply_import(request: Request):
    return await _run(request, _values(request, await request.form()), apply=True)


routes = [
    Route("/admin/ptv", login_required(ptv_page, role="admin")),
    Route("/admin/ptv", login_required(apply_import, role="admin"), methods=["POST"]),
]
