"""The administration of a site: its own settings, opening hours, services and counters.

Input comes as form strings or JSON values (the administration pages and the configuration file,
server/config_file.py, share these checks). A mistake is reported beside its field
(``FieldErrors``) and nothing changes. Every change writes an audit row and records a public
``config.changed`` event for the site, so live screens (kiosk, displays, counters) render the new
configuration at once: no restart.
"""

import re
from collections.abc import Mapping
from datetime import date, time
from io import BytesIO
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlmodel import Session, select

from server import audit, hours, requests
from server.errors import Conflict, Invalid, N_, NotFound
from server.events import record_event
from server.models import (
    AppointmentHours, Counter, CounterDefaultService, CounterService, Department, Event, OpeningException, OpeningHours,
    Service, ServicePeriod, Site, Ticket,
)

LANGS = ("fi", "sv", "en")
WEEKDAYS = hours.WEEKDAYS
TIERS = ("generalist", "expert")
TRANSFER_POSITIONS = ("arrival", "front")
MAX_WEIGHT = 10
MAX_LOGO_BYTES = 512 * 1024
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
PREFIX = re.compile(r"[A-ZÅÄÖ]")
COUNTER_NUMBER = re.compile(r"[0-9A-Za-z]{1,10}")  # what the voice reads out: "3", "12", "B"
COLOUR = re.compile(r"#[0-9a-f]{6}")
PHONE = re.compile(r"\+?[\d\s()-]{6,40}")  # as people write it: "09 310 12345", "+358 9 310 12345"

Message = tuple[str, dict]  # an English msgid and its parameters


class FieldErrors(Invalid):
    """Mistakes in a form or a file, each under its field's name: {field: (msgid, params)}."""

    def __init__(self, errors: dict[str, Message]):
        super().__init__(N_("Some fields need correcting; nothing was changed."))
        self.errors = errors


# --- reading values -----------------------------------------------------------------------------


def _text(values: Mapping, name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value).replace("\r\n", "\n").strip()


def _flag(values: Mapping, name: str) -> bool:
    value = values.get(name)
    return value is True or str(value).lower() in ("on", "true", "1", "yes")


def _number(values: Mapping, name: str, low: int, high: int, errors: dict, default: int | None = None) -> int:
    text = _text(values, name)
    if not text and default is not None:
        return default
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        errors[name] = (N_("A whole number from %(low)d to %(high)d."), {"low": low, "high": high})
        return low
    return number


def _limited(values: Mapping, name: str, limit: int, errors: dict, required: bool = False) -> str:
    text = _text(values, name)
    if required and not text:
        errors[name] = (N_("This is needed."), {})
    elif len(text) > limit:
        errors[name] = (N_("At most %(limit)d characters (now %(length)d)."), {"limit": limit, "length": len(text)})
    return text


def span_text(opens: time | None, closes: time | None) -> str:
    return f"{opens:%H:%M}-{closes:%H:%M}" if opens is not None and closes is not None else ""


def weekly_values(values: Mapping, prefix: str, errors: dict) -> dict[int, tuple[time, time]]:
    """Fields ``{prefix}mon`` … ``{prefix}sun``, each "08:00-16:15" or empty (closed / none)."""
    week = {}
    for weekday, day in enumerate(WEEKDAYS):
        text = _text(values, prefix + day)
        if not text:
            continue
        try:
            week[weekday] = hours.parse_span(text)
        except ValueError:
            errors[prefix + day] = (N_("Write the hours like 08:00-16:15, the closing after the opening."), {})
    return week


# --- the site -----------------------------------------------------------------------------------


