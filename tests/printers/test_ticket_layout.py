from __future__ import annotations

import io
import logging
from dataclasses import replace
from typing import Any

import pytest
import qrcode
from escpos.capabilities import CAPABILITIES, get_profile
from PIL import Image, ImageDraw

from printers import ticket
from printers.ticket import (
    CODE_PAGE,
    TEST_PAGE_QR_URL,
    TEST_PAGE_SAMPLES,
    SlipLabels,
    TicketSlip,
    check_logo,
    code_page_for,
    render_preview,
    render_test_page,
    render_ticket,
)
from tests.printers.escpos_reader import ESC, PC437, WPC1252, Printed, Raster, read_escpos


FINNISH_SLIP = TicketSlip(
    site_name="Hämeenlinnan kaupungintalo",
    service_name="Ympäristö- ja rakennusvalvonta",
    number="A042",
    issued_at="23.11.2026 14.07",
    people_ahead=3,
    estimated_wait_min=12,
    status_url="https://jono.example.fi/t/8f3c2a9d",
    labels=SlipLabels.english(),
)


def a_slip(**changes: Any) -> TicketSlip:
    return replace(FINNISH_SLIP, **changes)


SWEDISH = SlipLabels(
    your_number="Ditt nummer",
    people_ahead="Före dig",
    estimated_wait="Beräknad väntetid",
    minutes="min",
    follow_queue="Följ din tur på telefonen",
)


def test_it_chooses_wpc1252_for_the_tm_t88v():
    assert CODE_PAGE == "CP1252"
    assert code_page_for("TM-T88V") == "CP1252"


def test_it_prints_finnish_letters_in_the_chosen_code_page():
    data = render_ticket(a_slip())
    printed = read_escpos(data)

    assert "Ympäristö- ja rakennusvalvonta" in printed.text
    assert "Hämeenlinnan kaupungintalo" in printed.text
    assert "Ympäristö".encode("cp1252") in data
    assert "?" not in printed.text


def test_it_prints_swedish_letters_and_labels_in_the_chosen_code_page():
    slip = a_slip(site_name="Åbo stad", service_name="Byggnadstillsyn och miljö, Åbo", labels=SWEDISH)
    printed = read_escpos(render_ticket(slip))

    for fact in ["Åbo stad", "Byggnadstillsyn och miljö, Åbo", "Före dig: 3", "Beräknad väntetid: 12 min"]:
        assert fact in printed.text
    assert "Följ din tur på telefonen" in printed.text


@pytest.mark.parametrize("letter", list("äöåÄÖÅéüŠž"))
def test_it_prints_each_nordic_letter_as_itself(letter):
    printed = read_escpos(render_ticket(a_slip(site_name=f"Letter {letter} here")))

    assert f"Letter {letter} here" in printed.text


def test_it_prints_letters_typed_as_a_base_letter_and_a_combining_mark():
    printed = read_escpos(render_ticket(a_slip(service_name="Ympa\u0308risto\u0308")))

    assert "Ympäristö" in printed.text


def test_it_selects_the_code_page_right_after_the_printer_reset():
    printed = read_escpos(render_ticket(a_slip()))

    assert printed.commands[0] == b"\x1b@"
    assert printed.commands[1] == bytes([ESC, ord("t"), WPC1252])
    assert set(printed.code_pages_selected()) == {WPC1252}


def test_it_selects_the_code_page_again_after_every_style_change():
    printed = read_escpos(render_ticket(a_slip()))

    waiting_for_page = False
    for event in printed.events:
        if isinstance(event, str):
            assert not waiting_for_page, f"{event!r} follows a style change without a code page"
        elif event[:2] in (b"\x1b!", b"\x1bE", b"\x1bM", b"\x1d!"):
            waiting_for_page = True
        elif event[:2] == b"\x1bt":
            waiting_for_page = False


