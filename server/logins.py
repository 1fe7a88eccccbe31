"""Staff logins with throttling: a username locks after too many failed logins, and a network address
making too many is refused for a while. Used by the login form and the API's token endpoint alike.

Every attempt takes its place in ``login_attempt`` *before* its password is checked, in a short
transaction that also reads the counts, and these transactions run one at a time (SQLite's single
writer; a table lock on PostgreSQL). A check in flight thus counts as a failure already, so however
many guesses arrive at once, at most ``max_failures`` passwords of one username are checked in a
lockout period. The slow hash itself runs outside any transaction.

A refused answer looks like any other failure: unknown usernames are counted and locked exactly as
real ones, and a locked username still costs a hash, so neither the words nor the time tell whether
a name exists.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from server import audit, staff
from server.db import Database
from server.errors import N_
from server.models import LoginAttempt, StaffUser, utcnow


@dataclass(frozen=True)
class Rules:
    max_failures: int = 5
    max_per_address: int = 20
    lockout: timedelta = timedelta(minutes=15)  # the period failures are counted over, and the lock's length

    @classmethod
    def of(cls, settings) -> "Rules":
        return cls(max_failures=settings.login_max_failures,
                   max_per_address=settings.login_max_failures_per_address,
                   lockout=timedelta(minutes=settings.login_lockout_min))


@dataclass(frozen=True)
class Outcome:
    user: StaffUser | None = None
    refused: str | None = None  # "locked" (the username) or "address" (too many from the address)
    retry_after_s: int = 0


REFUSED = {
    # The same words for every username, real or not: the lock tells nothing about which names exist.
    "locked": N_("Too many failed logins for this username. Try again in %(minutes)s minutes."),
    "address": N_("Too many failed logins from your connection. Try again in %(minutes)s minutes."),
}


def refused_message(outcome: Outcome) -> tuple[str, dict]:
    """The English message (a msgid) and its parameters for a refused login."""
    return REFUSED[outcome.refused], {"minutes": max(1, math.ceil(outcome.retry_after_s / 60))}


def _locked_until(times: list[datetime], limit: int, lockout: timedelta) -> datetime | None:
    """``times``: the newest failures, newest first. ``limit`` of them within one lockout period
    lock until a lockout period after the newest."""
    if limit < 1 or len(times) < limit:
        return None
    newest, oldest = times[0], times[limit - 1]
    return newest + lockout if newest - oldest < lockout else None


def _newest(session: Session, column, value: str, limit: int, since: datetime) -> list[datetime]:
    query = (select(LoginAttempt.at).where(column == value, LoginAttempt.at > since)
             .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(max(limit, 1)))
    return list(session.exec(query))


def begin(session: Session, username: str, address: str, rules: Rules,
          now: datetime | None = None) -> tuple[int | None, Outcome]:
    """In a write transaction: refuses the attempt, or records it (as a failure until it succeeds)
    and returns its row's id."""
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        # One login decision at a time across workers; the transaction is a few small queries.
        session.execute(sa.text("LOCK TABLE login_attempt IN SHARE ROW EXCLUSIVE MODE"))
    # Failures older than two periods can no longer lock anything: forget them (and the typed names).
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < now - 2 * rules.lockout))
    since = now - 2 * rules.lockout
    name = username.lower()
    for kind, column, value, limit in (("address", LoginAttempt.address, address, rules.max_per_address),
                                       ("locked", LoginAttempt.username, name, rules.max_failures)):
        until = _locked_until(_newest(session, column, value, limit, since), limit, rules.lockout)
        if until is not None and until > now:
            return None, Outcome(refused=kind, retry_after_s=max(1, round((until - now).total_seconds())))
    attempt = LoginAttempt(at=now, username=name[:80], address=address[:64])
    session.add(attempt)
    session.flush()
    return attempt.id, Outcome()


def succeeded(session: Session, user: StaffUser, address: str, via: str) -> None:
    """A successful login clears its username's failures (from any address)."""
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == user.username.lower()))
    audit.record(session, user.id, "login", target=via, detail=f"address={address}")


def failed(session: Session, attempt_id: int, username: str, address: str, via: str, rules: Rules) -> None:
    """The attempt stays as a failure; the audit log gets it, and the lock it may have started."""
    attempt = session.get(LoginAttempt, attempt_id)
    if attempt is None:  # the username logged in meanwhile, which cleared its failures
        return
    user = session.exec(select(StaffUser).where(StaffUser.username == username)).first()
    uid = user.id if user else None
    audit.record(session, uid, "login.failed", target=via, detail=f"address={address}")
    since = attempt.at - rules.lockout
    for action, column, value, limit in (("login.locked", LoginAttempt.username, attempt.username, rules.max_failures),
                                         ("login.throttled", LoginAttempt.address, address, rules.max_per_address)):
        count = session.exec(select(sa.func.count()).select_from(LoginAttempt)
                             .where(column == value, LoginAttempt.at > since, LoginAttempt.id <= attempt.id)).one()
        if count == limit:  # this failure is the one that starts the lock
            audit.record(session, uid if action == "login.locked" else None, action, target=via,
                         detail=f"address={address}")


def log_in(db: Database, username: str, password: str, address: str, rules: Rules,
           demo_mode: bool = False, via: str = "form") -> Outcome:
    """The whole login, blocking (run it in a thread): throttle, check the password, record."""
    with db.write() as session:
        attempt_id, outcome = begin(session, username, address, rules)
    if attempt_id is None:
        if outcome.refused == "locked":
            staff.spend_a_hash(password)  # as long as a wrong password takes
        return outcome
    with db.read() as session:
        user = staff.authenticate(session, username, password, demo_mode)
    with db.write() as session:
        if user is None:
            failed(session, attempt_id, username, address, via, rules)
        else:
            succeeded(session, user, address, via)
    return Outcome(user=user)
