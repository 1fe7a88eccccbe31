"""Alerts for the managers on duty, before a service goes wrong (issue 21).

- **over_target**: a service's longest current wait has passed its ``target_wait_min``.
- **past_closing**: at the current pace its queue will not be served before today's closing time.
  The pace is the wait estimate's (server/estimate.py): call-next replayed on the open counters with
  the recent service times; the queue is served when its last waiting customer has been called and
  served. Never for a site open around the clock, nor once closing time has passed (then
  queue.close_day ends the day).

``check`` runs every minute from server/housekeeping.py. It opens at most one ``ServiceAlert`` per
service and kind, keeps its figures up to date, and clears it by itself when the cause goes. Each
raise and clear is a staff-only event, so the staff screens update at once and public ones never
see it. The words on the screens are ``words()``'s.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from server import estimate, hours, message_texts, outbox, queue, sms
from server.events import record_event
from server.models import Service, ServiceAlert, Site, utcnow

KINDS = ("over_target", "past_closing")


def minutes_to_closing(session: Session, site: Site, now: datetime) -> float | None:
    """Minutes from ``now`` until today's closing time; None when the site keeps no closing time
    today (open around the clock), or is closed all day, or has closed already."""
    local = hours.local_now(site, now)
    today = hours.hours_on(session, site, local.date())
    if today.around_the_clock or today.opens is None or local.time() >= today.closes:
        return None
    closes = local.replace(hour=today.closes.hour, minute=today.closes.minute, second=0, microsecond=0)
    return (closes - local).total_seconds() / 60


def served_in_min(state: estimate.QueueNow) -> dict[int, float]:
    """Per service with someone waiting: minutes from now until its last waiting customer has been
    called and served, at the pace of the replay."""
    waits = state.waits()
    done: dict[int, float] = {}
    for tid, sid, *_rest in state.waiting:
        done[sid] = max(done.get(sid, 0.0), waits.get(tid, 0) + state.mean[sid])
    return done


def causes(session: Session, site: Site, now: datetime) -> dict[tuple[int, str], dict]:
    """What is wrong now: {(service id, kind): its figures}."""
    services = queue.active_services(session, site)
    waiting = queue.waiting_counts(session, site, now)
    longest = queue.longest_wait_min(session, site, now)
    found: dict[tuple[int, str], dict] = {}

    def figures(service: Service) -> dict:
        return {"waiting": waiting.get(service.id, 0), "longest_min": longest.get(service.id, 0),
                "target_min": service.target_wait_min}

    for service in services:
        if service.id in longest and longest[service.id] > service.target_wait_min:
            found[(service.id, "over_target")] = figures(service)
    left = minutes_to_closing(session, site, now) if waiting else None
    if left is not None:
        done = served_in_min(estimate.QueueNow(session, site, now, queue.local_day(site, now)))
        for service in services:
            if done.get(service.id, 0) > left:
                found[(service.id, "past_closing")] = figures(service)
    return found


def _open(session: Session, site: Site) -> dict[tuple[int, str], ServiceAlert]:
    return {(a.service_id, a.kind): a for a in session.exec(
        select(ServiceAlert).where(ServiceAlert.site_id == site.id, ServiceAlert.cleared_at.is_(None)))}


def _view(alert: ServiceAlert, service: Service) -> dict:
    """An alert in an event: figures and the service's code, nothing personal."""
    return {"id": alert.id, "service": service.code, "kind": alert.kind, "waiting": alert.waiting,
            "longest_min": alert.longest_min, "target_min": alert.target_min}


def parse_contacts(text: str, lang: str) -> list[tuple[str, str, str]]:
    """The staff contacts of the setting (``LUUKKU_ALERT_CONTACTS``: emails and phone numbers,
    separated by commas) as (channel, address, language); a bad phone number is refused (Invalid)."""
    contacts = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            contacts.append(("email", part, lang) if "@" in part else ("sms", sms.normal_phone(part), lang))
    return contacts


