"""The first tier's catalogue: the matters citizens come with, which sites offer each, and what the
guide did with them (server/search.py finds them; kiosk/guide.py and the phone pages show them).

A matter can be settled oneself (it has an e-service), or needs a service's clerk (``service_code``,
the same code at each site), or an expert's booked time (``book``); often one and the other.
"""

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, select

from server import audit
from server.config import FieldErrors
from server.errors import N_, NotFound
from server.events import record_event
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



# --- the catalogue's administration (counter/admin_matters.py) ----------------------------------
# Staff edit a matter in a form of strings; a mistake is reported beside its field (FieldErrors, as
# the other administration pages do) and nothing changes. PTV's fields (ptv_id, ptv_values) are never
# touched here: the PTV import compares them with the matter to see what staff changed by hand.

LANGS = ("fi", "sv", "en")
KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
# The most each text may hold, in characters: a title fits a topic button and a printed slip's
# heading; an answer is read standing at a kiosk, a few sentences.
LIMITS = {"title": 200, "keywords": 1000, "answer": 3000, "bring": 1500, "steps": 3000, "eservice_url": 500}
MAX_TOPIC_POSITION = 99
PER_PAGE = 100


def catalogue(session: Session, site: Site | None = None, text: str = "") -> list[Matter]:
    """Every matter, the inactive too, by Finnish title; only those ``site`` offers, and only those
    whose key, titles or keywords in any language hold ``text`` (case and accents as typed: Python's
    casefold, not the database's lower(), which leaves ä as it is on SQLite)."""
    query = select(Matter).order_by(Matter.title_fi, Matter.id)
    if site is not None:
        query = query.join(MatterSite, MatterSite.matter_id == Matter.id).where(MatterSite.site_id == site.id)
    matters = list(session.exec(query))
    words = text.casefold().split()
    if not words:
        return matters

    def haystack(m: Matter) -> str:
        return " ".join([m.key, *(getattr(m, f"{field}_{lang}") for field in ("title", "keywords")
                                   for lang in LANGS)]).casefold()

    return [m for m in matters if all(word in haystack(m) for word in words)]


def by_id(session: Session, matter_id: int) -> Matter:
    """Any matter, inactive or offered nowhere, or NotFound."""
    matter = session.get(Matter, matter_id)
    if matter is None:
        raise NotFound(N_("There is no such matter."))
    return matter


def sites_by_matter(session: Session) -> dict[int, list[Site]]:
    """The sites offering each matter, for a list of many: one query."""
    found: dict[int, list[Site]] = {}
    for link, site in session.exec(select(MatterSite, Site).join(Site, Site.id == MatterSite.site_id)
                                   .order_by(Site.name)):
        found.setdefault(link.matter_id, []).append(site)
    return found


def service_codes(session: Session) -> dict[str, list[Service]]:
    """The services a matter can name, by code, each code with its services at the sites (the same
    code at each site is the same service)."""
    found: dict[str, list[Service]] = {}
    for service in session.exec(select(Service).order_by(Service.code, Service.site_id)):
        found.setdefault(service.code, []).append(service)
    return found


def self_service(matter: Matter) -> bool:
    """It can be settled oneself: it has an e-service in some language."""
    return any(getattr(matter, f"eservice_url_{lang}") for lang in LANGS)


def missing_languages(texts: Mapping, languages: tuple[str, ...] = ("sv", "en")) -> list[str]:
    """The languages (of ``languages``) whose visitors see the Finnish text for lack of their own:
    no title, or no answer, list or steps where the Finnish has one. ``texts``: a matter's fields by
    name (``title_sv`` …), a Matter's or a form's."""
    value = texts.get if isinstance(texts, Mapping) else lambda name: getattr(texts, name, "")
    missing = []
    for lang in languages:
        if lang == "fi":
            continue
        if not str(value(f"title_{lang}") or "").strip() or any(
                str(value(f"{field}_fi") or "").strip() and not str(value(f"{field}_{lang}") or "").strip()
                for field in ("answer", "bring", "steps")):
            missing.append(lang)
    return missing


def visitor_languages(sites: list[Site]) -> tuple[str, ...]:
    """The languages the visitors of these sites may choose (all three while it is offered nowhere)."""
    if not sites:
        return LANGS
    chosen = {lang for site in sites for lang in site.languages.split(",")}
    return tuple(lang for lang in LANGS if lang in chosen)


def key_from(title: str) -> str:
    """A key made from a title: "Pysäköintitunnus asukkaille" → "pysakointitunnus-asukkaille"."""
    plain = unicodedata.normalize("NFKD", title.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:80].strip("-")


def _text(values: Mapping, name: str) -> str:
    value = values.get(name)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def _url_problem(url: str) -> tuple[str, dict] | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme != "https":
        return N_("The address must begin with https://, e.g. https://www.suomi.fi/."), {}
    if not parts.hostname or "." not in parts.hostname or any(c.isspace() for c in url):
        return N_("This is not a web address; write it like https://asiointi.example.fi/lupa."), {}
    return None


