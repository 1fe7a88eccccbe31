"""The administration pages (admin role): sites, opening hours, services, counters and their default
work profiles, departments, and the whole configuration as one file (server/config.py, server/config_file.py).

Plain forms that work without JavaScript. A form with mistakes comes back with a 422, what was typed
kept and each mistake beside its field. Changes reach the live screens through their
``config.changed`` events.
"""

from datetime import date
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from counter.routes import _see_other, guard
from server import config, config_file, i18n, queue
from server import requests as service_requests
from server.db import run_read, run_write
from server.errors import N_, NotFound
from server.models import Site
from server.web import pages

TIER_LABELS = {"generalist": N_("Generalist"), "expert": N_("Expert")}
TRANSFER_LABELS = {"arrival": N_("By the original arrival time"), "front": N_("At the front of the queue")}
WEEKDAY_LABELS = [N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
                  N_("Sunday")]


async def _page(request: Request, name: str, context: dict, errors: dict | None = None,
          status_code: int | None = None) -> Response:
    lang = pages.page_language(request)
    texts = {field: i18n.gettext(lang, message, **params) for field, (message, params) in (errors or {}).items()}
    context = {"user": request.state.user, "errors": texts, "values": {}, "weekdays": config.WEEKDAYS,
               "weekday_labels": WEEKDAY_LABELS, "langs": config.LANGS,
               "admin_sites": await run_read(request.app.state.db, queue.all_sites), **context}
    return pages.render(request, name, context, status_code=status_code or (422 if errors else 200))


def _fields(form) -> dict:
    """The form as {name: text}; a field sent several times (checkboxes) as a list."""
    values: dict = {}
    for key in form.keys():
        items = [str(v) for v in form.getlist(key) if isinstance(v, str)]
        values[key] = items if len(items) > 1 or key == "languages" else (items[0] if items else "")
    return values


def _site(session, slug: str) -> Site:
    return queue.get_site(session, slug)


# --- the index ----------------------------------------------------------------------------------


async def index(request: Request):
    sites = await run_read(request.app.state.db, queue.all_sites)
    return await _page(request, "admin_index.html", {"sites": sites, "import_problems": []})


# --- a site -------------------------------------------------------------------------------------


def _site_values(site: Site) -> dict:
    names = ("name", "name_sv", "name_en", "address", "phone", "timezone", "brand_colour", "no_show_after_calls",
             *(f"{part}_{lang}" for part in ("display_notice", "ticket_header", "ticket_footer")
               for lang in config.LANGS))
    return {**{name: getattr(site, name) for name in names}, "languages": site.languages.split(","),
            "feedback_per_clerk": site.feedback_per_clerk}


async def new_site_page(request: Request):
    values = {"timezone": "Europe/Helsinki", "languages": list(config.LANGS), "no_show_after_calls": 3}
    return await _page(request, "admin_site.html", {"site": None, "values": values})


async def create_site(request: Request):
    values = _fields(await request.form())
    try:
        site = await run_write(request.app.state.db, config.create_site, request.state.user.id,
                               str(values.get("slug") or ""), values)
    except config.FieldErrors as exc:
        return await _page(request, "admin_site.html", {"site": None, "values": values}, exc.errors)
    return _see_other(request, f"/admin/sites/{site.slug}")


async def site_page(request: Request):
    site = await run_read(request.app.state.db, _site, request.path_params["slug"])
    return await _page(request, "admin_site.html", {"site": site, "values": _site_values(site),
                                              "saved": request.query_params.get("saved")})


async def update_site(request: Request):
    db, slug = request.app.state.db, request.path_params["slug"]
    logos = {}
    async with request.form() as form:  # closes the uploaded files' temporary files
        values = _fields(form)
        for which in ("brand_logo", "ticket_logo"):
            upload = form.get(which)
            if values.get(f"remove_{which}"):
                logos[which] = None
            elif upload is not None and not isinstance(upload, str) and upload.filename:
                logos[which] = await upload.read()

    def work(session):
        site = _site(session, slug)
        config.update_site(session, request.state.user.id, site, values)
        per_clerk = values.get("feedback_per_clerk") == "on"  # issue 21: docs/feedback.md says why
        if per_clerk != site.feedback_per_clerk:
            site.feedback_per_clerk = per_clerk
            session.add(site)
            config.config_changed(session, request.state.user.id, site, "config.site.update", f"site:{site.id}",
                                  "feedback_per_clerk")
        for which, data in logos.items():
            config.set_logo(session, request.state.user.id, site, which, data)

    try:
        await run_write(db, work)
    except config.FieldErrors as exc:
        site = await run_read(db, _site, slug)
        return await _page(request, "admin_site.html", {"site": site, "values": values}, exc.errors)
    return _see_other(request, f"/admin/sites/{slug}?saved=1")


