"""Joining the queue from a phone and acting from the ticket's page (issue 19, kiosk/remote.py), over
real HTTP: the join pages, "I'm here" by a typed code and by the entrance QR, more time, leaving,
being told by a message or by push, and bad input of every kind refused with words (never a 500)."""

import itertools
import json
import re
from html import unescape

import httpx
import pytest
from sqlmodel import select

from server import i18n, queue, remote, sms
from server.db import Database
from server.models import Service, Ticket, TicketContact
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database
from tests.fakes.push_service import PushService

ENGLISH = {"Accept-Language": "en"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_phones = itertools.count(1234501)


def new_phone() -> str:
    """A Finnish mobile number no test has used yet (one remote ticket per number and site)."""
    return f"050 {next(_phones):07d}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("remote")
    url = prepare_demo_database(f"sqlite:///{folder / 'remote.db'}")
    db = Database(url)
    try:
        with db.write() as session:  # joinable until midnight, so that the tests pass at 23.30 too
            for service in session.exec(select(Service)):
                service.remote_until_min = 0
                session.add(service)
    finally:
        db.dispose()
    port = free_port()
    settings = make_settings(url, port, demo_printer=f"file:{folder / 'prints'}", vapid_key_file=folder / "vapid.pem",
                             public_rate_limit_per_min=0)
    with LiveServer(settings, port) as live:
        yield live


@pytest.fixture
def db(server):
    database = Database(server.settings.database_url)
    yield database
    database.dispose()


@pytest.fixture
def web(server):
    with httpx.Client(base_url=server.url, timeout=10, headers=ENGLISH) as client:
        yield client


def token_of(page: httpx.Response) -> str:
    found = TOKEN.search(page.text)
    assert found, page.text
    return found.group(1)


def join(web: httpx.Client, service: str = "advice", phone: str | None = None, lang: str = "en",
         **fields) -> httpx.Response:
    form = web.get(f"/j/demo/{service}", params={"lang": lang})
    data = {"csrf_token": token_of(form), "channel": "sms", "phone": phone or new_phone(), "email": "",
            "minutes": "20", **fields}
    return web.post(f"/j/demo/{service}", data=data)


def joined(web: httpx.Client, service: str = "advice", **fields) -> str:
    response = join(web, service, **fields)
    assert response.status_code == 303, response.text
    return response.headers["location"].removeprefix("/t/")


def ticket(db: Database, public_id: str) -> Ticket:
    with db.read() as session:
        return session.exec(select(Ticket).where(Ticket.public_id == public_id)).one()


def today_code(server, db: Database) -> str:
    with db.read() as session:
        site = queue.get_site(session, "demo")
        return remote.site_code(server.settings.secret_key, site, queue.local_day(site, remote.utcnow()))


def post_on_page(web: httpx.Client, public_id: str, action: str, **data) -> httpx.Response:
    """A form of the ticket's page, posted as a phone without JavaScript posts it."""
    page = web.get(f"/t/{public_id}")
    return web.post(f"/t/{public_id}/{action}", data={"csrf_token": token_of(page), **data})


def text(page: httpx.Response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


# --- joining --------------------------------------------------------------------------------------


def test_the_list_offers_the_services_that_can_be_joined_with_their_queues(web):
    page = web.get("/j/demo")
    assert page.status_code == 200
    for code in ("advice", "housing", "payments"):
        assert f'href="/j/demo/{code}"' in page.text
    assert 'href="/j/demo/building"' not in page.text  # not joinable from a phone at all
    assert "waiting" in text(page) and "We tell you when your turn is near" in text(page)


def test_joining_gives_a_ticket_a_cookie_and_the_tickets_page(web, db):
    form = web.get("/j/demo/housing")
    assert 'type="tel"' in form.text and 'autocomplete="tel"' in form.text and 'type="email"' in form.text
    assert '<option value="20" selected>' in form.text  # told 20 minutes before, unless chosen otherwise
    response = join(web, "housing")
    assert response.status_code == 303
    public_id = response.headers["location"].removeprefix("/t/")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"luukku_t={public_id};") or f'luukku_t="{public_id}' in cookie
    for attribute in ("HttpOnly", "Max-Age=86400", "Path=/", "SameSite=lax"):
        assert attribute.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower()  # public_url is http here
    mine = ticket(db, public_id)
    assert mine.remote and mine.notify and mine.arrival_code
    page = web.get(f"/t/{public_id}")
    assert page.status_code == 200
    assert mine.number in page.text
    assert f"{mine.arrival_code[:3]} {mine.arrival_code[3:]}" in page.text
    assert "When you arrive" in text(page) and "I'm here" in text(page)
    assert "We will tell you by text message about 20 minutes before your turn." in text(page)


def test_a_second_ticket_remembers_both_in_the_cookie(web):
    first = joined(web)
    second = joined(web, "payments")
    assert web.cookies.get("luukku_t").strip('"').split() == [first, second]


def test_a_bad_phone_number_comes_back_in_finnish_with_what_was_typed(web):
    response = join(web, phone="12345", lang="fi", minutes="30")
    assert response.status_code == 422
    assert '<html lang="fi">' in response.text
    message = i18n.gettext("fi", "Check the phone number: it should look like 040 123 4567 or +358 40 123 4567.")
    assert " ".join(message.split()) in text(response)  # (a figure and its word kept on one line)
    assert 'value="12345"' in response.text and '<option value="30" selected>' in response.text
    assert 'aria-invalid="true"' in response.text


def test_an_email_without_an_address_and_a_bad_minute_choice_are_refused(web):
    assert join(web, channel="email", phone="").status_code == 422
    response = join(web, minutes="7")
    assert response.status_code == 422
    assert "minutes before your turn" in text(response)


def test_a_service_that_cannot_be_joined_from_a_phone_says_so(web):
    page = web.get("/j/demo/building")
    assert page.status_code == 200 and "<form" not in page.text
    assert "cannot be joined from a phone" in text(page)
    response = web.post("/j/demo/building", data={"csrf_token": token_of(web.get("/j/demo/advice")),
                                                  "channel": "sms", "phone": new_phone(), "minutes": "20"})
    assert response.status_code == 409
    assert "cannot be joined from a phone" in text(response)


def test_one_remote_ticket_per_phone(web):
    phone = new_phone()
    joined(web, phone=phone)
    response = join(web, "housing", phone=phone)
    assert response.status_code == 409
    assert "You already have a ticket in the queue here" in text(response)
    assert phone in response.text  # kept, to correct


def test_a_full_quota_is_refused(web, db):
    with db.write() as session:
        service = session.exec(select(Service).where(Service.code == "payments")).one()
        service.remote_max_waiting = 0
        session.add(service)
    try:
        assert "Queue full" in text(web.get("/j/demo"))
        assert "The queue is full" in text(web.get("/j/demo/payments"))  # and no form
        response = web.post("/j/demo/payments", data={"csrf_token": token_of(web.get("/j/demo/advice")),
                                                      "channel": "sms", "phone": new_phone(), "minutes": "20"})
        assert response.status_code == 409
        assert "The queue is full" in text(response)
    finally:
        with db.write() as session:
            service = session.exec(select(Service).where(Service.code == "payments")).one()
            service.remote_max_waiting = 20
            session.add(service)


def test_a_form_without_its_token_is_refused(web, server):
    web.get("/j/demo/advice")  # a session, but no token sent
    data = {"channel": "sms", "phone": new_phone(), "minutes": "20"}
    assert web.post("/j/demo/advice", data=data).status_code == 403
    with httpx.Client(base_url=server.url, headers=ENGLISH) as stranger:  # no session at all
        assert stranger.post("/j/demo/advice", data={**data, "csrf_token": "guess"}).status_code == 403


def test_unknown_sites_and_services_are_404s(web):
    assert web.get("/j/nowhere").status_code == 404
    assert web.get("/j/demo/nothing").status_code == 404


# --- arriving -------------------------------------------------------------------------------------


def test_im_here_with_todays_code(web, db, server):
    public_id = joined(web)
    response = post_on_page(web, public_id, "here", code=today_code(server, db))
    assert response.status_code == 303 and response.headers["location"] == f"/t/{public_id}"
    assert ticket(db, public_id).arrived_at is not None
    page = web.get(f"/t/{public_id}")
    assert "You have arrived. Wait for your number on the screens." in text(page)
    assert 'name="code"' not in page.text


def test_a_wrong_code_changes_nothing(web, db, server):
    public_id = joined(web)
    wrong = f"{(int(today_code(server, db)) + 1) % 10000:04d}"
    response = post_on_page(web, public_id, "here", code=wrong)
    assert response.status_code == 422
    assert "That is not today's code" in text(response) and 'name="code"' in response.text
    assert ticket(db, public_id).arrived_at is None
    htmx = post_on_page(web, public_id, "here", code="")
    assert htmx.status_code == 422


def test_the_entrance_qr_marks_this_browsers_tickets_arrived(web, db, server):
    first, second = joined(web), joined(web, "housing")
    response = web.get(f"/t/here/demo/{today_code(server, db)}")
    assert response.status_code == 303 and response.headers["location"] in (f"/t/{first}", f"/t/{second}")
    assert ticket(db, first).arrived_at is not None and ticket(db, second).arrived_at is not None


def test_the_entrance_qr_without_a_ticket_tells_how_to_arrive(server, db):
    code = today_code(server, db)
    with httpx.Client(base_url=server.url, headers=ENGLISH) as stranger:
        page = stranger.get(f"/t/here/demo/{code}")
        assert page.status_code == 200
        assert f'id="site-code">{code}<' in page.text and "I'm here" in text(page)
        wrong = stranger.get(f"/t/here/demo/{(int(code) + 1) % 10000:04d}")
        assert wrong.status_code == 422


# --- more time, leaving ---------------------------------------------------------------------------


def test_more_time_twice_then_refused(web, db):
    public_id = joined(web, "housing")
    with db.write() as session:
        for _ in range(4):
            queue.issue_ticket(session, "demo", "housing", "fi")
    first = post_on_page(web, public_id, "more-time")
    assert first.status_code == 303 and first.headers["location"] == f"/t/{public_id}?moved=3"
    assert "You moved back 3 places." in text(web.get(first.headers["location"]))
    htmx = web.post(f"/t/{public_id}/more-time", headers={"HX-Request": "true", "X-CSRF-Token": token_of(
        web.get(f"/t/{public_id}"))})
    assert htmx.status_code == 200 and htmx.text.lstrip().startswith(("{#", "<section", "\n")) is not None
    assert 'id="ticket-status"' in htmx.text and "<html" not in htmx.text and "You moved back 1 place." in text(htmx)
    assert "I need more time" not in text(htmx)  # twice is all
    assert ticket(db, public_id).delays == 2
    assert post_on_page(web, public_id, "more-time").status_code == 409


def test_leaving_asks_first_then_ends_the_visit(web, db):
    public_id = joined(web)
    ask = web.get(f"/t/{public_id}/leave")
    assert ask.status_code == 200 and "Leave the queue?" in text(ask) and f'href="/t/{public_id}"' in ask.text
    token = token_of(ask)
    response = web.post(f"/t/{public_id}/leave", data={"csrf_token": token})
    assert response.status_code == 303
    assert ticket(db, public_id).status == "cancelled"
    assert "You left the queue" in text(web.get(f"/t/{public_id}"))
    assert web.get(f"/t/{public_id}/leave").status_code == 303  # nothing left to leave
    assert web.post(f"/t/{public_id}/leave", data={"csrf_token": token}).status_code == 409


# --- being told -----------------------------------------------------------------------------------


def kiosk_ticket(db: Database) -> str:
    with db.write() as session:
        return queue.issue_ticket(session, "demo", "advice", "en").ticket.public_id


def test_a_kiosk_ticket_asks_to_be_told_by_email_then_stops(web, db):
    public_id = kiosk_ticket(db)
    page = web.get(f"/t/{public_id}")
    assert "Tell me when my turn is near" in text(page) and "I'm leaving" in text(page)
    assert "When you arrive" not in text(page)  # taken at the kiosk: here already
    bad = post_on_page(web, public_id, "notify", channel="email", email="not-an-address", minutes="10")
    assert bad.status_code == 422 and 'value="not-an-address"' in bad.text
    response = post_on_page(web, public_id, "notify", channel="email", email="Visitor@Example.fi", minutes="10")
    assert response.status_code == 303
    with db.read() as session:
        contact = session.get(TicketContact, ticket(db, public_id).id)
        assert (contact.channel, contact.address, contact.notify_before_min) == ("email", "visitor@example.fi", 10)
    assert "We will tell you by email about 10 minutes before your turn." in text(web.get(f"/t/{public_id}"))
    assert post_on_page(web, public_id, "notify/stop").status_code == 303
    assert not ticket(db, public_id).notify
    assert "Tell me when my turn is near" in text(web.get(f"/t/{public_id}"))


def test_a_phone_number_for_text_messages_is_kept_in_e164(web, db):
    public_id = kiosk_ticket(db)
    response = post_on_page(web, public_id, "notify", channel="sms", phone="040 123 4567", minutes="20")
    assert response.status_code == 303
    with db.read() as session:
        assert session.get(TicketContact, ticket(db, public_id).id).address == sms.normal_phone("040 123 4567")


def test_a_push_subscription_is_kept_and_a_bad_one_refused(web, db):
    public_id = kiosk_ticket(db)
    page = web.get(f"/t/{public_id}")
    key = re.search(r'data-push-key="([^"]+)"', page.text).group(1)
    headers = {"X-CSRF-Token": token_of(page), "HX-Request": "true"}
    with PushService() as service:
        subscription = service.new_subscription(key)
    response = web.post(f"/t/{public_id}/push", json={"subscription": subscription, "minutes": 15}, headers=headers)
    assert response.status_code == 200, response.text
    assert "We will tell you on this phone about 15 minutes before your turn." in text(response)
    with db.read() as session:
        contact = session.get(TicketContact, ticket(db, public_id).id)
        assert contact.channel == "push" and json.loads(contact.address)["endpoint"] == subscription["endpoint"]
    other = kiosk_ticket(db)
    bad = web.post(f"/t/{other}/push", json={"subscription": {"endpoint": "ftp://x", "keys": {}}}, headers=headers)
    assert bad.status_code == 422 and "not valid" in text(bad)
    assert not ticket(db, other).notify
    assert web.post(f"/t/{other}/push", json=subscription).status_code == 403  # no token


def test_the_service_worker_is_served_for_the_ticket_pages(web):
    response = web.get("/t/push-sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.headers["service-worker-allowed"] == "/t/" and response.headers["cache-control"] == "no-cache"
    assert "showNotification" in response.text
