"""What a clerk does at a counter, as transitions of the queue engine (docs/queueing.md).

Each function runs inside the caller's write transaction, checks that the clerk is bound to the
counter and that the ticket is in a state the action is for, changes the rows and appends exactly
one event. A refused action raises Conflict (409) and changes nothing.
"""

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from server import fairness, remote
from server.errors import Conflict, Invalid, NotFound, N_
from server.events import record_event
from server.models import (
    OUTCOMES,
    Counter,
    CounterService,
    Event,
    Service,
    Site,
    StaffUser,
    Ticket,
    utcnow,
)
from server.queue import (
    counter_of,
    current_ticket,
    find_ticket,
    get_counter,
    get_service,
    get_site,
    local_day,
    new_ticket,
)

PROFILES = ("fair", "ordered")
BUSY_WAIT_S = 2.0  # how long call-next waits for heads other counters are deciding on
PRIORITIES = (0, 1, 2)  # normal, needs assistance, urgent
MAX_WEIGHT = 10


# --- the counter itself ------------------------------------------------------------------------


def open_counter(
    session: Session,
    counter_id: int,
    staff_user_id: int,
    service_codes: list[str],
    weights: dict[str, int] | None = None,
    profile: str = "fair",
    now: datetime | None = None,
) -> Counter:
    """Binds the clerk to the counter with a work profile: the services in the given order."""
    now = now or utcnow()
    counter = get_counter(session, counter_id, lock=True)
    if counter.is_open and counter.staff_user_id not in (None, staff_user_id):
        raise Conflict(N_("Counter %(counter)s is already open for another clerk."),
                       counter=counter.number)
    elsewhere = counter_of(session, staff_user_id)
    if elsewhere is not None and elsewhere.id != counter.id:
        raise Conflict(N_("You already have counter %(counter)s open. Close it first."),
                       counter=elsewhere.number)
    if profile not in PROFILES:
        raise Invalid(N_("The work profile must be “fair” or “ordered”."))
    site = session.get(Site, counter.site_id)
    services = [get_service(session, site, code) for code in dict.fromkeys(service_codes)]
    if not services:
        raise Invalid(N_("Choose at least one service for the counter."))
    weights = weights or {}
    for code, weight in weights.items():
        if not 1 <= weight <= MAX_WEIGHT:
            raise Invalid(N_("A weight must be a whole number from 1 to 10."))
    session.execute(sa.delete(CounterService).where(CounterService.counter_id == counter.id))
    session.add_all(
        CounterService(counter_id=counter.id, service_id=s.id, weight=weights.get(s.code, 1),
                       position=position)
        for position, s in enumerate(services)
    )
    counter.is_open = True
    counter.paused = False
    counter.paused_at = None
    counter.profile = profile
    counter.staff_user_id = staff_user_id
    session.add(counter)
    record_event(session, site, "counter.opened", at=now, counter=counter, staff_user_id=staff_user_id,
                 services=[s.code for s in services], profile=profile)
    return counter


def _bound_counter(session: Session, counter_id: int, staff_user_id: int) -> Counter:
    counter = get_counter(session, counter_id, lock=True)
    if not counter.is_open:
        raise Conflict(N_("Counter %(counter)s is closed. Open it first."), counter=counter.number)
    if counter.staff_user_id != staff_user_id:
        raise Conflict(N_("Counter %(counter)s is open for another clerk."), counter=counter.number)
    return counter


def _calling_counter(session: Session, counter_id: int, staff_user_id: int) -> Counter:
    counter = _bound_counter(session, counter_id, staff_user_id)
    if counter.paused:
        raise Conflict(N_("Counter %(counter)s is paused. Continue first."), counter=counter.number)
    if current_ticket(session, counter) is not None:
        raise Conflict(N_("Finish the current customer before calling the next one."))
    return counter


