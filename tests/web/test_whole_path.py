"""The whole path through real HTTP and real websockets against uvicorn on loopback:
a kiosk tap prints a ticket, a clerk calls it, the display and the event stream see the call."""

import json
import time

import httpx
import pytest
from websockets.sync.client import connect

from tests.conftest import (
    DEMO_PASSWORD,
    LiveServer,
    free_port,
    make_settings,
    prepare_demo_database,
    staff_login,
    printed_files,
    recv_push,
)
from tests.printers.escpos_reader import read_escpos
from tests.printers.fake_printer import FakePrinter


def next_event(ws, type_: str) -> dict:
    """The next event of this type; earlier events of other types are skipped."""
    while True:
        event = json.loads(recv_push(ws))
        if event["type"] == type_:
            return event


def log_in_clerk(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    response = staff_login(client, "clerk")
    assert response.status_code == 303
    return client


@pytest.fixture
def printing_server(tmp_path):
    """The demo site served by uvicorn, printing to a TCP printer on 127.0.0.1."""
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'path.db'}")
    with FakePrinter() as printer:
        port = free_port()
        settings = make_settings(url, port, demo_printer=f"tcp://{printer.host}:{printer.port}")
        with LiveServer(settings, port) as server:
            yield server, printer


def test_a_kiosk_tap_reaches_paper_the_counter_and_the_display(printing_server, request):
    server, printer = printing_server
    with connect(f"{server.ws_url}/api/v1/sites/demo/events") as events, \
         connect(f"{server.ws_url}/display/demo/ws?lang=fi") as display:
        first_screen = recv_push(display)
        assert 'id="latest-call"' in first_screen and "A001" not in first_screen

        with httpx.Client(base_url=server.url, timeout=10, cookies={"luukku_lang": "fi"}) as kiosk:
            tapped = kiosk.post("/kiosk/demo/tickets", data={"service": "advice"}, headers={"HX-Request": "true"})
        assert tapped.status_code == 201
        assert "A001" in tapped.text and "Yleisneuvonta" in tapped.text
        assert "<svg" in tapped.text  # the QR code to the ticket's status page

        issued = next_event(events, "ticket.issued")
        assert issued["ticket"]["number"] == "A001" and issued["site"] == "demo"

        [ticket] = printer.wait_for_tickets(1, timeout=10)
        paper = read_escpos(ticket)
        assert "A001" in paper.text and "Yleisneuvonta" in paper.text
        assert paper.qr_payloads == [f"{server.url}/t/{issued['ticket']['id']}"]

        clerk = log_in_clerk(server.url)
        request.addfinalizer(clerk.close)
        opened = clerk.post("/counter/open", data={"counter": "1", "service": ["advice", "housing"]})
        assert opened.status_code == 303
        called = clerk.post("/counter/call-next", data={"counter": "1"}, headers={"HX-Request": "true"})
        assert called.status_code == 200 and "A001" in called.text

        call = next_event(events, "ticket.called")
        assert call["ticket"]["number"] == "A001" and call["counter"]["number"] == "1"
        assert call["seq"] > issued["seq"]

        pushed = recv_push(display)
        while "A001" not in pushed:  # the counter's opening refreshes the screen first
            pushed = recv_push(display)
        assert 'hx-swap-oob="true"' in pushed and '<span class="counter-number">1</span>' in pushed
        assert 'data-texts=\'{"fi": "Vuoronumero A-1, palvelupiste 1"}\'' in pushed  # and it is spoken

        status = httpx.get(f"{server.url}/t/{issued['ticket']['id']}?lang=en")
        assert 'Please go to counter <strong class="turn-counter">1</strong>' in status.text

        clerk.post("/counter/start", data={"ticket": issued["ticket"]["id"]}, headers={"HX-Request": "true"})
        done = clerk.post("/counter/finish", data={"ticket": issued["ticket"]["id"]},
                          headers={"HX-Request": "true"})
        assert done.status_code == 200 and "Kutsu seuraava" in done.text  # the counter is free again
        assert next_event(events, "ticket.finished")["ticket"]["status"] == "finished"


def test_the_display_speaks_the_language_it_was_opened_in(live_server):
    with connect(f"{live_server.ws_url}/display/demo/ws?lang=sv") as display:
        assert "Välkommen" in recv_push(display)


def test_a_socket_for_an_unknown_site_is_refused(live_server):
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus):
        with connect(f"{live_server.ws_url}/api/v1/sites/nowhere/events"):
            pass


@pytest.mark.postgres
def test_the_same_path_works_on_postgresql(tmp_path):
    from tests.conftest import _pg_available, postgres_database

    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    with postgres_database() as url:
        prepare_demo_database(url)
        port = free_port()
        settings = make_settings(url, port)
        with LiveServer(settings, port) as server, \
             connect(f"{server.ws_url}/api/v1/sites/demo/events") as events, \
             httpx.Client(base_url=f"{server.url}/api/v1", timeout=10) as api:
            ticket = api.post("/sites/demo/tickets", json={"service": "building", "print": True})
            assert ticket.status_code == 201 and ticket.json()["number"] == "C001"
            job = ticket.json()["print_job"]
            assert job["state"] in ("queued", "sent", "printed") and job["printer"]["name"] == "kiosk-1"
            deadline = time.monotonic() + 10
            while api.get(f"/print-jobs/{job['id']}").json()["state"] != "printed":
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert len(printed_files(settings, "*-C001-*.bin")) == 1
            token = api.post("/token", json={"username": "clerk", "password": DEMO_PASSWORD}).json()
            auth = {"Authorization": f"Bearer {token['access_token']}"}
            api.post("/counters/5/open", json={"services": ["building"]}, headers=auth)
            assert api.post("/counters/5/call-next", headers=auth).json()["number"] == "C001"
            call = next_event(events, "ticket.called")
            assert call["ticket"]["number"] == "C001" and call["counter"]["number"] == "5"
            assert api.post(f"/tickets/{ticket.json()['id']}/start", headers=auth).status_code == 200
            # Building control asks for an outcome.
            assert api.post(f"/tickets/{ticket.json()['id']}/finish", headers=auth).status_code == 422
            assert api.post(f"/tickets/{ticket.json()['id']}/finish", headers=auth,
                            json={"outcome": "resolved"}).status_code == 200
            assert next_event(events, "ticket.finished")["seq"] == call["seq"] + 2
