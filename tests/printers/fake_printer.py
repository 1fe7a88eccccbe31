"""A receipt printer for tests that behaves like an Epson TM-T88 (EmulatedPrinter), reached over TCP on
127.0.0.1 (FakePrinter here) or over a serial line (FakeSerialPrinter in fake_serial_printer.py).

Tests flip its state at any time from their own thread: paper_out, cover_open, paper_near_end, offline,
error (what DLE EOT reports, and whether it prints), silent (takes bytes, never answers a status
query), stalled (stops reading), slow (seconds to wait before each read). stop() makes it refuse.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Self

DLE, EOT, ESC, GS = 0x10, 0x04, 0x1B, 0x1D
STATUS_QUERIES = (1, 2, 3, 4)  # the n of DLE EOT n
POLL_SECONDS = 0.02
# A TM-T88's receive buffer holds 4 KB: it never takes more than that at once.
READ_BYTES = 4096

# Commands whose arguments may hold any byte, so a GS V inside them is data, not a cut.
ESC_ARGUMENT_COUNTS = {ord("@"): 0, ord("t"): 1, ord("!"): 1, ord("E"): 1, ord("-"): 1, ord("a"): 1,
                       ord("M"): 1, ord("d"): 1, ord("{"): 1, ord("G"): 1, ord("J"): 1, ord("p"): 3}
GS_ARGUMENT_COUNTS = {ord("!"): 1, ord("b"): 1, ord("B"): 1, ord("|"): 1, ord("h"): 1, ord("w"): 1,
                      ord("H"): 1, ord("f"): 1, ord("L"): 2, ord("W"): 2}


@dataclass
class ReceivedConnection:
    """Every byte one client sent over one connection (for a serial line: everything on the line)."""

    data: bytearray = field(default_factory=bytearray)
    status_queries: list[int] = field(default_factory=list)
    closed_by_client: threading.Event = field(default_factory=threading.Event)
    # A DLE or DLE EOT at the end of a read: the next read tells whether it starts a status query.
    undecided: bytes = field(default=b"", repr=False)


class _State:
    """A switch a test flips at any time; flipping one may let the printer print what it holds."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = f"_{name}"

    def __get__(self, printer: EmulatedPrinter | None, owner: type | None = None) -> Any:
        if printer is None:
            return self
        return getattr(printer, self.attribute)

    def __set__(self, printer: EmulatedPrinter, value: Any) -> None:
        with printer.lock:
            setattr(printer, self.attribute, value)
            printer._print_what_is_held()


