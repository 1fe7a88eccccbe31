"""A worker's garbage: Python's collector set for live screens, a full collection at a steady pace,
and the figures of both, with the worker's memory, for /metrics.

A worker holds thousands of live screens, each keeping objects that outlive the young generations
while it waits (a timer, a future). With Python's default thresholds that made a full collection of
~250,000 objects (55 ms) about every second, and the calls' pushes waited behind it. So the young
generations are collected less often, and the oldest by Python's own rule never in practice: its
threshold needs about 40 million allocations. But a closed websocket's objects sit in reference
cycles, and without full collections a worker kept every closed connection (issue 24: 540 after six
minutes, resident memory rising all day). A full collection every ``every_s`` seconds frees them at
a cost that is known and bounded: it walks only what came after the worker's start (``freeze``),
and its pauses are counted for /metrics (docs/PERFORMANCE.md, "A working week").
"""

import ctypes
import functools
import gc
import os
import time
from contextlib import contextmanager

import anyio
import anyio.to_thread

THRESHOLD = (2_000, 20, 1_000)  # Python's is (700, 10, 10)


class Pauses:
    """How many collections of each generation ran in this process since ``tuned``, and how long they
    held the process (every thread waits on a collection).

    Timed by the collecting thread's CPU clock, not the wall's: a Python callback may hand the GIL to
    another thread before it reads the clock, and wall time then counted that thread's work too (6 ms
    for a young collection of 2,000 objects, under issue 24's load)."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:  # gc.callbacks calls it around each collection
        if phase == "start":
            self._started = time.thread_time()
            return
        took = time.thread_time() - self._started
        generation = info["generation"]
        self.count[generation] += 1
        self.seconds[generation] += took
        self.longest[generation] = max(self.longest[generation], took)


pauses = Pauses()


@contextmanager
def tuned():
    """For a worker's life: what is loaded by now lives as long as the worker, out of the collector's
    sight (its full collections walk only what came after), and the thresholds above. Restores
    Python's settings after, for a process that runs several apps in turn (the tests)."""
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(*THRESHOLD)
    gc.callbacks.append(pauses)
    try:
        yield
    finally:
        gc.callbacks.remove(pauses)
        gc.set_threshold(*thresholds)
        gc.unfreeze()  # the tests' process collects each app's leftovers


class Pushing:
    """Whether the worker is passing an event on to its screens, and since when it is not: a full
    collection waits for a quiet moment. With 2,500 phones a worker it holds the worker for 0.2-0.4 s,
    and one that came in the middle of a call's pushes made that call's last phones wait as long
    (issue 22, docs/PERFORMANCE.md)."""

    def __init__(self) -> None:
        self.running = 0  # pushes under way (on the event loop: no lock)
        self.ended_at = 0.0

    @contextmanager
    def __call__(self):
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self.ended_at = time.monotonic()

    def quiet_s(self) -> float:
        """Seconds since the last push ended; 0 while one runs."""
        return 0.0 if self.running else time.monotonic() - self.ended_at


pushing = Pushing()
QUIET_S = 0.25  # how long no push has run when a collection starts (a call's pushes come in a burst)


async def collect_periodically(every_s: float) -> None:
    """A full collection every ``every_s`` seconds, on the event loop (a collection holds every
    thread anyway, so a thread of its own would gain nothing), at a moment no screen is being pushed
    to, or after another ``every_s`` when none comes; then the C heap's free memory goes back to the
    system, on a thread (the loop goes on meanwhile)."""
    while True:
        await anyio.sleep(every_s)
        put_off = time.monotonic() + every_s
        while pushing.quiet_s() < QUIET_S and time.monotonic() < put_off:
            await anyio.sleep(QUIET_S / 5)
        gc.collect()
        await anyio.to_thread.run_sync(trim)


