"""Waiting outside the hall (issue 19): joining a queue from a phone, and acting on one's own ticket
from its status page. The rules are server/remote.py's; these are its pages.

    /j/{site}                      the services that can be joined from a phone now, or why not
    /j/{site}/{service}            how to be told, and "Join the queue" (303 to the ticket's page)
    /t/{id}/here                   "I'm here" with the site's code of the day (typed)
    /t/here/{site}/{code}          what the entrance QR opens: this browser's tickets of the site arrive
    /t/{id}/more-time, /leave      moving back a few places; leaving (a confirmation page first)
    /t/{id}/notify, /push, /notify/stop   being told by SMS, email or this phone's push, or not at all
    /t/push-sw.js                  the push service worker, served where its scope covers /t/

The join pages need no JavaScript; the status page's forms are plain forms that htmx also posts
(then the answer is the ticket's fragment, the one its websocket pushes). Push needs JavaScript.
"""

import json
import re

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route
from sqlmodel import Session, select

from kiosk.routes import _status_context
from server import i18n, matters, push, queue, remote
from server.db import run_read, run_write
from server.errors import DomainError, Invalid, N_
from server.models import Service, Site, Ticket, utcnow
from server.web import csrf, pages

TICKETS_COOKIE = "luukku_t"  # this browser's open tickets (public ids), for the entrance QR
TICKETS_KEPT = 5
TICKETS_MAX_AGE_S = 24 * 3600
PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
FORM_FIELDS = ("channel", "phone", "email", "minutes", "feedback")
DEFAULT_BEFORE_MIN = 20
CSRF_FAILED = N_("This form has expired or did not come from Luukku. Reload the page and try again.")
OPEN = ("waiting", "called", "parked")

# server/remote.joinable's reasons, said short beside a service's name in the list.
SHORT_REASONS = {
    N_("Joining from a phone opens at %(time)s."): N_("Opens at %(time)s"),
    N_("The queue is full for remote joining now. Please try again later or come to the service point."):
        N_("Queue full"),
    N_("Joining the queue from a phone is closed now. Please come to the service point."): N_("Closed now"),
    N_("Joining from a phone has closed for today. Please come to the service point."): N_("Closed for today"),
}


# --- what the settings offer ---------------------------------------------------------------------


def channels(settings) -> tuple[str, ...]:
    """The ways of being told that work here: SMS with a gateway, email with a mail server; in demo
    mode both (unsent messages then fail as "not configured" in the outbox)."""
    offered = []
    if settings.sms_gateway or settings.demo:
        offered.append("sms")
    if settings.smtp_host or settings.demo:
        offered.append("email")
    return tuple(offered)


def vapid_keys(app) -> push.VapidKeys:
    """Our VAPID key pair, read (or made) once per app."""
    keys = getattr(app.state, "vapid_keys", None)
    if keys is None:
        keys = app.state.vapid_keys = push.VapidKeys.load_or_create(app.state.settings.vapid_key_file)
    return keys


def remote_offer(request: Request | None) -> dict:
    """What the status page offers for being told (its template calls this: the page is rendered by
    kiosk/routes.py, and a websocket push has no request and offers nothing new)."""
    if request is None:
        return {"channels": (), "push_key": ""}
    return {"channels": channels(request.app.state.settings), "push_key": vapid_keys(request.app).public_key_b64url}


pages.templates.env.globals["remote_offer"] = remote_offer


def _allowed_http_hosts(settings) -> tuple[str, ...]:
    url = settings.public_url
    if url.startswith(("http://127.0.0.1", "http://localhost")):
        return ("127.0.0.1", "localhost")
    return ()


def _secure(settings) -> bool:
    return settings.public_url.startswith("https://")


# --- reading -------------------------------------------------------------------------------------


