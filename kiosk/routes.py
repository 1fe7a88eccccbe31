"""Kiosk pages: service tiles, issuing a ticket, check-in for a booked time, and the ticket's public
status page.

An enrolled kiosk (server/web/device_gate.py) is its registered device; in demo mode a kiosk may name
itself once with ``?kiosk=NAME``, kept in a cookie. The name picks the printer its tickets go to.
"""

import functools
import time
from dataclasses import dataclass
from datetime import timedelta

import anyio.to_thread
import sqlalchemy as sa
from markupsafe import Markup
from sqlmodel import select
from starlette.requests import HTTPConnection, Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket
from starlette.staticfiles import StaticFiles

from printers import jobs
from server import booking, estimate, events, guidance, hours, i18n, matters, queue, remote
from server.db import run_read, run_write
from server.errors import DomainError, Invalid, NotFound, N_
from server.estimate import estimate_wait_min
from server.models import OPEN_STATES, Counter, Service, Site, Ticket, utcnow
from server.speech import Speech, SpeechUnavailable
from server.web import brand, pages
from server.web.live import ALONE, Follower, Followers, Seqs, relay

KIOSK_COOKIE = "luukku_kiosk"


def _kiosk_name(conn: HTTPConnection) -> str | None:
    device = getattr(conn.state, "device", None)  # an enrolled kiosk (server/web/device_gate.py) is itself
    if device is not None:
        return device.name
    return conn.query_params.get("kiosk") or conn.cookies.get(KIOSK_COOKIE) or None


def _start_context(session, site_slug: str, device: str | None) -> dict:
    site = queue.get_site(session, site_slug)
    now = utcnow()
    services = queue.active_services(session, site)
    today = hours.hours_on(session, site, queue.local_day(site, now))
    printer = jobs.printer_for(session, site, device)
    return {
        "site": site,
        "services": services,
        "waiting": queue.waiting_counts(session, site, now),
        "estimates": queue.estimates(session, site, services, now),
        "open": hours.is_open(session, site, now),
        "today": today,
        "printer_down": printer is None or printer.condition in jobs.DOWN,
        "takes_appointments": any(s.appointment_seats > 0 for s in services),
        "has_guide": matters.version(session, site)[0] > 0,
    }


def _booking_qr(context: dict, settings):
    """The booking pages' address as a QR code, for a visitor who would rather come back at a set time."""
    if context["takes_appointments"]:
        return pages.qr_svg(f"{settings.public_url.rstrip('/')}/b/{context['site'].slug}")
    return None


async def kiosk_page(request: Request):
    settings = request.app.state.settings
    if request.headers.get("hx-request") and request.query_params.get("from", settings.default_language) != \
            request.query_params.get("lang", settings.default_language):
        # Back to the start after a visitor who chose another language: a whole new page, so that the
        # live updates (in the page's language) match the page again.
        return Response(status_code=204, headers={"HX-Redirect": f"/kiosk/{request.path_params['site']}?lang={settings.default_language}"})
    device = _kiosk_name(request)
    context = await run_read(request.app.state.db, _start_context, request.path_params["site"], device)
    context["return_s"] = request.app.state.settings.kiosk_return_s
    context["booking_qr"] = _booking_qr(context, settings)
    template = "_kiosk_start.html" if request.headers.get("hx-request") else "kiosk.html"
    response = pages.render(request, template, context)
    if request.query_params.get("kiosk"):
        response.set_cookie(KIOSK_COOKIE, device, max_age=10 * 365 * 24 * 3600, samesite="lax")
    return response


def _ticket_context(request: Request, issued: queue.IssuedTicket, paper: str) -> dict:
    """``paper``: "printing" (the job is on its way), "printed", or "on_screen" (the printer failed)."""
    settings = request.app.state.settings
    return_s = settings.kiosk_return_s
    booked = issued.ticket.appointment_at  # checked in for a booked time, and in time
    return {
        "issued": issued,
        "paper": paper,
        "booked_time": booked and i18n.local_time(booked, issued.site.timezone, pages.page_language(request)),
        # A visitor who has to photograph the screen gets time to find their phone.
        "return_s": return_s * 4 if paper == "on_screen" else return_s * 2 if paper == "printing" else return_s,
        "qr": pages.qr_svg(jobs.status_url(settings.public_url, issued.ticket.public_id)),
        "site": issued.site,
        "default_lang": settings.default_language,
    }


