"""The counter screen: a clerk's whole working day, and the staff overview with alarms (the
appointments' pages are in counter/appointments.py, behind the same login).

Every action is a form posted with htmx; the answer is the "current customer" fragment. The queue
panel and the alarms update live over the websocket /counter/ws, rendered for the clerk's own
counter and language.
"""

import functools
import secrets
import time
from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from sqlmodel import select

from counter import appointments
from server import alerts, audit, config, counters, directory, i18n, logins, queue, remote, staff
from server.db import run_read, run_write
from server.errors import Conflict, Invalid, N_, check_row_ids
from printers import jobs
from server.models import OUTCOMES, Counter, Printer, Service, Site, StaffUser, utcnow
from server.web import csrf, oidc, pages, sessions
from server.web.live import pushing_snapshot, relay

OUTCOME_LABELS = {
    "resolved": N_("Resolved here"),
    "transferred": N_("Referred elsewhere"),
    "service_request": N_("Service request created"),
    "left": N_("Customer left"),
}
PRIORITY_LABELS = {0: N_("Normal"), 1: N_("Needs assistance"), 2: N_("Urgent")}
HISTORY_LABELS = {
    "ticket.issued": N_("Ticket taken"),
    "ticket.walk_in": N_("Walk-in visit opened"),
    "ticket.called": N_("Called"),
    "ticket.recalled": N_("Called again"),
    "ticket.serving": N_("Serving started"),
    "ticket.transferred": N_("Transferred"),
    "ticket.parked": N_("Put aside"),
    "ticket.returned": N_("Returned to the queue"),
    "ticket.priority": N_("Priority changed"),
    "ticket.finished": N_("Finished"),
    "ticket.no_show": N_("Did not come"),
    "ticket.unserved": N_("Unserved at closing time"),
    "ticket.reprinted": N_("Ticket printed again"),
    # A ticket joined from a phone (server/remote.py) and what its holder does from the phone.
    "ticket.arrived": N_("Arrived (joined by phone)"),
    "ticket.held": N_("Held at the front: not here yet"),
    "ticket.passed_over": N_("Passed over: did not arrive in time"),
    "ticket.delayed": N_("Moved back: asked for more time"),
    "ticket.cancelled": N_("Left the queue"),
    "ticket.near": N_("Told that the turn is near"),
}
JOB_STATE_TEXTS = {
    "queued": N_("Waiting for the printer"),
    "sent": N_("Sent to the printer"),
    "printed": N_("Printed"),
    "failed": N_("Failed"),
}


def _printer_warnings(session, site) -> list:
    return [p for p in jobs.site_printers(session, site) if p.condition not in ("online", "unknown")]


def _service_alerts(session, site, waiting: dict, longest_min: dict) -> list[dict]:
    """The site's open alerts (server/alerts.py) in words, with the figures as they are now."""
    shown = []
    for alert, service in alerts.open_alerts(session, site):
        if alert.kind == "over_target" and longest_min.get(service.id, 0) <= service.target_wait_min:
            continue  # the cause went since the minute job looked (a call): it clears the alert next time
        shown.append({"service": service.code, "kind": alert.kind, "words": alerts.WORDS[alert.kind],
                      "params": {"prefix": service.prefix, "waiting": waiting.get(service.id, alert.waiting),
                                 "longest": longest_min.get(service.id, alert.longest_min),
                                 "target": service.target_wait_min}})
    return shown


def _see_other(request: Request, url: str) -> Response:
    if request.headers.get("hx-request"):
        # A fetch would follow a 303 and swap the whole page into a fragment; htmx navigates instead.
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def _user(conn) -> StaffUser | None:
    uid = conn.session.get("uid")
    if uid is None:
        return None
    user = await run_read(conn.app.state.db, lambda s: s.get(StaffUser, uid))
    if user is not None and not staff.still_valid(user, conn.session.get("login_at", 0)):
        return None  # logged in before the password was changed (or reset by an admin)
    return user if staff.may_log_in(user, conn.app.state.settings.demo) else None


# A site's counter screens are pushed its state at most this often (``PacedReadings``): the queue
# panel beside the clerk's customer, not the call, which the clerk's own click answers at once.
READ_EVERY_S = 1.0
PASSWORD_PAGE = "/counter/password"  # counter/admin_people.py
ROLE_NAMES = {"clerk": N_("clerk"), "expert": N_("expert"), "manager": N_("manager"), "admin": N_("admin")}


