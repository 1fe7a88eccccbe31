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
