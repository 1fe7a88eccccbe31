"""The server's print worker against the test printer on 127.0.0.1 (an Epson TM-T88 as far as the
bytes go): paper runs out and comes back, a printer goes dark mid-job, the server restarts with
jobs queued. Nothing is lost and nothing prints twice."""

import json
import time
from collections import Counter as Tally
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select
from websockets.sync.client import connect

from printers import jobs
from printers.transports import NetworkTransport
from printers.worker import poll_status, print_one, send_due_jobs
from server import queue
from server.db import Database
from server.models import Event, Printer, PrintJob, utcnow
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database, recv_push, staff_login
from tests.printers.escpos_reader import read_escpos
from tests.printers.fake_printer import FakePrinter

PUBLIC_URL = "https://jono.example.fi"


@pytest.fixture
def printer():
    with FakePrinter() as fake:
        yield fake


def point_demo_printer(db: Database, connection: str) -> int:
    with db.write() as session:
        demo = session.exec(select(Printer).where(Printer.name == "kiosk-1")).one()
        demo.connection = connection
        session.add(demo)
        return demo.id


def issue(db, service="advice", lang="fi"):
    with db.write() as session:
        return queue.issue_ticket(session, "demo", service, lang)


def states(db) -> list[str]:
    with db.read() as session:
        return [j.state for j in session.exec(select(PrintJob).order_by(PrintJob.created_at, PrintJob.id))]


def numbers_on_paper(fake: FakePrinter) -> list[str]:
    """Each ticket that came out, by the number printed on it."""
    found = []
    for ticket in fake.printed_tickets():
        text = read_escpos(ticket).text
        found.append(next(word for word in text.split() if word[:1].isalpha() and word[1:].isdigit()))
    return found


def wait_until(check, timeout: float = 10, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.05)
    return result


def test_a_queued_ticket_prints_once_with_its_number_letters_and_qr_code(db, printer):
    printer_id = point_demo_printer(db, f"tcp://{printer.host}:{printer.port}")
    issued = issue(db, "housing", "sv")

    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 1

    [ticket] = printer.printed_tickets()
    paper = read_escpos(ticket)
    assert "B001" in paper.text and "Boende och bostadsrådgivning" in paper.text
    assert paper.qr_payloads == [f"{PUBLIC_URL}/t/{issued.ticket.public_id}"]
    assert states(db) == ["printed"]
    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 0  # nothing is printed twice


def test_paper_runs_out_mid_day_and_comes_back(db, printer):
    printer_id = point_demo_printer(db, f"tcp://{printer.host}:{printer.port}")
    issue(db)
    send_due_jobs(db, printer_id, PUBLIC_URL)

    printer.paper_out = True
    issue(db), issue(db)
    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 0
    # The printer said "paper out" before the ticket was sent: not a byte of it left the server.
    assert not any(b"A002" in bytes(c.data) for c in printer.connections)
    with db.read() as session:
        waiting = session.exec(select(PrintJob).where(PrintJob.state == "queued")
                               .order_by(PrintJob.created_at, PrintJob.id)).all()
        assert [j.attempts for j in waiting] == [1, 0]
        assert "paper_out" in waiting[0].error
        assert session.get(Printer, printer_id).condition == "paper_out"

    printer.paper_out = False
    assert poll_status(db, printer_id) == "online"  # the status poller notices, and releases the jobs
    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 2

    assert numbers_on_paper(printer) == ["A001", "A002", "A003"]
    assert states(db) == ["printed"] * 3
    with db.read() as session:
        changes = [json.loads(e.data)["printer"]["condition"]
                   for e in session.exec(select(Event).where(Event.type == "printer.status").order_by(Event.seq))]
    assert changes == ["online", "paper_out", "online"]


def test_a_printer_that_goes_dark_during_a_job_fails_it_and_never_sends_it_again(db, printer):
    printer_id = point_demo_printer(db, f"tcp://{printer.host}:{printer.port}")
    issued = issue(db)

    class SwitchedOffDuringTheJob(NetworkTransport):
        # The socket takes every byte; the printer is gone by the time the job is over.
        def send(self, job_name, data, preview):
            super().send(job_name, data, preview)
            printer.silent = True

    with db.write() as session:
        claimed = jobs.claim_due(session, printer_id, utcnow())
        rendered = jobs.render_job(session, claimed, PUBLIC_URL)
    outcome, error, condition = print_one(SwitchedOffDuringTheJob(printer.host, printer.port), rendered)
    assert (outcome, condition) == ("uncertain", "no_answer") and "no_answer" in error
    with db.write() as session:
        jobs.record_outcome(session, issued.print_job_id, outcome, utcnow(), error)

    printer.silent = False
    poll_status(db, printer_id)
    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 0
    assert states(db) == ["failed"]


