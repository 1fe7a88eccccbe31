"""The national service catalogue (Suomi.fi PTV) taken into the first tier's matters and the sites'
details (docs/ptv.md): ``luukku ptv import`` and the admin page /admin/ptv (counter/ptv.py).

server/ptv_api.py reads an organisation's services and channels; here each service becomes a matter:

    title       the service's Name (its AlternativeNames go to the keywords)
    keywords    its keywords and alternative names, comma-separated
    answer      its Summary, or where it has none the first paragraph of its Description
    steps       its UserInstruction, one step a line
    bring       its requirements, one a line
    eservice    the address of the first e-service (EChannel) linked to it, per language
    ptv_id      the service's id; ptv_values: the fields above as PTV gave them (JSON)

A text PTV has in no Finnish takes Swedish, else English, in the Finnish field (a matter falls back
to Finnish in any language it lacks). A site whose name (or first address line) is a service
location's takes the location's address and phone number.

Importing again changes only what PTV changed. A field staff edited by hand (it differs from
ptv_values) is never overwritten unless the caller names it: PTV's change there is a conflict, shown
with both values and kept until overwritten. A service gone from PTV deactivates its matter (never
deletes it), and one that comes back activates it again. A dry run (``apply=False``) returns the plan
and changes nothing; the plan of an applied import says what was done.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session, select

from server import audit, matters, ptv_api
from server.events import record_event
from server.models import Matter, MatterSite, Site, utcnow
from server.ptv_api import Catalogue, Channel, Service, Skipped, Text

LANGS = ("fi", "sv", "en")
TEXT_FIELDS = ("title", "keywords", "answer", "steps", "bring", "eservice_url")
FIELDS = tuple(f"{name}_{lang}" for name in TEXT_FIELDS for lang in LANGS)
# The most each field holds: the matters' form's limits (server/matters.py), which PTV's texts may
# pass (its requirements take 2,500 characters, any number of keywords), and the sites' columns.
LIMITS = {"title": 200, "keywords": 1000, "answer": 3000, "bring": 1500, "steps": 3000, "eservice_url": 500,
          "address": 300, "phone": 40}
IMPORT_LOCK = 0x707476  # "ptv": the PostgreSQL advisory lock an import holds
# PTV's open API gives its rich texts as Markdown (TextManager.ConvertToMarkDown): a paragraph a line,
# "* " and "1. " lists, "### " headings; people also type "- " and "• ".
BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)]|#{1,6})\s+")


@dataclass
class Change:
    """One field of a matter (``key``: its key) or a site (``key``: "site:SLUG"): Luukku's value now
    (``ours``) and PTV's (``theirs``)."""

    key: str
    name: str
    field: str
    ours: str
    theirs: str
    matter_id: int | None = None
    names: dict[str, str] = field(default_factory=dict)  # the matter's or site's name in each language

    def name_in(self, lang: str) -> str:
        return self.names.get(lang) or self.name

    @property
    def ref(self) -> str:
        """How a caller names it to overwrite it: KEY:FIELD."""
        return f"{self.key}:{self.field}"


@dataclass
class Plan:
    organization_id: str
    applied: bool = False
    new: list[Change] = field(default_factory=list)  # field "", theirs: the title
    changed: list[Change] = field(default_factory=list)
    conflicts: list[Change] = field(default_factory=list)
    overwritten: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)  # deactivated: gone from PTV
    restored: list[Change] = field(default_factory=list)  # active again: back in PTV
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Change] = field(default_factory=list)  # ours: "not-https" (left out) or "shortened"
    sites: list[tuple[str, str]] = field(default_factory=list)  # (site slug, the PTV location it matched)
    unmatched_sites: list[str] = field(default_factory=list)
    unknown_overwrites: list[str] = field(default_factory=list)
    removals_held: bool = False  # PTV gave items with no readable id: nothing was deactivated

    @property
    def changes_anything(self) -> bool:
        return bool(self.new or self.changed or self.overwritten or self.removed or self.restored)


