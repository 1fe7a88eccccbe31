"""A clerk's working day on the counter screen and the JSON API, over real HTTP and websockets
against uvicorn on loopback: transfers to an expert, parking, walk-ins, no-shows, alarms."""

import json
import re
from contextlib import contextmanager
from datetime import datetime, time
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import select
from websockets.sync.client import connect

from server import config, hours, queue
from server.db import Database
from server.housekeeping import close_days
from server.models import Event, Ticket
from tests.conftest import DEMO_PASSWORD, last_seq, pushes_until, recv_push, staff_login

HX = {"HX-Request": "true"}


@contextmanager
def log_in(server, username: str, lang: str = "en"):
    with httpx.Client(base_url=server.url, timeout=10, headers={"Accept-Language": lang}) as client:
        response = staff_login(client, username)
        assert response.status_code == 303
        yield client


def session_cookie(client: httpx.Client) -> str:
    return f"luukku_session={client.cookies['luukku_session']}"


def open_counter(client, counter: int, *services: str, **extra) -> None:
    response = client.post("/counter/open", data={"counter": str(counter), "service": list(services), **extra})
    assert response.status_code == 303, response.text


def take(server, service: str) -> dict:
    response = httpx.post(f"{server.url}/api/v1/sites/demo/tickets", json={"service": service})
    assert response.status_code == 201
    return response.json()


def ticket_of(fragment: str) -> str:
    return re.search(r'name="ticket" value="([^"]+)"', fragment).group(1)


def closed_today(db: Database) -> None:
    """Today (local) is a holiday: its closing time has passed, whatever the clock says."""
    with db.write() as session:
        site = queue.get_site(session, "demo")
        today = datetime.now(ZoneInfo(site.timezone)).date()
        hours.set_exception(session, site, today, "closed")


def events_of(server, ticket_id: str) -> list[Event]:
    db = Database(server.settings.database_url)
    try:
        with db.read() as session:
            ticket = session.exec(select(Ticket).where(Ticket.public_id == ticket_id)).one()
            return list(session.exec(select(Event).where(Event.ticket_id == ticket.id).order_by(Event.seq)))
    finally:
        db.dispose()


def test_a_transfer_to_the_expert_reaches_the_experts_screen_with_the_note(live_server):
    with log_in(live_server, "clerk") as clerk, log_in(live_server, "expert") as expert:
        open_counter(clerk, 1, "advice")
        open_counter(expert, 5, "building")
        ticket = take(live_server, "advice")
        with connect(f"{live_server.ws_url}/counter/ws?lang=en",
                     additional_headers={"Cookie": session_cookie(expert)}) as expert_screen:
            assert 'id="queue-panel"' in recv_push(expert_screen)  # the snapshot
            called = clerk.post("/counter/call-next", data={"counter": "1", "key": "k1"}, headers=HX)
            assert "A001" in called.text
            clerk.post("/counter/start", data={"ticket": ticket["id"]}, headers=HX)
            expert_id = re.search(r'<option value="(\d+)">Eeva Asiantuntija', called.text).group(1)
            moved = clerk.post("/counter/transfer", headers=HX, data={
                "ticket": ticket["id"], "service": "building", "expert": expert_id,
                "note": "Needs a permit for a sauna extension"})
            # Says where the customer went, not only that they went.
            assert moved.status_code == 200 and "A001 transferred to Eeva Asiantuntija (Building control)." in moved.text
            assert "No customer at the counter." in moved.text  # the clerk is free
            pushed = recv_push(expert_screen)
            while "Sent to you" not in pushed:
                pushed = recv_push(expert_screen)
            assert "A001" in pushed and "Needs a permit for a sauna extension" in pushed
        # Only the expert may call it: the clerk's counter, now serving building too, does not get it.
        assert clerk.post("/counter/call", data={"counter": "1", "ticket": "A1"}, headers=HX).status_code == 409
        got = expert.post("/counter/call-next", data={"counter": "5", "key": "e1"}, headers=HX)
        assert "A001" in got.text and "Rakennusvalvonta" not in got.text  # English page
        assert "Building control" in got.text and "Needs a permit for a sauna extension" in got.text
        assert "advice → building (Eeva Asiantuntija)" in got.text  # the history
    events = events_of(live_server, ticket["id"])
    transferred = next(e for e in events if e.type == "ticket.transferred")
    published = json.loads(transferred.data)
    assert published["escalated"] is True and published["from_tier"] == "generalist"
    assert "sauna" not in transferred.data  # the note is for staff only
    assert json.loads(transferred.private)["note"] == "Needs a permit for a sauna extension"


