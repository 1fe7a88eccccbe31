"""Administration of people and machines: staff accounts and roles (/admin/staff), printers
(/admin/printers) and registered kiosks and displays (/admin/devices), for the admin role only; and
every staff user's own password (/counter/password).

Plain forms, htmx welcome: a mistake is shown beside its field with the input kept (422). Passwords
and device tokens are shown once, in the answer to the action that made them, never in an address.
"""

import anyio
from starlette.requests import Request
from starlette.routing import Route

from counter.routes import ROLE_NAMES, _see_other, login_required
from printers import jobs, setup
from printers.transports import PrinterUnavailable
from server import devices, i18n, queue, requests, staff
from server.db import run_read, run_write
from server.errors import Invalid, N_
from server.models import DEVICE_KINDS, ROLES, Printer, Site
from server.web import csrf, pages, sessions

KIND_NAMES = {"kiosk": N_("kiosk"), "display": N_("display")}


def admin(endpoint):
    return login_required(endpoint, role="admin")


def _errors(request: Request, fields: dict[str, str]) -> dict[str, str]:
    lang = pages.page_language(request)
    return {field: i18n.gettext(lang, message) for field, message in fields.items()}


def _id(request: Request) -> int:
    try:
        return int(request.path_params["id"])
    except ValueError:
        raise Invalid(N_("This page does not exist.")) from None


async def _page(request: Request, template: str, context: dict, status_code: int = 200):
    context.update(user=request.state.user, role_names=ROLE_NAMES, roles=ROLES, kind_names=KIND_NAMES,
                   kinds=DEVICE_KINDS, condition_texts=jobs.CONDITION_TEXTS, local_time=i18n.local_time,
                   admin_sites=await run_read(request.app.state.db, queue.all_sites))
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return pages.render(request, template, context, status_code=status_code)


# --- staff ---------------------------------------------------------------------------------------


def _staff_context(session) -> dict:
    return {"people": staff.staff_list(session), "departments": requests.departments(session, active_only=False),
            "department_codes": {d.id: d.code for d in requests.departments(session, active_only=False)}}


async def staff_page(request: Request):
    context = await run_read(request.app.state.db, _staff_context)
    return await _page(request, "admin_staff.html", context)


async def create_staff(request: Request):
    values = dict(await request.form())
    db = request.app.state.db
    try:
        password, user = await run_write(db, staff.create_user, request.state.user.id, values)
    except requests.FormInvalid as exc:
        context = await run_read(db, _staff_context)
        return await _page(request, "admin_staff.html", {**context, "values": values, "errors": _errors(request, exc.fields)},
                     status_code=422)
    context = await run_read(db, _staff_context)
    return await _page(request, "admin_staff.html", {**context, "new_user": user, "temporary_password": password})


def _person_context(session, user_id: int) -> dict:
    return {"person": staff.get_user(session, user_id), **_staff_context(session)}


def _person_values(context: dict) -> dict:
    person = context["person"]
    return {"display_name": person.display_name, "role": person.role,
            "department": context["department_codes"].get(person.department_id, "")}


async def person_page(request: Request):
    context = await run_read(request.app.state.db, _person_context, _id(request))
    return await _page(request, "admin_staff_person.html", {**context, "values": _person_values(context)})


async def _person_action(request: Request, work, message: str | None = None, **extra):
    """Runs ``work(session)`` and shows the person again; a refused field comes back beside it (422)."""
    db, user_id = request.app.state.db, _id(request)
    values = dict(await request.form())
    try:
        result = await run_write(db, work, values)
    except requests.FormInvalid as exc:
        context = await run_read(db, _person_context, user_id)
        return await _page(request, "admin_staff_person.html",
                     {**context, "values": {**_person_values(context), **values},
                      "errors": _errors(request, exc.fields)}, status_code=422)
    context = await run_read(db, _person_context, user_id)
    lang = pages.page_language(request)
    return await _page(request, "admin_staff_person.html",
                 {**context, "values": _person_values(context), "message": message and i18n.gettext(lang, message),
                  **{key: make(result) for key, make in extra.items()}})


async def update_person(request: Request):
    admin_id, user_id = request.state.user.id, _id(request)
    return await _person_action(request, lambda s, v: staff.update_user(s, admin_id, user_id, v), N_("Saved."))


async def set_person_active(request: Request):
    admin_id, user_id = request.state.user.id, _id(request)

    def work(session, values):
        return staff.set_active(session, admin_id, user_id, values.get("active") == "1")

    return await _person_action(request, work, N_("Saved."))


async def reset_person_password(request: Request):
    admin_id, user_id = request.state.user.id, _id(request)
    return await _person_action(request, lambda s, v: staff.reset_password(s, admin_id, user_id),
                                temporary_password=lambda password: password)


