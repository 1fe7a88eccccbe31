"""Kiosk pages: service tiles, issuing a ticket, and the ticket's public status page."""

import anyio.to_thread
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from server import hours, queue, web
from server.db import run_read, run_write
from server.errors import Invalid, N_
from server.estimate import estimate_wait_min
from server.models import Counter, Service, Site, utcnow
from server.printing import print_ticket, status_url


def _start_context(session, site_slug: str) -> dict:
    site = queue.get_site(session, site_slug)
    now = utcnow()
    services = queue.active_services(session, site)
    today = hours.hours_on(session, site, queue.local_day(site, now))
    return {
        "site": site,
        "services": services,
        "waiting": queue.waiting_counts(session, site, now),
        "estimates": queue.estimates(session, site, services, now),
        "open": hours.is_open(session, site, now),
        "today": today,
    }


async def kiosk_page(request: Request):
    context = await run_read(request.app.state.db, _start_context, request.path_params["site"])
    context["return_s"] = request.app.state.settings.kiosk_return_s
    template = "_kiosk_start.html" if request.headers.get("hx-request") else "kiosk.html"
    return web.render(request, template, context)


async def issue(request: Request):
    state = request.app.state
    form = await request.form()
    service_code = str(form.get("service") or "").strip()
    if not service_code:
        raise Invalid(N_("Choose a service."))
    lang = web.page_language(request)
    issued = await run_write(state.db, queue.issue_ticket, request.path_params["site"], service_code, lang)
    printed = await anyio.to_thread.run_sync(print_ticket, state.db, state.settings, state.printer, issued)
    return web.render(
        request,
        "_kiosk_ticket.html",
        {
            "issued": issued,
            "printed": printed.printed,
            "qr": web.qr_svg(status_url(state.settings, issued.ticket.public_id)),
            "return_s": state.settings.kiosk_return_s,
            "site": issued.site,
            "default_lang": state.settings.default_language,
        },
        status_code=201,
    )


def _status_context(session, public_id: str) -> dict:
    ticket = queue.get_ticket(session, public_id)
    service = session.get(Service, ticket.service_id)
    site = session.get(Site, ticket.site_id)
    counter = session.get(Counter, ticket.counter_id) if ticket.counter_id else None
    ahead = queue.people_ahead(session, ticket) if ticket.status == "waiting" else 0
    return {
        "ticket": ticket,
        "service": service,
        "site": site,
        "counter": counter,
        "ahead": ahead,
        "wait": estimate_wait_min(session, site, ticket, utcnow()) if ticket.status == "waiting" else 0,
    }


async def ticket_status(request: Request):
    context = await run_read(request.app.state.db, _status_context, request.path_params["public_id"])
    return web.render(request, "ticket_status.html", context)


routes = [
    Mount("/kiosk/static", StaticFiles(directory=web.ROOT / "kiosk" / "static"), name="kiosk_static"),
    Route("/kiosk/{site}", kiosk_page),
    Route("/kiosk/{site}/tickets", issue, methods=["POST"]),
    Route("/t/{public_id}", ticket_status),
]