def test_it_prints_the_number_at_least_four_times_as_wide_and_tall():
    printed = read_escpos(render_ticket(a_slip()))

    size = None
    for event in printed.events:
        if isinstance(event, str) and "A042" in event:
            break
        if isinstance(event, bytes) and event[:2] == b"\x1d!":
            size = event[2]
    assert size is not None
    width, height = (size >> 4) + 1, (size & 0x0F) + 1
    assert width >= 4 and height >= 4
    assert width * len("A042") <= 42


def test_it_puts_the_status_url_in_a_native_qr_code():
    printed = read_escpos(render_ticket(a_slip()))

    assert printed.qr_payloads == ["https://jono.example.fi/t/8f3c2a9d"]
    assert printed.raster_images == 0


def test_it_prints_the_qr_code_as_an_image_for_printers_without_native_qr():
    printed = read_escpos(render_ticket(a_slip(), native_qr=False))

    assert printed.qr_payloads == []
    assert printed.raster_images == 1
    assert "Ympäristö- ja rakennusvalvonta" in printed.text


def test_it_ends_with_a_feed_and_a_cut():
    printed = read_escpos(render_ticket(a_slip()))

    assert printed.commands[-2][:2] == b"\x1bd"
    assert printed.commands[-1][:2] == b"\x1dV"


def test_it_prints_the_site_the_time_and_the_queue():
    printed = read_escpos(render_ticket(a_slip()))

    for fact in ["Your number", "23.11.2026 14.07", "People ahead: 3", "Estimated wait: 12 min"]:
        assert fact in printed.text
    assert "Follow your turn on your phone" in printed.text


def test_a_ticket_with_a_native_qr_code_stays_under_2_kb():
    long_names = a_slip(service_name="Ympäristö- ja rakennusvalvonta " * 4, site_name="Kaupungintalo " * 4)

    assert len(render_ticket(long_names)) < 2048


def test_it_wraps_long_names_between_words_within_the_paper_width():
    slip = a_slip(service_name="Varhaiskasvatuksen asiakaspalvelu ja palveluohjaus sekä maksut")
    printed = read_escpos(render_ticket(slip))

    lines = printed.text.splitlines()
    assert all(len(line) <= 42 for line in lines)
    assert "Varhaiskasvatuksen asiakaspalvelu ja" in lines
    assert "palveluohjaus sekä maksut" in lines


def test_it_keeps_control_characters_in_names_from_reaching_the_printer():
    data = render_ticket(a_slip(site_name="Kaupungintalo\x1b@\x1dV\x00"))

    assert data.count(b"\x1b@") == 1
    assert data.count(b"\x1dV") == 1


def test_it_falls_back_to_cp437_on_a_printer_that_has_no_other_page():
    slip = a_slip(service_name="Byggnadstillsyn och miljö, Åbo")
    printed = read_escpos(render_ticket(slip, profile="simple"))

    assert set(printed.code_pages_selected()) == {PC437}
    assert "Byggnadstillsyn och miljö, Åbo" in printed.text


def test_it_refuses_a_profile_without_a_page_for_finnish_letters():
    with pytest.raises(ValueError, match="AF-240"):
        render_ticket(a_slip(), profile="AF-240")


def test_the_preview_shows_what_the_ticket_shows():
    slip = a_slip(site_name="Åbo stad", service_name="Byggnadstillsyn och miljö, Åbo", labels=SWEDISH)
    preview = render_preview(slip)
    lines = [line.strip() for line in preview.splitlines()]

    for fact in ["Åbo stad", "Byggnadstillsyn och miljö, Åbo", "Ditt nummer", "A042", "23.11.2026 14.07"]:
        assert fact in lines
    assert "Före dig: 3" in lines
    assert "Beräknad väntetid: 12 min" in lines
    assert "Följ din tur på telefonen" in lines
    assert preview.splitlines()[-1] == "https://jono.example.fi/t/8f3c2a9d"


