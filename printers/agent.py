"""The printer agent: on a kiosk PC, prints that kiosk's tickets on the printer plugged into it.

    luukku printer-agent --server https://queue.example.fi --token-file /etc/luukku/agent.token \\
                         --printer usb://04b8:0202

It opens an outbound websocket to the server's /printers/agent (printers/routes.py has the
protocol), so the kiosk PC needs no open port. It takes its kiosk's print jobs one at a time,
prints each on the local printer, answers how it went, reports the printer's condition, and
reconnects after a network or server outage; the server keeps the jobs issued meanwhile.

No job prints twice: before a ticket's bytes leave, the journal (a file in the state directory,
each line fsync'ed) says "start ID", and after, "done ID OUTCOME". When the server sends a job
again because its answer was lost, the journal answers instead of the printer. A job started but
never finished (the agent died mid-job) is answered "uncertain" and not printed again: staff
decide whether to reprint. docs/printers.md tells how to run this as a systemd service.

One module (about 500 lines, over the usual ~400) because it is the whole program a kiosk PC runs:
the journal, the local printer, the connection and the command, read in one place.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import json
import logging
import os
import random
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from printers.transports import PrinterUnavailable, open_transport

log = logging.getLogger("luukku.agent")

ENDPOINT = "/printers/agent"
REFUSED_CODE = 4401  # the server's close code for an unknown or revoked token
EXIT_REFUSED = 77  # EX_NOPERM: what --exit-on-refused ends with
REFUSED_RETRY_S = 60  # a refused token is retried this slowly: someone has to issue a new one
STABLE_S = 10  # a connection that lasted this long was a good one: the backoff starts over
OPEN_TIMEOUT_S = 10
CLOSE_TIMEOUT_S = 5
MAX_MESSAGE_BYTES = 8 * 1024 * 1024  # a job with a raster logo is tens of kilobytes; room to spare
JOURNAL_KEEP = 1000
JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
CLOSE_CODES = {1000: "closed", 1001: "server going away", 1006: "connection lost",
               1011: "server error", 1012: "server restarting", 1013: "server busy"}


# --- the journal ------------------------------------------------------------------------------

class Journal:
    """What this agent did with each job, kept across restarts: an append-only text file.

    ``start ID`` is written before a job's bytes leave, ``done ID printed|uncertain|not_printed``
    after; each line is fsync'ed before the agent goes on, so a power cut loses no decision. A job
    whose last line is ``start`` was cut off mid-print. On opening, the file is rewritten with the
    last ``keep`` jobs only. Blocking: call it from a thread.
    """

    def __init__(self, directory: Path, keep: int = JOURNAL_KEEP) -> None:
        self.path = Path(directory) / "journal"
        self._states: dict[str, str] = {}
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self._read()
        self._compact(keep)
        self._file = open(self.path, "a", encoding="ascii")  # noqa: SIM115 (open as long as the agent)

    def state(self, job_id: str) -> str | None:
        """``started``, ``printed``, ``uncertain``, ``not_printed``, or None for a job never seen."""
        with self._lock:
            return self._states.get(job_id)

    def start(self, job_id: str) -> None:
        self._append(job_id, "started", f"start {job_id}")

    def done(self, job_id: str, outcome: str) -> None:
        self._append(job_id, outcome, f"done {job_id} {outcome}")

    def close(self) -> None:
        self._file.close()

    def _append(self, job_id: str, state: str, line: str) -> None:
        with self._lock:
            self._file.write(f"{line} {_now_text()}\n")
            self._file.flush()
            os.fsync(self._file.fileno())
            self._states.pop(job_id, None)  # re-inserted last: the order is the order of last use
            self._states[job_id] = state

    def _read(self) -> None:
        for line in self.path.read_text(encoding="ascii", errors="replace").splitlines():
            words = line.split()
            # A line cut short by a crash is skipped: the line before it still tells the truth.
            if len(words) >= 2 and words[0] == "start" and JOB_ID.fullmatch(words[1]):
                state = "started"
            elif len(words) >= 3 and words[0] == "done" and words[2] in ("printed", "uncertain", "not_printed"):
                state = words[2]
            else:
                continue
            self._states.pop(words[1], None)
            self._states[words[1]] = state

    def _compact(self, keep: int) -> None:
        self._states = dict(list(self._states.items())[-keep:])
        lines = []
        for job_id, state in self._states.items():
            lines.append(f"start {job_id}" if state == "started" else f"done {job_id} {state}")
        temporary = self.path.with_name(self.path.name + ".new")
        with open(temporary, "w", encoding="ascii") as file:
            file.write("".join(f"{line} {_now_text()}\n" for line in lines))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)


def _now_text() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --- the local printer ------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    id: str
    name: str
    data: bytes
    preview: str


@dataclass(frozen=True)
class Answer:
    job_id: str
    outcome: str  # printed | not_printed | uncertain
    error: str | None
    condition: str

    def message(self) -> dict:
        return {"type": "done", "id": self.job_id, "outcome": self.outcome, "error": self.error,
                "status": {"condition": self.condition}}


class KioskPrinter:
    """The printer on this PC and the journal of what it printed. Its methods block."""

    def __init__(self, transport, journal: Journal, status_timeout: float = 1.0) -> None:
        self.transport = transport
        self.journal = journal
        self.status_timeout = status_timeout

    def condition(self) -> str:
        return self._status()[1]

    def print_job(self, job: Job) -> Answer:
        """Prints the job unless the journal knows it: (1) journal, (2) check, (3) print, check again."""
        earlier = self.journal.state(job.id)
        if earlier == "printed":
            log.info("job %s (%s) was printed before; its answer was lost: answering again", job.id, job.name)
            return Answer(job.id, "printed", None, self.condition())
        if earlier in ("started", "uncertain"):
            log.warning("job %s (%s) was cut off mid-print earlier; not printing it again", job.id, job.name)
            self.journal.done(job.id, "uncertain")
            return Answer(job.id, "uncertain", "The printer agent stopped while printing this ticket; "
                          "it may or may not have come out.", self.condition())
        can_print, condition = self._status()
        if not can_print:
            log.warning("job %s (%s) not printed: the printer is %s", job.id, job.name, condition)
            return Answer(job.id, "not_printed", f"Printer not ready: {condition}", condition)
        self.journal.start(job.id)
        try:
            self.transport.send(job.name, job.data, job.preview)
        except PrinterUnavailable as error:
            # Nothing or a fragment reached the printer: a retry may print it whole, never twice.
            self.journal.done(job.id, "not_printed")
            log.warning("job %s (%s) not printed: %s", job.id, job.name, error)
            return Answer(job.id, "not_printed", str(error), self.condition())
        except Exception as error:  # a driver failing in a way the transport does not know: unknown
            log.exception("job %s (%s): sending it failed", job.id, job.name)
            self.journal.done(job.id, "uncertain")
            return Answer(job.id, "uncertain", f"Sending failed: {error}", self.condition())
        # A printer switched off mid-job raises nothing: only one still fine afterwards has printed it.
        can_print, condition = self._status()
        outcome = "printed" if can_print else "uncertain"
        self.journal.done(job.id, outcome)
        if can_print:
            log.info("job %s (%s) printed", job.id, job.name)
            return Answer(job.id, "printed", None, condition)
        log.warning("job %s (%s): the printer reported %s right after it; it may not have come out",
                    job.id, job.name, condition)
        return Answer(job.id, "uncertain", f"Printer reported {condition} right after the ticket was sent",
                      condition)

    def _status(self) -> tuple[bool, str]:
        try:
            status = self.transport.query_status(timeout=self.status_timeout)
        except Exception:  # a status read must never end the agent
            log.exception("reading the printer's status failed")
            return False, "error"
        return status.can_print, status.condition


# --- the connection ---------------------------------------------------------------------------

class Refused(Exception):
    """The server does not accept this agent's token."""