def login_required(endpoint=None, *, role: str | tuple[str, ...] | None = None):
    """Staff pages and actions: only for a logged-in user (in ``request.state.user``), and with
    ``role`` (one or a tuple) only for those roles (an admin may do everything)."""
    if endpoint is None:
        return functools.partial(login_required, role=role)
    roles = (role,) if isinstance(role, str) else tuple(role or ())

    @functools.wraps(endpoint)
    async def guarded(request: Request):
        request.state.user = await _user(request)
        if request.state.user is None:
            return _see_other(request, "/counter/login")
        if reason := _session_ended(request):
            await run_write(request.app.state.db, audit.record, request.state.user.id, f"session.{reason}")
            sessions.end(request.session, reason)
            return _see_other(request, "/counter/login")
        if not await csrf.passes(request):
            return _expired_form(request)
        sessions.touch(request.session)  # a request is the person's activity
        if request.state.user.must_change_password and request.url.path != PASSWORD_PAGE:
            # A temporary password from an admin's reset opens only the page to choose a new one.
            return _see_other(request, PASSWORD_PAGE)
        if roles and not staff.has_role(request.state.user, *roles):
            lang = pages.page_language(request)
            names = ", ".join(i18n.gettext(lang, ROLE_NAMES[r]) for r in roles)
            return pages.error_page(request, 403, N_("This page is for the %(role)s role only."), role=names)
        check_row_ids(request.path_params)
        return await endpoint(request)

    # Read by tests/web/test_route_roles.py: who may use the route (empty: any logged-in staff).
    guarded.luukku_roles = roles
    return guarded


def _session_limits(conn) -> tuple[float, float]:
    settings = conn.app.state.settings
    return settings.session_idle_min * 60, settings.session_max_hours * 3600


def _session_ended(conn) -> str | None:
    return sessions.ended(conn.session, *_session_limits(conn))


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _expired_form(request: Request) -> Response:
    return pages.error_page(request, 403, N_("This form has expired or did not come from Luukku. Reload the page and try again."))


async def login_page(request: Request):
    context = {"next": request.query_params.get("next", "/counter")}
    reason = request.session.pop("ended", None)
    if reason in sessions.MESSAGES:
        settings = request.app.state.settings
        context["notice"], context["notice_params"] = sessions.message(
            reason, settings.session_idle_min, settings.session_max_hours)
    context.update(oidc.button(request))
    return pages.render(request, "login.html", context)


async def login(request: Request):
    if not await csrf.passes(request):
        return _expired_form(request)
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    settings = request.app.state.settings
    outcome = logins.Outcome()
    if username and not directory.password_allowed(settings, username):
        # Local passwords are off but for the break-glass admins (issue 23): the same words for any name.
        context = {"error": oidc.PASSWORDS_OFF, "username": username, "next": "/counter", **oidc.button(request)}
        return pages.render(request, "login.html", context, status_code=403)
    if username and password:
        outcome = await anyio.to_thread.run_sync(
            logins.log_in, request.app.state.db, username, password, _client_address(request),
            logins.Rules.of(settings), settings.demo, "form")
    user = outcome.user
    if user is None:
        context = {"error": N_("Wrong username or password."), "username": username, "next": "/counter"}
        if outcome.refused:
            context["error"], context["error_params"] = logins.refused_message(outcome)
            response = pages.render(request, "login.html", {**context, **oidc.button(request)}, status_code=429)
            response.headers["Retry-After"] = str(outcome.retry_after_s)
            return response
        return pages.render(request, "login.html", {**context, **oidc.button(request)}, status_code=400)
    sessions.start(request.session, user.id)  # a new session, and a new token, for whoever logs in
    csrf.token(request.session)
    return _see_other(request, PASSWORD_PAGE if user.must_change_password else "/counter")


async def logout(request: Request):
    if not await csrf.passes(request):
        return _expired_form(request)
    uid = request.session.get("uid")
    if isinstance(uid, int):
        await run_write(request.app.state.db, audit.record, uid, "logout")
    via = request.session.get("via")
    sessions.end(request.session)
    if via == "directory":
        request.session["directory_logout"] = True  # the login page offers the provider's logout too
    return _see_other(request, "/counter/login")