def _idle_counter(session: Session, counter_id: int, staff_user_id: int, message: str) -> Counter:
    counter = _bound_counter(session, counter_id, staff_user_id)
    if current_ticket(session, counter) is not None:
        raise Conflict(message)
    return counter


def close_counter(session: Session, counter_id: int, staff_user_id: int,
                  now: datetime | None = None) -> Counter:
    """Ends the clerk's session at the counter; its profile stays for the next opening."""
    now = now or utcnow()
    counter = _idle_counter(session, counter_id, staff_user_id,
                            N_("Finish the current customer before closing the counter."))
    counter.is_open = False
    counter.paused = False
    counter.paused_at = None
    counter.staff_user_id = None
    counter.call_key = None
    counter.call_key_ticket_id = None
    session.add(counter)
    record_event(session, session.get(Site, counter.site_id), "counter.closed", at=now, counter=counter,
                 staff_user_id=staff_user_id)
    return counter


def pause_counter(session: Session, counter_id: int, staff_user_id: int,
                  now: datetime | None = None) -> Counter:
    now = now or utcnow()
    counter = _idle_counter(session, counter_id, staff_user_id,
                            N_("Finish the current customer before pausing the counter."))
    if counter.paused:
        raise Conflict(N_("Counter %(counter)s is already paused."), counter=counter.number)
    counter.paused = True
    counter.paused_at = now
    session.add(counter)
    record_event(session, session.get(Site, counter.site_id), "counter.paused", at=now, counter=counter,
                 staff_user_id=staff_user_id)
    return counter


def resume_counter(session: Session, counter_id: int, staff_user_id: int,
                   now: datetime | None = None) -> Counter:
    now = now or utcnow()
    counter = _bound_counter(session, counter_id, staff_user_id)
    if not counter.paused:
        raise Conflict(N_("Counter %(counter)s is not paused."), counter=counter.number)
    counter.paused = False
    counter.paused_at = None
    session.add(counter)
    record_event(session, session.get(Site, counter.site_id), "counter.resumed", at=now, counter=counter,
                 staff_user_id=staff_user_id)
    return counter


# --- calling -----------------------------------------------------------------------------------


