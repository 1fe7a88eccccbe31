"""A worker's memory over a long day (issue 24): closed connections are freed, and /metrics shows the
worker's memory and its garbage collections. A real uvicorn on loopback, in this process, so that the
server's objects can be counted."""

import gc
import os
import subprocess
import sys
import time
import types
import weakref
from contextlib import ExitStack

import httpx
from websockets.server import ServerProtocol
from websockets.sync.client import connect

from server import garbage, queue
from server.db import Database
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database, recv_push
from tests.web.test_metrics import key, samples


def server_connections() -> int:
    """The server's websocket connections whose objects are alive in this process: uvicorn speaks
    websockets through the websockets package's ServerProtocol (the test's clients are ClientProtocols)."""
    return sum(1 for o in gc.get_objects() if type(o) is ServerProtocol)


def test_closed_screens_are_freed_by_the_steady_full_collection(tmp_path):
    """A closed websocket's objects sit in reference cycles (its ServerProtocol's parser, a generator,
    holds the protocol), which only a full collection frees, and
    the thresholds set for live screens make Python's own full collections come after some 40 million
    allocations: never, in a day. Without the steady full collection (server/garbage.py) the
    connections of this test stay in memory."""
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'memory.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, gc_every_s=0.5), port) as server:
        assert gc.get_threshold() == garbage.THRESHOLD
        before = server_connections()
        with ExitStack() as screens:
            for _ in range(20):
                recv_push(screens.enter_context(connect(f"{server.ws_url}/display/demo/ws")))
            assert server_connections() >= before + 20
            # Screens live for hours: by then their objects are in the oldest generation. Collecting
            # the middle one moves them there now.
            gc.collect(1)
        deadline = time.monotonic() + 10
        while server_connections() > before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server_connections() == before
        full = garbage.pauses.count[2]
        assert full >= 1 and garbage.pauses.longest[2] > 0


def test_metrics_show_the_workers_memory_and_collections(live_server):
    got = samples(httpx.get(f"{live_server.url}/metrics").text)
    worker = str(os.getpid())  # the test's uvicorn runs in this process
    assert got[key("luukku_worker_resident_bytes", worker=worker)] > 20_000_000
    assert got[key("luukku_worker_open_files", worker=worker)] >= 3
    assert got[key("luukku_worker_threads", worker=worker)] >= 2
    assert got[key("luukku_worker_python_objects", worker=worker)] > 1_000
    assert got[key("luukku_worker_python_frozen_objects", worker=worker)] > 10_000
    assert got[key("luukku_worker_sqlite_bytes", worker=worker)] > 100_000  # the demo database's pages
    assert got[key("luukku_worker_malloc_in_use_bytes", worker=worker)] > 1_000_000
    assert got[key("luukku_worker_malloc_free_bytes", worker=worker)] >= 0
    for generation in "012":
        assert key("luukku_worker_gc_collections_total", worker=worker, generation=generation) in got
        assert got[key("luukku_worker_gc_pause_seconds_total", worker=worker, generation=generation)] >= 0
    assert got[key("luukku_worker_gc_collections_total", worker=worker, generation="0")] >= 1


def test_the_c_heaps_figures_follow_what_is_allocated_and_freed():
    before, _ = garbage.c_heap()
    rows = [bytes(2000) for _ in range(10_000)]  # larger than Python's own allocator takes: from glibc
    held, _ = garbage.c_heap()
    del rows
    after, free = garbage.c_heap()
    assert held - before >= 20_000_000 and abs(after - before) < 2_000_000 and free >= 0


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the checkout: its subprocesses import server

FRAGMENTED = """
import threading
from server import garbage

def rss_mb():
    return int(next(l for l in open('/proc/self/status') if l.startswith('VmRSS')).split()[1]) // 1024

kept, together = [], threading.Barrier(4)
def reading():  # what a database thread does with a large reading: rows made, a few kept, the rest freed
    rows = [bytes(2000) for _ in range(20000)]
    together.wait()  # all four at once, as in a rush: one after another, a thread takes the heap the last one left
    kept.extend(rows[::50])
before = rss_mb()
threads = [threading.Thread(target=reading) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
grown = rss_mb()
garbage.trim()
print(before, grown, rss_mb())
"""


