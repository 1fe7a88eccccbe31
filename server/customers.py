"""The customer registry: people and organisations, the visits linked to them, and their data's
life: export on request, erasure on request, anonymization after the retention period.

Most visits stay anonymous. A clerk links a visit to a customer found by name, phone, email or
business ID, or to a new one. Every time staff see a customer's data, a row goes to the audit log
(server/audit.py). Anonymizing keeps the row, its segment and its links, so the statistics of its
visits stay; what could tell who the person was goes.
"""

import json
import logging
import re
import unicodedata
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from server import audit, booking, feedback
from server.errors import Invalid, N_, NotFound
from server.events import record_event
from server.models import (
    CONTACT_CHANNELS, CUSTOMER_KINDS, NEEDS, SEGMENTS, Appointment, Counter, Customer, Event, Service,
    NO_TEXT, ServicePeriod, ServiceRequest, ServiceRequestAction, Site, Ticket, utcnow,
)

log = logging.getLogger("luukku.customers")

FIELDS = ("kind", "segment", "needs", "name", "business_id", "phone", "email", "address",
          "preferred_channel", "lang")
PERSONAL = {"needs": "", "name": "", "name_key": "", "business_id": "", "phone": "", "email": "", "address": ""}
BUSINESS_ID = re.compile(r"(\d{7})-(\d)")


