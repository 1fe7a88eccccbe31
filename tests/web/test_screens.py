"""The HTML screens over real HTTP: languages, logins, and bad input that a person can understand."""

import re
import time

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, make_settings, prepare_demo_database, staff_login


@pytest.fixture
def web(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        yield client


def test_the_kiosk_starts_in_the_sites_default_language_and_switches(web):
    assert "Valitse asiasi ja saat vuoronumeron." in web.get("/kiosk/demo").text
    swedish = web.get("/kiosk/demo?lang=sv")
    assert "Välj ditt ärende så får du ett könummer." in swedish.text
    assert "Småbarnspedagogik" in swedish.text
    assert "Småbarnspedagogik" in web.get("/kiosk/demo").text  # the choice is remembered
    assert "Early childhood education" in web.get("/kiosk/demo?lang=en").text


def test_an_unknown_site_gets_a_404_in_the_visitors_language(web):
    response = web.get("/kiosk/harbour", headers={"Accept-Language": "sv"})
    assert response.status_code == 404
    assert "Det finns inget serviceställe som heter ”harbour”." in response.text
    assert web.get("/no/such/page").status_code == 404


def test_a_kiosk_tap_without_a_service_is_refused_with_words(web):
    response = web.post("/kiosk/demo/tickets", data={}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#errors"
    assert "Valitse palvelu." in response.text
    unknown = web.post("/kiosk/demo/tickets", data={"service": "parking"}, headers={"HX-Request": "true"})
    assert unknown.status_code == 404 and "”parking”" in unknown.text


def test_the_status_page_of_a_ticket_shows_no_one_elses_data(web):
    web.post("/kiosk/demo/tickets", data={"service": "advice"})
    issued = web.post("/api/v1/sites/demo/tickets", json={"service": "advice", "lang": "fi"}).json()
    page = web.get(f"/t/{issued['id']}")
    assert page.status_code == 200
    assert "A002" in page.text and "A001" not in page.text
    assert "Edelläsi jonossa" in page.text
    assert web.get("/t/A002").status_code == 404  # the number is not an address


def test_the_counter_needs_a_login(web):
    response = web.get("/counter")
    assert response.status_code == 303 and response.headers["location"] == "/counter/login"
    htmx = web.post("/counter/call-next", data={"counter": "1"}, headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/counter/login"
    wrong = staff_login(web, "clerk", "guess")
    assert wrong.status_code == 400 and "Väärä käyttäjätunnus tai salasana." in wrong.text


def test_a_clerk_opens_a_counter_calls_and_finishes(web):
    web.post("/kiosk/demo/tickets", data={"service": "payments"})
    assert staff_login(web, "clerk").status_code == 303
    setup = web.get("/counter")
    assert "Avaa palvelupiste" in setup.text and "Maksut ja laskut" in setup.text
    nothing = web.post("/counter/open", data={"counter": "4"}, headers={"HX-Request": "true"})
    assert nothing.status_code == 422 and "vähintään yksi palvelu" in nothing.text
    assert web.post("/counter/open", data={"counter": "4", "service": "payments"}).status_code == 303
    called = web.post("/counter/call-next", data={"counter": "4"}, headers={"HX-Request": "true"})
    assert "E001" in called.text and "Asiakas on paikalla – aloita" in called.text
    twice = web.post("/counter/call-next", data={"counter": "4"}, headers={"HX-Request": "true"})
    assert twice.status_code == 409 and "Päätä nykyisen asiakkaan palvelu" in twice.text
    ticket_id = called.text.split('name="ticket" value="')[1].split('"')[0]
    early = web.post("/counter/finish", data={"ticket": ticket_id}, headers={"HX-Request": "true"})
    assert early.status_code == 409 and "E001" in early.text
    serving = web.post("/counter/start", data={"ticket": ticket_id}, headers={"HX-Request": "true"})
    assert "Valmis" in serving.text
    done = web.post("/counter/finish", data={"ticket": ticket_id, "outcome": "resolved"},
                    headers={"HX-Request": "true"})
    assert "Kutsu seuraava" in done.text
    empty = web.post("/counter/call-next", data={"counter": "4"}, headers={"HX-Request": "true"})
    assert "Palveluissasi ei ole jonottajia." in empty.text
    garbled = web.post("/counter/close", data={"counter": "four"}, headers={"HX-Request": "true"})
    assert garbled.status_code == 422 and "Valitse palvelupiste." in garbled.text
    assert web.post("/counter/close", data={"counter": "4"}).status_code == 303
    assert "Avaa palvelupiste" in web.get("/counter").text


def test_demo_logins_do_not_work_outside_demo_mode(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'prod.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, demo=False), port) as server:
        with httpx.Client(base_url=server.url) as client:
            response = staff_login(client, "clerk")
            assert response.status_code == 400
            token = client.post("/api/v1/token", json={"username": "admin", "password": DEMO_PASSWORD})
            assert token.status_code == 401


def test_a_ticket_is_issued_and_shown_large_when_the_printer_is_down(tmp_path):
    from server.db import Database
    from sqlmodel import select

    from server.models import Printer, PrintJob

    url = prepare_demo_database(f"sqlite:///{tmp_path / 'down.db'}")
    port = free_port()
    unplugged = free_port()  # nothing listens there: a printer switched off
    settings = make_settings(url, port, demo_printer=f"tcp://127.0.0.1:{unplugged}",
                             printer_status_interval_s=0.2)
    database = Database(url)
    with LiveServer(settings, port) as server, httpx.Client(base_url=server.url, timeout=10) as kiosk:
        # A ticket issued before the server has heard from the printer waits for its paper, and the
        # ticket screen asks how it is doing until the answer is in.
        response = kiosk.post("/kiosk/demo/tickets?lang=sv", data={"service": "advice"},
                              headers={"HX-Request": "true"})
        assert response.status_code == 201
        assert 'id="issued-number">A001<' in response.text and "<svg" in response.text
        progress = re.search(r'hx-get="(/kiosk/demo/print-jobs/[0-9a-f]{32})"', response.text)
        if progress:
            deadline = time.monotonic() + 10
            while (answer := kiosk.get(progress[1] + "?lang=sv", headers={"HX-Request": "true"})).status_code == 204:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            assert answer.status_code == 200
        else:  # the status poller had already found the printer dark
            answer = response
        assert "Skrivaren fungerar inte." in answer.text and "issued--on-screen" in answer.text
        assert 'id="issued-number">A001<' in answer.text and "<svg" in answer.text

        # Once the server knows the printer is dark, the next visitor is told before choosing, and
        # gets the ticket on screen at once.
        deadline = time.monotonic() + 10
        while "kiosk-printer-down" not in (start := kiosk.get("/kiosk/demo?lang=sv").text):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert "Biljettskrivaren" in start
        second = kiosk.post("/kiosk/demo/tickets?lang=sv", data={"service": "advice"},
                            headers={"HX-Request": "true"})
        assert "issued--on-screen" in second.text and "print-jobs" not in second.text
    with database.read() as session:
        [job, _] = session.exec(select(PrintJob).order_by(PrintJob.created_at)).all()
        printer = session.get(Printer, job.printer_id)
    database.dispose()
    # Nothing reached paper, so the job waits to be retried when the printer answers again.
    assert job.state == "queued" and job.attempts >= 1 and "no_answer" in job.error
    assert printer.condition == "no_answer"