# --- a service as a matter ------------------------------------------------------------------------


def _in(texts: list[Text], lang: str, type_: str | None = None) -> list[str]:
    return [t.value.strip() for t in texts
            if t.language == lang and (type_ is None or t.type == type_) and t.value and t.value.strip()]


def _paragraphs(text: str) -> str:
    """Lines without trailing spaces, at most one empty line between paragraphs."""
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _lines(text: str) -> str:
    """One item a line, without the list's bullets or numbers ("* ", "1. ")."""
    items = (" ".join(BULLET.sub("", line).split()) for line in text.splitlines())
    return "\n".join(item for item in items if item)


def _first_paragraph(text: str) -> str:
    """The first line of prose in a Markdown text: not a heading or a list item."""
    return next((line for line in _paragraphs(text).splitlines() if line and not BULLET.match(line)), "")


def _eservice(service: Service, channels: dict[str, Channel], lang: str) -> str:
    for link in service.service_channels:
        channel = channels.get(str(link.service_channel.id))
        if channel is not None and channel.service_channel_type == "EChannel":
            return next((page.url.strip() for page in channel.web_pages if page.language == lang and page.url), "")
    return ""


def _fit(text: str, limit: int, joiner: str = "\n") -> str:
    """``text`` within ``limit`` characters: whole lines (or keywords) while they fit, else the first
    cut at a word and marked "…"."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for part in text.split(joiner):
        if len(joiner.join([*kept, part])) > limit:
            break
        kept.append(part)
    return joiner.join(kept) if kept else text[:limit - 1].rsplit(" ", 1)[0] + "…"


def matter_values(service: Service, channels: dict[str, Channel]) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """The matter's fields as PTV gives them, and what could not be taken whole: (field, "not-https"
    or "shortened", PTV's value)."""
    values, problems = {}, []
    for lang in LANGS:
        names = _in(service.service_names, lang, "Name")
        summary = _in(service.service_descriptions, lang, "Summary")
        description = _in(service.service_descriptions, lang, "Description")
        words = [*_in(service.keywords, lang), *_in(service.service_names, lang, "AlternativeName")]
        values[f"title_{lang}"] = " ".join(names[:1])
        values[f"keywords_{lang}"] = ", ".join(dict.fromkeys(w.replace(",", " ") for w in words))
        values[f"answer_{lang}"] = _paragraphs(summary[0]) if summary else _first_paragraph(" ".join(description[:1]))
        values[f"steps_{lang}"] = _lines("\n".join(_in(service.service_descriptions, lang, "UserInstruction")))
        values[f"bring_{lang}"] = _lines("\n".join(_in(service.requirements, lang)))
        for name in ("title", "keywords", "answer", "steps", "bring"):
            text = values[f"{name}_{lang}"]
            values[f"{name}_{lang}"] = _fit(text, LIMITS[name], ", " if name == "keywords" else "\n")
            if len(text) > LIMITS[name]:
                problems.append((f"{name}_{lang}", "shortened", text[:300]))
        url = _eservice(service, channels, lang)
        if url and (urlsplit(url).scheme != "https" or len(url) > LIMITS["eservice_url"]):
            problems.append((f"eservice_url_{lang}", "not-https", url[:200]))
            url = ""
        values[f"eservice_url_{lang}"] = url
    for name in TEXT_FIELDS:  # Finnish is what any language falls back to: never empty when PTV has one
        values[f"{name}_fi"] = values[f"{name}_fi"] or values[f"{name}_sv"] or values[f"{name}_en"]
    return values, problems


