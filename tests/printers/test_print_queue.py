"""The print-job queue (printers/jobs.py) against real databases: each test on SQLite and PostgreSQL."""

import json
import threading
from datetime import timedelta

import pytest
from sqlmodel import select

from printers import jobs
from server import counters, queue
from server.errors import Conflict, NotFound
from server.models import Device, Event, Printer, PrintJob, StaffUser, utcnow


def issue(db, service="advice", **kw):
    with db.write() as session:
        return queue.issue_ticket(session, "demo", service, "fi", **kw)


def job(db, job_id) -> PrintJob:
    with db.read() as session:
        return session.get(PrintJob, job_id)


def demo_printer(db) -> Printer:
    with db.read() as session:
        return session.exec(select(Printer).where(Printer.name == "kiosk-1")).one()


def claim(db, printer_id, now=None):
    with db.write() as session:
        return jobs.claim_due(session, printer_id, now or utcnow())


def outcome(db, job_id, result, now=None, error=None):
    with db.write() as session:
        return jobs.record_outcome(session, job_id, result, now or utcnow(), error)


def a_clerk(db) -> int:
    with db.write() as session:
        user = StaffUser(username="reprinter", display_name="Rita", password_hash="-")
        session.add(user)
        session.flush()
        return user.id


def test_a_ticket_and_its_job_for_the_kiosks_printer_are_written_together(db):
    issued = issue(db)
    printer = demo_printer(db)
    queued = job(db, issued.print_job_id)
    assert (queued.state, queued.printer_id, queued.ticket_id) == ("queued", printer.id, issued.ticket.id)
    assert queued.people_ahead == issued.people_ahead and queued.next_attempt_at <= utcnow()
    assert issued.printer_condition == "unknown"


def test_a_ticket_whose_transaction_fails_leaves_no_job(db):
    with pytest.raises(RuntimeError), db.write() as session:
        queue.issue_ticket(session, "demo", "advice", "fi")
        raise RuntimeError("the transaction is rolled back")
    with db.read() as session:
        assert session.exec(select(PrintJob)).all() == []


def test_a_named_kiosk_prints_on_its_own_printer_and_an_unknown_kiosk_is_refused(db):
    with db.write() as session:
        site = queue.get_site(session, "demo")
        hall = Printer(site_id=site.id, name="hall", connection="tcp://10.0.0.9:9100")
        session.add(hall)
        session.flush()
        session.add(Device(site_id=site.id, name="entrance", printer_id=hall.id))
    assert job(db, issue(db, device="entrance").print_job_id).printer_id == hall.id
    assert job(db, issue(db).print_job_id).printer_id == demo_printer(db).id  # the first kiosk's
    with pytest.raises(NotFound):
        issue(db, device="nowhere")


def test_without_a_printer_the_job_fails_at_once_so_the_kiosk_shows_the_ticket(db):
    with db.write() as session:
        for device in session.exec(select(Device)):
            session.delete(device)
        session.flush()
        for printer in session.exec(select(Printer)):
            session.delete(printer)
    issued = issue(db)
    assert issued.printer_condition == "none"
    assert job(db, issued.print_job_id).state == "failed"


def test_a_job_is_claimed_once_and_in_order(db):
    first, second = issue(db), issue(db)
    printer = demo_printer(db)
    claimed = claim(db, printer.id)
    assert claimed.id == first.print_job_id and claimed.state == "sent" and claimed.attempts == 1
    assert claim(db, printer.id).id == second.print_job_id
    assert claim(db, printer.id) is None


def test_many_workers_claiming_at_once_claim_every_job_exactly_once(db):
    ids = {issue(db).print_job_id for _ in range(40)}
    printer = demo_printer(db)
    claimed: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def worker():
        start.wait()
        while (got := claim(db, printer.id)) is not None:
            with lock:
                claimed.append(got.id)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(claimed) == sorted(ids)  # none twice, none left


def test_not_printed_goes_back_to_the_queue_with_a_growing_wait(db):
    issued = issue(db)
    printer = demo_printer(db)
    now = utcnow()
    waits = []
    for attempt in range(1, 9):
        at = now + timedelta(minutes=attempt * 2)
        claimed = claim(db, printer.id, at)
        assert claimed.attempts == attempt
        back = outcome(db, issued.print_job_id, "not_printed", at, "Printer not ready: paper_out")
        assert back.state == "queued" and back.error == "Printer not ready: paper_out"
        waits.append((back.next_attempt_at - at).total_seconds())
        assert claim(db, printer.id, at) is None  # not due before its wait is over
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]


def test_an_uncertain_outcome_fails_the_job_and_it_is_never_sent_again(db):
    issued = issue(db)
    printer = demo_printer(db)
    claim(db, printer.id)
    failed = outcome(db, issued.print_job_id, "uncertain", error="Printer reported no_answer right after")
    assert failed.state == "failed"
    assert claim(db, printer.id, utcnow() + timedelta(hours=1)) is None


def test_a_late_or_repeated_answer_changes_nothing(db):
    issued = issue(db)
    printer = demo_printer(db)
    assert outcome(db, issued.print_job_id, "printed") is None  # never sent
    claim(db, printer.id)
    assert outcome(db, issued.print_job_id, "printed").state == "printed"
    assert outcome(db, issued.print_job_id, "not_printed") is None
    assert outcome(db, issued.print_job_id, "uncertain") is None
    assert job(db, issued.print_job_id).state == "printed"