def test_a_printer_that_does_not_answer_is_not_out_of_paper(db, printer):
    printer_id = point_demo_printer(db, f"tcp://{printer.host}:{printer.port}")
    printer.silent = True
    assert poll_status(db, printer_id) == "no_answer"
    printer.silent = False
    printer.paper_near_end = True
    assert poll_status(db, printer_id) == "paper_near_end"
    issue(db)
    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 1  # a roll near its end still prints


def log_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10, headers={"Accept-Language": "en"})
    assert staff_login(client, "clerk").status_code == 303
    return client


def test_the_server_restarts_with_jobs_queued_and_prints_each_once(tmp_path, printer):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'restart.db'}")
    port = free_port()
    switched_off = f"tcp://127.0.0.1:{free_port()}"
    settings = make_settings(url, port, demo_printer=switched_off, printer_status_interval_s=0.2,
                             print_retry_poll_s=0.2)
    with LiveServer(settings, port) as server, httpx.Client(base_url=server.url, timeout=10) as kiosk:
        for service in ("advice", "housing", "advice"):
            assert kiosk.post("/kiosk/demo/tickets", data={"service": service}).status_code == 201
        db = Database(url)
        wait_until(lambda: all(j.attempts for j in db_jobs(db)), what="a first attempt at each job")
    # One more job was being sent when the server stopped: whether it printed is unknown.
    with db.write() as session:
        cut_off = queue.issue_ticket(session, "demo", "payments", "fi", now=utcnow() - timedelta(minutes=5))
        jobs.claim_due(session, session.get(PrintJob, cut_off.print_job_id).printer_id,
                       utcnow() - timedelta(minutes=5))
    assert sorted(states(db)) == ["queued", "queued", "queued", "sent"]

    restarted = make_settings(url, port, demo_printer=f"tcp://{printer.host}:{printer.port}",
                              printer_status_interval_s=0.2, print_retry_poll_s=0.2)
    with LiveServer(restarted, port):
        printer.wait_for_tickets(3, timeout=10)
        wait_until(lambda: "sent" not in states(db), what="the cut-off job to be settled")
        time.sleep(1)  # several more rounds of the worker: anything printed twice would show now
    assert sorted(numbers_on_paper(printer)) == ["A001", "A002", "B001"]
    assert Tally(states(db)) == {"printed": 3, "failed": 1}
    with db.read() as session:
        assert "may not have printed" in session.get(PrintJob, cut_off.print_job_id).error
    db.dispose()


def db_jobs(db) -> list[PrintJob]:
    with db.read() as session:
        return list(session.exec(select(PrintJob)))


def test_every_counter_shows_a_printer_warning_at_once_and_can_reprint(tmp_path, printer):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'warn.db'}")
    port = free_port()
    settings = make_settings(url, port, demo_printer=f"tcp://{printer.host}:{printer.port}",
                             printer_status_interval_s=0.2)
    with LiveServer(settings, port) as server:
        clerk = log_in(server.url)
        try:
            assert clerk.post("/counter/open", data={"counter": "1", "service": ["advice"]}).status_code == 303
            cookie = "; ".join(f"{k}={v}" for k, v in clerk.cookies.items())
            with connect(f"{server.ws_url}/counter/ws?lang=en", additional_headers={"Cookie": cookie}) as ws:
                first = recv_push(ws)
                assert 'id="printer-warnings"' in first and "Out of paper" not in first
                printer.paper_out = True
                pushed = wait_until(lambda: (m := recv_push(ws)) and "Out of paper" in m and m,
                                    what="a pushed warning")
                assert "Printer kiosk-1" in pushed
                printer.paper_out, printer.paper_near_end = False, True
                wait_until(lambda: "Paper is running low" in recv_push(ws), what="a near-end warning")

            ticket = httpx.post(f"{server.url}/kiosk/demo/tickets", data={"service": "advice"}).text
            printer.wait_for_tickets(1, timeout=10)
            called = clerk.post("/counter/call-next", data={"counter": "1"}, headers={"HX-Request": "true"})
            assert "A001" in called.text and "Print the ticket again" in called.text
            public_id = called.text.split('name="ticket" value="')[1].split('"')[0]
            again = clerk.post("/counter/reprint", data={"ticket": public_id},
                               headers={"HX-Request": "true", "HX-Target": "current"})
            assert again.status_code == 200 and "printing again on kiosk-1" in again.text
            printer.wait_for_tickets(2, timeout=10)
            assert numbers_on_paper(printer) == ["A001", "A001"]
            assert "A001" in ticket
        finally:
            clerk.close()
