"""Cross-site request forgery (server/web/csrf.py): a staff session's state-changing requests need the
session's token; a forged form gets a clear 403 and changes nothing."""

import re

import httpx
from sqlmodel import select

from server.models import Counter
from tests.conftest import staff_login


def counter_open(server, number: str) -> bool:
    with server.app.state.db.read() as session:
        return session.exec(select(Counter).where(Counter.number == number)).one().is_open


def test_a_request_without_the_sessions_token_is_refused_and_changes_nothing(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10, headers={"Accept-Language": "fi"}) as client:
        assert staff_login(client, "clerk").status_code == 303
        token = client.headers.pop("X-CSRF-Token")
        forged = client.post("/counter/open", data={"counter": "2", "service": "advice"})
        assert forged.status_code == 403 and "Lataa sivu uudelleen" in forged.text
        wrong = client.post("/counter/open", data={"counter": "2", "service": "advice", "csrf_token": "x" * 43})
        assert wrong.status_code == 403 and not counter_open(live_server, "2")
        htmx = client.post("/counter/open", data={"counter": "2", "service": "advice"},
                           headers={"HX-Request": "true", "X-CSRF-Token": token + "x"})
        assert htmx.status_code == 403 and htmx.headers["HX-Retarget"] == "#errors"
        assert client.post("/counter/logout").status_code == 403  # logging someone out is a change too
        assert not counter_open(live_server, "2")
        # The same form with the token, as the page sends it.
        sent = client.post("/counter/open", data={"counter": "2", "service": "advice", "csrf_token": token})
        assert sent.status_code == 303 and counter_open(live_server, "2")


def test_every_staff_form_carries_the_token_and_htmx_sends_it(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        staff_login(client, "clerk")
        token = client.headers["X-CSRF-Token"]
        client.post("/counter/open", data={"counter": "1", "service": "advice"})
        page = client.get("/counter").text
    forms = re.findall(r"<form\b[^>]*method=\"post\"[^>]*>\s*(<input[^>]*>)?", page)
    assert len(forms) >= 5
    assert all(f'name="csrf_token" value="{token}"' in first for first in forms)
    assert f"hx-headers='{{\"X-CSRF-Token\": \"{token}\"}}'" in page


def test_the_login_form_has_its_own_token_and_public_pages_make_no_session(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        kiosk = client.get("/kiosk/demo")
        assert "set-cookie" not in kiosk.headers and "csrf" not in kiosk.text
        refused = client.post("/counter/login", data={"username": "clerk", "password": "demo-password"})
        assert refused.status_code == 403 and "luukku_session" not in refused.headers.get("set-cookie", "")
        before = client.get("/counter/login")
        assert 'name="csrf_token"' in before.text
        assert staff_login(client, "clerk").status_code == 303
        after = client.headers["X-CSRF-Token"]
    assert re.search(r'name="csrf_token" value="([^"]+)"', before.text).group(1) != after  # a new one once logged in