def test_memory_that_threads_freed_goes_back_to_the_system():
    # In a process of its own: the test process's heap is not this test's to measure.
    result = subprocess.run([sys.executable, "-c", FRAGMENTED], capture_output=True, text=True, check=True,
                            cwd=ROOT)
    before, grown, trimmed = map(int, result.stdout.split())
    # 160 MB made by four threads, 3 MB of it kept: without the trim the heaps keep it all (measured:
    # 168 MB resident before and after).
    assert grown - before > 100
    assert trimmed - before < (grown - before) / 4, (before, grown, trimmed)


HEAPS = """
import ctypes, os, sys, tempfile, threading
from server import garbage

if sys.argv[1] == "one_heap":
    garbage.one_heap()
ready, done = threading.Barrier(5), threading.Event()

def database_thread():  # allocates beyond Python's small objects, in glibc's heap of this thread
    kept = [bytes(2000) for _ in range(100)]
    ready.wait()
    done.wait()

threads = [threading.Thread(target=database_thread) for _ in range(4)]
for thread in threads:
    thread.start()
ready.wait()
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype, libc.fopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes, libc.fclose.argtypes = [ctypes.c_int, ctypes.c_void_p], [ctypes.c_void_p]
path = tempfile.mktemp()
stream = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, stream)
libc.fclose(stream)
done.set()
for thread in threads:
    thread.join()
print(open(path).read().count("<heap nr="), os.environ.get("MALLOC_ARENA_MAX", "-"))
os.remove(path)
"""


def heaps(how: str, **env: str) -> tuple[int, str]:
    """glibc's heaps in a process of its own whose four threads allocate, and its MALLOC_ARENA_MAX after."""
    environment = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env
    result = subprocess.run([sys.executable, "-c", HEAPS, how], capture_output=True, text=True, check=True,
                            env=environment, cwd=ROOT)
    count, arena_max = result.stdout.split()
    return int(count), arena_max


def test_a_server_runs_its_threads_on_one_heap_unless_told_otherwise():
    # Without it each thread gets a heap of its own, up to 8 a core (issue 24: two heaps already kept
    # the holes each left, and a SQLite worker grew a third more).
    assert heaps("as_glibc_would")[0] == 5
    # One heap for the threads of this process, and the setting for the workers it starts.
    assert heaps("one_heap") == (1, "1")
    # An operator's own choice stays.
    count, arena_max = heaps("one_heap", MALLOC_ARENA_MAX="3")
    assert count == 3 and arena_max == "3"


def test_a_worker_starts_without_the_libraries_only_some_requests_need(tmp_path):
    """Loaded where they are used, not by every worker at its start (docs/PERFORMANCE.md): web push
    (22 MB with its HTTP clients), the charts' Vega engine (11 MB), the printers' ESC/POS profiles and
    QR codes (8 MB), calendars (4 MB), the guide's search by near spellings (3 MB); HTTP clients (the
    SMS gateway's, PTV's and the directory sign-in's), Snowball's stemmers, SMTP, USB and serial
    ports, phone numbers (12 MB together). Not through tests.conftest, which loads httpx for the tests.
    Started too (its lifespan's tasks: the messenger, the printers, the bus) for a moment."""
    code = ("import asyncio, sys; from server.web.app import create_app; from server.settings import Settings\n"
            "app = create_app(Settings(_env_file=None, database_url=sys.argv[1], secret_key='x' * 64))\n"
            "async def started():\n"
            "    async with app.router.lifespan_context(app):\n"
            "        await asyncio.sleep(1)\n"
            "asyncio.run(started())\n"
            "print(' '.join(sorted(sys.modules)))")
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'started.db'}")
    loaded = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True,
                            timeout=60, check=True, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    modules = {name.split(".")[0] for name in loaded.stdout.split()}
    assert "server" in modules
    assert modules & {"pywebpush", "py_vapid", "vl_convert", "escpos", "qrcode", "icalendar", "rapidfuzz", "httpx",
                      "httpx2", "authlib", "snowballstemmer", "aiosmtplib", "usb", "serial", "phonenumbers"} == set()