def test_recalls_then_a_no_show_free_the_counter(live_server):
    with log_in(live_server, "clerk", "fi") as clerk:
        open_counter(clerk, 2, "payments")
        take(live_server, "payments")
        called = clerk.post("/counter/call-next", data={"counter": "2", "key": "a"}, headers=HX)
        ticket = ticket_of(called.text)
        early = clerk.post("/counter/no-show", data={"ticket": ticket}, headers=HX)
        assert early.status_code == 409 and "Kutsu numeroa E001 3 kertaa" in early.text
        for calls in (2, 3):
            again = clerk.post("/counter/recall", data={"ticket": ticket}, headers=HX)
            assert f"{calls} kutsua" in again.text
        gone = clerk.post("/counter/no-show", data={"ticket": ticket}, headers=HX)
        assert gone.status_code == 200 and "Kutsu seuraava" in gone.text
    assert [e.type for e in events_of(live_server, ticket)] == [
        "ticket.issued", "ticket.called", "ticket.recalled", "ticket.recalled", "ticket.no_show"]


def test_a_double_click_on_call_next_calls_one_ticket(live_server):
    with log_in(live_server, "clerk") as clerk:
        open_counter(clerk, 3, "advice")
        take(live_server, "advice")
        take(live_server, "advice")
        page = clerk.get("/counter").text
        key = re.search(r'name="key" value="([^"]+)"', page).group(1)
        first = clerk.post("/counter/call-next", data={"counter": "3", "key": key}, headers=HX)
        second = clerk.post("/counter/call-next", data={"counter": "3", "key": key}, headers=HX)
        assert first.status_code == second.status_code == 200
        assert ticket_of(first.text) == ticket_of(second.text)
        queue_now = httpx.get(f"{live_server.url}/api/v1/sites/demo/queue").json()
        assert next(s for s in queue_now["services"] if s["code"] == "advice")["waiting"] == 1


def test_park_return_walk_in_priority_and_pause(live_server):
    with log_in(live_server, "clerk") as clerk:
        open_counter(clerk, 4, "advice", "housing")
        first, second = take(live_server, "advice"), take(live_server, "housing")
        clerk.post("/counter/call", data={"counter": "4", "ticket": "a1"}, headers=HX)
        parked = clerk.post("/counter/park", data={"ticket": first["id"], "note": "fetching ID"}, headers=HX)
        assert "No customer at the counter." in parked.text
        page = clerk.get("/counter").text
        assert "Put aside" in page and "fetching ID" in page
        clerk.post("/counter/return", data={"ticket": first["id"]}, headers=HX)
        # Returned to the front: A001 goes before B001, which was issued later but never left.
        third = take(live_server, "housing")
        clerk.post("/counter/priority", data={"ticket": third["id"], "priority": "1"}, headers=HX)
        order = []
        for _ in range(3):
            called = clerk.post("/counter/call-next", data={"counter": "4"}, headers=HX)
            order.append(re.search(r'id="current-number">(\w+)<', called.text).group(1))
            clerk.post("/counter/start", data={"ticket": ticket_of(called.text)}, headers=HX)
            clerk.post("/counter/finish", data={"ticket": ticket_of(called.text)}, headers=HX)
        assert order == ["B002", "A001", "B001"]  # needs assistance, then the returned one
        walk = clerk.post("/counter/walk-in", data={"counter": "4", "service": "payments"}, headers=HX)
        assert "E001" in walk.text and "walk-in" in walk.text and "Done" in walk.text
        busy = clerk.post("/counter/pause", data={"counter": "4"}, headers=HX)
        assert busy.status_code == 409 and "before pausing" in busy.text
        elsewhere = clerk.post("/counter/start", data={"ticket": second["id"]}, headers=HX)
        assert elsewhere.status_code == 409 and "B001 is not waiting" in elsewhere.text  # it is done
        clerk.post("/counter/finish", data={"ticket": ticket_of(walk.text)}, headers=HX)
        assert clerk.post("/counter/pause", data={"counter": "4"}).status_code == 303
        paused = clerk.post("/counter/call-next", data={"counter": "4"}, headers=HX)
        assert paused.status_code == 409 and "paused" in paused.text
        assert clerk.post("/counter/resume", data={"counter": "4"}).status_code == 303


