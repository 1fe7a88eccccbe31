"""Staff's service requests: the experts' work list, the form a clerk fills in at the desk, a request
with its history and actions, and a follow-up letter to print.

The core is server/requests.py; these are its pages. An action is a form posted with htmx and
answered with the request's fragment (or, without htmx, a redirect back to the request); a refused
one comes back with the reason, as a 4xx. Clerks create requests and see them; the work list and
the actions that work a request are for experts, managers and admins.
"""

from datetime import timedelta

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from sqlmodel import select

from counter.routes import _see_other, guard
from server import customers, i18n, queue, requests, staff
from server.db import run_read, run_write
from server.errors import Conflict, DomainError, Invalid, N_
from server.models import CONTACT_CHANNELS, REQUEST_STATES, Service, Site, Ticket, utcnow
from server.web import pages

WORKERS = ("expert", "manager")  # and admins: who work requests
STATUS_LABELS = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "waiting_customer": N_("Waiting for the customer"),
    "closed": N_("Closed"),
}
ACTION_LABELS = {
    "created": N_("Created"),
    "note": N_("Note"),
    "assigned": N_("Routed"),
    "status": N_("Status changed"),
    "contacted": N_("Customer contacted"),
    "closed": N_("Closed"),
    "reopened": N_("Reopened"),
}
CHANNEL_LABELS = {"phone": N_("Phone"), "email": N_("Email"), "letter": N_("Letter")}
SCOPE_LABELS = {"mine": N_("Mine and my department's unassigned"), "department": N_("My department's"),
                "all": N_("All")}
FIELDS = ("ticket", "site", "service", "department", "expert", "subject", "description", "due_on", "channel")


def _labels() -> dict:
    return dict(status_labels=STATUS_LABELS, action_labels=ACTION_LABELS, channel_labels=CHANNEL_LABELS,
                scope_labels=SCOPE_LABELS, states=REQUEST_STATES, channels=CONTACT_CHANNELS,
                local_time=i18n.local_time)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 10 else None


# --- the work list -------------------------------------------------------------------------------


async def work_list(request: Request):
    q = request.query_params
    scope = q.get("scope") if q.get("scope") in requests.SCOPES else "mine"
    status = q.get("status") if q.get("status") in REQUEST_STATES else None
    overdue = q.get("overdue") == "1"
    user = request.state.user
    items = await run_read(request.app.state.db, requests.work_list, user.id, scope=scope, status=status,
                           overdue_only=overdue)
    return pages.render(request, "requests.html", {
        "user": user, "site": None, "items": items, "scope": scope, "status": status, "overdue": overdue,
        **_labels(),
    })


# --- the form ------------------------------------------------------------------------------------


def _form_context(session, customer_id: int | None, ticket_ref: str, site_slug: str, user_id: int,
                  due_days: int) -> dict:
    """What the form needs: the customer (seen by staff: audited), the visit, the site's services,
    the departments and experts, and the default due date."""
    ticket = session.exec(select(Ticket).where(Ticket.public_id == ticket_ref)).first() if ticket_ref else None
    if ticket_ref and ticket is None:
        raise Invalid(N_("There is no such ticket."))
    customer_id = customer_id or (ticket.customer_id if ticket else None)
    if customer_id is None:
        raise Invalid(N_("This visit is not linked to a customer: link it to one in the customer registry first."))
    if ticket is not None:
        site = session.get(Site, ticket.site_id)
    elif site_slug:
        site = queue.get_site(session, site_slug)
    else:
        counter = queue.counter_of(session, user_id)
        site = session.get(Site, counter.site_id) if counter else (queue.all_sites(session) or [None])[0]
        if site is None:
            raise Conflict(N_("No service points yet. Run “luukku demo” for a demo site."))
    customer = customers.view(session, customer_id, user_id)
    service = session.get(Service, ticket.service_id) if ticket else None
    return {
        "customer": customer, "ticket": ticket, "site": site,
        "services": queue.active_services(session, site),
        "departments": requests.departments(session),
        "experts": requests.experts(session),
        "default_due": requests.today(site, utcnow()) + timedelta(days=due_days),
        "default_service": service.code if service else "",
    }


def _detail_of(customer, channel: str) -> str:
    return requests.contact_detail(customer, channel)


async def _form_page(request: Request, customer_id: int | None, values: dict, errors: dict | None = None,
                     status_code: int = 200) -> Response:
    state = request.app.state
    lang = pages.page_language(request)
    # A write: seeing the customer's data writes its audit row.
    context = await run_write(state.db, _form_context, customer_id, values.get("ticket", ""), values.get("site", ""),
                             request.state.user.id, state.settings.request_due_days)
    values = {"service": context["default_service"], "due_on": context["default_due"].isoformat(),
              "channel": context["customer"].preferred_channel, **{k: v for k, v in values.items() if v}}
    errors = {field: i18n.gettext(lang, message) for field, message in (errors or {}).items()}
    return pages.render(request, "request_form.html", {
        **context, "user": request.state.user, "values": values, "errors": errors, "detail_of": _detail_of,
        **_labels(),
    }, status_code=status_code)