class Backoff:
    """Waits between reconnections: 1, 2, 4 … s up to ``cap``, each times a random 0.5–1, so that
    the kiosks of a building do not all return in the same second after an outage."""

    def __init__(self, cap: float, base: float = 1.0) -> None:
        self.cap = cap
        self.base = base
        self.failures = 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.base * 2 ** self.failures)
        self.failures = min(self.failures + 1, 32)
        return delay * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.failures = 0


def agent_url(server: str) -> str:
    """ws(s)://HOST[:PORT][/PREFIX]/printers/agent from the server's http(s) address."""
    parts = urlsplit(server.strip())
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ValueError(f"--server must be an http:// or https:// address, not {server!r}")
    path = parts.path.rstrip("/")
    if not path.endswith(ENDPOINT):
        path += ENDPOINT
    return urlunsplit((scheme, parts.netloc, path, "", ""))


class Agent:
    """One kiosk's connection to the server, made again after every outage, and its printer's jobs."""

    def __init__(self, url: str, token: str, printer: KioskPrinter, status_every_s: float = 5.0,
                 reconnect_max_s: float = 30.0, exit_on_refused: bool = False) -> None:
        self.url = url
        self.token = token
        self.printer = printer
        self.status_every_s = status_every_s
        self.backoff = Backoff(reconnect_max_s)
        self.exit_on_refused = exit_on_refused
        self._printer_lock = asyncio.Lock()  # one job or status read at a time: a printer serves one
        self._reported: str | None = None
        self._connected_at: float | None = None

    async def run(self) -> int:
        """Connects again and again until cancelled; returns EXIT_REFUSED if told to stop on a refusal."""
        while True:
            try:
                await self._connect_once()
                delay = self._after_disconnect()
            except Refused as refusal:
                log.error("the server refused this agent's token (%s). Issue a new one on the server with "
                          "`luukku kiosk SITE token KIOSK` and give it to the agent.", refusal)
                if self.exit_on_refused:
                    return EXIT_REFUSED
                delay = REFUSED_RETRY_S
            except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as error:
                log.warning("cannot reach the server at %s: %s", self.url, _describe(error))
                delay = self._after_disconnect()
            except Exception:  # a kiosk's tickets matter more than a clean crash: log it, go on
                log.exception("unexpected error; connecting again")
                delay = self._after_disconnect()
            log.info("connecting again in %.1f s", delay)
            await asyncio.sleep(delay)

    def _after_disconnect(self) -> float:
        connected_at, self._connected_at = self._connected_at, None
        if connected_at is not None and time.monotonic() - connected_at >= STABLE_S:
            self.backoff.reset()  # it was a good connection: this is a new outage
        return self.backoff.next_delay()

    async def _connect_once(self) -> None:
        try:
            async with connect(
                self.url,
                additional_headers={"Authorization": f"Bearer {self.token}"},
                user_agent_header="luukku-printer-agent",
                open_timeout=OPEN_TIMEOUT_S,
                close_timeout=CLOSE_TIMEOUT_S,
                max_size=MAX_MESSAGE_BYTES,
                compression=None,  # tickets are small; no per-message zlib state to keep
            ) as websocket:
                log.info("connected to %s", self.url)
                self._connected_at = time.monotonic()
                await self._serve(websocket)
        except InvalidStatus as error:
            status = error.response.status_code
            # Closing before accepting comes out as 403 from the ASGI server; 401 from a proxy's auth.
            if status in (401, 403):
                raise Refused(f"HTTP {status} on connecting") from error
            raise
        if websocket.close_code == REFUSED_CODE:
            raise Refused(f"closed with {REFUSED_CODE}: {websocket.close_reason or 'token refused'}")
        code = websocket.close_code
        log.warning("disconnected from the server: %s (code %s)",
                    websocket.close_reason or CLOSE_CODES.get(code, "closed"), code)

    async def _serve(self, websocket: ClientConnection) -> None:
        reporter = asyncio.create_task(self._watch_printer(websocket))
        try:
            async for raw in websocket:
                message = _parse(raw)
                if message is not None and message.get("type") == "job":
                    await self._take_job(websocket, message)
        except ConnectionClosed:
            pass  # the close code tells the caller why
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await reporter

    async def _take_job(self, websocket: ClientConnection, message: dict) -> None:
        job_id = message.get("id")
        if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
            log.warning("a job without a usable id; ignored")
            return
        try:
            job = Job(job_id, str(message.get("name") or job_id),
                      base64.b64decode(str(message.get("data", "")), validate=True),
                      str(message.get("preview") or ""))
        except (binascii.Error, ValueError) as error:
            # Retrying cannot mend it: "uncertain" fails the job, staff see it.
            log.error("job %s: its data is not base64 (%s); not printed", job_id, error)
            async with self._printer_lock:
                condition = await asyncio.to_thread(self.printer.condition)
            await self._answer(websocket, Answer(job_id, "uncertain", "The agent could not read the job.",
                                                 condition))
            return
        async with self._printer_lock:
            printing = asyncio.ensure_future(asyncio.to_thread(self.printer.print_job, job))
            try:
                answer = await asyncio.shield(printing)
            except asyncio.CancelledError:
                # Stopped mid-job: let the printer finish and say how it went, then stop.
                answer = await printing
                with contextlib.suppress(ConnectionClosed):
                    await self._answer(websocket, answer)
                raise
        await self._answer(websocket, answer)

    async def _answer(self, websocket: ClientConnection, answer: Answer) -> None:
        await websocket.send(json.dumps(answer.message()))
        self._reported = answer.condition

    async def _watch_printer(self, websocket: ClientConnection) -> None:
        """Reports the printer's condition at once, then reads it every few seconds while idle and
        reports each change."""
        first = True
        while True:
            async with self._printer_lock:
                condition = await asyncio.to_thread(self.printer.condition)
            if first or condition != self._reported:
                await self._report(websocket, condition)
            first = False
            await asyncio.sleep(self.status_every_s)

    async def _report(self, websocket: ClientConnection, condition: str) -> None:
        if condition != self._reported:
            log.info("printer: %s", condition)
        await websocket.send(json.dumps({"type": "status", "status": {"condition": condition}}))
        self._reported = condition