async def issue(request: Request):
    state = request.app.state
    form = await request.form()
    service_code = str(form.get("service") or "").strip()
    if not service_code:
        raise Invalid(N_("Choose a service."))
    lang = pages.page_language(request)
    issued = await run_write(state.db, queue.issue_ticket, request.path_params["site"], service_code, lang,
                             device=_kiosk_name(request))
    matter = str(form.get("matter") or "")
    if matter.isdigit() and len(matter) < 10:  # taken from a matter's screen in the guide (kiosk/guide.py)
        await run_write(state.db, _took_number, issued.site, int(matter), lang)
    paper = "on_screen" if issued.printer_condition in (*jobs.DOWN, "none") else "printing"
    return pages.render(request, "_kiosk_ticket.html", _ticket_context(request, issued, paper), status_code=201)


def _took_number(session, site: Site, matter_id: int, lang: str) -> None:
    try:
        matters.record(session, site, "ticket", "kiosk", lang, matter=matters.get(session, site, matter_id))
    except NotFound:
        pass  # the matter went away meanwhile: the ticket is what counts


# --- check-in for a booked time -------------------------------------------------------------------

CODE_MAX = 300  # a scanner may type the QR code's whole address


def _checkin_context(request: Request, site: Site, code: str = "", message: str | None = None) -> dict:
    settings = request.app.state.settings
    return {
        "site": site,
        "code": code,
        "message": message,
        "keys": booking.CODE_ALPHABET,
        "code_max": CODE_MAX,
        # Typing a code takes longer than reading a ticket: back to the start only after a pause.
        "return_s": settings.kiosk_return_s * 4,
        "default_lang": settings.default_language,
    }


def screen_page(request: Request, fragment: str, context: dict, status_code: int = 200) -> Response:
    """A kiosk screen: the fragment for htmx; without it, the whole kiosk page around it."""
    if request.headers.get("hx-request"):
        return pages.render(request, fragment, context, status_code=status_code)
    return pages.render(request, "kiosk.html", {**context, "fragment": fragment}, status_code=status_code)


async def checkin_page(request: Request):
    site = await run_read(request.app.state.db, queue.get_site, request.path_params["site"])
    return screen_page(request, "_kiosk_checkin.html", _checkin_context(request, site))


async def check_in(request: Request):
    """A booked visitor's code, typed on the keypad or sent by a scanner: their ticket, or why not."""
    state = request.app.state
    slug = request.path_params["site"]
    code = str((await request.form()).get("code") or "")[:CODE_MAX]
    lang = pages.page_language(request)
    try:
        if not booking.normal_code(code):
            raise Invalid(N_("Type the code of your booking, or show its QR code to the reader."))
        arrived = await run_write(state.db, _remote_arrival, slug, booking.normal_code(code))
        if arrived is not None:  # a ticket joined from a phone, its holder now here
            return screen_page(request, "_kiosk_ticket.html", _ticket_context(request, arrived, "arrived"),
                                 status_code=200)
        appointment, issued = await run_write(
            state.db, booking.check_in, slug, code, lang=lang, device=_kiosk_name(request),
            limits=booking.Limits.of(state.settings))
    except DomainError as exc:
        site = await run_read(state.db, queue.get_site, slug)  # an unknown site is the ordinary 404
        message = i18n.gettext(lang, exc.message, **exc.params)
        return screen_page(request, "_kiosk_checkin.html", _checkin_context(request, site, code, message),
                             status_code=exc.status_code)
    paper = "on_screen" if issued.printer_condition in (*jobs.DOWN, "none") else "printing"
    context = {**_ticket_context(request, issued, paper), "appointment": appointment,
               "late_booked_time": i18n.local_time(appointment.starts_at, issued.site.timezone, lang)}
    return screen_page(request, "_kiosk_checkin_ticket.html", context, status_code=201)


def _remote_arrival(session, slug: str, code: str) -> queue.IssuedTicket | None:
    """The remote ticket with this arrival code, marked arrived (server/remote.py), as the ticket
    screen shows it; None if the code is not one (then it is a booking's)."""
    ticket = remote.check_in(session, slug, code)
    if ticket is None:
        return None
    site, service = session.get(Site, ticket.site_id), session.get(Service, ticket.service_id)
    waiting = ticket.status == "waiting"
    return queue.IssuedTicket(
        site=site, service=service, ticket=ticket, print_job_id=None,
        people_ahead=queue.people_ahead(session, ticket) if waiting else 0,
        estimated_wait_min=estimate_wait_min(session, site, ticket, utcnow()) if waiting else 0)


