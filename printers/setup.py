"""Setting up a site's printers: add or change, remove, and the test page. `luukku printer`,
`luukku print-test` and the admin pages (counter/admin_people.py) share this code."""

from dataclasses import dataclass

from sqlmodel import Session, select

from printers.ticket import render_test_page
from printers.transports import PrinterStatus, open_transport
from server import config
from server.errors import N_, Conflict, NotFound
from server.models import Device, Printer, PrintJob, Site
from server.requests import FormInvalid

AGENT = "agent"


def profile_names() -> list[str]:
    """The capability profiles python-escpos knows (TM-T88V, TM-T20II, …)."""
    from escpos.capabilities import CAPABILITIES  # noqa: PLC0415 (printers/ticket.py says why)

    return sorted(CAPABILITIES["profiles"])


def connection_problem(connection: str) -> str | None:
    """Why a connection string cannot be used (the transports' own words), or None."""
    if connection == AGENT:
        return None
    try:
        open_transport(connection)  # parses only: no device is opened
    except ValueError as exc:
        return str(exc)
    return None


def printer_named(session: Session, site: Site, name: str) -> Printer:
    printer = session.exec(select(Printer).where(Printer.site_id == site.id, Printer.name == name)).first()
    if printer is None:
        raise NotFound(N_("There is no printer called “%(name)s” here."), name=name)
    return printer


def save_printer(session: Session, site: Site, name: str, connection: str, profile: str,
                 staff_user_id: int | None = None, printer_id: int | None = None) -> Printer:
    """Adds a printer, or changes one (by ``printer_id``, else by name); its condition is checked anew.

    A refused field raises FormInvalid; the transports' message about a connection is English only.
    """
    fields: dict[str, str] = {}
    name, connection, profile = name.strip(), connection.strip(), profile.strip()
    printer = session.get(Printer, printer_id) if printer_id is not None else None
    if printer_id is not None and (printer is None or printer.site_id != site.id):
        raise NotFound(N_("There is no such printer."))
    if not name:
        fields["name"] = N_("Give the printer a name, e.g. hall.")
    elif len(name) > 60:
        fields["name"] = N_("A name has at most 60 characters.")
    else:
        same = session.exec(select(Printer).where(Printer.site_id == site.id, Printer.name == name)).first()
        if printer is None:
            printer = same
        elif same is not None and same.id != printer.id:
            fields["name"] = N_("This service point already has a printer with this name.")
    if not connection:
        fields["connection"] = N_("Give the connection, e.g. tcp://10.0.0.5:9100.")
    elif len(connection) > 300 or connection_problem(connection):
        fields["connection"] = connection_problem(connection) or N_("A connection has at most 300 characters.")
    if profile not in profile_names():
        fields["profile"] = N_("python-escpos has no printer profile of this name.")
    if fields:
        raise FormInvalid(fields)
    action = "printer.update" if printer is not None else "printer.create"
    printer = printer or Printer(site_id=site.id, name=name, connection=connection)
    printer.name, printer.connection, printer.profile, printer.condition = name, connection, profile, "unknown"
    session.add(printer)
    session.flush()
    # An event as for the rest of the configuration: workers read the printer afresh for the next ticket.
    config.config_changed(session, staff_user_id, site, action, f"printer:{printer.id}", f"profile={profile}")
    return printer


def remove_printer(session: Session, printer: Printer, staff_user_id: int | None = None) -> int:
    """Removes a printer: its kiosks are left without one and its unprinted jobs fail (staff may
    reprint them elsewhere). Returns how many jobs failed."""
    for device in session.exec(select(Device).where(Device.printer_id == printer.id)):
        device.printer_id = None
        session.add(device)
    failed = 0
    for job in session.exec(select(PrintJob).where(PrintJob.printer_id == printer.id)):
        job.printer_id = None
        if job.state in ("queued", "sent"):
            job.state, job.error = "failed", "The printer was removed."
            failed += 1
        session.add(job)
    config.config_changed(session, staff_user_id, session.get(Site, printer.site_id), "printer.remove",
                          f"printer:{printer.id}", f"name={printer.name} failed_jobs={failed}")
    session.delete(printer)
    return failed


@dataclass(frozen=True)
class TestPrint:
    before: PrinterStatus
    sent: int  # bytes; 0 when the printer could not print and nothing was sent
    after: PrinterStatus | None


def print_test_page(connection: str, profile: str, name: str) -> TestPrint:
    """Asks the printer its condition and, if it can print, sends the test page. Blocking (run it in a
    thread); a printer reached through a kiosk's agent cannot be reached from here.

    Raises PrinterUnavailable or ValueError (a bad connection string)."""
    if connection == AGENT:
        raise Conflict(N_("This printer is reached through its kiosk's printer agent: print the test page "
                          "on the kiosk PC (luukku print-test with the agent's connection)."))
    transport = open_transport(connection)
    before = transport.query_status(2.0)
    if not before.can_print:
        return TestPrint(before, 0, None)
    data = render_test_page(profile, details=(f"Printer: {name}", f"Connection: {connection}",
                                              f"Profile: {profile}"))
    transport.send("print-test", data, "Luukku test page")
    return TestPrint(before, len(data), transport.query_status(2.0))
