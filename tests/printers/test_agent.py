"""The printer agent as a kiosk PC runs it (`python -m printers.agent`, a process of its own) against the
real server under uvicorn, a SQLite file and the test printer on 127.0.0.1. The network between them is
a relay the tests can unplug. Server restarts, dropped connections, a lost answer, paper running out,
a revoked token and an agent killed mid-job: every ticket prints once, none twice."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter as Tally
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from printers import jobs
from printers.agent import EXIT_REFUSED, Backoff, Journal, agent_url
from server import queue
from server.db import Database
from server.models import Device, Event, Printer, PrintJob, Ticket, utcnow
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database
from tests.printers.escpos_reader import read_escpos
from tests.printers.fake_printer import FakePrinter

ROOT = Path(__file__).resolve().parents[2]
TICKET_NUMBER = re.compile(r"\b[A-F]\d{3}\b")


def wait_until(check, timeout: float = 10, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.02)
    return result


class ServicePoint:
    """The demo site on a real uvicorn and its SQLite file; printer kiosk-1 is reached through its agent."""

    def __init__(self, tmp_path: Path) -> None:
        url = prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}")
        self.port = free_port()
        self.settings = make_settings(url, self.port, demo_printer="agent")
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = Database(url)
        self.server: LiveServer | None = None

    def start(self) -> None:
        self.server = LiveServer(self.settings, self.port).__enter__()

    def stop(self) -> None:
        if self.server is not None:
            self.server.__exit__(None, None, None)
            self.server = None

    def issue_token(self) -> str:
        with self.db.write() as session:
            return jobs.issue_token(session, self._kiosk(session), utcnow())

    def revoke_token(self) -> None:
        with self.db.write() as session:
            jobs.revoke_token(session, self._kiosk(session), utcnow())

    def issue_at_kiosk(self) -> str:
        """A visitor takes a ticket at the kiosk screen; its number."""
        response = httpx.post(f"{self.url}/kiosk/demo/tickets", data={"service": "advice"})
        assert response.status_code == 201
        with self.db.read() as session:
            return session.exec(select(Ticket).order_by(Ticket.id.desc())).first().number

    def issue(self) -> str:
        """A ticket issued straight in the database (while the server is down, too); its number."""
        with self.db.write() as session:
            return queue.issue_ticket(session, "demo", "advice", "fi").ticket.number

    def jobs(self) -> list[PrintJob]:
        with self.db.read() as session:
            return list(session.exec(select(PrintJob).order_by(PrintJob.created_at, PrintJob.id)))

    def states(self) -> list[str]:
        return [job.state for job in self.jobs()]

    def condition(self) -> str:
        with self.db.read() as session:
            return session.exec(select(Printer).where(Printer.name == "kiosk-1")).one().condition

    def status_events(self) -> list[str]:
        with self.db.read() as session:
            events = session.exec(select(Event).where(Event.type == "printer.status").order_by(Event.seq))
            return [event.data for event in events]

    def _kiosk(self, session) -> Device:
        return session.exec(select(Device).where(Device.name == "kiosk-1")).one()


class Cable:
    """The network between the kiosk PC and the server: a TCP relay on 127.0.0.1 that a test unplugs
    (open connections drop, new ones are closed at once) and plugs back in. It can also lose what the
    agent says once the server has sent it a job, as a network going down at that moment would."""

    def __init__(self, server_port: int) -> None:
        self.server_port = server_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.02)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lose_answers_to_jobs = False
        self._plugged = threading.Event()
        self._plugged.set()
        self._losing = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._threads: list[threading.Thread] = []
        self._start(self._accept)

    def unplug(self) -> None:
        self._plugged.clear()
        self.cut()

    def plug(self) -> None:
        self._plugged.set()

    def cut(self) -> None:
        """Every open connection drops, as when a server dies or a switch reboots."""
        with self._lock:
            pairs, self._pairs = self._pairs, []
            self._losing.clear()
        for pair in pairs:
            for end in pair:
                _shut(end)

    def close(self) -> None:
        self._stopping.set()
        self.cut()
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                agent_end, _ = self._listener.accept()
            except TimeoutError:
                continue
            agent_end.settimeout(None)
            try:
                if not self._plugged.is_set():
                    raise ConnectionRefusedError("unplugged")
                server_end = socket.create_connection(("127.0.0.1", self.server_port), timeout=2)
                server_end.settimeout(None)
            except OSError:
                _shut(agent_end)
                agent_end.close()
                continue
            with self._lock:
                self._pairs.append((agent_end, server_end))
            self._start(self._relay, agent_end, server_end, True)
            self._start(self._relay, server_end, agent_end, False)

    def _relay(self, source: socket.socket, target: socket.socket, from_agent: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                break
            if not data:
                break
            if not from_agent and self.lose_answers_to_jobs and b'"type": "job"' in data:
                self._losing.set()  # before the agent has the job: its answer cannot slip through
            if from_agent and self._losing.is_set():
                continue
            try:
                target.sendall(data)
            except OSError:
                break
        _shut(target)  # the other relay of the pair stops too
        source.close()


def _shut(end: socket.socket) -> None:
    try:
        end.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class Agent:
    """`python -m printers.agent` in a process of its own, its log in a file; the state directory is
    the test's, so an agent started again finds the journal of the one before."""

    started = 0

    def __init__(self, tmp_path: Path, server_url: str, token_args: list[str], printer_spec: str,
                 *options: str) -> None:
        Agent.started += 1
        self.state_dir = tmp_path / "agent-state"
        self.log_path = tmp_path / f"agent-{Agent.started}.log"
        command = [sys.executable, "-m", "printers.agent", "--server", server_url, *token_args,
                   "--printer", printer_spec, "--state-dir", str(self.state_dir),
                   "--status-every", "0.2", "--reconnect-max", "0.5", *options]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                            env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def journal(self) -> str:
        path = self.state_dir / "journal"
        return path.read_text(encoding="ascii") if path.exists() else ""

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the agent did not stop on SIGTERM:\n{self.log()}") from None

    def kill(self) -> None:
        """The PC loses power, or the agent crashes: nothing runs after this."""
        self.process.kill()
        self.process.wait()


