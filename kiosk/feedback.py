"""Feedback after the visit (issue 21): the rules are server/feedback.py's; these are its pages.

    /t/{id}/feedback     "How did we do?" for one visit: the message's link; the ticket's status page
                         shows the same form once the visit has ended. A plain form (no JavaScript).
    /feedback/{site}     the tablet by the exit: five big faces, a tap each, no personal data; a
                         registered kiosk device of the site (server/web/device_gate.py), anyone in demo
                         mode. The thank-you returns to the faces after 3 s by itself.
"""

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import feedback, i18n, queue
from server.db import run_read, run_write
from server.errors import Conflict, DomainError, N_
from server.models import Service, Site, utcnow
from server.web import csrf, pages

CSRF_FAILED = N_("This form has expired or did not come from Luukku. Reload the page and try again.")
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
THANKS_S = 3


def scale(lang: str) -> list[dict]:
    """The five answers, worst first (left to right), each a face and its word."""
    return [{"score": s, "word": i18n.gettext(lang, feedback.WORDS[s])}
            for s in feedback.SCORES]


def form_context(session, public_id: str, link_days: int) -> dict:
    """What the feedback form of a visit shows: its state and the visit's service and site."""
    ticket = queue.get_ticket(session, public_id)
    return {"ticket": ticket, "site": session.get(Site, ticket.site_id),
            "service": session.get(Service, ticket.service_id),
            "feedback_state": feedback.state(session, ticket, utcnow(), link_days)}


def status_extra(session, ticket, link_days: int) -> dict:
    """The feedback part of the ticket's status page, once the visit has ended."""
    return {"feedback_state": feedback.state(session, ticket, utcnow(), link_days)}


async def _page(request: Request, extra: dict | None = None, status_code: int = 200) -> Response:
    state = request.app.state
    context = await run_read(state.db, form_context, request.path_params["public_id"],
                             state.settings.feedback_link_days)
    context.update({"scale": scale(pages.page_language(request)), "comment": "", **(extra or {})})
    response = pages.render(request, "feedback_page.html", context, status_code=status_code)
    response.headers.update(PRIVATE)
    return response


async def feedback_page(request: Request):
    return await _page(request)


async def give(request: Request):
    state, lang = request.app.state, pages.page_language(request)
    public_id = request.path_params["public_id"]
    if not await csrf.passes(request):
        return pages.error_page(request, 403, CSRF_FAILED)
    async with request.form() as form:
        score, comment = str(form.get("score") or ""), str(form.get("comment") or "")
        via = str(form.get("via") or "")
    channel = "phone" if via == "status" else "message"
    try:
        await run_write(state.db, feedback.give, public_id, score, comment, lang, channel, None,
                        state.settings.feedback_link_days)
    except Conflict:
        return await _page(request, status_code=409)  # answered or expired: the page says which
    except DomainError as exc:
        return await _page(request, {"error": i18n.gettext(lang, exc.message, **exc.params),
                                     "comment": comment[:feedback.MAX_COMMENT * 2]}, exc.status_code)
    back = f"/t/{public_id}" if via == "status" else f"/t/{public_id}/feedback"
    return RedirectResponse(back, status_code=303)


# --- the tablet by the exit ------------------------------------------------------------------------


async def tablet_page(request: Request):
    site = await run_read(request.app.state.db, queue.get_site, request.path_params["site"])
    lang = pages.page_language(request)
    thanks = request.query_params.get("thanks") == "1"
    return pages.render(request, "feedback_tablet.html", {"site": site, "scale": scale(lang), "thanks": thanks,
                                                         "thanks_s": THANKS_S})


async def tablet_tap(request: Request):
    slug = request.path_params["site"]
    if not await csrf.passes(request):
        return pages.error_page(request, 403, CSRF_FAILED)
    async with request.form() as form:
        score = str(form.get("score") or "")

    def tap(session):
        return feedback.tap(session, queue.get_site(session, slug), score)

    try:
        await run_write(request.app.state.db, tap)
    except DomainError as exc:
        return pages.error_page(request, exc.status_code, exc.message, **exc.params)
    lang = request.query_params.get("lang")
    return RedirectResponse(f"/feedback/{slug}?thanks=1" + (f"&lang={lang}" if lang in i18n.LANGUAGES else ""),
                            status_code=303)


routes = [
    Route("/t/{public_id}/feedback", feedback_page),
    Route("/t/{public_id}/feedback", give, methods=["POST"]),
    Route("/feedback/{site}", tablet_page),
    Route("/feedback/{site}", tablet_tap, methods=["POST"]),
]