def fold(text: str) -> str:
    """What a name is searched by: case folded, spaces collapsed ("MÄKI  anna" → "mäki anna")."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def business_id_valid(text: str) -> bool:
    """A Finnish business ID (Y-tunnus) 1234567-8, its check digit included."""
    match = BUSINESS_ID.fullmatch(text)
    if not match:
        return False
    remainder = sum(int(d) * w for d, w in zip(match[1], (7, 9, 10, 5, 8, 4, 2))) % 11
    return remainder != 1 and int(match[2]) == (0 if remainder == 0 else 11 - remainder)


def errors(values: dict) -> dict[str, str]:
    """Every mistake in a customer form, by field; empty when all is well."""
    v = {name: str(values.get(name) or "").strip() for name in FIELDS}
    found = {}
    if v["kind"] not in CUSTOMER_KINDS:
        found["kind"] = N_("Choose whether the customer is a person or an organisation.")
    if v["segment"] not in SEGMENTS:
        found["segment"] = N_("Choose the customer group.")
    if any(need not in NEEDS for need in _needs(v["needs"])):
        found["needs"] = N_("Unknown needs group.")
    if not v["name"]:
        found["name"] = N_("Write the customer's name.")
    elif len(v["name"]) > 200:
        found["name"] = N_("The name is at most 200 characters.")
    if v["business_id"] and not business_id_valid(v["business_id"]):
        found["business_id"] = N_("The business ID does not look right: write it as 1234567-8.")
    contact = booking.contact_errors(v["name"] or "-", v["phone"], v["email"], "")
    for field in ("phone", "email"):
        if field in contact:
            found[field] = contact[field]
    if len(v["address"]) > 300:
        found["address"] = N_("The address is at most 300 characters.")
    channel = v["preferred_channel"]
    if channel not in CONTACT_CHANNELS:
        found["preferred_channel"] = N_("Choose how the customer wants to be contacted.")
    elif not v[{"phone": "phone", "email": "email", "letter": "address"}[channel]]:
        found["preferred_channel"] = {
            "phone": N_("Give a phone number: the customer wants to be called."),
            "email": N_("Give an email address: the customer wants to be contacted by email."),
            "letter": N_("Give a postal address: the customer wants a letter."),
        }[channel]
    if v["lang"] not in ("fi", "sv", "en"):
        found["lang"] = N_("Choose the customer's language.")
    return found


def _needs(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _clean(values: dict) -> dict:
    found = errors(values)
    if found:
        raise Invalid(next(iter(found.values())))
    v = {name: str(values.get(name) or "").strip() for name in FIELDS}
    v["needs"] = ",".join(n for n in NEEDS if n in _needs(v["needs"]))
    v["phone"] = booking.normal_phone(v["phone"]) if v["phone"] else ""
    v["email"] = v["email"].lower()
    v["name_key"] = fold(v["name"])
    return v


def create(session: Session, values: dict, staff_user_id: int, now: datetime | None = None) -> Customer:
    now = now or utcnow()
    customer = Customer(**_clean(values), created_at=now, created_by=staff_user_id, updated_at=now,
                        last_contact_at=now)
    session.add(customer)
    session.flush()
    audit.record(session, staff_user_id, "customer.create", customer_id=customer.id, at=now)
    return customer


def _customer(session: Session, customer_id: int, lock: bool = False) -> Customer:
    query = select(Customer).where(Customer.id == customer_id)
    customer = session.exec(query.with_for_update() if lock else query).first()
    if customer is None:
        raise NotFound(N_("There is no such customer."))
    return customer


def update(session: Session, customer_id: int, values: dict, staff_user_id: int,
           now: datetime | None = None) -> Customer:
    customer = _customer(session, customer_id, lock=True)
    if customer.anonymized_at is not None:
        raise Invalid(N_("This customer's data has been erased; create a new customer instead."))
    now = now or utcnow()
    cleaned = _clean(values)
    changed = sorted(k for k, value in cleaned.items() if getattr(customer, k) != value and k != "name_key")
    for key, value in cleaned.items():
        setattr(customer, key, value)
    customer.updated_at = now
    session.add(customer)
    audit.record(session, staff_user_id, "customer.update", customer_id=customer.id, detail=",".join(changed), at=now)
    return customer


def view(session: Session, customer_id: int, staff_user_id: int, now: datetime | None = None) -> Customer:
    """The customer, for staff to see: written to the audit log."""
    customer = _customer(session, customer_id)
    audit.record(session, staff_user_id, "customer.view", customer_id=customer.id, at=now)
    return customer


def touch(session: Session, customer_id: int, at: datetime) -> None:
    """A visit or a service request: the retention period counts from the last contact."""
    session.execute(sa.update(Customer).where(Customer.id == customer_id, Customer.last_contact_at < at)
                    .values(last_contact_at=at).execution_options(synchronize_session=False))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(session: Session, text: str, staff_user_id: int, limit: int = 20) -> list[Customer]:
    """Customers whose name contains ``text``, or whose phone, email or business ID it is; each one
    shown is written to the audit log."""
    text = text.strip()
    if len(text) < 2:
        raise Invalid(N_("Write at least two letters or digits to search."))
    matches = [Customer.name_key.like(_like(fold(text)), escape="\\")]
    if "@" in text:
        matches.append(Customer.email == text.lower())
    if BUSINESS_ID.fullmatch(text):
        matches.append(Customer.business_id == text)
    if re.fullmatch(r"\+?[\d\s()-]{6,25}", text):
        matches.append(Customer.phone == booking.normal_phone(text))
    found = list(session.exec(
        select(Customer).where(Customer.anonymized_at.is_(None), sa.or_(*matches))
        .order_by(Customer.name_key, Customer.id).limit(limit)
    ))
    audit.record_views(session, staff_user_id, "customer.search", [c.id for c in found])
    return found


def _ticket(session: Session, public_id: str) -> Ticket:
    ticket = session.exec(select(Ticket).where(Ticket.public_id == public_id).with_for_update()).first()
    if ticket is None:
        raise NotFound(N_("There is no such ticket."))
    return ticket


def link_visit(session: Session, public_id: str, customer_id: int | None, staff_user_id: int,
               now: datetime | None = None) -> Ticket:
    """Links the visit to the customer (``None``: makes it anonymous again). The event says so to
    staff screens without saying who."""
    now = now or utcnow()
    ticket = _ticket(session, public_id)
    if customer_id is not None:
        customer = _customer(session, customer_id)
        if customer.anonymized_at is not None:
            raise Invalid(N_("This customer's data has been erased; create a new customer instead."))
        touch(session, customer.id, ticket.issued_at)
    previous = ticket.customer_id
    ticket.customer_id = customer_id
    session.add(ticket)
    site = session.get(Site, ticket.site_id)
    record_event(session, site, "ticket.customer_linked" if customer_id else "ticket.customer_unlinked", at=now,
                 ticket=ticket, service=session.get(Service, ticket.service_id), staff_user_id=staff_user_id,
                 audience="staff", private={"customer_id": customer_id, "previous": previous})
    audit.record(session, staff_user_id, "visit.link" if customer_id else "visit.unlink",
                 customer_id=customer_id or previous, target=f"ticket:{ticket.id}", at=now)
    return ticket


def visits_of(session: Session, customer_id: int, limit: int = 100) -> list[tuple[Ticket, Service, Site]]:
    """The customer's visits, newest first."""
    return [tuple(row) for row in session.execute(
        sa.select(Ticket, Service, Site).join(Service, Service.id == Ticket.service_id)
        .join(Site, Site.id == Ticket.site_id)
        .where(Ticket.customer_id == customer_id).order_by(Ticket.issued_at.desc()).limit(limit)
    )]


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _appointments_of(session: Session, customer: Customer) -> list[Appointment]:
    """Bookings are not linked to customers; they are theirs by the same phone or email."""
    matches = [getattr(Appointment, f) == getattr(customer, f) for f in ("phone", "email") if getattr(customer, f)]
    if not matches:
        return []
    return list(session.exec(select(Appointment).where(sa.or_(*matches)).order_by(Appointment.starts_at)))