def _parse(raw: str | bytes) -> dict | None:
    try:
        message = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        message = None
    if not isinstance(message, dict):
        log.warning("the server sent something that is not the protocol's; ignored")
        return None
    return message


def _describe(error: BaseException) -> str:
    if isinstance(error, InvalidStatus):
        status = error.response.status_code
        if status == 404:
            return f"HTTP 404: no {ENDPOINT} there; is --server the Luukku server's address?"
        if status in (200, 400, 426):
            return f"HTTP {status}: a proxy on the way may not pass websocket upgrades"
        return f"HTTP {status}"
    if isinstance(error, ConnectionClosed):
        return "the connection closed during the handshake"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return str(error) or error.__class__.__name__


# --- the command ------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", required=True, metavar="URL",
                        help="the Luukku server's address, e.g. https://queue.example.fi")
    tokens = parser.add_mutually_exclusive_group()
    tokens.add_argument("--token", default=os.environ.get("LUUKKU_AGENT_TOKEN"),
                        help="this kiosk's device token (default: $LUUKKU_AGENT_TOKEN; a file is safer)")
    tokens.add_argument("--token-file", type=Path, metavar="FILE",
                        help="a file holding the token (default: $CREDENTIALS_DIRECTORY/token under systemd)")
    parser.add_argument("--printer", required=True, metavar="SPEC",
                        help="the local printer: usb://VID:PID, serial:///dev/ttyUSB0?baudrate=38400, "
                             "tcp://HOST:9100 or file:DIR")
    parser.add_argument("--state-dir", type=Path, metavar="DIR",
                        help="where the journal of printed jobs is kept (default: $STATE_DIRECTORY, "
                             "else ~/.local/state/luukku-agent)")
    parser.add_argument("--status-every", type=float, default=5.0, metavar="SECONDS",
                        help="how often the printer's condition is read while idle (default 5)")
    parser.add_argument("--status-timeout", type=float, default=1.0, metavar="SECONDS",
                        help="how long the printer may take to answer a status read (default 1)")
    parser.add_argument("--reconnect-max", type=float, default=30.0, metavar="SECONDS",
                        help="the longest wait between reconnections after an outage (default 30)")
    parser.add_argument("--exit-on-refused", action="store_true",
                        help=f"exit with status {EXIT_REFUSED} when the server refuses the token, instead of "
                             f"retrying every {REFUSED_RETRY_S} s")
    parser.add_argument("--verbose", "-v", action="store_true", help="log websocket details too")


