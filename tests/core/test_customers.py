"""The customer registry and its data's life, on SQLite and PostgreSQL: search, linking visits,
export, erasure on request, anonymization after the retention period, and the audit log."""

import json
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel, select

from server import audit, booking, counters, customers, queue
from server.errors import Invalid, NotFound
from server.models import (
    Appointment, AuditLog, Customer, Event, ServicePeriod, ServiceRequest, ServiceRequestAction, StaffUser, Ticket,
)

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
PERSON = {"kind": "person", "segment": "resident", "needs": "interpreter", "name": "Äijälä Matti",
          "phone": "040 123 4567", "email": "Matti.Aijala@Example.fi", "address": "Kirkkokatu 1, 90100 Oulu",
          "preferred_channel": "email", "lang": "fi"}


def staff(db, *roles) -> list[int]:
    with db.write() as session:
        users = [StaffUser(username=f"s{i}", display_name=f"S {i}", role=r, password_hash="-")
                 for i, r in enumerate(roles)]
        session.add_all(users)
        session.flush()
        return [u.id for u in users]


def write(db, fn, *args, **kw):
    with db.write() as session:
        return fn(session, *args, **kw)


def served_visit(db, clerk: int, note: str | None = None, at: datetime = T0) -> Ticket:
    """A visit from the kiosk to the finish at counter 1; the clerk's note goes with a put-aside."""
    with db.write() as session:
        desk = queue.site_counters(session, queue.get_site(session, "demo"))[0]
        if desk.staff_user_id != clerk:
            counters.open_counter(session, desk.id, clerk, ["advice"], now=at)
        ticket = queue.issue_ticket(session, "demo", "advice", "fi", now=at).ticket
        counters.call_next(session, desk.id, clerk, now=at + timedelta(minutes=5))
        counters.start_serving(session, ticket.public_id, clerk, now=at + timedelta(minutes=6))
        if note:
            counters.park(session, ticket.public_id, clerk, note=note, now=at + timedelta(minutes=7))
            counters.call_ticket(session, desk.id, clerk, ticket.public_id, now=at + timedelta(minutes=8))
            counters.start_serving(session, ticket.public_id, clerk, now=at + timedelta(minutes=8))
        counters.finish(session, ticket.public_id, clerk, outcome="service_request", now=at + timedelta(minutes=12))
        return ticket


def test_the_form_names_every_mistake(db):
    found = customers.errors({"kind": "robot", "segment": "", "needs": "wings", "name": "", "business_id": "1234567-2",
                              "phone": "12", "email": "no-at", "preferred_channel": "letter", "lang": "de"})
    assert set(found) == {"kind", "segment", "needs", "name", "business_id", "phone", "email",
                          "preferred_channel", "lang"}
    assert found["preferred_channel"] == "Give a postal address: the customer wants a letter."
    assert customers.errors(PERSON) == {}
    assert customers.business_id_valid("0112038-9") and not customers.business_id_valid("0112038-8")
    [clerk] = staff(db, "clerk")
    with pytest.raises(Invalid, match="name"), db.write() as session:
        customers.create(session, {**PERSON, "name": " "}, clerk)


def test_search_by_name_phone_email_and_business_id_is_audited(db):
    [clerk] = staff(db, "clerk")
    matti = write(db, customers.create, PERSON, clerk)
    firm = write(db, customers.create, {"kind": "organisation", "segment": "business", "name": "Rakennus Oy",
                                        "business_id": "0112038-9", "phone": "+358 9 310 1691",
                                        "preferred_channel": "phone", "lang": "sv"}, clerk)
    for text, expected in [("äijälä", [matti.id]), ("ÄIJÄLÄ MATTI", [matti.id]), ("0401234567", [matti.id]),
                           ("+358 40 123 4567", [matti.id]), ("(040) 123-4567", [matti.id]),
                           ("matti.aijala@example.fi", [matti.id]), ("0112038-9", [firm.id]), ("oy", [firm.id]),
                           ("100%", []), ("a_", [])]:
        with db.write() as session:
            assert [c.id for c in customers.search(session, text, clerk)] == expected, text
    with pytest.raises(Invalid), db.write() as session:
        customers.search(session, "a", clerk)
    with db.read() as session:
        seen = session.exec(select(AuditLog).where(AuditLog.action == "customer.search",
                                                   AuditLog.customer_id == matti.id)).all()
    assert len(seen) == 6 and all(row.staff_user_id == clerk for row in seen)