def test_an_alarm_reaches_the_other_counters_and_the_overview_but_not_the_public(live_server):
    with log_in(live_server, "clerk") as clerk, log_in(live_server, "admin") as admin:
        open_counter(clerk, 1, "advice")
        open_counter(admin, 2, "advice")
        cookie = {"Cookie": session_cookie(admin)}
        with connect(f"{live_server.ws_url}/counter/ws?lang=fi", additional_headers=cookie) as counter_screen, \
             connect(f"{live_server.ws_url}/counter/ws?view=overview&site=demo&lang=fi",
                     additional_headers=cookie) as overview, \
             connect(f"{live_server.ws_url}/api/v1/sites/demo/events") as public:
            recv_push(counter_screen)
            recv_push(overview)
            # Raised only when the button was held down (counter.js sends "confirmed"), never by a press.
            pressed = clerk.post("/counter/alarm", data={"site": "demo"}, headers=HX)
            assert pressed.status_code == 422 and "Hold the alarm button down" in pressed.text
            assert clerk.post("/counter/alarm", data={"site": "demo", "confirmed": "1"},
                              headers=HX).status_code == 204
            for screen in (counter_screen, overview):
                pushed = recv_push(screen)
                assert "HÄLYTYS" in pushed and "Palvelupiste 1" in pushed and "Kalle Virkailija" in pushed
            seq = re.search(r'name="alarm" value="(\d+)"', pushed).group(1)
            assert admin.post("/counter/alarm/clear", data={"site": "demo", "alarm": seq},
                              headers=HX).status_code == 204
            assert "HÄLYTYS" not in recv_push(overview)
            take(live_server, "advice")
            assert json.loads(recv_push(public))["type"] == "ticket.issued"  # no alarm before it
        assert "Counters" in admin.get("/counter/overview").text
        refused = clerk.get("/counter/overview")
        assert refused.status_code == 403


def test_the_api_carries_a_whole_visit_with_idempotent_calls(live_server):
    with httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=10,
                      headers={"Accept-Language": "en"}) as api:
        token = api.post("/token", json={"username": "clerk", "password": DEMO_PASSWORD}).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        opened = api.post("/counters/6/open", headers=auth,
                          json={"services": ["housing", "advice"], "weights": {"housing": 2}})
        assert opened.status_code == 200 and opened.json()["profile"] == "fair"
        ticket = api.post("/sites/demo/tickets", json={"service": "housing"}).json()
        key = {**auth, "Idempotency-Key": "call-1"}
        first = api.post("/counters/6/call-next", headers=key)
        again = api.post("/counters/6/call-next", headers=key)
        assert first.json()["id"] == again.json()["id"] == ticket["id"]
        assert api.post(f"/tickets/{ticket['id']}/recall", headers=auth).json()["status"] == "called"
        assert api.post(f"/tickets/{ticket['id']}/start", headers=auth).json()["status"] == "serving"
        bad = api.post(f"/tickets/{ticket['id']}/finish", headers=auth, json={"outcome": "happy"})
        assert bad.status_code == 422 and "outcome" in bad.json()["detail"]
        nowhere = api.post(f"/tickets/{ticket['id']}/transfer", headers=auth, json={})
        assert nowhere.status_code == 422 and "Choose where to transfer" in nowhere.json()["detail"]
        parked = api.post(f"/tickets/{ticket['id']}/park", headers=auth)
        assert parked.json()["status"] == "parked"
        back = api.post(f"/tickets/{ticket['id']}/return", headers=auth)
        assert back.json()["status"] == "waiting"
        called = api.post("/counters/6/call", headers=auth, json={"ticket": "B1"})
        assert called.json()["id"] == ticket["id"]
        api.post(f"/tickets/{ticket['id']}/start", headers=auth)
        done = api.post(f"/tickets/{ticket['id']}/finish", headers=auth, json={"outcome": "resolved"})
        assert done.status_code == 200 and done.json()["status"] == "finished"
        walk = api.post("/counters/6/walk-in", headers=auth, json={"service": "advice"})
        assert walk.json()["status"] == "serving" and walk.json()["number"] == "A001"
        closed = api.post("/counters/6/close", headers=auth)
        assert closed.status_code == 409 and "Finish the current customer" in closed.json()["detail"]


