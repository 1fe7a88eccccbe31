"""Service requests on SQLite and PostgreSQL: routing, history, channels, due dates in the site's
calendar, experts' work lists, the audit log, two experts taking one request at once, and the email
follow-up through a real SMTP server on loopback."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone

import anyio
import pytest
from sqlmodel import select

from server import audit, customers, queue, requests
from server.errors import Conflict, Invalid
from server.mail import Mailer, SmtpServer
from server.models import AuditLog, Customer, Event, ServiceRequest, ServiceRequestAction, StaffUser
from server.staff import hash_password
from tests.core.test_mail import SENDER, Inbox

# A Monday morning in Helsinki (UTC+2 in winter).
NOW = datetime(2027, 1, 18, 8, 0, tzinfo=timezone.utc)


def user(db, username: str) -> int:
    with db.read() as session:
        return session.exec(select(StaffUser).where(StaffUser.username == username)).one().id


def add_expert(db, username: str, department: str | None = "building-control", role: str = "expert") -> int:
    with db.write() as session:
        dept = requests.department_by_code(session, department) if department else None
        person = StaffUser(username=username, display_name=username.title(), role=role,
                           password_hash=hash_password("x" * 12), department_id=dept.id if dept else None)
        session.add(person)
        session.flush()
        return person.id


def add_customer(db, name: str = "Maija Meikäläinen", **fields) -> int:
    values = {"kind": "person", "segment": "resident", "name": name, "phone": "040 123 4567",
              "preferred_channel": "phone", "lang": "fi", **fields}
    with db.write() as session:
        return customers.create(session, values, user(db, "clerk"), now=NOW).id


def new_request(db, customer_id: int, now: datetime = NOW, **values) -> ServiceRequest:
    values = {"site": "demo", "subject": "Lupa terassille", "department": "building-control", **values}
    with db.write() as session:
        return requests.create(session, customer_id, values, user(db, "clerk"), now=now)


def kinds(db, request_id: int) -> list[str]:
    with db.read() as session:
        return [a.kind for a in requests.history(session, request_id)]


def test_a_request_from_a_visit_is_routed_assigned_worked_closed_and_reopened_with_its_history(db):
    customer = add_customer(db)
    with db.write() as session:
        ticket = queue.issue_ticket(session, "demo", "building", "fi", now=NOW, printed=False).ticket
        customers.link_visit(session, ticket.public_id, customer, user(db, "clerk"), now=NOW)
    request = new_request(db, customer, ticket=ticket.public_id, description="Rakennuslupa kesäksi")
    assert request.ticket_id == ticket.id and request.service_id == ticket.service_id  # about the visit's service
    assert request.status == "open" and request.channel == "phone"  # the customer's preferred channel
    assert request.due_on == date(2027, 2, 1)  # 14 days from the site's today
    assert request.assignee_id is None and request.department_id is not None

    expert = user(db, "expert")
    later = NOW + timedelta(days=1)
    with db.write() as session:
        requests.assign(session, request.id, user(db, "admin"), department="building-control", expert_id=expert,
                        now=later)
        requests.set_status(session, request.id, expert, "in_progress", now=later)
        requests.add_note(session, request.id, expert, "Kysytty naapurien kuuleminen", now=later)
        requests.contact(session, request.id, expert, "Soitettu: piirustukset puuttuvat", now=later)
        requests.close(session, request.id, expert, "Lupa myönnetty", tell_customer=True, now=later)
    with pytest.raises(Conflict):
        with db.write() as session:
            requests.set_status(session, request.id, expert, "open", now=later)  # closed: reopen first
    with db.write() as session:
        requests.reopen(session, request.id, expert, "Asiakas kysyi lisää", now=later)
    assert kinds(db, request.id) == ["created", "assigned", "status", "note", "contacted", "closed", "reopened"]
    with db.read() as session:
        stored = session.get(ServiceRequest, request.id)
        assert (stored.status, stored.assignee_id, stored.closed_at) == ("open", expert, None)
        call = session.exec(select(ServiceRequestAction).where(ServiceRequestAction.kind == "contacted")).one()
        assert (call.channel, call.text, call.staff_user_id) == ("phone", "Soitettu: piirustukset puuttuvat", expert)
        assert session.get(Customer, customer).last_contact_at == later  # retention counts from here
        events = [json.loads(e.data) for e in session.exec(select(Event).where(Event.type.like("request.%"))
                                                           .order_by(Event.seq))]
    assert [e["type"] for e in events] == ["request.created", "request.assigned", "request.status", "request.note",
                                           "request.contacted", "request.closed", "request.reopened"]
    assert all(e["audience"] == "staff" and e["request"] == request.id for e in events)
    text = json.dumps(events, ensure_ascii=False)
    assert "Meikäläinen" not in text and "Lupa" not in text and "040" not in text  # no personal data


def test_a_channel_the_customer_has_no_details_for_is_refused_with_every_other_mistake(db):
    customer = add_customer(db)  # a phone number only
    with pytest.raises(requests.FormInvalid) as refused:
        new_request(db, customer, subject="", channel="email", due_on="18.1.2027", department="", expert="")
    fields = refused.value.fields
    assert set(fields) == {"subject", "channel", "due_on", "department"}
    assert "no email address" in fields["channel"]
    with pytest.raises(requests.FormInvalid) as refused:
        new_request(db, customer, channel="letter", due_on="2027-01-17")  # yesterday in Helsinki
    assert set(refused.value.fields) == {"channel", "due_on"} and "postal address" in refused.value.fields["channel"]
    emailed = add_customer(db, "Sven Svensson", email="sven@example.fi", preferred_channel="email", lang="sv")
    assert new_request(db, emailed).channel == "email"
    with db.write() as session:  # the address was removed since: a follow-up by email is refused
        session.get(Customer, emailed).email = ""
    with pytest.raises(Invalid, match="no email address"):
        with db.write() as session:
            request_id = session.exec(select(ServiceRequest.id).where(ServiceRequest.customer_id == emailed)).one()
            requests.contact(session, request_id, user(db, "expert"), "Hei", now=NOW)


def test_a_request_is_overdue_only_after_its_due_day_is_over_in_helsinki(db):
    request = new_request(db, add_customer(db), due_on="2027-01-20")
    midnight = datetime(2027, 1, 20, 22, 0, tzinfo=timezone.utc)  # 00.00 on the 21st in Helsinki
    with db.read() as session:
        stored = session.get(ServiceRequest, request.id)
        site = queue.get_site(session, "demo")
        assert not requests.is_overdue(stored, site, midnight - timedelta(seconds=1))
        assert requests.is_overdue(stored, site, midnight + timedelta(seconds=1))
        # In UTC it is still the 20th, and the list says overdue all the same.
        item, = requests.work_list(session, user(db, "expert"), overdue_only=True, now=midnight + timedelta(seconds=1))
        assert item.request.id == request.id and item.overdue
        assert requests.work_list(session, user(db, "expert"), overdue_only=True, now=midnight - timedelta(seconds=1)) == []
    with db.write() as session:
        requests.close(session, request.id, user(db, "expert"), "Hoidettu", now=midnight)
    with db.read() as session:
        assert not requests.is_overdue(session.get(ServiceRequest, request.id), site, midnight + timedelta(days=9))


def test_an_experts_list_has_their_own_and_their_departments_unassigned_ones_earliest_due_first(db):
    customer = add_customer(db)
    expert, colleague = user(db, "expert"), add_expert(db, "kaisa")
    social = add_expert(db, "sakari", department="social-services")
    mine = new_request(db, customer, subject="mine", expert=str(expert), due_on="2027-01-25")
    unassigned = new_request(db, customer, subject="unassigned", due_on="2027-01-22")
    colleagues = new_request(db, customer, subject="colleague's", expert=str(colleague), due_on="2027-01-21")
    other = new_request(db, customer, subject="other department", department="social-services", due_on="2027-01-19")
    named_elsewhere = new_request(db, customer, subject="named from elsewhere", department="social-services",
                                  expert=str(expert), due_on="2027-01-30")
    with db.read() as session:
        def listed(who, **kw):
            return [item.request.subject for item in requests.work_list(session, who, now=NOW, **kw)]

        assert listed(expert) == ["unassigned", "mine", "named from elsewhere"]
        assert listed(expert, scope="department") == ["colleague's", "unassigned", "mine"]
        assert listed(expert, scope="all") == ["other department", "colleague's", "unassigned", "mine",
                                               "named from elsewhere"]
        assert listed(social) == ["other department"]
        assert listed(colleague) == ["colleague's", "unassigned"]
    with db.write() as session:
        requests.take(session, unassigned.id, colleague, now=NOW)
        requests.set_status(session, mine.id, expert, "waiting_customer", now=NOW)
        requests.close(session, other.id, social, "Done", now=NOW)
    with db.read() as session:
        assert listed(expert) == ["mine", "named from elsewhere"]  # taken by a colleague: off the list
        assert listed(expert, status="waiting_customer") == ["mine"]
        assert listed(social) == [] and listed(social, status="closed") == ["other department"]
        assert listed(colleague) == ["colleague's", "unassigned"]
    assert named_elsewhere.department_id != mine.department_id
    admin = user(db, "admin")
    new_request(db, customer, subject="admin's own", department="", expert=str(admin))  # no department
    with db.read() as session:
        assert listed(admin) == ["admin's own"]
        assert listed(admin, scope="department") == []  # having no department is not a department


def test_seeing_a_request_writes_who_saw_whose_data(db):
    customer = add_customer(db)
    request = new_request(db, customer)
    expert = user(db, "expert")
    with db.write() as session:
        shown = requests.view(session, request.id, expert, now=NOW)
        assert shown.customer.name == "Maija Meikäläinen" and [a.kind for a in shown.actions] == ["created"]
    with db.read() as session:
        row, = audit.entries(session, customer_id=customer, action="request.view")
        assert (row.staff_user_id, row.target) == (expert, f"request:{request.id}")
        assert "Maija" not in row.detail
        assert session.exec(select(AuditLog).where(AuditLog.action == "request.create")).one().customer_id == customer


def test_two_experts_taking_one_unassigned_request_at_once_one_gets_it(db):
    customer = add_customer(db)
    first, second = user(db, "expert"), add_expert(db, "kaisa")
    for round_ in range(5):
        request = new_request(db, customer, subject=f"race {round_}")
        start = threading.Barrier(2, timeout=30)

        def race(expert_id):
            start.wait()
            try:
                with db.write() as session:
                    return requests.take(session, request.id, expert_id, now=NOW).assignee_id
            except Conflict as exc:
                return exc

        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(race, [first, second]))
        won = [r for r in results if isinstance(r, int)]
        lost = [r for r in results if isinstance(r, Conflict)]
        assert len(won) == 1 and len(lost) == 1, results
        assert "already taken" in str(lost[0])
        with db.read() as session:
            assert session.get(ServiceRequest, request.id).assignee_id == won[0]
        assert kinds(db, request.id) == ["created", "assigned"]  # one taking in the history, not two


# --- the email follow-up -------------------------------------------------------------------------


def mailer(db, port: int) -> Mailer:
    def no_ics(session, appointment):
        raise AssertionError("no booking here")

    return Mailer(db, SmtpServer("127.0.0.1", port, SENDER, security="none"), lambda public_id: "", no_ics,
                  remind_before=timedelta(hours=24))


def emailed_request(db, lang: str = "sv") -> tuple[int, ServiceRequest]:
    customer = add_customer(db, "Sven Svensson", email="Sven@Example.fi", preferred_channel="email", lang=lang)
    return customer, new_request(db, customer, subject="Bygglov för altan")


def test_an_email_follow_up_is_mailed_once_in_the_customers_language(db):
    _, request = emailed_request(db, lang="sv")
    with db.write() as session:
        requests.add_note(session, request.id, user(db, "expert"), "Internal: ask the archive", now=NOW)
        requests.contact(session, request.id, user(db, "expert"), "Vi behöver ritningarna.", now=NOW)
    with Inbox() as inbox:
        sending = mailer(db, inbox.port)
        assert anyio.run(sending.send_due, NOW) == 1
        assert anyio.run(sending.send_due, NOW) == 0  # once
        with db.write() as session:  # closing without telling the customer mails nothing
            requests.close(session, request.id, user(db, "expert"), "Klart", now=NOW)
        assert anyio.run(sending.send_due, NOW) == 0
    message, = inbox.messages
    assert message["To"] == "sven@example.fi" and message["From"] == SENDER
    assert "Bygglov för altan" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "Vi behöver ritningarna." in body and "Sven Svensson" in body and "archive" not in body
    assert "Stadshusets kundtjänst" in body  # the site as it is called in Swedish
    with db.read() as session:
        sent = session.exec(select(ServiceRequestAction).where(ServiceRequestAction.kind == "contacted")).one()
        assert sent.mail_sent_at == NOW


def test_two_mailers_at_once_send_each_follow_up_once_and_a_server_that_is_down_loses_none(db):
    _, request = emailed_request(db, lang="en")
    with db.write() as session:
        requests.contact(session, request.id, user(db, "expert"), "First follow-up", now=NOW)
        requests.contact(session, request.id, user(db, "expert"), "Second follow-up", now=NOW)
        requests.close(session, request.id, user(db, "expert"), "Permit granted", tell_customer=True, now=NOW)
    inbox = Inbox()
    assert anyio.run(mailer(db, inbox.port).send_due, NOW) == 0  # nothing listens there yet
    with db.read() as session:
        assert all(a.mail_sent_at is None for a in requests.history(session, request.id))  # given back
    with inbox:
        first, second = mailer(db, inbox.port), mailer(db, inbox.port)

        async def both():
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(first.send_due, NOW)
                tasks.start_soon(second.send_due, NOW)

        anyio.run(both)
    assert len(inbox.messages) == 3
    bodies = [m.get_body(("plain",)).get_content() for m in inbox.messages]
    for text in ("First follow-up", "Second follow-up", "Permit granted"):
        assert sum(text in body for body in bodies) == 1, text
    subjects = sorted(m["Subject"] for m in inbox.messages)
    assert subjects[0].startswith("About your service request") and "resolved" in subjects[-1]


def test_the_command_adds_and_renames_a_department_and_puts_a_user_in_it(tmp_path, monkeypatch, capsys):
    from server import cli
    from server.db import Database
    from server.settings import get_settings
    from tests.conftest import prepare_demo_database

    url = prepare_demo_database(f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("LUUKKU_DATABASE_URL", url)
    monkeypatch.setenv("LUUKKU_NEW_PASSWORD", "long enough password")
    get_settings.cache_clear()
    try:
        cli.main(["department", "environment", "--fi", "Ympäristöpalvelut", "--en", "Environment"])
        cli.main(["department", "environment", "--sv", "Miljötjänster"])
        cli.main(["create-user", "ville", "--role", "expert", "--department", "environment"])
        with pytest.raises(SystemExit, match="no such department"):
            cli.main(["create-user", "ville", "--role", "expert", "--department", "nowhere"])
        cli.main(["department"])
    finally:
        get_settings.cache_clear()
    assert "environment\tYmpäristöpalvelut\tMiljötjänster\tEnvironment" in capsys.readouterr().out
    db = Database(url)
    try:
        with db.read() as session:
            department = requests.department_by_code(session, "environment")
            assert (department.name_fi, department.name_sv, department.name_en) == \
                ("Ympäristöpalvelut", "Miljötjänster", "Environment")
            ville = session.exec(select(StaffUser).where(StaffUser.username == "ville")).one()
            assert ville.department_id == department.id
            expert = session.exec(select(StaffUser).where(StaffUser.username == "expert")).one()
            assert expert.department_id == requests.department_by_code(session, "building-control").id  # the demo's
    finally:
        db.dispose()
