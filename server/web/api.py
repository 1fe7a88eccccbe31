"""The JSON API for integrations (/api/v1), over the same core functions as the screens."""

import json

import anyio
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from printers import jobs
from server import counters, devices, directory, i18n, logins, queue, staff
from server.db import run_read, run_write
from server.errors import BadRequest, DomainError, N_, NotFound, check_row_ids
from server.events import counter_view, is_public, last_seqs, ticket_view
from server.models import Counter, Service, Site, StaffUser, utcnow
from server.web.schemas import (
    CallTicketRequest,
    FinishRequest,
    GuideQuery,
    OpenCounterRequest,
    ParkRequest,
    PriorityRequest,
    TicketRequest,
    TokenRequest,
    TransferRequest,
    WalkInRequest,
)
from server.web import device_gate, pages, waits
from server.web.live import relay
from server.web.openapi import openapi_document

PROBLEMS = {
    "missing": N_("is required"),
    "string_too_short": N_("must not be empty"),
    "too_short": N_("must not be empty"),
    "string_too_long": N_("is too long"),
    "extra_forbidden": N_("is not a known field"),
    "literal_error": N_("is not one of the allowed values"),
}


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


def _validation_message(lang: str, exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"]) or "body"
        problem = PROBLEMS.get(error["type"], N_("has the wrong type or format"))
        parts.append(f"{field}: {i18n.gettext(lang, problem)}")
    return i18n.gettext(lang, N_("Check the request: %(problems)s."), problems="; ".join(parts))


async def _parse(request: Request, model: type[BaseModel], allow_form: bool = False):
    """The body as ``model``: JSON, or (``allow_form``) a form for OAuth2-style token clients."""
    content_type = request.headers.get("content-type", "")
    if allow_form and content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        data = dict((await request.form()).items())
    else:
        raw = await request.body()
        try:
            data = json.loads(raw) if raw.strip() else None
        except (UnicodeDecodeError, ValueError):
            raise BadRequest(N_("The request body is not valid JSON.")) from None
        if not isinstance(data, dict):
            raise BadRequest(N_("The request body must be a JSON object."))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lang = pages.page_language(request)
        raise _Answer(JSONResponse({"detail": _validation_message(lang, exc)}, status_code=422)) from None


class _Answer(Exception):
    """A finished response raised from deep in a handler (a 422 with the validation's words)."""

    def __init__(self, response: Response):
        self.response = response


async def _bearer_user(request: Request) -> StaffUser:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    settings = request.app.state.settings
    user = None
    if scheme.lower() == "bearer" and token:
        user = await run_read(request.app.state.db, staff.user_for_token, settings.secret_key,
                              token.strip(), settings.token_max_age_s, settings.demo)
    if user is None:
        raise Unauthorized(N_("Log in first: send a valid bearer token from /api/v1/token."))
    return user


def _ticket_json(settings, ticket, service, **extra) -> dict:
    return {
        **ticket_view(ticket, service),
        "issued_at": ticket.issued_at.isoformat(),
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
        "status_url": jobs.status_url(settings.public_url, ticket.public_id),
        **extra,
    }


async def openapi(request: Request):
    return JSONResponse(openapi_document())


async def token(request: Request):
    body = await _parse(request, TokenRequest, allow_form=True)
    settings = request.app.state.settings
    if not directory.password_allowed(settings, body.username):  # the API is no way around it either
        raise Forbidden(N_("Passwords are turned off here: staff sign in with the city's directory."))
    address = request.client.host if request.client else "-"
    # Throttled like the login form, over the same counts: the API is no way around the lockout.
    outcome = await anyio.to_thread.run_sync(logins.log_in, request.app.state.db, body.username, body.password,
                                             address, logins.Rules.of(settings), settings.demo, "api")
    user = outcome.user
    if outcome.refused:
        message, params = logins.refused_message(outcome)
        return JSONResponse({"detail": i18n.gettext(pages.page_language(request), message, **params)},
                            status_code=429, headers={"Retry-After": str(outcome.retry_after_s)})
    if user is None:
        raise Unauthorized(N_("Wrong username or password."))
    if user.must_change_password:  # a temporary password from an admin's reset
        raise Unauthorized(N_("Choose a new password on the staff pages (/counter/password) first."))
    access = staff.issue_token(request.app.state.settings.secret_key, user)
    return JSONResponse({"access_token": access, "token_type": "bearer",
                         "expires_in": request.app.state.settings.token_max_age_s})


def _may_issue(session, settings, site_slug: str, authorization: str, device_cookie: str | None) -> bool:
    """Outside demo mode tickets come from the site's registered kiosks (the device's token, or
    the cookie of a browser enrolled as one) or from staff with a bearer token: the API is no way
    around the registration of kiosks."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        return staff.user_for_token(session, settings.secret_key, token, settings.token_max_age_s) is not None
    if scheme.lower() == "device" and token:
        device = devices.device_for_token(session, token)
        site = session.get(Site, device.site_id) if device is not None else None
        return device is not None and device.kind == "kiosk" and site.slug == site_slug
    screen = devices.screen_for_cookie(session, settings.secret_key, device_cookie)
    return screen is not None and screen.may_show("kiosk", (site_slug,))


async def create_ticket(request: Request):
    state = request.app.state
    if not state.settings.demo and not await run_read(
            state.db, _may_issue, state.settings, request.path_params["site"],
            request.headers.get("authorization", ""), request.cookies.get(device_gate.COOKIE)):
        raise Unauthorized(N_("Tickets come from the site's registered kiosks: send the kiosk's device token "
                              "(Authorization: Device …) or a staff bearer token."))
    body = await _parse(request, TicketRequest)

    issued = await run_write(state.db, queue.issue_ticket, request.path_params["site"], body.service, body.lang,
                             printed=body.print, device=body.kiosk)
    return JSONResponse(
        _ticket_json(state.settings, issued.ticket, issued.service,
                     position=issued.people_ahead, estimated_wait_min=issued.estimated_wait_min,
                     print_job=issued.print_job),
        status_code=201,
    )


async def print_job(request: Request):
    """A print job's state, for a kiosk or integration that queued one (its id is unguessable)."""
    return JSONResponse(await run_read(request.app.state.db, jobs.job_json, request.path_params["job_id"]))


async def reprint(request: Request, user):
    def work(session):
        return jobs.job_json(session, queue.reprint_ticket(session, request.path_params["ticket_id"], user.id).id)

    return JSONResponse(await run_write(request.app.state.db, work), status_code=201)


def _site_printers(session, site_slug: str) -> dict:
    site = queue.get_site(session, site_slug)
    printers = jobs.site_printers(session, site)
    counts = jobs.job_counts(session, [p.id for p in printers])
    return {"site": site.slug, "printers": [
        {**jobs.printer_view(p), "profile": p.profile, "via_agent": p.via_agent,
         "condition_at": p.condition_at.isoformat() if p.condition_at else None, "jobs": counts[p.id]}
        for p in printers
    ]}


async def site_printers(request: Request, user):
    return JSONResponse(await run_read(request.app.state.db, _site_printers, request.path_params["site"]))


def _queue_snapshot(session, site_slug: str) -> dict:
    site = queue.get_site(session, site_slug)
    waiting = queue.waiting_counts(session, site)
    active = queue.active_services(session, site)
    estimates = queue.estimates(session, site, active, utcnow())
    services = []
    for service in active:
        ahead = waiting.get(service.id, 0)
        services.append({
            "code": service.code,
            "prefix": service.prefix,
            "names": {"fi": service.name_fi, "sv": service.name_sv, "en": service.name_en},
            "waiting": ahead,
            "estimated_wait_min": estimates[service.id],
        })
    counters = [
        {**counter_view(c), "services": [s.code for s in queue.counter_services(session, c)]}
        for c in queue.open_counters(session, site)
    ]
    calls = [
        {"ticket": ticket_view(t, s), "counter": counter_view(c), "called_at": t.called_at.isoformat()}
        for t, s, c in queue.recent_calls(session, site)
    ]
    return {"site": site.slug, "name": site.name, "timezone": site.timezone,
            "last_seq": site.last_event_seq, "services": services, "counters": counters,
            "recent_calls": calls}


async def site_queue(request: Request):
    return JSONResponse(await run_read(request.app.state.db, _queue_snapshot, request.path_params["site"]))


def _guide(session, finder, site_slug: str, query: GuideQuery) -> dict:
    site = queue.get_site(session, site_slug)
    hits = finder.find(session, site, query.q, query.lang, limit=query.limit)
    # "service": the site's own service that takes the matter, so that a ticket can be taken for it.
    services = {service.code for service in queue.active_services(session, site)}
    return {"site": site.slug, "lang": query.lang, "matters": [
        {"id": hit.matter.id, "key": hit.matter.key, "title": hit.matter.text("title", query.lang),
         "service": hit.matter.service_code if hit.matter.service_code in services else None,
         "self_service": bool(hit.matter.text("eservice_url", query.lang)), "book": hit.matter.book,
         "score": hit.score}
        for hit in hits]}


async def guide(request: Request):
    """The matters that fit what a citizen typed (server/search.py), best first."""
    try:
        query = GuideQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        message = _validation_message(pages.page_language(request), exc)
        return JSONResponse({"detail": message}, status_code=422)
    return JSONResponse(await run_read(request.app.state.db, _guide, request.app.state.finder,
                                       request.path_params["site"], query))


def _endpoint(handler):
    """An authenticated API action: ``handler(request, user)``; a 422 from parsing is answered as is."""

    async def endpoint(request: Request):
        user = await _bearer_user(request)
        check_row_ids(request.path_params)
        try:
            return await handler(request, user)
        except _Answer as answer:
            return answer.response

    endpoint.luukku_bearer = True  # read by tests/web/test_route_roles.py
    return endpoint


def _public(handler):
    async def endpoint(request: Request):
        try:
            return await handler(request)
        except _Answer as answer:
            return answer.response

    return endpoint


def _with_counter(fn):
    """fn's (ticket, service) result, plus the ticket's counter, read in the same transaction."""

    def work(session, *args, **kwargs):
        result = fn(session, *args, **kwargs)
        if result is None:
            return None
        ticket, service = result if isinstance(result, tuple) else (result, session.get(Service, result.service_id))
        counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
        return ticket, service, counter

    return work


def _ticket_answer(request: Request, called) -> Response:
    if called is None:
        return Response(status_code=204)
    ticket, service, counter = called
    extra = {"counter": counter_view(counter)} if counter else {}
    return JSONResponse(_ticket_json(request.app.state.settings, ticket, service, **extra))


def _counter_json(counter) -> dict:
    return {**counter_view(counter), "open": counter.is_open, "paused": counter.paused}


async def open_counter(request: Request, user):
    body = await _parse(request, OpenCounterRequest)
    counter = await run_write(request.app.state.db, counters.open_counter,
                              request.path_params["counter_id"], user.id, body.services,
                              body.weights, body.profile)
    return JSONResponse({**_counter_json(counter), "services": body.services, "profile": body.profile})


def _counter_state_action(fn):
    async def handler(request: Request, user):
        counter = await run_write(request.app.state.db, fn, request.path_params["counter_id"], user.id)
        return JSONResponse(_counter_json(counter))

    return handler


async def call_next(request: Request, user):
    key = request.headers.get("idempotency-key", "").strip()[:64] or None
    called = await run_write(request.app.state.db, _with_counter(counters.call_next),
                             request.path_params["counter_id"], user.id, key=key, urgent=True)
    return _ticket_answer(request, called)


async def call_ticket(request: Request, user):
    body = await _parse(request, CallTicketRequest)
    called = await run_write(request.app.state.db, _with_counter(counters.call_ticket),
                             request.path_params["counter_id"], user.id, body.ticket, urgent=True)
    return _ticket_answer(request, called)


async def walk_in(request: Request, user):
    body = await _parse(request, WalkInRequest)
    opened = await run_write(request.app.state.db, _with_counter(counters.walk_in),
                             request.path_params["counter_id"], user.id, body.service, body.lang)
    return _ticket_answer(request, opened)


def _ticket_action(fn, model: type[BaseModel] | None = None, arguments=None, optional: bool = False,
                   urgent: bool = False):
    """A transition of the ticket in the path: ``fn(session, ticket_id, user_id, **arguments(body))``.

    With ``optional`` an empty body stands for the model's defaults; ``urgent`` for a call (run_write).
    """

    async def handler(request: Request, user):
        kwargs = {}
        if model is not None:
            body = await _parse(request, model) if not optional or await request.body() else model()
            kwargs = arguments(body)
        done = await run_write(request.app.state.db, _with_counter(fn), request.path_params["ticket_id"],
                               user.id, urgent=urgent, **kwargs)
        return _ticket_answer(request, done)

    return handler


async def events(websocket: WebSocket):
    slug = websocket.path_params["site"]
    try:
        await run_read(websocket.app.state.db, queue.get_site, slug)
    except NotFound:
        await websocket.close(code=4404)
        return
    await websocket.accept()

    async def start(seen: dict) -> dict:
        seqs = await run_read(websocket.app.state.db, last_seqs, [slug])
        if seen:  # a gap, or a client back with ?seen=: events may be missing, read the queue afresh
            await websocket.send_json({"type": "resync", "seq": seqs})
        return seqs

    async def send(batch: list[dict]) -> None:
        for event in batch:
            if is_public(event):
                await websocket.send_json(event)

    await relay(websocket, websocket.app.state.bus, [slug], start, send,
                heartbeat_s=websocket.app.state.settings.live_heartbeat_s, screen=False)


routes = [
    Route("/openapi.json", openapi),
    Route("/v1/token", _public(token), methods=["POST"]),
    Route("/v1/sites/{site}/tickets", _public(create_ticket), methods=["POST"]),
    Route("/v1/sites/{site}/queue", site_queue),
    Route("/v1/sites/{site}/guide", guide),
    *waits.api_routes,  # the public waits (issue 21)
    Route("/v1/sites/{site}/printers", _endpoint(site_printers)),
    Route("/v1/print-jobs/{job_id}", print_job),
    Route("/v1/tickets/{ticket_id}/reprint", _endpoint(reprint), methods=["POST"]),
    Route("/v1/counters/{counter_id:int}/open", _endpoint(open_counter), methods=["POST"]),
    Route("/v1/counters/{counter_id:int}/close", _endpoint(_counter_state_action(counters.close_counter)), methods=["POST"]),
    Route("/v1/counters/{counter_id:int}/pause", _endpoint(_counter_state_action(counters.pause_counter)), methods=["POST"]),
    Route("/v1/counters/{counter_id:int}/resume", _endpoint(_counter_state_action(counters.resume_counter)), methods=["POST"]),
    Route("/v1/counters/{counter_id:int}/call-next", _endpoint(call_next), methods=["POST"]),
    Route("/v1/counters/{counter_id:int}/call", _endpoint(call_ticket), methods=["POST"]),
    Route("/v1/counters/{counter_id:int}/walk-in", _endpoint(walk_in), methods=["POST"]),
    Route("/v1/tickets/{ticket_id}/recall", _endpoint(_ticket_action(counters.recall, urgent=True)), methods=["POST"]),
    Route("/v1/tickets/{ticket_id}/no-show", _endpoint(_ticket_action(counters.mark_no_show)), methods=["POST"]),
    Route("/v1/tickets/{ticket_id}/start", _endpoint(_ticket_action(counters.start_serving)), methods=["POST"]),
    Route("/v1/tickets/{ticket_id}/finish", _endpoint(_ticket_action(
        counters.finish, FinishRequest, lambda b: {"outcome": b.outcome}, optional=True)), methods=["POST"]),
    Route("/v1/tickets/{ticket_id}/transfer", _endpoint(_ticket_action(
        counters.transfer, TransferRequest,
        lambda b: {"service_code": b.service, "counter_id": b.counter, "expert_id": b.expert, "note": b.note},
    )), methods=["POST"]),
    Route("/v1/tickets/{ticket_id}/park", _endpoint(_ticket_action(
        counters.park, ParkRequest, lambda b: {"note": b.note}, optional=True)), methods=["POST"]),
    Route("/v1/tickets/{ticket_id}/return", _endpoint(_ticket_action(counters.return_to_queue)), methods=["POST"]),
    Route("/v1/tickets/{ticket_id}/priority", _endpoint(_ticket_action(
        counters.set_priority, PriorityRequest, lambda b: {"priority": b.priority})), methods=["POST"]),
    WebSocketRoute("/v1/sites/{site}/events", events),
]