# --- opening hours ------------------------------------------------------------------------------


def _hours_context(session, slug: str) -> dict:
    site = _site(session, slug)
    week = config.weekly_hours(session, site)
    values = {f"hours-{day}": config.span_text(*week[i]) if i in week else "" for i, day in enumerate(config.WEEKDAYS)}
    return {"site": site, "values": values, "exceptions": config.exceptions(session, site), "span_text": config.span_text}


async def hours_page(request: Request):
    context = await run_read(request.app.state.db, _hours_context, request.path_params["slug"])
    return await _page(request, "admin_hours.html", {**context, "saved": request.query_params.get("saved")})


async def _hours_action(request: Request, change) -> Response:
    """``change(session, staff user id, site, form values)``; mistakes come back on the hours page."""
    db, slug = request.app.state.db, request.path_params["slug"]
    values = _fields(await request.form())

    def work(session):
        change(session, request.state.user.id, _site(session, slug), values)

    try:
        await run_write(db, work)
    except config.FieldErrors as exc:
        context = await run_read(db, _hours_context, slug)
        if any(field.startswith("hours-") for field in exc.errors):
            context["values"] = values
        else:
            context["exception_values"] = values
        return await _page(request, "admin_hours.html", context, exc.errors)
    return _see_other(request, f"/admin/sites/{slug}/hours?saved=1")


async def set_hours(request: Request):
    return await _hours_action(request, config.set_opening_hours)


async def add_exception(request: Request):
    return await _hours_action(request, lambda session, uid, site, v: config.set_exception(
        session, uid, site, str(v.get("day") or ""), str(v.get("span") or "")))


async def remove_exception(request: Request):
    def change(session, uid, site, values):
        try:
            day = date.fromisoformat(str(values.get("day") or ""))
        except ValueError:
            raise NotFound(N_("There is no such day.")) from None
        config.remove_exception(session, uid, site, day)

    return await _hours_action(request, change)


# --- services -----------------------------------------------------------------------------------


def _service_values(session, service) -> dict:
    names = ("code", *config_file.SERVICE_FIELDS)
    week = config.appointment_hours(session, service)
    values = {name: getattr(service, name) for name in names}
    values.update({f"appointments-{day}": config.span_text(*week[i]) if i in week else ""
                   for i, day in enumerate(config.WEEKDAYS)})
    return values


async def services_page(request: Request):
    def read(session):
        site = _site(session, request.path_params["slug"])
        return {"site": site, "services": config.services(session, site)}

    return await _page(request, "admin_services.html", await run_read(request.app.state.db, read))


def _service_context(session, slug: str, code: str | None) -> dict:
    site = _site(session, slug)
    service = config.get_service(session, site, code) if code else None
    values = _service_values(session, service) if service else {
        "active": True, "tier": "generalist", "transfer_position": "arrival", "target_wait_min": 15,
        "service_min": 6, "number_start": 1, "number_end": 999, "slot_min": 20, "buffer_min": 0,
        "appointment_seats": 0, "walk_in_share": 0, "position": len(config.services(session, site)),
        "remote_join": False, "remote_from_min": 0, "remote_until_min": 60, "remote_max_waiting": 20}
    week = config.weekly_hours(session, site)
    return {"site": site, "service": service, "values": values, "tier_labels": TIER_LABELS,
            "transfer_labels": TRANSFER_LABELS,
            "opening": {day: config.span_text(*week[i]) for i, day in enumerate(config.WEEKDAYS) if i in week}}


async def service_page(request: Request):
    code = request.path_params.get("code")
    context = await run_read(request.app.state.db, _service_context, request.path_params["slug"], code)
    return await _page(request, "admin_service.html", {**context, "saved": request.query_params.get("saved")})


