"""The printed slip for doing a matter oneself, asked for at the kiosk's guide ("Print the steps"):
the site, the matter, "Do it yourself", the e-service's address as text and as a QR code, what to
have at hand, the numbered steps, and the site's address, phone and the date.

It is laid out with the ticket's rules (printers/ticket.py: the code page chosen after the reset and
re-sent after each style, the same QR code and its size rules, the cut or tear-off feed) and goes to
the kiosk's printer as a print job of kind "slip" (printers/jobs.py). Unlike a ticket it is never
printed late: a printer that is down gets no slip at all (the kiosk says so, and the visitor scans
the QR code on the screen instead), and a slip still waiting after jobs.SLIP_FRESH_S is dropped.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from sqlmodel import Session

from printers import jobs
from printers.ticket import (
    PREVIEW_COLUMNS,
    _block,
    _block_lines,
    _clean,
    _finish,
    _lines,
    _printable,
    _qr,
    _start,
    _style,
    _wrap,
    qr_mode_for,
)
from server import i18n, matters
from server.errors import Conflict, Invalid, NotFound, N_
from server.models import Matter, Printer, PrintJob, Site, utcnow

# Where a long address may break: after these, so that each line ends where a person would pause.
_URL_BREAKS = "/?&=-._"
# "1. ", "2) ", "- ", "• ": a numbering or a bullet typed into a line of the catalogue; the slip numbers
# and marks the lines itself.
_TYPED_MARK = re.compile(r"^\s*(?:\d{1,2}[.)]|[-•*–])\s+")


@dataclass(frozen=True)
class StepsLabels:
    """Label texts of a slip, already translated by the caller."""

    heading: str
    address: str
    scan: str
    at_hand: str
    steps: str
    phone: str

    @classmethod
    def english(cls) -> StepsLabels:
        return cls(heading="Do it yourself", address="The e-service's address",
                   scan="Scan the code with your phone to open the e-service.", at_hand="What to have at hand",
                   steps="How to do it", phone="Phone")


@dataclass(frozen=True)
class StepsSlip:
    """Everything printed on one slip, in the visitor's language."""

    site_name: str
    title: str
    eservice_url: str
    bring: tuple[str, ...]
    steps: tuple[str, ...]
    site_address: str  # lines separated by newlines
    site_phone: str
    printed_on: str  # the date, as the slip's language writes it
    labels: StepsLabels


# --- layout -----------------------------------------------------------------------------------

def render_slip(slip: StepsSlip, profile: str = "TM-T88V", native_qr: bool | None = None) -> bytes:
    """The ESC/POS bytes of one slip, from printer reset to paper cut (or tear-off feed)."""
    printer, code_page, columns = _start(profile)
    labels = slip.labels

    _style(printer, code_page, align="center", bold=True)
    _lines(printer, code_page, slip.site_name, columns)
    _style(printer, code_page, bold=False, double_height=True)
    _lines(printer, code_page, slip.title, columns)
    _style(printer, code_page, normal_textsize=True)
    printer.textln("-" * columns)
    _style(printer, code_page, bold=True)
    _lines(printer, code_page, labels.heading, columns)
    _style(printer, code_page, bold=False)
    if slip.eservice_url:
        _style(printer, code_page, align="left")
        _lines(printer, code_page, f"{labels.address}:", columns)
        for line in url_lines(shown_url(slip.eservice_url), columns):
            printer.textln(_printable(line, code_page))
        mode = qr_mode_for(profile, native_qr)
        if mode != "text":  # a printer without QR codes has just printed the address as text
            _style(printer, code_page, align="center")
            _qr(printer, code_page, qr_url(slip.eservice_url), mode, columns)
            _lines(printer, code_page, labels.scan, columns)
    _style(printer, code_page, align="left")
    for label, items in ((labels.at_hand, slip.bring), (labels.steps, slip.steps)):
        if not items:
            continue
        printer.ln()
        _style(printer, code_page, bold=True)
        _lines(printer, code_page, f"{label}:", columns)
        _style(printer, code_page, bold=False)
        for line in _list_lines(items, columns, code_page, numbered=items is slip.steps):
            printer.textln(line)
    printer.ln()
    _style(printer, code_page, align="center")
    printer.textln("-" * columns)
    _block(printer, code_page, slip.site_address, columns)
    if slip.site_phone:
        _lines(printer, code_page, f"{labels.phone} {slip.site_phone}", columns)
    _lines(printer, code_page, slip.printed_on, columns)
    _finish(printer)
    return printer.output


def render_slip_preview(slip: StepsSlip) -> str:
    """The slip as a person reads it on paper, in PREVIEW_COLUMNS columns; the address stands for the QR code."""
    width = PREVIEW_COLUMNS
    rule = "-" * width
    centred = lambda lines: [line.center(width).rstrip() for line in lines]  # noqa: E731
    lines = centred([*_wrap(slip.site_name, width), *_wrap(slip.title, width)])
    lines += [rule, *centred(_wrap(slip.labels.heading, width))]
    if slip.eservice_url:
        # The address is never wrapped here, so that it can be copied whole.
        lines += [*_wrap(f"{slip.labels.address}:", width), slip.eservice_url]
    for label, items in ((slip.labels.at_hand, slip.bring), (slip.labels.steps, slip.steps)):
        if items:
            lines += ["", *_wrap(f"{label}:", width), *_list_lines(items, width, numbered=items is slip.steps)]
    footer = [*_block_lines(slip.site_address, width)]
    if slip.site_phone:
        footer += _wrap(f"{slip.labels.phone} {slip.site_phone}", width)
    lines += ["", rule, *centred([*footer, *_wrap(slip.printed_on, width)])]
    return "\n".join(lines) + "\n"


