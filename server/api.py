"""The JSON API for integrations (/api/v1), over the same core functions as the screens."""

import json

import anyio.to_thread
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from server import i18n, queue, staff, web
from server.db import run_read, run_write
from server.errors import BadRequest, DomainError, N_, NotFound
from server.events import counter_view, ticket_view
from server.live import relay
from server.models import Counter, StaffUser
from server.openapi import openapi_document
from server.printing import print_ticket, status_url
from server.schemas import OpenCounterRequest, TicketRequest, TokenRequest

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
        lang = web.page_language(request)
        return JSONResponse({"detail": _validation_message(lang, exc)}, status_code=422)


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
        "status_url": status_url(settings, ticket.public_id),
        **extra,
    }


async def openapi(request: Request):
    return JSONResponse(openapi_document())


async def token(request: Request):
    body = await _parse(request, TokenRequest, allow_form=True)
    if isinstance(body, Response):
        return body
    user = await run_read(request.app.state.db, staff.authenticate, body.username, body.password,
                          request.app.state.settings.demo)
    if user is None:
        raise Unauthorized(N_("Wrong username or password."))
    access = staff.issue_token(request.app.state.settings.secret_key, user)
    return JSONResponse({"access_token": access, "token_type": "bearer",
                         "expires_in": request.app.state.settings.token_max_age_s})


async def create_ticket(request: Request):
    body = await _parse(request, TicketRequest)
    if isinstance(body, Response):
        return body
    state = request.app.state
    issued = await run_write(state.db, queue.issue_ticket, request.path_params["site"],
                             body.service, body.lang, printed=body.print)
    printed = None
    if body.print:
        result = await anyio.to_thread.run_sync(print_ticket, state.db, state.settings, state.printer, issued)
        printed = result.printed
    return JSONResponse(
        _ticket_json(state.settings, issued.ticket, issued.service,
                     position=issued.people_ahead, estimated_wait_min=issued.estimated_wait_min,
                     printed=printed),
        status_code=201,
    )


def _queue_snapshot(session, site_slug: str) -> dict:
    site = queue.get_site(session, site_slug)
    waiting = queue.waiting_counts(session, site)
    services = []
    for service in queue.active_services(session, site):
        ahead = waiting.get(service.id, 0)
        services.append({
            "code": service.code,
            "prefix": service.prefix,
            "names": {"fi": service.name_fi, "sv": service.name_sv, "en": service.name_en},
            "waiting": ahead,
            "estimated_wait_min": queue.estimate_wait_min(session, service, ahead),
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


async def open_counter(request: Request):
    user = await _bearer_user(request)
    body = await _parse(request, OpenCounterRequest)
    if isinstance(body, Response):
        return body
    counter = await run_write(request.app.state.db, queue.open_counter,
                              request.path_params["counter_id"], user.id, body.services)
    return JSONResponse({**counter_view(counter), "open": True, "services": body.services})


def _call_next_at(session, counter_id: int, staff_user_id: int):
    """call_next, plus the counter it called to (already in the session: no second query)."""
    called = queue.call_next(session, counter_id, staff_user_id)
    return None if called is None else (*called, session.get(Counter, counter_id))


async def call_next(request: Request):
    user = await _bearer_user(request)
    called = await run_write(request.app.state.db, _call_next_at, request.path_params["counter_id"], user.id)
    if called is None:
        return Response(status_code=204)
    ticket, service, counter = called
    return JSONResponse(_ticket_json(request.app.state.settings, ticket, service, counter=counter_view(counter)))


async def finish(request: Request):
    user = await _bearer_user(request)
    ticket, service = await run_write(request.app.state.db, queue.finish_ticket, request.path_params["ticket_id"], user.id)
    return JSONResponse(_ticket_json(request.app.state.settings, ticket, service))


async def events(websocket: WebSocket):
    slug = websocket.path_params["site"]
    try:
        await run_read(websocket.app.state.db, queue.get_site, slug)
    except NotFound:
        await websocket.close(code=4404)
        return
    await websocket.accept()

    async def nothing_to_start() -> None:
        return None

    await relay(websocket, websocket.app.state.bus, slug, nothing_to_start, websocket.send_json)


routes = [
    Route("/openapi.json", openapi),
    Route("/v1/token", token, methods=["POST"]),
    Route("/v1/sites/{site}/tickets", create_ticket, methods=["POST"]),
    Route("/v1/sites/{site}/queue", site_queue),
    Route("/v1/counters/{counter_id:int}/open", open_counter, methods=["POST"]),
    Route("/v1/counters/{counter_id:int}/call-next", call_next, methods=["POST"]),
    Route("/v1/tickets/{ticket_id}/finish", finish, methods=["POST"]),
    WebSocketRoute("/v1/sites/{site}/events", events),
]
