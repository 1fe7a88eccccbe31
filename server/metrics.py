"""``/metrics`` for Prometheus: what the service point is doing, read from the database at each scrape.

Counts come from the database, not from counters in memory, so every worker answers the same and
a restart loses nothing. Only the websocket figure is the answering worker's own (labelled with its
process id): scrape each worker, or read it as a sample. No personal data: numbers per site,
service, counter and printer only. The ``luukku_worker_*`` families are the answering worker's own
memory and garbage collection (server/garbage.py), labelled likewise.
"""

import os
from datetime import datetime

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlmodel import Session

from server import garbage, queue
from printers.jobs import CONDITION_TEXTS
from server.models import Counter, Event, Printer, Service, Ticket, utcnow

CALLS = ("ticket.called", "ticket.recalled")
NEW_TICKETS = ("ticket.issued", "ticket.walk_in")  # every ticket's row comes with one of these events
# The tickets issued and the calls since an event number, from the site's events (site_id, seq).
_SINCE = (sa.select(Event.type, Ticket.service_id).join(Ticket, Ticket.id == Event.ticket_id)
          .where(Event.site_id == sa.bindparam("site_id"), Event.seq > sa.bindparam("after"),
                 Event.seq <= sa.bindparam("upto"), Event.type.in_(CALLS + NEW_TICKETS)))


class Totals:
    """The counts "ever" of each site, as of an event number, kept by a worker between scrapes.

    Counted afresh at every scrape, they read every event the site ever had, its data and all: with
    20,000 events 22-26 ms and a connection's whole page cache (2 MB, which it keeps) each time, and
    more as the history grows, which a service point keeps (issue 24, docs/PERFORMANCE.md). Kept, a scrape reads only the events since the
    last one. Still from the database: each event number is given under the site's row lock until its
    transaction commits, so every event up to the site's last number is there to be read, and every
    worker counts the same."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[int, dict[int, int], int]] = {}  # site id: (seq, issued per service, calls)

    def of(self, session: Session, site) -> tuple[dict[int, int], int]:
        """The tickets issued per service id and the calls, ever."""
        upto = site.last_event_seq
        seq, issued, calls = self._kept.get(site.id, (0, {}, 0))
        if seq > upto:  # another database under the same worker (restored from a backup): afresh
            seq, issued, calls = 0, {}, 0
        issued = dict(issued)
        for type_, service_id in session.execute(_SINCE, {"site_id": site.id, "after": seq, "upto": upto}):
            if type_ in CALLS:
                calls += 1
            else:
                issued[service_id] = issued.get(service_id, 0) + 1
        # Replaced, not changed in place: a scrape on another thread meanwhile counts from either.
        self._kept[site.id] = (upto, issued, calls)
        return issued, calls


def _families(session: Session, now: datetime, websocket_clients: dict[str, int], totals: Totals):
    issued = CounterMetricFamily("luukku_tickets_issued", "Tickets issued, ever", labels=["site", "service"])
    waiting = GaugeMetricFamily("luukku_waiting", "Tickets waiting now (today)", labels=["site", "service"])
    calls = CounterMetricFamily("luukku_calls", "Calls and recalls of tickets, ever", labels=["site"])
    open_counters = GaugeMetricFamily("luukku_counters_open", "Counters open now", labels=["site"])
    printers = GaugeMetricFamily("luukku_printer_condition",
                                 "1 for each printer's last known condition", labels=["site", "printer", "condition"])
    clients = GaugeMetricFamily("luukku_websocket_clients", "Live screens connected to this worker",
                                labels=["site", "worker"])
    worker = str(os.getpid())
    for site in queue.all_sites(session):
        services = {s.id: s.code for s in session.exec(sa.select(Service).where(Service.site_id == site.id)).scalars()}
        counts, calls_ever = totals.of(session, site)
        now_waiting = queue.waiting_counts(session, site, now)
        for service_id, code in services.items():
            issued.add_metric([site.slug, code], counts.get(service_id, 0))
            waiting.add_metric([site.slug, code], now_waiting.get(service_id, 0))
        calls.add_metric([site.slug], calls_ever)
        open_counters.add_metric([site.slug], session.execute(
            sa.select(sa.func.count()).select_from(Counter).where(Counter.site_id == site.id, Counter.is_open)
        ).scalar_one())
        for printer in session.execute(sa.select(Printer).where(Printer.site_id == site.id)).scalars():
            for condition in CONDITION_TEXTS:  # every condition a printer can be in, agents' too
                printers.add_metric([site.slug, printer.name, condition], int(printer.condition == condition))
        clients.add_metric([site.slug, worker], websocket_clients.get(site.slug, 0))
    return [issued, waiting, calls, open_counters, printers, clients, *_worker_families(worker)]


def _worker_families(worker: str):
    figures = garbage.figures()
    families = []
    for name, text, value in (
        ("resident_bytes", "Resident memory of this worker process", figures["resident_bytes"]),
        ("open_files", "File descriptors this worker has open (sockets, databases, files)", figures["open_files"]),
        ("threads", "Threads of this worker process", figures["threads"]),
        ("python_objects", "Objects the garbage collector tracks, those frozen at the start apart",
         figures["objects"]),
        ("python_frozen_objects", "Objects frozen at the start (the libraries, templates, settings)",
         figures["frozen_objects"]),
        ("sqlite_bytes", "Memory SQLite holds in this worker, mostly its connections' page caches",
         figures["sqlite_bytes"]),
        ("malloc_in_use_bytes", "Memory this worker has allocated from the C library's heap (SQLite's, Python's larger "
         "objects, the libraries')", figures["malloc_in_use_bytes"]),
        ("malloc_free_bytes", "Free memory the C library's heap keeps for this worker, in pieces between what is in "
         "use: growing while the use stays level is fragmentation", figures["malloc_free_bytes"]),
    ):
        if value is not None:
            family = GaugeMetricFamily(f"luukku_worker_{name}", text, labels=["worker"])
            family.add_metric([worker], value)
            families.append(family)
    collections = CounterMetricFamily("luukku_worker_gc_collections", "Garbage collections since the start",
                                      labels=["worker", "generation"])
    paused = CounterMetricFamily("luukku_worker_gc_pause_seconds", "Time garbage collections held the worker",
                                 labels=["worker", "generation"])
    longest = GaugeMetricFamily("luukku_worker_gc_longest_pause_seconds",
                                "The longest garbage collection since the start", labels=["worker", "generation"])
    for generation in range(3):
        labels = [worker, str(generation)]
        collections.add_metric(labels, figures["collections"][generation])
        paused.add_metric(labels, figures["pause_seconds"][generation])
        longest.add_metric(labels, figures["longest_pause_seconds"][generation])
    return [*families, collections, paused, longest]


class _Snapshot:
    """A collector over families already read (the database is read in a worker thread)."""

    def __init__(self, families):
        self.families = families

    def collect(self):
        return self.families


def exposition(session: Session, websocket_clients: dict[str, int], totals: Totals,
               now: datetime | None = None) -> bytes:
    """The Prometheus text format of the service point as it is now; ``totals``: the worker's own."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(_families(session, now or utcnow(), websocket_clients, totals)))
    return generate_latest(registry)