def site_fields(values: Mapping, errors: dict) -> dict:
    """The site's own settings from ``values`` (form strings or the file's JSON values)."""
    fields = {
        "name": _limited(values, "name", 200, errors, required=True),
        "name_sv": _limited(values, "name_sv", 200, errors),
        "name_en": _limited(values, "name_en", 200, errors),
        "address": _limited(values, "address", 300, errors),
        "phone": _text(values, "phone"),
        "timezone": _text(values, "timezone"),
        "no_show_after_calls": _number(values, "no_show_after_calls", 1, 10, errors, default=3),
    }
    if fields["timezone"] not in available_timezones():
        errors["timezone"] = (N_("Not a time zone; write it like Europe/Helsinki."), {})
    chosen = values.get("languages")
    chosen = chosen.split(",") if isinstance(chosen, str) else list(chosen or [])
    chosen = [str(lang).strip() for lang in chosen if str(lang).strip()]
    if not chosen or any(lang not in LANGS for lang in chosen):
        errors["languages"] = (N_("Choose one or more of Finnish, Swedish and English."), {})
    fields["languages"] = ",".join(lang for lang in LANGS if lang in chosen)
    if fields["phone"] and (not PHONE.fullmatch(fields["phone"]) or len(re.sub(r"\D", "", fields["phone"])) < 5):
        errors["phone"] = (N_("Write the phone number as 09 310 12345 or +358 9 310 12345, or leave it empty."), {})
    colour = _text(values, "brand_colour").lower()
    if colour and not COLOUR.fullmatch(colour):
        errors["brand_colour"] = (N_("Write the colour as #rrggbb, e.g. #00558c, or leave it empty."), {})
    fields["brand_colour"] = colour
    for lang in LANGS:
        fields[f"display_notice_{lang}"] = _limited(values, f"display_notice_{lang}", 300, errors)
        fields[f"ticket_header_{lang}"] = _limited(values, f"ticket_header_{lang}", 500, errors)
        fields[f"ticket_footer_{lang}"] = _limited(values, f"ticket_footer_{lang}", 500, errors)
    return fields


def check_logo(data: bytes, kinds: tuple[str, ...]) -> Message | None:
    """Why the image cannot be a logo, or None when it can."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_LOGO_BYTES:
        return N_("The logo is %(size)d kB; keep it under 512 kB."), {"size": len(data) // 1024}
    try:
        kind = Image.open(BytesIO(data)).format
    except UnidentifiedImageError:
        kind = None
    if kind not in kinds:
        return N_("The logo must be an image of type %(kinds)s."), {"kinds": ", ".join(kinds)}
    return None


def config_changed(session: Session, staff_user_id: int | None, site: Site, action: str, target: str,
                   detail: str = "") -> None:
    """The audit row and the event every change of the configuration makes."""
    audit.record(session, staff_user_id, action, target=target, detail=detail)
    record_event(session, site, "config.changed", staff_user_id=staff_user_id, what=target)


def _changed_fields(row, fields: dict) -> list[str]:
    changed = [name for name, value in fields.items() if getattr(row, name) != value]
    for name, value in fields.items():
        setattr(row, name, value)
    return changed


def create_site(session: Session, staff_user_id: int | None, slug: str, values: Mapping) -> Site:
    errors: dict = {}
    slug = slug.strip().lower()
    if not SLUG.fullmatch(slug) or slug == "new":
        errors["slug"] = (N_("1–40 small letters a–z, digits and hyphens, e.g. main-office."), {})
    elif session.exec(select(Site).where(Site.slug == slug)).first() is not None:
        errors["slug"] = (N_("Another service point has this short name."), {})
    fields = site_fields(values, errors)
    if errors:
        raise FieldErrors(errors)
    site = Site(slug=slug, **fields)
    session.add(site)
    session.flush()
    config_changed(session, staff_user_id, site, "config.site.create", f"site:{site.id}")
    return site


def update_site(session: Session, staff_user_id: int | None, site: Site, values: Mapping) -> Site:
    errors: dict = {}
    fields = site_fields(values, errors)
    if errors:
        raise FieldErrors(errors)
    changed = _changed_fields(site, fields)
    session.add(site)
    config_changed(session, staff_user_id, site, "config.site.update", f"site:{site.id}", ", ".join(changed))
    return site


def set_logo(session: Session, staff_user_id: int | None, site: Site, which: str, data: bytes | None) -> None:
    """``which``: "brand_logo" (displays: PNG or JPEG) or "ticket_logo" (tickets: also GIF); None removes it."""
    kinds = ("PNG", "JPEG") if which == "brand_logo" else ("PNG", "JPEG", "GIF")
    if data is not None and (problem := check_logo(data, kinds)):
        raise FieldErrors({which: problem})
    setattr(site, which, data)
    session.add(site)
    config_changed(session, staff_user_id, site, "config.site.logo", f"site:{site.id}", which)


# --- opening hours ------------------------------------------------------------------------------


def weekly_hours(session: Session, site: Site) -> dict[int, tuple[time, time]]:
    rows = session.exec(select(OpeningHours).where(OpeningHours.site_id == site.id))
    return {row.weekday: (row.opens, row.closes) for row in rows}


def appointment_hours(session: Session, service: Service) -> dict[int, tuple[time, time]]:
    rows = session.exec(select(AppointmentHours).where(AppointmentHours.service_id == service.id))
    return {row.weekday: (row.opens, row.closes) for row in rows}


def outside_opening(appointments: dict[int, tuple[time, time]], opening: dict[int, tuple[time, time]]) -> list[int]:
    """Weekdays whose appointment hours are not within the opening hours (none open: around the clock)."""
    if not opening:
        return []
    return [day for day, (opens, closes) in appointments.items()
            if day not in opening or opens < opening[day][0] or closes > opening[day][1]]


def set_opening_hours(session: Session, staff_user_id: int | None, site: Site, values: Mapping) -> None:
    """Fields ``hours-mon`` … ``hours-sun``; all empty: open around the clock. Services' appointment
    hours must stay within them."""
    errors: dict = {}
    week = weekly_values(values, "hours-", errors)
    if not errors:
        for service in session.exec(select(Service).where(Service.site_id == site.id)):
            for day in outside_opening(appointment_hours(session, service), week):
                errors[f"hours-{WEEKDAYS[day]}"] = (
                    N_("The service “%(service)s” takes appointments outside these hours; change them first."),
                    {"service": service.code})
    if errors:
        raise FieldErrors(errors)
    hours.set_weekly_hours(session, site, week)
    config_changed(session, staff_user_id, site, "config.hours.update", f"site:{site.id}",
                   "; ".join(hours.describe(session, site)))


def set_exception(session: Session, staff_user_id: int | None, site: Site, day: str, span: str) -> None:
    """One day's own hours ("08:00-18:00") or "closed" (an empty span too)."""
    errors: dict = {}
    try:
        when = date.fromisoformat(day.strip())
    except ValueError:
        errors["day"] = (N_("Write the date like 2026-12-24."), {})
    span = span.strip() or "closed"
    if span.lower() != "closed":
        try:
            hours.parse_span(span)
        except ValueError:
            errors["span"] = (N_("Write the hours like 08:00-16:15, the closing after the opening."), {})
    if errors:
        raise FieldErrors(errors)
    hours.set_exception(session, site, when, span)
    config_changed(session, staff_user_id, site, "config.exception.set", f"site:{site.id}", f"{when} {span}")


