"""What staff see of remote tickets, over real HTTP against uvicorn: the counter's list marks a ticket
joined by phone and whether its holder is here, call-next passes over one who is not, the overview
counts them; and a remote ticket's code checks it in at the kiosk."""

import re

import httpx
from sqlmodel import select

from server import queue, remote
from server.db import Database
from server.models import AuditLog, Message
from tests.web.test_counter_day import log_in, open_counter


def join(server, phone: str, service: str = "advice"):
    db = Database(server.settings.database_url)
    try:
        with db.write() as session:
            open_all_night(session, service)
            return remote.join(session, "demo", service, "en", remote.Contact("sms", phone)).ticket
    finally:
        db.dispose()


def open_all_night(session, service: str) -> None:
    """Joining open until the demo's day ends (midnight: it is open around the clock), not an hour
    before, so that the tests pass in an evening run too."""
    row = queue.get_service(session, queue.get_site(session, "demo"), service)
    row.remote_until_min = 0
    session.add(row)


def row_of(page: str, number: str) -> str:
    return re.search(rf'<li data-ticket="{number}">.*?</li>', page, re.S).group(0)


def test_the_counter_and_the_overview_show_who_joined_by_phone_and_who_is_here(live_server):
    away = join(live_server, "+358401110001")
    here = join(live_server, "+358401110002")
    with log_in(live_server, "clerk") as clerk:
        open_counter(clerk, 1, "advice")
        page = clerk.get("/counter").text
        assert "joined by phone, not here yet" in row_of(page, away.number)
        # The kiosk checks the second one in by its own code; the screen says so.
        checked = httpx.post(f"{live_server.url}/kiosk/demo/check-in", data={"code": here.arrival_code},
                             headers={"Accept-Language": "en"})
        assert checked.status_code == 200, checked.text
        assert here.number in checked.text and "You are checked in" in checked.text, checked.text
        page = clerk.get("/counter").text
        assert "joined by phone, here" in row_of(page, here.number)
        # Call-next passes over the one who is not here, and holds it at the front.
        called = clerk.post("/counter/call-next", data={"counter": "1"}, headers={"HX-Request": "true"})
        assert here.number in called.text and away.number not in called.text.split("Next in line")[0]
        # The called visitor's history says in words how they came (no event type shown raw).
        assert "Joined the queue by phone" in called.text and "Arrived (joined by phone)" in called.text
        assert "ticket." not in re.sub(r'data-[a-z-]+="[^"]*"', "", called.text.split("Next in line")[0])
        page = clerk.get("/counter").text
        assert "held since" in row_of(page, away.number)
    with log_in(live_server, "manager") as manager:
        overview = manager.get("/counter/overview").text
        advice = re.search(r'<tr data-service="advice">.*?</tr>', overview, re.S).group(0)
        assert '<td class="remote-count">1 (1 not here yet)</td>' in advice


def test_a_manager_tells_everyone_of_an_unexpected_closure_after_a_second_look(live_server):
    join(live_server, "+358401110003")
    join(live_server, "+358401110004", service="housing")
    with log_in(live_server, "clerk") as clerk:
        assert clerk.get("/counter/notice").status_code == 403  # managers only
    with log_in(live_server, "manager") as manager:
        page = manager.get("/counter/notice?site=demo")
        assert page.status_code == 200 and "(2 now)" in page.text
        texts = {"site": "demo", "text_fi": "Suljettu tänään klo 14 alkaen.", "text_sv": ""}
        asked = manager.post("/counter/notice", data=texts)
        assert asked.status_code == 200 and "This sends 2 messages now" in asked.text
        missing = manager.post("/counter/notice", data={**texts, "text_fi": " ", "confirm": "yes"})
        assert missing.status_code == 422 and "Write the notice in Finnish at least." in missing.text
        sent = manager.post("/counter/notice", data={**texts, "confirm": "yes"})
        assert sent.status_code == 200 and "Sent: 2 waiting visitors and 0 bookings." in sent.text
    db = Database(live_server.settings.database_url)
    try:
        with db.read() as session:
            assert len(session.exec(select(Message).where(Message.kind == "closure")).all()) == 2
            assert len(session.exec(select(AuditLog).where(AuditLog.action == "site.notice")).all()) == 1
    finally:
        db.dispose()
