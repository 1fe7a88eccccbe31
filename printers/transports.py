"""Ways a rendered ticket reaches paper: a directory of files, or a network printer's raw TCP port."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# DLE EOT n: real-time status requests, answered by the printer even while it is offline.
STATUS_REQUESTS = {"printer": b"\x10\x04\x01", "offline_cause": b"\x10\x04\x02", "paper": b"\x10\x04\x04"}


class PrinterUnavailable(Exception):
    """The ticket could not be handed to the printer; the message says why, for a person to read."""


class Transport(Protocol):
    def send(self, job_name: str, data: bytes, preview: str) -> None:
        """Hand one print job over whole, or raise PrinterUnavailable."""
        ...


class FileTransport:
    """Writes each job as <job_name>.bin (the printer's bytes) and <job_name>.txt (the preview)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def send(self, job_name: str, data: bytes, preview: str) -> None:
        if not job_name or job_name.startswith(".") or "/" in job_name or "\\" in job_name:
            raise ValueError(f"A job name must be a plain file name, not {job_name!r}")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # The .bin goes last: whoever watches the directory can take a job once its .bin appears.
            self._write_atomically(self.directory / f"{job_name}.txt", preview.encode("utf-8"))
            self._write_atomically(self.directory / f"{job_name}.bin", data)
        except OSError as error:
            raise PrinterUnavailable(f"Cannot write the ticket to {self.directory}: {error}") from error

    def _write_atomically(self, path: Path, content: bytes) -> None:
        # A rename within one directory is atomic: readers see the old file, or the whole new one.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


@dataclass(frozen=True)
class PrinterStatus:
    """What a printer reported about itself; reachable=False means it did not answer at all."""

    reachable: bool
    online: bool = False
    cover_open: bool = False
    paper_near_end: bool = False
    paper_out: bool = False
    error: bool = False

    @property
    def can_print(self) -> bool:
        return self.reachable and self.online and not (self.cover_open or self.paper_out or self.error)


UNREACHABLE = PrinterStatus(reachable=False)


class NetworkTransport:
    """A printer on the LAN that takes raw ESC/POS on a TCP port (9100 on most)."""

    def __init__(
        self, host: str, port: int = 9100, connect_timeout: float = 3.0, write_timeout: float = 5.0
    ) -> None:
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.write_timeout = write_timeout

    def __repr__(self) -> str:
        return f"NetworkTransport({self.host!r}, {self.port})"

    def send(self, job_name: str, data: bytes, preview: str) -> None:
        # A network printer serves one connection at a time and keeps every other client waiting while
        # a socket stays open, so each job gets its own connection, closed as soon as the job is sent.
        with self._connect(self.connect_timeout) as connection:
            # Since Python 3.5 the timeout bounds the whole sendall, not each chunk of it.
            connection.settimeout(self.write_timeout)
            try:
                connection.sendall(data)
            except TimeoutError as error:
                raise PrinterUnavailable(
                    f"The printer at {self.host}:{self.port} did not take ticket {job_name} within "
                    f"{self.write_timeout:g} s; it may be out of paper, open or jammed"
                ) from error
            except OSError as error:
                raise PrinterUnavailable(
                    f"The connection to the printer at {self.host}:{self.port} broke while sending "
                    f"ticket {job_name}: {error.strerror or error}"
                ) from error

    def query_status(self, timeout: float = 1.0) -> PrinterStatus:
        """Ask the printer for its state; no full answer within `timeout` seconds means unreachable.

        A printer busy with another client's connection does not answer either, and is reported
        unreachable too: it cannot take a ticket now.
        """
        deadline = time.monotonic() + timeout
        try:
            with self._connect(timeout) as connection:
                answers = {
                    name: _ask(connection, request, deadline) for name, request in STATUS_REQUESTS.items()
                }
        except (PrinterUnavailable, OSError):
            return UNREACHABLE
        if not all(_is_status_byte(answer) for answer in answers.values()):
            return UNREACHABLE
        return decode_status(answers["printer"], answers["offline_cause"], answers["paper"])

    def _connect(self, timeout: float) -> socket.socket:
        where = f"{self.host}:{self.port}"
        try:
            return socket.create_connection((self.host, self.port), timeout=timeout)
        except TimeoutError as error:
            raise PrinterUnavailable(
                f"The printer at {where} did not answer within {timeout:g} s; "
                "check that it is on and connected"
            ) from error
        except ConnectionRefusedError as error:
            raise PrinterUnavailable(
                f"The printer at {where} refused the connection; "
                "check the address and that it is switched on"
            ) from error
        except OSError as error:
            raise PrinterUnavailable(
                f"The printer at {where} cannot be reached: {error.strerror or error}"
            ) from error


def decode_status(printer: int, offline_cause: int, paper: int) -> PrinterStatus:
    """Decode the answers to DLE EOT 1, 2 and 4 (Epson ESC/POS)."""
    # DLE EOT 1, printer status: bit 3 = offline.
    # DLE EOT 2, offline cause:  bit 2 = cover open, bit 5 = stopped at paper end, bit 6 = error.
    # DLE EOT 4, paper sensor:   bits 2+3 = roll near its end, bits 5+6 = roll paper out.
    return PrinterStatus(
        reachable=True,
        online=not printer & 0x08,
        cover_open=bool(offline_cause & 0x04),
        paper_near_end=bool(paper & 0x0C),
        paper_out=bool(paper & 0x60) or bool(offline_cause & 0x20),
        error=bool(offline_cause & 0x40),
    )


def _ask(connection: socket.socket, request: bytes, deadline: float) -> int:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("status deadline passed")
    connection.settimeout(remaining)
    connection.sendall(request)
    answer = connection.recv(1)
    if not answer:
        raise ConnectionError("the printer closed the connection")
    return answer[0]


def _is_status_byte(value: int) -> bool:
    # Every DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear; anything else is not a printer.
    return value & 0b1001_0011 == 0b0001_0010
