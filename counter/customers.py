"""The customer registry for staff: finding and recording customers, linking a visit to one, a
customer's page (written to the audit log each time it is shown), the visit record, and a
customer's data exported or erased on request.

A clerk serving someone links the visit from the counter screen ("Link to a customer"): the search
then offers each match, and a new customer, for that visit. Plain forms; an action answers with a
redirect, or with its form again, as it was sent, and every mistake named (422).
"""

import json
from sqlmodel import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from counter.routes import HISTORY_LABELS, OUTCOME_LABELS, _see_other, history_label, login_required
from server import audit, customers, i18n, queue, visits
from server.db import run_read, run_write
from server.errors import Invalid, N_, NotFound
from server.models import (
    CONTACT_CHANNELS, CUSTOMER_KINDS, NEEDS, SEGMENTS, Counter, Customer, Service, ServiceRequest, Site, Ticket,
)
from server.web import pages

KIND_LABELS = {"person": N_("Person"), "organisation": N_("Organisation")}
SEGMENT_LABELS = {"resident": N_("Resident"), "non_resident": N_("Non-resident"), "business": N_("Business"),
                  "internal": N_("Internal (city staff)")}
NEED_LABELS = {"interpreter": N_("Needs an interpreter"), "mobility": N_("Mobility aid"),
               "vision": N_("Visual impairment"), "hearing": N_("Hearing impairment"),
               "digital_support": N_("Needs help with digital services")}
CHANNEL_LABELS = {"phone": N_("Phone"), "email": N_("Email"), "letter": N_("Letter")}
REQUEST_STATUS_LABELS = {"open": N_("Open"), "in_progress": N_("In progress"),
                         "waiting_customer": N_("Waiting for the customer"), "closed": N_("Closed")}
END_LABELS = {"transferred": N_("Transferred"), "finished": N_("Finished"), "no_show": N_("Did not come"),
              "unserved": N_("Unserved at closing time"), "cancelled": N_("Left the queue")}
AUDIT_LABELS = {"customer.create": N_("Created"), "customer.update": N_("Changed"), "customer.view": N_("Viewed"),
                "customer.search": N_("Shown in a search"), "customer.export": N_("Data exported"),
                "customer.erase": N_("Data erased on request"), "visit.link": N_("Visit linked"),
                "visit.unlink": N_("Visit unlinked"), "request.view": N_("Service request viewed"),
                "retention.anonymize": N_("Anonymized after the retention period")}


def _labels() -> dict:
    return dict(kinds=CUSTOMER_KINDS, segments=SEGMENTS, needs_groups=NEEDS, channels=CONTACT_CHANNELS,
                kind_labels=KIND_LABELS, segment_labels=SEGMENT_LABELS, need_labels=NEED_LABELS,
                channel_labels=CHANNEL_LABELS, request_status_labels=REQUEST_STATUS_LABELS,
                end_labels=END_LABELS, outcome_labels=OUTCOME_LABELS, audit_labels=AUDIT_LABELS,
                local_time=i18n.local_time, local_date=i18n.local_date)


def _zone(session) -> str:
    """The registry is the organisation's, not one site's: its times are shown in the first site's zone."""
    sites = queue.all_sites(session)
    return sites[0].timezone if sites else "Europe/Helsinki"


def _page(request: Request, name: str, context: dict, status_code: int = 200) -> Response:
    return pages.render(request, name, {"user": request.state.user, "site": None, **_labels(), **context},
                      status_code=status_code)


def _id(text: str | None, message: str = N_("There is no such customer.")) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise NotFound(message) from None


def _visit_for_linking(session, public_id: str) -> tuple[Ticket, Site] | None:
    if not public_id:
        return None
    ticket = session.exec(select(Ticket).where(Ticket.public_id == public_id)).first()
    if ticket is None:
        raise NotFound(N_("There is no such ticket."))
    return ticket, session.get(Site, ticket.site_id)


# --- search and linking ------------------------------------------------------------------------


async def customers_page(request: Request):
    """The search; with ``ticket``, each match (and a new customer) can be linked to that visit."""
    q = request.query_params.get("q", "").strip()
    ticket_id = request.query_params.get("ticket", "")
    then = _then(request.query_params.get("then"), ticket_id)
    user_id = request.state.user.id

    def read(session):
        linking = _visit_for_linking(session, ticket_id)
        found, error = None, None
        if q:
            try:
                found = customers.search(session, q, user_id)
            except Invalid as exc:
                error = exc
        return linking, found, error

    linking, found, error = await run_write(request.app.state.db, read)
    lang = pages.page_language(request)
    context = {"q": q, "found": found, "linking": linking, "ticket": ticket_id, "then": then,
               "error": i18n.gettext(lang, error.message) if error else None}
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "results":
        return _page(request, "_customer_results.html", context)
    return _page(request, "customers.html", context, status_code=422 if error else 200)


