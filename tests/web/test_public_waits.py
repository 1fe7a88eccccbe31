"""The public waits (issue 21) over real HTTP: GET /api/v1/waits, /api/v1/sites/{site}/waits and the
embeddable page /waits, on SQLite and PostgreSQL. The numbers are the queue's; planted personal data
never shows; CORS and framing are allowed on these only; one reading serves many concurrent requests;
too many requests get a 429 in words; the page fits a phone and an 800 px column, framed by another
site, in Finnish, Swedish and English."""

import contextlib
import re
import http.server
import threading
from datetime import datetime, time, timedelta

import httpx
import pytest

from server import hours, queue
from server.models import Appointment, Customer, Feedback, Service, Site, Ticket, TicketContact, utcnow
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database
from tests.web import geometry
from tests.web.axe import axe_violations

SECRETS = ("Planted Personname", "planted.person@example.org", "+358401234567", "Secret note for the clerk",
           "Booker Bookname", "booker@example.org", "+358409876543", "My tax matter in detail",
           "Feedback comment with my name Planted", "push-endpoint-planted")


def plant(db) -> list[str]:
    """Tickets waiting at the demo site (three in advice, one in housing), one of them linked to a
    customer with a note and a contact, a booking and a feedback comment full of personal data, and
    a second site closed today. Answers the tickets' public ids and numbers (not for the public either)."""
    now = utcnow()
    with db.write() as session:
        issued = [queue.issue_ticket(session, "demo", code, "fi", printed=False)
                  for code in ("advice", "advice", "advice", "housing")]
        customer = Customer(name=SECRETS[0], email=SECRETS[1], phone=SECRETS[2], created_at=now,
                            updated_at=now, last_contact_at=now)
        session.add(customer)
        session.flush()
        first = session.get(Ticket, issued[0].ticket.id)
        first.customer_id, first.note = customer.id, SECRETS[3]
        session.add(first)
        session.add(TicketContact(ticket_id=first.id, site_id=first.site_id, channel="sms", address=SECRETS[2],
                                  created_at=now))
        session.add(TicketContact(ticket_id=issued[1].ticket.id, site_id=first.site_id, channel="push",
                                  address=SECRETS[9], created_at=now))
        session.add(Appointment(public_id="p" * 32, code="PLANTED1", site_id=first.site_id,
                                service_id=first.service_id, starts_at=now + timedelta(hours=1),
                                ends_at=now + timedelta(hours=1, minutes=20), status="booked", created_at=now,
                                name=SECRETS[4], email=SECRETS[5], phone=SECRETS[6], message=SECRETS[7]))
        session.add(Feedback(site_id=first.site_id, service_id=first.service_id, score=2, comment=SECRETS[8],
                             channel="tablet"))
        north = Site(slug="north", name="Pohjoinen palvelupiste", name_sv="Norra servicepunkten")
        session.add(north)
        session.flush()
        session.add(Service(site_id=north.id, code="advice", prefix="N", name_fi="Neuvonta",
                            name_sv="Rådgivning", name_en="Advice"))
        hours.set_weekly_hours(session, north, {d: (time(8), time(16)) for d in range(7)})
        hours.set_exception(session, north, hours.local_now(north, now).date(), "closed")
        return [t for i in issued for t in (i.ticket.public_id, i.ticket.number)]


@pytest.fixture
def waits_api(db):
    """A live server on the planted database whose page the city's site (a port of its own: another
    origin, on loopback as Chromium's local network checks want) may frame."""
    planted = plant(db)
    port, city_port = free_port(), free_port()
    framers = f"http://127.0.0.1:{city_port} https://www.city.example"
    settings = make_settings(db.url, port, waits_frame_ancestors=framers, waits_cache_s=60)
    with LiveServer(settings, port) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        client.db, client.planted, client.server = db, planted, server
        client.framers, client.city_port = framers, city_port
        yield client