def export(session: Session, customer_id: int, staff_user_id: int, now: datetime | None = None) -> dict:
    """Everything the registry holds on the customer, as JSON-ready data (a subject access request)."""
    now = now or utcnow()
    customer = _customer(session, customer_id)
    services = {s.id: s for s in session.exec(select(Service))}
    counters = {c.id: c.number for c in session.exec(select(Counter))}
    visits = []
    for ticket, service, site in visits_of(session, customer.id, limit=100_000):
        periods = session.exec(select(ServicePeriod).where(ServicePeriod.ticket_id == ticket.id)
                               .order_by(ServicePeriod.period))
        visits.append({
            "site": site.name, "number": ticket.number, "arrived_at": _iso(ticket.issued_at),
            "finished_at": _iso(ticket.finished_at), "status": ticket.status, "outcome": ticket.outcome,
            "note": ticket.note,
            "notes": [json.loads(e.private).get("note") for e in session.exec(
                select(Event).where(Event.ticket_id == ticket.id, Event.private.is_not(None)).order_by(Event.seq))
                if json.loads(e.private).get("note")],
            "periods": [{"service": services[p.service_id].name_en, "counter": counters.get(p.counter_id),
                         "called_at": _iso(p.called_at), "ended_at": _iso(p.ended_at), "wait_s": p.wait_s,
                         "service_s": p.service_s} for p in periods],
        })
    requests = []
    for request in session.exec(select(ServiceRequest).where(ServiceRequest.customer_id == customer.id)
                                .order_by(ServiceRequest.id)):
        actions = session.exec(select(ServiceRequestAction).where(ServiceRequestAction.request_id == request.id)
                               .order_by(ServiceRequestAction.id))
        requests.append({
            "subject": request.subject, "description": request.description, "status": request.status,
            "due_on": request.due_on.isoformat(), "created_at": _iso(request.created_at),
            "closed_at": _iso(request.closed_at), "contact_channel": request.channel,
            "actions": [{"at": _iso(a.at), "kind": a.kind, "text": a.text, "channel": a.channel} for a in actions],
        })
    appointments = [{
        "service": services[a.service_id].name_en, "starts_at": _iso(a.starts_at), "status": a.status,
        "name": a.name, "phone": a.phone, "email": a.email, "message": a.message,
    } for a in _appointments_of(session, customer)]
    audit.record(session, staff_user_id, "customer.export", customer_id=customer.id, at=now)
    return {
        "exported_at": now.isoformat(),
        "customer": {"id": customer.id, **{f: getattr(customer, f) for f in FIELDS},
                     "created_at": _iso(customer.created_at), "updated_at": _iso(customer.updated_at),
                     "anonymized_at": _iso(customer.anonymized_at)},
        "visits": visits,
        "service_requests": requests,
        "appointments": appointments,
    }


def _forget_visits(session: Session, ticket_filter) -> int:
    """Clears the clerks' notes of the visits: on the ticket, and in its events' staff-only part."""
    # From the events that still have a private part (an index of their own): not every old ticket.
    of_visits = sa.exists().where(Ticket.id == Event.ticket_id, ticket_filter)
    session.execute(sa.update(Event).where(Event.private.is_not(None), of_visits)
                    .values(private=None).execution_options(synchronize_session=False))
    done = session.execute(sa.update(Ticket).where(ticket_filter, Ticket.note.is_not(None))
                           .values(note=None).execution_options(synchronize_session=False))
    return done.rowcount


