"""The first tier's catalogue for admins (/admin/matters): the matters citizens come with, as the
kiosk's and the phone's guide offers them, listed with a filter by service point and by text, and a
form to add or change one in Finnish, Swedish and English side by side (server/matters.py holds the
checks and the saving).

Who edits: admins and managers (the service point's leaders, who know what citizens ask; the rest
of the administration stays the admins'). Plain forms that work without JavaScript; a form with mistakes comes back with a 422,
what was typed kept and each mistake beside its field, in the page's language.
"""

from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from counter.routes import _see_other, login_required
from server import i18n, matters, queue
from server.config import FieldErrors
from server.db import run_read, run_write
from server.errors import Invalid, N_
from server.models import Matter
from server.web import pages

LANGUAGE_FIELDS = {
    "title": N_("Title"),
    "keywords": N_("Words people use for it, separated by commas"),
    "answer": N_("The answer: a few sentences a visitor reads"),
    "bring": N_("What to have at hand or bring, one per line"),
    "steps": N_("Steps of doing it oneself, one per line (the printed slip lists them)"),
    "eservice_url": N_("E-service address (https://…)"),
}
ROWS = {"keywords": 2, "answer": 5, "bring": 4, "steps": 5}


def admin(endpoint):
    return login_required(endpoint, role=("manager", "admin"))


async def _page(request: Request, name: str, context: dict, errors: dict | None = None) -> Response:
    lang = pages.page_language(request)
    texts = {field: i18n.gettext(lang, message, **params) for field, (message, params) in (errors or {}).items()}
    context = {"user": request.state.user, "errors": texts, "values": {}, "site": None, "langs": matters.LANGS,
               "admin_sites": await run_read(request.app.state.db, queue.all_sites), **context}
    return pages.render(request, name, context, status_code=422 if errors else 200)


def _form_values(form: FormData) -> dict:
    """The form as {name: text}; the sites' checkboxes as a list."""
    values: dict = {key: str(form.get(key) or "") for key in form.keys() if key != "sites"}
    values["sites"] = [str(v) for v in form.getlist("sites") if isinstance(v, str)]
    return values


# --- the list ----------------------------------------------------------------------------------


def _list_context(session, params, lang: str) -> dict:
    sites = queue.all_sites(session)
    slug = (params.get("site") or "").strip()
    chosen = next((s for s in sites if s.slug == slug), None)
    if slug and chosen is None:
        raise Invalid(N_("There is no service point called “%(site)s”."), site=slug[:40])
    text = (params.get("q") or "").strip()[:100]
    page_text = params.get("page") or "1"
    page = int(page_text) if page_text.isdigit() and 0 < len(page_text) < 6 else 0
    if page < 1:
        raise Invalid(N_("There is no such page."))
    found = matters.catalogue(session, chosen, text)
    shown = found[(page - 1) * matters.PER_PAGE: page * matters.PER_PAGE]
    offered = matters.sites_by_matter(session)
    codes = matters.service_codes(session)
    query = {"site": chosen.slug if chosen else "", "q": text}
    rows = []
    for m in shown:
        at = offered.get(m.id, [])
        rows.append({"matter": m, "title": m.text("title", lang), "sites": [s.name_in(lang) for s in at],
                     "service": _service_name(codes, m.service_code, at, lang),
                     "self_service": matters.self_service(m),
                     "missing": matters.missing_languages(m, matters.visitor_languages(at))})
    return {"sites": sites, "chosen_site": chosen, "text": text, "rows": rows, "total": len(found), "page": page,
            "first": (page - 1) * matters.PER_PAGE + 1, "last": (page - 1) * matters.PER_PAGE + len(shown),
            "previous_query": urlencode({**query, "page": page - 1}) if page > 1 else None,
            "next_query": urlencode({**query, "page": page + 1}) if page * matters.PER_PAGE < len(found) else None}


def _service_name(codes: dict, code: str | None, sites, lang: str) -> str:
    """The service's name in the page's language, at the first of the matter's sites that has it."""
    if not code:
        return ""
    services = codes.get(code, [])
    site_ids = [site.id for site in sites]
    services = sorted(services, key=lambda s: site_ids.index(s.site_id) if s.site_id in site_ids else len(site_ids))
    return services[0].name(lang) if services else code


async def list_page(request: Request):
    lang = pages.page_language(request)
    try:
        context = await run_read(request.app.state.db, _list_context, request.query_params, lang)
    except Invalid as exc:
        return pages.error_page(request, 422, exc.message, **exc.params)
    return await _page(request, "admin_matters.html", context)


# --- one matter --------------------------------------------------------------------------------


def _values(session, matter: Matter) -> dict:
    names = ("key", "service_code", "book", "topic_position", "active",
             *(f"{field}_{lang}" for field in matters.LIMITS for lang in matters.LANGS))
    values = {name: getattr(matter, name) for name in names}
    values["sites"] = [site.slug for site in matters.sites_of(session, matter)]
    return values


def _form_context(session, matter_id: int | None, values: dict | None = None) -> dict:
    matter = matters.by_id(session, matter_id) if matter_id is not None else None
    sites = queue.all_sites(session)
    if values is None:
        values = _values(session, matter) if matter else {"active": True, "topic_position": 0,
                                                          "sites": [s.slug for s in sites] if len(sites) == 1 else []}
    chosen = [s for s in sites if s.slug in values.get("sites", [])]
    codes = matters.service_codes(session)
    code = values.get("service_code") or ""
    lacking = [s for s in chosen if code and s.id not in {service.site_id for service in codes.get(code, [])}]
    return {"matter": matter, "values": values, "sites": sites, "codes": codes, "lacking_service": lacking,
            "missing": matters.missing_languages(values, matters.visitor_languages(chosen)),
            "language_fields": LANGUAGE_FIELDS, "rows": ROWS, "limits": matters.LIMITS}


async def matter_page(request: Request):
    matter_id = request.path_params.get("matter_id")
    context = await run_read(request.app.state.db, _form_context, matter_id)
    return await _page(request, "admin_matter.html", {**context, "saved": request.query_params.get("saved")})


async def save_matter(request: Request):
    db = request.app.state.db
    matter_id = request.path_params.get("matter_id")
    values = _form_values(await request.form())
    try:
        saved = await run_write(db, lambda session: matters.save(session, request.state.user.id, matter_id, values).id)
    except FieldErrors as exc:
        context = await run_read(db, _form_context, matter_id, values)
        return await _page(request, "admin_matter.html", context, exc.errors)
    return _see_other(request, f"/admin/matters/{saved}?saved=1")


routes = [
    Route("/admin/matters", admin(list_page)),
    Route("/admin/matters", admin(save_matter), methods=["POST"]),
    Route("/admin/matters/new", admin(matter_page)),
    Route("/admin/matters/{matter_id:int}", admin(matter_page)),
    Route("/admin/matters/{matter_id:int}", admin(save_matter), methods=["POST"]),
]