# --- what the screen shows ---------------------------------------------------------------------


def history_label(event: dict) -> str:
    if event["type"] == "ticket.issued" and event.get("remote"):
        return N_("Joined the queue by phone")
    return HISTORY_LABELS.get(event["type"], event["type"])


def _queue_state(session, site_id: int) -> dict:
    """What the counter screens of a site are pushed after an event (``_counter_live.html``): its
    queue, counters with their work profiles, alarms and alerts, from one reading. Read for all the
    site's counter screens in a worker at once, at most once a second (``staff_socket``;
    ``PacedReadings`` in ``app.state.counter_states``), each screen then made from it without
    reading (issue 22): each reading the queue of 5,000 waiting and its own counter took 20 ms, 25
    screens a worker, and held the interpreter while the phones' pushes waited. The customers at the
    counters and the people to send them to are not pushed, so not read here: in a city's day this
    reading was a quarter of the workers' CPU with them.
    """
    now = utcnow()
    site = session.get(Site, site_id)
    services = queue.active_services(session, site)
    profiles = queue.site_profiles(session, site)
    waiting = queue.waiting_counts(session, site, now)
    longest_min = queue.longest_wait_min(session, site, now)
    by_id = {s.id: s for profile in profiles.values() for s in profile} | {s.id: s for s in services}
    return {
        "site": site,
        "services": services,
        "profiles": profiles,
        "waiting": waiting,
        "longest_min": longest_min,
        # One replay answers every service; a service's estimate does not depend on the others asked.
        "estimates": queue.estimates(session, site, list(by_id.values()), now),
        "tickets": queue.waiting_tickets(session, site, now),
        "counters": queue.site_counters(session, site),
        "service_alerts": _service_alerts(session, site, waiting, longest_min),
        "alarms": counters.active_alarms(session, site),
        "printer_warnings": _printer_warnings(session, site),
    }


def _workspace(session, user_id: int) -> dict | None:
    """The clerk's whole counter screen, read; None when the clerk has no counter open."""
    counter = queue.counter_of(session, user_id)
    if counter is None:
        return None
    state = _queue_state(session, counter.site_id)
    user = session.get(StaffUser, user_id)
    current = queue.current_ticket(session, counter)
    if current is not None:
        current = {"ticket": current, "service": session.get(Service, current.service_id),  # maybe no longer offered
                   "history": [{**event, "label": history_label(event)} for event in queue.ticket_history(session, current)]}
    return {
        **_panel_view(state, counter, user),
        "current": current,
        "all_services": state["services"],
        "other_counters": [c for c in state["counters"] if c.id != counter.id],
        "colleagues": list(session.exec(select(StaffUser).where(StaffUser.active, StaffUser.id != user_id)
                                        .order_by(StaffUser.display_name))),
        "call_key": secrets.token_urlsafe(12),
    }


def _panel_view(state: dict, counter, user: StaffUser) -> dict:
    """What a clerk's counter screen is pushed, made from its site's state (``_queue_state``)."""
    services = state["profiles"].get(counter.id, [])
    profile_ids = {s.id for s in services}
    tickets = state["tickets"]
    return {
        "site": state["site"],
        "counter": counter,
        "panel": {
            "services": services,
            "waiting": state["waiting"],
            "longest_min": state["longest_min"],
            "estimates": state["estimates"],
            "sent_to_me": [(t, s) for t, s in tickets if t.status == "waiting"
                           and (t.target_counter_id == counter.id or t.target_staff_user_id == user.id)],
            "parked": [(t, s) for t, s in tickets if t.status == "parked" and t.counter_id == counter.id],
            "in_line": [(t, s) for t, s in tickets if t.status == "waiting" and t.service_id in profile_ids
                        and t.target_counter_id is None and t.target_staff_user_id is None][:12],
        },
        # The managers on duty see the services' alerts on their counter screens too (issue 21).
        "service_alerts": state["service_alerts"] if staff.has_role(user, "manager") else [],
        "alarms": state["alarms"],
        "printer_warnings": state["printer_warnings"],
    }


