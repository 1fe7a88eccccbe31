"""Service requests (palvelupyyntö): a matter not solved at the desk.

A clerk creates one from a visit for a customer of the registry; it is routed to a department or a
named expert, has a due date in the site's calendar, and a history of actions (``ServiceRequestAction``)
that is never rewritten. The customer is contacted back through the request's channel: an email
follow-up is mailed by the mailer (server/mail.py), a phone call is recorded with its summary, a letter
is printed from its page.

Every change appends an action, counts as a contact for the registry's retention period
(``customers.touch``) and records a staff-only event (no personal data) that wakes the mailer. Every
time staff see a request, and so the customer's data, the audit log gets a row.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from server import audit, customers, queue
from server.errors import Conflict, Invalid, N_, NotFound
from server.events import record_event
from server.models import (
    CONTACT_CHANNELS, REQUEST_STATES, Customer, Department, Service, ServiceRequest, ServiceRequestAction,
    Site, StaffUser, Ticket, utcnow,
)

DEFAULT_DUE_DAYS = 14
# The customer's detail each channel needs.
CHANNEL_DETAIL = {"phone": "phone", "email": "email", "letter": "address"}
CHANNEL_MISSING = {
    "phone": N_("The customer has no phone number: choose another way to contact them, or add the number "
                "to the customer's details first."),
    "email": N_("The customer has no email address: choose another way to contact them, or add the address "
                "to the customer's details first."),
    "letter": N_("The customer has no postal address: choose another way to contact them, or add the address "
                 "to the customer's details first."),
}
SCOPES = ("mine", "department", "all")
# What the mailer sends: a follow-up, and the resolution when the clerk chose to tell the customer.
MAILED = ("contacted", "closed")


class FormInvalid(Invalid):
    """A form with mistakes: ``fields`` holds every one, by field, for the form to show at once."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(next(iter(fields.values())))
        self.fields = fields


def today(site: Site, now: datetime) -> date:
    return queue.local_day(site, now)


def is_overdue(request: ServiceRequest, site: Site, now: datetime) -> bool:
    """Still open and its due day is over in the site's own calendar."""
    return request.status != "closed" and request.due_on < today(site, now)


def contact_detail(customer: Customer, channel: str) -> str:
    return getattr(customer, CHANNEL_DETAIL[channel], "") if channel in CHANNEL_DETAIL else ""


# --- reading --------------------------------------------------------------------------------------


def _request(session: Session, request_id: int, lock: bool = False) -> ServiceRequest:
    query = select(ServiceRequest).where(ServiceRequest.id == request_id)
    request = session.exec(query.with_for_update() if lock else query).first()
    if request is None:
        raise NotFound(N_("There is no such service request."))
    return request


def history(session: Session, request_id: int) -> list[ServiceRequestAction]:
    return list(session.exec(select(ServiceRequestAction).where(ServiceRequestAction.request_id == request_id)
                             .order_by(ServiceRequestAction.at, ServiceRequestAction.id)))


@dataclass
class RequestView:
    request: ServiceRequest
    site: Site
    customer: Customer
    actions: list[ServiceRequestAction]
    department: Department | None
    service: Service | None
    ticket: Ticket | None
    names: dict[int, str]  # staff user id -> name, of the assignee and of everyone in the history
    overdue: bool


def view(session: Session, request_id: int, staff_user_id: int, now: datetime | None = None) -> RequestView:
    """The request with its customer and history, for staff to see: written to the audit log."""
    now = now or utcnow()
    request = _request(session, request_id)
    site = session.get(Site, request.site_id)
    actions = history(session, request.id)
    audit.record(session, staff_user_id, "request.view", customer_id=request.customer_id,
                 target=f"request:{request.id}", at=now)
    return RequestView(
        request=request, site=site, customer=session.get(Customer, request.customer_id), actions=actions,
        department=session.get(Department, request.department_id) if request.department_id else None,
        service=session.get(Service, request.service_id) if request.service_id else None,
        ticket=session.get(Ticket, request.ticket_id) if request.ticket_id else None,
        names=queue.staff_names(session, [request.assignee_id, request.created_by,
                                          *(a.staff_user_id for a in actions)]),
        overdue=is_overdue(request, site, now),
    )


def action_of(session: Session, request_id: int, action_id: int, staff_user_id: int,
              now: datetime | None = None) -> RequestView:
    """The request of one action (a letter to print), checked to belong together; audited as a view."""
    found = session.get(ServiceRequestAction, action_id)
    if found is None or found.request_id != request_id:
        raise NotFound(N_("There is no such letter."))
    return view(session, request_id, staff_user_id, now)