def test_linking_a_visit_tells_staff_screens_but_publishes_no_one(db):
    [clerk] = staff(db, "clerk")
    matti = write(db, customers.create, PERSON, clerk, now=T0 - timedelta(days=400))
    ticket = served_visit(db, clerk)
    write(db, customers.link_visit, ticket.public_id, matti.id, clerk, now=T0 + timedelta(minutes=13))
    with db.read() as session:
        assert session.get(Ticket, ticket.id).customer_id == matti.id
        assert session.get(Customer, matti.id).last_contact_at == T0  # the visit's arrival
        event = session.exec(select(Event).where(Event.type == "ticket.customer_linked")).one()
        audit_row = session.exec(select(AuditLog).where(AuditLog.action == "visit.link")).one()
    data = json.loads(event.data)
    assert data["audience"] == "staff" and not any("customer" in key for key in data)
    assert "Äijälä" not in event.data and json.loads(event.private)["customer_id"] == matti.id
    assert (audit_row.customer_id, audit_row.target) == (matti.id, f"ticket:{ticket.id}")
    with pytest.raises(NotFound), db.write() as session:
        customers.link_visit(session, ticket.public_id, 999_999, clerk)


def test_export_holds_everything_the_registry_has_on_the_customer(db):
    [clerk] = staff(db, "clerk")
    matti = write(db, customers.create, PERSON, clerk)
    ticket = served_visit(db, clerk, note="Tuo rakennuslupahakemuksen liitteet")
    write(db, customers.link_visit, ticket.public_id, matti.id, clerk)
    with db.write() as session:
        request = ServiceRequest(site_id=ticket.site_id, customer_id=matti.id, ticket_id=ticket.id,
                                 subject="Laituri", description="Soita lupa-asiasta", due_on=date(2026, 12, 8),
                                 created_at=T0, updated_at=T0)
        session.add(request)
        session.flush()
        session.add(ServiceRequestAction(request_id=request.id, at=T0, kind="created", text="Avattu"))
        slot = booking.day_slots(session, queue.get_site(session, "demo"),
                                 queue.get_service(session, queue.get_site(session, "demo"), "advice"),
                                 date(2026, 12, 1), now=T0)[0]
    held = write(db, booking.hold, "demo", "advice", slot.starts_at, now=T0)
    write(db, booking.confirm, held.public_id, name="Matti Ä.", phone="0401234567", consent=True, now=T0)
    data = write(db, customers.export, matti.id, clerk)
    json.dumps(data)  # it is JSON
    assert data["customer"]["name"] == "Äijälä Matti" and data["customer"]["phone"] == "+358401234567"
    [visit] = data["visits"]
    assert visit["notes"] == ["Tuo rakennuslupahakemuksen liitteet"] and visit["outcome"] == "service_request"
    assert visit["periods"][0]["wait_s"] == 300 and visit["periods"][0]["counter"] == "1"
    assert data["service_requests"][0]["description"] == "Soita lupa-asiasta"
    assert data["service_requests"][0]["actions"][0]["text"] == "Avattu"
    assert [a["name"] for a in data["appointments"]] == ["Matti Ä."]
    with db.read() as session:
        assert audit.entries(session, customer_id=matti.id, action="customer.export")


def _every_text(db) -> str:
    """Every text and JSON value in every table, as one string: where personal data could hide. Not
    the first tier's catalogue of matters: public texts for everyone ("bring the attachments")."""
    chunks = []
    with db.read() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "matter":
                continue
            for row in session.execute(sa.select(table)):
                chunks.extend(str(v) for v in row if isinstance(v, str))
    return "\n".join(chunks)


def _counts(db) -> dict:
    with db.read() as session:
        return {
            "tickets": session.scalar(sa.select(sa.func.count()).select_from(Ticket)),
            "linked": session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(Ticket.customer_id.is_not(None))),
            "periods": session.scalar(sa.select(sa.func.count()).select_from(ServicePeriod)),
            "wait_s": session.scalar(sa.select(sa.func.sum(ServicePeriod.wait_s))),
            "requests": session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)),
            "customers": session.scalar(sa.select(sa.func.count()).select_from(Customer)),
            "appointments": session.scalar(sa.select(sa.func.count()).select_from(Appointment)),
        }


PERSONAL_STRINGS = ("Äijälä", "Matti", "matti.aijala", "401234567", "Kirkkokatu", "liitteet", "Laituri",
                    "lupa-asiasta", "interpreter")


