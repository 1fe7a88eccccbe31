"""What a worker keeps of a site between its events (server/site_memory.py): issuing reads almost
nothing, and still every change of the settings reaches the very next ticket."""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import select

from printers import jobs, setup
from server import config, devices, queue, site_memory
from server.errors import Conflict, NotFound
from server.models import Device, Printer, PrintJob, Service, Site, Ticket

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)  # a Monday, 11.00 in Helsinki


def issue(db, service="advice", now=NOW, **kw):
    with db.write() as session:
        return queue.issue_ticket(session, "demo", service, "fi", now=now, **kw)


def demo_site(session) -> Site:
    return queue.get_site(session, "demo")


def test_a_new_ticket_carries_every_column_its_row_has(db):
    assert {f.name for f in fields(queue.NewTicket)} == set(Ticket.__table__.columns.keys())
    issue(db)  # the second one comes from what the first left
    issued = issue(db, "housing", now=NOW + timedelta(seconds=1))
    with db.read() as session:
        row = session.get(Ticket, issued.ticket.id)
        job = session.get(PrintJob, issued.print_job_id)
    assert {name: getattr(issued.ticket, name) for name in Ticket.__table__.columns.keys()} == row.model_dump()
    assert row.told_wait_min == issued.estimated_wait_min and job.estimated_wait_min == issued.estimated_wait_min
    assert job.people_ahead == issued.people_ahead and job.state == "queued" and job.printer_id is not None


def test_issuing_from_what_was_kept_reads_only_the_sites_event_number(db):
    issue(db)
    statements = []

    def seen(_conn, _cursor, statement, *_rest):
        statements.append(statement.split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        issue(db, now=NOW + timedelta(seconds=1))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    selects = [s for s in statements if s == "SELECT"]
    # The site's event number and the people ahead: no settings, no hours, no queue read again.
    assert len(selects) == 2, statements


def test_a_change_of_the_settings_reaches_the_next_ticket(db):
    issue(db)
    with db.write() as session:  # the service closed for tickets
        service = config.get_service(session, demo_site(session), "advice")
        service.active = False
        session.add(service)
        config.config_changed(session, None, demo_site(session), "config.service.save", f"service:{service.id}")
    with pytest.raises(NotFound):
        issue(db, now=NOW + timedelta(seconds=1))
    issue(db, "housing", now=NOW + timedelta(seconds=2))
    with db.write() as session:  # closed today
        config.set_exception(session, None, demo_site(session), "2026-05-04", "closed")
    with pytest.raises(Conflict):
        issue(db, "housing", now=NOW + timedelta(seconds=3))


def test_a_kiosks_new_printer_and_a_printers_condition_reach_the_next_ticket(db):
    first = issue(db)
    with db.write() as session:
        site = demo_site(session)
        other = setup.save_printer(session, site, "hall", "tcp://127.0.0.1:9", "TM-T88V")
        kiosk = session.exec(select(Device).where(Device.site_id == site.id, Device.kind == "kiosk")).first()
        devices.save_device(session, 1, site, {"name": kiosk.name, "printer": "hall"}, kiosk.id)
    moved = issue(db, device=kiosk.name, now=NOW + timedelta(seconds=1))
    assert moved.print_job["printer"]["id"] == other.id != first.print_job["printer"]["id"]
    with db.write() as session:
        jobs.set_condition(session, session.get(Printer, other.id), "paper_out", NOW)
    after = issue(db, device=kiosk.name, now=NOW + timedelta(seconds=2))
    assert after.printer_condition == "paper_out"


def test_a_change_made_outside_the_application_is_seen_after_a_while(db):
    issue(db)
    with db.write() as session:  # no event: an edit straight in the database
        session.execute(sa.update(Service).where(Service.code == "advice").values(prefix="Q"))
    assert issue(db, now=NOW + timedelta(seconds=1)).ticket.number.startswith("A")
    later = issue(db, now=NOW + timedelta(seconds=site_memory.KEPT_S + 1))
    assert later.ticket.number.startswith("Q")


def test_the_estimates_of_a_moment_are_replayed_once_for_every_screen_and_again_after_an_event(db, monkeypatch):
    # Every counter screen and kiosk of a site asks for the same estimates after each event, each in a
    # thread of its own: one replay answers them all, and the next event (or minute) asks for a new one.
    from server import counters, estimate
    from server.models import StaffUser

    with db.write() as session:
        clerk = session.exec(select(StaffUser).where(StaffUser.username == "clerk")).one()
        counters.open_counter(session, 3, clerk.id, ["advice"], now=NOW)
    for _ in range(3):
        issue(db)
    replays = []
    real_queue_now = estimate.QueueNow

    class CountedQueueNow(real_queue_now):
        def __init__(self, *args):
            replays.append(args[2])
            time.sleep(0.2)  # a long queue's replay: the other screens arrive while it runs
            super().__init__(*args)

    monkeypatch.setattr(estimate, "QueueNow", CountedQueueNow)

    def ask(now=NOW, which=None):
        with db.read() as session:
            site = demo_site(session)
            services = queue.active_services(session, site)
            return queue.estimates(session, site, services[:which] if which else services, now)

    def phones_waits():  # what the phones following their tickets are pushed, read after each event
        with db.read() as session:
            site = demo_site(session)
            return estimate.replayed(session, site, NOW, queue.local_day(site, NOW)).waits

    # Screens asking for some services only (the guide asks for one) share the one replay too.
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda n: ask(which=n % 2 or None), range(8)))
        waits = pool.submit(phones_waits).result()
    assert len(replays) == 1 and all(a == answers[0] for a in answers[0::2])
    assert all(a == {k: answers[0][k] for k in a} for a in answers[1::2])
    assert len(waits) == 3
    issue(db)  # an event: the next ask replays the queue with the new ticket in it
    after = ask()
    assert len(replays) == 2 and after != answers[0]
    ask(NOW + timedelta(minutes=1))  # the clock moved on a minute: replayed too
    assert len(replays) == 3