@dataclass
class WorkItem:
    request: ServiceRequest
    department: Department | None
    assignee: str | None
    overdue: bool


def work_list(session: Session, staff_user_id: int, *, scope: str = "mine", status: str | None = None,
              overdue_only: bool = False, now: datetime | None = None) -> list[WorkItem]:
    """An expert's service requests, the earliest due first.

    ``scope``: "mine" (assigned to them, and their department's that no one has taken), "department"
    (all of their department's), "all". ``status``: one of REQUEST_STATES; none: every open one.
    No customer data is listed, so reading the list is not audited; opening a request is.
    """
    now = now or utcnow()
    if scope not in SCOPES:
        raise Invalid(N_("Choose whose requests to show."))
    if status is not None and status not in REQUEST_STATES:
        raise Invalid(N_("Choose a status."))
    user = session.get(StaffUser, staff_user_id)
    query = select(ServiceRequest)
    if scope == "mine":
        mine = ServiceRequest.assignee_id == staff_user_id
        if user.department_id is not None:
            mine = sa.or_(mine, sa.and_(ServiceRequest.assignee_id.is_(None),
                                        ServiceRequest.department_id == user.department_id))
        query = query.where(mine)
    elif scope == "department":
        # No department: none of "my department's" (not the requests that have no department).
        query = query.where(ServiceRequest.department_id == user.department_id if user.department_id else sa.false())
    query = query.where(ServiceRequest.status == status if status else ServiceRequest.status != "closed")
    rows = list(session.exec(query.order_by(ServiceRequest.due_on, ServiceRequest.id)))
    sites = {s.id: s for s in session.exec(select(Site))}
    if overdue_only:
        rows = [r for r in rows if is_overdue(r, sites[r.site_id], now)]
    departments = {d.id: d for d in session.exec(select(Department))}
    names = queue.staff_names(session, [r.assignee_id for r in rows])
    return [WorkItem(r, departments.get(r.department_id), names.get(r.assignee_id),
                     is_overdue(r, sites[r.site_id], now)) for r in rows]


def departments(session: Session, active_only: bool = True) -> list[Department]:
    query = select(Department).order_by(Department.code)
    return list(session.exec(query.where(Department.active) if active_only else query))


def experts(session: Session) -> list[StaffUser]:
    """Who a request can be routed to by name: active staff who take service requests."""
    return list(session.exec(select(StaffUser).where(StaffUser.active, StaffUser.role.in_(("expert", "manager",
                                                                                             "admin")))
                             .order_by(StaffUser.display_name)))


# --- changes --------------------------------------------------------------------------------------


def _record(session: Session, request: ServiceRequest, kind: str, staff_user_id: int, now: datetime, *,
            text: str = "", channel: str | None = None) -> ServiceRequestAction:
    """The one way a request changes: the history row, the customer's last contact, a staff event."""
    action = ServiceRequestAction(request_id=request.id, at=now, staff_user_id=staff_user_id, kind=kind,
                                  text=text, channel=channel)
    session.add(action)
    request.updated_at = now
    session.add(request)
    session.flush()
    customers.touch(session, request.customer_id, now)
    record_event(session, session.get(Site, request.site_id), f"request.{kind}", staff_user_id=staff_user_id,
                 at=now, audience="staff", request=request.id, action=action.id)
    return action


def _text(values: dict, name: str) -> str:
    return str(values.get(name) or "").strip()


