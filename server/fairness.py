"""The rule call-next follows to pick one ticket among the heads of a counter's queues.

Pure: no database, no clock of its own. docs/queueing.md states the rule in words; the tests hold
it to that with generated queues (tests/core/test_fairness.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    queued_at: datetime  # the arrival time, kept across transfers
    target_wait_min: int  # the service's target waiting time
    weight: int = 1  # the service's weight in the counter's profile
    position: int = 0  # the service's place in the counter's profile
    priority: int = 0  # set by staff: needs assistance, …
    front: bool = False  # transferred or returned to the front of its queue
    directed: bool = False  # transferred to this very counter or clerk
    appointment_at: datetime | None = None  # a due appointment's booked time


def relative_wait(candidate: Candidate, now: datetime) -> Fraction:
    """Minutes waited, as a share of the service's target wait, times the profile's weight.

    A due appointment has waited since its booked time, not since check-in. Exact (a fraction of
    microseconds), so that equal waits tie and the tie rule decides, not floating point.
    """
    since = candidate.appointment_at or candidate.queued_at
    waited_us = max(0, (now - since) // timedelta(microseconds=1))
    # One fraction, not three operations on fractions: the estimate's replay ranks every head at
    # every call it replays, and this was half of its time (docs/PERFORMANCE.md).
    return Fraction(waited_us * max(1, candidate.weight), 60_000_000 * max(1, candidate.target_wait_min))


def rank(candidate: Candidate, now: datetime, profile: str = "fair") -> tuple:
    """The larger, the sooner: due appointments, then priority, then tickets sent to this counter or
    put to the front, then (``ordered`` profile only) the profile's order, then the relative wait;
    ties go to the earlier arrival, then the lower id (the earlier ticket)."""
    urgent = (
        candidate.appointment_at is not None,
        candidate.priority,
        candidate.directed or candidate.front,
    )
    order = (-candidate.position,) if profile == "ordered" else ()
    return (
        *urgent,
        *order,
        relative_wait(candidate, now),
        -candidate.queued_at.timestamp(),
        -candidate.ticket_id,
    )


def pick(candidates: list[Candidate], now: datetime, profile: str = "fair") -> Candidate | None:
    if not candidates:
        return None
    return max(candidates, key=lambda c: rank(c, now, profile))
