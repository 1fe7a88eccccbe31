"""Feedback after the visit (issue 21): "How did we do?" on a five-step scale.

One answer per visit, from the ticket's phone page or the link in the one message a visitor agreed
to; or an anonymous tap on the tablet by the exit, with no ticket and nothing about the person. The
comment is free text that may hold personal data: only managers see it, and it follows the registry's
retention and erasure (server/customers.py calls ``forget_comments``). docs/feedback.md.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from server.errors import Conflict, Invalid, N_, NotFound
from server.models import NO_TEXT, OPEN_STATES, Appointment, Feedback, Message, Site, Ticket, TicketContact, utcnow

SCORES = (1, 2, 3, 4, 5)
CHANNELS = ("phone", "message", "tablet")
MAX_COMMENT = 1000
LINK_DAYS = 7  # the default of settings.feedback_link_days

# The scale's words, worst first: each button shows a face and its word (never colour alone).
WORDS = {
    1: N_("Very bad"),
    2: N_("Bad"),
    3: N_("Neither good nor bad"),
    4: N_("Good"),
    5: N_("Very good"),
}


def ended_at(ticket: Ticket) -> datetime | None:
    """When the visit ended, or None while it is open."""
    if ticket.status in OPEN_STATES:
        return None
    return ticket.finished_at or ticket.served_at or ticket.called_at or ticket.issued_at


def state(session: Session, ticket: Ticket, now: datetime, link_days: int = LINK_DAYS) -> str:
    """What the ticket's feedback form may do now: "open" (ask), "answered", "expired", or "not_yet"
    (the visit goes on)."""
    end = ended_at(ticket)
    if end is None:
        return "not_yet"
    if session.exec(select(Feedback.id).where(Feedback.ticket_id == ticket.id)).first() is not None:
        return "answered"
    if now > end + timedelta(days=link_days):
        return "expired"
    return "open"


def _check(score, comment: str) -> tuple[int, str]:
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in SCORES:
        raise Invalid(N_("Choose one of the five answers."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid(N_("The comment can be at most %(max)s characters long."), max=MAX_COMMENT)
    return score, comment


def give(session: Session, public_id: str, score, comment: str, lang: str, channel: str,
         now: datetime | None = None, link_days: int = LINK_DAYS) -> Feedback:
    """The visit's one answer. Conflict when the visit goes on, has been answered already (also by a
    concurrent answer: the unique ticket_id decides), or its link has expired."""
    now = now or utcnow()
    if channel not in ("phone", "message"):
        raise Invalid(N_("Unknown feedback channel."))
    score, comment = _check(score, comment)
    ticket = session.exec(select(Ticket).where(Ticket.public_id == public_id)).first()
    if ticket is None:
        raise NotFound(N_("There is no such ticket."))
    now_state = state(session, ticket, now, link_days)
    if now_state == "not_yet":
        raise Conflict(N_("You can give feedback once your visit has ended."))
    if now_state == "answered":
        raise Conflict(N_("Feedback for this visit has already been given. Thank you!"))
    if now_state == "expired":
        raise Conflict(N_("The time to give feedback for this visit has passed."))
    row = Feedback(site_id=ticket.site_id, ticket_id=ticket.id, service_id=ticket.service_id,
                   counter_id=ticket.counter_id, staff_user_id=ticket.staff_user_id, at=now, score=score,
                   comment=comment, lang=(lang or ticket.lang)[:2], channel=channel)
    try:
        with session.begin_nested():  # a concurrent answer that got in first: its unique row wins
            session.add(row)
            session.flush()
    except sa.exc.IntegrityError:
        raise Conflict(N_("Feedback for this visit has already been given. Thank you!")) from None
    return row


def tap(session: Session, site: Site, score, now: datetime | None = None) -> Feedback:
    """A tap on the exit tablet: a score and the time, nothing else."""
    score, _ = _check(score, "")
    row = Feedback(site_id=site.id, at=now or utcnow(), score=score, comment="", lang="", channel="tablet")
    session.add(row)
    session.flush()
    return row


# --- the one message -------------------------------------------------------------------------------

MESSAGE_ENDS = ("finished", "unserved")  # a no-show or a visitor who left is not asked


def message_to(session: Session, ticket: Ticket) -> tuple[str, str, str] | None:
    """(channel, address, lang) of the visitor who agreed to one feedback message for this visit: the
    contact given when joining from a phone, or the booking's phone or email."""
    if ticket.notify:
        contact = session.get(TicketContact, ticket.id)
        if contact is not None and contact.feedback_ok:
            return contact.channel, contact.address, contact.lang
    if ticket.appointment_at is not None:
        booking = session.exec(select(Appointment).where(Appointment.ticket_id == ticket.id)).first()
        if booking is not None and booking.feedback_ok:
            from server import outbox  # noqa: PLC0415 (outbox imports this module)

            phone = outbox.sms_address(booking)
            if phone:
                return "sms", phone, booking.lang
            if booking.email:
                return "email", booking.email, booking.lang
    return None


def already_asked(session: Session, ticket: Ticket) -> bool:
    return session.exec(select(Message.id).where(Message.ticket_id == ticket.id,
                                                 Message.kind == "feedback")).first() is not None