class EmulatedPrinter:
    """The inside of the printer, whichever cable brings the bytes: status answers and the paper."""

    offline = _State()  # the online bit clear with no cause given (as after an error is cleared)
    cover_open = _State()
    paper_near_end = _State()  # still prints
    paper_out = _State()
    error = _State()
    silent = _State()  # reads everything, never answers a status query
    stalled = _State()  # never reads: the sender's buffers fill up
    slow = _State()  # seconds to wait before each read of up to READ_BYTES

    # Each kind of test printer runs its line in self._thread and stops it in stop().
    _thread: threading.Thread

    def start(self) -> Self:
        self._thread.start()
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.connections: list[ReceivedConnection] = []
        self._held = bytearray()  # received while it could not print: printed once it can
        self._paper = bytearray()  # everything printed, in order
        self.offline = self.cover_open = self.paper_near_end = self.paper_out = self.error = False
        self.silent = self.stalled = False
        self.slow = 0.0

    @property
    def can_print(self) -> bool:
        return not (self.offline or self.cover_open or self.paper_out or self.error)

    def status_byte(self, n: int) -> int:
        """The answer to DLE EOT n, from the printer's current state (Epson bit layout)."""
        with self.lock:
            value = 0b0001_0010  # bits 1 and 4 are always set
            if n == 1 and not self.can_print:
                value |= 0x08  # a TM-T88 goes offline while its cover is open, paper is out or in error
            if n == 2:
                value |= (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
                value |= 0x40 if self.error else 0
            if n == 4:
                value |= (0x0C if self.paper_near_end else 0) | (0x60 if self.paper_out else 0)
            return value

    def printed_tickets(self) -> list[bytes]:
        """The tickets that came out on paper, each up to and including its cut (GS V)."""
        with self.lock:
            paper = bytes(self._paper)
        return split_at_cuts(paper)[0]

    def received(self) -> bytes:
        """Every byte received, status queries included, over all connections in order."""
        with self.lock:
            return b"".join(bytes(connection.data) for connection in self.connections)

    def wait_for_tickets(self, count: int, timeout: float = 5.0) -> list[bytes]:
        """The printed tickets, once there are at least `count`."""
        deadline = time.monotonic() + timeout
        while len(tickets := self.printed_tickets()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} printed tickets within {timeout} s; got {len(tickets)}")
            time.sleep(POLL_SECONDS)
        return tickets

    def wait_for_received(self, size: int, timeout: float = 5.0) -> bytes:
        """Everything received, once it is at least `size` bytes."""
        deadline = time.monotonic() + timeout
        while len(received := self.received()) < size:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {size} bytes within {timeout} s; got {len(received)}")
            time.sleep(POLL_SECONDS)
        return received

    def _new_connection(self) -> ReceivedConnection:
        connection = ReceivedConnection()
        with self.lock:
            self.connections.append(connection)
        return connection

    def _take(self, connection: ReceivedConnection, chunk: bytes) -> bytes:
        """Take what arrived: answer status queries at once (returned), print or hold the rest."""
        answers = bytearray()
        with self.lock:
            connection.data.extend(chunk)
            data = connection.undecided + chunk
            connection.undecided = b""
            start = 0  # the first byte not yet printed or held
            at = data.find(DLE)
            while at != -1:
                if at + 2 >= len(data):
                    connection.undecided = data[at:]
                    data = data[:at]
                    break
                if data[at + 1] == EOT and data[at + 2] in STATUS_QUERIES:
                    # Real-time commands are answered on arrival, even offline, and are not printed.
                    self._print(data[start:at])
                    connection.status_queries.append(data[at + 2])
                    if not self.silent:
                        answers.append(self.status_byte(data[at + 2]))
                    start = at + 3
                    at = data.find(DLE, start)
                else:
                    at = data.find(DLE, at + 1)
            self._print(data[start:])
        return bytes(answers)

    def _end_of(self, connection: ReceivedConnection) -> None:
        with self.lock:
            self._print(connection.undecided)  # a lone DLE at the very end was data after all
            connection.undecided = b""
        connection.closed_by_client.set()

    def _print(self, data: bytes) -> None:
        if self.can_print:
            self._paper.extend(data)
        else:
            self._held.extend(data)

    def _print_what_is_held(self) -> None:
        # Nothing is held while __init__ sets the switches one by one, so can_print is not asked then.
        if self._held and self.can_print:
            self._paper.extend(self._held)
            self._held.clear()


def split_at_cuts(data: bytes) -> tuple[list[bytes], bytes]:
    """The tickets in a printed stream, each ending with its cut command, and what follows the last cut.

    Walks the commands so that a GS V inside a QR code or a raster image is not taken for a cut.
    """
    tickets: list[bytes] = []
    start = i = 0
    while i < len(data):
        byte = data[i]
        if byte == ESC and i + 1 < len(data):
            i += 2 + ESC_ARGUMENT_COUNTS.get(data[i + 1], 0)
        elif byte == GS and i + 1 < len(data):
            name = data[i + 1]
            if name == ord("(") and i + 4 < len(data):  # GS ( k / GS ( L: pL pH, then that many bytes
                i += 5 + data[i + 3] + 256 * data[i + 4]
            elif name == ord("v") and i + 7 < len(data):  # GS v 0 m xL xH yL yH, then the raster
                i += 8 + (data[i + 4] + 256 * data[i + 5]) * (data[i + 6] + 256 * data[i + 7])
            elif name == ord("V") and i + 2 < len(data):  # GS V m, or GS V m n for the feed-and-cut forms
                i += 4 if data[i + 2] in (65, 66, 97, 98, 103, 104) else 3
                if i <= len(data):
                    tickets.append(data[start:i])
                    start = i
            else:
                i += 2 + GS_ARGUMENT_COUNTS.get(name, 0)
        else:
            i += 1
    return tickets, data[start:]


class FakePrinter(EmulatedPrinter):
    """A network printer on 127.0.0.1. Like a real one it serves one connection at a time; others wait
    in the listen backlog."""

    def __init__(self) -> None:
        super().__init__()
        self._stopping = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(POLL_SECONDS)
        self.host, self.port = self._server.getsockname()[:2]
        self.spec = f"tcp://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._serve, name="fake-printer", daemon=True)

    def stop(self) -> None:
        """Switch the printer off: it stops answering and refuses new connections."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._server.close()

    def wait_for_closed_connections(self, count: int, timeout: float = 5.0) -> list[ReceivedConnection]:
        """The first `count` connections, once each has been closed by the client."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            finished = [c for c in self.connections[:count] if c.closed_by_client.is_set()]
            if len(finished) == count:
                return finished
            time.sleep(POLL_SECONDS)
        raise AssertionError(
            f"expected {count} closed connections within {timeout} s; saw {len(self.connections)}, "
            f"{sum(c.closed_by_client.is_set() for c in self.connections)} of them closed"
        )

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            with connection:
                self._handle(connection)

    def _handle(self, connection: socket.socket) -> None:
        received = self._new_connection()
        connection.settimeout(POLL_SECONDS)
        while not self._stopping.is_set():
            if self.stalled:
                time.sleep(POLL_SECONDS)
                continue
            if self.slow:
                time.sleep(self.slow)
            try:
                chunk = connection.recv(READ_BYTES)
            except TimeoutError:
                continue
            except ConnectionError:
                break
            if not chunk:
                self._end_of(received)
                return
            answers = self._take(received, chunk)
            if answers:
                try:
                    connection.sendall(answers)
                except OSError:
                    break
