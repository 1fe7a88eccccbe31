from __future__ import annotations

import dataclasses
import errno
import re
import socket
import time
from collections.abc import Iterator

import pytest
import serial
import usb.core

from printers.ticket import SlipLabels, TicketSlip, render_preview, render_ticket
from printers.transports import (
    CONDITIONS,
    FileTransport,
    NetworkTransport,
    PrinterStatus,
    PrinterUnavailable,
    SerialTransport,
    UsbTransport,
    decode_status,
    open_transport,
    usb_trouble,
)
from tests.conftest import free_port
from tests.printers.fake_printer import EmulatedPrinter, FakePrinter, split_at_cuts
from tests.printers.fake_serial_printer import FakeSerialPrinter

SLIP = TicketSlip(
    site_name="Åbo stad",
    service_name="Byggnadstillsyn och miljö, Åbo",
    number="B007",
    issued_at="23.11.2026 14:07",
    people_ahead=5,
    estimated_wait_min=20,
    status_url="https://jono.example.fi/t/0b7e",
    labels=SlipLabels.english(),
)
TICKET = render_ticket(SLIP)
PREVIEW = render_preview(SLIP)


def a_closed_port() -> int:
    return free_port()  # nobody listens on it, and no other test process is given it


@pytest.fixture
def a_port_that_never_answers() -> Iterator[int]:
    # A listener whose backlog is full: the kernel drops further connection attempts, so they time out.
    server = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = server.getsockname()[1]
    held = []
    for _ in range(2):
        client = socket.socket()
        client.settimeout(0.2)
        try:
            client.connect(("127.0.0.1", port))
        except TimeoutError:
            client.close()
            break
        held.append(client)
    yield port
    for client in held:
        client.close()
    server.close()


def test_the_file_transport_writes_the_ticket_bytes_and_the_preview(tmp_path):
    directory = tmp_path / "tickets"

    FileTransport(directory).send("A042", TICKET, PREVIEW)

    assert (directory / "A042.bin").read_bytes() == TICKET
    assert (directory / "A042.txt").read_text(encoding="utf-8") == PREVIEW
    assert sorted(path.name for path in directory.iterdir()) == ["A042.bin", "A042.txt"]


def test_the_file_transport_replaces_an_earlier_job_of_the_same_name_whole(tmp_path):
    transport = FileTransport(tmp_path)
    transport.send("A042", b"old ticket", "old preview")

    transport.send("A042", TICKET, PREVIEW)

    assert (tmp_path / "A042.bin").read_bytes() == TICKET
    assert (tmp_path / "A042.txt").read_text(encoding="utf-8") == PREVIEW
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize("job_name", ["../A042", "a/b", "", ".hidden"])
def test_the_file_transport_refuses_a_job_name_that_is_not_a_plain_file_name(tmp_path, job_name):
    with pytest.raises(ValueError):
        FileTransport(tmp_path).send(job_name, TICKET, PREVIEW)


def test_the_file_transport_reports_a_directory_it_cannot_create_as_an_unavailable_printer(tmp_path):
    in_the_way = tmp_path / "tickets"
    in_the_way.write_text("a file where the directory should be")

    with pytest.raises(PrinterUnavailable, match="Cannot write the ticket"):
        FileTransport(in_the_way).send("A042", TICKET, PREVIEW)


def test_it_delivers_the_exact_ticket_bytes_to_a_network_printer(fake_printer):
    NetworkTransport("127.0.0.1", fake_printer.port).send("B007", TICKET, PREVIEW)

    [connection] = fake_printer.wait_for_closed_connections(1)
    assert bytes(connection.data) == TICKET


def test_it_opens_one_connection_per_job_and_closes_it_after_the_job(fake_printer):
    transport = NetworkTransport("127.0.0.1", fake_printer.port)
    second = render_ticket(dataclasses.replace(SLIP, number="B008"))

    transport.send("B007", TICKET, PREVIEW)
    transport.send("B008", second, PREVIEW)

    first_connection, second_connection = fake_printer.wait_for_closed_connections(2)
    assert bytes(first_connection.data) == TICKET
    assert bytes(second_connection.data) == second
    assert len(fake_printer.connections) == 2