def _job_progress(session, site_slug: str, job_id: str, wait_s: float) -> tuple[str, queue.IssuedTicket]:
    job = jobs.get_job(session, job_id)
    if job.ticket_id is None:  # a guide's slip (kiosk/guide.py follows those)
        raise NotFound(N_("There is no such print job."))
    ticket = session.get(Ticket, job.ticket_id)
    site = session.get(Site, ticket.site_id)
    if site.slug != site_slug:
        raise NotFound(N_("There is no such print job."))
    issued = queue.IssuedTicket(site=site, service=session.get(Service, ticket.service_id), ticket=ticket,
                                people_ahead=job.people_ahead, estimated_wait_min=job.estimated_wait_min,
                                print_job_id=job.id)
    if job.state == "printed":
        return "printed", issued
    late = utcnow() - job.created_at > timedelta(seconds=wait_s)
    # A retry scheduled means the printer could not take it now: the visitor should not wait for it.
    if job.state == "failed" or late or (job.state == "queued" and job.attempts > 0):
        return "on_screen", issued
    return "printing", issued


async def print_progress(request: Request):
    """Polled by the ticket screen while its paper is on the way; 204 (no change) until it is decided."""
    state = request.app.state
    paper, issued = await run_read(state.db, _job_progress, request.path_params["site"],
                                   request.path_params["job"], state.settings.kiosk_print_wait_s)
    if paper == "printing":
        return Response(status_code=204)
    return pages.render(request, "_kiosk_ticket.html", _ticket_context(request, issued, paper))


@dataclass(frozen=True)
class SiteQueue:
    """What every phone following a ticket of the site shows after an event, read once for them all:
    the queue's places and estimates, and the open tickets themselves, so that a phone's push reads
    nothing of its own (issue 22: 5,000 phones, each pushed after every call)."""

    site: Site
    services: dict[int, Service]
    waits: dict[int, int]  # waiting tickets' estimates (estimate.replayed, shared: read only)
    places: dict[int, int]  # waiting tickets' people ahead (queue.places)
    bookable: bool
    tickets: dict[str, sa.Row]  # the day's open tickets by public id (SHOWN_COLUMNS)
    counters: dict[int, Counter]
    told: dict[int, dict]  # a told ticket's channel and minutes; never its address


# The columns of a ticket that its card and its noted estimate read: rows, not ORM objects, for the
# thousands of open tickets of a reading (each object would cost a kilobyte, each reading megabytes).
SHOWN_COLUMNS = (Ticket.id, Ticket.public_id, Ticket.service_id, Ticket.counter_id, Ticket.status, Ticket.number,
                 Ticket.announced_at, Ticket.remote, Ticket.arrived_at, Ticket.arrival_code, Ticket.delays,
                 Ticket.notify, Ticket.told_last_min, Ticket.told_last_at)


def _queue_now(session, slug: str) -> SiteQueue:
    from server.models import TicketContact  # noqa: PLC0415 (issue 19: only the status page reads it)

    site = queue.get_site(session, slug)
    now = utcnow()
    day = queue.local_day(site, now)
    services = {s.id: s for s in session.exec(select(Service).where(Service.site_id == site.id))}
    tickets = {t.public_id: t for t in session.execute(
        sa.select(*SHOWN_COLUMNS)
        .where(Ticket.site_id == site.id, Ticket.service_day == day, Ticket.status.in_(OPEN_STATES)))}
    counters = {c.id: c for c in session.exec(select(Counter).where(Counter.site_id == site.id))}
    told = {row.ticket_id: {"channel": row.channel, "minutes": row.notify_before_min} for row in session.execute(
        sa.select(TicketContact.ticket_id, TicketContact.channel, TicketContact.notify_before_min)
        .join(Ticket, Ticket.id == TicketContact.ticket_id)
        .where(TicketContact.site_id == site.id, Ticket.service_day == day, Ticket.status.in_(OPEN_STATES)))}
    return SiteQueue(site=site, services=services, waits=estimate.replayed(session, site, now, day).waits,
                     places=queue.places(session, site, day), bookable=_bookable(services.values()),
                     tickets=tickets, counters=counters, told=told)


