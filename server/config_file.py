"""The whole configuration as one JSON file: to move a set-up from a test server to production.

What goes in: sites (with opening hours, exceptions and branding), their services (with appointment
hours), counters (with default work profiles) and printers (name, connection, profile), and the
departments. What never goes in: staff, passwords, devices' tokens, customers, tickets, bookings or
any history.

An import matches rows by their natural keys (a site's slug, a service's code, a counter's number, a
printer's name, a department's code): what the file names is added or updated, what it does not name
is left alone, so importing one file twice changes nothing the second time. Everything is checked
before anything is written, in the same transaction that then writes it all: a bad file changes
nothing, and ``ImportInvalid`` says what is wrong where.
"""

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session, select

from server import config, hours, requests
from server.errors import Invalid, N_
from server.models import (
    AppointmentHours, Counter, CounterDefaultService, Department, OpeningException, Printer, Service, Site,
)

FORMAT = "luukku-config"
VERSION = 1
SITE_TEXTS = ("name", "name_sv", "name_en", "address", "phone", "timezone", "languages", "brand_colour",
              "no_show_after_calls",
              *(f"{part}_{lang}" for part in ("display_notice", "ticket_header", "ticket_footer")
                for lang in config.LANGS))
SERVICE_FIELDS = ("prefix", "name_fi", "name_sv", "name_en", "tier", "target_wait_min", "service_min", "position",
                  "active", "number_start", "number_end", "outcome_required", "transfer_position",
                  "appointment_seats", "slot_min", "buffer_min", "walk_in_share", "remote_join", "remote_from_min",
                  "remote_until_min", "remote_max_waiting")


class ImportInvalid(Invalid):
    """What is wrong in a configuration file: [(where, msgid, params)]."""

    def __init__(self, problems: list[tuple[str, str, dict]]):
        super().__init__(N_("The configuration file was not imported; nothing was changed."))
        self.problems = problems


def _week(rows) -> dict[str, str]:
    return {hours.WEEKDAYS[row.weekday]: config.span_text(row.opens, row.closes)
            for row in sorted(rows, key=lambda r: r.weekday)}


