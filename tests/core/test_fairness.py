"""The rule call-next picks by (server/fairness.py), held to docs/queueing.md.

Pure functions: worked examples first, then generated sets of queue heads checked against the rule
as the documentation words it, with exact arithmetic for the relative wait.
"""

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.fairness import Candidate, pick, rank, relative_wait

NOW = datetime(2026, 5, 11, 9, 0, tzinfo=timezone.utc)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def head(ticket_id: int, waited_min: float, target: int = 15, **fields) -> Candidate:
    return Candidate(ticket_id=ticket_id, queued_at=ago(waited_min), target_wait_min=target, **fields)


# --- worked examples -----------------------------------------------------------------------------


def test_relative_wait_is_minutes_waited_over_the_target_times_the_weight():
    assert relative_wait(head(1, 10, target=10), NOW) == 1.0
    assert relative_wait(head(1, 20, target=30), NOW) == pytest.approx(2 / 3)
    assert relative_wait(head(1, 20, target=30, weight=2), NOW) == pytest.approx(4 / 3)
    assert relative_wait(head(1, 0, target=10), NOW) == 0.0


def test_a_ticket_from_the_future_has_not_waited_at_all():
    # A clock a little ahead on the kiosk must not give a negative wait that sends it last forever.
    assert relative_wait(head(1, -5), NOW) == 0.0


def test_the_documented_example_a_short_target_goes_first():
    # docs/queueing.md: a 10-minute-target service that has waited 10 minutes (1.0) goes before a
    # 30-minute-target service that has waited 20 (0.67).
    short, long_ = head(1, 10, target=10), head(2, 20, target=30)
    assert pick([long_, short], NOW) == short
    assert pick([short, long_], NOW) == short


def test_a_weight_of_two_makes_a_services_waits_count_double():
    heavy, light = head(1, 8, weight=2), head(2, 15, weight=1)  # 16/15 against 15/15
    assert pick([light, heavy], NOW) == heavy
    assert pick([light, head(1, 8, weight=1)], NOW) == light


def test_a_due_appointment_waits_from_its_booked_time():
    booked = head(1, 60, appointment_at=ago(5))  # checked in an hour early, booked 5 minutes ago
    assert relative_wait(booked, NOW) == pytest.approx(5 / 15)


def test_a_due_appointment_goes_before_priority_before_front_before_the_longest_wait():
    longest = head(1, 300)
    front = head(2, 1, front=True)
    directed = head(3, 1, directed=True)
    assisted = head(4, 0, priority=1)
    urgent = head(5, 0, priority=2)
    appointment = head(6, 0, appointment_at=NOW)
    everyone = [longest, front, directed, assisted, urgent, appointment]
    assert pick(everyone, NOW) == appointment
    assert pick(everyone[:5], NOW) == urgent
    assert pick(everyone[:4], NOW) == assisted
    assert pick([longest, front], NOW) == front
    assert pick([longest, directed], NOW) == directed
    assert pick([longest, head(7, 299)], NOW) == longest


def test_a_front_and_a_directed_ticket_compare_by_their_relative_wait():
    assert pick([head(1, 5, front=True), head(2, 6, directed=True)], NOW).ticket_id == 2
    assert pick([head(1, 7, front=True), head(2, 6, directed=True)], NOW).ticket_id == 1


def test_ties_go_to_the_earlier_arrival_then_to_the_lower_id():
    # Both arrived in the future (a kiosk clock ahead): both have waited 0, the earlier goes first.
    assert pick([head(1, -2), head(2, -1)], NOW).ticket_id == 2
    same = ago(10)
    twins = [Candidate(7, same, 15), Candidate(3, same, 15), Candidate(5, same, 15)]
    assert pick(twins, NOW).ticket_id == 3


def test_equal_relative_waits_across_services_go_to_the_earlier_arrival():
    # Exactly equal: 58 min / 2 × 1 = 29 and 29 min / 7 × 7 = 29. The rule says the earlier arrival
    # (58 minutes ago) goes first; floating point must not decide it.
    earlier = head(2, 58, target=2, weight=1)
    later = head(1, 29, target=7, weight=7)
    assert pick([earlier, later], NOW) == earlier


def test_no_candidates_no_pick():
    assert pick([], NOW) is None
    assert pick([], NOW, "ordered") is None


