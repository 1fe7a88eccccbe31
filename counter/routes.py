"""The counter screen: log in, open a counter for chosen services, call next, finish."""

import functools

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from server import queue, staff, web
from server.db import run_read, run_write
from server.errors import Invalid, N_
from server.models import Service, Site, StaffUser


def _see_other(request: Request, url: str) -> Response:
    if request.headers.get("hx-request"):
        # A fetch would follow a 303 and swap the whole page into a fragment; htmx navigates instead.
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def _user(request: Request) -> StaffUser | None:
    uid = request.session.get("uid")
    if uid is None:
        return None
    user = await run_read(request.app.state.db, lambda s: s.get(StaffUser, uid))
    return user if staff.may_log_in(user, request.app.state.settings.demo) else None


def login_required(endpoint):
    """The clerk's pages and actions: only for a logged-in user, found in ``request.state.user``."""

    @functools.wraps(endpoint)
    async def guarded(request: Request):
        request.state.user = await _user(request)
        if request.state.user is None:
            return _see_other(request, "/counter/login")
        return await endpoint(request)

    return guarded


async def login_page(request: Request):
    return web.render(request, "login.html", {"next": request.query_params.get("next", "/counter")})


async def login(request: Request):
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    user = None
    if username and password:
        user = await run_read(request.app.state.db, staff.authenticate, username, password,
                              request.app.state.settings.demo)
    if user is None:
        context = {"error": N_("Wrong username or password."), "username": username, "next": "/counter"}
        return web.render(request, "login.html", context, status_code=400)
    request.session.clear()
    request.session["uid"] = user.id
    return _see_other(request, "/counter")


async def logout(request: Request):
    request.session.clear()
    return _see_other(request, "/counter/login")


def _counter_context(session, user_id: int, site_slug: str | None) -> dict:
    counter = queue.counter_of(session, user_id)
    if counter is not None:
        site = session.get(Site, counter.site_id)
        return {
            "site": site,
            "counter": counter,
            "services": queue.counter_services(session, counter),
            "current": _current(session, counter),
            "waiting": queue.waiting_counts(session, site),
        }
    sites = queue.all_sites(session)
    site = queue.get_site(session, site_slug) if site_slug else (sites[0] if sites else None)
    if site is None:
        return {"site": None, "counter": None}
    return {
        "site": site,
        "counter": None,
        "sites": sites,
        "counters": queue.site_counters(session, site),
        "services": queue.active_services(session, site),
    }


def _current(session, counter):
    ticket = queue.current_ticket(session, counter)
    if ticket is None:
        return None
    return {"ticket": ticket, "service": session.get(Service, ticket.service_id)}


async def counter_page(request: Request):
    user = request.state.user
    context = await run_read(request.app.state.db, _counter_context, user.id, request.query_params.get("site"))
    context["user"] = user
    return web.render(request, "counter.html", context)


async def open_counter(request: Request):
    user = request.state.user
    form = await request.form()
    counter_id = _form_counter_id(form)
    codes = [str(code) for code in form.getlist("service")]
    await run_write(request.app.state.db, queue.open_counter, counter_id, user.id, codes)
    return _see_other(request, "/counter")


async def close_counter(request: Request):
    user = request.state.user
    counter_id = _form_counter_id(await request.form())
    await run_write(request.app.state.db, queue.close_counter, counter_id, user.id)
    return _see_other(request, "/counter")


async def _current_fragment(request: Request, counter_id: int, message: str | None = None):
    def context(session):
        counter = queue.get_counter(session, counter_id)
        site = session.get(Site, counter.site_id)
        return {"counter": counter, "current": _current(session, counter),
                "waiting": queue.waiting_counts(session, site),
                "services": queue.counter_services(session, counter)}

    ctx = await run_read(request.app.state.db, context)
    ctx["message"] = message
    return web.render(request, "_counter_current.html", ctx)


def _form_counter_id(form) -> int:
    try:
        return int(str(form.get("counter") or ""))
    except ValueError:
        raise Invalid(N_("Choose a counter.")) from None


async def call_next(request: Request):
    user = request.state.user
    counter_id = _form_counter_id(await request.form())
    called = await run_write(request.app.state.db, queue.call_next, counter_id, user.id)
    message = None if called else N_("No one is waiting in your services.")
    return await _current_fragment(request, counter_id, message)


async def finish(request: Request):
    user = request.state.user
    form = await request.form()
    counter_id = _form_counter_id(form)
    await run_write(request.app.state.db, queue.finish_ticket, str(form.get("ticket") or ""), user.id)
    return await _current_fragment(request, counter_id)


routes = [
    Mount("/counter/static", StaticFiles(directory=web.ROOT / "counter" / "static"), name="counter_static"),
    Route("/counter", login_required(counter_page)),
    Route("/counter/login", login_page),
    Route("/counter/login", login, methods=["POST"]),
    Route("/counter/logout", logout, methods=["POST"]),
    Route("/counter/open", login_required(open_counter), methods=["POST"]),
    Route("/counter/close", login_required(close_counter), methods=["POST"]),
    Route("/counter/call-next", login_required(call_next), methods=["POST"]),
    Route("/counter/finish", login_required(finish), methods=["POST"]),
]