def test_the_preview_is_42_columns_wide_except_for_the_url():
    slip = a_slip(service_name="Varhaiskasvatuksen asiakaspalvelu ja palveluohjaus sekä maksut")
    lines = render_preview(slip).splitlines()

    assert all(len(line) <= 42 for line in lines[:-1])
    assert max(len(line) for line in lines[:-1]) == 42


# --- A busy service point: long names, the site's own lines, a logo, printers of every kind ---

# Long Finnish names, the site's header and footer in both languages, and a 60-character status URL.
BUSY_SLIP = a_slip(
    site_name="Hämeenlinnan kaupungin palvelupiste Kastelli, kaupungintalo",
    service_name="Ympäristö- ja rakennusvalvonnan asiakaspalvelu ja lupaneuvonta",
    header="Tervetuloa asioimaan! – Välkommen!\nPalvelemme ma–pe 8.00–16.00.",
    footer=(
        "Säilytä lippu, kunnes vuorosi tulee.\nSpara biljetten tills det är din tur.\n"
        "Palaute ja ehdotukset: palaute@hameenlinna.example.fi"
    ),
    status_url="https://jono.hameenlinna.example.fi/t/8f3c2a9d4b1e7f60a2c5d9",
)

OUR_CODE_PAGES = {"CP1252": "cp1252", "CP858": "cp858", "CP850": "cp850", "CP437": "cp437"}


def codec_of(profile: str) -> dict[int, str]:
    """The ESC t number this profile gives the page code_page_for chose, and the codec that decodes it."""
    code_page = code_page_for(profile)
    return {int(get_profile(profile).get_code_pages()[code_page]): OUR_CODE_PAGES[code_page]}


def offers_our_pages(profile: str) -> bool:
    return any(page in get_profile(profile).get_code_pages() for page in OUR_CODE_PAGES)


def has_cutter(profile: str) -> bool:
    return bool(get_profile(profile).supports("paperPartCut") or get_profile(profile).supports("paperFullCut"))


def paper_dots(profile: str) -> int:
    pixels = get_profile(profile).profile_data.get("media", {}).get("width", {}).get("pixels")
    return pixels if isinstance(pixels, int) else 512


PROFILES = sorted(name for name in CAPABILITIES["profiles"] if offers_our_pages(name))
RASTER_PROFILES = [name for name in PROFILES if get_profile(name).supports("bitImageRaster")]


def a_logo(width: int = 300, height: int = 100, format: str = "PNG") -> bytes:
    """A white image with a black frame and a grey band, as a file of the given format."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline="black", width=max(1, height // 10))
    draw.rectangle((width // 4, height // 3, width * 3 // 4, height * 2 // 3), fill=(90, 90, 90))
    data = io.BytesIO()
    image.save(data, format)
    return data.getvalue()


def index_of(printed: Printed, wanted: str | bytes) -> int:
    """Where in the printer's order the first text holding `wanted` (or the first command starting so) comes."""
    for index, event in enumerate(printed.events):
        if isinstance(wanted, str) and isinstance(event, str) and wanted in event:
            return index
        if isinstance(wanted, bytes) and isinstance(event, bytes) and event.startswith(wanted):
            return index
    raise AssertionError(f"{wanted!r} is not on the ticket")


def qr_modules(raster: Raster) -> list[list[bool]]:
    """The modules of a QR code read off a raster, the module size taken from the top-left finder pattern."""
    left, top, right, bottom = raster.black_box()
    finder = next(x for x in range(left, right) if not raster.is_black(x, top)) - left
    assert finder % 7 == 0, f"the finder pattern is {finder} dots, not 7 whole modules"
    module = finder // 7
    size, rest = divmod(right - left, module)
    assert rest == 0 and bottom - top == right - left, "the code is not a square of whole modules"
    modules = []
    for row in range(size):
        line = []
        for column in range(size):
            x, y = left + column * module, top + row * module
            dots = {raster.is_black(x + dx, y + dy) for dx in range(module) for dy in range(module)}
            assert len(dots) == 1, f"module {row},{column} is not one colour: the raster is not crisp"
            line.append(dots.pop())
        modules.append(line)
    return modules


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules of the URL's QR code at error correction M, as the qrcode library encodes it."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def test_a_busy_ticket_without_a_logo_stays_under_2_kb():
    assert len(BUSY_SLIP.status_url) == 60
    data = render_ticket(BUSY_SLIP)

    assert len(data) < 2048
    assert read_escpos(data).qr_payloads == [BUSY_SLIP.status_url]