def test_outside_opening_hours_the_kiosk_issues_nothing_and_closing_ends_the_queue(live_server):
    take(live_server, "advice")
    db = Database(live_server.settings.database_url)
    try:
        # Open one minute a day, two hours from now (local): closed now, whenever the test runs.
        hour = (datetime.now(ZoneInfo("Europe/Helsinki")).hour + 2) % 24
        with db.write() as session:
            site = queue.get_site(session, "demo")
            hours.set_weekly_hours(session, site, {d: (time(hour, 0), time(hour, 1)) for d in range(7)})
            # With its event, as the administration's change has: the server's kept settings follow it.
            config.config_changed(session, None, site, "config.hours.update", f"site:{site.id}")
        page = httpx.get(f"{live_server.url}/kiosk/demo", headers={"Accept-Language": "sv"})
        assert "Servicestället är stängt nu." in page.text
        assert f"Öppet i dag {hour:02d}:00–{hour:02d}:01." in page.text
        refused = httpx.post(f"{live_server.url}/kiosk/demo/tickets", data={"service": "advice"},
                             headers={"Accept-Language": "en", **HX})
        assert refused.status_code == 409 and "closed now" in refused.text
        closed_today(db)
        assert close_days(db) == 1  # past closing time A001 is closed as unserved, with its event
        with db.read() as session:
            ticket = session.exec(select(Ticket)).one()
            assert ticket.status == "unserved"
            assert session.exec(select(Event).where(Event.type == "ticket.unserved")).one()
        assert close_days(db) == 0
    finally:
        db.dispose()


def test_a_closed_counter_disappears_from_the_display(live_server):
    with log_in(live_server, "clerk") as clerk:
        open_counter(clerk, 3, "advice")
        ticket = take(live_server, "advice")
        clerk.post("/counter/call-next", data={"counter": "3"}, headers=HX)
        with connect(f"{live_server.ws_url}/display/demo/ws?lang=fi") as display:
            assert "A001" in recv_push(display)
            clerk.post("/counter/start", data={"ticket": ticket["id"]}, headers=HX)
            clerk.post("/counter/finish", data={"ticket": ticket["id"]}, headers=HX)
            # Finished, the call stays on the list: a display is pushed only what changes on it.
            assert all("A001" in push for push in pushes_until(display, last_seq(live_server)))
            assert clerk.post("/counter/close", data={"counter": "3"}).status_code == 303
            assert "A001" not in recv_push(display)


@pytest.mark.parametrize("path", ["/counter/transfer", "/counter/park", "/counter/recall",
                                  "/counter/no-show", "/counter/start", "/counter/finish",
                                  "/counter/return", "/counter/priority", "/counter/call"])
def test_bad_counter_forms_get_a_clear_4xx(live_server, path):
    with log_in(live_server, "clerk", "fi") as clerk:
        open_counter(clerk, 1, "advice")
        empty = clerk.post(path, data={"counter": "1", "priority": "1"}, headers=HX)
        assert empty.status_code == 422 and "Anna vuoronumero" in empty.text
        unknown = clerk.post(path, data={"counter": "1", "ticket": "Z999", "priority": "1"}, headers=HX)
        assert unknown.status_code in (404, 409) and "<" in unknown.text
        assert empty.headers["HX-Retarget"] == "#errors"


