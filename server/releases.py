"""Fair release of booking times (issue 22): new times open at a set moment, and who came before
waits in a lobby and is let in in random order at a pace the server sustains.

A release (``BookingRelease``) covers a site's days ``first_day``..``last_day`` for one service or all.
Until ``opens_at`` those days cannot be booked at all (``check_bookable``, ``holds_back``: the slot
pages hide them, holding and booking refuse them). Each browser that asks for them gets a lobby
pass (``LobbyPass``) with a rank: drawn at random while the line is open to chance (until
``FREEZE_S`` before opening), after that behind everyone in arrival order. At opening the passes are
let in by rank: the pass at place p (0-based; place = passes with a lower rank) once
``now >= opens_at + p / pace`` minutes. An admission lasts ``ADMISSION_MIN`` minutes.

Reloading keeps a pass (the browser's cookie names it), a new cookie is a new pass (a new random
draw before, the end of the line after), and one address gets at most ``PASSES_PER_ADDRESS`` passes
per release, so a bot cannot buy many tickets to the draw. When the line has drained (every pass's
time has come), the lobby steps aside and the days book as any other.

The waiting browsers poll; their places are answered from a per-process cache of each release's
ranks, refreshed at most once a second by one indexed query (``ranks``), so 10,000 waiting browsers
cost one query a second per worker, not 10,000; while the caches are fresh ``cached_view`` answers
without a session at all (docs/booking.md has the figures).
"""

import bisect
import secrets
import threading
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from server import audit, config, i18n  # config as a module: it imports booking, which imports this
from server.errors import Conflict, DomainError, NotFound, N_
from server.models import BookingRelease, LobbyPass, Service, Site, utcnow

ADMISSION_MIN = 15  # an admitted browser has this long to choose and hold a time
PASSES_PER_ADDRESS = 10  # per release: a family behind one router, a small office; not a bot farm
RETENTION_DAYS = 7  # passes are deleted this long after their release opened
FREEZE_S = 5  # the line is drawn this long before opening: later passes go behind, in arrival order
PACE_MAX = 10_000  # admissions a minute
MAX_DAYS = 62  # days one release may cover
CACHE_S = 1.0  # how old the cached releases and ranks (after opening) may be
CACHE_BEFORE_S = 5.0  # before opening the places are only shown, not acted on: refreshed less often
DRAIN_GRACE = timedelta(minutes=1)  # the lobby stays this long after the last pass's turn, for late polls
LATE = 1 << 52  # ranks of passes made after the draw start here (random ones are below)


NOT_OPEN = N_("These times open on %(date)s at %(time)s. Please wait for your turn on the booking page.")


class NotYourTurn(DomainError):
    status_code = 403


class TooManyPasses(DomainError):
    status_code = 429


@dataclass(frozen=True)
class Release:
    """A release as the gate reads it, from the per-process cache (no session needed)."""

    id: int
    site_id: int
    site_slug: str
    timezone: str
    service_id: int | None
    service_code: str | None
    first_day: date
    last_day: date
    opens_at: datetime
    pace: int

    def covers(self, site_slug: str, service_code: str, day: date | None = None) -> bool:
        return (self.site_slug == site_slug and self.service_code in (None, service_code)
                and (day is None or self.first_day <= day <= self.last_day))

    def due_at(self, place: int) -> datetime:
        """When the pass at ``place`` (0-based) is let in."""
        return self.opens_at + timedelta(minutes=place / self.pace)

    def drawn(self, now: datetime) -> bool:
        """Whether the random draw is over: passes made from now on go behind."""
        return now >= self.opens_at - timedelta(seconds=FREEZE_S)


# --- the per-process cache --------------------------------------------------------------------


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.releases: tuple[float, list[Release]] | None = None
        self.ranks: dict[int, tuple[float, list[int]]] = {}


_caches: dict[sa.URL, _Cache] = {}
_caches_lock = threading.Lock()


def _cache_of(url: sa.URL) -> _Cache:
    with _caches_lock:
        cache = _caches.get(url)
        if cache is None:
            cache = _caches[url] = _Cache()
        return cache


def _cache(session: Session) -> _Cache:
    """The cache of the session's database (by its address: a Database reads and writes through
    engines of its own)."""
    return _cache_of(session.get_bind().url)


def cached_releases(url: sa.URL) -> list[Release] | None:
    """The releases as this process last read them, if that was within CACHE_S (else None): lets the
    booking pages skip the lobby without a trip to a worker thread when no release concerns them."""
    cache = _cache_of(url)
    with cache.lock:
        if cache.releases and clock.monotonic() - cache.releases[0] < CACHE_S:
            return cache.releases[1]
    return None