def _service_row(session: Session, site: Site, service: Service, now, lang: str,
                 waiting: dict[int, int], estimates: dict[int, int]) -> dict:
    why = remote.joinable(session, site, service, now)
    note = ""
    if why is not None:
        span = remote.window(session, site, service, queue.local_day(site, now))
        note = i18n.gettext(lang, SHORT_REASONS.get(why, why),
                            time=i18n.local_time(span[0], site.timezone, lang) if span else "")
    return {"service": service, "open": why is None, "note": note, "why": why,
            "waiting": waiting.get(service.id, 0), "wait": estimates.get(service.id, 0)}


def _join_list(session: Session, slug: str, lang: str) -> dict:
    site = queue.get_site(session, slug)
    now = utcnow()
    services = queue.active_services(session, site)
    waiting = queue.waiting_counts(session, site, now)
    estimates = queue.estimates(session, site, services, now)
    rows = [_service_row(session, site, s, now, lang, waiting, estimates) for s in services if s.remote_join]
    return {"site": site, "rows": rows, "others": any(not s.remote_join for s in services),
            "has_guide": matters.version(session, site)[0] > 0}


def _join_service(session: Session, slug: str, code: str, lang: str) -> dict:
    site = queue.get_site(session, slug)
    service = queue.get_service(session, site, code)
    now = utcnow()
    services = queue.active_services(session, site)
    row = _service_row(session, site, service, now, lang, queue.waiting_counts(session, site, now),
                       queue.estimates(session, site, services, now))
    if row["why"] is not None:  # the long reason on the form's page
        span = remote.window(session, site, service, queue.local_day(site, now))
        row["note"] = i18n.gettext(lang, row["why"],
                                   time=i18n.local_time(span[0], site.timezone, lang) if span else "")
    return {"site": site, "service": service, "row": row}


def _cookie_ids(request: Request) -> list[str]:
    return [v for v in request.cookies.get(TICKETS_COOKIE, "").split() if PUBLIC_ID.fullmatch(v)][-TICKETS_KEPT:]


def _remember(request: Request, response: Response, public_id: str) -> None:
    ids = [v for v in _cookie_ids(request) if v != public_id] + [public_id]
    response.set_cookie(TICKETS_COOKIE, " ".join(ids[-TICKETS_KEPT:]), max_age=TICKETS_MAX_AGE_S, path="/",
                        samesite="lax", httponly=True, secure=_secure(request.app.state.settings))


# --- joining -------------------------------------------------------------------------------------


async def join_list(request: Request):
    lang = pages.page_language(request)
    context = await run_read(request.app.state.db, _join_list, request.path_params["site"], lang)
    context["channels"] = channels(request.app.state.settings)
    response = pages.render(request, "join_services.html", context)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _form_page(request: Request, context: dict, form: dict[str, str], message: str = "",
               field: str = "", status_code: int = 200) -> Response:
    offered = channels(request.app.state.settings)
    form = {**form, "channel": form.get("channel") if form.get("channel") in offered else (offered or ("",))[0]}
    context = {**context, "form": form, "message": message, "field": field, "channels": offered,
               "choices": remote.NOTIFY_BEFORE_MIN}
    response = pages.render(request, "join_form.html", context, status_code=status_code)
    response.headers.update(PRIVATE)
    return response


def _field_of(message: str) -> str:
    """Which field an error is about, so that the form marks it."""
    lowered = message.lower()
    if "phone" in lowered or "mobile" in lowered:
        return "phone"
    if "email" in lowered:
        return "email"
    if "minutes" in lowered:
        return "minutes"
    if "text message or email" in lowered:
        return "channel"
    return ""


async def join_form(request: Request):
    lang = pages.page_language(request)
    context = await run_read(request.app.state.db, _join_service, request.path_params["site"],
                             request.path_params["service"], lang)
    return _form_page(request, context, {"channel": "", "phone": "", "email": "",
                                         "minutes": str(DEFAULT_BEFORE_MIN)})


async def _text_form(request: Request) -> dict[str, str]:
    async with request.form() as form:
        return {name: value for name, value in form.items() if isinstance(value, str)}


