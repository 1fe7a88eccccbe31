"""The admin pages for staff accounts, printers and devices over real HTTP against uvicorn: who may
open them, mistakes shown beside their fields, a reset password forcing a change at the next login,
the last admin kept, printers added, tested and removed."""

import contextlib
import html
import re
import time

import httpx
import pytest
from sqlmodel import select

from server.db import Database
from server.models import AuditLog, Device, Printer, PrintJob, StaffUser
from tests.conftest import DEMO_PASSWORD, staff_login
from tests.printers.fake_printer import FakePrinter

PAGES = ["/admin/staff", "/admin/printers", "/admin/devices"]


def text(response: httpx.Response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


@contextlib.contextmanager
def client_for(server, username: str | None = None):
    # Passwords are hashed with Argon2 (memory- and time-hard, on purpose): on a loaded machine a few at
    # once take longer than httpx's 5 s, which is not what these tests are about.
    with httpx.Client(base_url=server.url, follow_redirects=False, headers={"accept-language": "en"},
                      timeout=30) as client:
        if username:
            assert staff_login(client, username).status_code == 303
        yield client


def log_in_with(client: httpx.Client, username: str, password: str) -> httpx.Response:
    """The login form, for a password that may be temporary (staff_login then reads /counter)."""
    form = client.get("/counter/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    response = client.post("/counter/login", data={"username": username, "password": password, "csrf_token": token})
    if response.status_code == 303:
        page = client.get(response.headers["location"])
        client.headers["X-CSRF-Token"] = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
    return response


def secret(response: httpx.Response) -> str:
    return re.search(r'<code class="secret"[^>]*>([^<]+)</code>', response.text).group(1)


def user_id(server, username: str) -> int:
    db = Database(server.settings.database_url)
    try:
        with db.read() as session:
            return session.exec(select(StaffUser).where(StaffUser.username == username)).one().id
    finally:
        db.dispose()


@pytest.mark.parametrize("page", PAGES)
def test_only_an_admin_opens_the_pages(live_server, page):
    with client_for(live_server) as anonymous:
        assert anonymous.get(page).headers["location"] == "/counter/login"
    for username in ("clerk", "manager"):
        with client_for(live_server, username) as client:
            refused = client.get(page)
            assert refused.status_code == 403 and "admin role only" in text(refused)
            assert client.post(page, data={"name": "x"}).status_code == 403
    with client_for(live_server, "admin") as client:
        assert client.get(page).status_code == 200


def test_an_admin_creates_an_account_who_must_choose_a_password_at_first_login(live_server):
    with client_for(live_server, "admin") as admin:
        refused = admin.post("/admin/staff", data={"username": "Bad Name!", "display_name": "", "role": "boss"})
        assert refused.status_code == 422
        page = text(refused)
        assert "small letters, digits" in page and "Give the person's name" in page and "Choose a role" in page
        assert 'value="Bad Name!"' in refused.text  # the input is kept
        taken = admin.post("/admin/staff", data={"username": "clerk", "display_name": "X", "role": "clerk"})
        assert taken.status_code == 422 and "This username is taken" in text(taken)

        created = admin.post("/admin/staff", data={"username": "aino", "display_name": "Aino Virtanen",
                                                   "role": "expert", "department": ""})
        assert created.status_code == 200
        temporary = secret(created)
        assert admin.get("/admin/staff").text.count(temporary) == 0  # shown once only

    with client_for(live_server) as aino:
        assert log_in_with(aino, "aino", temporary).headers["location"] == "/counter/password"
        assert aino.get("/counter").headers["location"] == "/counter/password"  # nothing else opens
        assert aino.get("/counter/appointments").headers["location"] == "/counter/password"
        form = aino.get("/counter/password")
        assert form.status_code == 200 and "temporary password" in text(form)

        short = aino.post("/counter/password", data={"current": temporary, "new": "short", "repeated": "short"})
        assert short.status_code == 422 and "at least 12 characters" in text(short)
        assert temporary not in short.text  # passwords are never sent back
        named = aino.post("/counter/password", data={"current": temporary, "new": "aino-aino-aino-1",
                                                     "repeated": "aino-aino-aino-1"})
        assert named.status_code == 422 and "must not contain the username" in text(named)
        differ = aino.post("/counter/password", data={"current": temporary, "new": "kesä-ja-talvi-2026",
                                                      "repeated": "kesä-ja-talvi-2027"})
        assert differ.status_code == 422 and "differ" in text(differ)
        wrong = aino.post("/counter/password", data={"current": "nope", "new": "kesä-ja-talvi-2026",
                                                     "repeated": "kesä-ja-talvi-2026"})
        assert wrong.status_code == 422 and "not your current password" in text(wrong)
        changed = aino.post("/counter/password", data={"current": temporary, "new": "kesä-ja-talvi-2026",
                                                       "repeated": "kesä-ja-talvi-2026"})
        assert changed.status_code == 303
        assert aino.get("/counter").status_code == 200

    with client_for(live_server) as again:
        assert log_in_with(again, "aino", temporary).status_code == 400
        assert log_in_with(again, "aino", "kesä-ja-talvi-2026").headers["location"] == "/counter"

    db = Database(live_server.settings.database_url)
    try:
        with db.read() as session:
            rows = list(session.exec(select(AuditLog).where(AuditLog.action.startswith("staff."))))
    finally:
        db.dispose()
    assert [row.action for row in rows] == ["staff.create", "staff.password_change"]
    assert all(temporary not in row.detail and "kesä" not in row.detail for row in rows)


def test_a_reset_password_replaces_the_old_one_and_forces_a_change(live_server):
    clerk_id = user_id(live_server, "clerk")
    with client_for(live_server, "clerk") as clerk, client_for(live_server, "admin") as admin:
        token = clerk.post("/api/v1/token", json={"username": "clerk", "password": DEMO_PASSWORD}).json()
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        assert clerk.get("/api/v1/sites/demo/printers", headers=bearer).status_code == 200
        time.sleep(1.1)  # tokens carry whole seconds: the reset comes in a later one
        reset = admin.post(f"/admin/staff/{clerk_id}/password")
        assert reset.status_code == 200
        temporary = secret(reset)
        # Whoever had the old password keeps nothing of it: the session and the API token end at once.
        assert clerk.get("/counter").headers["location"] == "/counter/login"
        assert clerk.get("/api/v1/sites/demo/printers", headers=bearer).status_code == 401
    with client_for(live_server) as clerk:
        assert staff_login(clerk, "clerk").status_code == 400  # the old password is gone
        assert log_in_with(clerk, "clerk", temporary).headers["location"] == "/counter/password"


def test_an_admin_changes_roles_but_never_removes_the_last_admin(live_server):
    admin_id, manager_id = user_id(live_server, "admin"), user_id(live_server, "manager")
    with client_for(live_server, "admin") as admin:
        myself = admin.post(f"/admin/staff/{admin_id}", data={"display_name": "Admin", "role": "clerk"})
        assert myself.status_code == 422 and "your own admin rights" in text(myself)
        assert admin.post(f"/admin/staff/{admin_id}/active", data={"active": "0"}).status_code == 422

        promoted = admin.post(f"/admin/staff/{manager_id}", data={"display_name": "Maija Manageri",
                                                                  "role": "admin", "department": ""})
        assert promoted.status_code == 200 and "Saved." in text(promoted)
        bad = admin.post(f"/admin/staff/{manager_id}", data={"display_name": "", "role": "admin"})
        assert bad.status_code == 422 and "Give the person's name" in text(bad)

    with client_for(live_server, "manager") as manager:  # now an admin too
        assert manager.get("/admin/staff").status_code == 200
        # Two admins: the manager may deactivate the first; then the manager is the last one.
        assert manager.post(f"/admin/staff/{admin_id}/active", data={"active": "0"}).status_code == 200
        last = manager.post(f"/admin/staff/{manager_id}", data={"display_name": "M", "role": "clerk"})
        assert last.status_code == 422
    with client_for(live_server) as gone:
        assert staff_login(gone, "admin").status_code == 400  # deactivated: cannot log in


def test_an_admin_adds_tests_and_removes_a_printer(live_server):
    with client_for(live_server, "admin") as admin, FakePrinter() as device:
        page = admin.get("/admin/printers")
        assert "kiosk-1" in page.text and 'class="condition condition-' in page.text  # each printer's condition
        bad = admin.post("/admin/printers?site=demo", data={"name": "hall", "connection": "lpt1",
                                                           "profile": "TM-9999"})
        assert bad.status_code == 422
        assert "lpt1" in text(bad) and "no printer profile" in text(bad) and 'value="lpt1"' in bad.text
        added = admin.post("/admin/printers?site=demo", data={
            "name": "hall", "connection": f"tcp://{device.host}:{device.port}", "profile": "TM-T20II"})
        assert added.status_code == 303 and added.headers["location"] == "/admin/printers?site=demo"
        db = Database(live_server.settings.database_url)
        try:
            with db.read() as session:
                hall = session.exec(select(Printer).where(Printer.name == "hall")).one()
            tested = admin.post(f"/admin/printers/{hall.id}/test")
            assert tested.status_code == 200 and "The test page was sent to hall" in text(tested)
            assert len(device.printed_tickets()) == 1
            device.paper_out = True
            refused = admin.post(f"/admin/printers/{hall.id}/test")
            assert "not printed: Out of paper" in text(refused) and len(device.printed_tickets()) == 1

            with db.read() as session:
                kiosk_printer = session.exec(select(Printer).where(Printer.name == "kiosk-1")).one()
            admin.post("/api/v1/sites/demo/tickets", json={"service": "advice", "lang": "fi"})
            assert admin.post(f"/admin/printers/{kiosk_printer.id}/remove").status_code == 303
            with db.read() as session:
                assert session.get(Printer, kiosk_printer.id) is None
                assert all(job.state in ("printed", "failed") for job in session.exec(select(PrintJob)))
                assert session.exec(select(Device).where(Device.name == "kiosk-1")).one().printer_id is None
                actions = [row.action for row in session.exec(select(AuditLog).order_by(AuditLog.id))]
        finally:
            db.dispose()
        assert ["printer.create", "printer.remove"] == [a for a in actions if a.startswith("printer.")]


def test_changing_ones_password_ends_the_other_sessions_but_not_this_one(live_server):
    with client_for(live_server, "expert") as here, client_for(live_server, "expert") as elsewhere:
        time.sleep(1.1)  # sessions count whole seconds: the change comes in a later one
        changed = here.post("/counter/password", data={"current": DEMO_PASSWORD, "new": "vaihdettu-salasana-42",
                                                        "repeated": "vaihdettu-salasana-42"})
        assert changed.status_code == 303
        assert here.get("/counter").status_code == 200
        assert elsewhere.get("/counter").headers["location"] == "/counter/login"