def _opening_context(session, user_id: int, site_slug: str | None, counter_id: str | None = None) -> dict:
    sites = queue.all_sites(session)
    site = queue.get_site(session, site_slug) if site_slug else (sites[0] if sites else None)
    if site is None:
        return {"site": None, "counter": None}
    site_counters = queue.site_counters(session, site)
    # The counter chosen (?counter=), else the one the clerk opened last if it is free (issue 18):
    # clerks mostly sit at the same desk. Its default work profile comes ticked (server/config.py),
    # or without one what it served last time.
    if counter_id is None and (last := queue.last_counter_of(session, site, user_id)) is not None:
        counter_id = str(last.id)
    chosen = next((c for c in site_counters if str(c.id) == counter_id and not c.is_open), None)
    defaults = (config.default_profile(session, chosen) or queue.last_profile(session, chosen)) if chosen else {}
    return {
        "site": site,
        "counter": None,
        "sites": sites,
        "counters": site_counters,
        "chosen": chosen,
        "defaults": defaults,
        "services": queue.active_services(session, site),
        "alarms": counters.active_alarms(session, site),
        "printer_warnings": _printer_warnings(session, site),
    }


def _common(request: Request, context: dict) -> dict:
    context.update(user=request.state.user, **_labels())
    return context


def _labels() -> dict:
    return dict(outcomes=OUTCOMES, outcome_labels=OUTCOME_LABELS, priority_labels=PRIORITY_LABELS,
                local_time=i18n.local_time, condition_texts=jobs.CONDITION_TEXTS,
                job_state_texts=JOB_STATE_TEXTS)


async def counter_page(request: Request):
    user = request.state.user
    db = request.app.state.db
    context = await run_read(db, _workspace, user.id)
    if context is None:
        context = await run_read(db, _opening_context, user.id, request.query_params.get("site"),
                                 request.query_params.get("counter"))
    return pages.render(request, "counter.html", _common(request, context))


async def _answer(request: Request, message: str | None = None, *, request_link: str | None = None,
                  **params) -> Response:
    """After an action: the current-customer fragment for htmx, the whole page otherwise."""
    if not request.headers.get("hx-request"):
        return _see_other(request, "/counter")
    context = await run_read(request.app.state.db, _workspace, request.state.user.id)
    if context is None:
        return _see_other(request, "/counter")
    lang = pages.page_language(request)
    context["message"] = i18n.gettext(lang, message, **params) if message else None
    context["request_link"] = request_link  # after finishing with "service request": the next step
    return pages.render(request, "_counter_current.html", _common(request, context))


# --- form fields -------------------------------------------------------------------------------


def _int_field(form, name: str, message: str) -> int:
    try:
        return int(str(form.get(name) or ""))
    except ValueError:
        raise Invalid(message) from None


def _form_counter_id(form) -> int:
    return _int_field(form, "counter", N_("Choose a counter."))


def _ticket_field(form) -> str:
    ref = str(form.get("ticket") or "").strip()
    if not ref:
        raise Invalid(N_("Which ticket? Give its number."))
    return ref[:64]


def _optional_int(form, name: str, message: str) -> int | None:
    return _int_field(form, name, message) if str(form.get(name) or "").strip() else None


# --- the counter -------------------------------------------------------------------------------


async def open_counter(request: Request):
    form = await request.form()
    counter_id = _form_counter_id(form)
    codes = [str(code) for code in form.getlist("service")]
    weights = {}
    for code in codes:
        if str(form.get(f"weight-{code}") or "").strip():
            weights[code] = _int_field(form, f"weight-{code}", N_("A weight must be a whole number from 1 to 10."))
    profile = str(form.get("profile") or "fair")
    await run_write(request.app.state.db, counters.open_counter, counter_id, request.state.user.id,
                    codes, weights, profile)
    return _see_other(request, "/counter")


def _counter_action(fn):
    async def endpoint(request: Request):
        counter_id = _form_counter_id(await request.form())
        await run_write(request.app.state.db, fn, counter_id, request.state.user.id)
        return _see_other(request, "/counter")

    return endpoint