def matter_fields(session: Session, values: Mapping, errors: dict) -> tuple[dict, list[Site]]:
    """A matter's fields and its sites from a form (``sites``: the sites' slugs); each mistake goes
    into ``errors`` as {field: (msgid, params)}."""
    fields: dict = {}
    for field, limit in LIMITS.items():
        for lang in LANGS:
            name = f"{field}_{lang}"
            text = _text(values, name)
            if field in ("title", "eservice_url"):
                text = " ".join(text.split())  # one line
            if len(text) > limit:
                errors[name] = (N_("At most %(limit)d characters (now %(length)d)."),
                                {"limit": limit, "length": len(text)})
            elif field == "eservice_url" and (problem := _url_problem(text)):
                errors[name] = problem
            fields[name] = text
    if not fields["title_fi"]:
        errors["title_fi"] = (N_("A matter needs its Finnish title: the other languages fall back to it."), {})
    position = _text(values, "topic_position") or "0"
    if not position.isdigit() or int(position) > MAX_TOPIC_POSITION:
        errors["topic_position"] = (N_("A whole number from %(low)d to %(high)d."),
                                    {"low": 0, "high": MAX_TOPIC_POSITION})
        position = "0"
    fields["topic_position"] = int(position)
    fields["book"] = _flag(values, "book")
    fields["active"] = _flag(values, "active")

    slugs = values.get("sites") or []
    slugs = [slugs] if isinstance(slugs, str) else list(slugs)
    sites = list(session.exec(select(Site).where(Site.slug.in_(slugs)).order_by(Site.id))) if slugs else []
    if len(sites) != len(set(slugs)):
        errors["sites"] = (N_("Choose among the service points listed."), {})

    code = _text(values, "service_code")
    fields["service_code"] = code or None
    if code:
        offering = select(Service.site_id).where(Service.code == code)
        at = set(session.exec(offering))
        if not at:
            errors["service_code"] = (N_("There is no service “%(service)s”."), {"service": code[:40]})
        elif sites and not at & {site.id for site in sites}:
            errors["service_code"] = (N_("None of the chosen service points has the service “%(service)s”."),
                                      {"service": code})
    if fields["book"] and not code:
        errors["book"] = (N_("A booked time is made for a service: choose the service that takes the matter."), {})
    return fields, sites


def _flag(values: Mapping, name: str) -> bool:
    value = values.get(name)
    return value is True or str(value).lower() in ("on", "true", "1", "yes")


def save(session: Session, staff_user_id: int | None, matter_id: int | None, values: Mapping) -> Matter:
    """Adds a matter (``matter_id`` None; its key from ``values``, or made from the Finnish title) or
    changes one, and the sites that offer it. Bumps ``updated_at`` (the sites' search indexes are
    built again, version() above), writes an audit row and tells each site's live screens (a
    ``config.changed`` event) where the matter was or is offered."""
    errors: dict = {}
    matter = by_id(session, matter_id) if matter_id is not None else None
    fields, sites = matter_fields(session, values, errors)
    if matter is None:
        key = _text(values, "key").lower() or key_from(fields["title_fi"])
        if not key and "title_fi" in errors:
            pass  # made from the title once it is there: one mistake to correct, not two
        elif not KEY.fullmatch(key):
            errors["key"] = (N_("1–80 small letters a–z, digits and hyphens, e.g. parking-permit-resident."), {})
        elif session.exec(select(Matter.id).where(Matter.key == key)).first() is not None:
            errors["key"] = (N_("Another matter has the key “%(key)s”."), {"key": key})
    if errors:
        raise FieldErrors(errors)
    before = {site.id: site for site in sites_of(session, matter)} if matter is not None else {}
    if matter is None:
        matter = Matter(key=key, **fields)
        changed = ["new"]
    else:
        # A text the form gives back as it showed it stays byte for byte as stored (PTV's line ends
        # and spaces too): the PTV import sees a field as staff's own only when staff changed it.
        as_shown = matter_fields(session, {**_values_of(matter), "sites": []}, {})[0]
        changed = [name for name, value in fields.items() if as_shown[name] != value]
        for name in changed:
            setattr(matter, name, fields[name])
    matter.updated_at = utcnow()
    session.add(matter)
    session.flush()
    if set(before) != {site.id for site in sites}:
        changed.append("sites")
    set_sites(session, matter, sites)
    audit.record(session, staff_user_id, "config.matter.save", target=f"matter:{matter.id}",
                 detail=f"{matter.key}: {', '.join(changed) or 'nothing'}")
    for site in {**before, **{site.id: site for site in sites}}.values():
        record_event(session, site, "config.changed", staff_user_id=staff_user_id, what=f"matter:{matter.id}")
    return matter


def _values_of(matter: Matter) -> dict:
    """A matter's fields as the form shows them."""
    values = {f"{field}_{lang}": getattr(matter, f"{field}_{lang}") for field in LIMITS for lang in LANGS}
    return {**values, "service_code": matter.service_code or "", "topic_position": str(matter.topic_position),
            "book": matter.book, "active": matter.active}


def forget_queries(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Clears the words of searches that found nothing once they are ``retention_days`` old; the
    events stay, so the reports still count them. Returns how many were cleared."""
    until = (now or utcnow()) - timedelta(days=retention_days)
    return session.execute(
        sa.update(GuideEvent).where(GuideEvent.query.is_not(None), GuideEvent.at < until)
        .values(query=None).execution_options(synchronize_session=False)).rowcount