def _due_on(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(N_("Write the day as YYYY-MM-DD, e.g. 2027-03-22.")) from None


def _department(session: Session, code: str) -> Department | None:
    return session.exec(select(Department).where(Department.code == code, Department.active)).first()


def _expert(session: Session, text: str) -> StaffUser | None:
    user = session.get(StaffUser, int(text)) if text.isdigit() and len(text) < 10 else None
    return user if user is not None and user.active else None


def create(session: Session, customer_id: int, values: dict, staff_user_id: int, *,
           due_days: int = DEFAULT_DUE_DAYS, now: datetime | None = None) -> ServiceRequest:
    """A new request for the customer. ``values`` as a form sends them (text): ``ticket`` (the visit's
    public id), ``site`` (slug; the visit's site if there is a visit), ``service`` (code), ``department``
    (code), ``expert`` (staff user id), ``subject``, ``description``, ``due_on`` (YYYY-MM-DD; empty:
    ``due_days`` from today in the site's calendar), ``channel`` (empty: the customer's preferred one).
    Every mistake is in the ``FormInvalid`` raised."""
    now = now or utcnow()
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(N_("There is no such customer."))
    if customer.anonymized_at is not None:
        raise Invalid(N_("This customer's data has been erased; create a new customer instead."))
    found: dict[str, str] = {}
    ticket = None
    if _text(values, "ticket"):
        ticket = session.exec(select(Ticket).where(Ticket.public_id == _text(values, "ticket"))).first()
        if ticket is None:
            raise NotFound(N_("There is no such ticket."))
        if ticket.customer_id not in (None, customer.id):
            raise Invalid(N_("This visit is linked to another customer."))
        site = session.get(Site, ticket.site_id)
    elif _text(values, "site"):
        site = queue.get_site(session, _text(values, "site"))
    else:
        raise Invalid(N_("Choose a service point."))

    subject, description = _text(values, "subject"), _text(values, "description")
    if not subject:
        found["subject"] = N_("Write what the matter is about.")
    elif len(subject) > 200:
        found["subject"] = N_("The subject is at most 200 characters.")
    if len(description) > 2000:
        found["description"] = N_("The description is at most 2000 characters.")
    service = None
    if _text(values, "service"):
        service = session.exec(select(Service).where(Service.site_id == site.id,
                                                     Service.code == _text(values, "service"))).first()
        if service is None:
            found["service"] = N_("Choose a service from the list.")
    department = _department(session, _text(values, "department")) if _text(values, "department") else None
    if _text(values, "department") and department is None:
        found["department"] = N_("Choose a department from the list.")
    expert = _expert(session, _text(values, "expert")) if _text(values, "expert") else None
    if _text(values, "expert") and expert is None:
        found["expert"] = N_("Choose an expert from the list.")
    if not _text(values, "department") and not _text(values, "expert"):
        found["department"] = N_("Route the request: choose a department, a named expert, or both.")
    due_on = today(site, now) + timedelta(days=due_days)
    if _text(values, "due_on"):
        try:
            due_on = _due_on(_text(values, "due_on"))
        except Invalid as exc:
            found["due_on"] = exc.message
        else:
            if due_on < today(site, now):
                found["due_on"] = N_("The due date cannot be in the past.")
    channel = _text(values, "channel") or customer.preferred_channel
    if channel not in CONTACT_CHANNELS:
        found["channel"] = N_("Choose how the customer is contacted back.")
    elif not contact_detail(customer, channel):
        found["channel"] = CHANNEL_MISSING[channel]
    if found:
        raise FormInvalid(found)

    request = ServiceRequest(
        site_id=site.id, customer_id=customer.id, ticket_id=ticket.id if ticket else None,
        service_id=service.id if service else (ticket.service_id if ticket else None),
        department_id=department.id if department else expert.department_id if expert else None,
        assignee_id=expert.id if expert else None, subject=subject, description=description, status="open",
        due_on=due_on, channel=channel, created_at=now, created_by=staff_user_id, updated_at=now,
    )
    session.add(request)
    session.flush()
    _record(session, request, "created", staff_user_id, now)
    audit.record(session, staff_user_id, "request.create", customer_id=customer.id, target=f"request:{request.id}",
                 at=now)
    return request


def _open(session: Session, request_id: int) -> ServiceRequest:
    request = _request(session, request_id, lock=True)
    if request.status == "closed":
        raise Conflict(N_("The request is closed; reopen it first."))
    return request


def assign(session: Session, request_id: int, staff_user_id: int, *, department: str | None = None,
           expert_id: int | None = None, now: datetime | None = None) -> ServiceRequest:
    """Routes the request anew: to a department (code), a named expert, or both; what is not given is
    cleared, and at least one is needed."""
    now = now or utcnow()
    request = _open(session, request_id)
    dept = _department(session, department) if department else None
    if department and dept is None:
        raise Invalid(N_("Choose a department from the list."))
    expert = _expert(session, str(expert_id)) if expert_id is not None else None
    if expert_id is not None and expert is None:
        raise Invalid(N_("Choose an expert from the list."))
    if dept is None and expert is None:
        raise Invalid(N_("Route the request: choose a department, a named expert, or both."))
    request.department_id = dept.id if dept else expert.department_id
    request.assignee_id = expert.id if expert else None
    names = [n for n in (dept.code if dept else "", expert.display_name if expert else "") if n]
    _record(session, request, "assigned", staff_user_id, now, text=" / ".join(names))
    return request


def take(session: Session, request_id: int, staff_user_id: int, now: datetime | None = None) -> ServiceRequest:
    """An expert takes an unassigned request for themselves. Of two taking it at once, one gets it: the
    update only happens while no one has it."""
    now = now or utcnow()
    request = _open(session, request_id)
    taken = session.execute(
        sa.update(ServiceRequest).where(ServiceRequest.id == request.id, ServiceRequest.assignee_id.is_(None))
        .values(assignee_id=staff_user_id).execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise Conflict(N_("Someone else has already taken this request."))
    session.refresh(request)
    if request.status == "open":
        request.status = "in_progress"
    _record(session, request, "assigned", staff_user_id, now,
            text=queue.staff_names(session, [staff_user_id]).get(staff_user_id, ""))
    return request


def add_note(session: Session, request_id: int, staff_user_id: int, text: str,
             now: datetime | None = None) -> ServiceRequestAction:
    now = now or utcnow()
    text = text.strip()
    if not text:
        raise Invalid(N_("Write the note."))
    if len(text) > 2000:
        raise Invalid(N_("A note is at most 2000 characters."))
    request = _request(session, request_id, lock=True)
    return _record(session, request, "note", staff_user_id, now, text=text)


def set_status(session: Session, request_id: int, staff_user_id: int, status: str,
               now: datetime | None = None) -> ServiceRequest:
    """Open, in progress or waiting for the customer; closing is ``close``, with the resolution."""
    now = now or utcnow()
    if status not in REQUEST_STATES or status == "closed":
        raise Invalid(N_("Choose a status: open, in progress or waiting for the customer."))
    request = _open(session, request_id)
    if request.status != status:
        request.status = status
        _record(session, request, "status", staff_user_id, now, text=status)
    return request


def contact(session: Session, request_id: int, staff_user_id: int, text: str,
            now: datetime | None = None) -> ServiceRequestAction:
    """A follow-up to the customer through the request's channel: by email it is mailed (in the
    customer's language), by phone it records the call made and its summary, by letter it is a letter
    to print."""
    now = now or utcnow()
    text = text.strip()
    if not text:
        raise Invalid(N_("Write the message, or the summary of the call."))
    if len(text) > 2000:
        raise Invalid(N_("The message is at most 2000 characters."))
    request = _open(session, request_id)
    customer = session.get(Customer, request.customer_id)
    if not contact_detail(customer, request.channel):
        raise Invalid(CHANNEL_MISSING[request.channel])
    return _record(session, request, "contacted", staff_user_id, now, text=text, channel=request.channel)


def close(session: Session, request_id: int, staff_user_id: int, resolution: str, *, tell_customer: bool = False,
          now: datetime | None = None) -> ServiceRequestAction:
    """Closes the request with its resolution; with ``tell_customer`` the resolution goes to the
    customer through the request's channel, as a follow-up does."""
    now = now or utcnow()
    resolution = resolution.strip()
    if not resolution:
        raise Invalid(N_("Write how the matter was resolved."))
    if len(resolution) > 2000:
        raise Invalid(N_("The resolution is at most 2000 characters."))
    request = _open(session, request_id)
    if tell_customer and not contact_detail(session.get(Customer, request.customer_id), request.channel):
        raise Invalid(CHANNEL_MISSING[request.channel])
    request.status, request.closed_at = "closed", now
    return _record(session, request, "closed", staff_user_id, now, text=resolution,
                   channel=request.channel if tell_customer else None)


def reopen(session: Session, request_id: int, staff_user_id: int, reason: str = "",
           now: datetime | None = None) -> ServiceRequest:
    now = now or utcnow()
    request = _request(session, request_id, lock=True)
    if request.status != "closed":
        raise Conflict(N_("The request is not closed."))
    customer = session.get(Customer, request.customer_id)
    if customer.anonymized_at is not None:
        raise Conflict(N_("This customer's data has been erased; create a new customer instead."))
    request.status, request.closed_at = "open", None
    _record(session, request, "reopened", staff_user_id, now, text=reason.strip()[:2000])
    return request


# --- departments ----------------------------------------------------------------------------------


def save_department(session: Session, code: str, *, fi: str | None = None, sv: str | None = None,
                    en: str | None = None, active: bool | None = None) -> Department:
    """Adds a department or renames one (only the names given change)."""
    code = code.strip()
    if not code or len(code) > 40:
        raise Invalid(N_("A department's code is 1–40 characters."))
    department = session.exec(select(Department).where(Department.code == code)).first()
    if department is None:
        if not fi:
            raise Invalid(N_("A new department needs at least its Finnish name."))
        department = Department(code=code, name_fi=fi, name_sv=sv or fi, name_en=en or fi)
    else:
        department.name_fi = fi or department.name_fi
        department.name_sv = sv or department.name_sv
        department.name_en = en or department.name_en
    if active is not None:
        department.active = active
    session.add(department)
    session.flush()
    return department


def department_by_code(session: Session, code: str) -> Department:
    department = session.exec(select(Department).where(Department.code == code)).first()
    if department is None:
        raise NotFound(N_("There is no such department."))
    return department