@pytest.fixture
def service_point(tmp_path):
    point = ServicePoint(tmp_path)
    point.start()
    yield point
    point.stop()
    point.db.dispose()


@pytest.fixture
def printer():
    with FakePrinter() as fake:
        yield fake


@pytest.fixture
def cable(service_point):
    relay = Cable(service_point.port)
    yield relay
    relay.close()


@pytest.fixture
def start_agent(tmp_path, service_point, printer):
    """Starts agents for kiosk-1 with a fresh token; each is stopped (and must stop cleanly) at the end."""
    token = service_point.issue_token()
    agents: list[Agent] = []

    def start(*options: str, server_url: str | None = None, token_args: list[str] | None = None) -> Agent:
        # --token=T, the form that works whatever the token looks like.
        agent = Agent(tmp_path, server_url or service_point.url, token_args or [f"--token={token}"],
                      printer.spec, *options)
        agents.append(agent)
        return agent

    start.token = token
    yield start
    for agent in agents:
        if agent.process.returncode is None:
            assert agent.stop() == 0, agent.log()


def connected(service_point: ServicePoint, agent: Agent, timeout: float = 10) -> None:
    """The agent has reported the printer online: it is connected and ready."""
    wait_until(lambda: service_point.condition() == "online" or agent.process.poll() is not None, timeout,
               "the agent's first status report")
    assert agent.process.poll() is None, agent.log()


def numbers_on_paper(printer: FakePrinter) -> list[str]:
    """Each ticket that came out, by the number printed on it."""
    return [TICKET_NUMBER.search(read_escpos(ticket).text).group() for ticket in printer.printed_tickets()]


def all_printed(service_point: ServicePoint, count: int):
    return lambda: len(states := service_point.states()) == count and set(states) == {"printed"}


def test_a_ticket_issued_while_the_agent_is_connected_prints_once(tmp_path, service_point, printer, start_agent):
    token_file = tmp_path / "token"
    token_file.write_text(start_agent.token + "\n")
    agent = start_agent(token_args=["--token-file", str(token_file)])
    connected(service_point, agent)

    number = service_point.issue_at_kiosk()

    wait_until(all_printed(service_point, 1), what="the job printed")
    [ticket] = printer.printed_tickets()
    assert number in read_escpos(ticket).text
    [job] = service_point.jobs()
    assert f"start {job.id}" in agent.journal() and f"done {job.id} printed" in agent.journal()
    assert printer.printed_tickets() == [ticket]


