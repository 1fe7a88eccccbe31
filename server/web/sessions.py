"""Staff sessions end after a while without activity, and at the latest some hours after logging in:
counter PCs are shared, and a screen left logged in is an open door.

The session is the signed cookie's dict (Starlette's SessionMiddleware): it holds the user's id, the
login time and the time of the last request the person made, in epoch seconds. Only requests count
as activity; what a live screen receives over its websocket does not, so a counter screen left open
still ends on time.
"""

import time

from server.errors import N_

IDLE = "idle"
EXPIRED = "expired"
MESSAGES = {
    IDLE: N_("You were logged out after %(minutes)s minutes without activity."),
    EXPIRED: N_("You were logged out because a session lasts at most %(hours)s hours. Please log in again."),
}


def start(session: dict, user_id: int, now: float | None = None) -> None:
    """A fresh session for who just logged in (whatever the browser held before is dropped)."""
    now = time.time() if now is None else now
    session.clear()
    session.update(uid=user_id, login_at=now, seen_at=now)


def ended(session: dict, idle_s: float, max_s: float, now: float | None = None) -> str | None:
    """Why a logged-in session is over (``IDLE`` or ``EXPIRED``), or None while it lasts. A session
    without its times (made before they were kept) is over too."""
    now = time.time() if now is None else now
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if not isinstance(login_at, (int, float)) or not isinstance(seen_at, (int, float)):
        return EXPIRED
    if now >= login_at + max_s:
        return EXPIRED
    if now >= seen_at + idle_s:
        return IDLE
    return None


def deadline(session: dict, idle_s: float, max_s: float) -> float:
    """When the session ends if the person makes no request meanwhile (epoch seconds)."""
    return min(float(session.get("seen_at", 0)) + idle_s, float(session.get("login_at", 0)) + max_s)


def touch(session: dict, now: float | None = None) -> None:
    session["seen_at"] = time.time() if now is None else now


def end(session: dict, reason: str | None = None) -> None:
    """Clears the session; the reason stays for the login page to tell."""
    session.clear()
    if reason:
        session["ended"] = reason


def message(reason: str, idle_min: float, max_hours: float) -> tuple[str, dict]:
    """The English message (a msgid) and its parameters for a session that ended for ``reason``."""
    return MESSAGES[reason], {"minutes": f"{idle_min:g}", "hours": f"{max_hours:g}"}
