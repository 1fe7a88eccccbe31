"""The first tier's catalogue: the matters citizens come with, which sites offer each, and what the
guide did with them (server/search.py finds them; kiosk/guide.py and the phone pages show them).

A matter can be settled oneself (it has an e-service), or needs a service's clerk (``service_code``,
the same code at each site), or an expert's booked time (``book``); often one and the other.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from server.errors import N_, NotFound
from server.models import GuideEvent, Matter, MatterSite, Service, Site, utcnow

# What the guide records (GuideEvent.kind): a matter opened, settled by self-service ("This solved
# it"), its steps printed, a queue number taken or a time booked from it; a search that found nothing.
GUIDE_EVENTS = ("opened", "solved", "printed", "ticket", "booked", "not-found")
CHANNELS = ("kiosk", "phone")
TEXT_FIELDS = ("title", "keywords", "answer", "bring", "steps", "eservice_url")
QUERY_MAX = 100


def for_site(session: Session, site: Site) -> list[Matter]:
    """The site's active matters, in a stable order."""
    return list(session.exec(
        select(Matter).join(MatterSite, MatterSite.matter_id == Matter.id)
        .where(MatterSite.site_id == site.id, Matter.active).order_by(Matter.id)))


def version(session: Session, site: Site) -> tuple:
    """Changes whenever the site's catalogue does (a matter edited, added, removed, shared or not):
    what a cached search index is checked against, cheaply, on every search."""
    row = session.exec(
        select(sa.func.count(), sa.func.max(Matter.updated_at), sa.func.sum(Matter.id))
        .select_from(Matter).join(MatterSite, MatterSite.matter_id == Matter.id)
        .where(MatterSite.site_id == site.id, Matter.active)).one()
    return tuple(row)


def get(session: Session, site: Site, matter_id: int) -> Matter:
    """One of the site's active matters, or NotFound."""
    matter = session.exec(
        select(Matter).join(MatterSite, MatterSite.matter_id == Matter.id)
        .where(Matter.id == matter_id, MatterSite.site_id == site.id, Matter.active)).first()
    if matter is None:
        raise NotFound(N_("There is no such matter here."))
    return matter


def topics(session: Session, site: Site) -> list[Matter]:
    """The matters shown as topic buttons on the guide's first screen, in their order."""
    return list(session.exec(
        select(Matter).join(MatterSite, MatterSite.matter_id == Matter.id)
        .where(MatterSite.site_id == site.id, Matter.active, Matter.topic_position > 0)
        .order_by(Matter.topic_position, Matter.id)))


def service_for(session: Session, site: Site, matter: Matter) -> Service | None:
    """The site's active service that takes the matter, if it has one."""
    if not matter.service_code:
        return None
    return session.exec(select(Service).where(Service.site_id == site.id, Service.code == matter.service_code,
                                              Service.active)).first()


def sites_of(session: Session, matter: Matter) -> list[Site]:
    return list(session.exec(select(Site).join(MatterSite, MatterSite.site_id == Site.id)
                             .where(MatterSite.matter_id == matter.id).order_by(Site.id)))


def set_sites(session: Session, matter: Matter, sites: list[Site]) -> None:
    """Offer the matter at exactly these sites."""
    wanted = {site.id for site in sites}
    for link in session.exec(select(MatterSite).where(MatterSite.matter_id == matter.id)):
        if link.site_id not in wanted:
            session.delete(link)
        wanted.discard(link.site_id)
    for site_id in sorted(wanted):
        session.add(MatterSite(matter_id=matter.id, site_id=site_id))
    matter.updated_at = utcnow()  # the sites' search indexes are built again
    session.add(matter)


def record(session: Session, site: Site, kind: str, channel: str, lang: str, matter: Matter | None = None,
           query: str | None = None, now: datetime | None = None) -> GuideEvent:
    """One thing the guide did, for the reports. Only a search that found nothing keeps its words."""
    assert kind in GUIDE_EVENTS and channel in CHANNELS, (kind, channel)
    words = " ".join((query or "").lower().split())[:QUERY_MAX] if kind == "not-found" else None
    event = GuideEvent(site_id=site.id, at=now or utcnow(), channel=channel, kind=kind, lang=lang,
                       matter_id=matter.id if matter else None, query=words or None)
    session.add(event)
    return event