def _bookable(services) -> bool:
    return any(s.active and s.appointment_seats > 0 for s in services)


@functools.lru_cache(maxsize=1024)
def _arrival_qr(code: str):
    """A remote ticket's own code as a QR code: drawn once, not at every push to its phone."""
    return pages.qr_svg(code)


def _status(ticket: Ticket, site: Site, service: Service, counter: Counter | None, told: dict | None,
            ahead: int, wait: int, bookable: bool) -> dict:
    """The ticket page's context, from what was read for it (alone, or for every phone of the site)."""
    awaited = ticket.remote and ticket.arrived_at is None and ticket.status in ("waiting", "called", "parked")
    code = ticket.arrival_code or ""
    return {
        "ticket": ticket,
        "service": service,
        "site": site,
        "counter": counter,
        "ahead": ahead,
        "wait": wait,
        "bookable": bookable,
        "ended": ticket.status not in OPEN_STATES,  # finished, no-show, or closed unserved
        # Issue 19 (kiosk/remote.py): arriving, moving back, leaving, being told.
        "remote": ticket.remote,
        "arrived": ticket.remote and ticket.arrived_at is not None,
        "awaited": awaited,  # a remote ticket whose holder has not said "I'm here" yet
        "arrival_code": " ".join(code[i:i + 3] for i in range(0, len(code), 3)),
        "arrival_qr": _arrival_qr(code) if awaited and code else None,
        "delays_left": max(0, remote.MAX_DELAYS - ticket.delays),
        "told": told,
        "notify_choices": remote.NOTIFY_BEFORE_MIN,
    }


def _status_context(session, public_id: str) -> dict:
    """The ticket's page, read for it alone."""
    from server.models import TicketContact  # noqa: PLC0415 (issue 19: only the status page reads it)

    ticket = queue.get_ticket(session, public_id)
    site = session.get(Site, ticket.site_id)
    contact = session.get(TicketContact, ticket.id) if ticket.notify else None
    ahead = wait = 0
    if ticket.status == "waiting":
        ahead = queue.people_ahead(session, ticket)
        wait = estimate_wait_min(session, site, ticket, utcnow())
    return _status(ticket, site, session.get(Service, ticket.service_id),
                   session.get(Counter, ticket.counter_id) if ticket.counter_id else None,
                   {"channel": contact.channel, "minutes": contact.notify_before_min} if contact else None,
                   ahead, wait, _bookable(queue.active_services(session, site)))


def _shared_status(shared: SiteQueue, public_id: str) -> dict | None:
    """The ticket's page from the site's shared reading, or None when the reading does not hold it
    (it ended, or was issued after the reading, or waits for one counter or person alone)."""
    ticket = shared.tickets.get(public_id)
    if ticket is None:
        return None
    ahead = wait = 0
    if ticket.status == "waiting":
        ahead, wait = shared.places.get(ticket.id), shared.waits.get(ticket.id)
        if ahead is None or wait is None:
            return None
    return _status(ticket, shared.site, shared.services[ticket.service_id],
                   shared.counters.get(ticket.counter_id) if ticket.counter_id else None,
                   shared.told.get(ticket.id) if ticket.notify else None, ahead, wait, shared.bookable)


def _shown_state(context: dict) -> tuple:
    """All that the pushed card shows but its figures (people ahead, the wait): while this stays the
    same, a push sends the figures alone."""
    ticket, counter = context["ticket"], context["counter"]
    return (ticket.status, ticket.number, ticket.announced_at, counter.number if counter else None,
            context["service"].id, context["arrived"], context["awaited"], context["arrival_code"],
            context["delays_left"], tuple((context["told"] or {}).items()))


AHEAD_MARK = Markup("<!--ahead-->")
WAIT_MARK = 919_191_919  # a wait no queue has (its "%d" wants a number): where a phone's own goes