# --- retention and erasure -------------------------------------------------------------------------

def forget_comments(session: Session, where) -> int:
    """Clears the comments of the answers matching ``where`` (the scores stay for the statistics)."""
    done = session.execute(sa.update(Feedback).where(where, Feedback.comment != NO_TEXT)
                           .values(comment="").execution_options(synchronize_session=False))
    return done.rowcount


def of_customer(customer_id: int):
    """The answers of a registry customer's visits."""
    return Feedback.ticket_id.in_(select(Ticket.id).where(Ticket.customer_id == customer_id))


def older_than(cutoff: datetime):
    return Feedback.at < cutoff


# --- the reports -----------------------------------------------------------------------------------

COMMENTS_SHOWN = 200  # the newest; the rest stay in the database until retention clears them


@dataclass(frozen=True)
class Satisfaction:
    """Answers of a group of visits: how many of each score, their mean, and the answer rate (answers
    tied to a visit / visits that ended; None for the tablet's taps, which belong to no visit)."""

    counts: tuple[int, int, int, int, int]
    ended: int | None = None

    @property
    def answers(self) -> int:
        return sum(self.counts)

    @property
    def mean(self) -> float | None:
        n = self.answers
        return None if not n else sum(s * c for s, c in zip(SCORES, self.counts)) / n

    @property
    def rate(self) -> float | None:
        return None if not self.ended else self.answers / self.ended


@dataclass(frozen=True)
class Comment:
    at: datetime
    service_id: int | None
    score: int
    text: str


@dataclass(frozen=True)
class Figures:
    per_service: dict  # service id (None: every service) -> Satisfaction
    per_counter: dict  # counter id -> Satisfaction
    per_clerk: dict | None  # staff user id -> Satisfaction; None unless the site turned it on
    per_period: list  # (label date, Satisfaction): by day, or by month for a long range
    tablet: Satisfaction
    comments: list


def _group(rows, key) -> dict:
    """rows: (score or None, the visit's keys…); a visit with no answer counts in ``ended`` only."""
    counts: dict = {}
    ended: dict = {}
    for row in rows:
        k = key(row)
        ended[k] = ended.get(k, 0) + 1
        tally = counts.setdefault(k, [0] * 5)
        if row.score:
            tally[row.score - 1] += 1
    return {k: Satisfaction(tuple(counts[k]), ended[k]) for k in counts}


def figures(session: Session, f, per_clerk: bool) -> Figures:
    """Satisfaction for a report's filters (server/reports.Filters): the visits that arrived in the
    period and ended, by the service, counter and clerk they ended at, with their answers; the
    tablet's taps of the period; the comments. Filtered by a clerk only when ``per_clerk``."""
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    start, end = f.bounds()
    tz = ZoneInfo(f.timezone)
    query = (sa.select(Ticket.id, Ticket.issued_at, Ticket.service_id, Ticket.counter_id, Ticket.staff_user_id,
                       Feedback.score)
             .outerjoin(Feedback, Feedback.ticket_id == Ticket.id)
             .where(Ticket.site_id == f.site_id, Ticket.issued_at >= start, Ticket.issued_at < end,
                    Ticket.status.not_in(OPEN_STATES), Ticket.status != "transferred"))
    if f.service_id is not None:
        query = query.where(Ticket.service_id == f.service_id)
    if f.counter_id is not None:
        query = query.where(Ticket.counter_id == f.counter_id)
    if f.staff_user_id is not None:
        query = query.where(Ticket.staff_user_id == (f.staff_user_id if per_clerk else -1))
    rows = session.execute(query).all()
    per_service = _group(rows, lambda r: r.service_id)
    per_service[None] = _group(rows, lambda r: None).get(None, Satisfaction((0,) * 5, 0))
    per_counter = _group([r for r in rows if r.counter_id is not None], lambda r: r.counter_id)
    clerks = _group([r for r in rows if r.staff_user_id is not None], lambda r: r.staff_user_id) if per_clerk else None
    by_month = f.days > 62

    def period(r):
        day = r.issued_at.astimezone(tz).date()
        return day.replace(day=1) if by_month else day

    per_period = sorted(_group(rows, period).items())
    taps = session.execute(sa.select(Feedback.score, sa.func.count()).where(
        Feedback.site_id == f.site_id, Feedback.channel == "tablet", Feedback.at >= start, Feedback.at < end)
        .group_by(Feedback.score)).all()
    tablet = [0] * 5
    for score, n in taps:
        tablet[score - 1] = n
    ids = [r.id for r in rows if r.score]
    comments = []
    if ids:
        said = session.execute(sa.select(Feedback.at, Feedback.service_id, Feedback.score, Feedback.comment)
                               .where(Feedback.ticket_id.in_(ids), Feedback.comment != "")
                               .order_by(Feedback.at.desc()).limit(COMMENTS_SHOWN)).all()
        comments = [Comment(at.astimezone(tz), sid, score, text) for at, sid, score, text in said]
    return Figures(per_service, per_counter, clerks, per_period, Satisfaction(tuple(tablet)), comments)
