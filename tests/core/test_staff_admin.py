"""Staff administration in the domain core, on SQLite and PostgreSQL: accounts, roles, the last
admin, passwords reset by an admin and changed by their owner, devices' tokens, and the audit rows
each change leaves."""

import pytest
from sqlmodel import select

from printers import jobs, setup
from server import devices, queue, staff
from server.errors import Conflict, NotFound
from server.models import AuditLog, Device, Printer, StaffUser
from server.requests import FormInvalid
from tests.conftest import DEMO_PASSWORD


def user_named(db, username: str) -> StaffUser:
    with db.read() as session:
        return session.exec(select(StaffUser).where(StaffUser.username == username)).one()


def audit_actions(db, prefix: str) -> list[tuple[str, str]]:
    with db.read() as session:
        rows = session.exec(select(AuditLog).where(AuditLog.action.startswith(prefix)).order_by(AuditLog.id))
        return [(row.action, row.target) for row in rows]


def test_a_new_account_has_a_temporary_password_to_change_at_first_login(db):
    admin = user_named(db, "admin")
    with db.write() as session:
        password, user = staff.create_user(session, admin.id, {"username": "Aino", "display_name": " Aino V ",
                                                               "role": "expert", "department": ""})
    assert user.username == "aino" and user.display_name == "Aino V" and user.must_change_password
    assert password not in user.password_hash
    with db.read() as session:
        assert staff.authenticate(session, "aino", password).id == user.id
    assert audit_actions(db, "staff.") == [("staff.create", f"staff:{user.id}")]


def test_the_form_names_every_mistake(db):
    admin = user_named(db, "admin")
    with db.write() as session, pytest.raises(FormInvalid) as refused:
        staff.create_user(session, admin.id, {"username": "a b", "display_name": "", "role": "boss",
                                              "department": "nowhere"})
    assert set(refused.value.fields) == {"username", "display_name", "role", "department"}


@pytest.mark.parametrize("password, problem", [
    ("short", "at least 12"),
    ("my-clerk-password", "username"),
    ("CLERKCLERKCLERK", "username"),
    ("kesä-ja-talvi-2026", None),
])
def test_password_rules(password, problem):
    found = staff.password_problem(password, "clerk")
    assert (found is None) if problem is None else (problem in found)


def test_a_user_changes_their_own_password(db):
    clerk = user_named(db, "clerk")
    with db.write() as session, pytest.raises(FormInvalid) as wrong:
        staff.change_password(session, clerk.id, "not it", "kesä-ja-talvi-2026", "kesä-ja-talvi-2026")
    assert list(wrong.value.fields) == ["current"]
    with db.write() as session, pytest.raises(FormInvalid) as differ:
        staff.change_password(session, clerk.id, DEMO_PASSWORD, "kesä-ja-talvi-2026", "kesä-ja-talvi-2027")
    assert list(differ.value.fields) == ["repeated"]
    with db.write() as session:
        staff.change_password(session, clerk.id, DEMO_PASSWORD, "kesä-ja-talvi-2026", "kesä-ja-talvi-2026")
    with db.read() as session:
        assert staff.authenticate(session, "clerk", DEMO_PASSWORD, demo_mode=True) is None
        changed = staff.authenticate(session, "clerk", "kesä-ja-talvi-2026", demo_mode=True)
    assert changed is not None and not changed.must_change_password and changed.password_changed_at is not None


def test_a_reset_makes_the_old_password_useless_and_forces_a_change(db):
    admin, clerk = user_named(db, "admin"), user_named(db, "clerk")
    with db.write() as session:
        temporary = staff.reset_password(session, admin.id, clerk.id)
    with db.read() as session:
        assert staff.authenticate(session, "clerk", DEMO_PASSWORD, demo_mode=True) is None
        assert staff.authenticate(session, "clerk", temporary, demo_mode=True).must_change_password
    with db.write() as session:
        staff.change_password(session, clerk.id, temporary, "kesä-ja-talvi-2026", "kesä-ja-talvi-2026")
    assert user_named(db, "clerk").must_change_password is False
    assert [a for a, _ in audit_actions(db, "staff.")] == ["staff.password_reset", "staff.password_change"]
    with db.read() as session:
        details = [row.detail for row in session.exec(select(AuditLog))]
    assert not any(temporary in d or "kesä" in d for d in details)  # passwords are never logged