def test_the_header_comes_first_and_the_footer_after_the_qr_code():
    printed = read_escpos(render_ticket(BUSY_SLIP))

    header = index_of(printed, "Tervetuloa asioimaan! – Välkommen!")
    site = index_of(printed, "Hämeenlinnan kaupungin")
    number = index_of(printed, "A042")
    qr_code = index_of(printed, b"\x1d(k")
    footer = index_of(printed, "Säilytä lippu, kunnes vuorosi tulee.")
    cut = index_of(printed, b"\x1dV")
    assert header < site < number < qr_code < footer < cut
    assert "Spara biljetten tills det är din tur." in printed.text


def test_the_footer_follows_a_raster_qr_code_too():
    printed = read_escpos(render_ticket(BUSY_SLIP, native_qr=False))

    assert index_of(printed, "A042") < index_of(printed, b"\x1dv0") < index_of(printed, "Säilytä lippu")


def test_header_lines_are_centred_wrapped_and_keep_their_blank_lines():
    header = "Tervetuloa!\n\nPalvelupisteessä asioidaan vuoronumerolla, myös ajanvarauksella tulleet"
    printed = read_escpos(render_ticket(a_slip(header=header)))
    lines = printed.text.splitlines()

    start = lines.index("Tervetuloa!")
    assert lines[start : start + 4] == [
        "Tervetuloa!",
        "",
        "Palvelupisteessä asioidaan vuoronumerolla,",
        "myös ajanvarauksella tulleet",
    ]
    alignment = [event for event in printed.events[: index_of(printed, "Tervetuloa!")] if event[:2] == b"\x1ba"]
    assert alignment[-1] == b"\x1ba\x01"


def test_an_empty_header_or_footer_prints_nothing():
    assert render_ticket(a_slip(header=" \n", footer="\n\n")) == render_ticket(a_slip())


def test_the_preview_shows_the_header_first_and_the_footer_last():
    lines = [line.strip() for line in render_preview(BUSY_SLIP).splitlines()]

    assert lines[:2] == ["Tervetuloa asioimaan! – Välkommen!", "Palvelemme ma–pe 8.00–16.00."]
    url = lines.index(BUSY_SLIP.status_url)
    assert lines.index("Hämeenlinnan kaupungin palvelupiste") < url
    assert lines[url + 1 :] == [
        "",
        "Säilytä lippu, kunnes vuorosi tulee.",
        "Spara biljetten tills det är din tur.",
        "Palaute ja ehdotukset:",
        "palaute@hameenlinna.example.fi",
    ]


def test_the_logo_is_printed_once_at_the_top_and_adds_only_its_raster():
    without_logo = render_ticket(BUSY_SLIP)
    with_logo = render_ticket(BUSY_SLIP, logo=a_logo())
    printed = read_escpos(with_logo)

    [logo] = printed.rasters
    assert len(with_logo) - len(without_logo) == 8 + logo.width_bytes * logo.height
    assert printed.events[:2] == [b"\x1b@", bytes([ESC, ord("t"), WPC1252])]
    assert printed.events[2][:3] == b"\x1dv0"
    assert index_of(printed, b"\x1dv0") < index_of(printed, "Tervetuloa asioimaan!")
    assert printed.qr_payloads == [BUSY_SLIP.status_url]


def test_the_logo_comes_before_a_raster_qr_code_and_only_once():
    printed = read_escpos(render_ticket(BUSY_SLIP, logo=a_logo(), native_qr=False))

    logo, qr_code = printed.rasters
    assert logo.black_box()[3] - logo.black_box()[1] == 100
    assert qr_modules(qr_code) == qr_matrix(BUSY_SLIP.status_url)