def test_the_ordered_profile_serves_the_first_listed_service_whenever_it_has_someone():
    first = head(1, 1, position=0)
    second = head(2, 300, position=1)
    assert pick([second, first], NOW, "ordered") == first
    assert pick([second, first], NOW, "fair") == second


def test_the_ordered_profile_still_puts_priority_and_front_before_its_order():
    first = head(1, 100, position=0)
    assert pick([first, head(2, 0, position=1, priority=1)], NOW, "ordered").ticket_id == 2
    assert pick([first, head(2, 0, position=1, front=True)], NOW, "ordered").ticket_id == 2
    assert pick([first, head(2, 0, position=1, appointment_at=NOW)], NOW, "ordered").ticket_id == 2


def test_rank_orders_like_pick():
    a, b = head(1, 10, target=10), head(2, 20, target=30)
    assert rank(a, NOW) > rank(b, NOW)


# --- generated queue heads -----------------------------------------------------------------------


@st.composite
def heads(draw, min_size: int = 1, max_size: int = 8) -> list[Candidate]:
    """The candidates of one call: at most one per service (so a distinct place in the profile),
    at most one of them sent to this counter or clerk. Times are whole seconds."""
    size = draw(st.integers(min_size, max_size))
    positions = draw(st.permutations(range(size)))
    directed_index = draw(st.none() | st.integers(0, size - 1))
    result = []
    for index in range(size):
        waited_s = draw(st.integers(-120, 50_000))
        appointment_s = draw(st.none() | st.integers(0, 50_000))
        result.append(Candidate(
            ticket_id=draw(st.integers(1, 10_000)) * 100 + index,  # unique, in random order
            queued_at=NOW - timedelta(seconds=waited_s),
            target_wait_min=draw(st.integers(1, 60)),
            weight=draw(st.integers(1, 10)),
            position=positions[index],
            priority=draw(st.sampled_from((0, 0, 0, 1, 2))),
            front=draw(st.booleans()),
            directed=index == directed_index,
            appointment_at=None if appointment_s is None else NOW - timedelta(seconds=appointment_s),
        ))
    return result


def exact_relative_wait(c: Candidate) -> Fraction:
    """docs/queueing.md: minutes waited ÷ the service's target wait × the service's weight."""
    since = c.appointment_at or c.queued_at
    seconds = max(0, int((NOW - since).total_seconds()))
    return Fraction(seconds, 60) / max(1, c.target_wait_min) * max(1, c.weight)


def urgency(c: Candidate) -> tuple:
    """Steps 1–3 of the rule: a due appointment, then priority, then sent here or at the front."""
    return (c.appointment_at is not None, c.priority, c.directed or c.front)


@settings(max_examples=300, deadline=None, database=None)
@given(heads())
def test_the_fair_rule_picks_the_most_urgent_and_then_the_longest_relative_wait(candidates):
    chosen = pick(candidates, NOW)
    assert chosen in candidates
    assert urgency(chosen) == max(urgency(c) for c in candidates)
    peers = [c for c in candidates if urgency(c) == urgency(chosen)]
    # No one of equal urgency has waited relatively longer: the longest relative wait always wins,
    # and as it grows without bound no queue head is passed over for ever.
    assert exact_relative_wait(chosen) == max(exact_relative_wait(c) for c in peers)


@settings(max_examples=300, deadline=None, database=None)
@given(heads(), st.data())
def test_a_head_that_has_waited_long_enough_is_called_before_fresher_heads(candidates, data):
    """Starvation: whatever the targets and weights, a head of the same urgency as the rest is called
    once its relative wait passes theirs — it only has to wait, never to be lucky."""
    plain = [Candidate(c.ticket_id, c.queued_at, c.target_wait_min, c.weight, c.position)
             for c in candidates]
    waiting = data.draw(st.sampled_from(plain))
    others = [c for c in plain if c is not waiting]
    best_other = max((exact_relative_wait(c) for c in others), default=Fraction(0))
    # Move the waiting head's arrival back until its relative wait exceeds every other one.
    needed_s = int(best_other * waiting.target_wait_min / waiting.weight * 60) + 60
    starved = Candidate(waiting.ticket_id, NOW - timedelta(seconds=needed_s),
                        waiting.target_wait_min, waiting.weight, waiting.position)
    assert pick([*others, starved], NOW) == starved


