"""The directory's accounts and groups (server/directory.py) on SQLite and PostgreSQL: an account per
issuer and subject, never a local account taken over by name, the highest mapped role, a refusal that
deactivates, an admin's deactivation that a sign-in does not undo, and local passwords off but for
the break-glass admins."""

from types import SimpleNamespace

import pytest
from sqlmodel import select

from server import directory, staff
from server.models import AuditLog, DirectoryAccount, StaffUser
from server.requests import FormInvalid

ISSUER = "https://login.city.example/tenant/v2.0"


def claims(sub="abc-123", groups=("clerks",), **more) -> dict:
    return {"sub": sub, "name": "Maija Meikäläinen", "email": "maija@city.example",
            "preferred_username": "clerk", "groups": list(groups), **more}


def admin_id(session) -> int:
    return session.exec(select(StaffUser.id).where(StaffUser.username == "admin")).one()


@pytest.fixture
def mapped(db):
    with db.write() as session:
        for name, role in (("clerks", "clerk"), ("experts", "expert"), ("bosses", "manager")):
            directory.save_mapping(session, admin_id(session), {"name": name, "role": role})
    return db


def test_the_first_sign_in_makes_an_account_beside_a_local_one_of_the_same_name(mapped):
    with mapped.write() as session:
        outcome = directory.sign_in(session, ISSUER, claims(groups=["clerks", "bosses", "other"]), "groups", "10.0.0.1")
        user = outcome.user
        # "clerk" is the demo's local account: the directory's person gets a name of their own.
        assert (user.username, user.role, user.display_name) == ("clerk-2", "manager", "Maija Meikäläinen")
        assert staff.authenticate(session, "clerk-2", directory.NO_PASSWORD) is None
    with mapped.write() as session:
        again = directory.sign_in(session, ISSUER, claims(groups=["clerks"]), "groups", "10.0.0.1")
        assert again.user.id == user.id and again.user.role == "clerk"
        other_issuer = directory.sign_in(session, "https://other.example", claims(), "groups", "10.0.0.1")
        assert other_issuer.user.id != user.id
        assert len(session.exec(select(DirectoryAccount)).all()) == 2


def test_no_role_refuses_and_deactivates_and_a_role_again_reactivates(mapped):
    with mapped.write() as session:
        user_id = directory.sign_in(session, ISSUER, claims(), "groups", "-").user.id
    with mapped.write() as session:
        assert directory.sign_in(session, ISSUER, claims(groups=[]), "groups", "-").refused == "no_role"
        assert session.get(StaffUser, user_id).active is False
    with mapped.write() as session:
        assert directory.sign_in(session, ISSUER, claims(), "groups", "-").user.id == user_id
        assert session.get(StaffUser, user_id).active is True
        staff.set_active(session, admin_id(session), user_id, False)  # an admin's own decision
    with mapped.write() as session:
        assert directory.sign_in(session, ISSUER, claims(), "groups", "-").refused == "disabled"
        assert directory.sign_in(session, ISSUER, {"name": "no subject"}, "groups", "-").refused == "claims"
        refusals = session.exec(select(AuditLog.detail).where(AuditLog.action == "directory.refused")).all()
    assert len(refusals) == 4


def test_a_changed_mapping_applies_to_known_accounts_at_once(mapped):
    with mapped.write() as session:
        user_id = directory.sign_in(session, ISSUER, claims(groups=["experts"]), "groups", "-").user.id
        directory.save_mapping(session, admin_id(session), {"name": "experts", "role": "manager"})
        assert session.get(StaffUser, user_id).role == "manager"
        mapping = next(m for m in directory.mappings(session) if m.name == "experts")
        directory.remove_mapping(session, admin_id(session), mapping.id)
        assert session.get(StaffUser, user_id).active is False
        with pytest.raises(FormInvalid) as wrong:
            directory.save_mapping(session, admin_id(session), {"name": " ", "role": "boss", "department": "nope"})
        assert set(wrong.value.fields) == {"name", "role", "department"}


def test_groups_may_sit_deeper_in_the_token():
    token = {"realm_access": {"roles": ["clerks", "offline_access"]}, "groups": "one"}
    assert directory.groups_in(token, "realm_access.roles") == ["clerks", "offline_access"]
    assert directory.groups_in(token, "groups") == ["one"]
    assert directory.groups_in(token, "missing.path") == []


def test_local_passwords_off_leave_only_the_break_glass_admins():
    on = SimpleNamespace(oidc_passwords_off=False, oidc_break_glass_admins="")
    off = SimpleNamespace(oidc_passwords_off=True, oidc_break_glass_admins=" BreakGlass , admin2")
    assert directory.password_allowed(on, "clerk")
    assert directory.password_allowed(off, "breakglass") and directory.password_allowed(off, "Admin2 ")
    assert not directory.password_allowed(off, "clerk")
