"""The layout of a queue ticket: ESC/POS bytes for the printer and a plain-text preview of the same ticket;
the printer test page; the check of a logo before it is stored."""

from __future__ import annotations

import functools
import io
import logging
import textwrap
import unicodedata
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

# python-escpos (its printer profiles, pyusb, pyserial, python-barcode), qrcode and Pillow are imported
# by the functions that render: loaded at start they cost every server process about 8 MB
# (docs/PERFORMANCE.md, "Thousands of phones"); only the processes that print or check a logo need them.
if TYPE_CHECKING:
    from escpos.capabilities import BaseProfile
    from escpos.printer import Dummy
    from PIL import Image

logger = logging.getLogger(__name__)

# WPC1252 (python-escpos calls it "CP1252"; Epson selects it with ESC t 16) holds every letter of the
# Finnish and Swedish alphabets, including the Š and Ž of Finnish loanwords, and the typographic quotes
# and dashes that translations tend to contain. CP858 has ä ö å é ü and € but no Š/Ž; CP850 the same
# without €; CP437 still has ä ö å Ä Ö Å é ü and is the only page of the `simple` and TM-U220 profiles.
# Vendors number the pages differently (WPC1252 is ESC t 32 on Star's TSP600): the number comes from the
# profile. Without an explicit page python-escpos guesses one per character, which can switch pages in
# the middle of a word and picks pages some printers lack.
CODE_PAGE = "CP1252"
FALLBACK_CODE_PAGES = ("CP858", "CP850", "CP437")

# What a ticket prints instead of a character its code page lacks. Finnish writes š and ž as sh and zh
# where they cannot be had ("shakki" for "šakki"); the rest keep a sentence readable. Anything else
# becomes "?", never the letter that happens to have the same byte in another page.
SUBSTITUTES = {
    "Š": "Sh",
    "š": "sh",
    "Ž": "Zh",
    "ž": "zh",
    "€": "EUR",
    "„": '"',
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "–": "-",
    "—": "-",
    "…": "...",
}
MISSING_CHARACTER = "?"

PREVIEW_COLUMNS = 42
# Font A magnified 6 times is 72 × 144 dots: a number about 20 mm tall on a 180 dpi printer.
NUMBER_MAX_SCALE = 6
# One QR module is 6 dots (0.85 mm at 180 dpi): phones read it at arm's length, even from crumpled paper.
QR_MODULE_DOTS = 6
# The white border of the raster QR, in modules; the blank lines above and below add to it.
QR_BORDER_MODULES = 1
# Up to 250 bytes a QR code with error correction M is at most version 11: 63 modules with its border,
# which at 6 dots each fit even 58 mm paper (384 dots).
QR_FULL_SIZE_BYTES = 250
QR_FULL_SIZE_PAPER_DOTS = 384

# The paper width of profiles that do not know theirs ("simple", "default", RP326…): 512 dots is the
# TM-T88's 80 mm, and on a 58 mm printer (384 dots) a centred QR code still fits, a little to the right.
UNKNOWN_PAPER_DOTS = 512
# About 28 mm at 180 dpi: a logo, not a poster; every dot row of a full-width logo costs 64 bytes.
LOGO_MAX_DOTS_TALL = 200
LOGO_MAX_BYTES = 1024 * 1024
# Pillow decodes the whole image before scaling it; a small file can still unpack to gigabytes.
LOGO_MAX_PIXELS_PER_SIDE = 4000

# The same feed python-escpos gives before a cut: on a printer without a cutter it brings the QR code
# past the tear bar, so the visitor tears off the whole ticket.
TEAR_OFF_FEED_LINES = 6

TEST_PAGE_SAMPLES = (
    "ÄÖÅ äöå",
    "Šš Žž",
    "Éé Üü",
    "€",
    "„quoted“ ”quoted” ’",
    "– —",
    "0123456789",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
)
TEST_PAGE_NUMBER = "A042"
TEST_PAGE_QR_URL = "https://luukku.example/print-test"