def remove_exception(session: Session, staff_user_id: int | None, site: Site, day: date) -> None:
    session.execute(sa.delete(OpeningException).where(OpeningException.site_id == site.id,
                                                      OpeningException.day == day))
    config_changed(session, staff_user_id, site, "config.exception.remove", f"site:{site.id}", str(day))


def exceptions(session: Session, site: Site) -> list[OpeningException]:
    return list(session.exec(select(OpeningException).where(OpeningException.site_id == site.id)
                             .order_by(OpeningException.day)))


# --- services -----------------------------------------------------------------------------------


def services(session: Session, site: Site) -> list[Service]:
    """Every service of the site, the inactive too, in the kiosk's order."""
    return list(session.exec(select(Service).where(Service.site_id == site.id)
                             .order_by(Service.position, Service.prefix)))


def get_service(session: Session, site: Site, code: str) -> Service:
    service = session.exec(select(Service).where(Service.site_id == site.id, Service.code == code)).first()
    if service is None:
        raise NotFound(N_("There is no service “%(service)s”."), service=code)
    return service


def service_fields(values: Mapping, errors: dict) -> tuple[dict, dict[int, tuple[time, time]]]:
    """A service's settings and its appointment hours (``appointments-mon`` …)."""
    fields = {
        "prefix": _text(values, "prefix").upper(),
        "tier": _text(values, "tier") or "generalist",
        "target_wait_min": _number(values, "target_wait_min", 1, 480, errors, default=15),
        "service_min": _number(values, "service_min", 1, 480, errors, default=6),
        "position": _number(values, "position", 0, 999, errors, default=0),
        "active": _flag(values, "active"),
        "number_start": _number(values, "number_start", 0, 9998, errors, default=1),
        "number_end": _number(values, "number_end", 1, 9999, errors, default=999),
        "outcome_required": _flag(values, "outcome_required"),
        "transfer_position": _text(values, "transfer_position") or "arrival",
        "appointment_seats": _number(values, "appointment_seats", 0, 100, errors, default=0),
        "slot_min": _number(values, "slot_min", 5, 480, errors, default=20),
        "buffer_min": _number(values, "buffer_min", 0, 240, errors, default=0),
        "walk_in_share": _number(values, "walk_in_share", 0, 100, errors, default=0),
        # Joining from a phone (server/remote.py): minutes after opening, minutes before closing, and
        # how many remote tickets may wait at once.
        "remote_join": _flag(values, "remote_join"),
        "remote_from_min": _number(values, "remote_from_min", 0, 720, errors, default=0),
        "remote_until_min": _number(values, "remote_until_min", 0, 720, errors, default=60),
        "remote_max_waiting": _number(values, "remote_max_waiting", 0, 1000, errors, default=20),
    }
    for lang in LANGS:
        fields[f"name_{lang}"] = _limited(values, f"name_{lang}", 200, errors, required=True)
    if not PREFIX.fullmatch(fields["prefix"]):
        errors["prefix"] = (N_("One capital letter, A–Z, Å, Ä or Ö."), {})
    if fields["tier"] not in TIERS:
        errors["tier"] = (N_("Generalist or expert."), {})
    if fields["transfer_position"] not in TRANSFER_POSITIONS:
        errors["transfer_position"] = (N_("By arrival time or at the front."), {})
    if "number_start" not in errors and "number_end" not in errors and fields["number_start"] >= fields["number_end"]:
        errors["number_end"] = (N_("The last number must be greater than the first."), {})
    return fields, weekly_values(values, "appointments-", errors)


