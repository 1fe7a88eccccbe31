"""Service requests' pages over real HTTP against uvicorn: the form with every mistake at once in
Finnish and English, the work list for experts only, a request's actions, the printable letter, the
counter's way into the form, and the public pages that never show who the customer is."""

import html
import re
from datetime import timedelta

import httpx
from sqlmodel import select

from server import audit, customers, requests
from server.models import ServiceRequest, ServiceRequestAction, StaffUser, Ticket, utcnow
from tests.web.test_counter_day import log_in, open_counter, take

HX = {"HX-Request": "true"}
NAME = "Maija Meikäläinen"


def user_id(server, username: str) -> int:
    with server.app.state.db.read() as session:
        return session.exec(select(StaffUser).where(StaffUser.username == username)).one().id


def add_customer(server, name: str = NAME, **fields) -> int:
    values = {"kind": "person", "segment": "resident", "name": name, "phone": "040 123 4567",
              "preferred_channel": "phone", "lang": "fi", **fields}
    with server.app.state.db.write() as session:
        return customers.create(session, values, user_id(server, "clerk")).id


def add_request(server, customer_id: int, now=None, **values) -> int:
    values = {"site": "demo", "subject": "Terassin lupa", "department": "building-control", **values}
    with server.app.state.db.write() as session:
        return requests.create(session, customer_id, values, user_id(server, "clerk"), now=now).id


