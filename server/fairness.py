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
    """The candidate of the largest rank(), found without making a Fraction: relative waits are
    compared exactly by cross-multiplying. The estimate's replay picks at every call it replays, for
    every phone, kiosk and queue read after each event, and ranking was most of its time
    (docs/PERFORMANCE.md). tests/core/test_fairness.py holds it equal to the largest rank()."""
    ordered = profile == "ordered"
    best = None
    for c in candidates:
        urgent = (c.appointment_at is not None, c.priority, c.directed or c.front, -c.position if ordered else 0)
        waited = max(0, (now - (c.appointment_at or c.queued_at)) // _MICROSECOND) * max(1, c.weight)
        per = max(1, c.target_wait_min)  # relative wait: waited / (per minute's microseconds × per)
        if best is None or urgent > best_urgent:
            better = True
        elif urgent < best_urgent:
            better = False
        elif waited * best_per != best_waited * per:
            better = waited * best_per > best_waited * per
        elif c.queued_at != best.queued_at:
            better = c.queued_at < best.queued_at
        else:
            better = c.ticket_id < best.ticket_id
        if better:
            best, best_urgent, best_waited, best_per = c, urgent, waited, per
    return best


_MICROSECOND = timedelta(microseconds=1)