def forget_cache(session: Session) -> None:
    """After a release is made or cancelled: this process sees it at once (others within CACHE_S)."""
    cache = _cache(session)
    with cache.lock:
        cache.releases = None
        cache.ranks.clear()


def releases(session: Session) -> list[Release]:
    """Every release not cancelled whose days have not all passed (a few rows), cached CACHE_S."""
    cache = _cache(session)
    with cache.lock:
        if cache.releases and clock.monotonic() - cache.releases[0] < CACHE_S:
            return cache.releases[1]
    since = datetime.now(timezone.utc).date() - timedelta(days=2)
    rows = session.execute(
        sa.select(BookingRelease, Site.slug, Site.timezone, Service.code)
        .join(Site, Site.id == BookingRelease.site_id)
        .outerjoin(Service, Service.id == BookingRelease.service_id)
        .where(BookingRelease.cancelled_at.is_(None), BookingRelease.last_day >= since)
        .order_by(BookingRelease.opens_at)
    ).all()
    found = [Release(r.id, r.site_id, slug, tz, r.service_id, code, r.first_day, r.last_day, r.opens_at, r.pace)
             for r, slug, tz, code in rows]
    with cache.lock:
        cache.releases = (clock.monotonic(), found)
    return found


def ranks(session: Session, release: Release, now: datetime) -> list[int]:
    """The release's pass ranks in order (one index-only query), cached CACHE_S per process."""
    cache = _cache(session)
    max_age = CACHE_S if release.drawn(now) else CACHE_BEFORE_S
    with cache.lock:
        held = cache.ranks.get(release.id)
        if held and clock.monotonic() - held[0] < max_age:
            return held[1]
    found = list(session.execute(
        sa.select(LobbyPass.rank).where(LobbyPass.release_id == release.id).order_by(LobbyPass.rank)).scalars())
    with cache.lock:
        cache.ranks[release.id] = (clock.monotonic(), found)
    return found


def place(session: Session, release: Release, rank: int, now: datetime) -> int:
    """Passes ahead of ``rank`` (0: first in line)."""
    return bisect.bisect_left(ranks(session, release, now), rank)


# --- what the booking core and the gate ask --------------------------------------------------


def holds_back(session: Session, site_id: int, service_id: int, day: date, now: datetime) -> Release | None:
    """The release that keeps ``day`` closed for the service until it opens, if any."""
    for release in releases(session):
        if (release.site_id == site_id and release.service_id in (None, service_id)
                and release.first_day <= day <= release.last_day and now < release.opens_at):
            return release
    return None


def check_open(session: Session, site_id: int, service_id: int, starts_at: datetime, now: datetime,
               lang: str = "en") -> None:
    """Refuses a time on a day whose release has not opened: a direct POST must not beat the lobby."""
    for release in releases(session):
        zone = ZoneInfo(release.timezone)
        if release.site_id == site_id and release.service_id in (None, service_id) and now < release.opens_at \
                and release.first_day <= starts_at.astimezone(zone).date() <= release.last_day:
            raise Conflict(NOT_OPEN,
                           date=i18n.local_date(release.opens_at.astimezone(zone).date(), lang),
                           time=i18n.local_time(release.opens_at, release.timezone, lang))


def in_effect(session: Session, site_slug: str, service_code: str, day: date | None, now: datetime) -> Release | None:
    """The release whose lobby a request for the service (and ``day``, if given) must pass: one not yet
    open, or open with passes still waiting for their time."""
    for release in releases(session):
        if not release.covers(site_slug, service_code, day):
            continue
        if now < release.opens_at or now < release.due_at(len(ranks(session, release, now))) + DRAIN_GRACE:
            return release
    return None


def lobby_view(session: Session, site_slug: str, service_code: str, day: date | None, ranks_held: dict[int, int],
               now: datetime) -> tuple[Release | None, int, int]:
    """What a lobby request needs in one go (one trip to a worker thread, from the caches mostly): the
    release in effect, the place in its line of the rank the browser holds for it (``ranks_held``:
    release id -> rank; 0 if none), and how many passes the line has."""
    release = in_effect(session, site_slug, service_code, day, now)
    if release is None:
        return None, 0, 0
    line = ranks(session, release, now)
    rank = ranks_held.get(release.id)
    return release, bisect.bisect_left(line, rank) if rank is not None else 0, len(line)