def text_of(page: httpx.Response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def form(customer_id: int, **fields) -> dict:
    return {"customer": str(customer_id), "ticket": "", "site": "demo", "subject": "Terassin lupa",
            "description": "", "service": "", "department": "building-control", "expert": "", "due_on": "",
            "channel": "", **fields}


def test_the_form_shows_every_mistake_at_once_in_english_and_finnish_and_keeps_what_was_typed(live_server):
    customer = add_customer(live_server)  # a phone number only
    wrong = form(customer, subject="", department="", description="Naapuri kysyi aidasta", due_on="huomenna",
                 channel="email")
    with log_in(live_server, "clerk") as clerk:
        refused = clerk.post("/counter/requests", data=wrong)
        assert refused.status_code == 422
        shown = text_of(refused)
        for mistake in ("Write what the matter is about.", "Route the request: choose a department",
                        "Write the day as YYYY-MM-DD", "The customer has no email address"):
            assert mistake in shown
        assert "Check 4 things in the form:" in shown
        assert "Naapuri kysyi aidasta</textarea>" in refused.text and 'value="huomenna"' in refused.text
        assert re.search(r'value="email" checked', refused.text)  # the channel as chosen
        assert 'aria-invalid="true" aria-describedby="due_on-error"' in refused.text
    with log_in(live_server, "clerk", "fi") as clerk:
        refused = clerk.post("/counter/requests", data=wrong)
        assert refused.status_code == 422 and '<html lang="fi">' in refused.text
        assert "Kirjoita päivä muodossa VVVV-KK-PP" in text_of(refused)  # a message already in the catalogs
        assert "Naapuri kysyi aidasta" in refused.text
        made = clerk.post("/counter/requests", data=form(customer, description="Naapuri kysyi aidasta"))
        assert made.status_code == 303
        page = clerk.get(made.headers["location"])
        assert page.status_code == 200 and NAME in page.text and "+358401234567" in page.text
        assert "Naapuri kysyi aidasta" in page.text
    with live_server.app.state.db.read() as session:
        request = session.exec(select(ServiceRequest)).one()
        assert made.headers["location"] == f"/counter/requests/{request.id}"
        assert request.channel == "phone" and request.due_on > utcnow().date()  # the defaults
        seen = audit.entries(session, customer_id=customer, action="request.view")
        assert [row.staff_user_id for row in seen] == [user_id(live_server, "clerk")]


def test_the_work_list_is_for_experts_and_flags_the_overdue_in_words(live_server):
    customer = add_customer(live_server)
    late = add_request(live_server, customer, subject="Myöhässä", now=utcnow() - timedelta(days=20))
    on_time = add_request(live_server, customer, subject="Ajallaan")
    with log_in(live_server, "clerk") as clerk:
        assert clerk.get("/counter/requests").status_code == 403
        assert 'href="/counter/requests"' not in clerk.get("/counter").text
        assert clerk.get(f"/counter/requests/{late}").status_code == 200  # clerks see a request
        refused = clerk.post(f"/counter/requests/{late}/close", data={"text": "x"}, headers=HX)
        assert refused.status_code == 403
    with log_in(live_server, "expert") as expert:
        assert 'href="/counter/requests"' in expert.get("/counter").text
        listed = expert.get("/counter/requests")
        assert listed.status_code == 200
        rows = re.findall(r'<tr class="request( overdue)?" data-request="(\d+)">(.*?)</tr>', listed.text, re.S)
        assert [(int(r[1]), bool(r[0])) for r in rows] == [(late, True), (on_time, False)]  # earliest due first
        assert "Overdue" in rows[0][2] and "⚠" in rows[0][2] and "Overdue" not in rows[1][2]
        only_late = expert.get("/counter/requests?overdue=1")
        assert "Myöhässä" in only_late.text and "Ajallaan" not in only_late.text
        assert NAME not in listed.text  # the list names no customers
        taken = expert.post(f"/counter/requests/{on_time}/take", headers=HX)
        assert taken.status_code == 200 and "The request is yours now." in taken.text
        again = expert.post(f"/counter/requests/{on_time}/take", headers=HX)
        assert again.status_code == 409 and "already taken" in again.text
        closed = expert.post(f"/counter/requests/{on_time}/close", data={"text": ""}, headers=HX)
        assert closed.status_code == 422 and "Write how the matter was resolved." in closed.text


def test_a_letter_follow_up_prints_on_a4_in_the_customers_language(live_server):
    customer = add_customer(live_server, "Sven Svensson", address="Storgatan 1\n00100 Helsingfors",
                            preferred_channel="letter", lang="sv")
    request_id = add_request(live_server, customer)
    with log_in(live_server, "expert") as expert:
        answered = expert.post(f"/counter/requests/{request_id}/contact", headers=HX,
                               data={"text": "Vi behöver ritningarna före den 1 mars."})
        assert answered.status_code == 200 and "Contact recorded." in answered.text
        link = re.search(r'href="(/counter/requests/\d+/letter/\d+)"', answered.text).group(1)
        letter = expert.get(link)
        assert letter.status_code == 200 and '<html lang="sv">' in letter.text
        shown = text_of(letter)
        assert "Sven Svensson Storgatan 1 00100 Helsingfors" in shown
        assert "Kaupungintalon asiakaspalvelu" in shown and "Vi behöver ritningarna före den 1 mars." in shown
        assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">', letter.text)
        css = expert.get("/counter/static/counter.css").text
        assert "@media print" in css and "size: A4" in css
        with live_server.app.state.db.read() as session:
            created = session.exec(select(ServiceRequestAction).where(ServiceRequestAction.kind == "created")).one()
        assert expert.get(f"/counter/requests/{request_id}/letter/{created.id}").status_code == 404
        assert expert.get(f"/counter/requests/{request_id + 1}/letter/{created.id}").status_code == 404


def test_the_counter_leads_to_the_form_and_the_public_pages_never_name_the_customer(live_server):
    customer = add_customer(live_server)
    with log_in(live_server, "clerk") as clerk:
        open_counter(clerk, 1, "advice")
        ticket = take(live_server, "advice")
        clerk.post("/counter/call-next", data={"counter": "1", "key": "k1"}, headers=HX)
        with live_server.app.state.db.write() as session:
            customers.link_visit(session, ticket["id"], customer, user_id(live_server, "clerk"))
        serving = clerk.post("/counter/start", data={"ticket": ticket["id"]}, headers=HX)
        assert f'href="/counter/requests/new?ticket={ticket["id"]}"' in serving.text
        finished = clerk.post("/counter/finish", data={"ticket": ticket["id"], "outcome": "service_request"},
                              headers=HX)
        assert finished.status_code == 200 and "Create the service request" in finished.text
        new = clerk.get(f"/counter/requests/new?ticket={ticket['id']}")
        assert new.status_code == 200 and NAME in new.text and 'value="advice" selected' in new.text
        made = clerk.post("/counter/requests", data=form(customer, ticket=ticket["id"], service="advice"))
        assert made.status_code == 303
    with live_server.app.state.db.read() as session:
        request = session.exec(select(ServiceRequest)).one()
        visit = session.exec(select(Ticket).where(Ticket.public_id == ticket["id"])).one()
        assert request.ticket_id == visit.id
    for path in ("/kiosk/demo", "/display/demo", f"/t/{ticket['id']}", "/api/v1/sites/demo/queue"):
        page = httpx.get(live_server.url + path)
        assert page.status_code == 200, path
        assert NAME not in page.text and "Meikäläinen" not in page.text and "Terassin" not in page.text, path