def test_sending_to_a_closed_port_raises_printer_unavailable_at_once():
    port = a_closed_port()
    transport = NetworkTransport("127.0.0.1", port, connect_timeout=2.0)

    started = time.monotonic()
    with pytest.raises(PrinterUnavailable, match=f"127.0.0.1:{port} refused the connection"):
        transport.send("B007", TICKET, PREVIEW)
    assert time.monotonic() - started < 1.0


def test_sending_to_a_printer_that_does_not_answer_gives_up_after_the_connect_timeout(
    a_port_that_never_answers,
):
    transport = NetworkTransport("127.0.0.1", a_port_that_never_answers, connect_timeout=0.3)

    started = time.monotonic()
    with pytest.raises(PrinterUnavailable, match="did not answer within 0.3 s"):
        transport.send("B007", TICKET, PREVIEW)
    assert 0.25 < time.monotonic() - started < 2.0


def test_a_printer_that_stops_taking_data_raises_printer_unavailable_after_the_write_timeout(fake_printer):
    fake_printer.stalled = True
    transport = NetworkTransport("127.0.0.1", fake_printer.port, write_timeout=0.3)
    # More than the socket buffers on both ends hold, so sendall has to wait for the printer.
    job = b"\n" * (16 * 1024 * 1024)

    started = time.monotonic()
    with pytest.raises(PrinterUnavailable, match="did not take ticket B007 within 0.3 s"):
        transport.send("B007", job, PREVIEW)
    assert time.monotonic() - started < 3.0


def test_query_status_reports_a_ready_printer(fake_printer):
    status = NetworkTransport("127.0.0.1", fake_printer.port).query_status()

    assert status.reachable and status.online and status.can_print
    assert not (status.cover_open or status.paper_near_end or status.paper_out or status.error)
    [connection] = fake_printer.wait_for_closed_connections(1)
    assert connection.status_queries == [1, 2, 4]


@pytest.mark.parametrize(
    ("condition", "reported"),
    [
        ("paper_out", "paper_out"),
        ("cover_open", "cover_open"),
        ("paper_near_end", "paper_near_end"),
        ("error", "error"),
    ],
)
def test_query_status_decodes_what_the_printer_reports(fake_printer, condition, reported):
    setattr(fake_printer, condition, True)

    status = NetworkTransport("127.0.0.1", fake_printer.port).query_status()

    flags = {name: getattr(status, name) for name in ("cover_open", "paper_near_end", "paper_out", "error")}
    assert status.reachable
    assert flags == {name: name == reported for name in flags}
    assert status.can_print == (reported == "paper_near_end")


def test_query_status_reports_an_offline_printer(fake_printer):
    fake_printer.offline = True
    fake_printer.cover_open = True

    status = NetworkTransport("127.0.0.1", fake_printer.port).query_status()

    assert status.reachable and not status.online and status.cover_open and not status.can_print


def test_a_silent_printer_is_unreachable_within_the_timeout_and_not_out_of_paper(fake_printer):
    fake_printer.silent = True

    started = time.monotonic()
    status = NetworkTransport("127.0.0.1", fake_printer.port).query_status(timeout=0.3)

    assert time.monotonic() - started < 1.0
    assert not status.reachable and not status.paper_out and not status.can_print
    [connection] = fake_printer.wait_for_closed_connections(1)
    assert connection.status_queries == [1]


def test_a_closed_port_is_unreachable():
    status = NetworkTransport("127.0.0.1", a_closed_port()).query_status(timeout=0.3)

    assert not status.reachable


# One word for a printer's condition -------------------------------------------------------------------


