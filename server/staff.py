"""Staff accounts: argon2 password hashes, logins and signed API bearer tokens."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlmodel import Session, select

from server.models import StaffUser

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
        data = _serializer(secret_key).loads(token, max_age=max_age_s)
    except (BadSignature, SignatureExpired):
        return None
    user = session.get(StaffUser, data.get("uid")) if isinstance(data, dict) else None
    return user if may_log_in(user, demo_mode) else None