def _forget_requests(session: Session, request_filter) -> int:
    of_requests = sa.exists().where(ServiceRequest.id == ServiceRequestAction.request_id, request_filter)
    session.execute(sa.update(ServiceRequestAction)
                    .where(ServiceRequestAction.text != NO_TEXT, of_requests)
                    .values(text="").execution_options(synchronize_session=False))
    done = session.execute(sa.update(ServiceRequest)
                           .where(request_filter, sa.or_(ServiceRequest.subject != NO_TEXT,
                                                         ServiceRequest.description != NO_TEXT))
                           .values(subject="", description="").execution_options(synchronize_session=False))
    return done.rowcount


def _anonymize(session: Session, customer_filter, now: datetime) -> int:
    done = session.execute(sa.update(Customer).where(customer_filter, Customer.anonymized_at.is_(None))
                           .values(**PERSONAL, anonymized_at=now, updated_at=now)
                           .execution_options(synchronize_session=False))
    return done.rowcount


def erase(session: Session, customer_id: int, staff_user_id: int, now: datetime | None = None) -> dict:
    """Erases the customer's personal data on their request: the registry entry, the clerks' notes of
    their visits, the texts of their service requests (open ones are closed), and the bookings made
    with their phone or email. What happened, and when, stays for the statistics."""
    now = now or utcnow()
    customer = _customer(session, customer_id, lock=True)
    appointments = [a.id for a in _appointments_of(session, customer)]
    if appointments:
        session.execute(sa.update(Appointment).where(Appointment.id.in_(appointments))
                        .values(name="", phone="", email="", message="", requester="")
                        .execution_options(synchronize_session=False))
    open_requests = list(session.exec(select(ServiceRequest).where(
        ServiceRequest.customer_id == customer.id, ServiceRequest.status != "closed")))
    for request in open_requests:
        request.status, request.closed_at, request.updated_at = "closed", now, now
        session.add(request)
        session.add(ServiceRequestAction(request_id=request.id, at=now, staff_user_id=staff_user_id, kind="closed"))
    session.flush()
    counts = {
        "visit_notes": _forget_visits(session, Ticket.customer_id == customer.id),
        "feedback_comments": feedback.forget_comments(session, feedback.of_customer(customer.id)),
        "requests": _forget_requests(session, ServiceRequest.customer_id == customer.id),
        "appointments": len(appointments),
        "closed_requests": len(open_requests),
    }
    _anonymize(session, Customer.id == customer.id, now)
    detail = " ".join(f"{k}={v}" for k, v in counts.items())
    audit.record(session, staff_user_id, "customer.erase", customer_id=customer.id, detail=detail, at=now)
    return counts


def apply_retention(session: Session, retention_days: int, now: datetime | None = None) -> dict:
    """The retention job: personal data older than ``retention_days`` goes, statistics stay.

    - customers with no visit or service request for that long are anonymized (not while a service
      request of theirs is open);
    - clerks' notes of visits that long ago are cleared;
    - service requests closed that long ago lose their subject, description and action texts.
    What it did is written to the audit log and the server log.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    open_request = sa.exists().where(ServiceRequest.customer_id == Customer.id, ServiceRequest.status != "closed")
    counts = {
        "customers": _anonymize(session, sa.and_(Customer.last_contact_at < cutoff, ~open_request), now),
        "visit_notes": _forget_visits(session, Ticket.issued_at < cutoff),
        "feedback_comments": feedback.forget_comments(session, feedback.older_than(cutoff)),
        "requests": _forget_requests(session, sa.and_(ServiceRequest.status == "closed",
                                                      ServiceRequest.closed_at < cutoff)),
    }
    if any(counts.values()):
        detail = " ".join(f"{k}={v}" for k, v in counts.items())
        audit.record(session, None, "retention.anonymize", detail=f"{detail} older_than={cutoff.isoformat()}", at=now)
        log.info("retention: %s", detail)
    return counts
