""""What do you need?" on the citizen's own phone (/g/{site}), linked from the join and booking pages:
the same matters as the kiosk's guide (kiosk/guide.py), as plain pages with no script (the booking
pages' frame), so that they work on any phone.

From a matter a visitor opens the e-service, says it solved the matter, or goes on to join the queue
(/j/…) or book a time (/b/…); each is recorded for the reports (server/matters.py). On the phone,
"ticket" and "booked" count the visitors who went on to those pages from a matter.
"""

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from server import matters, queue, remote
from server.db import run_read, run_write
from server.errors import NotFound, N_
from server.models import utcnow
from server.web import csrf, pages

from kiosk.guide import matter_id_of, typed_query
from kiosk.remote import CSRF_FAILED, channels


def _search(session, request: Request, slug: str, q: str, lang: str) -> dict:
    site = queue.get_site(session, slug)
    hits = request.app.state.finder.find(session, site, q, lang) if q else []
    if q and not hits:  # a search sent from the form: what citizens ask that the catalogue lacks
        matters.record(session, site, "not-found", "phone", lang, query=q)
    return {"site": site, "q": q, "hits": hits, "topics": [] if q else matters.topics(session, site)}


async def search_page(request: Request):
    q = typed_query(request)
    lang = pages.page_language(request)
    run = run_write if q else run_read
    context = await run(request.app.state.db, _search, request, request.path_params["site"], q, lang)
    return pages.render(request, "guide_phone.html", context)


def _ways(session, request: Request, site, matter, lang: str) -> dict:
    """What a visitor can do about the matter from a phone, now."""
    service = matters.service_for(session, site, matter)
    can_join = (service is not None and bool(channels(request.app.state.settings))
                and remote.joinable(session, site, service, utcnow()) is None)
    return {
        "site": site,
        "matter": matter,
        "service": service,
        "eservice": matter.text("eservice_url", lang),
        "can_join": can_join,
        "can_book": service is not None and matter.book and service.appointment_seats > 0,
    }


def _matter(session, request: Request, slug: str, matter_id: int, lang: str, kind: str | None) -> dict:
    site = queue.get_site(session, slug)
    matter = matters.get(session, site, matter_id)
    if kind:
        matters.record(session, site, kind, "phone", lang, matter=matter)
    return {**_ways(session, request, site, matter, lang), "q": typed_query(request)}


async def matter_page(request: Request):
    lang = pages.page_language(request)
    context = await run_write(request.app.state.db, _matter, request, request.path_params["site"],
                              matter_id_of(request), lang, "opened")
    return pages.render(request, "guide_phone_matter.html", context)


async def solved(request: Request):
    """"This solved it", from a form: recorded, and thanked."""
    if not await csrf.passes(request):
        return pages.error_page(request, 403, CSRF_FAILED)
    lang = pages.page_language(request)
    context = await run_write(request.app.state.db, _matter, request, request.path_params["site"],
                              matter_id_of(request), lang, "solved")
    return pages.render(request, "guide_phone_solved.html", context)


def _go_on(session, request: Request, slug: str, matter_id: int, lang: str, way: str) -> str:
    site = queue.get_site(session, slug)
    matter = matters.get(session, site, matter_id)
    ways = _ways(session, request, site, matter, lang)
    if way == "join" and ways["can_join"]:
        matters.record(session, site, "ticket", "phone", lang, matter=matter)
        return f"/j/{site.slug}/{ways['service'].code}"
    if way == "book" and ways["can_book"]:
        matters.record(session, site, "booked", "phone", lang, matter=matter)
        return f"/b/{site.slug}/{ways['service'].code}"
    raise NotFound(N_("This cannot be done from a phone now."))


async def go_on(request: Request):
    """To the join or booking pages for the matter's service, counted on the way."""
    lang = pages.page_language(request)
    target = await run_write(request.app.state.db, _go_on, request, request.path_params["site"],
                             matter_id_of(request), lang, request.path_params["way"])
    return RedirectResponse(target, status_code=303)


routes = [
    Route("/g/{site}", search_page),
    Route("/g/{site}/{matter}", matter_page),
    Route("/g/{site}/{matter}/solved", solved, methods=["POST"]),
    Route("/g/{site}/{matter}/{way}", go_on),
]
