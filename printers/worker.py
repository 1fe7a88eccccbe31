"""The server's print worker: sends queued jobs to the printers it reaches itself, and watches them.

Printers behind a printer agent are served by the agent's websocket (printers/routes.py) instead.
Each printer is drained by one thread at a time, so a slow or silent printer holds up only itself.
The worker wakes when a job is committed and looks again every ``poll_s`` for retries that fell
due and for jobs another server process wrote.
"""

import asyncio
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable

import anyio
import anyio.to_thread
from sqlmodel import select

from printers import jobs
from printers.transports import PrinterUnavailable, open_transport
from server.db import Database
from server.models import Printer, utcnow

log = logging.getLogger("luukku.printers")

WAKE_EVENTS = ("ticket.issued", "ticket.reprinted", "printer.status")
STATUS_TIMEOUT_S = 1.0
# A network printer serves one connection at a time: a status query while a job's connection is open
# would wait and look like "no answer". One lock per printer keeps jobs and queries apart.
_printer_locks: defaultdict[int, threading.Lock] = defaultdict(threading.Lock)


def send_due_jobs(db: Database, printer_id: int, public_url: str) -> int:
    """Sends the printer's due jobs one by one until none is left or it cannot print; blocking.

    Returns how many printed.
    """
    with db.read() as session:
        printer = session.get(Printer, printer_id)
    if printer is None or printer.via_agent:
        return 0
    transport = open_transport(printer.connection)
    printed = 0
    while True:
        with db.write() as session:
            job = jobs.claim_due(session, printer_id, utcnow())
            if job is not None and jobs.fail_ended_visit(session, job, utcnow()):
                continue
            rendered = jobs.render_job(session, job, public_url) if job is not None else None
        if job is None:
            return printed
        with _printer_locks[printer_id]:
            outcome, error, condition = print_one(transport, rendered)
        with db.write() as session:
            jobs.record_outcome(session, job.id, outcome, utcnow(), error)
            jobs.set_condition(session, printer, condition, utcnow())
        if outcome != "printed":
            return printed
        printed += 1


def print_one(transport, rendered: jobs.RenderedJob) -> tuple[str, str | None, str]:
    """Checks the printer, sends the job, checks it again: (outcome, error, printer's condition).

    A printer switched off mid-job raises nothing while the socket takes bytes, and a ticket cut
    short by the end of the roll is not a ticket: only a printer that is still fine afterwards has
    printed it.
    """
    before = transport.query_status(STATUS_TIMEOUT_S)
    if not before.can_print:
        return "not_printed", f"Printer not ready: {before.condition}", before.condition
    try:
        transport.send(rendered.name, rendered.data, rendered.preview)
    except PrinterUnavailable as error:
        # Refused or cut off before the whole ticket was taken: the printer discards a partial job
        # only if it lost power, so a retry may print a fragment and a whole ticket, never two.
        return "not_printed", str(error), transport.query_status(STATUS_TIMEOUT_S).condition
    after = transport.query_status(STATUS_TIMEOUT_S)
    if after.can_print:
        return "printed", None, after.condition
    return "uncertain", f"Printer reported {after.condition} right after the ticket was sent", after.condition


def poll_status(db: Database, printer_id: int) -> str:
    """Asks one printer for its condition and stores it (an event if it changed); blocking."""
    with db.read() as session:
        printer = session.get(Printer, printer_id)
    lock = _printer_locks[printer_id]
    if printer is None or printer.via_agent or not lock.acquire(blocking=False):
        return ""  # a printer busy with a job reports its condition after the job
    try:
        condition = open_transport(printer.connection).query_status(STATUS_TIMEOUT_S).condition
    except ValueError as error:  # a connection string that is no longer valid
        log.warning("printer %s: %s", printer.name, error)
        condition = "error"
    finally:
        lock.release()
    with db.write() as session:
        jobs.set_condition(session, printer, condition, utcnow())
    return condition