def test_the_server_closes_unserved_tickets_by_itself_after_closing_time(tmp_path):
    import time as clock

    from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database

    url = prepare_demo_database(f"sqlite:///{tmp_path / 'closing.db'}")
    port = free_port()
    settings = make_settings(url, port, housekeeping_interval_s=0.2)
    with LiveServer(settings, port) as server:
        ticket = take(server, "advice")
        db = Database(url)
        try:
            closed_today(db)
            deadline = clock.monotonic() + 10
            while clock.monotonic() < deadline:
                status = httpx.get(f"{server.url}/t/{ticket['id']}?lang=en").text
                if "The queue closed before your turn" in status:
                    break
                clock.sleep(0.1)
            assert "The queue closed before your turn" in status
            with db.read() as session:
                assert session.exec(select(Ticket)).one().status == "unserved"
        finally:
            db.dispose()


def test_done_call_next_serves_one_customer_and_calls_the_next_in_one_post(live_server):
    with log_in(live_server, "clerk") as clerk:
        open_counter(clerk, 2, "advice")
        first, second = take(live_server, "advice"), take(live_server, "advice")
        clerk.post("/counter/call-next", data={"counter": "2"}, headers=HX)
        serving = clerk.post("/counter/start", data={"ticket": first["id"]}, headers=HX)
        key = re.search(r'name="key" value="([^"]+)"', serving.text).group(1)
        form = {"ticket": first["id"], "outcome": "resolved", "next": "1", "key": key}
        done = clerk.post("/counter/finish", data=form, headers=HX)
        assert done.status_code == 200 and 'id="current-number">A002<' in done.text
        again = clerk.post("/counter/finish", data=form, headers=HX)  # a double click
        assert again.status_code == 200 and ticket_of(again.text) == second["id"]
        # Without JavaScript the form posts and the page shows the next customer.
        clerk.post("/counter/start", data={"ticket": second["id"]}, headers=HX)
        plain = clerk.post("/counter/finish", data={"ticket": second["id"], "next": "1"})
        assert plain.status_code == 303
        assert "No customer at the counter." in clerk.get("/counter").text
    assert [e.type for e in events_of(live_server, first["id"])][-1] == "ticket.finished"


def test_a_checked_in_appointment_shows_its_booked_time_in_the_queue(live_server):
    db = Database(live_server.settings.database_url)
    try:
        with db.write() as session:
            site = queue.get_site(session, "demo")
            booked = datetime.now(ZoneInfo(site.timezone)).replace(second=0, microsecond=0)
            queue.issue_ticket(session, "demo", "advice", "fi", printed=False, appointment_at=booked)
    finally:
        db.dispose()
    take(live_server, "advice")  # a walk-in from the kiosk
    with log_in(live_server, "clerk", "fi") as clerk:
        open_counter(clerk, 1, "advice")
        page = clerk.get("/counter").text
        rows = re.findall(r'<li data-ticket="(A00\d)">(.*?)</li>', page, re.S)
        assert [number for number, _ in rows] == ["A001", "A002"]
        assert f"varattu klo {booked:%H.%M}" in rows[0][1] and "varattu" not in rows[1][1]


def test_opening_a_counter_offers_the_clerks_last_counter_with_what_it_served(live_server):
    with log_in(live_server, "clerk") as clerk:
        first = clerk.get("/counter").text
        assert "checked" not in re.search(r'<fieldset class="counters-fieldset">.*?</fieldset>', first, re.S).group(0)
        open_counter(clerk, 3, "housing", "payments", profile="ordered", **{"weight-payments": "3"})
        assert clerk.post("/counter/close", data={"counter": "3"}).status_code == 303
        page = clerk.get("/counter").text
    assert re.search(r'name="counter" value="3" required checked', page)
    ticked = re.findall(r'name="service" value="([\w-]+)" checked', page)
    assert ticked == ["housing", "payments"]
    assert re.search(r'name="weight-payments">.*?<option value="3" selected>', page, re.S)
    assert 'value="ordered" checked' in page