async def new_request(request: Request):
    q = request.query_params
    ticket_ref = q.get("ticket", "")[:64]
    if ticket_ref and not q.get("customer"):
        row = await run_read(request.app.state.db, lambda s: s.execute(
            sa.select(Ticket.id, Ticket.customer_id).where(Ticket.public_id == ticket_ref)).first())
        if row is not None and row.customer_id is None:
            # An anonymous visit: find or record its customer first, then come back to this form.
            return RedirectResponse(f"/counter/customers?ticket={ticket_ref}&then=request", status_code=303)
    return await _form_page(request, _int(q.get("customer")), {"ticket": q.get("ticket", "")[:64],
                                                               "site": q.get("site", "")[:40]})


async def create(request: Request):
    form = await request.form()
    values = {name: str(form.get(name) or "").strip() for name in FIELDS}
    customer_id = _int(str(form.get("customer") or ""))
    if customer_id is None:
        raise Invalid(N_("There is no such customer."))
    try:
        created = await run_write(request.app.state.db, requests.create, customer_id, values, request.state.user.id,
                                  due_days=request.app.state.settings.request_due_days)
    except requests.FormInvalid as exc:
        return await _form_page(request, customer_id, values, exc.fields, status_code=exc.status_code)
    return _see_other(request, f"/counter/requests/{created.id}")


# --- one request ---------------------------------------------------------------------------------


def _detail_context(session, request_id: int, user_id: int) -> dict:
    shown = requests.view(session, request_id, user_id)
    return {"shown": shown, "site": shown.site, "departments": requests.departments(session),
            "experts": requests.experts(session)}


async def _detail(request: Request, request_id: int, *, fragment: bool = False, message: str | None = None,
                  status_code: int = 200) -> Response:
    # A write: seeing the request writes its audit row.
    context = await run_write(request.app.state.db, _detail_context, request_id, request.state.user.id)
    context.update(user=request.state.user, message=message, may_work=staff.has_role(request.state.user, *WORKERS),
                   **_labels())
    return pages.render(request, "_request_detail.html" if fragment else "request.html", context,
                      status_code=status_code)


async def request_page(request: Request):
    return await _detail(request, request.path_params["id"])


def _assign(session, request_id: int, user_id: int, form: dict):
    expert = form.get("expert", "")
    return requests.assign(session, request_id, user_id, department=form.get("department") or None,
                           expert_id=_int(expert) if expert else None)


ACTIONS = {
    "note": (lambda s, rid, uid, f: requests.add_note(s, rid, uid, f.get("text", "")), None),
    "assign": (_assign, WORKERS),
    "take": (lambda s, rid, uid, f: requests.take(s, rid, uid), WORKERS),
    "status": (lambda s, rid, uid, f: requests.set_status(s, rid, uid, f.get("status", "")), WORKERS),
    "contact": (lambda s, rid, uid, f: requests.contact(s, rid, uid, f.get("text", "")), WORKERS),
    "close": (lambda s, rid, uid, f: requests.close(s, rid, uid, f.get("text", ""),
                                                    tell_customer=f.get("tell") == "yes"), WORKERS),
    "reopen": (lambda s, rid, uid, f: requests.reopen(s, rid, uid, f.get("text", "")), WORKERS),
}
DONE = {
    "note": N_("Note added."), "assign": N_("Routed."), "take": N_("The request is yours now."),
    "status": N_("Status changed."), "contact": N_("Contact recorded."), "close": N_("The request is closed."),
    "reopen": N_("The request is open again."),
}


async def act(request: Request):
    request_id, name = request.path_params["id"], request.path_params["action"]
    if name not in ACTIONS:
        return pages.error_page(request, 404, N_("This page does not exist."))
    work, roles = ACTIONS[name]
    if roles and not staff.has_role(request.state.user, *roles):
        return pages.error_page(request, 403, N_("Only experts, managers and admins work service requests."))
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    lang = pages.page_language(request)
    htmx = bool(request.headers.get("hx-request"))
    try:
        await run_write(request.app.state.db, work, request_id, request.state.user.id, form)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        text = i18n.gettext(lang, exc.message, **exc.params)
        return await _detail(request, request_id, fragment=htmx, message=text, status_code=exc.status_code)
    if not htmx:
        return RedirectResponse(f"/counter/requests/{request_id}", status_code=303)
    return await _detail(request, request_id, fragment=True, message=i18n.gettext(lang, DONE[name]))


# --- the letter ----------------------------------------------------------------------------------


async def letter(request: Request):
    request_id, action_id = request.path_params["id"], request.path_params["action_id"]
    shown = await run_write(request.app.state.db, requests.action_of, request_id, action_id, request.state.user.id)
    action = next(a for a in shown.actions if a.id == action_id)
    if action.kind not in ("contacted", "closed") or action.channel != "letter":
        return pages.error_page(request, 404, N_("There is no such letter."))
    lang = shown.customer.lang if shown.customer.lang in i18n.LANGUAGES else "fi"
    settings = request.app.state.settings
    return_address = [line for line in settings.letter_return_address.replace("\\n", "\n").splitlines() if line]
    context = {"shown": shown, "action": action, "lang": lang, "return_address": return_address,
               "date": requests.today(shown.site, action.at), "address": shown.customer.address.splitlines()}
    return pages.render(request, "request_letter.html", context)


routes = [
    Route("/counter/requests", guard(work_list, role=WORKERS)),
    Route("/counter/requests", guard(create), methods=["POST"]),
    Route("/counter/requests/new", guard(new_request)),
    Route("/counter/requests/{id:int}", guard(request_page)),
    Route("/counter/requests/{id:int}/letter/{action_id:int}", guard(letter)),
    Route("/counter/requests/{id:int}/{action}", guard(act), methods=["POST"]),
]