# --- a staff user's own password ------------------------------------------------------------------


async def password_page(request: Request):
    return pages.render(request, "admin_staff_password.html", {"user": request.state.user, "errors": {}})


async def change_password(request: Request):
    form = await request.form()
    user = request.state.user
    try:
        await run_write(request.app.state.db, staff.change_password, user.id, str(form.get("current") or ""),
                        str(form.get("new") or ""), str(form.get("repeated") or ""))
    except requests.FormInvalid as exc:
        # The passwords are not sent back: a person types them again.
        return pages.render(request, "admin_staff_password.html",
                          {"user": user, "errors": _errors(request, exc.fields)}, status_code=422)
    # Other sessions of this user (another counter PC) end with the old password; this one goes on.
    sessions.start(request.session, user.id)
    csrf.token(request.session)
    return _see_other(request, "/counter?password=changed")


# --- printers ------------------------------------------------------------------------------------


def _site(session, slug: str | None) -> tuple[Site, list[Site]]:
    sites = queue.all_sites(session)
    site = queue.get_site(session, slug) if slug else (sites[0] if sites else None)
    if site is None:
        raise Invalid(N_("No service points yet. Run “luukku demo” for a demo site."))
    return site, sites


def _printers_context(session, slug: str | None) -> dict:
    site, sites = _site(session, slug)
    printers = jobs.site_printers(session, site)
    return {"site": site, "sites": sites, "printers": printers, "profiles": setup.profile_names(),
            "jobs": jobs.job_counts(session, [p.id for p in printers])}


def _printer_of(session, printer_id: int) -> Printer:
    printer = session.get(Printer, printer_id)
    if printer is None:
        raise Invalid(N_("There is no such printer."))
    return printer


async def printers_page(request: Request):
    context = await run_read(request.app.state.db, _printers_context, request.query_params.get("site"))
    return await _page(request, "admin_printers.html", {**context, "values": {"profile": "TM-T88V"}})


async def save_printer(request: Request):
    """Adds a printer (no id) or changes one; the page of the printer's site comes back."""
    form = dict(await request.form())
    db, admin_id = request.app.state.db, request.state.user.id
    printer_id = int(request.path_params["id"]) if "id" in request.path_params else None

    def work(session):
        site = (session.get(Site, _printer_of(session, printer_id).site_id) if printer_id is not None
                else _site(session, request.query_params.get("site"))[0])
        setup.save_printer(session, site, str(form.get("name") or ""), str(form.get("connection") or ""),
                           str(form.get("profile") or ""), admin_id, printer_id)
        return site.slug

    try:
        slug = await run_write(db, work)
    except requests.FormInvalid as exc:
        slug = request.query_params.get("site")
        if printer_id is not None:
            slug = await run_read(db, lambda s: s.get(Site, _printer_of(s, printer_id).site_id).slug)
        context = await run_read(db, _printers_context, slug)
        return await _page(request, "admin_printers.html", {**context, "values": form, "editing": printer_id,
                                                      "errors": _errors(request, exc.fields)}, status_code=422)
    return _see_other(request, f"/admin/printers?site={slug}")


async def printer_page(request: Request):
    def read(session):
        printer = _printer_of(session, _id(request))
        context = _printers_context(session, session.get(Site, printer.site_id).slug)
        return {**context, "editing": printer.id,
                "values": {"name": printer.name, "connection": printer.connection, "profile": printer.profile}}

    return await _page(request, "admin_printers.html", await run_read(request.app.state.db, read))


async def remove_printer(request: Request):
    admin_id, printer_id = request.state.user.id, _id(request)

    def work(session):
        printer = _printer_of(session, printer_id)
        slug = session.get(Site, printer.site_id).slug
        setup.remove_printer(session, printer, admin_id)
        return slug

    slug = await run_write(request.app.state.db, work)
    return _see_other(request, f"/admin/printers?site={slug}")


async def test_printer(request: Request):
    """The test page of `luukku print-test`, sent from the server (in a thread: transports block)."""
    db, lang = request.app.state.db, pages.page_language(request)
    printer = await run_read(db, _printer_of, _id(request))
    try:
        result = await anyio.to_thread.run_sync(setup.print_test_page, printer.connection, printer.profile,
                                                printer.name)
    except (PrinterUnavailable, ValueError) as exc:
        message = i18n.gettext(lang, N_("The test page was not printed: %(reason)s"), reason=str(exc))
    else:
        condition = i18n.gettext(lang, jobs.CONDITION_TEXTS.get(result.before.condition, result.before.condition))
        if result.sent:
            message = i18n.gettext(lang, N_("The test page was sent to %(printer)s."), printer=printer.name)
        else:
            message = i18n.gettext(lang, N_("The test page was not printed: %(reason)s"), reason=condition)
    context = await run_read(db, lambda s: _printers_context(s, s.get(Site, printer.site_id).slug))
    return await _page(request, "admin_printers.html", {**context, "message": message, "values": {"profile": "TM-T88V"}})