async def call_next(request: Request):
    form = await request.form()
    counter_id = _form_counter_id(form)
    key = str(form.get("key") or "")[:64] or None
    called = await run_write(request.app.state.db, counters.call_next, counter_id,
                             request.state.user.id, key=key, urgent=True)
    return await _answer(request, None if called else N_("No one is waiting in your services."))


async def call_ticket(request: Request):
    form = await request.form()
    await run_write(request.app.state.db, counters.call_ticket, _form_counter_id(form),
                    request.state.user.id, _ticket_field(form), urgent=True)
    return await _answer(request)


async def walk_in(request: Request):
    form = await request.form()
    service = str(form.get("service") or "").strip()
    if not service:
        raise Invalid(N_("Choose a service."))
    await run_write(request.app.state.db, counters.walk_in, _form_counter_id(form),
                    request.state.user.id, service, pages.page_language(request))
    return await _answer(request)


def _ticket_action(fn, urgent: bool = False):
    async def endpoint(request: Request):
        form = await request.form()
        await run_write(request.app.state.db, fn, _ticket_field(form), request.state.user.id, urgent=urgent)
        return await _answer(request)

    return endpoint


async def finish(request: Request):
    """"Done", or with ``next`` "Done, call next": one click from one customer to the next."""
    form = await request.form()
    outcome = str(form.get("outcome") or "").strip() or None
    ticket = _ticket_field(form)
    db, user_id = request.app.state.db, request.state.user.id
    if form.get("next") and outcome != "service_request":  # that outcome has a next step of its own
        key = str(form.get("key") or "")[:64] or None
        called = await run_write(db, counters.finish_and_call_next, ticket, user_id, outcome, key=key, urgent=True)
        return await _answer(request, None if called else N_("No one is waiting in your services."))
    await run_write(db, counters.finish, ticket, user_id, outcome)
    if outcome == "service_request":
        return await _answer(request, N_("Finished. Now write down the service request."),
                             request_link=f"/counter/requests/new?ticket={quote(ticket)}")
    return await _answer(request)


async def transfer(request: Request):
    form = await request.form()
    lang = pages.page_language(request)

    def work(session):
        ticket, service = counters.transfer(
            session, _ticket_field(form), request.state.user.id,
            service_code=str(form.get("service") or "").strip() or None,
            counter_id=_optional_int(form, "to_counter", N_("Choose a counter.")),
            expert_id=_optional_int(form, "expert", N_("Choose a clerk.")),
            note=str(form.get("note") or ""),
        )
        # Said in words after the dialog closes: where the customer went (issue 18).
        params = {"number": ticket.number, "service": service.name(lang)}
        if ticket.target_staff_user_id is not None:
            params["clerk"] = session.get(StaffUser, ticket.target_staff_user_id).display_name
            return N_("%(number)s transferred to %(clerk)s (%(service)s)."), params
        if ticket.target_counter_id is not None:
            params["counter"] = session.get(Counter, ticket.target_counter_id).number
            return N_("%(number)s transferred to counter %(counter)s (%(service)s)."), params
        return N_("%(number)s transferred to the queue of %(service)s."), params

    message, params = await run_write(request.app.state.db, work)
    return await _answer(request, message, **params)


async def park(request: Request):
    form = await request.form()
    await run_write(request.app.state.db, counters.park, _ticket_field(form), request.state.user.id,
                    str(form.get("note") or ""))
    return await _answer(request)


async def set_priority(request: Request):
    form = await request.form()
    priority = _int_field(form, "priority", N_("Priority must be 0 (normal), 1 (needs assistance) or 2 (urgent)."))
    await run_write(request.app.state.db, counters.set_priority, _ticket_field(form),
                    request.state.user.id, priority)
    return await _answer(request)


async def reprint(request: Request):
    form = await request.form()
    ticket = _ticket_field(form)

    def work(session):
        job = queue.reprint_ticket(session, ticket, request.state.user.id)
        return session.get(Printer, job.printer_id).name

    printer = await run_write(request.app.state.db, work)
    if request.headers.get("hx-target") == "current":
        return await _answer(request, N_("The ticket is printing again on %(printer)s."), printer=printer)
    return Response(status_code=204) if request.headers.get("hx-request") else _see_other(request, "/counter")