def test_tickets_issued_while_the_server_restarts_print_once_each_in_order(service_point, printer, start_agent):
    agent = start_agent()
    connected(service_point, agent)
    first = service_point.issue_at_kiosk()
    wait_until(all_printed(service_point, 1), what="the first ticket printed")

    service_point.stop()
    issued_meanwhile = [service_point.issue() for _ in range(3)]
    assert service_point.states() == ["printed", "queued", "queued", "queued"]
    service_point.start()

    wait_until(all_printed(service_point, 4), what="the tickets issued meanwhile printed")
    assert numbers_on_paper(printer) == [first, *issued_meanwhile]
    assert agent.process.poll() is None
    assert "disconnected from the server" in agent.log()


def test_tickets_issued_while_the_agents_connection_is_cut_print_once_each_in_order(
    service_point, printer, cable, start_agent
):
    agent = start_agent(server_url=cable.url)
    connected(service_point, agent)
    first = service_point.issue_at_kiosk()
    wait_until(all_printed(service_point, 1), what="the first ticket printed")

    cable.unplug()
    wait_until(lambda: service_point.condition() == "disconnected", what="the server to notice")
    issued_meanwhile = [service_point.issue_at_kiosk() for _ in range(3)]
    assert service_point.states() == ["printed", "queued", "queued", "queued"]
    wait_until(lambda: "cannot reach the server" in agent.log(), what="a failed reconnection")
    cable.plug()

    wait_until(all_printed(service_point, 4), what="the tickets issued meanwhile printed")
    assert numbers_on_paper(printer) == [first, *issued_meanwhile]
    assert max(Tally(numbers_on_paper(printer)).values()) == 1


def test_a_lost_answer_is_given_again_from_the_journal_without_printing_again(
    service_point, printer, cable, start_agent
):
    agent = start_agent(server_url=cable.url)
    connected(service_point, agent)
    cable.lose_answers_to_jobs = True

    number = service_point.issue_at_kiosk()
    [job] = service_point.jobs()
    wait_until(lambda: f"done {job.id} printed" in agent.journal(), what="the agent to print the job")
    assert service_point.states() == ["sent"]  # its "done" went nowhere
    cable.lose_answers_to_jobs = False
    cable.cut()

    wait_until(all_printed(service_point, 1), what="the job answered again after reconnecting")
    assert numbers_on_paper(printer) == [number]
    assert "was printed before; its answer was lost" in agent.log()


def test_paper_runs_out_and_the_job_waits_until_paper_is_back(service_point, printer, start_agent):
    agent = start_agent()
    connected(service_point, agent)

    printer.paper_out = True
    wait_until(lambda: service_point.condition() == "paper_out", what="the agent to report paper out")
    assert any('"paper_out"' in event for event in service_point.status_events())
    number = service_point.issue_at_kiosk()
    [job] = wait_until(lambda: [j for j in service_point.jobs() if j.state == "queued" and j.attempts >= 1],
                       what="the agent to answer not_printed")
    assert job.error == "Printer not ready: paper_out"
    assert job.next_attempt_at - job.updated_at == timedelta(seconds=jobs.backoff_s(job.attempts))
    assert printer.printed_tickets() == [] and f"start {job.id}" not in agent.journal()

    printer.paper_out = False

    wait_until(all_printed(service_point, 1), what="the job printed once paper was back")
    assert numbers_on_paper(printer) == [number]


def test_a_revoked_token_closes_the_connection_and_nothing_more_is_sent(service_point, printer, start_agent):
    agent = start_agent()
    connected(service_point, agent)

    service_point.revoke_token()

    wait_until(lambda: "refused this agent's token" in agent.log(), what="the agent to be refused")
    assert "closed with 4401" in agent.log()
    service_point.issue_at_kiosk()
    time.sleep(1.5)  # the server looks for jobs every second: longer than that, and none was sent
    [job] = service_point.jobs()
    assert (job.state, job.attempts) == ("queued", 0)
    assert printer.printed_tickets() == []
    with pytest.raises((InvalidStatus, ConnectionClosed)):  # a new connection with it gets nowhere either
        with connect(f"ws://127.0.0.1:{service_point.port}/printers/agent",
                     additional_headers={"Authorization": f"Bearer {start_agent.token}"}) as websocket:
            websocket.recv(timeout=5)
    assert agent.process.poll() is None  # it waits to retry, slowly: once a minute
    assert agent.log().count("refused this agent's token") == 1
    assert "connecting again in 60.0 s" in agent.log()


