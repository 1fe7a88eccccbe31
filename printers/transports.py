"""Ways a rendered ticket reaches paper: a directory of files, a network printer's raw TCP port, a USB
printer, a serial printer; each opened from one connection string by `open_transport`.

Every transport opens the printer for one job and lets go of it after, bounds every wait, tells a
printer that does not answer ("no_answer") from one that reports a problem, and says in its
PrinterUnavailable message what a person can do. At some 700 lines this module is past the usual
~400: the USB and serial classes and the connection strings are the pieces to move out first.
"""

from __future__ import annotations

import errno
import math
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, get_args
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlsplit

if TYPE_CHECKING:  # pyserial and pyusb are loaded by the transports that use them, not at every start
    import serial
    import usb.core

# DLE EOT n: real-time status requests, answered by the printer even while it is offline.
STATUS_REQUESTS = {"printer": b"\x10\x04\x01", "offline_cause": b"\x10\x04\x02", "paper": b"\x10\x04\x04"}

# One word for what a printer reported, most urgent first: a status has the first word that applies.
Condition = Literal["no_answer", "cover_open", "paper_out", "error", "offline", "paper_near_end", "online"]
CONDITIONS: tuple[Condition, ...] = get_args(Condition)


class PrinterUnavailable(Exception):
    """The ticket could not be handed to the printer; the message says why, for a person to read."""


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

    @property
    def condition(self) -> Condition:
        # python-escpos' paper_status() gives 0 both for "out of paper" and for "no answer"; here a printer
        # that did not answer is never called out of paper: someone would go and load paper instead of
        # checking the cable.
        if not self.reachable:
            return "no_answer"
        if self.cover_open:
            return "cover_open"
        if self.paper_out:
            return "paper_out"
        if self.error:
            return "error"
        if not self.online:
            return "offline"
        if self.paper_near_end:
            return "paper_near_end"
        return "online"


UNREACHABLE = PrinterStatus(reachable=False)
ONLINE = PrinterStatus(reachable=True, online=True)


class Transport(Protocol):
    def send(self, job_name: str, data: bytes, preview: str) -> None:
        """Hand one print job over whole, or raise PrinterUnavailable."""
        ...

    def query_status(self, timeout: float = 1.0) -> PrinterStatus:
        """What the printer says about itself, within about `timeout` seconds."""
        ...


class FileTransport:
    """Writes each job as <job_name>.bin (the printer's bytes) and <job_name>.txt (the preview)."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def __repr__(self) -> str:
        return f"<FileTransport {self.spec}>"

    @property
    def spec(self) -> str:
        """The connection string that opens this transport again."""
        path = quote(str(self.directory))
        return f"file://{path}" if self.directory.is_absolute() else f"file:{path}"

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

    def query_status(self, timeout: float = 1.0) -> PrinterStatus:
        # A directory always "answers": it is on this machine, so there is no cable to check and
        # "no_answer" would send someone looking for one. A directory that cannot take a job is an error
        # of the printer: reachable, and not printing until someone fixes the folder.
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Creating a file is the honest test: os.access() says yes to root whatever the permissions.
            with tempfile.TemporaryFile(dir=self.directory):
                pass
        except OSError:
            return PrinterStatus(reachable=True, error=True)
        return ONLINE

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
        return f"<NetworkTransport {self.spec}>"

    @property
    def spec(self) -> str:
        """The connection string that opens this transport again."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        options = {"connect_timeout": (self.connect_timeout, 3.0), "write_timeout": (self.write_timeout, 5.0)}
        return f"tcp://{host}:{self.port}{_query(options)}"

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
        return _decode_answers(answers)

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