# --- registered devices --------------------------------------------------------------------------


def _devices_context(session, slug: str | None) -> dict:
    site, sites = _site(session, slug)
    return {"site": site, "sites": sites, "devices": devices.site_devices(session, site),
            "printers": jobs.site_printers(session, site),
            "printer_names": {p.id: p.name for p in jobs.site_printers(session, site)}}


async def devices_page(request: Request):
    context = await run_read(request.app.state.db, _devices_context, request.query_params.get("site"))
    return await _page(request, "admin_devices.html", {**context, "values": {"kind": "kiosk"}})


async def save_device(request: Request):
    form = dict(await request.form())
    db, admin_id = request.app.state.db, request.state.user.id
    device_id = int(request.path_params["id"]) if "id" in request.path_params else None

    def work(session):
        if device_id is not None:
            site = session.get(Site, devices.get_device(session, device_id).site_id)
        else:
            site = _site(session, request.query_params.get("site"))[0]
        devices.save_device(session, admin_id, site, form, device_id)
        return site.slug

    try:
        slug = await run_write(db, work)
    except requests.FormInvalid as exc:
        def read(session):
            slug = request.query_params.get("site")
            if device_id is not None:
                slug = session.get(Site, devices.get_device(session, device_id).site_id).slug
            return _devices_context(session, slug)

        context = await run_read(db, read)
        return await _page(request, "admin_devices.html", {**context, "values": form, "editing": device_id,
                                                     "errors": _errors(request, exc.fields)}, status_code=422)
    return _see_other(request, f"/admin/devices?site={slug}")


def _device_context(session, device_id: int) -> dict:
    device = devices.get_device(session, device_id)
    context = _devices_context(session, session.get(Site, device.site_id).slug)
    return {**context, "editing": device.id, "device": device,
            "values": {"name": device.name, "kind": device.kind,
                       "printer": context["printer_names"].get(device.printer_id, "")}}


async def device_page(request: Request):
    return await _page(request, "admin_devices.html", await run_read(request.app.state.db, _device_context, _id(request)))


async def issue_device_token(request: Request):
    db, admin_id, device_id = request.app.state.db, request.state.user.id, _id(request)
    token = await run_write(db, lambda s: devices.issue_token(s, admin_id, devices.get_device(s, device_id)))
    context = await run_read(db, _device_context, device_id)
    link = f"{request.app.state.settings.public_url.rstrip('/')}/devices/enrol/{token}"
    return await _page(request, "admin_devices.html", {**context, "token": token, "enrol_link": link})


async def revoke_device(request: Request):
    db, admin_id, device_id = request.app.state.db, request.state.user.id, _id(request)
    await run_write(db, lambda s: devices.revoke(s, admin_id, devices.get_device(s, device_id)))
    context = await run_read(db, _device_context, device_id)
    message = i18n.gettext(pages.page_language(request), N_("The device's token no longer works."))
    return await _page(request, "admin_devices.html", {**context, "message": message})


routes = [
    Route("/admin/staff", admin(staff_page)),
    Route("/admin/staff", admin(create_staff), methods=["POST"]),
    Route("/admin/staff/{id:int}", admin(person_page)),
    Route("/admin/staff/{id:int}", admin(update_person), methods=["POST"]),
    Route("/admin/staff/{id:int}/active", admin(set_person_active), methods=["POST"]),
    Route("/admin/staff/{id:int}/password", admin(reset_person_password), methods=["POST"]),
    Route("/counter/password", login_required(password_page)),
    Route("/counter/password", login_required(change_password), methods=["POST"]),
    Route("/admin/printers", admin(printers_page)),
    Route("/admin/printers", admin(save_printer), methods=["POST"]),
    Route("/admin/printers/{id:int}", admin(printer_page)),
    Route("/admin/printers/{id:int}", admin(save_printer), methods=["POST"]),
    Route("/admin/printers/{id:int}/remove", admin(remove_printer), methods=["POST"]),
    Route("/admin/printers/{id:int}/test", admin(test_printer), methods=["POST"]),
    Route("/admin/devices", admin(devices_page)),
    Route("/admin/devices", admin(save_device), methods=["POST"]),
    Route("/admin/devices/{id:int}", admin(device_page)),
    Route("/admin/devices/{id:int}", admin(save_device), methods=["POST"]),
    Route("/admin/devices/{id:int}/token", admin(issue_device_token), methods=["POST"]),
    Route("/admin/devices/{id:int}/revoke", admin(revoke_device), methods=["POST"]),
]