async def save_service(request: Request):
    db, slug = request.app.state.db, request.path_params["slug"]
    code = request.path_params.get("code")
    values = _fields(await request.form())

    def work(session):
        return config.save_service(session, request.state.user.id, _site(session, slug), code, values).code

    try:
        saved = await run_write(db, work)
    except config.FieldErrors as exc:
        context = await run_read(db, _service_context, slug, code)
        context["values"] = {**values, "code": code or values.get("code", "")}
        return await _page(request, "admin_service.html", context, exc.errors)
    return _see_other(request, f"/admin/sites/{slug}/services/{quote(saved)}?saved=1")


# --- counters -----------------------------------------------------------------------------------


def _counters_context(session, slug: str) -> dict:
    site = _site(session, slug)
    services = {s.id: s for s in config.services(session, site)}
    rows = [{"counter": c, "used": c.is_open or config.counter_used(session, c),
             "profile": [(services[sid], weight) for sid, weight in config.default_profile(session, c).items()]}
            for c in config.counters(session, site)]
    return {"site": site, "rows": rows}


async def counters_page(request: Request):
    context = await run_read(request.app.state.db, _counters_context, request.path_params["slug"])
    return await _page(request, "admin_counters.html", context)


async def _counter_action(request: Request, change) -> Response:
    """``change(session, staff user id, site, form values)``; mistakes come back on the counters page."""
    db, slug = request.app.state.db, request.path_params["slug"]
    values = _fields(await request.form())

    def work(session):
        change(session, request.state.user.id, _site(session, slug), values)

    try:
        await run_write(db, work)
    except config.FieldErrors as exc:
        context = await run_read(db, _counters_context, slug)
        context["failed"] = request.path_params.get("counter_id")  # whose form the mistake is in
        context["values"] = values
        return await _page(request, "admin_counters.html", context, exc.errors)
    return _see_other(request, f"/admin/sites/{slug}/counters")


async def add_counter(request: Request):
    return await _counter_action(request, lambda session, uid, site, v: config.add_counter(
        session, uid, site, str(v.get("number") or "")))


async def rename_counter(request: Request):
    counter_id = request.path_params["counter_id"]
    return await _counter_action(request, lambda session, uid, site, v: config.rename_counter(
        session, uid, site, counter_id, str(v.get("number") or "")))


async def remove_counter(request: Request):
    counter_id = request.path_params["counter_id"]
    return await _counter_action(request, lambda session, uid, site, v: config.remove_counter(
        session, uid, site, counter_id))


def _profile_context(session, slug: str, counter_id: int) -> dict:
    site = _site(session, slug)
    counter = config.get_counter(session, site, counter_id)
    return {"site": site, "counter": counter, "services": config.services(session, site),
            "profile": config.default_profile(session, counter)}


async def profile_page(request: Request):
    context = await run_read(request.app.state.db, _profile_context, request.path_params["slug"],
                             request.path_params["counter_id"])
    return await _page(request, "admin_profile.html", context)


async def save_profile(request: Request):
    db, slug, counter_id = request.app.state.db, request.path_params["slug"], request.path_params["counter_id"]
    form = await request.form()
    errors, weights = {}, {}
    for code in form.getlist("service"):
        text = str(form.get(f"weight-{code}") or "1")
        if not text.isdigit() or not 1 <= int(text) <= config.MAX_WEIGHT:
            errors[f"weight-{code}"] = (N_("A weight must be a whole number from 1 to 10."), {})
        else:
            weights[str(code)] = int(text)

    def work(session):
        if errors:
            raise config.FieldErrors(errors)
        config.set_default_profile(session, request.state.user.id, _site(session, slug), counter_id, weights)

    try:
        await run_write(db, work)
    except config.FieldErrors as exc:
        context = await run_read(db, _profile_context, slug, counter_id)
        return await _page(request, "admin_profile.html", context, exc.errors)
    return _see_other(request, f"/admin/sites/{slug}/counters")


# --- departments ---------------------------------------------------------------------------------


async def departments_page(request: Request):
    departments = await run_read(request.app.state.db, service_requests.departments, active_only=False)
    return await _page(request, "admin_departments.html", {"departments": departments, "site": None})