def test_the_condition_words_are_listed_most_urgent_first():
    assert CONDITIONS == ("no_answer", "cover_open", "paper_out", "error", "offline", "paper_near_end", "online")


@pytest.mark.parametrize(
    ("status", "condition"),
    [
        (PrinterStatus(reachable=False), "no_answer"),
        # python-escpos calls a printer that does not answer "out of paper"; here it never is.
        (PrinterStatus(reachable=False, paper_out=True, cover_open=True), "no_answer"),
        (PrinterStatus(reachable=True, cover_open=True, paper_out=True, error=True), "cover_open"),
        (PrinterStatus(reachable=True, paper_out=True, error=True, paper_near_end=True), "paper_out"),
        (PrinterStatus(reachable=True, online=True, error=True), "error"),
        (PrinterStatus(reachable=True, online=False, paper_near_end=True), "offline"),
        (PrinterStatus(reachable=True, online=True, paper_near_end=True), "paper_near_end"),
        (PrinterStatus(reachable=True, online=True), "online"),
    ],
)
def test_a_status_has_the_most_urgent_condition_that_applies(status, condition):
    assert status.condition == condition
    assert status.can_print == (condition in ("online", "paper_near_end"))


@pytest.mark.parametrize(
    ("answers", "condition"),
    [
        ((0x12, 0x12, 0x12), "online"),
        ((0x1A, 0x16, 0x12), "cover_open"),
        ((0x1A, 0x32, 0x72), "paper_out"),
        ((0x12, 0x12, 0x72), "paper_out"),  # the paper sensor alone
        ((0x1A, 0x52, 0x12), "error"),
        ((0x1A, 0x12, 0x12), "offline"),
        ((0x12, 0x12, 0x1E), "paper_near_end"),
    ],
)
def test_every_condition_is_decoded_from_the_dle_eot_answers(answers, condition):
    assert decode_status(*answers).condition == condition


# Every transport against a printer that behaves like a TM-T88: over TCP and over a serial line ---------


@pytest.fixture(params=["tcp", "serial"])
def printer_and_transport(request) -> Iterator[tuple[EmulatedPrinter, object]]:
    fake: FakePrinter | FakeSerialPrinter = FakePrinter() if request.param == "tcp" else FakeSerialPrinter()
    with fake:
        yield fake, open_transport(fake.spec)


def test_a_sent_ticket_comes_out_on_paper_byte_for_byte(printer_and_transport):
    printer, transport = printer_and_transport

    transport.send("B007", TICKET, PREVIEW)

    assert printer.wait_for_tickets(1) == [TICKET]
    assert printer.received() == TICKET


def test_each_job_comes_out_as_its_own_ticket(printer_and_transport):
    printer, transport = printer_and_transport
    second = render_ticket(dataclasses.replace(SLIP, number="B008"))

    transport.send("B007", TICKET, PREVIEW)
    transport.send("B008", second, PREVIEW)

    assert printer.wait_for_tickets(2) == [TICKET, second]


@pytest.mark.parametrize(
    ("switch", "condition"),
    [
        (None, "online"),
        ("cover_open", "cover_open"),
        ("paper_out", "paper_out"),
        ("error", "error"),
        ("offline", "offline"),
        ("paper_near_end", "paper_near_end"),
    ],
)
def test_query_status_tells_each_condition_the_printer_reports(printer_and_transport, switch, condition):
    printer, transport = printer_and_transport
    if switch:
        setattr(printer, switch, True)

    status = transport.query_status()

    assert status.condition == condition
    assert printer.connections[-1].status_queries[-3:] == [1, 2, 4]


def test_a_silent_printer_gives_no_answer_within_the_timeout(printer_and_transport):
    printer, transport = printer_and_transport
    printer.silent = True

    started = time.monotonic()
    status = transport.query_status(timeout=0.3)

    assert time.monotonic() - started < 3.0
    assert status.condition == "no_answer" and not status.paper_out
    assert printer.connections[-1].status_queries == [1]