def test_the_last_active_admin_stays_an_admin(db):
    admin, manager = user_named(db, "admin"), user_named(db, "manager")
    with db.write() as session, pytest.raises(FormInvalid) as demote_self:
        staff.update_user(session, admin.id, admin.id, {"display_name": "A", "role": "manager"})
    assert "own admin rights" in demote_self.value.fields["role"]
    with db.write() as session, pytest.raises(FormInvalid):
        staff.set_active(session, admin.id, admin.id, False)

    with db.write() as session:
        staff.update_user(session, admin.id, manager.id, {"display_name": "Maija", "role": "admin"})
    with db.write() as session:  # another admin may now deactivate the first
        staff.set_active(session, manager.id, admin.id, False)
    with db.write() as session, pytest.raises(FormInvalid) as last:
        staff.update_user(session, admin.id, manager.id, {"display_name": "Maija", "role": "clerk"})
    assert "last active admin" in last.value.fields["role"]
    with db.write() as session:
        staff.set_active(session, manager.id, admin.id, True)
    with db.read() as session:
        assert staff.authenticate(session, "admin", DEMO_PASSWORD, demo_mode=True) is not None
    assert [a for a, _ in audit_actions(db, "staff.")] == ["staff.update", "staff.deactivate", "staff.activate"]


def test_a_deactivated_user_cannot_log_in(db):
    admin, clerk = user_named(db, "admin"), user_named(db, "clerk")
    with db.write() as session:
        staff.set_active(session, admin.id, clerk.id, False)
    with db.read() as session:
        assert staff.authenticate(session, "clerk", DEMO_PASSWORD, demo_mode=True) is None


def test_a_device_token_enrols_once_and_revoking_ends_the_cookie(db):
    secret = "k" * 32
    with db.write() as session:
        site = queue.get_site(session, "demo")
        device = devices.save_device(session, None, site, {"kind": "display", "name": "hall"})
        token = devices.issue_token(session, None, device)
    with db.write() as session:
        cookie = devices.cookie_value(secret, devices.enrol(session, token))
    with db.write() as session, pytest.raises(Conflict):
        devices.enrol(session, token)
    with db.read() as session:
        screen = devices.screen_for_cookie(session, secret, cookie)
        assert screen.kind == "display" and screen.may_show("display", ("demo", "other"))
        assert not screen.may_show("kiosk", ("demo",)) and not screen.may_show("display", ("other",))
        assert devices.screen_for_cookie(session, "another key" * 3, cookie) is None
        assert devices.screen_for_cookie(session, secret, cookie[:-2] + "xx") is None
    with db.write() as session:
        devices.revoke(session, None, session.exec(select(Device).where(Device.name == "hall")).one())
    with db.read() as session:
        assert devices.screen_for_cookie(session, secret, cookie) is None
    with db.write() as session, pytest.raises(NotFound):
        devices.enrol(session, token)


def test_removing_a_printer_fails_its_jobs_and_frees_its_kiosks(db):
    with db.write() as session:
        site = queue.get_site(session, "demo")
        hall = setup.save_printer(session, site, "hall", "tcp://10.0.0.5:9100", "TM-T20II", None)
        devices.save_device(session, None, site, {"kind": "kiosk", "name": "door", "printer": "hall"})
        job_id = queue.issue_ticket(session, "demo", "advice", "fi", device="door").print_job_id
    with db.read() as session:
        assert jobs.get_job(session, job_id).printer_id == hall.id
    with db.write() as session:
        assert setup.remove_printer(session, session.get(Printer, hall.id)) == 1
    with db.read() as session:
        assert session.exec(select(Device).where(Device.name == "door")).one().printer_id is None
        assert jobs.get_job(session, job_id).state == "failed"
    assert [a for a, _ in audit_actions(db, "printer.")] == ["printer.create", "printer.remove"]