@functools.lru_cache(maxsize=16)
def _figures_parts(lang: str, waiting: bool) -> tuple[str, str, str]:
    """The figures fragment around its two numbers, rendered once per language. Rendered per phone it
    was 65-100 µs of each push: with 5,000 in a line, each phone has a wait of its own, so keeping a
    rendering per wait kept none that came again."""
    text = pages.render_fragment("_ticket_figures.html", lang, oob=True, ahead=AHEAD_MARK,
                                 wait=WAIT_MARK if waiting else 0)
    before, _, rest = text.partition(AHEAD_MARK)
    middle, _, after = rest.partition(str(WAIT_MARK))
    return before, middle, after


def _figures(lang: str, ahead: int, wait: int) -> str:
    """The card's figures alone, as an out-of-band swap."""
    before, middle, after = _figures_parts(lang, bool(wait))
    return f"{before}{ahead:d}{middle}{wait:d}{after}" if wait else f"{before}{ahead:d}{middle}"


async def ticket_status(request: Request):
    context = await run_read(request.app.state.db, _status_context, request.path_params["public_id"])
    if context["ended"]:  # "How did we do?" (issue 21, kiosk/feedback.py)
        from kiosk import feedback  # noqa: PLC0415

        context.update(await run_read(request.app.state.db, feedback.status_extra, context["ticket"],
                                      request.app.state.settings.feedback_link_days))
        context["scale"] = feedback.scale(pages.page_language(request))
    shown = request.app.state.shown
    shown.note(context["ticket"], context["wait"], utcnow())
    await shown.flush()  # the page's own figure is kept before it is answered
    # The phone pings at its own, slower beat (settings.live_phone_heartbeat_s), as its socket expects.
    context["heartbeat_s"] = request.app.state.settings.live_phone_heartbeat_s
    return pages.render(request, "ticket_status.html", context)


QUEUE_EVENTS = ("ticket.", "counter.")  # what can move a ticket in its queue
# Tickets taken are read for the phones at most once in this long (see push() below).
ISSUED_READ_EVERY_S = 1.0


def _ticket_site_slug(session, public_id: str) -> str:
    return session.get(Site, queue.get_ticket(session, public_id).site_id).slug