def test_a_switched_off_printer_gives_no_answer_and_takes_no_ticket(printer_and_transport):
    printer, transport = printer_and_transport
    printer.stop()

    started = time.monotonic()
    assert transport.query_status(timeout=0.3).condition == "no_answer"
    with pytest.raises(PrinterUnavailable):
        transport.send("B007", TICKET, PREVIEW)
    assert time.monotonic() - started < 3.0


def test_a_slow_printer_still_receives_every_ticket_whole(printer_and_transport):
    printer, transport = printer_and_transport
    printer.slow = 0.1
    # 100 tickets are more than a pty or a TM-T88 buffers (some 40 KB): the sender must wait for reads.
    day = TICKET * 100

    transport.send("B007-B106", day, PREVIEW)

    assert printer.wait_for_tickets(100, timeout=10) == [TICKET] * 100


def test_a_ticket_sent_while_paper_is_out_comes_out_once_when_paper_is_loaded(printer_and_transport):
    printer, transport = printer_and_transport
    printer.paper_out = True

    transport.send("B007", TICKET, PREVIEW)
    printer.wait_for_received(len(TICKET))
    assert printer.printed_tickets() == []

    printer.paper_out = False
    assert printer.printed_tickets() == [TICKET]
    printer.paper_out = True
    printer.paper_out = False
    assert printer.printed_tickets() == [TICKET]


def test_a_ticket_interrupted_by_an_open_cover_is_finished_when_the_cover_closes(printer_and_transport):
    printer, transport = printer_and_transport
    half = len(TICKET) // 2

    transport.send("B007", TICKET[:half], PREVIEW)
    printer.wait_for_received(half)
    printer.cover_open = True
    transport.send("B007", TICKET[half:], PREVIEW)
    printer.wait_for_received(len(TICKET))
    assert printer.printed_tickets() == []

    printer.cover_open = False
    assert printer.printed_tickets() == [TICKET]


def test_status_queries_are_answered_but_never_printed(printer_and_transport):
    printer, transport = printer_and_transport

    assert transport.query_status().condition == "online"
    transport.send("B007", TICKET, PREVIEW)
    assert transport.query_status().condition == "online"

    assert printer.wait_for_tickets(1) == [TICKET]
    assert len(printer.received()) == len(TICKET) + 2 * 9  # two polls of three DLE EOT n


def test_the_fake_answers_a_status_query_split_across_reads(fake_printer):
    with socket.create_connection((fake_printer.host, fake_printer.port), timeout=2) as connection:
        connection.sendall(b"\x10")
        time.sleep(0.1)
        connection.sendall(b"\x04")
        time.sleep(0.1)
        connection.sendall(b"\x01")
        assert connection.recv(1) == b"\x12"
    [received] = fake_printer.wait_for_closed_connections(1)
    assert received.status_queries == [1]
    assert fake_printer.printed_tickets() == []


def test_a_cut_command_inside_a_qr_code_is_data_not_a_cut():
    qr_with_a_cut_inside = b"\x1d(k\x08\x001P0\x1dV\x01ab"
    ticket = b"\x1b@" + qr_with_a_cut_inside + b"\x1dV\x01"

    assert split_at_cuts(ticket * 2 + b"\x1b@half") == ([ticket, ticket], b"\x1b@half")


# Serial: what only a serial line does -----------------------------------------------------------------


def test_the_serial_transport_lets_go_of_the_port_after_each_job(fake_serial_printer):
    SerialTransport(fake_serial_printer.device).send("B007", TICKET, PREVIEW)

    # The transport locks the port while it has it open; another program can take it now.
    with serial.Serial(fake_serial_printer.device, exclusive=True):
        pass
    assert fake_serial_printer.wait_for_tickets(1) == [TICKET]