def save_service(session: Session, staff_user_id: int | None, site: Site, code: str | None,
                 values: Mapping) -> Service:
    """Adds a service (``code`` None: the code comes from ``values``) or changes one."""
    errors: dict = {}
    service = get_service(session, site, code) if code is not None else None
    fields, appointments = service_fields(values, errors)
    if service is None:
        new_code = _text(values, "code").lower()
        if not CODE.fullmatch(new_code):
            errors["code"] = (N_("1–40 small letters a–z, digits and hyphens, e.g. housing."), {})
        elif session.exec(select(Service).where(Service.site_id == site.id, Service.code == new_code)).first():
            errors["code"] = (N_("Another service of this site has the code “%(code)s”."), {"code": new_code})
    same_prefix = session.exec(select(Service).where(Service.site_id == site.id,
                                                     Service.prefix == fields["prefix"])).first()
    if same_prefix is not None and same_prefix is not service and "prefix" not in errors:
        errors["prefix"] = (N_("The service “%(service)s” already has the letter %(prefix)s."),
                            {"service": same_prefix.code, "prefix": fields["prefix"]})
    for day in outside_opening(appointments, weekly_hours(session, site)):
        errors[f"appointments-{WEEKDAYS[day]}"] = (N_("Appointments must be within the opening hours of the day."), {})
    if errors:
        raise FieldErrors(errors)
    if service is None:
        service = Service(site_id=site.id, code=new_code, **fields)
        changed = ["new"]
    else:
        changed = _changed_fields(service, fields)
    session.add(service)
    session.flush()
    if appointments != appointment_hours(session, service):
        changed.append("appointment hours")
        session.execute(sa.delete(AppointmentHours).where(AppointmentHours.service_id == service.id))
        session.add_all(AppointmentHours(service_id=service.id, weekday=day, opens=opens, closes=closes)
                        for day, (opens, closes) in sorted(appointments.items()))
    config_changed(session, staff_user_id, site, "config.service.save", f"service:{service.id}",
                   ", ".join(changed))
    return service


# --- counters -----------------------------------------------------------------------------------


def counters(session: Session, site: Site) -> list[Counter]:
    return list(session.exec(select(Counter).where(Counter.site_id == site.id).order_by(Counter.id)))


def get_counter(session: Session, site: Site, counter_id: int) -> Counter:
    counter = session.get(Counter, counter_id)
    if counter is None or counter.site_id != site.id:
        raise NotFound(N_("There is no such counter."))
    return counter


def _counter_number(session: Session, site: Site, number: str, counter: Counter | None) -> str:
    number = number.strip()
    if not COUNTER_NUMBER.fullmatch(number):
        raise FieldErrors({"number": (N_("1–10 letters or digits, e.g. 3 or 12."), {})})
    taken = session.exec(select(Counter).where(Counter.site_id == site.id, Counter.number == number)).first()
    if taken is not None and taken is not counter:
        raise FieldErrors({"number": (N_("There is already a counter %(number)s."), {"number": number})})
    return number


