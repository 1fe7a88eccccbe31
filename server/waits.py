"""The waits the city may publish (issue 21): each site's open/closed state and, per active service,
the people waiting and the estimated wait of a ticket taken now.

Built from counts and the estimate only, never from a ticket, a customer, a booking or a visit's
row: nothing here can name or describe a person (tests/web/test_public_waits.py plants some to check).
"""

from datetime import datetime

from sqlmodel import Session

from server import hours, queue
from server.models import Site


def _names(fi: str, sv: str, en: str) -> dict[str, str]:
    return {"fi": fi, "sv": sv or fi, "en": en or fi}


def _today(session: Session, site: Site, now: datetime) -> dict | None:
    """Today's opening hours in the site's local time; None when open around the clock."""
    day = hours.hours_on(session, site, hours.local_now(site, now).date())
    if day.around_the_clock:
        return None
    if day.closed_all_day:
        return {"opens": None, "closes": None}
    return {"opens": f"{day.opens:%H:%M}", "closes": f"{day.closes:%H:%M}"}


def site_waits(session: Session, site: Site, now: datetime) -> dict:
    services = queue.active_services(session, site)
    waiting = queue.waiting_counts(session, site, now)
    is_open = hours.is_open(session, site, now)
    # A closed site takes no tickets: no wait to estimate for one taken now.
    estimated = queue.estimates(session, site, services, now) if is_open else {}
    return {
        "site": site.slug,
        "names": _names(site.name, site.name_sv, site.name_en),
        "timezone": site.timezone,
        "open": is_open,
        "today": _today(session, site, now),
        "services": [{
            "code": service.code,
            "names": _names(service.name_fi, service.name_sv, service.name_en),
            "waiting": waiting.get(service.id, 0),
            "estimated_wait_min": estimated.get(service.id),
        } for service in services],
    }


def public_waits(session: Session, now: datetime) -> dict:
    """Every site's waits, by the site's name."""
    return {"generated_at": now.isoformat(timespec="seconds"),
            "sites": [site_waits(session, site, now) for site in queue.all_sites(session)]}