async def link(request: Request):
    form = await request.form()
    ticket_id = str(form.get("ticket") or "")
    customer_id = _id(str(form.get("customer") or ""))
    await run_write(request.app.state.db, customers.link_visit, ticket_id, customer_id, request.state.user.id)
    return _see_other(request, _back(form, f"/counter/visits/{ticket_id}"))


async def unlink(request: Request):
    form = await request.form()
    ticket_id = str(form.get("ticket") or "")
    await run_write(request.app.state.db, customers.link_visit, ticket_id, None, request.state.user.id)
    return _see_other(request, _back(form, f"/counter/visits/{ticket_id}"))


def _then(then: str | None, ticket_id: str) -> str:
    """Where linking a visit leads: back to the counter, or on to the service request form."""
    return f"/counter/requests/new?ticket={ticket_id}" if then == "request" and ticket_id else "/counter"


def _back(form, default: str) -> str:
    """Where an action returns: only one of our own pages, never another site."""
    back = str(form.get("back") or "")
    return back if back.startswith("/counter") and not back.startswith("//") else default


# --- a customer's page, the form ---------------------------------------------------------------


def _values(form) -> dict:
    values = {name: str(form.get(name) or "").strip() for name in customers.FIELDS}
    values["needs"] = ",".join(str(n) for n in form.getlist("needs"))
    values["then"] = str(form.get("then") or "")
    return values


def _form_page(request: Request, values: dict, customer_id: int | None, ticket: str, errors: dict | None = None,
               linking=None) -> Response:
    lang = pages.page_language(request)
    texts = {field: i18n.gettext(lang, message) for field, message in (errors or {}).items()}
    return _page(request, "customer_form.html",
                 {"values": values, "customer_id": customer_id, "ticket": ticket, "errors": texts,
                  "linking": linking, "chosen_needs": customers._needs(values.get("needs", ""))},
                 status_code=422 if errors else 200)


async def new_customer(request: Request):
    ticket_id = request.query_params.get("ticket", "")
    linking = await run_read(request.app.state.db, _visit_for_linking, ticket_id)
    values = {"then": request.query_params.get("then", ""), "kind": "person", "segment": "resident", "preferred_channel": "phone",
              "lang": linking[0].lang if linking else pages.page_language(request),
              "name": request.query_params.get("name", "")}
    return _form_page(request, values, None, ticket_id, linking=linking)


async def create_customer(request: Request):
    form = await request.form()
    values = _values(form)
    ticket_id = str(form.get("ticket") or "")
    errors = customers.errors(values)
    if errors:
        linking = await run_read(request.app.state.db, _visit_for_linking, ticket_id)
        return _form_page(request, values, None, ticket_id, errors, linking=linking)
    user_id = request.state.user.id

    def write(session):
        customer = customers.create(session, values, user_id)
        if ticket_id:
            customers.link_visit(session, ticket_id, customer.id, user_id)
        return customer.id

    customer_id = await run_write(request.app.state.db, write)
    if ticket_id:
        return _see_other(request, _then(str(form.get("then") or ""), ticket_id)
                          if form.get("then") else f"/counter/visits/{ticket_id}")
    return _see_other(request, f"/counter/customers/{customer_id}")


def _customer_context(session, customer_id: int, user_id: int) -> dict:
    customer = customers.view(session, customer_id, user_id)
    counters = {c.id: c.number for c in session.exec(select(Counter))}
    requests = list(session.exec(select(ServiceRequest).where(ServiceRequest.customer_id == customer.id)
                                 .order_by(ServiceRequest.id.desc())))
    return {"customer": customer, "visits": customers.visits_of(session, customer.id, limit=50),
            "requests": requests, "counters": counters, "tz": _zone(session)}


async def customer_page(request: Request):
    customer_id = request.path_params["customer_id"]
    context = await run_write(request.app.state.db, _customer_context, customer_id, request.state.user.id)
    return _page(request, "customer.html", context)