def running_coroutines() -> set[str]:
    """The qualified names of the coroutines alive in this process (the test's uvicorn is in it)."""
    return {o.cr_code.co_qualname for o in gc.get_objects() if type(o) is types.CoroutineType}


def test_a_phones_socket_goes_straight_to_its_endpoint_past_the_middlewares(tmp_path):
    """Thousands of phones follow their tickets at once, and each middleware held a coroutine and its
    closures for every socket: 6 of a phone's 37 KB (live.DirectSockets). A display's socket still
    passes them all (its device is checked on the way)."""
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'phones.db'}")
    db = Database(url)
    with db.write() as session:
        public_id = queue.issue_ticket(session, "demo", "advice", "fi", printed=False).ticket.public_id
    db.dispose()
    port = free_port()
    with LiveServer(make_settings(url, port), port) as server:
        with connect(f"{server.ws_url}/t/{public_id}/ws?lang=fi") as phone:
            assert "A001" in recv_push(phone)
            running = running_coroutines()
            assert "ticket_status_socket" in running
            assert {"SessionMiddleware.__call__", "DeviceGate.__call__", "Router.app"} & running == set()
        with connect(f"{server.ws_url}/display/demo/ws") as display:
            recv_push(display)
            assert {"SessionMiddleware.__call__", "DeviceGate.__call__", "Router.app"} <= running_coroutines()


def test_a_phone_holds_no_reading_of_the_queue_after_its_first_state(tmp_path):
    """A phone stays connected for hours, and the reading of the whole queue that its first state
    came from holds every open ticket (4 MB with 5,000): it must go once newer readings replace it,
    not stay in the socket's coroutine (live.Followers._send_first)."""
    from kiosk.routes import SiteQueue
    from tests.web.test_display_browser import Clerk

    url = prepare_demo_database(f"sqlite:///{tmp_path / 'readings.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port), port) as server, Clerk(server.url) as clerk:
        tickets = [clerk.take("advice")["id"] for _ in range(6)]
        with connect(f"{server.ws_url}/t/{tickets[-1]}/ws?lang=fi") as phone:
            recv_push(phone)
            [first] = [weakref.ref(o) for o in gc.get_objects() if type(o) is SiteQueue]
            clerk.open(3, "advice")
            for _ in range(4):  # each call a new reading; the last 3 of a site are kept
                called = clerk.call_next(3)
                recv_push(phone)
                clerk.done(called["id"])
            gc.collect()
            assert first() is None


def test_a_full_collection_waits_for_the_screens_pushes_to_end():
    """A full collection holds the worker (0.2-0.4 s with 2,500 phones): one due while a call is
    being pushed waits until the pushes have ended and a moment has passed (server/garbage.py)."""
    import anyio

    collected = []

    def seen(phase: str, info: dict) -> None:
        if phase == "stop" and info["generation"] == 2:
            collected.append(time.monotonic())

    async def scenario() -> float:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(garbage.collect_periodically, 1.0)
            await anyio.sleep(0.8)
            with garbage.pushing():
                await anyio.sleep(0.5)  # the collection comes due meanwhile
            ended = time.monotonic()
            while not collected:
                await anyio.sleep(0.05)
            tasks.cancel_scope.cancel()
        return ended

    gc.callbacks.append(seen)
    try:
        with garbage.tuned():  # Python's own full collections do not come in this short a while
            ended = anyio.run(scenario)
    finally:
        gc.callbacks.remove(seen)
    assert collected[0] >= ended + garbage.QUIET_S - 0.01