class UsbTransport:
    """A printer on a USB cable, spoken to through pyusb (libusb-1.0), opened and closed for every job.

    Not python-escpos' Usb class: in 3.1 every open sets the configuration and resets the device
    (with another handle on it the kernel logs "interface 0 claimed by usbfs while … sets config", and
    the open fails, see pywebdriver/pywebdriver#96); it logs instead of raising when it cannot detach the
    kernel driver, so "Resource busy" turns up later as an obscure write error; it reports a missing
    device with `assert` (gone under python -O); and its reads have no timeout of ours.
    """

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        interface: int = 0,
        in_ep: int = 0x82,
        out_ep: int = 0x01,
        write_timeout: float = 5.0,
    ) -> None:
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.interface = interface
        self.in_ep = in_ep
        self.out_ep = out_ep
        self.write_timeout = write_timeout
        # A second handle in this process could not claim the interface ("Resource busy"): a status
        # poll would make a ticket fail. Jobs and polls through this transport take turns instead.
        self._turn = threading.Lock()

    def __repr__(self) -> str:
        return f"<UsbTransport {self.spec}>"

    @property
    def ids(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    @property
    def spec(self) -> str:
        """The connection string that opens this transport again."""
        options = {
            "interface": (self.interface, 0),
            "in_ep": (_Hex(self.in_ep), _Hex(0x82)),
            "out_ep": (_Hex(self.out_ep), _Hex(0x01)),
            "write_timeout": (self.write_timeout, 5.0),
        }
        return f"usb://{self.ids}{_query(options)}"

    def send(self, job_name: str, data: bytes, preview: str) -> None:
        import usb.core  # noqa: PLC0415 (see the imports)
        import usb.util  # noqa: PLC0415

        if not self._turn.acquire(timeout=self.write_timeout):
            raise PrinterUnavailable(f"The USB printer {self.ids} is still busy with an earlier ticket")
        try:
            device = self._open()
            try:
                device.write(self.out_ep, data, timeout=_milliseconds(self.write_timeout))
            except usb.core.USBTimeoutError as error:
                raise PrinterUnavailable(
                    f"The USB printer {self.ids} did not take ticket {job_name} within "
                    f"{self.write_timeout:g} s; it may be out of paper, open or jammed"
                ) from error
            except usb.core.USBError as error:
                raise PrinterUnavailable(usb_trouble(self.ids, error)) from error
            except ValueError as error:  # pyusb's word for an endpoint the printer does not have
                raise PrinterUnavailable(f"The USB printer {self.ids}: {error}; {CHECK_ENDPOINTS}") from error
            finally:
                usb.util.dispose_resources(device)
        finally:
            self._turn.release()

    def query_status(self, timeout: float = 1.0) -> PrinterStatus:
        """DLE EOT 1, 2 and 4 on the OUT endpoint, one byte back on the IN endpoint for each."""
        import usb.core  # noqa: PLC0415 (see the imports)
        import usb.util  # noqa: PLC0415

        deadline = time.monotonic() + timeout
        if not self._turn.acquire(timeout=timeout):
            return UNREACHABLE
        try:
            device = self._open()
            try:
                # The late answer of an earlier poll that gave up may still wait in the printer.
                try:
                    device.read(self.in_ep, 512, timeout=10)
                except usb.core.USBTimeoutError:
                    pass
                answers = {}
                for name, request in STATUS_REQUESTS.items():
                    device.write(self.out_ep, request, timeout=_milliseconds(deadline - time.monotonic()))
                    # 512 bytes, a high-speed packet: asking for less than the printer sends is an error.
                    answer = device.read(self.in_ep, 512, timeout=_milliseconds(deadline - time.monotonic()))
                    if not answer:
                        return UNREACHABLE
                    answers[name] = answer[-1]
            finally:
                usb.util.dispose_resources(device)
        except (PrinterUnavailable, usb.core.USBError, ValueError):
            return UNREACHABLE
        finally:
            self._turn.release()
        return _decode_answers(answers)

    def _open(self) -> usb.core.Device:
        import usb.core  # noqa: PLC0415 (see the imports)
        import usb.util  # noqa: PLC0415

        try:
            device = usb.core.find(idVendor=self.vendor_id, idProduct=self.product_id)
        except usb.core.NoBackendError as error:
            raise PrinterUnavailable(
                f"USB printer {self.ids}: printing over USB needs libusb-1.0 (Debian: apt install libusb-1.0-0)"
            ) from error
        if device is None:
            raise PrinterUnavailable(
                f"No USB printer {self.ids} is connected: check its cable and power (lsusb lists what is attached)"
            )
        try:
            # Without the udev rule in docs/printers.md the kernel's usblp driver takes the printer when it
            # is plugged in; taking it back here keeps such a machine printing.
            if device.is_kernel_driver_active(self.interface):
                device.detach_kernel_driver(self.interface)
            usb.util.claim_interface(device, self.interface)
        except usb.core.USBError as error:
            usb.util.dispose_resources(device)
            raise PrinterUnavailable(usb_trouble(self.ids, error)) from error
        return device


CHECK_ENDPOINTS = "compare interface, in_ep and out_ep in the connection string with what lsusb -v shows"


def usb_trouble(ids: str, error: usb.core.USBError) -> str:
    """What a person should do about a failed USB operation, by its errno."""
    if error.errno in (errno.EACCES, errno.EPERM):
        return (
            f"Luukku may not use the USB printer {ids} (permission denied): install the udev rule from "
            "docs/printers.md, which gives the luukku group access, then unplug and replug the printer"
        )
    if error.errno == errno.EBUSY:
        return (
            f"The USB printer {ids} is held by someone else (Resource busy): the kernel's usblp driver, "
            "CUPS or another program. Install the udev rule from docs/printers.md, which keeps usblp off "
            "the printer, and remove the printer from CUPS"
        )
    if error.errno == errno.ENODEV:
        return f"The USB printer {ids} was unplugged or switched off"
    if error.errno == errno.ENOENT:
        return f"The USB printer {ids} has no such interface; {CHECK_ENDPOINTS}"
    return f"The USB printer {ids} failed: {error.strerror or error}"


class SerialTransport:
    """A printer on a serial line (RS-232, or a USB-serial adapter), opened and closed for every job.

    pyserial directly, not python-escpos' Serial: that one sets no write timeout (a printer holding the
    line would block the worker for ever) and defaults to dsrdtr=True, which on Linux only means
    "leave DTR alone": Linux has no DTR/DSR handshake. A TM-T88 drives its RTS like its DTR busy
    signal and Epson's wiring example takes that RTS to the computer's CTS, so rtscts=True is the
    hardware handshake to use (docs/printers.md: the printer's busy setting matters then).
    """

    # Small writes, each with the write timeout: at 9600 baud a ticket with a raster QR code needs more
    # than 5 s on the wire, so the timeout bounds a pause in the printer's taking, not the whole job.
    CHUNK_BYTES = 256

    def __init__(
        self,
        device: str,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: int = 1,
        rtscts: bool = False,
        xonxoff: bool = False,
        write_timeout: float = 5.0,
    ) -> None:
        self.device = device
        self.baudrate = baudrate
        self.bytesize = bytesize
        self.parity = parity
        self.stopbits = stopbits
        self.rtscts = rtscts
        self.xonxoff = xonxoff
        self.write_timeout = write_timeout
        # Each open locks the port against other programs; jobs and polls from here take turns instead.
        self._turn = threading.Lock()

    def __repr__(self) -> str:
        return f"<SerialTransport {self.spec}>"

    @property
    def spec(self) -> str:
        """The connection string that opens this transport again."""
        options = {
            "baudrate": (self.baudrate, 9600),
            "bytesize": (self.bytesize, 8),
            "parity": (self.parity, "N"),
            "stopbits": (self.stopbits, 1),
            "rtscts": (self.rtscts, False),
            "xonxoff": (self.xonxoff, False),
            "write_timeout": (self.write_timeout, 5.0),
        }
        return f"serial://{quote(self.device)}{_query(options)}"

    def send(self, job_name: str, data: bytes, preview: str) -> None:
        import serial  # noqa: PLC0415 (see the imports)

        if not self._turn.acquire(timeout=self.write_timeout):
            raise PrinterUnavailable(f"The serial printer on {self.device} is still busy with an earlier ticket")
        try:
            with self._open(read_timeout=None) as port:
                try:
                    for start in range(0, len(data), self.CHUNK_BYTES):
                        port.write(data[start : start + self.CHUNK_BYTES])
                    self._wait_until_sent(port)
                except serial.SerialTimeoutException as error:
                    # Unsent bytes would hold close() for the driver's closing wait (30 s on Linux).
                    port.reset_output_buffer()
                    raise PrinterUnavailable(
                        f"The serial printer on {self.device} stopped taking ticket {job_name} for "
                        f"{self.write_timeout:g} s; it may be out of paper, open or off, or the flow "
                        "control setting (rtscts) does not match its cable"
                    ) from error
                except serial.SerialException as error:
                    raise PrinterUnavailable(
                        f"The serial printer on {self.device} failed while taking ticket {job_name}: {error}"
                    ) from error
        finally:
            self._turn.release()

    def query_status(self, timeout: float = 1.0) -> PrinterStatus:
        import serial  # noqa: PLC0415 (see the imports)

        deadline = time.monotonic() + timeout
        if not self._turn.acquire(timeout=timeout):
            return UNREACHABLE
        try:
            with self._open(read_timeout=timeout) as port:
                answers = {}
                for name, request in STATUS_REQUESTS.items():
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return UNREACHABLE
                    port.write_timeout = remaining
                    port.timeout = remaining
                    port.write(request)
                    answer = port.read(1)
                    if not answer:
                        return UNREACHABLE
                    answers[name] = answer[0]
        except (PrinterUnavailable, serial.SerialException):
            return UNREACHABLE
        finally:
            self._turn.release()
        return _decode_answers(answers)

    def _open(self, read_timeout: float | None) -> serial.Serial:
        import serial  # noqa: PLC0415 (see the imports)

        try:
            # exclusive=True: a second program on the same port would mix its bytes into our tickets.
            return serial.Serial(
                self.device,
                baudrate=self.baudrate,
                bytesize=self.bytesize,
                parity=self.parity,
                stopbits=self.stopbits,
                rtscts=self.rtscts,
                xonxoff=self.xonxoff,
                timeout=read_timeout,
                write_timeout=self.write_timeout,
                exclusive=True,
            )
        except serial.SerialException as error:
            raise PrinterUnavailable(self._trouble_opening(error)) from error

    def _trouble_opening(self, error: serial.SerialException) -> str:
        if error.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
            return (
                f"There is no serial port {self.device}: check that the printer's cable or USB-serial "
                "adapter is plugged in (ls /dev/serial/by-id/ lists them)"
            )
        if error.errno in (errno.EACCES, errno.EPERM):
            return (
                f"Luukku may not open {self.device} (permission denied): add the luukku user to the "
                "dialout group (usermod -aG dialout luukku) and restart Luukku"
            )
        if error.errno in (errno.EAGAIN, errno.EBUSY):
            return f"{self.device} is in use by another program (Resource busy); stop it or choose another port"
        return f"Cannot open the serial printer on {self.device}: {error}"

    def _wait_until_sent(self, port: serial.Serial) -> None:
        import serial  # noqa: PLC0415 (see the imports)

        # write() returns once the bytes are in the driver's buffer; wait until they are on the wire, but
        # give up when the queue stops shrinking (pyserial's flush() would wait for ever).
        last_seen, since = -1, time.monotonic()
        while (waiting := port.out_waiting) > 0:
            if waiting != last_seen:
                last_seen, since = waiting, time.monotonic()
            elif time.monotonic() - since > self.write_timeout:
                raise serial.SerialTimeoutException("the output queue stopped draining")
            time.sleep(0.01)


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


def _decode_answers(answers: dict[str, int]) -> PrinterStatus:
    if not all(_is_status_byte(answer) for answer in answers.values()):
        return UNREACHABLE
    return decode_status(answers["printer"], answers["offline_cause"], answers["paper"])


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


def _milliseconds(seconds: float) -> int:
    # pyusb takes milliseconds, and 0 means "wait for ever": a spent deadline must still be 1 ms.
    return max(1, math.ceil(seconds * 1000))


# Connection strings ---------------------------------------------------------------------------------

FORMS = "tcp://HOST[:PORT], usb://VVVV:PPPP, serial:///dev/PORT or file:///PATH (file:PATH if relative)"


def open_transport(spec: str) -> Transport:
    """The transport that one connection string names; ValueError, saying what is wrong, for a bad one.

    Every transport it returns also has `spec`, the connection string that opens it again.
    """
    scheme = spec.partition(":")[0].lower()
    try:
        parts = urlsplit(spec)
    except ValueError as error:  # an unbalanced [ in an IPv6 address
        raise ValueError(f"Printer connection {spec!r}: {error}") from None
    if parts.fragment:
        raise ValueError(f"Printer connection {spec!r}: nothing may follow a #")
    options = _Options(spec, parts.query)
    transport: Transport
    if scheme == "tcp":
        transport = _tcp(spec, parts, options)
    elif scheme == "usb":
        transport = _usb(spec, parts, options)
    elif scheme == "serial":
        transport = SerialTransport(_local_path(spec, parts, "/dev/ttyUSB0"), **options.serial_settings())
    elif scheme == "file":
        transport = FileTransport(_local_path(spec, parts, "/var/lib/luukku/prints"))
    else:
        raise ValueError(f"Printer connection {spec!r} is none of {FORMS}")
    options.refuse_the_rest()
    return transport


def _tcp(spec: str, parts: SplitResult, options: _Options) -> NetworkTransport:
    if not parts.hostname or parts.username is not None or parts.path not in ("", "/"):
        raise ValueError(f"Printer connection {spec!r}: write tcp://HOST or tcp://HOST:PORT, e.g. tcp://10.0.0.5:9100")
    try:
        port = 9100 if parts.port is None else parts.port
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise ValueError(f"Printer connection {spec!r}: the port must be a number from 1 to 65535")
    return NetworkTransport(
        parts.hostname,
        port,
        connect_timeout=options.seconds("connect_timeout", 3.0),
        write_timeout=options.seconds("write_timeout", 5.0),
    )


def _usb(spec: str, parts: SplitResult, options: _Options) -> UsbTransport:
    vendor, _, product = parts.netloc.partition(":")
    if parts.path or not (_is_hex_id(vendor) and _is_hex_id(product)):
        raise ValueError(
            f"Printer connection {spec!r}: write usb://VVVV:PPPP with the vendor and product id in hex "
            "as lsusb shows them, e.g. usb://04b8:0202"
        )
    return UsbTransport(
        int(vendor, 16),
        int(product, 16),
        interface=options.integer("interface", 0, 0, 255),
        in_ep=options.integer("in_ep", 0x82, 0x81, 0x8F),
        out_ep=options.integer("out_ep", 0x01, 0x01, 0x0F),
        write_timeout=options.seconds("write_timeout", 5.0),
    )


def _is_hex_id(text: str) -> bool:
    return len(text) == 4 and all(char in "0123456789abcdefABCDEF" for char in text)


def _local_path(spec: str, parts: SplitResult, example: str) -> str:
    scheme = parts.scheme
    if parts.netloc:
        raise ValueError(
            f"Printer connection {spec!r} names a host {parts.netloc!r}; a local path takes three slashes, "
            f"{scheme}://{example}" + (" (or file:relative/path)" if scheme == "file" else "")
        )
    path = unquote(parts.path)
    if not path:
        raise ValueError(f"Printer connection {spec!r} has no path, e.g. {scheme}://{example}")
    if scheme == "serial" and not path.startswith("/"):
        raise ValueError(f"Printer connection {spec!r}: a serial port is an absolute path, e.g. serial://{example}")
    return path


class _Hex(int):
    """An endpoint address, written back into a connection string in hex like lsusb -v shows it."""

    def __str__(self) -> str:
        return f"0x{int(self):02x}"


def _query(options: dict[str, tuple[object, object]]) -> str:
    """?name=value&… for the options that differ from their defaults."""
    changed = [f"{name}={_text(value)}" for name, (value, default) in options.items() if value != default]
    return "?" + "&".join(changed) if changed else ""


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


class _Options:
    """The ?name=value options of a connection string: each read once, the unknown ones refused."""

    def __init__(self, spec: str, query: str) -> None:
        self.spec = spec
        try:
            pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
        except ValueError:
            raise self._bad(f"cannot read the options {query!r}; write ?name=value&name=value") from None
        self.values: dict[str, str] = {}
        for name, value in pairs:
            if name in self.values:
                raise self._bad(f"{name} is given twice")
            self.values[name] = value
        self.known: list[str] = []

    def _bad(self, reason: str) -> ValueError:
        return ValueError(f"Printer connection {self.spec!r}: {reason}")

    def _take(self, name: str) -> str | None:
        self.known.append(name)
        return self.values.pop(name, None)

    def seconds(self, name: str, default: float) -> float:
        text = self._take(name)
        if text is None:
            return default
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        # An upper bound catches milliseconds written for seconds: the kiosk would wait an hour per ticket.
        if not (0 < value <= 600):
            raise self._bad(f"{name} must be a number of seconds above 0 (and at most 600), not {text!r}")
        return value

    def integer(self, name: str, default: int, lowest: int, highest: int) -> int:
        text = self._take(name)
        if text is None:
            return default
        try:
            value = int(text, 0)  # 0x82 and 130 alike
        except ValueError:
            value = lowest - 1
        if not lowest <= value <= highest:
            raise self._bad(f"{name} must be a whole number from {lowest:#x} to {highest:#x}, not {text!r}")
        return value

    def choice(self, name: str, default: str, allowed: dict[str, object]) -> object:
        text = self._take(name)
        if text is None:
            return allowed[default]
        if text.lower() not in allowed:
            raise self._bad(f"{name} must be one of {', '.join(allowed)}, not {text!r}")
        return allowed[text.lower()]

    def serial_settings(self) -> dict[str, object]:
        import serial  # noqa: PLC0415 (see the imports)

        baudrate = self._take("baudrate")
        if baudrate is not None and (not baudrate.isdigit() or int(baudrate) not in serial.Serial.BAUDRATES):
            raise self._bad(f"baudrate must be one of 9600, 19200, 38400, 57600, 115200…, not {baudrate!r}")
        flags = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
        return {
            "baudrate": int(baudrate or 9600),
            "bytesize": self.choice("bytesize", "8", {"7": 7, "8": 8}),
            "parity": self.choice("parity", "n", {"n": "N", "e": "E", "o": "O"}),
            "stopbits": self.choice("stopbits", "1", {"1": 1, "2": 2}),
            "rtscts": self.choice("rtscts", "0", flags),
            "xonxoff": self.choice("xonxoff", "0", flags),
            "write_timeout": self.seconds("write_timeout", 5.0),
        }

    def refuse_the_rest(self) -> None:
        if self.values:
            unknown = ", ".join(sorted(self.values))
            allowed = ", ".join(self.known) or "none"
            raise self._bad(f"unknown option {unknown}; this kind of printer takes {allowed}")