def cached_view(url: sa.URL, site_slug: str, service_code: str, day: date | None, ranks_held: dict[int, int],
                now: datetime) -> tuple[Release | None, int, int] | None:
    """``lobby_view`` from this process's caches alone when they are fresh (None when one is not):
    a waiting browser's poll then needs no worker thread and no connection at all."""
    cache = _cache_of(url)
    with cache.lock:
        if not cache.releases or clock.monotonic() - cache.releases[0] >= CACHE_S:
            return None
        for release in cache.releases[1]:
            if not release.covers(site_slug, service_code, day):
                continue
            held = cache.ranks.get(release.id)
            max_age = CACHE_S if release.drawn(now) else CACHE_BEFORE_S
            if held is None or clock.monotonic() - held[0] >= max_age:
                return None
            line = held[1]
            if now < release.opens_at or now < release.due_at(len(line)) + DRAIN_GRACE:
                rank = ranks_held.get(release.id)
                return release, bisect.bisect_left(line, rank) if rank is not None else 0, len(line)
        return None, 0, 0


# --- passes ------------------------------------------------------------------------------------


def check_passes_left(session: Session, release: Release, requester: str) -> None:
    """Refuses an address that holds ``PASSES_PER_ADDRESS`` passes of the release already (one indexed
    count; the gate asks in a read first, so a hammering bot does not queue for the write lock)."""
    if not requester:
        return
    held = session.execute(
        sa.select(sa.func.count()).select_from(LobbyPass)
        .where(LobbyPass.release_id == release.id, LobbyPass.requester == requester)).scalar_one()
    if held >= PASSES_PER_ADDRESS:
        raise TooManyPasses(N_("Too many places in line from your connection. Please keep the page you "
                               "already have open, or call the service point."))