def _tell(session: Session, site: Site, alert: ServiceAlert, service: Service, contacts, now: datetime) -> None:
    """One message per staff contact of an alert raised, through the outbox (server/outbox.py)."""
    for channel, address, lang in contacts:
        outbox.add(session, site, channel, address, "alert", lang,
                   {"site": site.name_in(lang), "alert": alert.kind, "prefix": service.prefix,
                    "waiting": alert.waiting, "longest": alert.longest_min, "target": alert.target_min}, now)
    if contacts:
        alert.notified_at = now
        session.add(alert)


def check(session: Session, site: Site, now: datetime | None = None,
          contacts: list[tuple[str, str, str]] = ()) -> dict[str, list]:
    """Raises, updates and clears the site's alerts to match what is wrong now; tells ``contacts``
    (parse_contacts) of each alert raised. Returns the alerts {"raised": [...], "cleared": [...]}."""
    now = now or utcnow()
    found = causes(session, site, now)
    open_alerts = _open(session, site)
    if set(found) != set(open_alerts):
        # Someone else (another worker's minute job) may be deciding the same: the site's row lock
        # makes them take turns (SQLite's one writer does the same), and the second then sees the
        # first's alerts, so an alert is never opened twice.
        session.execute(sa.select(Site.id).where(Site.id == site.id).with_for_update())
        session.expire_all()
        open_alerts = _open(session, site)
    services = {s.id: s for s in session.exec(select(Service).where(Service.site_id == site.id))}
    raised, cleared = [], []
    for key, figures in found.items():
        alert = open_alerts.get(key)
        if alert is None:
            alert = ServiceAlert(site_id=site.id, service_id=key[0], kind=key[1], started_at=now, **figures)
            session.add(alert)
            session.flush()
            record_event(session, site, "service.alert", at=now, audience="staff",
                         alert=_view(alert, services[key[0]]))
            _tell(session, site, alert, services[key[0]], contacts, now)
            raised.append(alert)
        elif any(getattr(alert, name) != value for name, value in figures.items()):
            for name, value in figures.items():
                setattr(alert, name, value)  # the figures as last seen: the screens show the live ones
            session.add(alert)
    for key, alert in open_alerts.items():
        if key not in found:
            alert.cleared_at = now
            session.add(alert)
            record_event(session, site, "service.alert_cleared", at=now, audience="staff",
                         alert=_view(alert, services[key[0]]))
            cleared.append(alert)
    session.flush()
    return {"raised": raised, "cleared": cleared}


def open_alerts(session: Session, site: Site) -> list[tuple[ServiceAlert, Service]]:
    """The site's open alerts with their services, in the services' order."""
    return list(session.exec(
        select(ServiceAlert, Service).join(Service, Service.id == ServiceAlert.service_id)
        .where(ServiceAlert.site_id == site.id, ServiceAlert.cleared_at.is_(None))
        .order_by(Service.position, Service.prefix, ServiceAlert.kind)))


# The words on the staff screens (a template fills in the figures as they are now) and in the
# messages to the staff contacts.
WORDS = message_texts.ALERT_WORDS


# --- the reports ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    raised: int
    minutes: float  # open in all, within the period (one still open: until now)


def counted(session: Session, site_id: int, start: datetime, end: datetime, service_id: int | None,
            now: datetime) -> dict[tuple[int | None, str | None], Counted]:
    """The alerts raised in ``start``…``end``, per (service id, kind), per service (kind None) and in
    all (None, None): how many, and the minutes they were open in the period."""
    where = [ServiceAlert.site_id == site_id, ServiceAlert.started_at >= start, ServiceAlert.started_at < end]
    if service_id is not None:
        where.append(ServiceAlert.service_id == service_id)
    tally: dict[tuple[int | None, str | None], list] = {(None, None): [0, 0.0]}
    rows = session.execute(sa.select(ServiceAlert.service_id, ServiceAlert.kind, ServiceAlert.started_at,
                                     ServiceAlert.cleared_at).where(*where))
    for sid, kind, started, cleared in rows:
        minutes = max(0.0, (min(cleared or now, end, now) - started).total_seconds() / 60)
        for key in ((sid, kind), (sid, None), (None, None)):
            counts = tally.setdefault(key, [0, 0.0])
            counts[0] += 1
            counts[1] += minutes
    return {key: Counted(n, minutes) for key, (n, minutes) in tally.items()}