def test_without_javascript_the_alarm_asks_once_more(live_server):
    with log_in(live_server, "clerk") as clerk:
        open_counter(clerk, 1, "advice")
        asked = clerk.post("/counter/alarm", data={"site": "demo"})
        assert asked.status_code == 200 and "Raise the alarm?" in asked.text
        assert "ALARM" not in clerk.get("/counter").text
        assert clerk.post("/counter/alarm", data={"site": "demo", "confirmed": "1"}).status_code == 303
        assert "ALARM" in clerk.get("/counter").text


def test_the_counter_screens_of_a_site_read_its_state_once_per_event_and_each_shows_its_own_counter(
        live_server, monkeypatch):
    """Issue 22: each counter screen read the whole queue for itself after every event (20 ms with
    5,000 waiting, 25 screens a worker). The site's state is now read once per event for them all;
    each screen still shows its own counter's line."""
    import counter.routes

    reads = []
    real_state = counter.routes._queue_state

    def counting_state(session, site_id):
        reads.append(site_id)
        return real_state(session, site_id)

    monkeypatch.setattr(counter.routes, "_queue_state", counting_state)
    with log_in(live_server, "clerk") as clerk, log_in(live_server, "expert") as expert:
        open_counter(clerk, 1, "advice")
        open_counter(expert, 5, "building")
        with connect(f"{live_server.ws_url}/counter/ws?lang=en",
                     additional_headers={"Cookie": session_cookie(clerk)}) as advice_screen, \
             connect(f"{live_server.ws_url}/counter/ws?lang=en",
                     additional_headers={"Cookie": session_cookie(expert)}) as building_screen:
            recv_push(advice_screen)
            recv_push(building_screen)
            seq = last_seq(live_server)
            pushes_until(advice_screen, seq)
            pushes_until(building_screen, seq)
            before = len(reads)
            advice = take(live_server, "advice")
            building = take(live_server, "building")
            seq_after = last_seq(live_server)
            advice_pushes = pushes_until(advice_screen, seq_after)
            building_pushes = pushes_until(building_screen, seq_after)
    events = seq_after - seq
    assert events >= 2 and advice_pushes and building_pushes
    # Two screens, each pushed after the events: read for each they would be twice the events.
    assert 1 <= len(reads) - before <= events
    def in_line(push: str) -> list[str]:
        return re.findall(r'<li data-ticket="([^"]+)"', re.search(r'<ul class="ticket-list in-line">(.*?)</ul>', push, re.S)[1])

    assert in_line(advice_pushes[-1]) == [advice["number"]]
    assert in_line(building_pushes[-1]) == [building["number"]]


def test_a_counter_screen_is_sent_a_push_only_when_what_it_shows_changes(live_server):
    """A ticket taken or called changes the clerk's queue panel; the called customer's service
    starting does not (the customer is the clerk's own answer): nothing is sent for it, but the
    heartbeat says the event was seen. In a city's day such pushes were half of the counter screens'."""
    with log_in(live_server, "clerk") as clerk:
        open_counter(clerk, 1, "advice")
        with connect(f"{live_server.ws_url}/counter/ws?lang=en",
                     additional_headers={"Cookie": session_cookie(clerk)}) as screen:
            recv_push(screen)
            pushes_until(screen, last_seq(live_server))
            ticket = take(live_server, "advice")
            [taken] = pushes_until(screen, last_seq(live_server))
            assert f'data-ticket="{ticket["number"]}"' in taken
            called = clerk.post("/counter/call-next", data={"counter": "1", "key": "k1"}, headers=HX)
            assert called.status_code == 200
            [after_call] = pushes_until(screen, last_seq(live_server))
            assert f'data-ticket="{ticket["number"]}"' not in after_call
            assert clerk.post("/counter/start", data={"ticket": ticket["id"]}, headers=HX).status_code == 200
            seq = last_seq(live_server)
            assert pushes_until(screen, seq) == []
            assert events_of(live_server, ticket["id"])[-1].type == "ticket.serving"