class Wake:
    """A flag one task waits on and others raise; unlike anyio.Event it can be lowered again."""

    def __init__(self) -> None:
        self._event = anyio.Event()
        self.replaced = False  # set when a newer agent connection of the same printer arrives

    def set(self) -> None:
        self._event.set()

    async def wait(self) -> None:
        await self._event.wait()

    def clear(self) -> None:
        if self._event.is_set():
            self._event = anyio.Event()


class PrintWorker:
    def __init__(self, db: Database, public_url: str, poll_s: float = 1.0, status_every_s: float = 5.0):
        self.db = db
        self.public_url = public_url
        self.poll_s = poll_s
        self.status_every_s = status_every_s
        self._wake = Wake()
        self._busy: set[int] = set()
        self._agents: dict[int, set[Wake]] = {}
        self._call_soon: Callable | None = None

    def on_commit(self, events: list[dict]) -> None:
        """An ``after_commit`` hook: called from worker threads, wakes the loops on the event loop."""
        if self._call_soon is not None and any(e["type"] in WAKE_EVENTS for e in events):
            self._call_soon(self._wake_all)

    def _wake_all(self) -> None:
        self._wake.set()
        for wakes in self._agents.values():
            for wake in wakes:
                wake.set()

    def subscribe(self, printer_id: int) -> Wake:
        """A printer agent's connection: woken like the worker whenever a job may be waiting."""
        wake = Wake()
        for older in self._agents.get(printer_id, ()):
            older.replaced = True
            older.set()
        self._agents.setdefault(printer_id, set()).add(wake)
        return wake

    def unsubscribe(self, printer_id: int, wake: Wake) -> int:
        """Returns how many connections of the printer's agent remain in this process."""
        remaining = self._agents.get(printer_id, set())
        remaining.discard(wake)
        return len(remaining)

    async def run(self) -> None:
        self._call_soon = asyncio.get_running_loop().call_soon_threadsafe
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._watch_status)
            printer_ids: list[int] = []
            looked = -self.poll_s
            while True:
                # The printers, and jobs left half-sent, once every poll_s, not at every ticket's wake:
                # in a rush of tickets that was a read (and with printers, a write) for each one.
                if time.monotonic() - looked >= self.poll_s:
                    try:
                        printer_ids = await anyio.to_thread.run_sync(self._server_printers)
                        await anyio.to_thread.run_sync(self._fail_stale, printer_ids)
                        looked = time.monotonic()
                    except Exception:  # the database may be restarting; try again on the next round
                        log.exception("print worker")
                        printer_ids = []
                for printer_id in printer_ids:
                    if printer_id not in self._busy:
                        self._busy.add(printer_id)
                        tasks.start_soon(self._drain, printer_id)
                with anyio.move_on_after(self.poll_s):
                    await self._wake.wait()
                self._wake.clear()

    async def _drain(self, printer_id: int) -> None:
        try:
            await anyio.to_thread.run_sync(send_due_jobs, self.db, printer_id, self.public_url)
        except Exception:
            log.exception("printing on printer %s", printer_id)
        finally:
            self._busy.discard(printer_id)

    async def _watch_status(self) -> None:
        while True:
            try:
                printer_ids = await anyio.to_thread.run_sync(self._server_printers)
                async with anyio.create_task_group() as tasks:
                    for printer_id in printer_ids:
                        tasks.start_soon(anyio.to_thread.run_sync, poll_status, self.db, printer_id)
            except Exception:
                log.exception("printer status")
            await anyio.sleep(self.status_every_s)

    def _server_printers(self) -> list[int]:
        with self.db.read() as session:
            return list(session.exec(select(Printer.id).where(Printer.connection != "agent")))

    def _fail_stale(self, printer_ids: list[int]) -> None:
        if printer_ids:
            with self.db.write() as session:
                for job in jobs.fail_stale(session, utcnow(), printer_ids):
                    log.warning("print job %s: outcome unknown after a restart; marked failed", job.id)