async def alarm(request: Request):
    """Raised by holding the alarm button down (counter.js sets ``confirmed``); a press without it,
    as from a page without JavaScript, asks once more on a page of its own."""
    form = await request.form()
    site = str(form.get("site") or "") or None
    if not form.get("confirmed"):
        if request.headers.get("hx-request"):
            raise Invalid(N_("Hold the alarm button down to raise the alarm."))
        return pages.render(request, "alarm_confirm.html", _common(request, {"site_slug": site or ""}))
    await run_write(request.app.state.db, counters.raise_alarm, request.state.user.id, site)
    return Response(status_code=204) if request.headers.get("hx-request") else _see_other(request, "/counter")


async def clear_alarm(request: Request):
    form = await request.form()
    seq = _int_field(form, "alarm", N_("Which alarm?"))
    site = str(form.get("site") or "")
    await run_write(request.app.state.db, counters.clear_alarm, request.state.user.id, site, seq)
    return Response(status_code=204) if request.headers.get("hx-request") else _see_other(request, "/counter")


# --- the overview: every counter of a site, the queues, the alarms ------------------------------


def _overview(session, site_slug: str | None) -> dict:
    sites = queue.all_sites(session)
    site = queue.get_site(session, site_slug) if site_slug else (sites[0] if sites else None)
    if site is None:
        raise Conflict(N_("No service points yet. Run “luukku demo” for a demo site."))
    now = utcnow()
    services = queue.active_services(session, site)
    printers = jobs.site_printers(session, site)
    counts = jobs.job_counts(session, [p.id for p in printers])
    rows = []
    site_counters = queue.site_counters(session, site)
    names = queue.staff_names(session, [c.staff_user_id for c in site_counters])
    for c in site_counters:
        current = queue.current_ticket(session, c) if c.is_open else None
        rows.append({"counter": c, "clerk": names.get(c.staff_user_id),
                     "services": queue.counter_services(session, c) if c.is_open else [],
                     "current": current})
    waiting = queue.waiting_counts(session, site, now)
    longest_min = queue.longest_wait_min(session, site, now)
    return {
        "site": site,
        "sites": sites,
        "rows": rows,
        "services": services,
        "waiting": waiting,
        "longest_min": longest_min,
        "service_alerts": _service_alerts(session, site, waiting, longest_min),
        "estimates": queue.estimates(session, site, services, now),
        "remote": remote.counts(session, site, now),
        "alarms": counters.active_alarms(session, site, now),
        "printer_warnings": _printer_warnings(session, site),
        "printers": [{"printer": p, "jobs": counts[p.id]} for p in printers],
        "unprinted": jobs.recent_jobs(session, site),
    }


async def overview(request: Request):
    context = await run_read(request.app.state.db, _overview, request.query_params.get("site"))
    return pages.render(request, "overview.html", _common(request, context))


# --- live updates ------------------------------------------------------------------------------