def _department_values(session, code: str | None) -> dict:
    if code is None:
        return {"active": True}
    department = service_requests.department_by_code(session, code)
    return {"code": department.code, "active": department.active,
            **{f"name_{lang}": getattr(department, f"name_{lang}") for lang in config.LANGS}}


async def department_page(request: Request):
    code = request.path_params.get("code")
    values = await run_read(request.app.state.db, _department_values, code)
    return await _page(request, "admin_department.html", {"code": code, "values": values, "site": None})


async def save_department(request: Request):
    code = request.path_params.get("code")
    values = _fields(await request.form())
    try:
        await run_write(request.app.state.db, config.save_department, request.state.user.id, code, values)
    except config.FieldErrors as exc:
        return await _page(request, "admin_department.html", {"code": code, "values": values, "site": None}, exc.errors)
    return _see_other(request, "/admin/departments")


# --- the whole configuration as one file --------------------------------------------------------


async def export_file(request: Request):
    text = await run_read(request.app.state.db, lambda s: config_file.dumps(config_file.export_config(s)))
    return Response(text, media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="luukku-config.json"'})


async def import_file(request: Request):
    db = request.app.state.db
    async with request.form() as form:
        upload = form.get("file")
        data = await upload.read() if upload is not None and not isinstance(upload, str) else b""
    lang = pages.page_language(request)
    try:
        counts = await run_write(db, lambda s: config_file.import_config(s, request.state.user.id,
                                                                          config_file.loads(data)))
    except config_file.ImportInvalid as exc:
        problems = [(where, i18n.gettext(lang, message, **params)) for where, message, params in exc.problems]
        sites = await run_read(db, queue.all_sites)
        return await _page(request, "admin_index.html", {"sites": sites, "import_problems": problems}, status_code=422)
    sites = await run_read(db, queue.all_sites)
    return await _page(request, "admin_index.html", {"sites": sites, "import_problems": [], "imported": counts})


def admin(endpoint):
    return guard(endpoint, role="admin")


routes = [
    Route("/admin", admin(index)),
    Route("/admin/config.json", admin(export_file)),
    Route("/admin/config", admin(import_file), methods=["POST"]),
    Route("/admin/departments", admin(departments_page)),
    Route("/admin/departments", admin(save_department), methods=["POST"]),
    Route("/admin/departments/new", admin(department_page)),
    Route("/admin/departments/{code}", admin(department_page)),
    Route("/admin/departments/{code}", admin(save_department), methods=["POST"]),
    Route("/admin/sites/new", admin(new_site_page)),
    Route("/admin/sites", admin(create_site), methods=["POST"]),
    Route("/admin/sites/{slug}", admin(site_page)),
    Route("/admin/sites/{slug}", admin(update_site), methods=["POST"]),
    Route("/admin/sites/{slug}/hours", admin(hours_page)),
    Route("/admin/sites/{slug}/hours", admin(set_hours), methods=["POST"]),
    Route("/admin/sites/{slug}/exceptions", admin(add_exception), methods=["POST"]),
    Route("/admin/sites/{slug}/exceptions/remove", admin(remove_exception), methods=["POST"]),
    Route("/admin/sites/{slug}/services", admin(services_page)),
    Route("/admin/sites/{slug}/services/new", admin(service_page)),
    Route("/admin/sites/{slug}/services", admin(save_service), methods=["POST"]),
    Route("/admin/sites/{slug}/services/{code}", admin(service_page)),
    Route("/admin/sites/{slug}/services/{code}", admin(save_service), methods=["POST"]),
    Route("/admin/sites/{slug}/counters", admin(counters_page)),
    Route("/admin/sites/{slug}/counters", admin(add_counter), methods=["POST"]),
    Route("/admin/sites/{slug}/counters/{counter_id:int}", admin(rename_counter), methods=["POST"]),
    Route("/admin/sites/{slug}/counters/{counter_id:int}/remove", admin(remove_counter), methods=["POST"]),
    Route("/admin/sites/{slug}/counters/{counter_id:int}/profile", admin(profile_page)),
    Route("/admin/sites/{slug}/counters/{counter_id:int}/profile", admin(save_profile), methods=["POST"]),
]
