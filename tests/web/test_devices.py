"""Registered kiosks and displays outside demo mode, over real HTTP, websockets and Chromium: an
unregistered browser gets a 403 page, an enrolment link makes a browser the device once, revoking
shuts the page and an open display websocket at once; the printer agent keeps its token."""

import time
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server import devices, queue
from server.db import Database
from server.models import Device, Site, Ticket, utcnow
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database

HEARTBEAT_S = 0.4


@pytest.fixture
def server(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'devices.db'}")
    port = free_port()
    settings = make_settings(url, port, demo=False, live_heartbeat_s=HEARTBEAT_S,
                             demo_printer=f"file:{tmp_path / 'prints'}")
    with LiveServer(settings, port) as server:
        yield server


def register(server, kind: str, name: str) -> str:
    """What an admin does on /admin/devices (tests/web/test_admin_people.py drives the page): a
    device of the demo site and its token."""
    db = Database(server.settings.database_url)
    try:
        with db.write() as session:
            site = queue.get_site(session, "demo")
            device = devices.save_device(session, None, site, {"kind": kind, "name": name,
                                                               "printer": "kiosk-1" if kind == "kiosk" else ""})
            return devices.issue_token(session, None, device)
    finally:
        db.dispose()


def revoke(server, name: str, reissue: bool = False) -> str | None:
    """Revokes the device's token, or with ``reissue`` gives it a new one (returned)."""
    db = Database(server.settings.database_url)
    try:
        with db.write() as session:
            device = session.exec(select(Device).where(Device.name == name)).one()
            if reissue:
                return devices.issue_token(session, None, device)
            devices.revoke(session, None, device)
    finally:
        db.dispose()


def enrol(client: httpx.Client, token: str) -> httpx.Response:
    import re

    page = client.get(f"/devices/enrol/{token}")
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(f"/devices/enrol/{token}", data={"csrf_token": csrf})


def test_an_unregistered_browser_is_told_the_screen_is_not_registered(server):
    with httpx.Client(base_url=server.url) as browser:
        for path in ("/kiosk/demo", "/display/demo", "/kiosk/demo/check-in"):
            refused = browser.get(path, headers={"accept-language": "en"})
            assert refused.status_code == 403 and "This screen is not registered" in refused.text
        finnish = browser.get("/kiosk/demo", headers={"accept-language": "fi"})
        assert finnish.status_code == 403 and '<html lang="fi">' in finnish.text
        assert browser.post("/kiosk/demo/tickets", data={"service": "advice"}).status_code == 403
        assert browser.get("/kiosk/static/kiosk.css").status_code == 200  # files are not screens
        assert browser.get("/t/nothing").status_code == 404  # the phone's pages are not gated
    with connect(f"{server.ws_url}/display/demo/ws") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == 4403


def test_an_enrolled_kiosk_works_and_its_link_works_once(server):
    token = register(server, "kiosk", "entrance")
    with httpx.Client(base_url=server.url, headers={"accept-language": "en"}) as kiosk:
        enrolled = enrol(kiosk, token)
        assert enrolled.status_code == 200 and 'url=/kiosk/demo"' in enrolled.text
        cookie = enrolled.headers["set-cookie"]
        assert "luukku_device=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert kiosk.get("/kiosk/demo").status_code == 200
        assert kiosk.post("/kiosk/demo/tickets", data={"service": "advice"}).status_code == 201
        assert kiosk.get("/display/demo").status_code == 403  # a kiosk is not a display

    with httpx.Client(base_url=server.url, headers={"accept-language": "en"}) as other:
        used = other.get(f"/devices/enrol/{token}")
        assert used.status_code == 409 and "already been used" in used.text
        assert other.get("/kiosk/demo").status_code == 403
        assert other.get("/devices/enrol/0123abcd").status_code == 404

    db = Database(server.settings.database_url)
    try:
        with db.read() as session:
            device = session.exec(select(Device).where(Device.name == "entrance")).one()
            assert device.enrolled_at is not None and device.last_seen_at is not None
    finally:
        db.dispose()


def test_last_seen_is_written_at_most_once_a_minute(db):
    with db.write() as session:
        device = devices.save_device(session, None, queue.get_site(session, "demo"), {"kind": "display", "name": "hall"})
        devices.issue_token(session, None, device)
        device_id = device.id
    now = utcnow()
    with db.write() as session:
        assert devices.seen(session, device_id, now) is True
    with db.write() as session:
        assert devices.seen(session, device_id, now + timedelta(seconds=59)) is False
        assert devices.seen(session, device_id, now + timedelta(seconds=61)) is True


