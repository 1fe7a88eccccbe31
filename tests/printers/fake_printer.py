"""A network receipt printer on 127.0.0.1 for tests: records what it receives, answers DLE EOT n.

Like a real one it serves one connection at a time; others wait in the listen backlog.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

DLE, EOT = 0x10, 0x04
POLL_SECONDS = 0.02


@dataclass
class ReceivedConnection:
    data: bytearray = field(default_factory=bytearray)
    status_queries: list[int] = field(default_factory=list)
    closed_by_client: threading.Event = field(default_factory=threading.Event)


class FakePrinter:
    def __init__(self) -> None:
        self.offline = False
        self.cover_open = False
        self.paper_near_end = False
        self.paper_out = False
        self.error = False
        self.silent = False  # reads everything, never answers a status query
        self.stalled = False  # accepts connections, never reads from them
        self.connections: list[ReceivedConnection] = []
        self._stopping = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(POLL_SECONDS)
        self.host, self.port = self._server.getsockname()[:2]
        self._thread = threading.Thread(target=self._serve, name="fake-printer", daemon=True)

    def start(self) -> FakePrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._server.close()

    def __enter__(self) -> FakePrinter:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

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

    def status_byte(self, n: int) -> int:
        """The answer to DLE EOT n, from the printer's current state (Epson bit layout)."""
        value = 0b0001_0010  # bits 1 and 4 are always set
        if n == 1 and self.offline:
            value |= 0x08
        if n == 2:
            value |= (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
            value |= 0x40 if self.error else 0
        if n == 4:
            value |= (0x0C if self.paper_near_end else 0) | (0x60 if self.paper_out else 0)
        return value

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._server.accept()
            except TimeoutError:
                continue
            with connection:
                self._handle(connection)

    def _handle(self, connection: socket.socket) -> None:
        received = ReceivedConnection()
        self.connections.append(received)
        connection.settimeout(POLL_SECONDS)
        matched = 0  # how much of "DLE EOT" was seen just before; queries may arrive split across reads
        while not self._stopping.is_set():
            if self.stalled:
                time.sleep(POLL_SECONDS)
                continue
            try:
                chunk = connection.recv(65536)
            except TimeoutError:
                continue
            except ConnectionError:
                break
            if not chunk:
                received.closed_by_client.set()
                return
            received.data.extend(chunk)
            for byte in chunk:
                if matched == 2:
                    matched = 0
                    if byte in (1, 2, 3, 4):
                        received.status_queries.append(byte)
                        if not self.silent:
                            connection.sendall(bytes([self.status_byte(byte)]))
                        continue
                if byte == DLE:
                    matched = 1
                elif matched == 1 and byte == EOT:
                    matched = 2
                else:
                    matched = 0
