"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import server.models  # noqa: F401  (registers the tables)
from server.migrate import upgrade


def test_the_migrated_schema_matches_the_models(database_url):
    upgrade(database_url)
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []


@pytest.mark.postgres
def test_workers_starting_together_create_the_demo_printer_once(tmp_path):
    """`luukku serve --workers N` in demo mode: every worker sets up the demo printer at start."""
    import threading

    from sqlmodel import select

    from server.db import Database
    from server.demo import ensure_demo_printer, seed_demo
    from server.migrate import upgrade
    from server.models import Printer
    from tests.conftest import _pg_available, postgres_database

    if reason := _pg_available():
        pytest.skip(reason)
    with postgres_database() as url:
        upgrade(url)
        setup = Database(url)
        with setup.write() as session:
            seed_demo(session, "pw")  # no printer yet
        setup.dispose()
        workers = [Database(url) for _ in range(4)]
        start, failures = threading.Barrier(4), []

        def starting(db):
            start.wait()
            try:
                ensure_demo_printer(db, f"file:{tmp_path}", "TM-T88V")
            except Exception as exc:  # what a failed worker start would be
                failures.append(exc)

        threads = [threading.Thread(target=starting, args=(db,)) for db in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        with workers[0].read() as session:
            printers = list(session.exec(select(Printer)))
        for db in workers:
            db.dispose()
    assert failures == [] and len(printers) == 1


def test_a_database_in_use_goes_down_to_0005_and_up_again_with_its_rows(db):
    """SQLite alters a table by copying it: with rows pointing at staff users and counters, the
    copy must not trip the foreign keys (server/migrations/env.py), and nothing may be lost."""
    from alembic import command

    from server import counters, customers, queue
    from server.migrate import alembic_config
    from server.models import Counter, Event, StaffUser, Ticket

    with db.write() as session:
        clerk = session.exec(sa.select(StaffUser).where(StaffUser.username == "clerk")).scalar_one()
        desk = queue.site_counters(session, queue.get_site(session, "demo"))[0]
        counters.open_counter(session, desk.id, clerk.id, ["advice"])
        ticket = queue.issue_ticket(session, "demo", "advice", "fi").ticket
        counters.call_next(session, desk.id, clerk.id)
        counters.start_serving(session, ticket.public_id, clerk.id)
        counters.finish(session, ticket.public_id, clerk.id)
        customers.create(session, {"kind": "person", "segment": "resident", "name": "Testi", "phone": "0401234567",
                                   "preferred_channel": "phone", "lang": "fi"}, clerk.id)

    def counts():
        with db.read() as session:
            return [session.scalar(sa.select(sa.func.count()).select_from(model))
                    for model in (StaffUser, Counter, Ticket, Event)]

    before = counts()
    db.engine.dispose()
    command.downgrade(alembic_config(db.url), "0005")
    upgrade(db.url)
    db.engine.dispose()
    assert counts() == before
    with db.read() as session:
        assert session.get(Counter, desk.id).staff_user_id == clerk.id
