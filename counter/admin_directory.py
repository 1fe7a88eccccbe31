"""The directory's groups and what they give in Luukku (/admin/directory, admin role only): an admin
maps a group or role the identity provider sends to one of Luukku's roles and, for experts, a
department. A change is applied to every directory account at once (server/directory.py)."""

from starlette.requests import Request
from starlette.routing import Route

from counter.admin_people import _errors, _page, admin
from counter.routes import _see_other
from server import directory, requests
from server.db import run_read, run_write
from server.web import oidc


def _context(session) -> dict:
    departments = requests.departments(session, active_only=False)
    return {"mappings": directory.mappings(session), "departments": departments,
            "department_codes": {d.id: d.code for d in departments},
            "department_names": {d.id: d for d in departments}}


async def _directory_page(request: Request, extra: dict | None = None, status_code: int = 200):
    settings = request.app.state.settings
    context = await run_read(request.app.state.db, _context)
    context.update(site=None, configured=oidc.configured(settings), issuer=settings.oidc_issuer,
                   groups_claim=settings.oidc_groups_claim, passwords_off=settings.oidc_passwords_off,
                   break_glass=sorted(directory.break_glass_admins(settings)), **(extra or {}))
    return await _page(request, "admin_directory.html", context, status_code=status_code)


async def directory_page(request: Request):
    return await _directory_page(request)


async def save_mapping(request: Request):
    values = dict(await request.form())
    try:
        await run_write(request.app.state.db, directory.save_mapping, request.state.user.id, values)
    except requests.FormInvalid as exc:
        return await _directory_page(request, {"values": values, "errors": _errors(request, exc.fields)}, 422)
    return _see_other(request, "/admin/directory")


async def remove_mapping(request: Request):
    await run_write(request.app.state.db, directory.remove_mapping, request.state.user.id,
                    request.path_params["id"])
    return _see_other(request, "/admin/directory")


routes = [
    Route("/admin/directory", admin(directory_page)),
    Route("/admin/directory", admin(save_mapping), methods=["POST"]),
    Route("/admin/directory/{id:int}/remove", admin(remove_mapping), methods=["POST"]),
]