def add_counter(session: Session, staff_user_id: int | None, site: Site, number: str) -> Counter:
    counter = Counter(site_id=site.id, number=_counter_number(session, site, number, None))
    session.add(counter)
    session.flush()
    config_changed(session, staff_user_id, site, "config.counter.add", f"counter:{counter.id}", counter.number)
    return counter


def rename_counter(session: Session, staff_user_id: int | None, site: Site, counter_id: int, number: str) -> Counter:
    counter = get_counter(session, site, counter_id)
    old, counter.number = counter.number, _counter_number(session, site, number, counter)
    session.add(counter)
    config_changed(session, staff_user_id, site, "config.counter.rename", f"counter:{counter.id}",
                   f"{old} -> {counter.number}")
    return counter


def counter_used(session: Session, counter: Counter) -> bool:
    """Has any visit or event named the counter? Then it stays, for the history and the reports."""
    for column in (Ticket.counter_id, Ticket.target_counter_id, Event.counter_id, ServicePeriod.counter_id):
        found = session.execute(sa.select(column).where(column == counter.id).limit(1)).first()
        if found is not None:
            return True
    return False


def remove_counter(session: Session, staff_user_id: int | None, site: Site, counter_id: int) -> None:
    counter = get_counter(session, site, counter_id)
    if counter.is_open or counter_used(session, counter):
        raise Conflict(N_("Counter %(number)s has been used; it stays for the history and the reports."),
                       number=counter.number)
    for table in (CounterService, CounterDefaultService):
        session.execute(sa.delete(table).where(table.counter_id == counter.id))
    session.delete(counter)
    config_changed(session, staff_user_id, site, "config.counter.remove", f"counter:{counter.id}", counter.number)


def default_profile(session: Session, counter: Counter) -> dict[int, int]:
    """{service id: weight} a clerk finds ticked when opening the counter."""
    rows = session.exec(select(CounterDefaultService).where(CounterDefaultService.counter_id == counter.id)
                        .order_by(CounterDefaultService.position))
    return {row.service_id: row.weight for row in rows}


def set_default_profile(session: Session, staff_user_id: int | None, site: Site, counter_id: int,
                        weights: Mapping[str, int]) -> None:
    """``weights``: {service code: weight 1–10}, in the order the services are served."""
    counter = get_counter(session, site, counter_id)
    chosen = []
    for code, weight in weights.items():
        if not 1 <= weight <= MAX_WEIGHT:
            raise FieldErrors({f"weight-{code}": (N_("A weight must be a whole number from 1 to 10."), {})})
        chosen.append((get_service(session, site, code), weight))
    session.execute(sa.delete(CounterDefaultService).where(CounterDefaultService.counter_id == counter.id))
    session.add_all(CounterDefaultService(counter_id=counter.id, service_id=service.id, weight=weight,
                                          position=position)
                    for position, (service, weight) in enumerate(chosen))
    config_changed(session, staff_user_id, site, "config.counter.profile", f"counter:{counter.id}",
                   ", ".join(f"{service.code}:{weight}" for service, weight in chosen))


# --- departments (one list for the whole organisation) -------------------------------------------


def save_department(session: Session, staff_user_id: int | None, code: str | None, values: Mapping) -> Department:
    """Adds a department (``code`` None: the code comes from ``values``) or changes one's names and
    whether new service requests may be routed to it. Departments belong to no site: no event."""
    errors: dict = {}
    names = {lang: _limited(values, f"name_{lang}", 200, errors, required=True) for lang in LANGS}
    if code is None:
        code = _text(values, "code").lower()
        if not CODE.fullmatch(code):
            errors["code"] = (N_("1–40 small letters a–z, digits and hyphens, e.g. housing."), {})
        elif session.exec(select(Department).where(Department.code == code)).first() is not None:
            errors["code"] = (N_("Another department has the code “%(code)s”."), {"code": code})
    if errors:
        raise FieldErrors(errors)
    department = requests.save_department(session, code, fi=names["fi"], sv=names["sv"], en=names["en"],
                                          active=_flag(values, "active"))
    audit.record(session, staff_user_id, "config.department.save", target=f"department:{department.id}",
                 detail=f"{code}{'' if department.active else ' (inactive)'}")
    return department