@contextlib.contextmanager
def city_site(port: int, base: str):
    """The city's own web server: any page of it frames ``base`` + its own path and query."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = (f"<!doctype html><html lang='en'><title>City</title><iframe id='w' title='Waits' "
                    f"src='{base}{self.path}' style='border:0;width:100%;height:95vh'></iframe>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_numbers_are_the_queues_and_each_site_says_if_it_is_open(waits_api):
    body = waits_api.get("/api/v1/waits").json()
    sites = {site["site"]: site for site in body["sites"]}
    assert set(sites) == {"demo", "north"}
    with waits_api.db.read() as session:
        demo = queue.get_site(session, "demo")
        active = queue.active_services(session, demo)
        at = datetime.fromisoformat(body["generated_at"])
        counts, estimates = queue.waiting_counts(session, demo, at), queue.estimates(session, demo, active, at)
        expected = [{"code": s.code, "names": {"fi": s.name_fi, "sv": s.name_sv, "en": s.name_en},
                     "waiting": counts.get(s.id, 0), "estimated_wait_min": estimates[s.id]} for s in active]
    assert sites["demo"]["services"] == expected
    assert {s["code"]: s["waiting"] for s in expected if s["waiting"]} == {"advice": 3, "housing": 1}
    assert (sites["demo"]["open"], sites["demo"]["today"]) == (True, None)  # the demo has no hours
    assert (sites["north"]["open"], sites["north"]["today"]) == (False, {"opens": None, "closes": None})
    assert [s["estimated_wait_min"] for s in sites["north"]["services"]] == [None]  # no tickets while closed
    assert sites["north"]["names"] == {"fi": "Pohjoinen palvelupiste", "sv": "Norra servicepunkten",
                                       "en": "Pohjoinen palvelupiste"}
    one = waits_api.get("/api/v1/sites/north/waits").json()
    assert one == {"generated_at": body["generated_at"], **sites["north"]}
    # Kept for waits_cache_s (60 s here): a ticket taken meanwhile shows in the next reading only.
    with waits_api.db.write() as session:
        queue.issue_ticket(session, "demo", "advice", "fi", printed=False)
    assert waits_api.get("/api/v1/waits").json() == body
    assert waits_api.server.app.state.waits_cache.computed == 1


def test_planted_personal_data_never_shows(waits_api):
    answers = [waits_api.get(path) for path in ("/api/v1/waits", "/api/v1/sites/demo/waits")]
    answers += [waits_api.get(f"/waits{site}?lang={lang}") for site in ("", "/demo") for lang in ("fi", "sv", "en")]
    for answer in answers:
        assert answer.status_code == 200, answer.url
        for secret in (*SECRETS, *waits_api.planted):
            assert secret.lower() not in answer.text.lower(), (answer.url, secret)
    # The answer's keys are the documented ones only: a field added to it later is a decision.
    site = answers[1].json()
    assert set(site) == {"generated_at", "site", "names", "timezone", "open", "today", "services"}
    assert {key for s in site["services"] for key in s} == {"code", "names", "waiting", "estimated_wait_min"}


def test_the_page_speaks_each_language_and_says_closed_in_words(waits_api):
    fi = waits_api.get("/waits?lang=fi").text
    assert "Kaupungintalon asiakaspalvelu" in fi and "Suljettu nyt" in fi and re.search("noin \\d+\u00a0min", fi)
    sv = waits_api.get("/waits/north?lang=sv").text
    assert "Norra servicepunkten" in sv and "Stängt nu" in sv and "Rådgivning" in sv
    en = waits_api.get("/waits/demo", headers={"Accept-Language": "en"})
    assert "General advice" in en.text and "Open around the clock" in en.text and "Open now" in en.text
    assert "set-cookie" not in en.headers and en.headers["cache-control"].startswith("public, max-age=")
    missing = waits_api.get("/waits/nowhere?lang=sv")
    assert missing.status_code == 404 and "nowhere" in missing.text and "Det finns inget serviceställe" in missing.text
    waits_api.cookies.clear()  # the error page above kept the language as a cookie
    api_missing = waits_api.get("/api/v1/sites/nowhere/waits", headers={"Accept-Language": "fi"})
    assert api_missing.status_code == 404 and api_missing.json()["detail"].startswith("Asiointipistettä")


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_cors_only_on_the_public_waits_and_framing_only_for_the_page(waits_api):
    for path in ("/api/v1/waits", "/api/v1/sites/demo/waits", "/api/v1/sites/nowhere/waits"):
        answer = waits_api.get(path, headers={"Origin": "https://www.city.example"})
        assert answer.headers["access-control-allow-origin"] == "*", path
        assert answer.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in answer.headers[
            "content-security-policy"], path
    assert waits_api.get("/api/v1/waits").headers["cache-control"] == "public, max-age=60"
    preflight = waits_api.options("/api/v1/waits", headers={
        "Origin": "https://www.city.example", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
    for path in ("/api/v1/sites/demo/queue", "/api/openapi.json", "/", "/waits", "/kiosk/demo", "/healthz"):
        answer = waits_api.get(path, headers={"Origin": "https://www.city.example"})
        assert "access-control-allow-origin" not in answer.headers, path
    for path in ("/waits", "/waits/demo", "/waits/nowhere"):
        headers = waits_api.get(path).headers
        assert "x-frame-options" not in headers, path
        assert f"frame-ancestors {waits_api.framers};" in headers["content-security-policy"], path
        assert "script-src 'self'" in headers["content-security-policy"]  # the rest of the policy stays
    for path in ("/", "/waitsx", "/b/demo", "/api/v1/waits"):
        headers = waits_api.get(path).headers
        assert headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_openapi_document_describes_them(waits_api):
    document = waits_api.get("/api/openapi.json").json()
    assert document["paths"]["/v1/waits"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/Waits"}
    assert "404" in document["paths"]["/v1/sites/{site}/waits"]["get"]["responses"]
    assert set(document["components"]["schemas"]["ServiceWait"]["properties"]) == {
        "code", "names", "waiting", "estimated_wait_min"}


def test_one_reading_serves_many_concurrent_requests(tmp_path):
    """Many sites make a reading take a while; requests sent at once share it. The cache keeps a
    reading for a moment only (1 ms), so every sharing seen here is concurrency's."""
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'waits.db'}")
    from server.db import Database
    db = Database(url)
    with db.write() as session:
        for n in range(40):
            site = Site(slug=f"s{n}", name=f"Piste {n}")
            session.add(site)
            session.flush()
            session.add_all([Service(site_id=site.id, code=f"c{k}", prefix=chr(65 + k), name_fi=f"P{k}",
                                     name_sv=f"T{k}", name_en=f"S{k}") for k in range(4)])
    db.dispose()
    port = free_port()
    settings = make_settings(url, port, waits_cache_s=0.001, waits_rate_limit_per_min=0)
    requests, start = 40, threading.Barrier(40)
    answers: list[httpx.Response] = []

    def ask():
        with httpx.Client(timeout=30) as client:
            client.get(f"{server.url}/healthz")  # connected before the barrier
            start.wait()
            answers.append(client.get(f"{server.url}/api/v1/waits"))

    with LiveServer(settings, port) as server:
        threads = [threading.Thread(target=ask) for _ in range(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        computed = server.app.state.waits_cache.computed
    assert [a.status_code for a in answers] == [200] * requests
    assert len(answers[0].json()["sites"]) == 41
    assert 1 <= computed <= requests // 4, computed
    assert len({a.content for a in answers}) <= computed


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_too_many_requests_get_a_429_in_words(db):
    port = free_port()
    with LiveServer(make_settings(db.url, port, waits_rate_limit_per_min=3), port) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        assert [client.get("/api/v1/waits").status_code for _ in range(3)] == [200] * 3
        refused = client.get("/api/v1/sites/demo/waits", headers={"Accept-Language": "en"})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        assert refused.json()["detail"].startswith("Too many requests")
        assert refused.headers["access-control-allow-origin"] == "*"  # a script can read why
        page = client.get("/waits?lang=sv")
        assert page.status_code == 429 and "För många" in page.text


# The page in a browser: framed by another site at a phone's and a column's width, in each language.
SIZES = ((390, 844), (800, 600), (320, 600))


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_page_fits_framed_by_the_city_and_other_pages_refuse_the_frame(waits_api, browser, tmp_path):
    with city_site(waits_api.city_port, waits_api.server.url) as city:
        # One page loads each language and is measured at every size, the window (and with it the
        # frame) resized; the languages take turns at which size is laid out first. A context per
        # view took three times as long.
        sizes = list(SIZES)
        context = browser.new_context(viewport={"width": sizes[0][0], "height": sizes[0][1]})
        page = context.new_page()
        for shift, lang in enumerate(("fi", "sv", "en")):
            turn = sizes[shift:] + sizes[:shift]
            page.set_viewport_size({"width": turn[0][0], "height": turn[0][1]})
            page.goto(f"{city}/waits?lang={lang}")
            page.frame_locator("#w").locator("h1").wait_for()
            inner = next(f for f in page.frames if f.url.startswith(waits_api.server.url))
            assert inner.locator("html").get_attribute("lang") == lang
            for width, height in turn:
                page.set_viewport_size({"width": width, "height": height})
                inner.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
                found = [f for f in geometry.scrolling(inner) if "wide" in f]
                # (It may scroll down in its frame, as the city's page would: not wide.)
                found += geometry.clipped_text(inner) + geometry.broken_figures(inner)
                assert found == [], (width, lang, found)
                if width != 320:
                    page.screenshot(path=str(tmp_path / f"waits-{width}x{height}-{lang}.png"), full_page=True)
                if (width, lang) == (390, "fi"):
                    assert axe_violations(inner) == []
        context.close()
        # The kiosk's page is not for framing: Chromium leaves the frame with its own error page.
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{city}/kiosk/demo")  # waits for the frame's load, refused or not
        assert [f.url for f in page.frames if f.url.startswith(waits_api.server.url)] == []
        assert len(page.frames) == 2
        context.close()
