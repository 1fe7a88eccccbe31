"""The print-job queue: which printer a ticket goes to, and each job's way to paper.

A job is a row written in the same transaction as its ticket; or, of kind "slip", a matter's steps
for doing it oneself that a visitor asked for at the kiosk's guide (printers/slip.py). Its states:

    queued --claim--> sent --printed--> printed
      ^                 |--not printed (nothing left for the printer)--> queued, retried later
      |                 '--outcome unknown (the printer went away mid-job)--> failed
      '-- staff reprint makes a new job

A job is printed at most once: only a queued job is claimed, and it is marked sent in its own
transaction before any byte leaves. A job whose outcome is unknown is never sent again by itself;
staff see it and may reprint. Everything here runs inside the caller's transaction; no I/O.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from server import i18n
from server.errors import NotFound, N_
from server.events import record_event
from server.models import Device, Matter, Printer, PrintJob, Service, Site, Ticket
from printers.ticket import SlipLabels, TicketSlip, render_preview, render_ticket

# Waits between attempts while a printer cannot print: 1, 2, 4 … seconds, never more than this.
MAX_BACKOFF_S = 60
# A job sent this long ago without an outcome was cut off by a server that stopped mid-job.
SENT_STALE_S = 120
# Conditions in which a printer takes no ticket: the kiosk shows the ticket on screen at once.
DOWN = ("paper_out", "cover_open", "offline", "error", "no_answer", "disconnected")
# What a person reads about each condition, in the page's language.
CONDITION_TEXTS = {
    "unknown": N_("Not checked yet"),
    "online": N_("Ready"),
    "paper_near_end": N_("Paper is running low"),
    "paper_out": N_("Out of paper"),
    "cover_open": N_("Cover is open"),
    "offline": N_("Offline"),
    "error": N_("Printer error"),
    "no_answer": N_("Does not answer (switched off, cable or network)"),
    "disconnected": N_("The printer agent is not connected"),
}
ENDED_VISITS = ("finished", "no_show", "unserved", "cancelled")
# A slip not printed this long after it was asked for is not printed at all: its visitor has left the
# kiosk, and the next one would get a stranger's matter.
SLIP_FRESH_S = 60


@dataclass(frozen=True)
class RenderedJob:
    name: str
    data: bytes
    preview: str


def printer_for(session: Session, site: Site, device_name: str | None = None) -> Printer | None:
    """The printer of the named kiosk, else of the site's first kiosk, else the site's first printer."""
    kiosks = session.execute(sa.select(Device.name, Device.printer_id)
                             .where(Device.site_id == site.id, Device.kind == "kiosk").order_by(Device.id)).all()
    printers = list(session.exec(select(Printer).where(Printer.site_id == site.id).order_by(Printer.id)))
    return choose_printer(kiosks, printers, device_name)


def choose_printer(kiosks: list, printers: list[Printer], device_name: str | None = None) -> Printer | None:
    """printer_for's rule on the site's kiosks ((name, printer id) rows, in the order they were added)
    and printers (by id): server/site_memory.py keeps them between events."""
    if device_name:
        kiosks = [k for k in kiosks if k.name == device_name]
        if not kiosks:
            raise NotFound(N_("There is no kiosk called “%(device)s” here."), device=device_name)
    if kiosks and kiosks[0].printer_id is not None:
        return next((p for p in printers if p.id == kiosks[0].printer_id), None)
    if device_name:
        return None
    return printers[0] if printers else None


@dataclass(frozen=True)
class NewJob:
    """A ticket's job as create_job wrote it: what its callers and job_view read."""

    id: str
    ticket_id: int
    printer_id: int | None
    reprint: bool
    requested_by: int | None
    state: str
    error: str | None
    created_at: datetime
    attempts: int = 0
    printed_at: datetime | None = None


def create_job(
    session: Session,
    ticket: Ticket,
    printer: Printer | None,
    now: datetime,
    people_ahead: int = 0,
    estimated_wait_min: int = 0,
    requested_by: int | None = None,
) -> NewJob:
    """A queued job; without a printer it fails at once, so that the kiosk shows the ticket on screen.

    Written as a row of the table, not an ORM object: every ticket issued makes one (docs/PERFORMANCE.md)."""
    job = NewJob(id=secrets.token_hex(16), ticket_id=ticket.id, printer_id=printer.id if printer else None,
                 reprint=requested_by is not None, requested_by=requested_by,
                 state="queued" if printer else "failed",
                 error=None if printer else "No printer is set up for this kiosk.", created_at=now)
    session.connection().execute(INSERT_JOB, {
        "id": job.id, "ticket_id": job.ticket_id, "printer_id": job.printer_id, "reprint": job.reprint,
        "requested_by": requested_by, "people_ahead": people_ahead, "estimated_wait_min": estimated_wait_min,
        "state": job.state, "error": job.error, "next_attempt_at": now, "created_at": now, "updated_at": now})
    return job


INSERT_JOB = sa.insert(PrintJob.__table__)  # built once