@pytest.mark.parametrize("profile", RASTER_PROFILES)
@pytest.mark.parametrize("size", [(1600, 300), (300, 1000)], ids=["wide", "tall"])
def test_the_logo_is_never_wider_than_the_paper_nor_taller_than_200_dots(profile, size):
    printed = read_escpos(render_ticket(a_slip(), profile=profile, logo=a_logo(*size)), codec_of(profile))

    logo = printed.rasters[0]
    left, top, right, bottom = logo.black_box()
    assert logo.width <= paper_dots(profile)
    assert bottom - top <= 200
    # Scaled as a whole, to the paper's width or to 200 dots tall, whichever comes first.
    assert right - left == paper_dots(profile) // 8 * 8 or bottom - top == 200
    assert (right - left) / (bottom - top) == pytest.approx(size[0] / size[1], rel=0.02)


def test_the_logo_is_centred_and_never_scaled_up():
    printed = read_escpos(render_ticket(a_slip(), logo=a_logo(120, 40)))

    left, top, right, bottom = printed.rasters[0].black_box()
    assert (right - left, bottom - top) == (120, 40)
    assert left + right == 512


def test_the_logo_is_black_and_white_without_dithering():
    image = Image.new("L", (200, 60), 255)
    ImageDraw.Draw(image).rectangle((0, 0, 99, 59), fill=100)  # dark grey: black dots
    ImageDraw.Draw(image).rectangle((100, 0, 199, 59), fill=180)  # light grey: paper
    data = io.BytesIO()
    image.save(data, "PNG")
    logo = read_escpos(render_ticket(a_slip(), logo=data.getvalue())).rasters[0]

    left, top, right, bottom = logo.black_box()
    assert (right - left, bottom - top) == (100, 60)
    assert all(logo.is_black(x, y) for x in range(left, right) for y in range(top, bottom))


def test_the_transparent_parts_of_a_logo_stay_paper():
    image = Image.new("RGBA", (100, 50), (0, 0, 0, 0))  # transparent black, as many editors save it
    ImageDraw.Draw(image).rectangle((40, 10, 59, 39), fill=(0, 0, 0, 255))
    data = io.BytesIO()
    image.save(data, "PNG")
    logo = read_escpos(render_ticket(a_slip(), logo=data.getvalue())).rasters[0]

    left, top, right, bottom = logo.black_box()
    assert (right - left, bottom - top) == (20, 30)


@pytest.mark.parametrize("format", ["PNG", "JPEG", "GIF"])
def test_it_prints_logos_in_the_usual_formats(format):
    check_logo(a_logo(format=format))
    printed = read_escpos(render_ticket(a_slip(), logo=a_logo(format=format)))

    assert printed.raster_images == 1


def test_a_logo_is_decoded_once_however_many_tickets_it_is_printed_on(monkeypatch):
    logo = a_logo(321, 123)  # a logo no other test prints
    real_open = Image.open
    opened = []

    def counting_open(*args: Any, **kwargs: Any) -> Image.Image:
        opened.append(args)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Image, "open", counting_open)  # PIL.Image, which printers/ticket.py imports where it renders
    tickets = [render_ticket(a_slip(number=f"A{n:03}"), logo=logo) for n in range(5)]

    assert len(opened) == 1
    assert all(read_escpos(data).raster_images == 1 for data in tickets)
    render_ticket(a_slip(), profile="ZJ-5870", logo=logo)  # narrower paper: a raster of its own
    assert len(opened) == 2


def test_a_printer_that_cannot_print_images_gets_no_logo():
    printed = read_escpos(render_ticket(a_slip(), profile="TM-U220", logo=a_logo()))

    assert printed.raster_images == 0
    assert "Hämeenlinnan kaupungintalo" in printed.text