async def join(request: Request):
    state, lang = request.app.state, pages.page_language(request)
    slug, code = request.path_params["site"], request.path_params["service"]
    if not await csrf.passes(request):
        return pages.error_page(request, 403, CSRF_FAILED)
    posted = await _text_form(request)
    form = {name: posted.get(name, "")[:300] for name in FORM_FIELDS}
    if form["channel"] not in channels(state.settings):
        form["channel"] = ""  # a channel not offered here is no choice
    try:
        who = remote.contact(form["channel"], phone=form["phone"], email=form["email"],
                             notify_before_min=form["minutes"], feedback_ok=form["feedback"] == "1")
        issued = await run_write(state.db, remote.join, slug, code, lang, who)
    except DomainError as exc:
        context = await run_read(state.db, _join_service, slug, code, lang)  # an unknown site or service: 404
        return _form_page(request, context, form, i18n.gettext(lang, exc.message, **exc.params),
                          _field_of(exc.message), status_code=exc.status_code)
    response = RedirectResponse(f"/t/{issued.ticket.public_id}", status_code=303)
    _remember(request, response, issued.ticket.public_id)
    return response


# --- the status page's actions -------------------------------------------------------------------


def _is_htmx(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


async def _status(request: Request, extra: dict | None = None, status_code: int = 200) -> Response:
    """The ticket's fragment (htmx) or whole page, with what just happened or went wrong."""
    context = await run_read(request.app.state.db, _status_context, request.path_params["public_id"])
    context.update(extra or {})
    template = "_ticket_status.html" if _is_htmx(request) else "ticket_status.html"
    response = pages.render(request, template, context, status_code=status_code)
    response.headers.update(PRIVATE)
    return response


def _back(request: Request, query: str = "") -> Response:
    if _is_htmx(request):
        return None  # the caller renders the fragment
    public_id = request.path_params["public_id"]
    return RedirectResponse(f"/t/{public_id}" + (f"?{query}" if query else ""), status_code=303)


async def _act(request: Request, work, *args, done: dict | None = None, query: str = "") -> Response:
    """Runs one of the core's actions on the ticket: 303 back to its page (a plain form), or its
    fragment (htmx); a refusal is the page with the message, in the page's language."""
    if not await csrf.passes(request):
        return await _status(request, {"message": i18n.gettext(pages.page_language(request), CSRF_FAILED)}, 403)
    try:
        result = await run_write(request.app.state.db, work, request.path_params["public_id"], *args)
    except DomainError as exc:
        lang = pages.page_language(request)
        return await _status(request, {"message": i18n.gettext(lang, exc.message, **exc.params)}, exc.status_code)
    extra = done(result) if callable(done) else (done or {})
    back = _back(request, query(result) if callable(query) else query)
    return back if back is not None else await _status(request, extra)


async def arrived(request: Request):
    code = str((await _text_form(request)).get("code", ""))[:40]
    return await _act(request, remote.arrive, code, request.app.state.settings.secret_key)


async def more_time(request: Request):
    return await _act(request, remote.more_time, done=lambda moved: {"moved": moved},
                      query=lambda moved: f"moved={moved}")


async def leave_page(request: Request):
    context = await run_read(request.app.state.db, _status_context, request.path_params["public_id"])
    if context["ticket"].status not in ("waiting", "parked"):
        return RedirectResponse(f"/t/{context['ticket'].public_id}", status_code=303)
    response = pages.render(request, "join_leave.html", context)
    response.headers.update(PRIVATE)
    return response


async def leave(request: Request):
    return await _act(request, remote.leave)


def _set_contact(session: Session, public_id: str, channel: str, address: str, minutes: int, lang: str) -> Ticket:
    return remote.set_contact(session, public_id, channel, address, minutes, lang)


async def notify(request: Request):
    lang = pages.page_language(request)
    if not await csrf.passes(request):
        return await _status(request, {"message": i18n.gettext(lang, CSRF_FAILED)}, 403)
    posted = await _text_form(request)
    form = {name: posted.get(name, "")[:300] for name in FORM_FIELDS}
    if form["channel"] not in channels(request.app.state.settings):
        form["channel"] = ""
    try:
        who = remote.contact(form["channel"], phone=form["phone"], email=form["email"],
                             notify_before_min=form["minutes"])
    except DomainError as exc:
        return await _status(request, {"notify_form": form, "notify_message": i18n.gettext(lang, exc.message),
                                        "notify_field": _field_of(exc.message)}, exc.status_code)
    return await _act(request, _set_contact, who.channel, who.address, who.notify_before_min, lang)


async def notify_push(request: Request):
    """The browser's push subscription (posted as JSON by status.js), checked and kept as the contact."""
    lang, settings = pages.page_language(request), request.app.state.settings
    if not await csrf.passes(request):
        return await _status(request, {"message": i18n.gettext(lang, CSRF_FAILED)}, 403)
    try:
        data = json.loads(await request.body() or b"null")
    except ValueError:
        data = None
    if isinstance(data, dict) and "subscription" in data:
        minutes, data = data.get("minutes", DEFAULT_BEFORE_MIN), data["subscription"]
    else:
        minutes = DEFAULT_BEFORE_MIN
    try:
        minutes = int(minutes)
        if minutes not in remote.NOTIFY_BEFORE_MIN:
            raise ValueError
    except (TypeError, ValueError):
        minutes = DEFAULT_BEFORE_MIN
    try:
        subscription = push.parse_subscription(data, allow_http_hosts=_allowed_http_hosts(settings))
    except push.InvalidSubscription as exc:
        return await _status(request, {"message": i18n.gettext(lang, exc.message)}, exc.status_code)
    return await _act(request, _set_contact, "push", json.dumps(subscription), minutes, lang)


async def notify_stop(request: Request):
    return await _act(request, remote.stop_telling)


# --- arriving by the entrance QR -----------------------------------------------------------------


def _arrive_mine(session: Session, slug: str, ids: list[str], code: str, secret: str) -> dict:
    """Every open remote ticket of the site among ``ids`` arrives; the others are left alone."""
    site = queue.get_site(session, slug)
    today = remote.site_code(secret, site, queue.local_day(site, utcnow()))
    if re.sub(r"\D", "", code) != today:
        raise Invalid(N_("That is not today's code. Scan the QR code at the entrance or type the digits under it."))
    mine = list(session.exec(select(Ticket).where(Ticket.public_id.in_(ids), Ticket.site_id == site.id,
                                                  Ticket.remote, Ticket.status.in_(OPEN)))) if ids else []
    mine.sort(key=lambda t: ids.index(t.public_id))
    for ticket in mine:
        remote.arrive(session, ticket.public_id, code, secret)
    return {"site": site, "arrived": [t.public_id for t in mine], "code": today}


async def here_by_qr(request: Request):
    settings = request.app.state.settings
    result = await run_write(request.app.state.db, _arrive_mine, request.path_params["site"],
                             _cookie_ids(request), request.path_params["code"][:40], settings.secret_key)
    if result["arrived"]:
        return RedirectResponse(f"/t/{result['arrived'][0]}", status_code=303)
    response = pages.render(request, "join_here.html", result)
    response.headers.update(PRIVATE)
    return response


async def service_worker(request: Request):
    return FileResponse(pages.ROOT / "kiosk" / "static" / "push-sw.js", media_type="application/javascript",
                        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/t/"})


routes = [
    Route("/j/{site}", join_list),
    Route("/j/{site}/{service}", join_form),
    Route("/j/{site}/{service}", join, methods=["POST"]),
    # Before /t/{public_id} (kiosk/routes.py), which would take "push-sw.js" for a ticket's id.
    Route("/t/push-sw.js", service_worker),
    Route("/t/here/{site}/{code}", here_by_qr),
    Route("/t/{public_id}/here", arrived, methods=["POST"]),
    Route("/t/{public_id}/more-time", more_time, methods=["POST"]),
    Route("/t/{public_id}/leave", leave_page),
    Route("/t/{public_id}/leave", leave, methods=["POST"]),
    Route("/t/{public_id}/notify", notify, methods=["POST"]),
    Route("/t/{public_id}/notify/stop", notify_stop, methods=["POST"]),
    Route("/t/{public_id}/push", notify_push, methods=["POST"]),
]
