"""/healthz: the readiness probe asks the database (server/web/health.py)."""

import time

import httpx
import psycopg
import pytest
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL, LiveServer, free_port, make_settings, prepare_demo_database


def test_a_server_whose_database_answers_is_ok(live_server):
    answer = httpx.get(f"{live_server.url}/healthz")
    assert (answer.status_code, answer.text) == (200, "ok")


def test_a_database_that_does_not_answer_in_time_makes_it_503_within_seconds(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'health.db'}")
    port = free_port()
    settings = make_settings(url, port, db_pool_size=1, db_max_overflow=0)
    with LiveServer(settings, port) as server:
        # The worker's only connection is taken: asking the database now waits for it.
        with server.app.state.db.engine.connect():
            started = time.monotonic()
            answer = httpx.get(f"{server.url}/healthz", timeout=10)
            took = time.monotonic() - started
        assert (answer.status_code, answer.text) == (503, "database did not answer within 2 s")
        assert took < 4
        assert httpx.get(f"{server.url}/healthz").status_code == 200  # and ready again once it answers


@pytest.mark.postgres
def test_on_postgresql_it_says_the_bus_listens_and_answers_503_once_the_database_is_gone(pg_url):
    name = sa.make_url(pg_url).database
    port = free_port()
    with LiveServer(make_settings(pg_url, port), port) as server:
        answer = httpx.get(f"{server.url}/healthz")
        assert (answer.status_code, answer.text) == (200, "ok\nevent bus: listening")

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            # Every connection cut (a restarted database): the pool notices and connects again.
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            answer = httpx.get(f"{server.url}/healthz")
            assert answer.status_code == 200 and answer.text.startswith("ok\n")

            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        answer = httpx.get(f"{server.url}/healthz", timeout=10)
        # A short reason, and neither the address nor the database's own words.
        assert (answer.status_code, answer.text) == (503, "database unavailable")