def _logo(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data else None


def export_config(session: Session) -> dict:
    sites = []
    for site in session.exec(select(Site).order_by(Site.slug)):
        entry = {"slug": site.slug, **{name: getattr(site, name) for name in SITE_TEXTS},
                 "brand_logo": _logo(site.brand_logo), "ticket_logo": _logo(site.ticket_logo)}
        entry["languages"] = site.languages.split(",")
        entry["opening_hours"] = _week(session.exec(select(hours.OpeningHours)
                                                    .where(hours.OpeningHours.site_id == site.id)))
        entry["exceptions"] = {str(e.day): config.span_text(e.opens, e.closes) or "closed"
                               for e in config.exceptions(session, site)}
        services = config.services(session, site)
        codes = {service.id: service.code for service in services}
        entry["services"] = [
            {"code": s.code, **{name: getattr(s, name) for name in SERVICE_FIELDS},
             "appointment_hours": _week(session.exec(select(AppointmentHours)
                                                     .where(AppointmentHours.service_id == s.id)))}
            for s in sorted(services, key=lambda s: s.code)]
        entry["counters"] = [
            {"number": c.number,
             "default_services": [{"service": codes[service_id], "weight": weight}
                                  for service_id, weight in config.default_profile(session, c).items()]}
            for c in sorted(config.counters(session, site), key=lambda c: c.number)]
        entry["printers"] = [{"name": p.name, "connection": p.connection, "profile": p.profile}
                             for p in session.exec(select(Printer).where(Printer.site_id == site.id)
                                                   .order_by(Printer.name))]
        sites.append(entry)
    departments = [{"code": d.code, "name_fi": d.name_fi, "name_sv": d.name_sv, "name_en": d.name_en,
                    "active": d.active}
                   for d in session.exec(select(Department).order_by(Department.code))]
    return {"format": FORMAT, "version": VERSION, "sites": sites, "departments": departments}


def dumps(data: dict) -> str:
    """One canonical text: the same configuration always gives the same file."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def loads(text: str | bytes) -> dict:
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise ImportInvalid([("", N_("This is not a JSON file."), {})]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportInvalid([("", N_("This is not a Luukku configuration file."), {})])
    if data.get("version") != VERSION:
        raise ImportInvalid([("version", N_("This file is of version %(version)s; this Luukku reads version 1."),
                              {"version": data.get("version")})])
    return data


# --- checking a file ----------------------------------------------------------------------------


def _list(value, where: str, problems: list) -> list:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.append((where, N_("A list of objects is expected here."), {}))
        return []
    return value


def _week_values(value, prefix: str, where: str, problems: list) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or any(day not in hours.WEEKDAYS for day in value):
        problems.append((where, N_("Weekdays mon … sun with hours like 08:00-16:15 are expected here."), {}))
        return {}
    return {prefix + day: span for day, span in value.items()}


def _collect(errors: dict, where: str, problems: list) -> None:
    for field, (message, params) in errors.items():
        problems.append((f"{where}.{field}", message, params))


def _decode_logo(value, where: str, kinds: tuple[str, ...], problems: list) -> bytes | None:
    if value is None:
        return None
    try:
        data = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        problems.append((where, N_("An image in base64 is expected here."), {}))
        return None
    if problem := config.check_logo(data, kinds):
        problems.append((where, *problem))
    return data


def _check_site(session: Session, entry: dict, where: str, problems: list) -> dict:
    """The site's entry as values ready to write; its problems go to ``problems``."""
    errors: dict = {}
    slug = str(entry.get("slug") or "")
    if not config.SLUG.fullmatch(slug):
        errors["slug"] = (N_("1–40 small letters a–z, digits and hyphens, e.g. main-office."), {})
    fields = config.site_fields(entry, errors)
    weekly = config.weekly_values(_week_values(entry.get("opening_hours"), "hours-", f"{where}.opening_hours", problems),
                            "hours-", errors)
    _collect(errors, where, problems)
    exceptions = {}
    raw = entry.get("exceptions") or {}
    if not isinstance(raw, dict):
        problems.append((f"{where}.exceptions", N_("Dates with hours or “closed” are expected here."), {}))
        raw = {}
    for day, span in raw.items():
        try:
            exceptions[date.fromisoformat(day)] = (None, None) if span == "closed" else hours.parse_span(str(span))
        except ValueError:
            problems.append((f"{where}.exceptions.{day}", N_("A date like 2026-12-24 with hours like 08:00-16:15 "
                                                            "or “closed” is expected here."), {}))
    existing = session.exec(select(Site).where(Site.slug == slug)).first()
    items = _list(entry.get("services"), f"{where}.services", problems)
    services, prefixes = [], {}
    named = {str(item.get("code")) for item in items}
    if existing is not None:  # the letters of services the file leaves alone stay taken
        prefixes = {s.prefix: s.code for s in config.services(session, existing) if s.code not in named}
    for i, item in enumerate(items):
        here = f"{where}.services[{item.get('code', i)}]"
        errors = {}
        code = str(item.get("code") or "")
        if not config.CODE.fullmatch(code):
            errors["code"] = (N_("1–40 small letters a–z, digits and hyphens, e.g. housing."), {})
        fields_s, appointments = config.service_fields(
            {**item, **_week_values(item.get("appointment_hours"), "appointments-", f"{here}.appointment_hours",
                                    problems)}, errors)
        for day in config.outside_opening(appointments, weekly):
            errors[f"appointment_hours.{hours.WEEKDAYS[day]}"] = (
                N_("Appointments must be within the opening hours of the day."), {})
        if any(s["code"] == code for s in services):
            errors["code"] = (N_("Another service of this site has the code “%(code)s”."), {"code": code})
        if fields_s["prefix"] in prefixes and "prefix" not in errors:
            errors["prefix"] = (N_("The service “%(service)s” already has the letter %(prefix)s."),
                                {"service": prefixes[fields_s["prefix"]], "prefix": fields_s["prefix"]})
        prefixes[fields_s["prefix"]] = code
        _collect(errors, here, problems)
        services.append({"code": code, "fields": fields_s, "appointments": appointments})
    if existing is not None:  # the services the file leaves alone keep their appointment hours
        for service in config.services(session, existing):
            if service.code in named:
                continue
            for day in config.outside_opening(config.appointment_hours(session, service), weekly):
                problems.append((f"{where}.opening_hours.{hours.WEEKDAYS[day]}", N_(
                    "The service “%(service)s” takes appointments outside these hours; change them first."),
                    {"service": service.code}))
    known_codes = {s["code"] for s in services} | set(prefixes.values())
    counters = []
    for i, item in enumerate(_list(entry.get("counters"), f"{where}.counters", problems)):
        number = str(item.get("number") or "")
        here = f"{where}.counters[{number or i}]"
        if not config.COUNTER_NUMBER.fullmatch(number) or any(c["number"] == number for c in counters):
            problems.append((f"{here}.number", N_("1–10 letters or digits, each counter its own."), {}))
        profile = {}
        for choice in _list(item.get("default_services"), f"{here}.default_services", problems):
            weight = choice.get("weight", 1)
            if choice.get("service") not in known_codes:
                problems.append((f"{here}.default_services", N_("There is no service “%(service)s”."),
                                 {"service": choice.get("service")}))
            elif not isinstance(weight, int) or not 1 <= weight <= config.MAX_WEIGHT:
                problems.append((f"{here}.default_services", N_("A weight must be a whole number from 1 to 10."), {}))
            else:
                profile[choice["service"]] = weight
        counters.append({"number": number, "profile": profile})
    printers = []
    for item in _list(entry.get("printers"), f"{where}.printers", problems):
        name, connection = str(item.get("name") or "").strip(), str(item.get("connection") or "").strip()
        if not name or len(name) > 60 or not connection or len(connection) > 300:
            problems.append((f"{where}.printers", N_("A printer needs a name (60 characters) and a connection."), {}))
        printers.append({"name": name, "connection": connection, "profile": str(item.get("profile") or "TM-T88V")})
    return {
        "slug": slug, "fields": fields, "weekly": weekly, "exceptions": exceptions, "services": services,
        "counters": counters, "printers": printers,
        "brand_logo": _decode_logo(entry.get("brand_logo"), f"{where}.brand_logo", ("PNG", "JPEG"), problems),
        "ticket_logo": _decode_logo(entry.get("ticket_logo"), f"{where}.ticket_logo", ("PNG", "JPEG", "GIF"),
                                    problems),
    }


def _check_departments(data: dict, problems: list) -> list[dict]:
    departments = []
    for item in _list(data.get("departments"), "departments", problems):
        code = str(item.get("code") or "").strip()
        names = {f"name_{lang}": str(item.get(f"name_{lang}") or "").strip() for lang in config.LANGS}
        if not code or len(code) > 40 or not all(names.values()) or any(len(n) > 200 for n in names.values()):
            problems.append((f"departments[{code}]", N_("A department needs a code (40 characters) and its names "
                                                        "in Finnish, Swedish and English."), {}))
        departments.append({"code": code, **names, "active": item.get("active", True) is not False})
    return departments


# --- importing ----------------------------------------------------------------------------------


def import_config(session: Session, staff_user_id: int | None, data: Mapping) -> dict[str, int]:
    """Checks the whole file, then writes it; returns how many sites, services, counters, printers and
    departments the file named."""
    problems: list = []
    sites = []
    for i, entry in enumerate(_list(data.get("sites"), "sites", problems)):
        site = _check_site(session, entry, f"sites[{entry.get('slug', i)}]", problems)
        if any(s["slug"] == site["slug"] for s in sites):
            problems.append((f"sites[{site['slug']}]", N_("The file names this service point twice."), {}))
        sites.append(site)
    departments = _check_departments(data, problems)
    if problems:
        raise ImportInvalid(problems)
    for department in departments:
        row = session.exec(select(Department).where(Department.code == department["code"])).first()
        if row is None:
            requests.save_department(session, department["code"], fi=department["name_fi"])
            row = session.exec(select(Department).where(Department.code == department["code"])).first()
        for name in ("name_fi", "name_sv", "name_en", "active"):
            setattr(row, name, department[name])
        session.add(row)
    for entry in sites:
        _write_site(session, staff_user_id, entry)
    return {"sites": len(sites), "services": sum(len(s["services"]) for s in sites),
            "counters": sum(len(s["counters"]) for s in sites),
            "printers": sum(len(s["printers"]) for s in sites), "departments": len(departments)}


def _write_site(session: Session, staff_user_id: int | None, entry: dict) -> None:
    site = session.exec(select(Site).where(Site.slug == entry["slug"])).first()
    if site is None:
        site = Site(slug=entry["slug"], **entry["fields"])
    else:
        for name, value in entry["fields"].items():
            setattr(site, name, value)
    site.brand_logo, site.ticket_logo = entry["brand_logo"], entry["ticket_logo"]
    session.add(site)
    session.flush()
    hours.set_weekly_hours(session, site, entry["weekly"])
    session.execute(sa.delete(OpeningException).where(OpeningException.site_id == site.id))
    session.add_all(OpeningException(site_id=site.id, day=day, opens=opens, closes=closes)
                    for day, (opens, closes) in entry["exceptions"].items())
    by_code = {s.code: s for s in config.services(session, site)}
    _assign_prefixes(session, by_code, entry["services"])
    for item in entry["services"]:
        service = by_code.get(item["code"]) or Service(site_id=site.id, code=item["code"], **item["fields"])
        for name, value in item["fields"].items():
            setattr(service, name, value)
        session.add(service)
        session.flush()
        by_code[item["code"]] = service
        session.execute(sa.delete(AppointmentHours).where(AppointmentHours.service_id == service.id))
        session.add_all(AppointmentHours(service_id=service.id, weekday=day, opens=opens, closes=closes)
                        for day, (opens, closes) in sorted(item["appointments"].items()))
    by_number = {c.number: c for c in config.counters(session, site)}
    for item in entry["counters"]:
        counter = by_number.get(item["number"])
        if counter is None:
            counter = Counter(site_id=site.id, number=item["number"])
            session.add(counter)
            session.flush()
        session.execute(sa.delete(CounterDefaultService).where(CounterDefaultService.counter_id == counter.id))
        session.add_all(CounterDefaultService(counter_id=counter.id, service_id=by_code[code].id, weight=weight,
                                              position=position)
                        for position, (code, weight) in enumerate(item["profile"].items()))
    printers = {p.name: p for p in session.exec(select(Printer).where(Printer.site_id == site.id))}
    for item in entry["printers"]:
        printer = printers.get(item["name"]) or Printer(site_id=site.id, name=item["name"], connection="")
        printer.connection, printer.profile = item["connection"], item["profile"]
        session.add(printer)
    session.flush()
    config.config_changed(session, staff_user_id, site, "config.import", f"site:{site.id}",
                          f"{len(entry['services'])} services, {len(entry['counters'])} counters")


def _assign_prefixes(session: Session, by_code: dict[str, Service], items: list[dict]) -> None:
    """Letters may move between services in one import (A to B and B to A): the services the file
    changes first get placeholder letters no ticket uses, so the unique constraint holds at each step."""
    moving = [by_code[item["code"]] for item in items
              if item["code"] in by_code and by_code[item["code"]].prefix != item["fields"]["prefix"]]
    for n, service in enumerate(moving):
        service.prefix = chr(0x2460 + n)  # ①, ②, …: never a ticket letter
        session.add(service)
    session.flush()