def _head_query(which, lock: bool):
    """Waiting tickets of the day (``:site_id``, ``:day``) that may be called ``:now`` and are
    ``which``, in their queue's order (docs/queueing.md)."""
    due = sa.case((Ticket.appointment_at.is_not(None), 1), else_=0)
    query = (
        select(Ticket)
        .where(
            Ticket.site_id == sa.bindparam("site_id"),
            Ticket.status == "waiting",
            Ticket.service_day == sa.bindparam("day"),
            sa.or_(Ticket.appointment_at.is_(None), Ticket.appointment_at <= sa.bindparam("now")),
            sa.not_(remote.not_arrived()),  # a remote ticket waits for its holder (server/remote.py)
            which,
        )
        .order_by(due.desc(), Ticket.priority.desc(), Ticket.front.desc(),
                  sa.func.coalesce(Ticket.appointment_at, Ticket.queued_at), Ticket.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )
    # SKIP LOCKED: on PostgreSQL counters calling at once each lock a different head and never wait
    # for each other. SQLite ignores it: BEGIN IMMEDIATE serialises its writers.
    return query.with_for_update(skip_locked=True) if lock else query


# Built once, with and without the lock: call-next asks for the head of every service its counter
# serves, and building these queries each time was a fifth of a call's time (docs/PERFORMANCE.md).
HEAD_OF_SERVICE = {lock: _head_query(sa.and_(Ticket.service_id == sa.bindparam("service_id"),
                                             Ticket.target_counter_id.is_(None),
                                             Ticket.target_staff_user_id.is_(None)), lock)
                   for lock in (True, False)}
HEAD_DIRECTED = {lock: _head_query(sa.or_(Ticket.target_counter_id == sa.bindparam("counter_id"),
                                          Ticket.target_staff_user_id == sa.bindparam("staff_user_id")), lock)
                 for lock in (True, False)}


def _candidates(session: Session, site: Site, counter: Counter, staff_user_id: int, now: datetime,
                lock: bool = True):
    """The head of each queue the counter serves, and of the tickets sent to it or its clerk."""
    profile = {
        row.service_id: row
        for row in session.exec(select(CounterService).where(CounterService.counter_id == counter.id))
    }
    targets = {s.id: s.target_wait_min for s in session.exec(
        select(Service).where(Service.site_id == site.id))}
    heads: list[tuple[Ticket, bool]] = []
    day = {"site_id": site.id, "day": local_day(site, now), "now": now}
    for service_id in profile:
        ticket = session.exec(HEAD_OF_SERVICE[lock], params={**day, "service_id": service_id}).first()
        if ticket is not None:
            heads.append((ticket, False))
    directed = session.exec(HEAD_DIRECTED[lock],
                            params={**day, "counter_id": counter.id, "staff_user_id": staff_user_id}).first()
    if directed is not None:
        heads.append((directed, True))
    candidates = {}
    for ticket, is_directed in heads:
        row = profile.get(ticket.service_id)
        candidates[ticket.id] = (ticket, fairness.Candidate(
            ticket_id=ticket.id,
            queued_at=ticket.queued_at,
            target_wait_min=targets.get(ticket.service_id, 15),
            weight=row.weight if row else 1,
            position=row.position if row else -1,
            priority=ticket.priority,
            front=ticket.front,
            directed=is_directed,
            appointment_at=ticket.appointment_at,
        ))
    return candidates


def _hold_passed_over(session: Session, site: Site, counter: Counter, candidates: dict, now: datetime) -> None:
    """Remote tickets at the front of the counter's queues whose holders have not arrived are held
    there (server/remote.py): those before each queue's callable head, or all if it has none."""
    if not remote.any_to_hold(session, site, now):
        return
    heads = {t.service_id: t for t, c in candidates.values() if not c.directed}
    for service_id in session.exec(select(CounterService.service_id)
                                   .where(CounterService.counter_id == counter.id)):
        remote.hold_front(session, site, service_id, heads.get(service_id), now)


def _call(session: Session, site: Site, counter: Counter, ticket: Ticket, staff_user_id: int,
          now: datetime) -> tuple[Ticket, Service]:
    service = session.get(Service, ticket.service_id)
    ticket.status = "called"
    ticket.called_at = now
    ticket.announced_at = now
    ticket.call_count = 1
    ticket.counter_id = counter.id
    ticket.staff_user_id = staff_user_id
    ticket.target_counter_id = None
    ticket.target_staff_user_id = None
    session.add(ticket)
    record_event(session, site, "ticket.called", at=now, ticket=ticket, service=service, counter=counter,
                 staff_user_id=staff_user_id, calls=1)
    return ticket, service


def call_next(
    session: Session,
    counter_id: int,
    staff_user_id: int,
    now: datetime | None = None,
    key: str | None = None,
) -> tuple[Ticket, Service] | None:
    """Calls the ticket the counter's work profile picks, or returns None if none waits.

    ``key`` makes the call idempotent: a repeated request with the key of the last call (a double
    click, a retry after a lost answer) returns the ticket that call took instead of another one.
    """
    counter = _bound_counter(session, counter_id, staff_user_id)
    if key and counter.call_key == key and counter.call_key_ticket_id is not None:
        ticket = session.get(Ticket, counter.call_key_ticket_id)
        return ticket, session.get(Service, ticket.service_id)
    counter = _calling_counter(session, counter_id, staff_user_id)
    site = session.get(Site, counter.site_id)
    now = now or utcnow()
    deadline = time.monotonic() + BUSY_WAIT_S
    while True:
        candidates = _candidates(session, site, counter, staff_user_id, now)
        chosen = fairness.pick([c for _, c in candidates.values()], now, counter.profile)
        if chosen is not None:
            ticket = candidates[chosen.ticket_id][0]
            break
        # Every head we could call is locked by a counter deciding right now: if one of them is
        # still waiting when it has decided, it is ours. "No one is waiting" only when that is true.
        if not _candidates(session, site, counter, staff_user_id, now, lock=False):
            _hold_passed_over(session, site, counter, {}, now)
            return None
        if time.monotonic() > deadline:
            return None
        time.sleep(0.005)
    _hold_passed_over(session, site, counter, candidates, now)
    if key:
        counter.call_key = key
        counter.call_key_ticket_id = ticket.id
        session.add(counter)
    return _call(session, site, counter, ticket, staff_user_id, now)


def call_ticket(
    session: Session, counter_id: int, staff_user_id: int, ref: str, now: datetime | None = None
) -> tuple[Ticket, Service]:
    """Calls one ticket out of order: waiting or parked, by its number or public id."""
    counter = _calling_counter(session, counter_id, staff_user_id)
    site = session.get(Site, counter.site_id)
    now = now or utcnow()
    ticket = find_ticket(session, site, ref, now)
    # Lock the row: a counter calling the same ticket at the same time waits, then sees it taken.
    session.refresh(ticket, with_for_update=True)
    if ticket.status not in ("waiting", "parked"):
        raise Conflict(N_("Ticket %(number)s is not waiting, so it cannot be called."),
                       number=ticket.number)
    if ticket.target_counter_id not in (None, counter.id) or ticket.target_staff_user_id not in (
        None, staff_user_id
    ):
        raise Conflict(N_("Ticket %(number)s was sent to another counter or clerk."),
                       number=ticket.number)
    return _call(session, site, counter, ticket, staff_user_id, now)


# --- the customer at the counter ---------------------------------------------------------------


def _locked_ticket(session: Session, public_id: str) -> Ticket | None:
    """The ticket with its row locked: two actions on one ticket run one after the other."""
    return session.exec(
        select(Ticket).where(Ticket.public_id == public_id).with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _own_ticket(session: Session, public_id: str, staff_user_id: int, states: tuple[str, ...],
                refused: str) -> tuple[Ticket, Counter, Site, Service]:
    """The ticket, if it is at the clerk's own counter and in one of ``states``; its row is locked."""
    ticket = _locked_ticket(session, public_id)
    if ticket is None:
        raise NotFound(N_("There is no such ticket."))
    counter = counter_of(session, staff_user_id)
    if counter is None:
        raise Conflict(N_("Open a counter first."))
    if ticket.counter_id != counter.id:
        raise Conflict(N_("Ticket %(number)s is not at your counter."), number=ticket.number)
    if ticket.status not in states:
        raise Conflict(refused, number=ticket.number)
    return ticket, counter, session.get(Site, ticket.site_id), session.get(Service, ticket.service_id)


def recall(session: Session, public_id: str, staff_user_id: int, now: datetime | None = None):
    """Announces the call again; the call count goes up."""
    now = now or utcnow()
    ticket, counter, site, service = _own_ticket(
        session, public_id, staff_user_id, ("called",),
        N_("Ticket %(number)s is not waiting for the counter, so it cannot be called again."))
    ticket.call_count += 1
    ticket.announced_at = now
    session.add(ticket)
    record_event(session, site, "ticket.recalled", at=now, ticket=ticket, service=service, counter=counter,
                 staff_user_id=staff_user_id, calls=ticket.call_count)
    return ticket, service


def mark_no_show(session: Session, public_id: str, staff_user_id: int, now: datetime | None = None):
    """The customer did not come after enough calls: the ticket ends, the counter is free."""
    now = now or utcnow()
    ticket, counter, site, service = _own_ticket(
        session, public_id, staff_user_id, ("called",),
        N_("Ticket %(number)s is not waiting for the counter, so it cannot be a no-show."))
    if ticket.call_count < site.no_show_after_calls:
        raise Conflict(N_("Call ticket %(number)s %(calls)d times before marking it a no-show."),
                       number=ticket.number, calls=site.no_show_after_calls)
    ticket.status = "no_show"
    ticket.finished_at = now
    session.add(ticket)
    record_event(session, site, "ticket.no_show", at=now, ticket=ticket, service=service, counter=counter,
                 staff_user_id=staff_user_id, calls=ticket.call_count)
    return ticket, service


def start_serving(session: Session, public_id: str, staff_user_id: int, now: datetime | None = None):
    now = now or utcnow()
    ticket, counter, site, service = _own_ticket(
        session, public_id, staff_user_id, ("called",),
        N_("Ticket %(number)s is not waiting for the counter, so serving cannot start."))
    ticket.status = "serving"
    ticket.served_at = now
    session.add(ticket)
    record_event(session, site, "ticket.serving", at=now, ticket=ticket, service=service, counter=counter,
                 staff_user_id=staff_user_id)
    return ticket, service


def _service_seconds(ticket: Ticket, now: datetime) -> int | None:
    return None if ticket.served_at is None else int((now - ticket.served_at).total_seconds())


def finish(
    session: Session,
    public_id: str,
    staff_user_id: int,
    outcome: str | None = None,
    now: datetime | None = None,
):
    """Ends the visit with an outcome (required where the service says so)."""
    ticket, counter, site, service = _own_ticket(
        session, public_id, staff_user_id, ("serving",),
        N_("Ticket %(number)s is not being served, so it cannot be finished."))
    outcome = outcome or None
    if outcome is not None and outcome not in OUTCOMES:
        raise Invalid(N_("Unknown outcome: choose resolved, transferred, service request or left."))
    if outcome is None and service.outcome_required:
        raise Invalid(N_("Choose an outcome before finishing: this service asks for one."))
    now = now or utcnow()
    ticket.status = "finished"
    ticket.finished_at = now
    ticket.outcome = outcome
    session.add(ticket)
    record_event(session, site, "ticket.finished", at=now, ticket=ticket, service=service, counter=counter,
                 staff_user_id=staff_user_id, outcome=outcome, tier=service.tier,
                 service_s=_service_seconds(ticket, now))
    return ticket, service


def finish_and_call_next(
    session: Session,
    public_id: str,
    staff_user_id: int,
    outcome: str | None = None,
    now: datetime | None = None,
    key: str | None = None,
) -> tuple[Ticket, Service] | None:
    """"Done, call next": ends the visit and calls the next customer in one transaction (two events).

    With the ``key`` of a call already made (a double click, a form sent again) it only returns that
    call, as call_next does: the visit was finished by the first request.
    """
    counter = counter_of(session, staff_user_id)
    if counter is None:
        raise Conflict(N_("Open a counter first."))
    if key and counter.call_key == key and counter.call_key_ticket_id is not None:
        return call_next(session, counter.id, staff_user_id, now=now, key=key)
    finish(session, public_id, staff_user_id, outcome, now=now)
    return call_next(session, counter.id, staff_user_id, now=now, key=key)


def transfer(
    session: Session,
    public_id: str,
    staff_user_id: int,
    service_code: str | None = None,
    counter_id: int | None = None,
    expert_id: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
):
    """Sends the customer on: to another service's queue, a counter or a named clerk.

    The ticket keeps its arrival time; the receiving service's ``transfer_position`` decides whether
    it waits by that time or at the front. A new service period starts.
    """
    ticket, counter, site, service = _own_ticket(
        session, public_id, staff_user_id, ("called", "serving"),
        N_("Ticket %(number)s is not at the counter, so it cannot be transferred."))
    if not (service_code or counter_id or expert_id):
        raise Invalid(N_("Choose where to transfer the customer: a service, a counter or a clerk."))
    note = (note or "").strip() or None
    if note and len(note) > 500:
        raise Invalid(N_("The note is too long (at most 500 characters)."))
    to_service = get_service(session, site, service_code) if service_code else service
    to_counter = None
    if counter_id is not None:
        to_counter = session.get(Counter, counter_id)
        if to_counter is None or to_counter.site_id != site.id:
            raise NotFound(N_("There is no counter with id %(counter)s."), counter=counter_id)
        if to_counter.id == counter.id:
            raise Invalid(N_("Transfer to another counter than your own."))
    expert = None
    if expert_id is not None:
        expert = session.get(StaffUser, expert_id)
        if expert is None or not expert.active:
            raise NotFound(N_("There is no such clerk."))
        if expert.id == staff_user_id:
            raise Invalid(N_("Transfer to another clerk than yourself."))
    now = now or utcnow()
    served_s = _service_seconds(ticket, now)
    from_service = service
    ticket.status = "waiting"
    ticket.service_id = to_service.id
    ticket.period += 1
    ticket.call_count = 0
    ticket.counter_id = None
    ticket.staff_user_id = None
    ticket.called_at = None
    ticket.announced_at = None
    ticket.served_at = None
    ticket.front = to_service.transfer_position == "front"
    ticket.target_counter_id = to_counter.id if to_counter else None
    ticket.target_staff_user_id = expert.id if expert else None
    ticket.note = note
    session.add(ticket)
    record_event(
        session, site, "ticket.transferred", at=now, ticket=ticket, service=to_service, counter=counter,
        staff_user_id=staff_user_id,
        from_service=from_service.code, from_tier=from_service.tier, to_tier=to_service.tier,
        # Generalist → expert: the visit was not resolved at the first tier (reported later).
        escalated=from_service.tier == "generalist" and to_service.tier == "expert",
        to_counter=to_counter.number if to_counter else None,
        service_s=served_s,
        private={"note": note, "to_staff_user_id": expert.id if expert else None,
                 "to_staff_name": expert.display_name if expert else None},
    )
    return ticket, to_service


def park(session: Session, public_id: str, staff_user_id: int, note: str | None = None,
         now: datetime | None = None):
    """Puts the customer aside (fetching a document); the counter is free for the next one."""
    now = now or utcnow()
    ticket, counter, site, service = _own_ticket(
        session, public_id, staff_user_id, ("called", "serving"),
        N_("Ticket %(number)s is not at the counter, so it cannot be put aside."))
    note = (note or "").strip()[:500] or None
    ticket.status = "parked"
    if note:
        ticket.note = note
    session.add(ticket)
    record_event(session, site, "ticket.parked", at=now, ticket=ticket, service=service, counter=counter,
                 staff_user_id=staff_user_id, private={"note": note} if note else None)
    return ticket, service


def return_to_queue(session: Session, public_id: str, staff_user_id: int,
                    now: datetime | None = None):
    """A parked customer is back: the ticket waits again, at the front of its queue."""
    now = now or utcnow()
    counter = counter_of(session, staff_user_id)
    if counter is None:
        raise Conflict(N_("Open a counter first."))
    ticket = _locked_ticket(session, public_id)
    if ticket is None or ticket.site_id != counter.site_id:
        raise NotFound(N_("There is no such ticket."))
    if ticket.status != "parked":
        raise Conflict(N_("Ticket %(number)s is not put aside."), number=ticket.number)
    ticket.status = "waiting"
    ticket.front = True
    ticket.counter_id = None
    ticket.staff_user_id = None
    ticket.call_count = 0
    session.add(ticket)
    site = session.get(Site, ticket.site_id)
    record_event(session, site, "ticket.returned", at=now, ticket=ticket,
                 service=session.get(Service, ticket.service_id), counter=counter,
                 staff_user_id=staff_user_id)
    return ticket


def walk_in(session: Session, counter_id: int, staff_user_id: int, service_code: str,
            lang: str = "fi", now: datetime | None = None) -> tuple[Ticket, Service]:
    """A customer at the desk without a ticket: the clerk opens the visit and serves at once."""
    counter = _calling_counter(session, counter_id, staff_user_id)
    site = session.get(Site, counter.site_id)
    service = get_service(session, site, service_code)
    now = now or utcnow()
    ticket = new_ticket(session, site, service, lang, now, status="serving", walk_in=True,
                        called_at=now, served_at=now, counter_id=counter.id,
                        staff_user_id=staff_user_id)
    record_event(session, site, "ticket.walk_in", at=now, ticket=ticket, service=service, counter=counter,
                 staff_user_id=staff_user_id)
    return ticket, service


def set_priority(session: Session, public_id: str, staff_user_id: int, priority: int,
                 now: datetime | None = None):
    """Staff move a waiting customer up (needs assistance) or back to normal."""
    now = now or utcnow()
    counter = counter_of(session, staff_user_id)
    if counter is None:
        raise Conflict(N_("Open a counter first."))
    if priority not in PRIORITIES:
        raise Invalid(N_("Priority must be 0 (normal), 1 (needs assistance) or 2 (urgent)."))
    ticket = _locked_ticket(session, public_id)
    if ticket is None or ticket.site_id != counter.site_id:
        raise NotFound(N_("There is no such ticket."))
    if ticket.status not in ("waiting", "parked"):
        raise Conflict(N_("Ticket %(number)s is not waiting."), number=ticket.number)
    ticket.priority = priority
    session.add(ticket)
    site = session.get(Site, ticket.site_id)
    record_event(session, site, "ticket.priority", at=now, ticket=ticket,
                 service=session.get(Service, ticket.service_id), counter=counter,
                 staff_user_id=staff_user_id, priority=priority)
    return ticket


# --- safety ------------------------------------------------------------------------------------


def raise_alarm(session: Session, staff_user_id: int, site_slug: str | None = None,
                now: datetime | None = None) -> dict:
    """The clerk needs help now: every counter screen and the overview show it at once."""
    now = now or utcnow()
    counter = counter_of(session, staff_user_id)
    if counter is not None:
        site = session.get(Site, counter.site_id)
    elif site_slug:
        site = get_site(session, site_slug)
    else:
        raise Conflict(N_("Open a counter first."))
    user = session.get(StaffUser, staff_user_id)
    return record_event(session, site, "counter.alarm", at=now, counter=counter, staff_user_id=staff_user_id,
                        audience="staff", by=user.display_name if user else None)


def clear_alarm(session: Session, staff_user_id: int, site_slug: str, alarm_seq: int,
                now: datetime | None = None) -> dict:
    now = now or utcnow()
    site = get_site(session, site_slug)
    user = session.get(StaffUser, staff_user_id)
    return record_event(session, site, "counter.alarm_cleared", at=now, staff_user_id=staff_user_id,
                        audience="staff", alarm=alarm_seq, by=user.display_name if user else None)


def active_alarms(session: Session, site: Site, now: datetime | None = None) -> list[dict]:
    """Today's alarms that no one has acknowledged yet, newest first."""
    now = now or utcnow()
    start = datetime.combine(local_day(site, now), datetime.min.time(), ZoneInfo(site.timezone))
    # Sorted here, not by the database: ordered by seq, SQLite read the site's whole log in the order
    # of seq rather than the few alarms by their index (tests/core/test_query_plans.py).
    rows = session.exec(
        select(Event).where(Event.site_id == site.id, Event.at >= start,
                            Event.type.in_(("counter.alarm", "counter.alarm_cleared")))
    ).all()
    alarms: dict[int, dict] = {}
    for row in sorted(rows, key=lambda row: row.seq):
        data = json.loads(row.data)
        if row.type == "counter.alarm":
            alarms[row.seq] = data
        else:
            alarms.pop(data.get("alarm"), None)
    return sorted(alarms.values(), key=lambda a: -a["seq"])