def state_directory(given: Path | None) -> Path:
    if given is not None:
        return given
    if os.environ.get("STATE_DIRECTORY"):  # systemd's StateDirectory=; several are separated by ':'
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "luukku-agent"


def read_token(args: argparse.Namespace) -> str:
    token_file = args.token_file
    if not args.token and token_file is None and os.environ.get("CREDENTIALS_DIRECTORY"):
        token_file = Path(os.environ["CREDENTIALS_DIRECTORY"]) / "token"  # systemd's LoadCredential=
    token = token_file.read_text(encoding="utf-8").strip() if token_file is not None else args.token
    if not token:
        raise ValueError("no token: give --token or --token-file (`luukku kiosk SITE token KIOSK` issues one)")
    return token


@contextlib.contextmanager
def _only_agent(directory: Path):
    """Two agents on one journal could print a job twice: the second one refuses to start."""
    try:
        import fcntl  # noqa: PLC0415  (not on Windows; there the service manager keeps one running)
    except ImportError:
        yield
        return
    with open(directory / "agent.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ValueError(f"another printer agent is running with the state directory {directory}") from None
        yield


async def main(args: argparse.Namespace) -> int:
    """The agent until cancelled (SIGTERM, Ctrl-C); returns the exit status."""
    url = agent_url(args.server)
    token = read_token(args)
    transport = open_transport(args.printer)
    directory = state_directory(args.state_dir)
    directory.mkdir(parents=True, exist_ok=True)
    with _only_agent(directory):
        journal = await asyncio.to_thread(Journal, directory)
        log.info("printer agent for %s, printer %s, journal %s", url, args.printer, journal.path)
        agent = Agent(url, token, KioskPrinter(transport, journal, args.status_timeout),
                      status_every_s=args.status_every, reconnect_max_s=args.reconnect_max,
                      exit_on_refused=args.exit_on_refused)
        try:
            return await agent.run()
        except asyncio.CancelledError:
            log.info("stopped")
            return 0
        finally:
            journal.close()


def run(args: argparse.Namespace) -> None:
    """Runs the agent until SIGTERM or Ctrl-C; exits non-zero on a bad option or a refused token
    with --exit-on-refused."""
    under_systemd = "JOURNAL_STREAM" in os.environ  # journald stamps the time itself
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(message)s" if under_systemd
                        else "%(asctime)s %(levelname)s %(message)s")
    if not args.verbose:
        logging.getLogger("websockets").setLevel(logging.WARNING)

    async def until_signalled() -> int:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still interrupts
                    loop.add_signal_handler(number, task.cancel)
        return await main(args)

    try:
        status = asyncio.run(until_signalled())
    except (ValueError, OSError) as error:
        sys.exit(f"luukku printer-agent: {error}")
    if status:
        sys.exit(status)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="luukku printer-agent", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    run(parser.parse_args())
