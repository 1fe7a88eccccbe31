"""A booking as an iCalendar file (RFC 5545), for the citizen's own calendar.

The times carry the site's time zone (TZID with its VTIMEZONE), so a calendar shows the booked
wall-clock time, on either side of a daylight-saving change, wherever the phone happens to be.
"""

from datetime import date
from zoneinfo import ZoneInfo

from server import i18n
from server.errors import N_
from server.models import Appointment, Service, Site


def appointment_ics(site: Site, service: Service, appointment: Appointment, link: str = "") -> bytes:
    # icalendar (with python-dateutil) is imported by the first calendar file made: loaded at start
    # it costs every server process about 4 MB (docs/PERFORMANCE.md, "Thousands of phones").
    from icalendar import Calendar, Event, Timezone  # noqa: PLC0415

    lang = appointment.lang if appointment.lang in i18n.LANGUAGES else "fi"
    zone = ZoneInfo(site.timezone)
    calendar = Calendar()
    calendar.add("prodid", "-//Luukku//Ajanvaraus//FI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    # The zone's rules for the booking's year and the next: its STANDARD and DAYLIGHT parts.
    year = appointment.starts_at.astimezone(zone).year
    calendar.add_component(Timezone.from_tzid(site.timezone, first_date=date(year, 1, 1),
                                              last_date=date(year + 1, 12, 31)))
    event = Event()
    event.add("uid", f"{appointment.public_id}@luukku")
    event.add("dtstamp", appointment.booked_at or appointment.created_at)
    event.add("dtstart", appointment.starts_at.astimezone(zone))
    event.add("dtend", appointment.ends_at.astimezone(zone))
    event.add("summary", f"{service.name(lang)} – {site.name}")
    event.add("location", site.name)
    description = i18n.gettext(lang, N_("Booking code: %(code)s. Check in at the kiosk when you arrive."),
                               code=appointment.code)
    event.add("description", f"{description}\n{link}".strip())
    if link:
        event.add("url", link)
    event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