def _reading_key(slug: str, batch: list[dict]) -> tuple | None:
    """Which reading of the queue the phones need after these events (None: they move no one)."""
    moved = [event for event in batch if event["type"].startswith(QUEUE_EVENTS)]
    if not moved:
        return None
    if all(event["type"] == "ticket.issued" for event in moved):
        # A ticket taken is last in its line: it moves no one's place, and other lines' estimates
        # only once the replay reaches it. At a kiosk's ten a second a reading each was the largest
        # part of a worker's time (issue 24): one reading a second for them, and the next other
        # event (a call) is read at once as before.
        return ("queue-issued", slug, int(time.monotonic() // ISSUED_READ_EVERY_S))
    return ("queue", slug, moved[-1]["seq"])


def phone_followers(app) -> Followers:
    """The phones following their tickets, pushed by one task per site (server/web/live.py). Every
    phone of a site shows the same queue after an event: it is read and replayed once, with the open
    tickets, kept a moment for the phones answering the same event (``queue_readings``), and each
    phone's card is made from that reading."""

    def read(slug: str, key: tuple):
        return app.state.queue_readings.get(key, lambda: run_read(app.state.db, _queue_now, slug))

    return Followers(app.state.bus, app.state.db, app.state.settings.live_phone_heartbeat_s, _reading_key, read)


async def ticket_status_socket(websocket: WebSocket):
    """The visitor's own ticket, pushed again whenever the queue moves."""
    app = websocket.app
    public_id = websocket.path_params["public_id"]
    lang = i18n.pick_language(websocket.query_params.get("lang"), default=app.state.settings.default_language)
    try:
        # Only which site's events to follow: the page's state comes with the first reading, which
        # phones connecting at once share.
        slug = await run_read(app.state.db, _ticket_site_slug, public_id)
    except NotFound:
        await websocket.close(code=4404)
        return
    await websocket.accept()
    shown: list = [None, None]  # what this phone shows: its card's state, and its figures

    def card(context: dict, whole: bool) -> str | None:
        if whole:
            shown[0] = None
        app.state.shown.note(context["ticket"], context["wait"], utcnow())
        state, figures = _shown_state(context), (context["ahead"], context["wait"])
        text = None
        if state != shown[0]:
            text = pages.render_fragment("_ticket_status.html", lang, oob=True, **context)
        elif figures != shown[1]:
            text = _figures(lang, *figures)
        shown[:] = state, figures  # nothing changed: nothing sent
        return text

    def message(shared: SiteQueue, whole: bool):
        context = _shared_status(shared, public_id)
        return ALONE if context is None else card(context, whole)

    async def alone(whole: bool) -> str | None:  # ended, or taken after the reading: its own reading
        return card(await run_read(app.state.db, _status_context, public_id), whole)

    await app.state.phones.follow(slug, Follower(websocket, message, alone))


async def kiosk_socket(websocket: WebSocket):
    """Keeps the start screen's waiting counts, estimates and printer notice current."""
    app = websocket.app
    slug = websocket.path_params["site"]
    lang = i18n.pick_language(websocket.query_params.get("lang"), default=app.state.settings.default_language)
    device = _kiosk_name(websocket)
    try:
        await run_read(app.state.db, queue.get_site, slug)
    except NotFound:
        await websocket.close(code=4404)
        return
    await websocket.accept()

    async def push(tiles: bool) -> None:
        context = await run_read(app.state.db, _start_context, slug, device)
        if tiles:
            context["booking_qr"] = _booking_qr(context, app.state.settings)
        await websocket.send_text(pages.render_fragment("_kiosk_live.html", lang, oob=True, tiles_oob=tiles, **context))

    # The tiles whole only after a change of the services, also one the screen missed (its page, or
    # its last heartbeat before a reconnect, says which events it has seen); otherwise the counts
    # alone, so that a tap never meets a button being replaced, not even as the page loads.
    async def snapshot(seen: Seqs) -> Seqs:
        seqs = await run_read(app.state.db, events.last_seqs, [slug])  # before the state, as relay() requires
        changed = slug not in seen or await run_read(app.state.db, events.happened_since, slug, seen[slug],
                                                     {"config.changed"})
        await push(tiles=changed)
        return seqs

    async def on_events(batch: list[dict]) -> None:
        await push(tiles=any(event["type"] == "config.changed" for event in batch))

    await relay(websocket, app.state.bus, [slug], snapshot, on_events, heartbeat_s=app.state.settings.live_heartbeat_s)


# --- spoken guidance (docs/accessibility.md) ---------------------------------------------------------

async def spoken_phrase(request: Request):
    """One of the kiosk's known phrases (server/guidance.py) spoken by espeak-ng, as a cached WAV file."""
    site, lang, phrase = (request.path_params[k] for k in ("site", "lang", "phrase"))
    text = await run_read(request.app.state.db, guidance.phrase_text, site, lang, phrase)
    speech: Speech = request.app.state.speech
    try:
        path = await anyio.to_thread.run_sync(speech.phrase_file, lang, text)
    except SpeechUnavailable:
        return Response(status_code=503, headers={"Retry-After": "60"})
    # A phrase with a ticket or a count is read afresh: its words may change; the file is cached anyway.
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "no-cache"})


async def phrase_text(request: Request):
    """The same phrase as text, for the browser's own voice where espeak-ng is missing."""
    site, lang, phrase = (request.path_params[k] for k in ("site", "lang", "phrase"))
    text = await run_read(request.app.state.db, guidance.phrase_text, site, lang, phrase)
    return PlainTextResponse(text, headers={"Cache-Control": "no-cache"})


# Thousands of phones at once: app.py sends their sockets straight to the endpoint (live.DirectSockets).
phone_sockets = [WebSocketRoute("/t/{public_id}/ws", ticket_status_socket)]

routes = [
    Mount("/kiosk/static", StaticFiles(directory=pages.ROOT / "kiosk" / "static"), name="kiosk_static"),
    Route("/kiosk/{site}", kiosk_page),
    WebSocketRoute("/kiosk/{site}/ws", kiosk_socket),
    Route("/kiosk/{site}/tickets", issue, methods=["POST"]),
    Route("/kiosk/{site}/check-in", checkin_page),
    Route("/kiosk/{site}/check-in", check_in, methods=["POST"]),
    Route("/kiosk/{site}/print-jobs/{job}", print_progress),
    Route("/kiosk/{site}/logo", brand.logo),
    Route("/kiosk/{site}/speech/{lang}/{phrase}.wav", spoken_phrase),
    Route("/kiosk/{site}/speech/{lang}/{phrase}.txt", phrase_text),
    Route("/t/{public_id}", ticket_status),
    *phone_sockets,
]
