"""Staff logins and sessions over real HTTP against uvicorn: the cookie's attributes, idle and absolute
timeouts for pages, htmx and the staff websocket, the lockout's words, the throttled API token
endpoint, and the admins' audit page."""

import re
import time
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server import audit, staff
from server.db import Database
from server.models import utcnow
from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, make_settings, prepare_demo_database, staff_login

HX = {"HX-Request": "true"}


@contextmanager
def serving(tmp_path, **overrides):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'live.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, demo_printer=f"file:{tmp_path / 'prints'}", **overrides), port) as server:
        yield server


@contextmanager
def client_of(server):
    with httpx.Client(base_url=server.url, timeout=10, headers={"Accept-Language": "en"}) as client:
        yield client


@contextmanager
def logged_in(server, username: str):
    with client_of(server) as client:
        assert staff_login(client, username).status_code == 303
        yield client


def _message(page: str, css_class: str) -> str:
    return re.search(rf'<p class="{css_class}"[^>]*>([^<]+)</p>', page).group(1)


def _rows(page: str) -> list[str]:
    """The audit table's rows as text."""
    rows = re.findall(r"<tr><td>.*?</tr>", page, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def _session_cookie_header(response: httpx.Response) -> str:
    return next(v for k, v in response.headers.multi_items()
                if k == "set-cookie" and v.startswith("luukku_session="))


def test_the_session_cookie_is_httponly_and_samesite_lax(tmp_path):
    with serving(tmp_path) as server, client_of(server) as client:
        response = staff_login(client, "clerk")
        cookie = _session_cookie_header(response).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
        assert "secure" not in cookie  # served over http: a Secure cookie would never come back
        assert "max-age=43200" in cookie  # no longer than the session may last (12 hours)


def test_the_session_cookie_is_secure_when_served_over_https(tmp_path):
    with serving(tmp_path, public_url="https://luukku.example.fi") as server, client_of(server) as client:
        # The login form's own session (its CSRF token): the client, on http, would not send it back.
        cookie = _session_cookie_header(client.get("/counter/login")).lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_a_session_ends_after_the_idle_time_and_the_login_page_says_why(tmp_path):
    with serving(tmp_path, session_idle_min=0.05) as server, logged_in(server, "clerk") as clerk:  # 3 s
        for _ in range(3):  # requests keep it alive past the idle time
            time.sleep(1.5)
            assert clerk.get("/counter").status_code == 200
        time.sleep(3.2)
        gone = clerk.get("/counter")
        assert gone.status_code == 303 and gone.headers["location"] == "/counter/login"
        login = clerk.get("/counter/login")
        assert _message(login.text, "notice") == "You were logged out after 0.05 minutes without activity."
        assert "notice" not in clerk.get("/counter/login").text  # said once
        assert clerk.get("/counter").status_code == 303  # the session is gone, not only its page
        del clerk.headers["X-CSRF-Token"]  # the old session's, as a browser on the login page would not send
        assert staff_login(clerk, "clerk").status_code == 303
        assert clerk.get("/counter").status_code == 200


def test_the_login_page_says_why_in_the_pages_language(tmp_path):
    with serving(tmp_path, session_idle_min=0.02) as server, logged_in(server, "clerk") as clerk:
        time.sleep(1.5)
        clerk.get("/counter?lang=sv")
        english = clerk.get("/counter/login?lang=en")
        assert "without activity" in english.text
        clerk.cookies.delete("luukku_lang")
        del clerk.headers["X-CSRF-Token"]
        assert staff_login(clerk, "clerk").status_code == 303
        time.sleep(1.5)
        clerk.get("/counter")
        finnish = clerk.get("/counter/login", headers={"Accept-Language": "fi"})
        assert '<html lang="fi"' in finnish.text and 'class="notice"' in finnish.text


def test_an_htmx_request_after_the_idle_time_is_sent_to_the_login_page(tmp_path):
    with serving(tmp_path, session_idle_min=0.03) as server, logged_in(server, "clerk") as clerk:
        time.sleep(2.2)
        answer = clerk.post("/counter/alarm", data={"site": "demo"}, headers=HX)
        assert answer.status_code == 204 and answer.headers["HX-Redirect"] == "/counter/login"


def test_a_session_ends_at_its_time_limit_however_busy(tmp_path):
    with serving(tmp_path, session_max_hours=3 / 3600) as server, logged_in(server, "clerk") as clerk:
        started = time.monotonic()
        while time.monotonic() - started < 2:
            assert clerk.get("/counter").status_code == 200
            time.sleep(0.5)
        time.sleep(1)
        assert clerk.get("/counter", headers=HX).headers["HX-Redirect"] == "/counter/login"
        notice = _message(clerk.get("/counter/login").text, "notice")
        assert notice.startswith("You were logged out because a session lasts at most 0.000833")


def _closed_code(ws, within_s: float) -> tuple[int, float]:
    """Pings like live.js until the server closes the line; the close code and when."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            ws.send("ping")
            ws.recv(timeout=0.3)
        except TimeoutError:
            continue
        except ConnectionClosed as closed:
            return closed.rcvd.code, time.monotonic()
    raise AssertionError("the line stayed open")


def test_the_staff_websocket_closes_when_the_session_idles_although_pushes_arrive(tmp_path):
    with serving(tmp_path, session_idle_min=0.05, live_heartbeat_s=0.5) as server, \
            logged_in(server, "clerk") as clerk, logged_in(server, "manager") as manager:
        opened = time.monotonic()
        assert manager.get("/counter/overview?site=demo").status_code == 200  # the manager's last activity
        cookie = {"Cookie": f"luukku_session={manager.cookies['luukku_session']}"}
        with connect(f"{server.ws_url}/counter/ws?view=overview&site=demo&lang=en", additional_headers=cookie) as ws:
            clerk.post("/counter/alarm", data={"site": "demo"}, headers=HX)  # a push: not the manager's activity
            code, at = _closed_code(ws, 10)
        assert code == 4401  # live.js reloads on 44xx
        assert 3 < at - opened < 6
        assert manager.get("/counter/overview").headers["location"] == "/counter/login"
        assert "without activity" in manager.get("/counter/login").text
        # A socket opened with a session already over is closed at once.
        with connect(f"{server.ws_url}/counter/ws?view=overview&site=demo", additional_headers=cookie) as late:
            assert _closed_code(late, 2)[0] == 4401


def test_logging_out_ends_the_session(tmp_path):
    with serving(tmp_path) as server, logged_in(server, "clerk") as clerk:
        stolen = clerk.cookies["luukku_session"]
        assert clerk.post("/counter/logout").status_code == 303
        assert clerk.get("/counter").headers["location"] == "/counter/login"
        assert "luukku_session" not in clerk.cookies or clerk.cookies["luukku_session"] != stolen


class CountingHasher(PasswordHasher):
    """argon2 as the server uses it, counting the hashes it computes (a check is a hash too)."""

    def __init__(self):
        super().__init__()
        self.hashes = 0

    def hash(self, *args, **kwargs):
        self.hashes += 1
        return super().hash(*args, **kwargs)

    def verify(self, *args, **kwargs):
        self.hashes += 1
        return super().verify(*args, **kwargs)


def test_the_lockout_says_the_same_for_unknown_usernames(tmp_path, monkeypatch):
    hasher = CountingHasher()
    monkeypatch.setattr(staff, "_hasher", hasher)  # the live server runs in this process
    with serving(tmp_path, login_max_failures=3) as server, client_of(server) as client:
        answers = {}
        for username in ("clerk", "no-such-user"):
            for _ in range(3):
                wrong = staff_login(client, username, "wrong")
                assert wrong.status_code == 400
                assert _message(wrong.text, "error-message") == "Wrong username or password."
            before = hasher.hashes
            locked = staff_login(client, username, DEMO_PASSWORD)
            answers[username] = (locked.status_code, _message(locked.text, "error-message"),
                                 hasher.hashes - before, int(locked.headers["retry-after"]))
        # The same words, and both spend one password hash: neither answer is quicker than the other.
        assert answers["clerk"][:3] == answers["no-such-user"][:3] == (
            429, "Too many failed logins for this username. Try again in 15 minutes.", 1)
        assert all(880 <= answer[3] <= 900 for answer in answers.values())
        assert staff_login(client, "expert").status_code == 303  # others still log in


def test_the_api_token_endpoint_is_throttled_over_the_same_counts(tmp_path):
    with serving(tmp_path, login_max_failures=3) as server, client_of(server) as client:
        for _ in range(2):
            assert client.post("/api/v1/token", json={"username": "clerk", "password": "x"}).status_code == 401
        assert staff_login(client, "clerk", "wrong").status_code == 400  # the form's failure counts too
        refused = client.post("/api/v1/token", json={"username": "clerk", "password": DEMO_PASSWORD})
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 800
        assert refused.json()["detail"].startswith("Too many failed logins for this username.")
        assert client.post("/api/v1/token", json={"username": "expert", "password": DEMO_PASSWORD}).status_code == 200


def test_an_address_making_many_failures_is_refused(tmp_path):
    with serving(tmp_path, login_max_failures_per_address=4) as server, client_of(server) as client:
        for i in range(4):
            assert client.post("/api/v1/token", json={"username": f"guess{i}", "password": "x"}).status_code == 401
        refused = staff_login(client, "clerk")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 800
        assert _message(refused.text, "error-message").startswith("Too many failed logins from your connection.")


def test_the_audit_page_is_for_admins_and_lists_logins(tmp_path):
    with serving(tmp_path, session_idle_min=0.05) as server:
        with client_of(server) as stranger:
            assert staff_login(stranger, "clerk", "wrong").status_code == 400
            assert staff_login(stranger, "nobody", "wrong").status_code == 400
        for username in ("clerk", "manager"):
            with logged_in(server, username) as client:
                assert client.get("/counter/audit").status_code == 403
                assert "/counter/audit" not in client.get("/counter").text  # not in the menu
                assert client.post("/counter/logout").status_code == 303
        with logged_in(server, "expert") as expert:
            time.sleep(3.2)
            expert.get("/counter")  # timed out
        with logged_in(server, "admin") as admin:
            page = admin.get("/counter/audit")
            assert page.status_code == 200 and 'href="/counter/audit" aria-current="page"' in page.text
            text = _rows(page.text)
            assert "Logged in" in text[0] and "address=127.0.0.1" in text[0]  # the admin's own, newest
            assert any("Kalle Virkailija" in t and "Failed login" in t for t in text)
            assert any("the system or an unknown name" in t and "Failed login" in t for t in text)
            assert any("Logged out after inactivity" in t for t in text)
            assert any(re.search(r"Logged out(?! after| at)", t) for t in text)  # the clerk's logout
            failed = admin.get("/counter/audit", params={"action": "login.failed"})
            assert len(re.findall(r"<tr><td>", failed.text)) == 2
            clerk_id = re.search(r'<option value="(\d+)">Kalle Virkailija', page.text).group(1)
            mine = admin.get("/counter/audit", params={"who": clerk_id})
            assert all("Kalle Virkailija" in t for t in _rows(mine.text))
            assert any("Failed login" in t for t in _rows(mine.text))
            yesterday = (utcnow() - timedelta(days=2)).date().isoformat()
            assert "Nothing in the audit log matches." in admin.get("/counter/audit", params={"day": yesterday}).text
            assert admin.get("/counter/audit", params={"day": "24.11."}).status_code == 422

            db = Database(server.settings.database_url)
            with db.write() as session:
                for i in range(60):
                    audit.record(session, None, "customer.view", customer_id=None, detail=f"n={i}")
            db.dispose()
            first = admin.get("/counter/audit")
            assert len(re.findall(r"<tr><td>", first.text)) == 50 and 'rel="next"' in first.text
            assert "n=59" in first.text and "n=9</td>" not in first.text
            second = admin.get("/counter/audit", params={"page": 2})
            assert "n=9</td>" in second.text and 'rel="prev"' in second.text


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_the_audit_page_speaks_the_pages_language(tmp_path, lang):
    with serving(tmp_path) as server, logged_in(server, "admin") as admin:
        page = admin.get(f"/counter/audit?lang={lang}")
        assert page.status_code == 200 and f'<html lang="{lang}"' in page.text


@pytest.mark.browser
def test_an_idle_counter_screen_goes_to_the_login_page_but_a_click_keeps_it(browser, tmp_path):
    """live.js end to end: the live line closes when the session would end, the page reloads into
    the login page; a click (an htmx request) counts as activity and moves that moment on."""
    with serving(tmp_path, session_idle_min=10, live_heartbeat_s=0.5) as server:
        page = browser.new_page(locale="fi-FI")
        page.goto(f"{server.url}/counter")
        page.get_by_label("Käyttäjätunnus").fill("clerk")
        page.get_by_label("Salasana").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Kirjaudu").click()
        page.get_by_label("Palvelupiste 3").check()
        page.get_by_label("A – Yleisneuvonta").check()
        page.get_by_role("button", name="Avaa palvelupiste").click()
        page.locator("#queue-panel").wait_for()
        # Logged in without hurry; from here on 6 s without a request end the session. The page
        # loaded again learns its new end (t = 6 s) over its new live line.
        server.app.state.settings.session_idle_min = 0.1
        page.reload()
        page.locator("#queue-panel").wait_for()
        page.evaluate("window.stillTheSamePage = true")
        page.wait_for_timeout(4000)
        page.get_by_role("button", name="Kutsu seuraava").click()  # t = 4 s, htmx: the person is there
        page.wait_for_timeout(4000)  # t = 8 s, past the loaded page's end: the line lives on
        assert page.evaluate("window.stillTheSamePage === true") and page.url.endswith("/counter")
        page.wait_for_url("**/counter/login", timeout=15000)  # t = 10 s, 6 s after the click
        assert "käyttämättä" in page.locator(".notice").inner_text() or \
            "without activity" in page.locator(".notice").inner_text()
        page.close()
