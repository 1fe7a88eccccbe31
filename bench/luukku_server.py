"""A Luukku server for benchmarks, started as production starts it (``python -m server.cli serve``),
on a copy of a migrated demo database, and what its processes cost, read from /proc.

The server runs the application's files as committed (``export_commit``), not the checkout's: others
may be editing those meanwhile, and the figures should belong to one commit. This module imports
none of them itself; the database is seeded by a process running the same files as the server.
"""

import io
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
APP = ["server", "kiosk", "display", "counter", "printers", "pyproject.toml"]  # what a server runs
PG_ADMIN_URL = os.environ.get("LUUKKU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-demo-password"  # the demo users' (admin, clerk, expert)
TICK = os.sysconf("SC_CLK_TCK")


# --- the database and the server --------------------------------------------------------------


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout


def export_commit(into: Path, commit: str = "HEAD") -> str:
    """Writes the application's files as of ``commit`` into ``into``; returns the commit's short name."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, *APP],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return git("rev-parse", "--short", commit).strip()


def uncommitted() -> list[str]:
    """The application's files in the checkout that differ from its last commit."""
    return [line[3:] for line in git("status", "--porcelain", "--", *APP).splitlines() if line.strip()]


def code_to_measure(into: Path, worktree: bool, commit: str = "HEAD") -> str:
    """The application a benchmark runs, at ``into``: the checkout's files as they are (``worktree``),
    or those of ``commit``. Returns which, as the reports name it."""
    if not worktree:
        return export_commit(into, commit)
    into.symlink_to(ROOT)
    changed = uncommitted()
    return git("rev-parse", "--short", "HEAD").strip() + (
        f" with uncommitted changes to {', '.join(changed)}" if changed else "")


def environment(code: Path, **settings: str) -> dict[str, str]:
    """This process's environment without its LUUKKU_ settings (defaults, unless given), running ``code``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("LUUKKU_")}
    return {**inherited, "PYTHONPATH": str(code), **{f"LUUKKU_{k.upper()}": v for k, v in settings.items()}}


SEED = """
import sys
from server.db import Database
from server.demo import seed_demo, set_demo_printer
from server.migrate import upgrade

url, prints, password, printer = sys.argv[1:]
upgrade(url)
db = Database(url)
with db.write() as session:
    seed_demo(session, password)
    set_demo_printer(session, printer, "TM-T88V")
if db.is_sqlite:
    with db.engine.connect() as connection:  # everything into the main file, to copy it
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
db.dispose()
"""


def seed(code: Path, url: str, prints: Path, printer: str | None = None) -> None:
    """Migrates and seeds the demo site, its printer included, as tests/conftest.py does: a server's
    workers that each create the missing printer at start can collide (see docs/PERFORMANCE.md).
    The printer prints into the directory ``prints``, or has the connection ``printer``."""
    subprocess.run([sys.executable, "-c", SEED, url, str(prints), PASSWORD, printer or f"file:{prints}"],
                   cwd=prints.parent, env=environment(code), check=True)


def require_postgresql(program: str) -> None:
    """Exits with a message saying what to do when the PostgreSQL server at LUUKKU_TEST_PG is not there."""
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        sys.exit(f"{program}: PostgreSQL at {PG_ADMIN_URL} is not reachable ({exc.__class__.__name__}); "
                 "start it (scripts/test does where it can) or point LUUKKU_TEST_PG at one")


def pg_url(name: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+psycopg://')}/{name}"


@contextmanager
def pg_database(template: str | None = None):
    """A fresh PostgreSQL database (a copy of ``template``, or empty), dropped afterwards."""
    name = f"luukku_bench_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """``python -m server.cli serve`` in a process of its own, with its worker processes."""

    def __init__(self, code: Path, url: str, workers: int, scratch: Path, prints: Path, **settings: str):
        """``settings``: LUUKKU_ settings beyond the demo's (their names in lower case, without the prefix)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = scratch / "server.log"
        self.database_url = url
        self.workers = workers
        env = environment(code, **{"database_url": url, "demo": "true", "demo_password": PASSWORD,
                                   "secret_key": secrets.token_hex(32), "demo_printer": f"file:{prints}",
                                   "speech_dir": str(scratch / "speech"), **settings})
        command = [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(workers)]
        with self.log.open("wb") as log:  # cwd: no .env of the checkout is read
            self.process = subprocess.Popen(command, cwd=scratch, env=env, stdout=log, stderr=log)

    def wait_until_serving(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)

    def pids(self) -> list[int]:
        """The server and its descendants (uvicorn's workers, multiprocessing's helper)."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                pass
        return found

    def worker_pids(self) -> list[int]:
        """The processes that serve: the server itself with one worker, else uvicorn's worker processes
        (multiprocessing's children started by ``spawn_main``; not its resource tracker)."""
        if self.workers == 1:
            return [self.process.pid]
        found = []
        for pid in self.pids():
            try:
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:
                pass
        return found

    def log_problems(self) -> list[str]:
        """Warnings and errors in the server's log; of a traceback, the exception it ended with."""
        problems, lines = [], self.log.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if "ERROR" in line or "WARNING" in line:
                problems.append(line.strip())
            elif line.startswith("Traceback"):
                end = next((j for j in range(i + 1, len(lines)) if not lines[j].startswith(" ")), i)
                problems.append(f"traceback ending {lines[end].strip()}")
        return problems

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- what the processes cost: /proc ------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system time of ``pid`` so far (fields 14 and 15 of /proc/PID/stat); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_cpu_seconds() -> float:
    """CPU time all processes on the machine have used so far (the busy fields of /proc/stat's cpu line)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / TICK


def wait_until_quiet(max_wait_s: float, busy_cpus: float = 0.2, window_s: float = 5.0) -> bool:
    """Waits until the machine's processes use less than ``busy_cpus`` CPUs over ``window_s`` (someone
    else's test run would skew the figures), at most ``max_wait_s``; False if it never was."""
    deadline = time.monotonic() + max_wait_s
    while True:
        before = machine_cpu_seconds()
        time.sleep(window_s)
        if machine_cpu_seconds() - before < busy_cpus * window_s:
            return True
        if time.monotonic() > deadline:
            return False


def peak_rss_kb(pid: int, field: str = "VmHWM") -> int:
    """The process's peak resident memory so far, in KiB (``field="VmRSS"``: its resident memory now)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def screens_per_worker(pids: list[int], port: int, client_ports: set[int]) -> list[int]:
    """How many of the screens' connections (from ``client_ports`` to ``port``) each process holds."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        columns = line.split()
        local, remote = (int(address.rsplit(":", 1)[1], 16) for address in columns[1:3])
        if local == port and remote in client_ports and columns[3] == "01":
            inodes.add(columns[9])
    counts = []
    for pid in pids:
        links = []
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                links.append(os.readlink(fd))
            except OSError:
                pass
        count = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in inodes)
        if count:
            counts.append(count)
    return sorted(counts, reverse=True)


def connected_ports(port: int) -> set[int]:
    """The client ends (their ports) of the established connections to ``port`` on loopback: every
    client's, for ``screens_per_worker`` when the clients come and go."""
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        columns = line.split()
        local, remote = (int(address.rsplit(":", 1)[1], 16) for address in columns[1:3])
        if local == port and columns[3] == "01":
            ports.add(remote)
    return ports


def postmaster_pid() -> int | None:
    """The PostgreSQL server's main process, if it runs on this machine (the parent of our backend)."""
    with psycopg.connect(PG_ADMIN_URL) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        try:
            status = Path(f"/proc/{backend}/status").read_text()
        except OSError:
            return None  # another machine's
    parent = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
    return parent if Path(f"/proc/{parent}/comm").read_text().strip() == "postgres" else None


def sessions_opened(database: str) -> int:
    """Connections PostgreSQL has accepted to ``database`` so far (each backend reports its own within
    about a second, or when it ends)."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        row = conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", (database,)).fetchone()
    return row[0] if row else 0


def family_cpu_seconds(pid: int) -> float:
    """CPU time of ``pid``, of its children alive now, and of those it has waited for (fields 16 and
    17 of /proc/PID/stat): the difference of two readings counts every child's work in between, a
    child that came and went meanwhile too (PostgreSQL starts a process per connection)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = sum(int(f) for f in fields[11:15]) / TICK
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return own + sum(cpu_seconds(int(child)) for child in children)


@contextmanager
def demo_database(kind: str, templates: dict[str, str], scratch: Path):
    """A copy of the migrated demo database: its URL, and the PostgreSQL database's name (or None)."""
    if kind == "sqlite":
        shutil.copyfile(templates["sqlite"], scratch / "luukku.db")
        yield f"sqlite:///{scratch / 'luukku.db'}", None
        return
    with pg_database(templates["postgresql"]) as name:
        yield pg_url(name), name
