"""The kiosk's "What do you need?": a visitor types a few words on the on-screen keyboard, or taps a
topic, and sees the matters that fit (server/search.py); each matter says how to do it oneself (the
e-service's QR code, printed steps), which number to take, or where to book, and what to bring.

Every screen is swapped into the kiosk's #kiosk by htmx like the check-in, and returns to the start
by itself after a pause (kiosk.js). What the guide did is recorded for the reports (server/matters.py).
"""

from starlette.requests import Request
from starlette.routing import Route

from printers import jobs, slip
from server import hours, matters, queue
from server.db import run_read, run_write
from server.errors import Invalid, NotFound, N_
from server.models import utcnow
from server.web import pages

from kiosk.routes import _kiosk_name, screen_page

QUERY_MAX = 100


def typed_query(request: Request) -> str:
    """What the visitor typed, in one line, or a 400 if it is longer than anyone types."""
    q = " ".join(str(request.query_params.get("q") or "").split())
    if len(q) > QUERY_MAX:
        raise Invalid(N_("Type at most %(max)d letters."), max=QUERY_MAX)
    return q


def matter_id_of(request: Request) -> int:
    value = request.path_params["matter"]
    if not value.isdigit() or len(value) > 9:
        raise NotFound(N_("There is no such matter here."))
    return int(value)


def _base(request: Request, site) -> dict:
    settings = request.app.state.settings
    return {
        "site": site,
        # Reading and typing take longer than reading a ticket: back to the start only after a pause.
        "return_s": settings.kiosk_return_s * 4,
        "default_lang": settings.default_language,
    }


def _found(session, request: Request, slug: str, q: str, lang: str, record_empty: bool) -> dict:
    site = queue.get_site(session, slug)
    hits = request.app.state.finder.find(session, site, q, lang) if q else []
    if record_empty and q and not hits:
        matters.record(session, site, "not-found", "kiosk", lang, query=q)
    return {"site": site, "q": q, "hits": hits, "topics": [] if q else matters.topics(session, site)}


async def guide_page(request: Request):
    """The guide's screen: the field, the keyboard, and the topics (or the matters for ?q=)."""
    q = typed_query(request)
    lang = pages.page_language(request)
    found = await run_read(request.app.state.db, _found, request, request.path_params["site"], q, lang, False)
    context = {**_base(request, found["site"]), **found}
    return screen_page(request, "_guide.html", context)


async def guide_results(request: Request):
    """The matters for what has been typed so far; ``search=1`` (the Search key) also records a
    search that found nothing, for the reports: words being typed are not recorded."""
    q = typed_query(request)
    lang = pages.page_language(request)
    record = request.query_params.get("search") == "1"
    run = run_write if record else run_read
    found = await run(request.app.state.db, _found, request, request.path_params["site"], q, lang, record)
    return pages.render(request, "_guide_results.html", found)


def _matter_context(session, request: Request, slug: str, matter_id: int, lang: str, kind: str | None) -> dict:
    site = queue.get_site(session, slug)
    matter = matters.get(session, site, matter_id)
    if kind:
        matters.record(session, site, kind, "kiosk", lang, matter=matter)
    service = matters.service_for(session, site, matter)
    now = utcnow()
    is_open = hours.is_open(session, site, now)
    printer = jobs.printer_for(session, site, _kiosk_name(request))
    settings = request.app.state.settings
    eservice = matter.text("eservice_url", lang)
    takes_bookings = service is not None and matter.book and service.appointment_seats > 0
    return {
        "matter": matter,
        "service": service,
        "open": is_open,
        "waiting": queue.waiting_counts(session, site, now).get(service.id, 0) if service else 0,
        "estimate": queue.estimates(session, site, [service], now).get(service.id) if service else None,
        "eservice": eservice,
        "eservice_qr": pages.qr_svg(eservice) if eservice else None,
        "can_print": bool(eservice) and printer is not None and printer.condition not in jobs.DOWN,
        "booking_qr": (pages.qr_svg(f"{settings.public_url.rstrip('/')}/b/{site.slug}/{service.code}")
                       if takes_bookings else None),
        "q": typed_query(request),
        **_base(request, site),
    }


async def matter_page(request: Request):
    lang = pages.page_language(request)
    context = await run_write(request.app.state.db, _matter_context, request, request.path_params["site"],
                              matter_id_of(request), lang, "opened")
    return screen_page(request, "_guide_matter.html", context)


async def solved(request: Request):
    """"This solved it": recorded, thanked, and back to the start soon after."""
    lang = pages.page_language(request)
    context = await run_write(request.app.state.db, _matter_context, request, request.path_params["site"],
                              matter_id_of(request), lang, "solved")
    context["return_s"] = request.app.state.settings.kiosk_return_s
    return screen_page(request, "_guide_solved.html", context)


def _print_slip(session, request: Request, slug: str, matter_id: int, lang: str) -> dict:
    context = _matter_context(session, request, slug, matter_id, lang, None)
    if not context["eservice"]:
        raise NotFound(N_("There is no such matter here."))
    job = slip.print_slip(session, context["site"], context["matter"], lang, device=_kiosk_name(request))
    if job is not None:
        matters.record(session, context["site"], "printed", "kiosk", lang, matter=context["matter"])
    context["printed"], context["job_id"] = ("printing", job.id) if job is not None else ("not_printed", None)
    return context


async def print_steps(request: Request):
    """The steps on paper from the kiosk's printer; said plainly if the printer cannot."""
    lang = pages.page_language(request)
    context = await run_write(request.app.state.db, _print_slip, request, request.path_params["site"],
                              matter_id_of(request), lang)
    return pages.render(request, "_guide_print.html", context)


def _slip_progress(session, request: Request, slug: str, matter_id: int, job_id: str, lang: str) -> dict:
    context = _matter_context(session, request, slug, matter_id, lang, None)
    context["printed"] = slip.slip_state(session, context["site"], job_id, request.app.state.settings.kiosk_print_wait_s)
    context["job_id"] = job_id
    return context


async def print_progress(request: Request):
    """The slip's way to paper, polled by its screen: printing, printed, or not (then said so)."""
    lang = pages.page_language(request)
    job_id = request.path_params["job"]
    if len(job_id) > 64:
        raise NotFound(N_("There is no such print job."))
    context = await run_read(request.app.state.db, _slip_progress, request, request.path_params["site"],
                             matter_id_of(request), job_id, lang)
    return pages.render(request, "_guide_print.html", context)


routes = [
    Route("/kiosk/{site}/guide", guide_page),
    Route("/kiosk/{site}/guide/results", guide_results),
    Route("/kiosk/{site}/guide/{matter}", matter_page),
    Route("/kiosk/{site}/guide/{matter}/solved", solved, methods=["POST"]),
    Route("/kiosk/{site}/guide/{matter}/print", print_steps, methods=["POST"]),
    Route("/kiosk/{site}/guide/{matter}/print/{job}", print_progress),
]
