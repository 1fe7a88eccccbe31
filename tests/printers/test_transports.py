from __future__ import annotations

import dataclasses
import socket
import time
from collections.abc import Iterator

import pytest

from printers.ticket import SlipLabels, TicketSlip, render_preview, render_ticket
from printers.transports import FileTransport, NetworkTransport, PrinterUnavailable

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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