QrMode = Literal["native", "raster", "text"]
# How the test page names them for the person setting the printer up.
QR_MODE_NAMES: dict[QrMode, str] = {
    "native": "the printer's own (GS ( k)",
    "raster": "an image (GS v 0)",
    "text": "none, the address as text",
}


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
    # The site's own lines, already translated; may hold several lines. The header is printed at the top
    # (under the logo), the footer after the QR code.
    header: str = ""
    footer: str = ""


def code_page_for(profile: str) -> str:
    """The code page a ticket uses on printers of this profile: CODE_PAGE, else the first fallback offered."""
    from escpos.capabilities import get_profile  # noqa: PLC0415 (see the imports)

    offered = get_profile(profile).get_code_pages()
    for code_page in (CODE_PAGE, *FALLBACK_CODE_PAGES):
        if code_page in offered:
            return code_page
    raise ValueError(
        f"Printer profile {profile!r} offers none of the code pages with Finnish and Swedish letters "
        f"({', '.join((CODE_PAGE, *FALLBACK_CODE_PAGES))})"
    )


def qr_mode_for(profile: str, native_qr: bool | None = None) -> QrMode:
    """How the QR code is printed: the printer's own command, a raster image, or (neither possible) the URL as text."""
    from escpos.capabilities import get_profile  # noqa: PLC0415 (see the imports)

    capabilities = get_profile(profile)
    if native_qr is not None:
        return "native" if native_qr else "raster"
    if capabilities.supports("qrCode"):
        return "native"
    # Impact printers such as the TM-U220 have neither: Epson lists them among the printers without GS v 0.
    if capabilities.supports("bitImageRaster"):
        return "raster"
    return "text"


def render_ticket(
    slip: TicketSlip, profile: str = "TM-T88V", logo: bytes | None = None, native_qr: bool | None = None
) -> bytes:
    """The ESC/POS bytes of one ticket, from printer reset to paper cut (or tear-off feed)."""
    printer, code_page, columns = _start(profile)

    # ESC @ left the alignment at left, and the logo raster is already centred. A printer without raster
    # images (the TM-U220 and other impact printers) prints no logo.
    if logo is not None and printer.profile.supports("bitImageRaster"):
        try:
            printer._raw(_logo_raster(logo, _paper_dots(printer.profile)))
        except ValueError as exc:
            # A logo that cannot be read must not cost the visitor the ticket. It was checked when stored.
            logger.warning("Ticket printed without its logo: %s", exc)

    _style(printer, code_page, align="center")
    _block(printer, code_page, slip.header, columns)
    _style(printer, code_page, bold=True)
    _lines(printer, code_page, slip.site_name, columns)
    _style(printer, code_page, bold=False, double_height=True)
    _lines(printer, code_page, slip.service_name, columns)
    _style(printer, code_page, normal_textsize=True)
    printer.textln("-" * columns)
    _lines(printer, code_page, slip.labels.your_number, columns)
    _number(printer, code_page, slip.number, columns)
    printer.textln("-" * columns)
    _lines(printer, code_page, slip.issued_at, columns)
    for fact in _waiting_facts(slip):
        _lines(printer, code_page, fact, columns)
    printer.ln()
    _lines(printer, code_page, slip.labels.follow_queue, columns)
    _qr(printer, code_page, slip.status_url, qr_mode_for(profile, native_qr), columns)
    _block(printer, code_page, slip.footer, columns, space_before=True)
    _finish(printer)
    return printer.output


