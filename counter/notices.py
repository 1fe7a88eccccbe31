"""Staff's notice to everyone of the day (/counter/notice, managers): when the service point closes
unexpectedly, every visitor waiting with a way to be told and every booking of the rest of the day
gets one message (server/notices.py). A second step shows how many it reaches before it goes."""

from starlette.requests import Request
from starlette.routing import Route

from counter.routes import login_required
from server import i18n, notices, queue
from server.db import run_read, run_write
from server.errors import DomainError
from server.models import utcnow
from server.web import pages


def _reach(session, slug: str | None) -> dict:
    """The site, and how many the notice would reach now (nothing is written)."""
    sites = queue.all_sites(session)
    site = queue.get_site(session, slug) if slug else sites[0]
    tickets, bookings = notices.recipients(session, site, utcnow())
    return {"site": site, "sites": sites, "reach": {"tickets": len(tickets), "bookings": len(bookings)}}


def _texts(form) -> dict[str, str]:
    return {lang: str(form.get(f"text_{lang}") or "")[:2000] for lang in i18n.LANGUAGES}


async def notice_page(request: Request):
    context = await run_read(request.app.state.db, _reach, request.query_params.get("site"))
    return pages.render(request, "notice.html", {**context, "user": request.state.user, "texts": {}})


async def send_notice(request: Request):
    db, user = request.app.state.db, request.state.user
    form = await request.form()
    texts, slug = _texts(form), str(form.get("site") or "")
    context = {**await run_read(db, _reach, slug or None), "user": user, "texts": texts}
    if form.get("confirm") != "yes":  # the second step: say how many it goes to, and ask once more
        return pages.render(request, "notice.html", {**context, "confirming": True})
    try:
        def send(session):
            return notices.tell_everyone(session, queue.get_site(session, context["site"].slug), user.id, texts)

        sent = await run_write(db, send)
    except DomainError as exc:
        message = i18n.gettext(pages.page_language(request), exc.message, **exc.params)
        return pages.render(request, "notice.html", {**context, "message": message}, status_code=exc.status_code)
    return pages.render(request, "notice.html", {**context, "sent": sent, "texts": {}})


routes = [
    Route("/counter/notice", login_required(notice_page, role="manager")),
    Route("/counter/notice", login_required(send_notice, role="manager"), methods=["POST"]),
]