def test_revoking_a_display_closes_its_open_websocket_and_refuses_its_page(server):
    token = register(server, "display", "hall")
    with httpx.Client(base_url=server.url, headers={"accept-language": "en"}) as display:
        assert enrol(display, token).status_code == 200
        assert display.get("/display/demo").status_code == 200
        cookie = f"luukku_device={display.cookies['luukku_device']}"
    with connect(f"{server.ws_url}/display/demo/ws", additional_headers={"Cookie": cookie}) as ws:
        assert 'id="latest-call"' in ws.recv(timeout=5)
        revoke(server, "hall")
        revoked_at = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)  # heartbeats, until the gate closes it
    assert closed.value.rcvd.code == 4403
    assert time.monotonic() - revoked_at < 1.0 + 2 * HEARTBEAT_S  # the gate rechecks every second
    with httpx.Client(base_url=server.url, headers={"accept-language": "en", "cookie": cookie}) as display:
        assert display.get("/display/demo").status_code == 403


def test_a_new_token_replaces_the_enrolled_browser_and_the_agent_token(server):
    from printers import jobs

    first = register(server, "kiosk", "entrance")
    with httpx.Client(base_url=server.url) as kiosk:
        enrol(kiosk, first)
        assert kiosk.get("/kiosk/demo").status_code == 200
        second = revoke(server, "entrance", reissue=True)
        assert kiosk.get("/kiosk/demo").status_code == 403
        enrol(kiosk, second)
        assert kiosk.get("/kiosk/demo").status_code == 200
    db = Database(server.settings.database_url)
    try:
        with db.write() as session:
            device = session.exec(select(Device).where(Device.name == "entrance")).one()
            assert jobs.token_valid(session, device.id, second) and not jobs.token_valid(session, device.id, first)
    finally:
        db.dispose()


def test_chromium_becomes_a_kiosk_through_the_enrolment_link(server, browser):
    token = register(server, "kiosk", "entrance")
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    try:
        assert page.goto(f"{server.url}/kiosk/demo").status == 403
        assert "not registered" in page.inner_text("main")
        page.goto(f"{server.url}/devices/enrol/{token}")
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/kiosk/demo", timeout=10_000)
        page.locator("button[name=service][value=advice]").click()
        page.locator("#issued-number").wait_for(timeout=5000)  # a ticket from the enrolled kiosk
        cookie = next(c for c in context.cookies() if c["name"] == "luukku_device")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        revoke(server, "entrance")
        page.reload()
        assert "not registered" in page.inner_text("main")
    finally:
        context.close()


def test_outside_demo_mode_the_ticket_api_wants_a_registered_kiosk_or_staff(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'api.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, demo=False), port) as server:
        db = server.app.state.db
        with db.write() as session:
            site = session.exec(select(Site).where(Site.slug == "demo")).one()
            kiosk = Device(site_id=site.id, kind="kiosk", name="api-kiosk")
            display = Device(site_id=site.id, kind="display", name="api-display")
            session.add_all([kiosk, display])
            session.flush()
            kiosk_token = devices.issue_token(session, None, kiosk)
            display_token = devices.issue_token(session, None, display)
        ticket = {"service": "advice", "lang": "fi"}
        with httpx.Client(base_url=server.url, headers={"Accept-Language": "en"}) as client:
            anonymous = client.post("/api/v1/sites/demo/tickets", json=ticket)
            assert anonymous.status_code == 401 and "registered kiosks" in anonymous.json()["detail"]
            forged = client.post("/api/v1/sites/demo/tickets", json=ticket, headers={"Authorization": "Device " + "x" * 43})
            assert forged.status_code == 401
            wrong_kind = client.post("/api/v1/sites/demo/tickets", json=ticket,
                                     headers={"Authorization": f"Device {display_token}"})
            assert wrong_kind.status_code == 401
            by_kiosk = client.post("/api/v1/sites/demo/tickets", json=ticket,
                                   headers={"Authorization": f"Device {kiosk_token}"})
            assert by_kiosk.status_code == 201 and by_kiosk.json()["number"] == "A001"
            with db.write() as session:
                devices.revoke(session, None, session.get(Device, kiosk.id))
            revoked = client.post("/api/v1/sites/demo/tickets", json=ticket,
                                  headers={"Authorization": f"Device {kiosk_token}"})
            assert revoked.status_code == 401
        with db.read() as session:
            assert session.exec(select(sa.func.count()).select_from(Ticket)).one() == 1