def render_test_page(
    profile: str = "TM-T88V", title: str = "Luukku test page", details: tuple[str, ...] = ()
) -> bytes:
    """The ticket of `luukku print-test`: what the printer makes of the letters, its width, the number, the QR code."""
    printer, code_page, columns = _start(profile)
    qr_mode = qr_mode_for(profile)
    page_number = printer.profile.get_code_pages()[code_page]

    _style(printer, code_page, align="center", bold=True, double_height=True)
    _lines(printer, code_page, title, columns)
    _style(printer, code_page, bold=False, normal_textsize=True)
    for detail in details:
        _lines(printer, code_page, detail, columns)
    _lines(printer, code_page, f"Profile: {profile}", columns)
    _lines(printer, code_page, f"Code page: {code_page} (ESC t {page_number})", columns)
    _lines(printer, code_page, f"QR code: {QR_MODE_NAMES[qr_mode]}", columns)
    printer.textln("-" * columns)
    for sample in TEST_PAGE_SAMPLES:
        _lines(printer, code_page, sample, columns)
    # The last digit printed whole on the line is the printer's column count (mod 10).
    printer.textln(("1234567890" * (columns // 10 + 1))[:columns])
    _number(printer, code_page, TEST_PAGE_NUMBER, columns)
    _qr(printer, code_page, TEST_PAGE_QR_URL, qr_mode, columns)
    _finish(printer)
    return printer.output


def check_logo(data: bytes) -> None:
    """Raise ValueError, in words a person understands, unless `data` is a logo a ticket can print."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValueError(
            f"The logo is larger than 1 MB ({len(data) / 1024 / 1024:.1f} MB). A ticket prints it at most "
            f"{UNKNOWN_PAPER_DOTS} × {LOGO_MAX_DOTS_TALL} dots: a PNG of that size is a few kilobytes."
        )
    _logo_image(data)


def render_preview(slip: TicketSlip) -> str:
    """The ticket as a person reads it on paper, in PREVIEW_COLUMNS columns: the status URL stands for the QR code."""
    width = PREVIEW_COLUMNS
    rule = "-" * width
    lines = [
        *_block_lines(slip.header, width),
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
    footer = [line.center(width).rstrip() for line in _block_lines(slip.footer, width)]
    after_url = ["", *footer] if footer else []
    # The URL is never wrapped, so that it can be copied whole.
    return "\n".join([*centered, "", slip.status_url, *after_url]) + "\n"


def _start(profile: str) -> tuple[Dummy, str, int]:
    from escpos.printer import Dummy  # noqa: PLC0415 (see the imports)

    code_page = code_page_for(profile)
    printer = Dummy(profile=profile)
    # ESC @ resets the printer to its own default code page, so the page is chosen after it.
    printer.hw("INIT")
    printer.charcode(code_page)
    return printer, code_page, printer.profile.get_columns("a")


def _finish(printer: Dummy) -> None:
    if printer.profile.supports("paperPartCut") or printer.profile.supports("paperFullCut"):
        # A partial cut leaves the ticket hanging from the printer until the visitor takes it
        # (python-escpos sends a full cut where the profile has only that).
        printer.cut(mode="PART")
    else:
        printer.print_and_feed(TEAR_OFF_FEED_LINES)


def _number(printer: Dummy, code_page: str, number: str, columns: int) -> None:
    text = _printable(_clean(number), code_page)
    scale = max(1, min(NUMBER_MAX_SCALE, columns // max(1, len(text))))
    _style(printer, code_page, bold=True, smooth=True, custom_size=True, width=scale, height=scale)
    printer.textln(text)
    # python-escpos' normal_textsize resets ESC ! only; the magnification of GS ! needs its own reset.
    _style(printer, code_page, bold=False, smooth=False, custom_size=True, width=1, height=1)


def _qr(printer: Dummy, code_page: str, url: str, mode: QrMode, columns: int) -> None:
    from escpos.constants import QR_ECLEVEL_M  # noqa: PLC0415 (see the imports)

    if mode == "native":
        # python-escpos refuses center=True for the printer's own QR code, but the printer applies the
        # ESC a centering (still in force from above) to it.
        printer.qr(url, ec=QR_ECLEVEL_M, size=_native_module_dots(url, _paper_dots(printer.profile)), native=True)
    elif mode == "raster":
        # The raster is centred by its own white margin, so it must start at the left edge: whether a
        # printer applies ESC a to GS v 0 differs between models.
        printer.ln()
        _style(printer, code_page, align="left")
        printer._raw(_qr_raster(url, _paper_dots(printer.profile)))
        _style(printer, code_page, align="center")
        printer.ln()
    else:
        # Characters wrap, not words: the URL has no spaces and must stay whole to be typed in.
        printer.ln()
        for start in range(0, len(url), columns):
            printer.textln(_printable(url[start : start + columns], code_page))


def _qr_matrix(url: str) -> list[list[bool]]:
    import qrcode  # noqa: PLC0415 (see the imports)

    code = qrcode.QRCode(border=QR_BORDER_MODULES, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def _module_dots(matrix: list[list[bool]], paper_dots: int) -> int:
    # A long URL (an e-service's address on a slip) on a narrow printer gets smaller modules rather than
    # a QR code cut off at the edge. The printer's own command picks the same version for the same data
    # and error correction, so the qrcode library's matrix tells its size too.
    return max(1, min(QR_MODULE_DOTS, paper_dots // len(matrix)))


def _native_module_dots(url: str, paper_dots: int) -> int:
    # Building the code only to measure it costs milliseconds inside the worker's write transaction;
    # a ticket's status URL is far shorter than what fits anyway.
    if len(url.encode()) <= QR_FULL_SIZE_BYTES and paper_dots >= QR_FULL_SIZE_PAPER_DOTS:
        return QR_MODULE_DOTS
    return _module_dots(_qr_matrix(url), paper_dots)


def _qr_raster(url: str, paper_dots: int) -> bytes:
    matrix = _qr_matrix(url)
    modules = len(matrix)
    module_dots = _module_dots(matrix, paper_dots)
    from PIL import Image  # noqa: PLC0415 (see the imports)

    image = Image.new("L", (modules, modules))
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    image = image.resize((modules * module_dots, modules * module_dots), Image.Resampling.NEAREST)
    return _raster_command(image, paper_dots)


@functools.lru_cache(maxsize=8)
def _logo_raster(logo: bytes, paper_dots: int) -> bytes:
    # Cached per logo and paper width (the only thing of the profile it depends on): a busy kiosk prints
    # the same logo all day, and Pillow's decoding and scaling cost far more than the ticket itself.
    # The cache keeps at most 8 logos of at most 1 MB each.
    from PIL import Image  # noqa: PLC0415 (see the imports)

    grey = _logo_image(logo)
    scale = min(1.0, paper_dots / grey.width, LOGO_MAX_DOTS_TALL / grey.height)
    if scale < 1.0:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    # A plain threshold, no dithering: letters and lines of a logo stay crisp instead of turning to grain.
    return _raster_command(grey.point(lambda level: 255 if level >= 128 else 0), paper_dots)


def _logo_image(data: bytes) -> Image.Image:
    """The logo in shades of grey ("L") on white paper; ValueError, in words a person understands, if it is none."""
    from PIL import Image  # noqa: PLC0415 (see the imports)

    unreadable = "The logo is not an image file Luukku can read (PNG, JPEG or GIF)."
    too_large = (
        f"The logo is too large in pixels; use an image at most {LOGO_MAX_PIXELS_PER_SIDE} pixels wide and tall "
        f"(a ticket prints it at most {UNKNOWN_PAPER_DOTS} × {LOGO_MAX_DOTS_TALL} dots)."
    )
    try:
        with warnings.catch_warnings():
            # Pillow only warns about a decompression bomb below twice its limit; a logo that big is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ValueError(too_large) from exc
    except OSError as exc:  # UnidentifiedImageError is one
        raise ValueError(unreadable) from exc
    if max(image.size) > LOGO_MAX_PIXELS_PER_SIDE:
        raise ValueError(too_large)
    try:
        # Transparent parts are paper, not black: the logo is laid on white before the alpha channel goes.
        on_white = Image.new("RGBA", image.size, "white")
        return Image.alpha_composite(on_white, image.convert("RGBA")).convert("L")
    except (OSError, SyntaxError, EOFError, ValueError) as exc:
        # Pillow reads the pixels only here: a truncated file raises OSError, some broken PNGs SyntaxError.
        raise ValueError(unreadable) from exc


def _raster_command(image: Image.Image, paper_dots: int) -> bytes:
    """GS v 0 of a black-and-white image ("L", 0 = black), centred on the paper by a white left margin."""
    from PIL import Image, ImageOps  # noqa: PLC0415 (see the imports)

    left = max(0, (paper_dots - image.width) // 2)
    # No right margin: the dots after the image are blank paper anyway, and each byte left out is one
    # byte less for every dot row.
    width_bytes = (left + image.width + 7) // 8
    canvas = Image.new("L", (width_bytes * 8, image.height), 255)
    canvas.paste(image, (left, 0))
    # In mode "1" a set bit is white; the printer burns a dot for a set bit.
    bits = ImageOps.invert(canvas).convert("1", dither=Image.Dither.NONE).tobytes()
    header = b"\x1dv0\x00" + width_bytes.to_bytes(2, "little") + image.height.to_bytes(2, "little")
    return header + bits


def _paper_dots(profile: BaseProfile) -> int:
    pixels = profile.profile_data.get("media", {}).get("width", {}).get("pixels")
    dots = pixels if isinstance(pixels, int) else UNKNOWN_PAPER_DOTS
    # A raster row is whole bytes: rounded down, so that no row is wider than the paper (546 → 544).
    return dots // 8 * 8


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
    from escpos.constants import CODEPAGE_CHANGE  # noqa: PLC0415 (see the imports)

    index = int(printer.profile.get_code_pages()[code_page])
    printer._raw(CODEPAGE_CHANGE + bytes([index]))


def _block(printer: Dummy, code_page: str, text: str, columns: int, space_before: bool = False) -> None:
    lines = _block_lines(text, columns, code_page)
    if lines and space_before:
        printer.ln()
    for line in lines:
        printer.textln(line)


def _lines(printer: Dummy, code_page: str, text: str, columns: int) -> None:
    for line in _wrap(text, columns, code_page):
        printer.textln(line)


def _block_lines(text: str, columns: int, code_page: str | None = None) -> list[str]:
    # A header or footer keeps its own line breaks and the blank lines between them, not those around them.
    if not text.strip():
        return []
    return [wrapped for line in text.strip().splitlines() for wrapped in _wrap(line, columns, code_page)]


def _wrap(text: str, columns: int, code_page: str | None = None) -> list[str]:
    # Substitutes first: "Sh" for "Š" is one character longer, and the line must still fit.
    cleaned = _clean(text) if code_page is None else _printable(_clean(text), code_page)
    return textwrap.wrap(cleaned, columns) or [""]


def _printable(text: str, code_page: str) -> str:
    # Every character that reaches python-escpos is one the page holds: it would otherwise print "?" for
    # some, and the substitutes below read better than that.
    codec = code_page.lower()
    return "".join(
        char if _encodable(char, codec) else SUBSTITUTES.get(char, MISSING_CHARACTER)
        for char in unicodedata.normalize("NFC", text)
    )


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _clean(text: str) -> str:
    # NFC joins a decomposed "a" + combining diaeresis into the one "ä" a code page holds. Control
    # characters in a configured name must not reach the printer as commands (an ESC would start one).
    composed = unicodedata.normalize("NFC", text)
    visible = "".join(" " if unicodedata.category(char) == "Cc" else char for char in composed)
    return " ".join(visible.split())
