"""Staff accounts: argon2 password hashes, logins, signed API bearer tokens, and their administration
(accounts, roles, the forced change after an admin's reset); every change leaves an audit row."""

import base64
import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, select

from server import audit
from server.errors import N_, NotFound
from server.models import ROLES, Department, StaffUser, utcnow
from server.requests import FormInvalid

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def has_role(user: StaffUser, *roles: str) -> bool:
    """An admin may do everything; the others what their role allows (server/models.ROLES)."""
    return user.role == "admin" or user.role in roles


def spend_a_hash(password: str) -> None:
    """The time a real password check takes, so that an answer without one is not told apart."""
    _hasher.hash(password)


def may_log_in(user: StaffUser | None, demo_mode: bool) -> bool:
    return user is not None and user.active and (demo_mode or not user.demo)


def authenticate(
    session: Session, username: str, password: str, demo_mode: bool = False
) -> StaffUser | None:
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    if not may_log_in(user, demo_mode):
        # Spend the same time as a real check, so a wrong name is not told apart from a wrong password.
        spend_a_hash(password)
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="luukku-api-token")


def issue_token(secret_key: str, user: StaffUser) -> str:
    return _serializer(secret_key).dumps({"uid": user.id})


def user_for_token(
    session: Session, secret_key: str, token: str, max_age_s: int, demo_mode: bool = False
) -> StaffUser | None:
    try:
        data, issued_at = _serializer(secret_key).loads(token, max_age=max_age_s, return_timestamp=True)
    except (BadSignature, SignatureExpired):
        return None
    user = session.get(StaffUser, data.get("uid")) if isinstance(data, dict) else None
    if user is not None and not still_valid(user, issued_at.timestamp()):
        return None
    return user if may_log_in(user, demo_mode) else None


def still_valid(user: StaffUser, since: float) -> bool:
    """A session or token begun before the user's password last changed (a reset by an admin, or
    their own change) is over: whoever had the old password keeps nothing of it. Whole seconds,
    as tokens carry them."""
    changed = user.password_changed_at
    return changed is None or since >= int(changed.timestamp())


# --- administration: accounts, roles, passwords ------------------------------------------------

MIN_PASSWORD_LENGTH = 12
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")


def staff_list(session: Session) -> list[StaffUser]:
    """Everyone, the active first, by name."""
    return list(session.exec(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.display_name)))


def get_user(session: Session, user_id: int, lock: bool = False) -> StaffUser:
    query = select(StaffUser).where(StaffUser.id == user_id)
    user = session.exec(query.with_for_update() if lock else query).first()
    if user is None:
        raise NotFound(N_("There is no such staff user."))
    return user


