"""From an issued ticket to paper: lay the ticket out (printers/), send it, record the job's state."""

from dataclasses import dataclass

from server import i18n
from server.db import Database
from server.models import PrintJob, utcnow
from server.queue import IssuedTicket
from server.settings import Settings
from printers.ticket import SlipLabels, TicketSlip, render_preview, render_ticket
from printers.transports import FileTransport, NetworkTransport, PrinterUnavailable, Transport


@dataclass(frozen=True)
class PrintResult:
    printed: bool
    error: str | None = None


def make_transport(settings: Settings) -> Transport:
    if settings.printer_transport == "network":
        return NetworkTransport(settings.printer_host, settings.printer_port)
    return FileTransport(settings.printer_dir)


def status_url(settings: Settings, public_id: str) -> str:
    return f"{settings.public_url.rstrip('/')}/t/{public_id}"


def ticket_slip(settings: Settings, issued: IssuedTicket) -> TicketSlip:
    lang = issued.ticket.lang
    _ = lambda message: i18n.gettext(lang, message)  # noqa: E731
    return TicketSlip(
        site_name=issued.site.name,
        service_name=issued.service.name(lang),
        number=issued.ticket.number,
        issued_at=i18n.local_time(issued.ticket.issued_at, issued.site.timezone, lang, with_date=True),
        people_ahead=issued.people_ahead,
        estimated_wait_min=issued.estimated_wait_min,
        status_url=status_url(settings, issued.ticket.public_id),
        labels=SlipLabels(
            your_number=_("Your number"),
            people_ahead=_("People ahead"),
            estimated_wait=_("Estimated wait"),
            minutes=_("min"),
            follow_queue=_("Follow your turn on your phone"),
        ),
    )


def print_ticket(db: Database, settings: Settings, transport: Transport, issued: IssuedTicket) -> PrintResult:
    """Blocking (sockets, files): call it from a worker thread."""
    slip = ticket_slip(settings, issued)
    data = render_ticket(slip, profile=settings.printer_profile)
    job_name = f"{issued.ticket.service_day:%Y%m%d}-{issued.ticket.number}-{issued.print_job_id[:8]}"
    try:
        transport.send(job_name, data, render_preview(slip))
    except PrinterUnavailable as exc:
        result = PrintResult(printed=False, error=str(exc)[:500])
    else:
        result = PrintResult(printed=True)
    with db.write() as session:
        job = session.get(PrintJob, issued.print_job_id)
        job.attempts += 1
        job.state = "printed" if result.printed else "failed"
        job.error = result.error
        job.updated_at = utcnow()
        session.add(job)
    return result