@settings(max_examples=200, deadline=None, database=None)
@given(heads(min_size=2), st.integers(1, 60), st.integers(1, 10))
def test_ties_in_relative_wait_go_to_the_earlier_arrival_then_the_lower_id(candidates, target, weight):
    # The same target and weight everywhere: equal relative waits are equal arrivals (or both in the
    # future), so the tie-break alone decides among them.
    same = [Candidate(c.ticket_id, min(c.queued_at, NOW), target, weight) for c in candidates]
    chosen = pick(same, NOW)
    best = min(same, key=lambda c: (c.queued_at, c.ticket_id))
    assert chosen == best


@settings(max_examples=300, deadline=None, database=None)
@given(heads())
def test_the_ordered_profile_follows_the_profiles_order_after_urgency(candidates):
    chosen = pick(candidates, NOW, "ordered")
    assert urgency(chosen) == max(urgency(c) for c in candidates)
    peers = [c for c in candidates if urgency(c) == urgency(chosen)]
    assert chosen.position == min(c.position for c in peers)


@settings(max_examples=200, deadline=None, database=None)
@given(heads(), st.sampled_from(("fair", "ordered")))
def test_the_pick_does_not_depend_on_the_order_of_the_candidates(candidates, profile):
    assert pick(candidates, NOW, profile) == pick(list(reversed(candidates)), NOW, profile)


@settings(max_examples=500, deadline=None, database=None)
@given(heads(), st.sampled_from(("fair", "ordered")), st.integers(-600, 7200))
def test_the_pick_is_the_candidate_of_the_largest_rank(candidates, profile, later_s):
    # pick() compares relative waits by cross-multiplying rather than through rank()'s Fractions.
    # Equal waits are common among the generated heads (whole seconds), so the ties are tried too.
    now = NOW + timedelta(seconds=later_s)
    assert pick(candidates, now, profile) == max(candidates, key=lambda c: rank(c, now, profile))


# --- the estimate's replay: every service's new ticket from one replay (server/estimate.py) ---------

@st.composite
def queues_now(draw):
    """A site's queue as QueueNow holds it, made up: services with targets and service times, open
    counters (some paused, some serving) with profiles over them, and waiting tickets."""
    from types import SimpleNamespace as Row

    from server.estimate import QueueNow

    now = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
    sids = list(range(1, draw(st.integers(1, 5)) + 1))
    state = QueueNow.__new__(QueueNow)
    state.now = state.read_at = now
    state.day = now.date()
    state.services = {sid: Row(id=sid, target_wait_min=draw(st.sampled_from([5, 10, 15, 30])),
                               service_min=5) for sid in sids}
    state.mean = {sid: draw(st.floats(1, 20)) for sid in sids}
    state.counters, state.profiles, state.current = {}, {}, {}
    for cid in range(1, draw(st.integers(0, 4)) + 1):
        paused = draw(st.booleans()) and draw(st.booleans())
        state.counters[cid] = Row(id=cid, paused=paused, profile=draw(st.sampled_from(["fair", "ordered"])),
                                  paused_at=now - timedelta(minutes=draw(st.integers(0, 40))) if paused else None)
        served = draw(st.lists(st.sampled_from(sids), min_size=1, max_size=len(sids), unique=True))
        state.profiles[cid] = {sid: Row(counter_id=cid, service_id=sid, weight=draw(st.integers(1, 3)),
                                        position=n) for n, sid in enumerate(served)}
        if not paused and draw(st.booleans()):
            state.current[cid] = Row(counter_id=cid, service_id=draw(st.sampled_from(served)))
    tickets = draw(st.lists(st.tuples(st.sampled_from(sids), st.integers(0, 90), st.integers(0, 1), st.booleans()),
                            max_size=30))
    state.waiting = sorted(((n + 1, sid, now - timedelta(minutes=ago), priority, front)
                            for n, (sid, ago, priority, front) in enumerate(tickets)),
                           key=lambda r: (-r[3], -r[4], r[2], r[0]))
    return state


@settings(max_examples=300, deadline=None)
@given(queues_now())
def test_one_replay_estimates_every_services_new_ticket_as_its_own_replay_does(state):
    """QueueNow.replay (one replay for every service: what kiosks and counter screens ask after each
    event) gives each service exactly what wait_min's own replay with the imagined ticket does, and
    every waiting ticket its own (the phones', read with them)."""
    waits, new = state.replay(list(state.services))
    assert new == {sid: state.wait_min(sid) for sid in state.services}
    assert waits == {tid: state.wait_min(sid, tid) for tid, sid, *_rest in state.waiting}