def test_a_logo_that_cannot_be_read_costs_the_ticket_only_its_logo(caplog):
    with caplog.at_level(logging.WARNING, logger="printers.ticket"):
        printed = read_escpos(render_ticket(a_slip(), logo=b"GIF89a, but not really"))

    assert printed.raster_images == 0
    assert printed.qr_payloads == [FINNISH_SLIP.status_url]
    assert "without its logo" in caplog.text


@pytest.mark.parametrize(
    "data",
    [b"", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"%PDF-1.7", a_logo()[:200]],
    ids=["empty", "svg", "pdf", "truncated png"],
)
def test_check_logo_refuses_what_is_not_a_readable_image(data):
    with pytest.raises(ValueError, match=r"^The logo is not an image file Luukku can read \(PNG, JPEG or GIF\)\.$"):
        check_logo(data)


def test_check_logo_refuses_a_file_over_1_mb():
    with pytest.raises(ValueError, match=r"^The logo is larger than 1 MB \(1\.5 MB\)\."):
        check_logo(a_logo()[:100] + bytes(1536 * 1024))


@pytest.mark.parametrize("size", [(5000, 40), (10_000, 10_000)], ids=["wide", "decompression bomb"])
def test_check_logo_refuses_an_image_too_large_to_decode(size):
    data = io.BytesIO()
    Image.new("1", size, 1).save(data, "PNG")
    assert len(data.getvalue()) < 1024 * 1024

    with pytest.raises(ValueError, match="The logo is too large in pixels"):
        check_logo(data.getvalue())


@pytest.mark.parametrize("profile", ["TM-T88V", "TM-T20II", "Sunmi-V2", "TSP600"])
def test_printers_with_their_own_qr_command_get_the_url_in_it(profile):
    printed = read_escpos(render_ticket(BUSY_SLIP, profile=profile), codec_of(profile))

    assert printed.qr_payloads == [BUSY_SLIP.status_url]
    assert printed.raster_images == 0