def _key(title: str, taken: set[str]) -> str:
    """A new matter's key from its title: "Asukaspysäköintitunnus" → "asukaspysakointitunnus"."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", title.casefold()) if not unicodedata.combining(c))
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:72].strip("-") or "ptv"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    return key


# --- a service location as a site's details -------------------------------------------------------


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def _street(address) -> str:
    street = address.street_address
    if street is None:
        return ""
    name = next(iter(_in(street.street, "fi") or _in(street.street, "sv")), "")
    return f"{name} {street.street_number or ''}".strip()


def location_details(location: Channel) -> dict[str, str]:
    """A service location's postal address (lines) and phone number as Luukku's site keeps them: the
    Postal address where it has one, else the visiting one; "+358 9 310 12345" as "09 310 12345"."""
    details = {"address": "", "phone": ""}
    addresses = sorted(location.addresses, key=lambda a: a.type != "Postal")
    for address in addresses:
        part = address.street_address or address.post_office_box_address
        if part is None:
            continue
        first = _street(address) if address.street_address else \
            " ".join(_in(address.post_office_box_address.post_office_box, "fi")[:1])
        office = next(iter(_in(part.post_office, "fi") or _in(part.post_office, "sv")), "")
        details["address"] = "\n".join(line for line in (first, f"{part.postal_code or ''} {office}".strip()) if line)
        break
    phones = sorted((p for p in location.phone_numbers if p.number and p.type in (None, "Phone")),
                    key=lambda p: p.language != "fi")
    if phones:
        phone, number = phones[0], phones[0].number.strip()
        if phone.is_finnish_service_number or phone.prefix_number in (None, "") or number.startswith("0"):
            details["phone"] = number
        elif phone.prefix_number == "+358":
            details["phone"] = "0" + number
        else:
            details["phone"] = f"{phone.prefix_number} {number}"
    return details


def _location_of(site: Site, locations: list[Channel]) -> Channel | None:
    names = {_plain(n) for n in (site.name, site.name_sv, site.name_en) if n}
    first_line = _plain(site.address.splitlines()[0]) if site.address.strip() else ""
    for location in locations:
        if names & {_plain(n.value or "") for n in location.service_channel_names}:
            return location
    for location in locations:
        if first_line and any(_plain(_street(a)) == first_line for a in location.addresses if a.type == "Location"):
            return location
    return None


# --- the import -----------------------------------------------------------------------------------


def import_catalogue(session: Session, catalogue: Catalogue, sites: list[Site], overwrite: set[str] = frozenset(),
                     apply: bool = False, staff_user_id: int | None = None) -> Plan:
    """The plan of taking ``catalogue`` in (``apply=False``: nothing changes), or the import done in
    this transaction. New matters are offered at ``sites``, whose details are matched with PTV's
    service locations. ``overwrite``: the conflicts ("KEY:FIELD") where PTV's value replaces staff's."""
    plan = Plan(catalogue.organization_id, applied=apply, skipped=list(catalogue.skipped))
    if apply and session.get_bind().dialect.name == "postgresql":
        # One import at a time: two at once would both add the same new services (SQLite's writes
        # take turns already). The lock ends with the transaction.
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
    existing = {m.ptv_id: m for m in session.exec(select(Matter).where(Matter.ptv_id.is_not(None)))}
    taken = set(session.exec(select(Matter.key)))
    in_ptv = {item.ptv_id for item in catalogue.skipped if item.kind == "service" and item.ptv_id}
    touched: list[Matter] = []
    for service in catalogue.services:
        ptv_id = str(service.id)
        in_ptv.add(ptv_id)
        values, problems = matter_values(service, catalogue.channels)
        if not values["title_fi"]:
            plan.skipped.append(Skipped("service", ptv_id, "", "serviceNames: no Name in Finnish, Swedish or English"))
            continue
        matter = existing.get(ptv_id)
        key = matter.key if matter else _key(values["title_fi"], taken)
        names = {lang: values[f"title_{lang}"] for lang in LANGS}
        plan.notes += [Change(key, values["title_fi"], name, problem, value, names=names)
                       for name, problem, value in problems]
        if matter is None:
            plan.new.append(Change(key, values["title_fi"], "", "", values["title_fi"], names=names))
            if apply:
                matter = Matter(key=key, ptv_id=ptv_id, active=True, ptv_values=_stored({**values, "active": True}),
                                **values)
                session.add(matter)
                session.flush()
                matters.set_sites(session, matter, sites)
                touched.append(matter)
            continue
        if _compare(session, plan, matter, {**values, "active": True}, overwrite, apply):
            touched.append(matter)
        else:
            plan.unchanged += 1
    if catalogue.unreadable:
        plan.removals_held = True  # a service PTV still has may be among those that could not be read
    else:
        for ptv_id, matter in existing.items():
            if ptv_id not in in_ptv and _compare(session, plan, matter, {"active": False}, overwrite, apply):
                touched.append(matter)
    _site_details(plan, catalogue, sites, overwrite, apply)
    known = {c.ref for c in plan.conflicts + plan.overwritten}
    plan.unknown_overwrites = sorted(set(overwrite) - known)
    if apply and (touched or plan.overwritten or plan.changed):
        _tell(session, plan, touched, sites, staff_user_id)
    return plan


def _stored(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


def _compare(session: Session, plan: Plan, matter: Matter, theirs_all: dict, overwrite: set[str], apply: bool) -> bool:
    """PTV's values against the matter's and against what PTV gave last time (ptv_values); True when
    the matter changes."""
    try:
        last = json.loads(matter.ptv_values or "{}")
    except ValueError:
        last = {}
    record, changed = dict(last), False
    for name, theirs in theirs_all.items():
        was = last.get(name, True if name == "active" else "")
        ours = getattr(matter, name)
        if theirs == was:
            continue  # PTV did not change it (staff may have: theirs stays)
        change = Change(matter.key, matter.title_fi, name, "" if name == "active" else ours,
                        "" if name == "active" else theirs, matter.id,
                        {lang: matter.text("title", lang) for lang in LANGS})
        if ours == was or ours == theirs or change.ref in overwrite:
            record[name] = theirs
            if ours == theirs:
                continue  # already so: only the record of PTV's value moves
            if name == "active":
                (plan.restored if theirs else plan.removed).append(change)
            else:
                (plan.changed if ours == was else plan.overwritten).append(change)
            if apply:
                setattr(matter, name, theirs)
            changed = True
        else:
            plan.conflicts.append(change)  # kept as staff wrote it, and asked about again next time
    if apply and record != last:
        matter.ptv_values = _stored(record)
        if changed:
            matter.updated_at = utcnow()  # the sites' search indexes are built again
        session.add(matter)
    return changed


def _site_details(plan: Plan, catalogue: Catalogue, sites: list[Site], overwrite: set[str], apply: bool) -> None:
    locations = [c for c in catalogue.channels.values() if c.service_channel_type == "ServiceLocation"]
    for site in sites:
        location = _location_of(site, locations)
        if location is None:
            plan.unmatched_sites.append(site.slug)
            continue
        plan.sites.append((site.slug, next((n.value for n in location.service_channel_names
                                            if n.language == "fi" and n.value), str(location.id))))
        for name, theirs in location_details(location).items():
            ours = getattr(site, name)
            if not theirs or _plain(ours) == _plain(theirs):
                continue
            change = Change(f"site:{site.slug}", site.name, name, ours, theirs,
                            names={lang: site.name_in(lang) for lang in LANGS})
            if ours.strip() and change.ref not in overwrite:
                plan.conflicts.append(change)  # no record of PTV's last value: whoever wrote it, ask
                continue
            (plan.overwritten if ours.strip() else plan.changed).append(change)
            if apply:
                setattr(site, name, theirs[:LIMITS[name]])


def _tell(session: Session, plan: Plan, touched: list[Matter], sites: list[Site], staff_user_id: int | None) -> None:
    """The audit row, and a ``config.changed`` event for each site whose catalogue or details changed
    (its kiosks and phones take the new catalogue)."""
    session.flush()
    ids = [m.id for m in touched]
    site_ids = set(session.exec(select(MatterSite.site_id).where(MatterSite.matter_id.in_(ids)))) if ids else set()
    site_ids |= {s.id for s in sites if any(c.key == f"site:{s.slug}" for c in plan.changed + plan.overwritten)}
    audit.record(session, staff_user_id, "ptv.import", target=f"ptv:{plan.organization_id}",
                 detail=f"new {len(plan.new)}, changed {len(plan.changed)}, overwritten {len(plan.overwritten)}, "
                        f"deactivated {len(plan.removed)}, activated {len(plan.restored)}, "
                        f"conflicts kept {len(plan.conflicts)}, skipped {len(plan.skipped)}")
    for site in session.exec(select(Site).where(Site.id.in_(site_ids)).order_by(Site.id)) if site_ids else ():
        session.add(site)
        record_event(session, site, "config.changed", staff_user_id=staff_user_id, what="ptv")


# --- the plan, told plainly (the command line) -----------------------------------------------------


def _short(text: str, width: int = 70) -> str:
    one = " / ".join(line.strip() for line in text.splitlines() if line.strip())
    return f'"{one[:width - 1]}…"' if len(one) > width else f'"{one}"'


def describe(plan: Plan, catalogue: Catalogue) -> list[str]:
    """The plan (or what was done) in plain English lines, for ``luukku ptv import``."""
    lines = [f"PTV organisation {plan.organization_id} (open API {ptv_api.API_VERSION}): {len(catalogue.services)} "
             f"services and {len(catalogue.channels)} channels read in {catalogue.requests} requests.",
             "Imported." if plan.applied else "Dry run: nothing was changed."]

    def section(title: str, items: list, line) -> None:
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines.extend(f"  {line(item)}" for item in items)

    section("New matters", plan.new, lambda c: f"+ {c.key}  {c.theirs}")
    section("Changed", plan.changed, lambda c: f"~ {c.ref}: {_short(c.ours)} -> {_short(c.theirs)}")
    section("Overwritten with PTV's value", plan.overwritten, lambda c: f"~ {c.ref}: {_short(c.ours)} -> {_short(c.theirs)}")
    section("Conflicts kept as staff wrote them (--overwrite KEY:FIELD takes PTV's)", plan.conflicts,
            lambda c: f"! {c.ref}\n      Luukku: {_short(c.ours)}\n      PTV:    {_short(c.theirs)}")
    section("Deactivated: gone from PTV", plan.removed, lambda c: f"- {c.key}  {c.name}")
    section("Active again: back in PTV", plan.restored, lambda c: f"+ {c.key}  {c.name}")
    section(f"Skipped: not as the API {ptv_api.API_VERSION} gives them", plan.skipped,
            lambda s: f"? {s.kind} {s.ptv_id or '(no id)'} {s.name}: {s.reason}")
    section("Not taken whole", plan.notes, lambda c: f"? {c.ref}: " + (
        f"shortened to fit the form's {LIMITS[c.field.rpartition('_')[0]]} characters" if c.ours == "shortened"
        else f"not an https address of at most {LIMITS['eservice_url']} characters: {c.theirs}"))
    if plan.removals_held:
        lines.append("Nothing was deactivated: PTV gave items whose id could not be read, and a service gone "
                     "from PTV cannot be told from them.")
    for slug, location in plan.sites:
        lines.append(f"Site {slug}: PTV's service location \"{location}\" (address and phone).")
    for slug in plan.unmatched_sites:
        lines.append(f"Site {slug}: no PTV service location has its name or street address.")
    if plan.unknown_overwrites:
        lines.append("Not conflicts now, left alone: " + ", ".join(plan.unknown_overwrites))
    lines.append(f"Unchanged: {plan.unchanged}.")
    return lines