def create_slip_job(session: Session, matter: Matter, lang: str, printer: Printer, now: datetime) -> PrintJob:
    """A queued slip with the steps of ``matter`` in ``lang`` (printers/slip.py lays it out when sent)."""
    job = PrintJob(id=secrets.token_hex(16), kind="slip", matter_id=matter.id, lang=lang, printer_id=printer.id,
                   next_attempt_at=now, created_at=now, updated_at=now)
    session.add(job)
    return job


def claim_due(session: Session, printer_id: int, now: datetime) -> PrintJob | None:
    """The printer's oldest due queued job, now marked sent; None if there is none.

    SKIP LOCKED: on PostgreSQL another worker claiming the same printer's jobs does not wait, and
    can never claim the same job (the state check is repeated under the lock).
    """
    job = session.exec(
        select(PrintJob)
        .where(PrintJob.printer_id == printer_id, PrintJob.state == "queued",
               PrintJob.next_attempt_at <= now)
        .order_by(PrintJob.created_at, PrintJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if job is None:
        return None
    job.state = "sent"
    job.attempts += 1
    job.sent_at = now
    job.updated_at = now
    session.add(job)
    return job


def sent_jobs(session: Session, printer_id: int) -> list[PrintJob]:
    """Jobs handed to a printer agent whose answer never came back: its journal decides."""
    return list(session.exec(
        select(PrintJob).where(PrintJob.printer_id == printer_id, PrintJob.state == "sent")
        .order_by(PrintJob.created_at, PrintJob.id)
    ))


def record_outcome(session: Session, job_id: str, outcome: str, now: datetime, error: str | None = None) -> PrintJob | None:
    """``printed``, ``not_printed`` (nothing reached paper: retry later) or ``uncertain`` (fail).

    Only a sent job takes an outcome: a late or repeated answer changes nothing.
    """
    job = session.exec(select(PrintJob).where(PrintJob.id == job_id).with_for_update()).first()
    if job is None or job.state != "sent":
        return None
    job.updated_at = now
    job.error = (error or None) and error[:500]
    if outcome == "printed":
        job.state = "printed"
        job.printed_at = now
    elif outcome == "not_printed":
        job.state = "queued"
        job.next_attempt_at = now + timedelta(seconds=backoff_s(job.attempts))
    else:
        job.state = "failed"
    session.add(job)
    return job


def backoff_s(attempts: int) -> int:
    return min(MAX_BACKOFF_S, 2 ** max(0, attempts - 1))


def fail_ended_visit(session: Session, job: PrintJob, now: datetime) -> bool:
    """A ticket whose visit has ended is not printed any more: a late ticket would only confuse.
    Nor is a matter's slip once its visitor has left the kiosk (SLIP_FRESH_S)."""
    if job.kind == "slip":
        if now - job.created_at <= timedelta(seconds=SLIP_FRESH_S):
            return False
        error = f"Not printed: asked for at the kiosk more than {SLIP_FRESH_S} s before."
    else:
        ticket = session.get(Ticket, job.ticket_id)
        if ticket.status not in ENDED_VISITS:
            return False
        error = f"Not printed: the visit had ended ({ticket.status})."
    job.state = "failed"
    job.error = error
    job.updated_at = now
    session.add(job)
    return True


def release(session: Session, printer_id: int, now: datetime) -> int:
    """The printer is back: its waiting jobs are due now instead of after their backoff."""
    return session.execute(
        sa.update(PrintJob)
        .where(PrintJob.printer_id == printer_id, PrintJob.state == "queued",
               PrintJob.next_attempt_at > now)
        .values(next_attempt_at=now)
    ).rowcount


def fail_stale(session: Session, now: datetime, printer_ids: list[int]) -> list[PrintJob]:
    """Jobs left ``sent`` by a server that stopped mid-job: whether they printed is unknown."""
    jobs = list(session.exec(
        select(PrintJob).where(PrintJob.state == "sent", PrintJob.printer_id.in_(printer_ids),
                               PrintJob.sent_at < now - timedelta(seconds=SENT_STALE_S))
        .with_for_update(skip_locked=True)
    ))
    for job in jobs:
        job.state = "failed"
        job.error = "The server stopped while sending this ticket; it may not have printed."
        job.updated_at = now
        session.add(job)
    return jobs


def set_condition(session: Session, printer: Printer, condition: str, now: datetime) -> bool:
    """Stores the printer's condition; a change is an event for staff screens. True if it changed."""
    printer = session.exec(select(Printer).where(Printer.id == printer.id).with_for_update()).one()
    if printer.condition == condition:
        return False
    previous = printer.condition
    printer.condition = condition
    printer.condition_at = now
    session.add(printer)
    site = session.get(Site, printer.site_id)
    record_event(session, site, "printer.status", at=now, audience="staff",
                 printer=printer_view(printer), previous=previous)
    if condition in ("online", "paper_near_end"):
        release(session, printer.id, now)
    return True


def printer_view(printer: Printer) -> dict:
    return {"id": printer.id, "name": printer.name, "condition": printer.condition}


def site_printers(session: Session, site: Site) -> list[Printer]:
    return list(session.exec(select(Printer).where(Printer.site_id == site.id).order_by(Printer.name)))


def job_counts(session: Session, printer_ids: list[int]) -> dict[int, dict[str, int]]:
    """Jobs per printer and state."""
    counts: dict[int, dict[str, int]] = {printer_id: {} for printer_id in printer_ids}
    rows = session.execute(
        sa.select(PrintJob.printer_id, PrintJob.state, sa.func.count())
        .where(PrintJob.printer_id.in_(printer_ids))
        .group_by(PrintJob.printer_id, PrintJob.state)
    )
    for printer_id, state, count in rows:
        counts[printer_id][state] = count
    return counts


def recent_jobs(session: Session, site: Site, limit: int = 20) -> list[tuple[PrintJob, Ticket]]:
    """The site's latest jobs that did not print (yet): what the admin view lists."""
    rows = session.execute(
        sa.select(PrintJob, Ticket).join(Ticket, Ticket.id == PrintJob.ticket_id)
        .where(Ticket.site_id == site.id, PrintJob.state != "printed")
        .order_by(PrintJob.created_at.desc()).limit(limit)
    )
    return [(job, ticket) for job, ticket in rows]


def job_view(job: PrintJob, printer: Printer | None) -> dict:
    """A job as the API and staff screens show it."""
    return {
        "id": job.id,
        "state": job.state,
        "reprint": job.reprint,
        "attempts": job.attempts,
        "error": job.error,
        "printer": printer_view(printer) if printer else None,
        "created_at": job.created_at.isoformat(),
        "printed_at": job.printed_at.isoformat() if job.printed_at else None,
    }


def job_json(session: Session, job_id: str) -> dict:
    job = get_job(session, job_id)
    return job_view(job, session.get(Printer, job.printer_id) if job.printer_id else None)


def get_job(session: Session, job_id: str) -> PrintJob:
    job = session.get(PrintJob, job_id)
    if job is None:
        raise NotFound(N_("There is no such print job."))
    return job


# --- devices and their tokens ------------------------------------------------------------------

def token_hash(token: str) -> str:
    # The token is 256 random bits: a plain SHA-256 cannot be reversed or guessed, no slow hash needed.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, device: Device, now: datetime) -> str:
    """A new token for the device; the previous one stops working. Only its hash is stored."""
    # Hex: a token that starts with "-" would be taken for an option on the agent's command line.
    token = secrets.token_hex(32)
    device.token_hash = token_hash(token)
    device.token_created_at = now
    device.token_revoked_at = None
    session.add(device)
    return token


def revoke_token(session: Session, device: Device, now: datetime) -> None:
    device.token_hash = None
    device.token_revoked_at = now
    session.add(device)


def agent_printer(session: Session, token: str, now: datetime) -> tuple[Device, Printer] | None:
    """The device a printer agent's token belongs to and the printer it serves; None if refused."""
    if not token:
        return None
    device = session.exec(select(Device).where(Device.token_hash == token_hash(token))).first()
    if device is None or device.printer_id is None:
        return None
    printer = session.get(Printer, device.printer_id)
    if printer is None or not printer.via_agent:
        return None
    device.last_seen_at = now
    session.add(device)
    return device, printer


def token_valid(session: Session, device_id: int, token: str) -> bool:
    device = session.get(Device, device_id)
    return device is not None and device.token_hash == token_hash(token)


# --- from a job to bytes ---------------------------------------------------------------------

def status_url(public_url: str, public_id: str) -> str:
    return f"{public_url.rstrip('/')}/t/{public_id}"


def ticket_slip(session: Session, job: PrintJob, public_url: str) -> TicketSlip:
    ticket = session.get(Ticket, job.ticket_id)
    site = session.get(Site, ticket.site_id)
    service = session.get(Service, ticket.service_id)
    lang = ticket.lang
    _ = lambda message: i18n.gettext(lang, message)  # noqa: E731
    return TicketSlip(
        site_name=site.name,
        service_name=service.name(lang),
        number=ticket.number,
        issued_at=i18n.local_time(ticket.issued_at, site.timezone, lang, with_date=True),
        people_ahead=job.people_ahead,
        estimated_wait_min=job.estimated_wait_min,
        status_url=status_url(public_url, ticket.public_id),
        labels=SlipLabels(
            your_number=_("Your number"),
            people_ahead=_("People ahead"),
            estimated_wait=_("Estimated wait"),
            minutes=_("min"),
            follow_queue=_("Follow your turn on your phone"),
        ),
        header=site.ticket_header(lang),
        footer=site.ticket_footer(lang),
    )


def render_job(session: Session, job: PrintJob, public_url: str) -> RenderedJob:
    if job.kind == "slip":
        from printers import slip  # slip.py queues its jobs through this module

        return slip.render_slip_job(session, job)
    printer = session.get(Printer, job.printer_id)
    ticket = session.get(Ticket, job.ticket_id)
    site = session.get(Site, ticket.site_id)
    slip = ticket_slip(session, job, public_url)
    data = render_ticket(slip, profile=printer.profile, logo=site.ticket_logo)
    name = f"{ticket.service_day:%Y%m%d}-{ticket.number}-{job.id[:8]}"
    return RenderedJob(name=name, data=data, preview=render_preview(slip))