@pytest.mark.parametrize("profile", ["simple", "ZJ-5870", "POS-5890", "NT-5890K", "TH230"])
def test_printers_without_a_qr_command_get_the_same_qr_code_as_an_image(profile):
    assert not get_profile(profile).supports("qrCode")
    printed = read_escpos(render_ticket(BUSY_SLIP, profile=profile), codec_of(profile))

    assert printed.qr_payloads == []
    assert not any(command.startswith(b"\x1d(") for command in printed.commands)
    [qr_code] = printed.rasters
    assert qr_modules(qr_code) == qr_matrix(BUSY_SLIP.status_url)
    left, _, right, _ = qr_code.black_box()
    assert qr_code.width <= paper_dots(profile)
    assert abs((left + right) - paper_dots(profile) // 8 * 8) <= 1


def test_the_raster_qr_code_starts_at_the_left_edge_and_centring_returns_after_it():
    # Some printers apply ESC a to GS v 0 and some do not; the raster centres itself by its margin.
    printed = read_escpos(render_ticket(BUSY_SLIP, profile="simple"))

    raster = index_of(printed, b"\x1dv0")
    alignments = [(index, event) for index, event in enumerate(printed.events) if event[:2] == b"\x1ba"]
    assert [event for index, event in alignments if index < raster][-1] == b"\x1ba\x00"
    assert [event for index, event in alignments if index > raster][0] == b"\x1ba\x01"


def test_native_qr_can_be_forced_either_way():
    raster = read_escpos(render_ticket(a_slip(), profile="TM-T88V", native_qr=False))
    native = read_escpos(render_ticket(a_slip(), profile="ZJ-5870", native_qr=True))

    assert (raster.qr_payloads, raster.raster_images) == ([], 1)
    assert (native.qr_payloads, native.raster_images) == ([FINNISH_SLIP.status_url], 0)


@pytest.mark.parametrize("profile", ["TM-U220", "TM-U220B"])
def test_an_impact_printer_that_cannot_print_images_gets_the_status_url_as_text(profile):
    printed = read_escpos(render_ticket(BUSY_SLIP, profile=profile), codec_of(profile))

    assert printed.qr_payloads == [] and printed.raster_images == 0
    lines = printed.text.splitlines()
    assert BUSY_SLIP.status_url[:42] in lines and BUSY_SLIP.status_url[42:] in lines


@pytest.mark.parametrize("profile", [name for name in PROFILES if not has_cutter(name)])
def test_a_printer_without_a_cutter_feeds_the_ticket_past_the_tear_bar(profile):
    printed = read_escpos(render_ticket(BUSY_SLIP, profile=profile), codec_of(profile))

    assert not any(command.startswith(b"\x1dV") for command in printed.commands)
    assert printed.commands[-1] == b"\x1bd" + bytes([ticket.TEAR_OFF_FEED_LINES])


@pytest.mark.parametrize("profile", [name for name in PROFILES if has_cutter(name)])
def test_a_printer_with_a_cutter_cuts(profile):
    printed = read_escpos(render_ticket(a_slip(), profile=profile), codec_of(profile))

    assert printed.commands[-2][:2] == b"\x1bd"
    assert printed.commands[-1][:2] == b"\x1dV"


# The docs' code-page table ("Code pages: Finnish and Swedish letters"), row by row: page and ESC t number.
DOCUMENTED_CODE_PAGES = {
    **dict.fromkeys(
        ["TM-T88II", "TM-T88III", "TM-T88IV", "TM-T88V", "TM-T20II", "TM-T20II-42col", "TM-P80", "TM-P80-42col"],
        ("CP1252", 16),
    ),
    **dict.fromkeys(
        ["TM-L90", "CT-S651", "RP-F10-58mm", "RP-F10-80mm", "RP326", "Sunmi-V2", "TEP-200M", "ZJ-5870", "default"],
        ("CP1252", 16),
    ),
    **dict.fromkeys(["TSP600", "TUP500", "SP2000"], ("CP1252", 32)),
    **dict.fromkeys(["NT-5890K", "NT-80-V-UL", "P822D", "POS-5890"], ("CP1252", 71)),
    "KR-306": ("CP1252", 49),
    **dict.fromkeys(["TH230", "TH230Plus"], ("CP1252", 8)),
    **dict.fromkeys(["OCD-100", "OCD-300"], ("CP1252", 16)),
    "T-1": ("CP858", 19),
    **dict.fromkeys(["TM-U220", "TM-U220B", "TM-T88IV-SA", "simple"], ("CP437", 0)),
}


def test_the_documented_code_page_table_covers_every_profile_with_a_page_for_finnish():
    assert sorted(DOCUMENTED_CODE_PAGES) == PROFILES


@pytest.mark.parametrize(("profile", "documented"), sorted(DOCUMENTED_CODE_PAGES.items()))
def test_each_printer_gets_the_code_page_the_docs_name(profile, documented):
    code_page, escpos_number = documented
    printed = read_escpos(render_ticket(a_slip(), profile=profile), codec_of(profile))

    assert code_page_for(profile) == code_page
    assert set(printed.code_pages_selected()) == {escpos_number}


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_prints_the_nordic_letters_in_the_page_chosen_for_it(profile):
    chosen = int(get_profile(profile).get_code_pages()[code_page_for(profile)])
    printed = read_escpos(render_ticket(a_slip(site_name="ÄÖÅäöå"), profile=profile), codec_of(profile))

    assert set(printed.code_pages_selected()) == {chosen}
    assert "ÄÖÅäöå" in printed.text.splitlines()


@pytest.mark.parametrize(
    ("profile", "printed_as"),
    [
        ("TM-T88V", "Ravintola Šiškin – Žukovin sali, 5 €"),  # WPC1252 has them all
        ("T-1", "Ravintola Shishkin - Zhukovin sali, 5 €"),  # CP858: € but no Š, Ž or dash
        ("simple", "Ravintola Shishkin - Zhukovin sali, 5 EUR"),  # CP437: none of them
    ],
)
def test_letters_a_page_lacks_are_replaced_visibly_never_by_another_letter(profile, printed_as):
    slip = a_slip(site_name="Ravintola Šiškin – Žukovin sali, 5 €")
    printed = read_escpos(render_ticket(slip, profile=profile), codec_of(profile))

    assert printed_as in printed.text.splitlines()


def test_a_letter_no_page_holds_comes_out_as_a_question_mark():
    printed = read_escpos(render_ticket(a_slip(site_name="Łódź")))

    assert "?ód?" in printed.text.splitlines()


def test_the_test_page_prints_every_character_a_finnish_or_swedish_ticket_needs():
    details = ("Printer: Aula, kioski 1", "Connection: network 192.0.2.10:9100")
    printed = read_escpos(render_test_page("TM-T88V", details=details))
    lines = printed.text.splitlines()

    assert "Luukku test page" in lines
    for line in [*details, "Profile: TM-T88V", "Code page: CP1252 (ESC t 16)", "QR code: the printer's own (GS ( k)"]:
        assert line in lines
    for line in TEST_PAGE_SAMPLES:
        assert line in lines
    assert index_of(printed, "Luukku test page") < index_of(printed, "ÄÖÅ äöå") < index_of(printed, "A042")
    assert printed.qr_payloads == [TEST_PAGE_QR_URL]
    assert printed.commands[-1][:2] == b"\x1dV"


@pytest.mark.parametrize("profile", ["TM-T88V", "TM-T20II", "ZJ-5870", "OCD-100"])
def test_the_test_page_fits_the_columns_and_shows_how_many_there_are(profile):
    columns = get_profile(profile).get_columns("a")
    printed = read_escpos(render_test_page(profile), codec_of(profile))
    lines = printed.text.splitlines()

    assert all(len(line) <= columns for line in lines)
    assert ("1234567890" * 10)[:columns] in lines


def test_the_test_page_shows_the_number_at_the_ticket_size():
    def number_size(printed: Printed) -> bytes:
        number = index_of(printed, "A042")
        return [event for event in printed.events[:number] if event[:2] == b"\x1d!"][-1]

    test_page = read_escpos(render_test_page())
    assert number_size(test_page) == number_size(read_escpos(render_ticket(a_slip())))
    assert number_size(test_page) == b"\x1d!\x55"  # 6 × 6


def test_the_test_page_shows_what_a_cp437_printer_makes_of_the_letters():
    printed = read_escpos(render_test_page("simple"))
    lines = printed.text.splitlines()

    assert "Code page: CP437 (ESC t 0)" in lines
    assert "QR code: an image (GS v 0)" in lines
    for line in ["ÄÖÅ äöå", "Shsh Zhzh", "Éé Üü", "EUR", '"quoted" "quoted" \'', "- -"]:
        assert line in lines
    [qr_code] = printed.rasters
    assert qr_modules(qr_code) == qr_matrix(TEST_PAGE_QR_URL)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_test_page_prints_on_every_profile_with_a_page_for_finnish(profile):
    printed = read_escpos(render_test_page(profile, details=("Printer: Aula",)), codec_of(profile))

    assert "ÄÖÅ äöå" in printed.text.splitlines()
    assert profile in printed.text  # wrapped on the 12-column NT-80-V-UL


@pytest.mark.parametrize(
    "data",
    [lambda: render_test_page("simple"), lambda: render_ticket(BUSY_SLIP, profile="simple", logo=a_logo())],
    ids=["test page", "raster ticket"],
)
def test_every_style_change_is_followed_by_the_code_page(data):
    waiting_for_page = False
    for event in read_escpos(data()).events:
        if isinstance(event, str):
            assert not waiting_for_page, f"{event!r} follows a style change without a code page"
        elif event[:2] in (b"\x1b!", b"\x1bE", b"\x1bM", b"\x1d!"):
            waiting_for_page = True
        elif event[:2] == b"\x1bt":
            waiting_for_page = False