async def staff_socket(websocket: WebSocket):
    """Pushes the clerk's queue panel and the site's alarms (or the overview) on every event."""
    if not csrf.same_origin(websocket):
        await websocket.accept()  # accepted first, so that the page reads the code (else an HTTP 403)
        await websocket.close(code=4403, reason="foreign origin")
        return
    user = await _user(websocket)
    if user is None or _session_ended(websocket):
        # Accepted first: a close before it reaches the browser as a failed handshake (1006), which
        # live.js retries; 4401 makes it reload, and the page then says why the session ended.
        await websocket.accept()
        await websocket.close(code=4401)
        return
    db = websocket.app.state.db
    lang = i18n.pick_language(websocket.query_params.get("lang"),
                              default=websocket.app.state.settings.default_language)
    view = websocket.query_params.get("view", "counter")
    if view == "overview":
        if not staff.has_role(user, "manager"):
            await websocket.close(code=4403)
            return
        slug = websocket.query_params.get("site") or ""
        site = await run_read(db, lambda s: queue.get_site(s, slug) if slug else None)
    else:
        workspace = await run_read(db, _workspace, user.id)
        site = workspace["site"] if workspace else None
    if site is None:
        await websocket.close(code=4404)
        return
    await websocket.accept()

    last_sent = None  # an event that changes nothing on the screen (a customer's service started) sends nothing

    async def push(events: list[dict] | None = None) -> None:
        nonlocal last_sent
        if view == "overview":
            context = await run_read(db, _overview, site.slug)
            template = "_overview_live.html"
        else:
            context = None
            if events:  # the site's state after these events, read once for its counter screens here
                state = await websocket.app.state.counter_states.get(
                    site.slug, events[-1]["seq"], lambda: run_read(db, _queue_state, site.id))
                counter = next((c for c in state["counters"] if c.is_open and c.staff_user_id == user.id), None)
                if counter is not None:
                    context = _panel_view(state, counter, user)
            if context is None:  # the first push, or the counter closed or is another site's
                context = await run_read(db, _workspace, user.id)
            if context is None:  # the counter was closed elsewhere
                await websocket.close(code=4409)
                return
            template = "_counter_live.html"
        context.update(user=user, oob=True, **_labels())
        text = pages.render_fragment(template, lang, **context)
        if text != last_sent:
            await websocket.send_text(text)
            last_sent = text

    # What arrives here is no activity of the person's: the line ends when the session would, and the
    # page's reload then finds it over. (A click on the page reconnects with the newer time: live.js.)
    ends_at = sessions.deadline(websocket.session, *_session_limits(websocket))
    timed_out = False
    async with anyio.create_task_group() as tasks:

        async def end_with_session() -> None:
            nonlocal timed_out
            await anyio.sleep(max(0.0, ends_at - time.time()) + 0.5)
            timed_out = True
            tasks.cancel_scope.cancel()

        tasks.start_soon(end_with_session)
        await relay(websocket, websocket.app.state.bus, [site.slug], pushing_snapshot(db, [site.slug], push),
                    push, heartbeat_s=websocket.app.state.settings.live_heartbeat_s)
        tasks.cancel_scope.cancel()
    if timed_out:
        await websocket.close(code=4401)


guard = login_required
routes = [
    Mount("/counter/static", StaticFiles(directory=pages.ROOT / "counter" / "static"), name="counter_static"),
    Route("/counter", guard(counter_page)),
    Route("/counter/login", login_page),
    Route("/counter/login", login, methods=["POST"]),
    Route("/counter/logout", logout, methods=["POST"]),
    Route("/counter/open", guard(open_counter), methods=["POST"]),
    Route("/counter/close", guard(_counter_action(counters.close_counter)), methods=["POST"]),
    Route("/counter/pause", guard(_counter_action(counters.pause_counter)), methods=["POST"]),
    Route("/counter/resume", guard(_counter_action(counters.resume_counter)), methods=["POST"]),
    Route("/counter/call-next", guard(call_next), methods=["POST"]),
    Route("/counter/call", guard(call_ticket), methods=["POST"]),
    Route("/counter/walk-in", guard(walk_in), methods=["POST"]),
    Route("/counter/recall", guard(_ticket_action(counters.recall, urgent=True)), methods=["POST"]),
    Route("/counter/no-show", guard(_ticket_action(counters.mark_no_show)), methods=["POST"]),
    Route("/counter/start", guard(_ticket_action(counters.start_serving)), methods=["POST"]),
    Route("/counter/finish", guard(finish), methods=["POST"]),
    Route("/counter/transfer", guard(transfer), methods=["POST"]),
    Route("/counter/park", guard(park), methods=["POST"]),
    Route("/counter/return", guard(_ticket_action(counters.return_to_queue)), methods=["POST"]),
    Route("/counter/priority", guard(set_priority), methods=["POST"]),
    Route("/counter/reprint", guard(reprint), methods=["POST"]),
    Route("/counter/alarm", guard(alarm), methods=["POST"]),
    Route("/counter/alarm/clear", guard(clear_alarm), methods=["POST"]),
    Route("/counter/overview", guard(overview, role="manager")),
    Route("/counter/appointments", guard(appointments.appointments_page)),
    Route("/counter/appointments/times", guard(appointments.free_times)),
    Route("/counter/appointments/book", guard(appointments.book), methods=["POST"]),
    Route("/counter/appointments/move", guard(appointments.move), methods=["POST"]),
    Route("/counter/appointments/cancel", guard(appointments.cancel), methods=["POST"]),
    Route("/counter/appointments/assign", guard(appointments.assign), methods=["POST"]),
    WebSocketRoute("/counter/ws", staff_socket),
]
