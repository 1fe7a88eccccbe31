"""Every answer carries the security headers (server/web/headers.py); a staff websocket opened from another
site's page is refused (server/csrf.same_origin)."""

import re
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.web.headers import CONTENT_SECURITY_POLICY
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database, recv_push, staff_login


def test_pages_files_errors_and_the_api_carry_the_headers(live_server):
    with httpx.Client(base_url=live_server.url) as client:
        for path in ("/kiosk/demo", "/display/demo", "/b/demo", "/counter/login", "/static/live.js",
                     "/api/v1/sites/demo/queue", "/no/such/page", "/api/v1/tickets/x/recall"):
            headers = client.get(path).headers
            assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
            assert "script-src 'self'" in headers["content-security-policy"]
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert headers["x-frame-options"] == "DENY"
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["permissions-policy"].startswith("camera=(self), microphone=()")
            assert "strict-transport-security" not in headers  # plain http: HSTS would mean nothing
        assert client.get("/kiosk/demo").headers["referrer-policy"] == "same-origin"


def test_no_template_writes_a_script_or_a_style_inline():
    root = Path(__file__).resolve().parents[2]
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
    found = [f"{path.relative_to(root)}: {match.group(0)}"
             for folder in ("server", "kiosk", "counter", "display")
             for path in (root / folder).rglob("*.html")
             for match in inline.finditer(path.read_text())]
    assert found == []


def test_hsts_is_sent_when_the_public_address_is_https(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'h.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, public_url="https://luukku.example.fi"), port) as server:
        headers = httpx.get(f"{server.url}/healthz").headers
    assert headers["strict-transport-security"] == "max-age=31536000"


def test_a_staff_websocket_from_another_sites_page_is_refused(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as clerk:
        assert staff_login(clerk, "clerk").status_code == 303
        assert clerk.post("/counter/open", data={"counter": "1", "service": ["advice"]}).status_code == 303
        cookie = {"Cookie": f"luukku_session={clerk.cookies['luukku_session']}"}
        with connect(f"{live_server.ws_url}/counter/ws?lang=en", additional_headers=cookie,
                     origin="http://evil.example") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
        assert closed.value.rcvd.code == 4403
        # The page's own origin, and a client that is not a browser (no Origin), are served.
        with connect(f"{live_server.ws_url}/counter/ws?lang=en", additional_headers=cookie,
                     origin=live_server.url) as ws:
            assert 'id="queue-panel"' in recv_push(ws)
        with connect(f"{live_server.ws_url}/counter/ws?lang=en", additional_headers=cookie) as ws:
            assert 'id="queue-panel"' in recv_push(ws)