def test_a_stalled_serial_printer_raises_printer_unavailable_after_the_write_timeout(fake_serial_printer):
    fake_serial_printer.stalled = True
    transport = SerialTransport(fake_serial_printer.device, write_timeout=0.3)
    job = b"\n" * (1024 * 1024)  # far more than a pty holds

    started = time.monotonic()
    with pytest.raises(PrinterUnavailable, match="stopped taking ticket B007 for 0.3 s"):
        transport.send("B007", job, PREVIEW)
    assert time.monotonic() - started < 3.0


def test_the_serial_write_timeout_bounds_a_pause_of_the_printer_not_the_whole_job(fake_serial_printer):
    # At 9600 baud a ticket with a raster QR code takes longer on the wire than any sensible timeout.
    fake_serial_printer.slow = 0.2
    transport = SerialTransport(fake_serial_printer.device, write_timeout=0.6)
    day = TICKET * 100  # about twice what the pty buffers: some 1 s of waiting for the printer's reads

    started = time.monotonic()
    transport.send("B007-B106", day, PREVIEW)

    assert time.monotonic() - started > 0.6
    assert fake_serial_printer.wait_for_tickets(100, timeout=10) == [TICKET] * 100


def test_a_serial_port_held_by_another_program_is_busy_and_gives_no_answer(fake_serial_printer):
    transport = SerialTransport(fake_serial_printer.device)
    with serial.Serial(fake_serial_printer.device, exclusive=True):
        with pytest.raises(PrinterUnavailable, match="in use by another program"):
            transport.send("B007", TICKET, PREVIEW)
        assert transport.query_status(timeout=0.3).condition == "no_answer"


def test_a_serial_port_that_does_not_exist_is_unavailable_and_gives_no_answer():
    transport = open_transport("serial:///dev/ttyLUUKKU-none")

    with pytest.raises(PrinterUnavailable, match="There is no serial port /dev/ttyLUUKKU-none"):
        transport.send("B007", TICKET, PREVIEW)
    assert transport.query_status(timeout=0.3).condition == "no_answer"


# USB: no USB printer is attached to this machine, which is what these tests rely on -------------------


def test_a_usb_printer_that_is_not_attached_is_unavailable_and_gives_no_answer():
    transport = open_transport("usb://04b8:0202")

    with pytest.raises(PrinterUnavailable, match="USB printer 04b8:0202"):
        transport.send("B007", TICKET, PREVIEW)
    started = time.monotonic()
    assert transport.query_status(timeout=0.3).condition == "no_answer"
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize(
    ("error_number", "advice"),
    [
        (errno.EACCES, "permission denied.*udev rule.*luukku group"),
        (errno.EBUSY, "Resource busy.*usblp.*udev rule"),
        (errno.ENODEV, "unplugged or switched off"),
        (errno.ENOENT, "no such interface.*lsusb -v"),
    ],
)
def test_usb_failures_name_their_fix(error_number, advice):
    error = usb.core.USBError("as pyusb reports it", errno=error_number)

    assert re.search(advice, usb_trouble("04b8:0202", error))


# The file transport's status ------------------------------------------------------------------------


def test_a_writable_directory_is_an_online_printer(tmp_path):
    assert FileTransport(tmp_path / "prints" / "today").query_status().condition == "online"
    assert list(tmp_path.joinpath("prints", "today").iterdir()) == []


def test_a_directory_that_cannot_be_made_is_a_printer_in_error_not_one_that_does_not_answer(tmp_path):
    in_the_way = tmp_path / "prints"
    in_the_way.write_text("a file where the directory should be")

    status = FileTransport(in_the_way).query_status()

    assert status.reachable and status.condition == "error" and not status.can_print