def test_erasure_on_request_leaves_no_personal_field_and_every_count(db):
    [clerk] = staff(db, "clerk")
    matti = write(db, customers.create, PERSON, clerk)
    ticket = served_visit(db, clerk, note="Matti tuo liitteet")
    write(db, customers.link_visit, ticket.public_id, matti.id, clerk)
    with db.write() as session:
        request = ServiceRequest(site_id=ticket.site_id, customer_id=matti.id, subject="Laituri",
                                 description="Soita lupa-asiasta", due_on=date(2026, 12, 8), created_at=T0,
                                 updated_at=T0)
        session.add(request)
        session.flush()
        session.add(ServiceRequestAction(request_id=request.id, at=T0, kind="note", text="Matti soitti"))
        site = queue.get_site(session, "demo")
        slot = booking.day_slots(session, site, queue.get_service(session, site, "advice"), date(2026, 12, 1), now=T0)[0]
    held = write(db, booking.hold, "demo", "advice", slot.starts_at, now=T0)
    write(db, booking.confirm, held.public_id, name="Äijälä", email="matti.aijala@example.fi", consent=True, now=T0)
    before = _counts(db)
    assert all(s in _every_text(db) for s in ("Äijälä", "liitteet", "Laituri"))

    counts = write(db, customers.erase, matti.id, clerk)

    assert counts == {"visit_notes": 1, "feedback_comments": 0, "requests": 1, "appointments": 1, "closed_requests": 1}
    text = _every_text(db)
    assert [s for s in PERSONAL_STRINGS if s in text] == []
    assert _counts(db) == before
    with db.read() as session:
        erased = session.get(Customer, matti.id)
        assert erased.anonymized_at is not None and erased.segment == "resident"
        assert session.get(ServiceRequest, request.id).status == "closed"
        assert audit.entries(session, customer_id=matti.id, action="customer.erase")[0].detail.startswith("visit_notes=1")
    with pytest.raises(Invalid), db.write() as session:
        customers.link_visit(session, ticket.public_id, matti.id, clerk)


def test_the_retention_job_anonymizes_what_is_old_and_keeps_what_is_not(db):
    [clerk] = staff(db, "clerk")
    old_at, now = T0 - timedelta(days=800), T0
    old = write(db, customers.create, PERSON, clerk, now=old_at)
    waiting = write(db, customers.create, {**PERSON, "name": "Odottava Olli", "email": "olli@example.fi",
                                                    "phone": "050 555 0101", "address": "Torikatu 2", "needs": ""}, clerk,
                    now=old_at)  # an open request keeps them
    recent = write(db, customers.create, {**PERSON, "name": "Tuore Tiina", "email": "tiina@example.fi",
                                                  "phone": "050 555 0202", "address": "Torikatu 3", "needs": ""}, clerk,
                   now=now - timedelta(days=10))
    old_visit = served_visit(db, clerk, note="Matti: vanha muistiinpano", at=old_at)
    write(db, customers.link_visit, old_visit.public_id, old.id, clerk, now=old_at)
    new_visit = served_visit(db, clerk, note="Tiina: uusi muistiinpano", at=now - timedelta(days=10))
    with db.write() as session:
        session.add(ServiceRequest(site_id=old_visit.site_id, customer_id=waiting.id, subject="Auki", due_on=date(2024, 1, 1),
                                   created_at=old_at, updated_at=old_at))
        session.add(ServiceRequest(site_id=old_visit.site_id, customer_id=old.id, subject="Laituri", status="closed",
                                   description="lupa-asiasta", created_at=old_at, updated_at=old_at, closed_at=old_at,
                                   due_on=date(2024, 1, 1)))
    before = _counts(db)

    counts = write(db, customers.apply_retention, 730, now)

    assert counts == {"customers": 1, "visit_notes": 1, "feedback_comments": 0, "requests": 1}
    text = _every_text(db)
    assert [s for s in PERSONAL_STRINGS if s in text] == []
    assert "Odottava Olli" in text and "Tuore Tiina" in text and "uusi muistiinpano" in text
    assert _counts(db) == before
    with db.read() as session:
        assert session.get(Customer, recent.id).anonymized_at is None
        [row] = audit.entries(session, action="retention.anonymize")
    assert row.staff_user_id is None and row.detail.startswith("customers=1 visit_notes=1 feedback_comments=0 requests=1")
    assert write(db, customers.apply_retention, 730, now) == {"customers": 0, "visit_notes": 0, "feedback_comments": 0, "requests": 0}
    with db.read() as session:
        assert len(audit.entries(session, action="retention.anonymize")) == 1  # nothing done, nothing logged
    assert new_visit.id != old_visit.id


def test_two_clerks_linking_one_visit_at_once_leave_one_link_and_both_in_the_log(db):
    a, b = staff(db, "clerk", "clerk")
    ca = write(db, customers.create, PERSON, a)
    cb = write(db, customers.create, {**PERSON, "name": "Toinen"}, b)
    ticket = served_visit(db, a)
    start, errors = threading.Barrier(2), []

    def link(user, customer):
        start.wait()
        try:
            write(db, customers.link_visit, ticket.public_id, customer, user)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=link, args=args) for args in ((a, ca.id), (b, cb.id))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with db.read() as session:
        final = session.get(Ticket, ticket.id).customer_id
        links = session.exec(select(Event).where(Event.type == "ticket.customer_linked").order_by(Event.seq)).all()
    assert final in (ca.id, cb.id) and len(links) == 2
    assert json.loads(links[-1].private)["customer_id"] == final  # the log's last word is the ticket's state