def test_a_changed_condition_is_one_staff_event_and_a_printer_back_releases_its_jobs(db):
    issued = issue(db)
    printer = demo_printer(db)
    claim(db, printer.id)
    outcome(db, issued.print_job_id, "not_printed")
    for condition in ("paper_out", "paper_out", "online"):
        with db.write() as session:
            jobs.set_condition(session, printer, condition, utcnow())
    with db.read() as session:
        events = [json.loads(e.data) for e in session.exec(select(Event).where(Event.type == "printer.status"))]
    assert [(e["printer"]["condition"], e["previous"]) for e in events] == [
        ("paper_out", "unknown"), ("online", "paper_out")]
    assert all(e["audience"] == "staff" for e in events)
    # Back online: the job is due now, not after its backoff.
    assert claim(db, printer.id).id == issued.print_job_id


def test_a_job_left_sent_by_a_stopped_server_fails_instead_of_printing_twice(db):
    sent_at = utcnow() - timedelta(seconds=jobs.SENT_STALE_S + 5)
    issued = issue(db, now=sent_at)
    printer = demo_printer(db)
    claim(db, printer.id, sent_at)
    with db.write() as session:
        assert jobs.fail_stale(session, utcnow(), [printer.id])[0].id == issued.print_job_id
    stale = job(db, issued.print_job_id)
    assert stale.state == "failed" and "may not have printed" in stale.error


def test_a_job_being_sent_right_now_is_not_taken_for_stale(db):
    issued = issue(db)
    printer = demo_printer(db)
    claim(db, printer.id)
    with db.write() as session:
        assert jobs.fail_stale(session, utcnow(), [printer.id]) == []
    assert job(db, issued.print_job_id).state == "sent"


def test_a_job_of_a_visit_that_has_ended_is_not_printed(db):
    issued = issue(db)
    clerk = a_clerk(db)
    with db.read() as session:
        counter = queue.site_counters(session, queue.get_site(session, "demo"))[0]
    with db.write() as session:
        counters.open_counter(session, counter.id, clerk, ["advice"])
    with db.write() as session:
        counters.call_next(session, counter.id, clerk)
    with db.write() as session:
        counters.start_serving(session, issued.ticket.public_id, clerk)
    with db.write() as session:
        counters.finish(session, issued.ticket.public_id, clerk)
    with db.write() as session:
        claimed = jobs.claim_due(session, demo_printer(db).id, utcnow())
        assert jobs.fail_ended_visit(session, claimed, utcnow())
    ended = job(db, issued.print_job_id)
    assert ended.state == "failed" and "finished" in ended.error


def test_staff_reprint_a_lost_ticket_and_the_history_says_who(db):
    issued = issue(db)
    clerk = a_clerk(db)
    with db.write() as session:
        again = queue.reprint_ticket(session, issued.ticket.public_id, clerk)
    assert again.id != issued.print_job_id and again.reprint and again.requested_by == clerk
    assert again.printer_id == demo_printer(db).id and again.state == "queued"
    with db.read() as session:
        [event] = session.exec(select(Event).where(Event.type == "ticket.reprinted")).all()
        history = queue.ticket_history(session, queue.get_ticket(session, issued.ticket.public_id))
    assert event.staff_user_id == clerk and json.loads(event.data)["audience"] == "staff"
    assert [h["type"] for h in history] == ["ticket.issued", "ticket.reprinted"]


def test_a_closed_or_unknown_ticket_is_not_reprinted(db):
    clerk = a_clerk(db)
    with pytest.raises(NotFound), db.write() as session:
        queue.reprint_ticket(session, "no-such-ticket", clerk)
    issued = issue(db)
    with db.write() as session:
        queue.close_day(session, queue.get_site(session, "demo"), utcnow() + timedelta(days=1))
    with pytest.raises(Conflict), db.write() as session:
        queue.reprint_ticket(session, issued.ticket.public_id, clerk)


def test_a_device_token_is_stored_as_a_hash_and_stops_working_when_revoked(db):
    with db.write() as session:
        device = session.exec(select(Device).where(Device.name == "kiosk-1")).one()
        printer = session.get(Printer, device.printer_id)
        printer.connection = "agent"
        session.add(printer)
        token = jobs.issue_token(session, device, utcnow())
    assert len(token) == 64 and not token.startswith("-")  # 256 random bits
    with db.write() as session:
        stored = session.exec(select(Device).where(Device.name == "kiosk-1")).one()
        assert token not in (stored.token_hash or "") and stored.token_hash == jobs.token_hash(token)
        found_device, found_printer = jobs.agent_printer(session, token, utcnow())
        assert (found_device.name, found_printer.name) == ("kiosk-1", "kiosk-1")
        assert jobs.agent_printer(session, token + "x", utcnow()) is None
        assert jobs.agent_printer(session, "", utcnow()) is None
        jobs.revoke_token(session, stored, utcnow())
    with db.write() as session:
        assert jobs.agent_printer(session, token, utcnow()) is None
