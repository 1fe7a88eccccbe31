"""The customer registry's pages over real HTTP against uvicorn: linking a visit to a customer from
the counter, the visit record, export and erasure on request, the audit log, the retention job of
the running server, and no personal data on any public screen."""

import html
import json
import re
import time
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from server import customers
from server.db import Database
from server.models import AuditLog, Customer, StaffUser, Ticket, utcnow
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database
from tests.web.test_counter_day import log_in, open_counter

NAME, PHONE, EMAIL = "Äijälä Matti", "040 765 4321", "matti@example.fi"
FORM = {"kind": "person", "segment": "resident", "name": NAME, "business_id": "", "phone": PHONE, "email": EMAIL,
        "address": "Kirkkokatu 1, 90100 Oulu", "preferred_channel": "email", "lang": "fi", "needs": ["interpreter"]}


def text(response: httpx.Response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def serving(client: httpx.Client) -> str:
    """Takes a ticket at the kiosk, and calls and starts serving it at counter 1; its public id."""
    issued = client.post("/api/v1/sites/demo/tickets", json={"service": "advice", "lang": "fi"})
    assert issued.status_code == 201, issued.text
    open_counter(client, 1, "advice")
    assert client.post("/counter/call-next", data={"counter": "1", "key": "k1"}).status_code == 303
    public_id = issued.json()["id"]
    assert client.post("/counter/start", data={"ticket": public_id}).status_code == 303
    return public_id


def audit_actions(server, customer_id: int) -> list[str]:
    with server.app.state.db.read() as session:
        rows = session.exec(select(AuditLog).where(AuditLog.customer_id == customer_id).order_by(AuditLog.id))
        return [row.action for row in rows]


def test_the_pages_want_a_login_and_erasure_wants_a_manager(live_server):
    for path in ("/counter/customers", "/counter/customers/new", "/counter/customers/1", "/counter/visits/x"):
        response = httpx.get(live_server.url + path)
        assert (response.status_code, response.headers["location"]) == (303, "/counter/login"), path
    with log_in(live_server, "clerk") as client:
        with live_server.app.state.db.write() as session:
            clerk = session.exec(select(StaffUser).where(StaffUser.username == "clerk")).one()
            customer = customers.create(session, {**FORM, "needs": ""}, clerk.id)
        assert client.post(f"/counter/customers/{customer.id}/erase", data={"confirm": "yes"}).status_code == 403
        assert client.get(f"/counter/customers/{customer.id}/log").status_code == 403
        assert client.get("/counter/customers/999999").status_code == 404
        assert client.get("/counter/visits/no-such-ticket").status_code == 404


def test_a_clerk_links_the_visit_at_the_counter_to_a_new_customer(live_server):
    with log_in(live_server, "clerk", lang="fi") as client:
        public_id = serving(client)
        counter = client.get("/counter")
        assert f'href="/counter/customers?ticket={public_id}"' in counter.text
        search = client.get("/counter/customers", params={"ticket": public_id, "q": "äijälä"})
        assert "Asiakasta ei löytynyt." in text(search)

        wrong = client.post("/counter/customers", data={**FORM, "ticket": public_id, "email": "matti@", "name": ""})
        assert wrong.status_code == 422
        page = text(wrong)
        assert "Kirjoita asiakkaan nimi." in page and "Sähköpostiosoite ei näytä oikealta" in page
        assert 'value="matti@"' in wrong.text and "Kirkkokatu 1" in wrong.text  # nothing typed is lost

        made = client.post("/counter/customers", data={**FORM, "ticket": public_id})
        assert (made.status_code, made.headers["location"]) == (303, f"/counter/visits/{public_id}")
        visit = client.get(made.headers["location"])
        assert visit.status_code == 200 and NAME in visit.text
        assert "Yleisneuvonta" in text(visit)  # the service period's service
        with live_server.app.state.db.read() as session:
            ticket = session.exec(select(Ticket).where(Ticket.public_id == public_id)).one()
            customer = session.get(Customer, ticket.customer_id)
        assert (customer.phone, customer.needs) == ("+358407654321", "interpreter")

        found = client.get("/counter/customers", params={"q": "040-765 4321"})
        assert f'href="/counter/customers/{customer.id}"' in found.text
        page = client.get(f"/counter/customers/{customer.id}")
        assert NAME in page.text and f"/counter/visits/{public_id}" in page.text
        assert "Tarvitsee tulkin" in text(page)
        exported = client.get(f"/counter/customers/{customer.id}/export.json")
        assert exported.headers["content-disposition"] == f'attachment; filename="customer-{customer.id}.json"'
        assert exported.json()["customer"]["name"] == NAME and len(exported.json()["visits"]) == 1
        assert client.post("/counter/finish", data={"ticket": public_id}).status_code == 303

    assert audit_actions(live_server, customer.id) == [
        "customer.create", "visit.link", "customer.view", "customer.search", "customer.view", "customer.export"]


def test_public_screens_never_show_the_customer(live_server):
    with log_in(live_server, "clerk") as client:
        public_id = serving(client)
        made = client.post("/counter/customers", data={**FORM, "ticket": public_id})
        assert made.status_code == 303
        for path in ("/kiosk/demo", "/display/demo", f"/t/{public_id}", "/b/demo",
                     "/api/v1/sites/demo/queue", "/metrics"):
            response = httpx.get(live_server.url + path)
            assert response.status_code == 200, path
            body = response.text
            for personal in ("Äijälä", "765 4321", "7654321", "matti@example", "Kirkkokatu"):
                assert personal not in body, (path, personal)


def test_a_manager_erases_a_customer_on_request(live_server):
    with log_in(live_server, "clerk") as clerk:
        public_id = serving(clerk)
        assert clerk.post("/counter/customers", data={**FORM, "ticket": public_id}).status_code == 303
        assert clerk.post("/counter/park", data={"ticket": public_id, "note": "Matti hakee passin"}).status_code == 303
    with live_server.app.state.db.read() as session:
        customer_id = session.exec(select(Ticket).where(Ticket.public_id == public_id)).one().customer_id
    with log_in(live_server, "manager", lang="en") as manager:
        unconfirmed = manager.post(f"/counter/customers/{customer_id}/erase", data={})
        assert unconfirmed.status_code == 422 and "Tick the box" in text(unconfirmed)
        erased = manager.post(f"/counter/customers/{customer_id}/erase", data={"confirm": "yes"})
        assert erased.status_code == 303
        page = manager.get(erased.headers["location"])
        assert "Anonymized customer" in text(page) and NAME not in page.text
        data = manager.get(f"/counter/customers/{customer_id}/export.json").json()
        assert NAME not in json.dumps(data, ensure_ascii=False) and "passin" not in json.dumps(data)
        log = text(manager.get(f"/counter/customers/{customer_id}/log"))
        assert "Data erased on request" in log and "Kalle Virkailija" in log
        assert manager.get(f"/counter/customers/{customer_id}/edit").status_code == 422


def test_the_running_server_anonymizes_customers_past_the_retention_period(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'retention.db'}")
    db = Database(url)
    with db.write() as session:
        admin = session.exec(select(StaffUser).where(StaffUser.username == "admin")).one()
        old = customers.create(session, {**FORM, "needs": ""}, admin.id, now=utcnow() - timedelta(days=40))
        new = customers.create(session, {**FORM, "needs": "", "name": "Uusi Asiakas"}, admin.id)
    db.dispose()
    port = free_port()
    settings = make_settings(url, port, registry_retention_days=30, housekeeping_interval_s=0.5)
    with LiveServer(settings, port) as server:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with server.app.state.db.read() as session:
                if session.get(Customer, old.id).anonymized_at is not None:
                    break
            time.sleep(0.1)
        with server.app.state.db.read() as session:
            assert session.get(Customer, old.id).name == ""
            assert session.get(Customer, new.id).name == "Uusi Asiakas"
            [row] = session.exec(select(AuditLog).where(AuditLog.action == "retention.anonymize")).all()
    assert row.detail.startswith("customers=1 ") and row.staff_user_id is None


@pytest.mark.parametrize("query", ["", "a", "%", "x" * 300, "' OR 1=1 --"])
def test_odd_searches_get_an_answer_not_an_error(live_server, query):
    with log_in(live_server, "clerk") as client:
        response = client.get("/counter/customers", params={"q": query})
        assert response.status_code in (200, 422), response.text


def test_the_visit_record_shows_each_service_period_and_the_whole_visit(live_server):
    with log_in(live_server, "clerk", lang="fi") as clerk, log_in(live_server, "expert", lang="fi") as expert:
        public_id = serving(clerk)
        assert clerk.post("/counter/transfer", data={"ticket": public_id, "service": "building",
                                                     "note": "Poikkeamislupa"}).status_code == 303
        open_counter(expert, 2, "building")
        assert expert.post("/counter/call-next", data={"counter": "2", "key": "e1"}).status_code == 303
        assert expert.post("/counter/start", data={"ticket": public_id}).status_code == 303
        assert expert.post("/counter/finish", data={"ticket": public_id, "outcome": "resolved"}).status_code == 303
        page = clerk.get(f"/counter/visits/{public_id}")
    rows = re.findall(r"<tr><td>(\d)</td><td>([^<]+)</td>\s*<td>([^<]+)</td><td>([^<]+)</td>", page.text)
    assert [(n, s.strip(), c, who) for n, s, c, who in rows] == [
        ("1", "Yleisneuvonta", "1", "Kalle Virkailija"), ("2", "Rakennusvalvonta", "2", "Eeva Asiantuntija")]
    body = text(page)
    assert "Koko käynti" in body and "Siirretty" in body and "Ratkaistu" in body and "Poikkeamislupa" in body


def test_a_service_request_for_an_anonymous_visit_asks_for_the_customer_first(live_server):
    with log_in(live_server, "clerk", lang="fi") as clerk:
        public_id = serving(clerk)
        asked = clerk.get("/counter/requests/new", params={"ticket": public_id})
        assert (asked.status_code, asked.headers["location"]) == (
            303, f"/counter/customers?ticket={public_id}&then=request")
        search = clerk.get(asked.headers["location"])
        assert f'href="/counter/customers/new?ticket={public_id}&amp;then=request"' in search.text
        made = clerk.post("/counter/customers", data={**FORM, "ticket": public_id, "then": "request"})
        assert made.headers["location"] == f"/counter/requests/new?ticket={public_id}"
        form = clerk.get(made.headers["location"])
        assert form.status_code == 200 and NAME in form.text