# Connection strings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        "tcp://10.0.0.5:9100",
        "tcp://printer.local:9101?connect_timeout=0.5&write_timeout=2.0",
        "tcp://[fe80::1]:9100",
        "usb://04b8:0202",
        "usb://04b8:0e28?interface=1&in_ep=0x81&out_ep=0x02&write_timeout=10.0",
        "serial:///dev/ttyUSB0?baudrate=38400",
        "serial:///dev/ttyS0?baudrate=19200&bytesize=7&parity=E&stopbits=2&rtscts=1&xonxoff=1",
        "file:///var/lib/luukku/prints",
        "file:var/prints",
    ],
)
def test_a_connection_string_opens_a_transport_that_gives_it_back(spec):
    transport = open_transport(spec)

    assert transport.spec == spec
    assert repr(transport) == f"<{type(transport).__name__} {spec}>"


def test_a_connection_string_sets_every_option_and_leaves_the_rest_at_their_defaults():
    network = open_transport("TCP://Printer.Local")
    assert isinstance(network, NetworkTransport)
    assert (network.host, network.port, network.connect_timeout, network.write_timeout) == (
        "printer.local", 9100, 3.0, 5.0,
    )

    usb_printer = open_transport("usb://04B8:0202?in_ep=130")
    assert isinstance(usb_printer, UsbTransport)
    assert (usb_printer.vendor_id, usb_printer.product_id, usb_printer.interface) == (0x04B8, 0x0202, 0)
    assert (usb_printer.in_ep, usb_printer.out_ep) == (0x82, 0x01)

    line = open_transport("serial:///dev/ttyUSB0")
    assert isinstance(line, SerialTransport)
    assert (line.device, line.baudrate, line.bytesize, line.parity, line.stopbits) == ("/dev/ttyUSB0", 9600, 8, "N", 1)
    assert not (line.rtscts or line.xonxoff)

    relative = open_transport("file:var/prints")
    assert isinstance(relative, FileTransport) and str(relative.directory) == "var/prints"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("", "is none of tcp://"),
        ("10.0.0.5:9100", "is none of tcp://"),
        ("lpt://1", "is none of tcp://"),
        ("tcp://", "write tcp://HOST"),
        ("tcp://printer/queue", "write tcp://HOST"),
        ("tcp://printer:0", "port must be a number from 1 to 65535"),
        ("tcp://printer:99999", "port must be a number from 1 to 65535"),
        ("tcp://printer:nine", "port must be a number from 1 to 65535"),
        ("tcp://printer?timeout=3", "unknown option timeout; this kind of printer takes connect_timeout, write_timeout"),
        ("tcp://printer?write_timeout=0", "write_timeout must be a number of seconds above 0"),
        ("tcp://printer?write_timeout=5000", "at most 600"),
        ("tcp://printer?connect_timeout=soon", "connect_timeout must be a number of seconds"),
        ("tcp://printer?write_timeout=1&write_timeout=2", "write_timeout is given twice"),
        ("tcp://printer?write_timeout", "cannot read the options"),
        ("tcp://printer#kiosk", "nothing may follow a #"),
        ("usb://04b8", "usb://VVVV:PPPP"),
        ("usb://04b8:202", "usb://VVVV:PPPP"),
        ("usb://epson:tm88", "in hex"),
        ("usb://04b8:0202?in_ep=0x01", "in_ep must be a whole number from 0x81 to 0x8f"),
        ("usb://04b8:0202?interface=first", "interface must be a whole number"),
        ("serial://dev/ttyUSB0", "names a host 'dev'; a local path takes three slashes"),
        ("serial:ttyUSB0", "a serial port is an absolute path"),
        ("serial:///dev/ttyUSB0?baudrate=12345", "baudrate must be one of"),
        ("serial:///dev/ttyUSB0?parity=X", "parity must be one of n, e, o"),
        ("serial:///dev/ttyUSB0?rtscts=maybe", "rtscts must be one of"),
        ("serial:///dev/ttyUSB0?speed=9600", "unknown option speed"),
        ("file://prints/today", "names a host 'prints'"),
        ("file:", "has no path"),
        ("file:///var/prints?mode=1", "unknown option mode; this kind of printer takes none"),
    ],
)
def test_a_bad_connection_string_is_refused_with_the_reason(spec, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        open_transport(spec)