def test_with_exit_on_refused_an_unknown_token_ends_the_agent(service_point, start_agent):
    agent = start_agent("--exit-on-refused", token_args=["--token", "not-a-token"])

    assert agent.process.wait(10) == EXIT_REFUSED
    assert "closed with 4401" in agent.log()


def test_an_agent_killed_mid_job_answers_uncertain_and_never_prints_it_again(service_point, printer, start_agent):
    agent = start_agent("--status-timeout", "5")
    connected(service_point, agent)
    printer.slow = 0.2  # every read waits: the agent is still asking how the job went when it dies

    service_point.issue_at_kiosk()
    [job] = service_point.jobs()
    wait_until(lambda: f"start {job.id}" in agent.journal(), what="the agent to start the job")
    # Killed once the whole ticket is on the wire, while the agent still asks how the job went.
    wait_until(lambda: b"\x1dV" in printer.received(), what="the ticket's cut to reach the printer")
    agent.kill()
    printer.slow = 0
    assert f"done {job.id}" not in agent.journal()
    assert service_point.states() == ["sent"]
    printer.wait_for_tickets(1)  # the bytes it had sent come out

    again = start_agent()
    wait_until(lambda: service_point.states() == ["failed"], what="the job to be answered again")
    assert f"done {job.id} uncertain" in again.journal()
    assert "cut off mid-print earlier; not printing it again" in again.log()
    assert len(printer.printed_tickets()) == 1


def test_an_agent_stopped_mid_job_finishes_it_and_answers_first(service_point, printer, start_agent):
    agent = start_agent("--status-timeout", "5")
    connected(service_point, agent)
    printer.slow = 0.2

    number = service_point.issue_at_kiosk()
    [job] = service_point.jobs()
    wait_until(lambda: f"start {job.id}" in agent.journal(), what="the agent to start the job")

    assert agent.stop() == 0
    wait_until(lambda: service_point.states() == ["printed"], what="the answer it gave before stopping")
    assert numbers_on_paper(printer) == [number]


def test_the_journal_keeps_the_last_jobs_and_skips_a_line_cut_short(tmp_path):
    journal = Journal(tmp_path, keep=3)
    for number in range(5):
        journal.start(f"job{number}")
        journal.done(f"job{number}", "printed")
    journal.start("job5")
    journal.close()
    with open(tmp_path / "journal", "a", encoding="ascii") as file:
        file.write("done job5 prin")  # the power went out mid-line

    reopened = Journal(tmp_path, keep=3)

    assert [reopened.state(f"job{number}") for number in range(6)] == [
        None, None, None, "printed", "printed", "started"]
    assert len((tmp_path / "journal").read_text().splitlines()) == 3
    reopened.close()


def test_reconnection_waits_grow_with_jitter_to_the_cap_and_start_over():
    backoff = Backoff(cap=30)
    waits = [backoff.next_delay() for _ in range(8)]
    assert all(0.5 * min(30, 2 ** n) <= wait <= min(30, 2 ** n) for n, wait in enumerate(waits))
    backoff.reset()
    assert backoff.next_delay() <= 1


def test_the_agents_address_comes_from_the_servers():
    assert agent_url("https://jono.example.fi") == "wss://jono.example.fi/printers/agent"
    assert agent_url("http://10.0.0.2:8000/luukku/") == "ws://10.0.0.2:8000/luukku/printers/agent"
    with pytest.raises(ValueError):
        agent_url("jono.example.fi")


def test_a_newer_connection_with_the_same_token_replaces_the_older(service_point):
    token = service_point.issue_token()
    url = f"ws://127.0.0.1:{service_point.port}/printers/agent"
    headers = {"Authorization": f"Bearer {token}"}
    with connect(url, additional_headers=headers) as older:
        time.sleep(0.3)  # the server has registered it
        with connect(url, additional_headers=headers) as newer:
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    older.recv(timeout=5)
            assert closed.value.rcvd.code == 4409
            newer.send(json.dumps({"type": "status", "status": {"condition": "online"}}))
            wait_until(lambda: service_point.condition() == "online", what="the newer one to be heard")