def shown_url(url: str) -> str:
    """The address as it is printed to be typed: without "https://", which browsers add themselves."""
    url = _clean(url)
    return url[len("https://"):] if url.lower().startswith("https://") else url


def url_lines(url: str, columns: int) -> list[str]:
    """An address in lines of at most ``columns`` characters, broken after a / ? & = - . or _ where one is
    in the second half of the line (else at the edge, but not inside a %-escape): no character is added
    or lost, so it types whole."""
    lines = []
    while len(url) > columns:
        cut = max(url.rfind(mark, columns // 2, columns) for mark in _URL_BREAKS) + 1
        cut = cut if cut > columns // 2 else columns
        escape = url.rfind("%", cut - 2, cut)
        cut = escape if escape > 0 else cut  # "%2F" stays on one line
        lines.append(url[:cut])
        url = url[cut:]
    return [*lines, url] if url else lines


def qr_url(url: str) -> str:
    """The address as a phone's camera reads it surely: a host with Finnish letters ("hämeenlinna.fi")
    in its ASCII (IDNA) form, and any other letter outside ASCII percent-encoded, as a browser sends it."""
    parts = urlsplit(_clean(url))
    netloc = parts.netloc
    if not netloc.isascii():
        try:
            port = parts.port
            netloc = parts.hostname.encode("idna").decode("ascii") + (f":{port}" if port else "")
        except (UnicodeError, ValueError):  # not a host name after all: as a browser would, escaped
            netloc = quote(netloc, safe=":@[]")
    keep = "/?#[]@!$&'()*+,;=%:~"
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=keep), quote(parts.query, safe=keep),
                       quote(parts.fragment, safe=keep)))


def _list_lines(items: tuple[str, ...], columns: int, code_page: str | None = None,
                numbered: bool = False) -> list[str]:
    """Items numbered ("1. ") or marked ("- "), each wrapped under its own first letter."""
    lines = []
    for number, item in enumerate(items, start=1):
        mark = f"{number}. " if numbered else "- "
        text = _TYPED_MARK.sub("", _clean(item))
        text = text if code_page is None else _printable(text, code_page)
        lines += textwrap.wrap(text, columns, initial_indent=mark, subsequent_indent=" " * len(mark)) or [mark]
    return lines


# --- from the database ------------------------------------------------------------------------

def print_slip(session: Session, site: Site, matter: Matter, lang: str, device: str | None = None,
               now: datetime | None = None) -> PrintJob | None:
    """Queues the slip of one of the site's matters, in ``lang``, for the printer of the kiosk ``device``
    (jobs.printer_for says which). Returns the queued job; None when nothing will print: the kiosk has
    no printer, or its printer is down (jobs.DOWN) — the kiosk then says so.

    NotFound if the matter is not one of the site's active matters (or the kiosk is unknown), Conflict
    if it has no e-service to do it with, Invalid for a language not ours. Records nothing for the
    reports (the caller records the guide's "printed")."""
    if lang not in i18n.LANGUAGES:
        raise Invalid(N_("Language must be one of fi, sv, en."))
    matter = matters.get(session, site, matter.id)
    if not matter.text("eservice_url", lang):
        raise Conflict(N_("This matter has no e-service: there are no steps to print."))
    printer = jobs.printer_for(session, site, device)
    if printer is None or printer.condition in jobs.DOWN:
        return None
    return jobs.create_slip_job(session, matter, lang, printer, now or utcnow())


def slip_state(session: Session, site: Site, job_id: str, wait_s: float, now: datetime | None = None) -> str:
    """How a slip of the site is doing: "printing" (on its way), "printed", or "not_printed" (it failed,
    a retry had to be scheduled, or it has not printed within ``wait_s``): the kiosk's to poll."""
    job = session.get(PrintJob, job_id)
    printer = session.get(Printer, job.printer_id) if job is not None and job.printer_id else None
    if job is None or job.kind != "slip" or printer is None or printer.site_id != site.id:
        raise NotFound(N_("There is no such print job."))
    if job.state == "printed":
        return "printed"
    late = (now or utcnow()) - job.created_at > timedelta(seconds=wait_s)
    if job.state == "failed" or late or (job.state == "queued" and job.attempts > 0):
        return "not_printed"
    return "printing"


def steps_slip(session: Session, job: PrintJob) -> StepsSlip:
    """A slip job's slip, from its matter and its printer's site, in the job's language."""
    matter = session.get(Matter, job.matter_id)
    site = session.get(Site, session.get(Printer, job.printer_id).site_id)
    lang = job.lang if job.lang in i18n.LANGUAGES else "fi"
    _ = lambda message: i18n.gettext(lang, message)  # noqa: E731
    return StepsSlip(
        site_name=site.name_in(lang),
        title=matter.text("title", lang),
        eservice_url=matter.text("eservice_url", lang),
        bring=tuple(matter.lines("bring", lang)),
        steps=tuple(matter.lines("steps", lang)),
        site_address=site.address,
        site_phone=site.phone,
        printed_on=i18n.local_date(job.created_at.astimezone(ZoneInfo(site.timezone)).date(), lang),
        labels=StepsLabels(
            heading=_("Do it yourself"),
            address=_("The e-service's address"),
            scan=_("Scan the code with your phone to open the e-service."),
            at_hand=_("What to have at hand"),
            steps=_("How to do it"),
            phone=_("Phone"),
        ),
    )


def render_slip_job(session: Session, job: PrintJob) -> jobs.RenderedJob:
    printer = session.get(Printer, job.printer_id)
    slip = steps_slip(session, job)
    name = f"{job.created_at:%Y%m%d}-slip-{job.matter_id}-{job.id[:8]}"
    return jobs.RenderedJob(name=name, data=render_slip(slip, profile=printer.profile),
                            preview=render_slip_preview(slip))