@functools.cache
def _libc():
    """The C library, if it is glibc (malloc_trim is glibc's), else None."""
    try:
        library = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    if not hasattr(library, "malloc_trim"):
        return None
    if hasattr(library, "mallinfo2"):  # glibc 2.33 and later
        library.mallinfo2.restype = _MallInfo2
    return library


M_ARENA_MAX = -8  # glibc's malloc.h


def one_heap() -> None:
    """One glibc heap for all of this process's threads and for the workers it starts, unless the
    environment chose otherwise (MALLOC_ARENA_MAX). Call it before any thread starts: glibc fixes its
    limit when a second thread first allocates.

    glibc gives each thread that allocates a heap of its own, which keeps what it freed: the database
    threads made a worker with 1,000 live screens 8 MB larger. With two heaps, one the event loop's
    and one the database threads', a SQLite worker under a busy hall's load kept growing by the holes
    each left that the other could not use; with one it grew a third less, at the same speed (issue
    24, docs/PERFORMANCE.md)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    os.environ["MALLOC_ARENA_MAX"] = "1"  # read by glibc as each worker process starts
    if _libc() is not None:
        _libc().mallopt(M_ARENA_MAX, 1)  # this process, already started


def trim() -> None:
    """Gives the C heap's free pages back to the system (glibc's malloc_trim). Memory that the
    database threads allocate and free (a reading of a thousand rows, SQLite's page cache of a
    connection the pool closed) stays in their heaps otherwise: a worker's resident size grew to each
    day's high-water mark and stayed there (issue 24: in steps at the mornings, while its objects and
    SQLite's own memory stayed level). Measured: 160 MB freed by four threads, 17 ms to give back."""
    if _libc() is not None:
        _libc().malloc_trim(0)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def c_heap() -> tuple[int, int] | None:
    """glibc's heap: bytes in use (blocks allocated, mapped ones too) and bytes free inside it, which
    it keeps for the next allocations; None without glibc 2.33's mallinfo2. A heap whose free bytes
    grow while its use stays level is fragmenting: what was freed lies in pieces between blocks in use,
    and neither the next allocations nor ``trim`` can use it all (issue 24)."""
    if _libc() is None or not hasattr(_libc(), "mallinfo2"):
        return None
    info = _libc().mallinfo2()
    return info.uordblks + info.hblkhd, info.fordblks


@functools.cache
def _sqlite():
    """The SQLite library Python's sqlite3 module uses (the same one, already loaded), or None."""
    try:
        library = ctypes.CDLL("libsqlite3.so.0")
    except OSError:
        return None
    library.sqlite3_memory_used.restype = ctypes.c_int64
    return library


def figures() -> dict:
    """This process's memory as /metrics shows it: resident bytes, open files, threads, the objects
    the collector tracks (frozen ones apart) and its collections, SQLite's memory and glibc's heap."""
    status = {}
    try:
        with open("/proc/self/status") as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        open_files = len(os.listdir("/proc/self/fd"))
    except OSError:  # not Linux: the collector's own figures only
        open_files = None
    resident = int(status["VmRSS"].split()[0]) * 1024 if "VmRSS" in status else None
    threads = int(status["Threads"]) if "Threads" in status else None
    heap = c_heap()
    return {
        "resident_bytes": resident,
        "open_files": open_files,
        "threads": threads,
        "objects": len(gc.get_objects()),
        # SQLite's own heap, mostly each connection's page cache (up to 2 MB each, by default): on
        # SQLite a worker's resident memory grew with it while its Python objects stayed level.
        "sqlite_bytes": _sqlite().sqlite3_memory_used() if _sqlite() is not None else None,
        "malloc_in_use_bytes": heap[0] if heap else None,
        "malloc_free_bytes": heap[1] if heap else None,
        "frozen_objects": gc.get_freeze_count(),
        "collections": list(pauses.count),
        "pause_seconds": list(pauses.seconds),
        "longest_pause_seconds": list(pauses.longest),
    }
