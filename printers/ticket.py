"""The layout of a queue ticket: ESC/POS bytes for the printer and a plain-text preview of the same ticket."""

from __future__ import annotations

import textwrap
import unicodedata
from dataclasses import dataclass
from typing import Any

from escpos.capabilities import get_profile
from escpos.constants import CODEPAGE_CHANGE, QR_ECLEVEL_M
from escpos.printer import Dummy

# WPC1252 (python-escpos calls it "CP1252"; Epson selects it with ESC t 16) holds every letter of the
# Finnish and Swedish alphabets, including the Š and Ž of Finnish loanwords, and the typographic quotes
# and dashes that translations tend to contain. TM-T88II/III/IV/V, TM-T20II, TM-P80, TM-L90, RP326,
# Sunmi-V2, TSP600 and the generic `default` profile offer it. CP858 (Epson ESC t 19) has ä ö å é ü and
# € but no Š/Ž; CP437 still has ä ö å Ä Ö Å é ü and is the only page of the `simple` and TM-U220
# profiles. Without an explicit page python-escpos guesses one per character, which can switch pages
# in the middle of a word and picks pages that some printers lack.
CODE_PAGE = "CP1252"
FALLBACK_CODE_PAGES = ("CP858", "CP850", "CP437")

PREVIEW_COLUMNS = 42
# Font A magnified 6 times is 72 × 144 dots: a number about 20 mm tall on a 180 dpi printer.
NUMBER_MAX_SCALE = 6
# One QR module is 6 dots (0.85 mm at 180 dpi): phones read it at arm's length, even from crumpled paper.
QR_MODULE_DOTS = 6


@dataclass(frozen=True)
class SlipLabels:
    """Label texts of a ticket, already translated by the caller."""

    your_number: str
    people_ahead: str
    estimated_wait: str
    minutes: str
    follow_queue: str

    @classmethod
    def english(cls) -> SlipLabels:
        return cls(
            your_number="Your number",
            people_ahead="People ahead",
            estimated_wait="Estimated wait",
            minutes="min",
            follow_queue="Follow your turn on your phone",
        )


@dataclass(frozen=True)
class TicketSlip:
    """Everything printed on one queue ticket."""

    site_name: str
    service_name: str
    number: str
    issued_at: str
    people_ahead: int
    estimated_wait_min: int
    status_url: str
    labels: SlipLabels


def code_page_for(profile: str) -> str:
    """The code page a ticket uses on printers of this profile: CODE_PAGE, else the first fallback offered."""
    offered = get_profile(profile).get_code_pages()
    for code_page in (CODE_PAGE, *FALLBACK_CODE_PAGES):
        if code_page in offered:
            return code_page
    raise ValueError(
        f"Printer profile {profile!r} offers none of the code pages with Finnish and Swedish letters "
        f"({', '.join((CODE_PAGE, *FALLBACK_CODE_PAGES))})"
    )


def render_ticket(slip: TicketSlip, profile: str = "TM-T88V", native_qr: bool = True) -> bytes:
    """The ESC/POS bytes of one ticket, from printer reset to paper cut."""
    code_page = code_page_for(profile)
    printer = Dummy(profile=profile)
    columns = printer.profile.get_columns("a")

    # ESC @ resets the printer to its own default code page, so the page is chosen after it.
    printer.hw("INIT")
    printer.charcode(code_page)

    _style(printer, code_page, align="center", bold=True)
    _lines(printer, slip.site_name, columns)
    _style(printer, code_page, bold=False, double_height=True)
    _lines(printer, slip.service_name, columns)
    _style(printer, code_page, normal_textsize=True)
    printer.textln("-" * columns)
    _lines(printer, slip.labels.your_number, columns)

    number = _clean(slip.number)
    scale = max(1, min(NUMBER_MAX_SCALE, columns // max(1, len(number))))
    _style(printer, code_page, bold=True, smooth=True, custom_size=True, width=scale, height=scale)
    printer.textln(number)
    # python-escpos' normal_textsize resets ESC ! only; the magnification of GS ! needs its own reset.
    _style(printer, code_page, bold=False, smooth=False, custom_size=True, width=1, height=1)

    printer.textln("-" * columns)
    _lines(printer, slip.issued_at, columns)
    for fact in _waiting_facts(slip):
        _lines(printer, fact, columns)
    printer.ln()
    _lines(printer, slip.labels.follow_queue, columns)

    if native_qr:
        # python-escpos refuses center=True for the printer's own QR code, but the printer applies the
        # ESC a centering (still in force from above) to it.
        printer.qr(slip.status_url, ec=QR_ECLEVEL_M, size=QR_MODULE_DOTS, native=True)
    else:
        printer.qr(slip.status_url, ec=QR_ECLEVEL_M, size=QR_MODULE_DOTS, native=False, center=True)

    # A partial cut leaves the ticket hanging from the printer until the visitor takes it.
    printer.cut(mode="PART")
    return printer.output


def render_preview(slip: TicketSlip) -> str:
    """The ticket as a person reads it on paper, in PREVIEW_COLUMNS columns, then the status URL."""
    width = PREVIEW_COLUMNS
    rule = "-" * width
    lines = [
        *_wrap(slip.site_name, width),
        *_wrap(slip.service_name, width),
        rule,
        *_wrap(slip.labels.your_number, width),
        _clean(slip.number),
        rule,
        *_wrap(slip.issued_at, width),
        *(line for fact in _waiting_facts(slip) for line in _wrap(fact, width)),
        "",
        *_wrap(slip.labels.follow_queue, width),
    ]
    centered = [line.center(width).rstrip() for line in lines]
    # The URL stands where the QR code is printed and is never wrapped, so that it can be copied whole.
    return "\n".join([*centered, "", slip.status_url]) + "\n"


def _waiting_facts(slip: TicketSlip) -> list[str]:
    labels = slip.labels
    return [
        f"{labels.people_ahead}: {slip.people_ahead}",
        f"{labels.estimated_wait}: {slip.estimated_wait_min} {labels.minutes}",
    ]


def _style(printer: Dummy, code_page: str, **settings: Any) -> None:
    printer.set(**settings)
    # Some printers fall back to their default code page after ESC ! or a font change. python-escpos only
    # sends ESC t when the page differs from the one it believes is active, so the page is re-sent here.
    index = int(printer.profile.get_code_pages()[code_page])
    printer._raw(CODEPAGE_CHANGE + bytes([index]))


def _lines(printer: Dummy, text: str, columns: int) -> None:
    for line in _wrap(text, columns):
        printer.textln(line)


def _wrap(text: str, columns: int) -> list[str]:
    return textwrap.wrap(_clean(text), columns) or [""]


def _clean(text: str) -> str:
    # NFC joins a decomposed "a" + combining diaeresis into the one "ä" a code page holds. Control
    # characters in a configured name must not reach the printer as commands (an ESC would start one).
    composed = unicodedata.normalize("NFC", text)
    visible = "".join(" " if unicodedata.category(char) == "Cc" else char for char in composed)
    return " ".join(visible.split())
