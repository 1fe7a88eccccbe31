from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from printers.ticket import CODE_PAGE, SlipLabels, TicketSlip, code_page_for, render_preview, render_ticket
from tests.printers.escpos_reader import ESC, PC437, WPC1252, read_escpos


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
