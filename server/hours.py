"""Opening hours of a site, in its local time, and the end of the day for tickets still open.

A site with no opening hours at all is open around the clock (a new install, the demo). Once it
has hours, a weekday without a row is closed, and an exception for a date overrides the weekday.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, select

from server.models import OpeningException, OpeningHours, Site


@dataclass(frozen=True)
class DayHours:
    """``opens``/``closes`` are local times; both None means closed all day."""

    opens: time | None
    closes: time | None
    around_the_clock: bool = False

    @property
    def closed_all_day(self) -> bool:
        return not self.around_the_clock and self.opens is None


ALWAYS = DayHours(time(0, 0), None, around_the_clock=True)


def local_now(site: Site, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(site.timezone))


def hours_on(session: Session, site: Site, day: date) -> DayHours:
    exception = session.exec(
        select(OpeningException).where(OpeningException.site_id == site.id, OpeningException.day == day)
    ).first()
    if exception is not None:
        return DayHours(exception.opens, exception.closes if exception.opens else None)
    # The week's rows at once (at most seven): whether there are hours at all, and the day's.
    week = {weekday: (opens, closes) for weekday, opens, closes in session.execute(
        sa.select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
        .where(OpeningHours.site_id == site.id))}
    if not week:
        return ALWAYS
    return DayHours(*week.get(day.weekday(), (None, None)))


def is_open(session: Session, site: Site, now: datetime) -> bool:
    local = local_now(site, now)
    return open_at(hours_on(session, site, local.date()), local)


def open_at(hours: DayHours, local: datetime) -> bool:
    """Whether a day with ``hours`` is open at ``local``, a time of that day in the site's zone."""
    if hours.around_the_clock:
        return True
    if hours.opens is None:
        return False
    return hours.opens <= local.time() < hours.closes


def past_closing(session: Session, site: Site, now: datetime) -> bool:
    """True once today's closing time has passed (never for a site open around the clock)."""
    local = local_now(site, now)
    hours = hours_on(session, site, local.date())
    if hours.around_the_clock:
        return False
    return hours.opens is None or local.time() >= hours.closes


def set_weekly_hours(session: Session, site: Site, hours: dict[int, tuple[time, time]]) -> None:
    """Replaces the site's weekly hours: {weekday (0 = Monday): (opens, closes)}."""
    session.execute(sa.delete(OpeningHours).where(OpeningHours.site_id == site.id))
    for weekday, (opens, closes) in sorted(hours.items()):
        if not 0 <= weekday <= 6 or closes <= opens:
            raise ValueError(f"bad opening hours for weekday {weekday}: {opens}–{closes}")
        session.add(OpeningHours(site_id=site.id, weekday=weekday, opens=opens, closes=closes))


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_span(text: str) -> tuple[time, time]:
    """"08:00-16:15" (or 8.00–16.15) as (opens, closes)."""
    try:
        opens, closes = (time.fromisoformat(part.strip().replace(".", ":").zfill(5))
                         for part in text.replace("–", "-").split("-"))
    except ValueError:
        raise ValueError(f"not a time span like 08:00-16:15: {text!r}") from None
    if closes <= opens:
        raise ValueError(f"closes before it opens: {text!r}")
    return opens, closes


def parse_weekly(specs: list[str]) -> dict[int, tuple[time, time]]:
    """["mon-fri 08:00-16:15", "sat 10:00-14:00"] as {weekday: (opens, closes)}."""
    hours: dict[int, tuple[time, time]] = {}
    for spec in specs:
        days, _, span = spec.strip().partition(" ")
        first, _, last = days.lower().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"not days like mon-fri or sat: {days!r}")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        for weekday in range(start, end + 1):
            hours[weekday] = parse_span(span)
    return hours


def set_exception(session: Session, site: Site, day: date, span: str) -> None:
    """One day's hours ("08:00-18:00") or "closed", instead of the weekday's."""
    opens, closes = (None, None) if span.strip().lower() == "closed" else parse_span(span)
    row = session.exec(
        select(OpeningException).where(OpeningException.site_id == site.id, OpeningException.day == day)
    ).first() or OpeningException(site_id=site.id, day=day)
    row.opens, row.closes = opens, closes
    session.add(row)


def describe(session: Session, site: Site) -> list[str]:
    rows = session.exec(select(OpeningHours).where(OpeningHours.site_id == site.id).order_by(OpeningHours.weekday))
    lines = [f"{WEEKDAYS[r.weekday]} {r.opens:%H:%M}-{r.closes:%H:%M}" for r in rows] or ["open around the clock"]
    exceptions = session.exec(
        select(OpeningException).where(OpeningException.site_id == site.id).order_by(OpeningException.day))
    lines += [f"{e.day} " + (f"{e.opens:%H:%M}-{e.closes:%H:%M}" if e.opens else "closed") for e in exceptions]
    return lines