def password_problem(password: str, username: str) -> str | None:
    """What is wrong with a new password (an N_ message), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("A password needs at least 12 characters.")
    if password.strip().casefold() == username.casefold() or username.casefold() in password.casefold():
        return N_("The password must not contain the username.")
    return None


def _profile(session: Session, values: dict, fields: dict[str, str]) -> tuple[str, str, int | None]:
    """Display name, role and department from a form, each mistake noted in ``fields``."""
    name = str(values.get("display_name") or "").strip()
    if not name:
        fields["display_name"] = N_("Give the person's name.")
    elif len(name) > 200:
        fields["display_name"] = N_("A name has at most 200 characters.")
    return (name, *role_and_department(session, values, fields))


def role_and_department(session: Session, values: dict, fields: dict[str, str]) -> tuple[str, int | None]:
    """A role and a department (by its code, or none) from a form, each mistake noted in ``fields``:
    a person's (above) and a directory group's (server/directory.py)."""
    role = str(values.get("role") or "")
    if role not in ROLES:
        fields["role"] = N_("Choose a role.")
    department_id = None
    code = str(values.get("department") or "").strip()
    if code:
        department = session.exec(select(Department).where(Department.code == code)).first()
        if department is None:
            fields["department"] = N_("There is no such department.")
        else:
            department_id = department.id
    return role, department_id


def create_user(session: Session, admin_id: int, values: dict) -> tuple[str, StaffUser]:
    """A new account and its temporary password, returned once (never stored in plain text): it must
    be changed at the first login."""
    fields: dict[str, str] = {}
    username = str(values.get("username") or "").strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        fields["username"] = N_("A username has 2 to 40 small letters, digits, dots, dashes or underscores.")
    elif session.exec(select(StaffUser).where(StaffUser.username == username)).first() is not None:
        fields["username"] = N_("This username is taken.")
    name, role, department_id = _profile(session, values, fields)
    if fields:
        raise FormInvalid(fields)
    password = temporary_password()
    user = StaffUser(username=username, display_name=name, role=role, department_id=department_id,
                     password_hash=hash_password(password), must_change_password=True)
    session.add(user)
    session.flush()
    audit.record(session, admin_id, "staff.create", target=f"staff:{user.id}", detail=f"role={role}")
    return password, user


def _active_admins(session: Session) -> int:
    return session.exec(select(sa.func.count()).select_from(StaffUser)
                        .where(StaffUser.role == "admin", StaffUser.active)).one()


def _guard_last_admin(session: Session, admin_id: int, user: StaffUser, *, stays_admin: bool,
                      stays_active: bool, field: str) -> None:
    if user.role != "admin" or not user.active or (stays_admin and stays_active):
        return
    if user.id == admin_id:
        raise FormInvalid({field: N_("You cannot take away your own admin rights or account.")})
    if _active_admins(session) <= 1:
        raise FormInvalid({field: N_("This is the last active admin; make someone else an admin first.")})


def update_user(session: Session, admin_id: int, user_id: int, values: dict) -> StaffUser:
    """Name, role and department; an admin cannot demote themself, nor the last active admin."""
    user = get_user(session, user_id, lock=True)
    fields: dict[str, str] = {}
    name, role, department_id = _profile(session, values, fields)
    if fields:
        raise FormInvalid(fields)
    _guard_last_admin(session, admin_id, user, stays_admin=role == "admin", stays_active=True, field="role")
    changed = [f"{key}" for key, old, new in (("display_name", user.display_name, name), ("role", user.role, role),
                                              ("department", user.department_id, department_id)) if old != new]
    if changed:
        detail = ",".join(changed) + (f"; role {user.role}->{role}" if user.role != role else "")
        user.display_name, user.role, user.department_id = name, role, department_id
        session.add(user)
        audit.record(session, admin_id, "staff.update", target=f"staff:{user.id}", detail=detail)
    return user


def set_active(session: Session, admin_id: int, user_id: int, active: bool) -> StaffUser:
    """Deactivating logs the user out at their next request (``may_log_in``); the account stays for the
    history it is part of."""
    user = get_user(session, user_id, lock=True)
    if user.active == active:
        return user
    _guard_last_admin(session, admin_id, user, stays_admin=True, stays_active=active, field="active")
    user.active = active
    session.add(user)
    audit.record(session, admin_id, "staff.activate" if active else "staff.deactivate", target=f"staff:{user.id}")
    return user


def temporary_password() -> str:
    # 15 random bytes in base32: 24 letters and digits, easy to read out and type, 120 bits.
    return base64.b32encode(secrets.token_bytes(15)).decode("ascii").lower()


def reset_password(session: Session, admin_id: int, user_id: int, now: datetime | None = None) -> str:
    """A one-time temporary password, returned once: its holder must choose a new one at login."""
    user = get_user(session, user_id, lock=True)
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_changed_at = now or utcnow()
    session.add(user)
    audit.record(session, admin_id, "staff.password_reset", target=f"staff:{user.id}")
    return password


def change_password(session: Session, user_id: int, current: str, new: str, repeated: str,
                    now: datetime | None = None) -> StaffUser:
    """The user's own change: the current password, then the new one twice."""
    user = get_user(session, user_id, lock=True)
    try:
        _hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise FormInvalid({"current": N_("This is not your current password.")}) from None
    problem = password_problem(new, user.username)
    if problem:
        raise FormInvalid({"new": problem})
    if new != repeated:
        raise FormInvalid({"repeated": N_("The two new passwords differ.")})
    if new == current:
        raise FormInvalid({"new": N_("Choose a password other than the current one.")})
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = now or utcnow()
    session.add(user)
    audit.record(session, user.id, "staff.password_change", target=f"staff:{user.id}")
    return user
