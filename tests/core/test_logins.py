"""Login throttling (server/logins.py) on SQLite and PostgreSQL: the lockout, its end, and its bound
under concurrent guessing."""

import threading
from datetime import timedelta

from sqlmodel import select

from server import logins
from server.models import AuditLog, LoginAttempt, StaffUser, utcnow
from tests.conftest import DEMO_PASSWORD

RULES = logins.Rules(max_failures=5, max_per_address=20, lockout=timedelta(minutes=15))


def _log_in(db, username, password, address="10.0.0.1", rules=RULES):
    return logins.log_in(db, username, password, address, rules, demo_mode=True)


def _actions(db, action):
    with db.read() as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)))


def test_it_locks_a_username_after_the_limit_even_with_the_right_password(db):
    for _ in range(5):
        assert _log_in(db, "clerk", "wrong").refused is None
    locked = _log_in(db, "clerk", DEMO_PASSWORD)
    assert locked.user is None and locked.refused == "locked"
    assert 14 * 60 < locked.retry_after_s <= 15 * 60
    assert len(_actions(db, "login.failed")) == 5
    assert len(_actions(db, "login.locked")) == 1
    # Another username from the same address is not affected.
    assert _log_in(db, "expert", DEMO_PASSWORD).user.username == "expert"


def test_it_locks_unknown_usernames_the_same_way(db):
    outcomes = [_log_in(db, "nobody", "wrong") for _ in range(6)]
    assert [o.refused for o in outcomes] == [None] * 5 + ["locked"]
    assert _log_in(db, "NOBODY", "wrong").refused == "locked"  # case does not get around it


def test_the_lock_ends_after_the_lockout_period(db):
    start = utcnow() - timedelta(minutes=20)
    with db.write() as session:
        for i in range(5):
            attempt_id, outcome = logins.begin(session, "clerk", "10.0.0.1", RULES, now=start + timedelta(seconds=i))
            assert attempt_id is not None
    with db.write() as session:
        _, outcome = logins.begin(session, "clerk", "10.0.0.1", RULES, now=start + timedelta(minutes=10))
        assert outcome.refused == "locked"
        assert outcome.retry_after_s == 5 * 60 + 4
        attempt_id, outcome = logins.begin(session, "clerk", "10.0.0.1", RULES, now=start + timedelta(minutes=15, seconds=5))
        assert attempt_id is not None and outcome.refused is None
    assert _log_in(db, "clerk", DEMO_PASSWORD).user is not None


def test_a_successful_login_clears_the_usernames_failures(db):
    for _ in range(4):
        _log_in(db, "clerk", "wrong", address="10.0.0.2")
    _log_in(db, "nobody", "wrong", address="10.0.0.3")
    assert _log_in(db, "clerk", DEMO_PASSWORD).user is not None
    with db.read() as session:
        left = [(a.username, a.address) for a in session.exec(select(LoginAttempt))]
    assert left == [("nobody", "10.0.0.3")]
    for _ in range(4):  # four more failures do not lock: the count started again
        assert _log_in(db, "clerk", "wrong").refused is None
    assert _log_in(db, "clerk", DEMO_PASSWORD).user is not None
    with db.read() as session:
        clerk = session.exec(select(StaffUser).where(StaffUser.username == "clerk")).one()
    assert [e.staff_user_id for e in _actions(db, "login")] == [clerk.id, clerk.id]


def test_an_address_making_many_failures_is_refused(db):
    rules = logins.Rules(max_failures=5, max_per_address=8, lockout=timedelta(minutes=15))
    for i in range(8):
        assert _log_in(db, f"guess{i}", "wrong", rules=rules).refused is None
    refused = _log_in(db, "clerk", DEMO_PASSWORD, rules=rules)
    assert refused.refused == "address" and refused.user is None and refused.retry_after_s > 14 * 60
    assert _log_in(db, "clerk", DEMO_PASSWORD, address="10.9.9.9", rules=rules).user is not None
    assert len(_actions(db, "login.throttled")) == 1


def test_ten_concurrent_guesses_check_no_more_passwords_than_the_limit(db):
    """The bound: whatever the concurrency, at most ``max_failures`` passwords of one username are
    checked in a lockout period, because each attempt is counted before its check."""
    threads_count = 10
    start = threading.Barrier(threads_count)
    outcomes, errors = [], []

    def guess(i):
        start.wait()
        try:
            outcomes.append(_log_in(db, "clerk", f"wrong-{i}", address=f"10.0.1.{i}"))
        except Exception as exc:  # would be a failed transaction under contention
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(str(o.refused) for o in outcomes) == ["None"] * 5 + ["locked"] * 5
    assert len(_actions(db, "login.failed")) == 5  # one per password actually checked
    assert len(_actions(db, "login.locked")) == 1
    assert _log_in(db, "clerk", DEMO_PASSWORD).refused == "locked"