async def edit_customer(request: Request):
    customer_id = request.path_params["customer_id"]
    customer = await run_write(request.app.state.db, customers.view, customer_id, request.state.user.id)
    if customer.anonymized_at is not None:
        raise Invalid(N_("This customer's data has been erased; create a new customer instead."))
    values = {name: getattr(customer, name) for name in customers.FIELDS}
    return _form_page(request, values, customer_id, "")


async def update_customer(request: Request):
    customer_id = request.path_params["customer_id"]
    form = await request.form()
    values = _values(form)
    errors = customers.errors(values)
    if errors:
        return _form_page(request, values, customer_id, "", errors)
    await run_write(request.app.state.db, customers.update, customer_id, values, request.state.user.id)
    return _see_other(request, f"/counter/customers/{customer_id}")


async def export(request: Request):
    customer_id = request.path_params["customer_id"]
    data = await run_write(request.app.state.db, customers.export, customer_id, request.state.user.id)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="customer-{customer_id}.json"',
        "Cache-Control": "no-store",
    })


async def erase(request: Request):
    """On the customer's request; a manager's decision, confirmed with a checkbox of its own."""
    customer_id = request.path_params["customer_id"]
    form = await request.form()
    if form.get("confirm") != "yes":
        raise Invalid(N_("Tick the box to confirm that the customer asked for their data to be erased."))
    await run_write(request.app.state.db, customers.erase, customer_id, request.state.user.id)
    return _see_other(request, f"/counter/customers/{customer_id}")


def _log_context(session, customer_id: int) -> dict:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(N_("There is no such customer."))
    entries = audit.entries(session, customer_id=customer_id, limit=500)
    names = queue.staff_names(session, [e.staff_user_id for e in entries])
    return {"customer": customer, "entries": entries, "names": names, "tz": _zone(session)}


async def customer_log(request: Request):
    """Who has seen or changed the customer's data, and when (for the data protection officer)."""
    context = await run_read(request.app.state.db, _log_context, request.path_params["customer_id"])
    return _page(request, "customer_log.html", context)


# --- the visit record --------------------------------------------------------------------------


def _visit_context(session, public_id: str, user_id: int) -> dict:
    ticket = session.exec(select(Ticket).where(Ticket.public_id == public_id)).first()
    if ticket is None:
        raise NotFound(N_("There is no such ticket."))
    site = session.get(Site, ticket.site_id)
    services = {s.code: s for s in session.exec(select(Service).where(Service.site_id == site.id))}
    counters = {c.id: c.number for c in session.exec(select(Counter).where(Counter.site_id == site.id))}
    periods = visits.visit_periods(session, ticket)
    history = [{**e, "label": history_label(e)} for e in queue.ticket_history(session, ticket)
               if e["type"] in HISTORY_LABELS]
    customer = customers.view(session, ticket.customer_id, user_id) if ticket.customer_id else None
    requests = list(session.exec(select(ServiceRequest).where(ServiceRequest.ticket_id == ticket.id)))
    return {"ticket": ticket, "site": site, "services": services, "counters": counters, "periods": periods,
            "history": history, "customer": customer, "requests": requests,
            "names": queue.staff_names(session, [p.staff_user_id for p in periods]),
            "service": session.get(Service, ticket.service_id)}


async def visit_page(request: Request):
    context = await run_write(request.app.state.db, _visit_context, request.path_params["public_id"],
                              request.state.user.id)
    return _page(request, "visit.html", {**context, "duration": _duration})


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


guard = login_required
routes = [
    Route("/counter/customers", guard(customers_page)),
    Route("/counter/customers", guard(create_customer), methods=["POST"]),
    Route("/counter/customers/new", guard(new_customer)),
    Route("/counter/customers/link", guard(link), methods=["POST"]),
    Route("/counter/customers/unlink", guard(unlink), methods=["POST"]),
    Route("/counter/customers/{customer_id:int}", guard(customer_page)),
    Route("/counter/customers/{customer_id:int}", guard(update_customer), methods=["POST"]),
    Route("/counter/customers/{customer_id:int}/edit", guard(edit_customer)),
    Route("/counter/customers/{customer_id:int}/export.json", guard(export)),
    Route("/counter/customers/{customer_id:int}/erase", guard(erase, role="manager"), methods=["POST"]),
    Route("/counter/customers/{customer_id:int}/log", guard(customer_log, role="manager")),
    Route("/counter/visits/{public_id}", guard(visit_page)),
]