def new_pass(session: Session, release: Release, requester: str = "", now: datetime | None = None) -> LobbyPass:
    """A browser's place in the line: a random rank before the draw, the end of the line after."""
    now = now or utcnow()
    check_passes_left(session, release, requester)
    if release.drawn(now):
        since = now - (release.opens_at - timedelta(seconds=FREEZE_S))
        rank = LATE + (since // timedelta(microseconds=1)) * 1024 + secrets.randbelow(1024)
    else:
        rank = secrets.randbelow(LATE)
    lobby_pass = LobbyPass(id=secrets.token_urlsafe(16), release_id=release.id, rank=rank, requester=requester,
                           created_at=now)
    session.add(lobby_pass)
    session.flush()
    return lobby_pass


def admitted_at(session: Session, pass_id: str) -> tuple[bool, datetime | None]:
    """(the pass exists, when it was let in)."""
    row = session.execute(sa.select(LobbyPass.admitted_at).where(LobbyPass.id == pass_id)).first()
    return (row is not None, row[0] if row else None)


def admit(session: Session, pass_id: str, now: datetime) -> datetime | None:
    """Marks the pass let in, once (a conditional UPDATE: two workers or two tabs admit it once);
    returns when it was let in, or None if there is no such pass."""
    session.execute(sa.update(LobbyPass).where(LobbyPass.id == pass_id, LobbyPass.admitted_at.is_(None))
                    .values(admitted_at=now).execution_options(synchronize_session=False))
    return admitted_at(session, pass_id)[1]


def admission_ends(at: datetime) -> datetime:
    return at + timedelta(minutes=ADMISSION_MIN)


# --- the administration --------------------------------------------------------------------------


def _site_zone(site: Site) -> ZoneInfo:
    return ZoneInfo(site.timezone)


def create(session: Session, site_slug: str, service_code: str, first_day: str, last_day: str, opens_day: str,
           opens_time: str, pace: str, *, staff_user_id: int | None, now: datetime | None = None) -> BookingRelease:
    """A new release from the admin form's text; every mistake at once (FieldErrors), by field.
    ``opens_day`` and ``opens_time`` are the site's wall time; ``service_code`` "" is every service."""
    now = now or utcnow()
    errors: dict = {}
    site = session.exec(select(Site).where(Site.slug == site_slug.strip())).first()
    if site is None:
        raise config.FieldErrors({"target": (N_("Choose a service point and a service."), {})})
    service = None
    if service_code.strip():
        service = session.exec(select(Service).where(Service.site_id == site.id,
                                                     Service.code == service_code.strip())).first()
        if service is None or service.appointment_seats <= 0:
            errors["target"] = (N_("Choose a service that takes appointments, or all of them."), {})
    days = {}
    for name, text in (("first_day", first_day), ("last_day", last_day), ("opens_day", opens_day)):
        try:
            days[name] = date.fromisoformat(text.strip())
        except ValueError:
            errors[name] = (N_("Write a date as 2027-03-22."), {})
    try:
        opens_clock = time.fromisoformat(opens_time.strip())
    except ValueError:
        errors["opens_time"] = (N_("Write a time as 08:00."), {})
        opens_clock = None
    pace_value = int(pace) if pace.strip().isdigit() and len(pace.strip()) < 7 else 0
    if not 1 <= pace_value <= PACE_MAX:
        errors["pace"] = (N_("Write how many citizens a minute are let in: a whole number from 1 to %(max)d."),
                          {"max": PACE_MAX})
    opens_at = None
    if "opens_day" in days and opens_clock is not None:
        opens_at = datetime.combine(days["opens_day"], opens_clock, tzinfo=_site_zone(site)).astimezone(timezone.utc)
        if opens_at <= now + timedelta(minutes=1):
            errors["opens_time"] = (N_("The opening must be at least a minute from now."), {})
    if "first_day" in days and "last_day" in days:
        if days["last_day"] < days["first_day"]:
            errors["last_day"] = (N_("The last day cannot be before the first."), {})
        elif (days["last_day"] - days["first_day"]).days >= MAX_DAYS:
            errors["last_day"] = (N_("One release covers at most %(days)d days."), {"days": MAX_DAYS})
        elif "opens_day" in days and days["first_day"] < days["opens_day"]:
            errors["first_day"] = (N_("The days released must come after the opening."), {})
    if errors:
        raise config.FieldErrors(errors)
    return add(session, site, service, days["first_day"], days["last_day"], opens_at, pace_value,
               staff_user_id=staff_user_id, now=now)


def add(session: Session, site: Site, service: Service | None, first_day: date, last_day: date, opens_at: datetime,
        pace: int, *, staff_user_id: int | None, now: datetime | None = None) -> BookingRelease:
    """A release of checked values (``create`` checks the form's), with its audit row."""
    now = now or utcnow()
    release = BookingRelease(site_id=site.id, service_id=service.id if service else None, first_day=first_day,
                             last_day=last_day, opens_at=opens_at, pace=pace, created_by=staff_user_id,
                             created_at=now)
    session.add(release)
    session.flush()
    audit.record(session, staff_user_id, "release.created", target=f"release:{release.id}", at=now,
                 detail=f"{site.slug} {service.code if service else '*'} {first_day}..{last_day} "
                        f"opens {opens_at.isoformat()} pace {pace}")
    forget_cache(session)
    return release


def cancel(session: Session, release_id: int, *, staff_user_id: int | None, now: datetime | None = None) -> None:
    """Its days book as any other at once; its passes stay until the retention job."""
    now = now or utcnow()
    release = session.get(BookingRelease, release_id, with_for_update=True)
    if release is None:
        raise NotFound(N_("There is no such release."))
    if release.cancelled_at is None:
        release.cancelled_at = now
        session.add(release)
        audit.record(session, staff_user_id, "release.cancelled", target=f"release:{release.id}", at=now)
    forget_cache(session)


@dataclass(frozen=True)
class Listed:
    release: BookingRelease
    site: Site
    service: Service | None
    passes: int
    admitted: int


def listing(session: Session, now: datetime | None = None, days_back: int = 14) -> list[Listed]:
    """Releases for the admin page: coming ones and those opened in the last ``days_back`` days, with
    how many passes each has and how many were let in."""
    now = now or utcnow()
    counts = dict((rid, (n, a)) for rid, n, a in session.execute(
        sa.select(LobbyPass.release_id, sa.func.count(), sa.func.count(LobbyPass.admitted_at))
        .group_by(LobbyPass.release_id)).all())
    rows = session.exec(select(BookingRelease).where(BookingRelease.opens_at > now - timedelta(days=days_back))
                        .order_by(BookingRelease.opens_at.desc())).all()
    listed = []
    for r in rows:
        n, a = counts.get(r.id, (0, 0))
        listed.append(Listed(r, session.get(Site, r.site_id), session.get(Service, r.service_id) if r.service_id
                             else None, n, a))
    return listed


def forget_passes(session: Session, now: datetime | None = None, days: int = RETENTION_DAYS) -> int:
    """Passes of releases that opened more than ``days`` ago are deleted (the release row stays)."""
    now = now or utcnow()
    old = sa.select(BookingRelease.id).where(BookingRelease.opens_at < now - timedelta(days=days))
    return session.execute(sa.delete(LobbyPass).where(LobbyPass.release_id.in_(old))
                           .execution_options(synchronize_session=False)).rowcount
