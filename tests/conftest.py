"""Shared fixtures: real databases (SQLite files, the local PostgreSQL), a real uvicorn on loopback."""

import atexit
import functools
import io
import itertools
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from argon2 import PasswordHasher
from sqlmodel import select

from server import queue
from server.db import Database
from server.demo import seed_demo, set_demo_printer
from server.migrate import upgrade
from server.models import StaffUser
from server.settings import Settings
from server.web.app import create_app

# Under CI=true a test that would be skipped for a missing part fails instead (tests/ci.py).
pytest_plugins = ["tests.ci"]

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("LUUKKU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "demo-password"
_LIGHT_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no server to test against here
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else exc.__class__.__name__
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({detail}); scripts/test starts it where it can"


class _PostgresDatabases:
    """Fresh PostgreSQL databases for the tests, made and dropped off the tests' time.

    A copy of a database takes about a second on a machine busy with the rest of the suite (PostgreSQL
    writes its 10 MB, mostly the system catalogues), its drop half a second, and some 420 tests each
    waited for both: 550 s of the suite's 3,500. So one spare copy of each template is made ahead
    while a test runs, and drops happen meanwhile too, in one thread of this process, all of it
    finished when the tests are (``close``)."""

    def __init__(self):
        self._work = ThreadPoolExecutor(1, thread_name_prefix="pg-databases")
        self._spares: dict[str, Future] = {}

    def _create(self, template: str | None) -> str:
        import psycopg

        name = f"luukku_test_{secrets.token_hex(6)}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def _drop(self, name: str) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def take(self, template: str | None) -> str:
        if template is None:  # an empty database: rare, made at once
            return self._create(None)
        spare = self._spares.pop(template, None)
        name = spare.result() if spare is not None else self._create(template)
        self._spares[template] = self._work.submit(self._create, template)
        return name

    def give_back(self, name: str) -> None:
        self._work.submit(self._drop, name)

    def forget(self, template: str) -> None:
        """Before the template itself is dropped: its spare, which a copy in progress would hold."""
        spare = self._spares.pop(template, None)
        if spare is not None:
            self._drop(spare.result())

    def close(self) -> None:
        for template in list(self._spares):
            self.forget(template)
        self._work.shutdown(wait=True)


_DATABASES = _PostgresDatabases()


def pytest_collection_finish(session):
    """The garbage collector's thresholds as they were before collecting (tests/__init__.py)."""
    import gc

    import tests

    gc.set_threshold(*tests.USUAL_THRESHOLDS)


def pytest_sessionfinish(session):
    _DATABASES.close()


@contextmanager
def postgres_database(template: str | None = None):
    """A fresh PostgreSQL database (empty, or a copy of ``template``), dropped afterwards."""
    name = _DATABASES.take(template)
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    try:
        yield f"{base}/{name}"
    finally:
        _DATABASES.give_back(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """The same storage test runs against a SQLite file and against the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'luukku.db'}"
        return
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    with postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_demo_template():
    """A migrated PostgreSQL database with the demo site, made once: tests get copies of it."""
    if _pg_available():
        yield None
        return
    with postgres_database() as url:
        prepare_demo_database(url)
        yield sa.make_url(url).database
        _DATABASES.forget(sa.make_url(url).database)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, tmp_path, postgres_demo_template):
    """A migrated database with the demo site: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        database = Database(prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}"))
        yield database
        database.dispose()
        return
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    with postgres_database(template=postgres_demo_template) as url:
        database = Database(url)
        yield database
        database.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def module_demo_url(request, tmp_path_factory, postgres_demo_template):
    """A demo database that a module's tests share, like ``db`` on SQLite and on PostgreSQL: a module
    fixture adds what they share (a catalogue, a simulated day) once, and they read it through
    ``shared``. Made for each test, such a fixture took a quarter of the suite's setup time."""
    if request.param == "sqlite":
        yield prepare_demo_database(f"sqlite:///{tmp_path_factory.mktemp('shared') / 'luukku.db'}")
        return
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    with postgres_database(template=postgres_demo_template) as url:
        yield url


@contextmanager
def shared(url: str, build):
    """``build(database)`` once on the database at ``url``, then (the database, what ``build``
    returned) for the tests that share it. That database refuses every change, so that they cannot
    change it under one another (SQLite's query_only; PostgreSQL's read-only transactions)."""
    writer = Database(url)
    try:
        built = build(writer)
    finally:
        writer.dispose()
    if url.startswith("sqlite"):
        database = Database(url)

        @sa.event.listens_for(database.engine, "connect")
        def refuse_changes(dbapi_connection, _record):
            dbapi_connection.execute("PRAGMA query_only = ON")
    else:
        options = {"options": "-c default_transaction_read_only=on"}
        database = Database(sa.make_url(url).update_query_dict(options).render_as_string(hide_password=False))
    try:
        yield database, built
    finally:
        database.dispose()


@pytest.fixture
def pg_url(postgres_demo_template):
    """A fresh PostgreSQL database with the demo site, dropped afterwards."""
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    with postgres_database(template=postgres_demo_template) as url:
        yield url


def _own_ports() -> itertools.cycle:
    """This test process's ports: each pytest-xdist worker (gw0, gw1, …) has 2,000 of 10000-29999 to
    itself, below Linux's ephemeral range (32768-60999) that ``bind(0)`` and outgoing connections
    draw from, so a port is never handed to two workers at once."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    first = 10_000 + (int(worker) % 10 if worker.isdigit() else 0) * 2_000
    start = first + secrets.randbelow(2_000)  # a rerun soon after does not meet its own TIME_WAITs
    return itertools.cycle([*range(start, first + 2_000), *range(first, start)])


_PORTS = _own_ports()
_PORTS_LOCK = threading.Lock()


def free_port() -> int:
    """A free port on 127.0.0.1 from this process's own range (one that something else listens on,
    such as RabbitMQ's 25672, is passed over)."""
    with _PORTS_LOCK:
        while True:
            port = next(_PORTS)
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port


class LiveServer:
    """The app under a real uvicorn on 127.0.0.1, in a thread of the test process."""

    def __init__(self, settings: Settings, port: int):
        self.settings = settings
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        self.app = create_app(settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning",
                                ws_per_message_deflate=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


class Uvicorn:
    """``luukku serve`` in a process of its own (with ``workers``, uvicorn's supervisor and its
    worker processes), on 127.0.0.1; ``serve_args`` go to ``luukku serve`` as well."""

    def __init__(self, url: str, port: int, scratch: Path, workers: int = 1, serve_args: tuple[str, ...] = (),
                 **settings: str):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        scratch.mkdir(parents=True, exist_ok=True)
        self.log = scratch / "uvicorn.log"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "LUUKKU_DATABASE_URL": url,
            "LUUKKU_DEMO": "false",
            "LUUKKU_SECRET_KEY": secrets.token_hex(32),
            "LUUKKU_DEMO_PRINTER": f"file:{scratch / 'prints'}",
            "LUUKKU_SPEECH_DIR": str(_speech_cache()),
            **{f"LUUKKU_{name.upper()}": value for name, value in settings.items()},
        }
        command = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(workers), *serve_args]
        with self.log.open("wb") as log:  # the process keeps its own copy of the descriptor
            self.process = subprocess.Popen(command, cwd=scratch, env=env, stdout=log, stderr=log)

    def wait_until_serving(self, timeout: float = 45) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def worker_pids(self) -> list[int]:
        """The worker processes of ``--workers`` (not multiprocessing's resource tracker)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        return [int(pid) for pid in children.split()
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def make_settings(database_url: str, port: int, **overrides) -> Settings:
    values = dict(
        database_url=database_url,
        demo_printer=f"file:{_scratch_folder('luukku-prints-')}",
        speech_dir=_speech_cache(),
        secret_key=secrets.token_hex(32),
        demo=True,
        demo_password=DEMO_PASSWORD,
        public_url=f"http://127.0.0.1:{port}",
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


def luukku(*args: str, **settings: str) -> subprocess.CompletedProcess:
    """``luukku *args`` with the settings ``LUUKKU_<NAME>=value`` and no other, as an installer runs it,
    but in this process: the command's own code without a new interpreter's 1.5 s of imports (27 of
    them made tests/test_cli.py the suite's slowest file). Its demo test runs the entry point itself."""
    from server import cli
    from server.settings import get_settings

    saved = {name: value for name, value in os.environ.items() if name.startswith("LUUKKU_")}
    for name in saved:
        del os.environ[name]
    os.environ.update({f"LUUKKU_{name.upper()}": value for name, value in settings.items()})
    get_settings.cache_clear()
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            cli.main(list(args))
    except SystemExit as exit:  # what the interpreter would do with it
        code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
        if isinstance(exit.code, str):
            print(exit.code, file=err)
    finally:
        for name in [name for name in os.environ if name.startswith("LUUKKU_")]:
            del os.environ[name]
        os.environ.update(saved)
        get_settings.cache_clear()
    return subprocess.CompletedProcess(["luukku", *args], code, out.getvalue(), err.getvalue())


def prepare_demo_database(url: str) -> str:
    """Migrates the database at ``url`` and seeds the demo site; a SQLite file is copied from a
    template made once per test run (migrating and hashing the demo passwords take a while)."""
    if url.startswith("sqlite:///"):
        shutil.copyfile(_sqlite_demo_template(), sa.make_url(url).database)
        return url
    _migrate_and_seed(url)
    return url


def _migrate_and_seed(url: str) -> None:
    upgrade(url)
    database = Database(url)
    with database.write() as session:
        seed_demo(session, DEMO_PASSWORD)
        # Jobs wait for a worker; a live server in demo mode points the printer at its own folder.
        set_demo_printer(session, f"file:{_scratch_folder('luukku-prints-')}", "TM-T88V")
        # The demo users' password hashed at a light cost: Argon2 reads the cost from the hash, and at
        # the application's (64 MiB, 3 passes) each of the suite's hundreds of logins took 0.3-1 s of
        # a busy machine. Accounts the tests make through the application get its own cost.
        light = _LIGHT_HASHER.hash(DEMO_PASSWORD)
        for user in session.exec(select(StaffUser)):
            user.password_hash = light
            session.add(user)
    if database.is_sqlite:
        with database.engine.connect() as connection:  # everything into the main file, to copy it
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()


def _scratch_folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def printed_files(settings: Settings, pattern: str, count: int = 1, timeout: float = 10) -> list[Path]:
    """The files the print worker wrote for a file-transport demo printer, once ``count`` are there."""
    folder = Path(settings.demo_printer.removeprefix("file:"))
    deadline = time.monotonic() + timeout
    while True:
        found = sorted(folder.glob(pattern))
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@functools.cache
def _speech_cache() -> Path:
    """One speech cache for the test run: each phrase is spoken by espeak-ng once."""
    return _scratch_folder("luukku-speech-")


def prepare_from_template(url: str, build) -> str:
    """``build(url)``'s database; a SQLite one is copied from a template that ``build`` made once per
    test process (the reports' simulated days took 1.5-3 s for each module that wanted them)."""
    if url.startswith("sqlite:///"):
        shutil.copyfile(_sqlite_template(build), sa.make_url(url).database)
        return url
    return build(url)


@functools.cache
def _sqlite_template(build) -> Path:
    path = _scratch_folder("luukku-template-") / "built.db"
    url = build(f"sqlite:///{path}")
    database = Database(url)
    with database.engine.connect() as connection:  # everything into the main file, to copy it
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


@functools.cache
def _sqlite_demo_template() -> Path:
    path = _scratch_folder("luukku-template-") / "demo.db"
    _migrate_and_seed(f"sqlite:///{path}")
    return path


@pytest.fixture
def live_server(tmp_path):
    """A migrated SQLite database with the demo site, served by uvicorn; tickets print to files."""
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'live.db'}")
    port = free_port()
    settings = make_settings(url, port, demo_printer=f"file:{tmp_path / 'prints'}", kiosk_return_s=2)
    with LiveServer(settings, port) as server:
        yield server


def staff_login(client: httpx.Client, username: str, password: str = DEMO_PASSWORD) -> httpx.Response:
    """Logs an httpx client in as a browser does: with the login form's token; afterwards the client
    sends the session's token as the header htmx sends it (server/web/csrf.py)."""
    form = client.get("/counter/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    response = client.post("/counter/login", data={"username": username, "password": password,
                                                   "csrf_token": token})
    if response.status_code == 303:
        page = client.get("/counter")
        client.headers["X-CSRF-Token"] = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
    return response


def last_seq(server) -> int:
    """The demo site's last event number, read from the database."""
    db = Database(server.settings.database_url)
    try:
        with db.read() as session:
            return queue.get_site(session, "demo").last_event_seq
    finally:
        db.dispose()


def pushes_until(ws, seq: int, timeout: float = 5) -> list[str]:
    """The pushes a screen gets until a heartbeat says it has seen event ``seq``."""
    pushes, deadline = [], time.monotonic() + timeout
    while True:
        message = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        if not message.startswith("{"):
            pushes.append(message)
        elif json.loads(message).get("seq", {}).get("demo", 0) >= seq:
            return pushes


def recv_push(ws, timeout: float = 5) -> str:
    """The next message on a live websocket that is not a heartbeat (server/web/live.py)."""
    deadline = time.monotonic() + timeout
    while True:
        message = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        if not message.startswith('{"type": "heartbeat"'):
            return message
