"""The citizen's booking pages (issue 6): from the QR code at the door to a booked time, on a phone,
with no account and no JavaScript.

    /b/{site}                   the services that take bookings
    /b/{site}/{service}?day=    a strip of days with their free times, the day's times as buttons;
                                a button POSTs here and holds the time (303 to the booking's page)
    /a/{token}                  the booking's own page at a signed link: the form while the time is
                                held, the code and its QR once booked, "cancelled" after a cancel
    /a/{token}/cancel, /move, /calendar.ics

The token is the appointment's ``public_id`` signed with the secret key (``booking.manage_token``,
the same link the confirmation mail carries), so an address cannot be guessed or edited into
someone else's; nothing personal is ever in an address. Pages that show personal data are sent
with ``Cache-Control: no-store``. Plain forms and links only: every page works without JavaScript.
"""

import hashlib
import hmac
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kiosk import lobby
from server import booking, hours, i18n, matters, queue
from server.booking import Limits, SlotTaken
from server.db import run_read, run_write
from server.errors import BadRequest, Conflict, DomainError, Invalid, NotFound, N_
from server.ics import appointment_ics
from server.models import Appointment, Service, Site, utcnow
from server.web import pages

STRIP_DAYS = 7  # a week of days in the day strip, its closed days left out (two rows on a phone)
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
FIELDS = ("name", "phone", "email", "message")


# --- links and the requester -------------------------------------------------------------------


def booking_token(settings, public_id: str) -> str:
    return booking.manage_token(settings.secret_key, public_id)


def booking_link(settings, public_id: str) -> str:
    """The booking's page as an absolute address (for the confirmation mail and the calendar file)."""
    return f"{settings.public_url.rstrip('/')}/a/{booking_token(settings, public_id)}"


def _public_id(settings, token: str) -> str:
    return booking.public_id_of(settings.secret_key, token)  # NotFound for an edited or forged token


def requester_of(settings, address: str) -> str:
    """A keyed hash of the client's address, for the per-address limit: the address is never stored."""
    return hmac.new(settings.secret_key.encode(), b"booking-requester:" + address.encode(),
                    hashlib.sha256).hexdigest()


# --- dates and times as people write them --------------------------------------------------------


def day_label(day: date, lang: str, long: bool = False) -> str:
    """"ti 23.3." or "tiistai 23.3.2027"; Swedish the same way, English "Tue 23 Mar"."""
    weekday = format_date(day, "cccc" if long else "ccc", locale=lang)
    if lang == "en":  # "7 December" is a figure and its word: never two lines
        return f"{weekday} {format_date(day, 'd MMMM y' if long else 'd MMM', locale='en')}".replace(" ", "\u00a0")
    return f"{weekday} {day.day}.{day.month}.{day.year if long else ''}"


def _when(appointment: Appointment, site: Site, lang: str) -> dict:
    day = hours.local_now(site, appointment.starts_at).date()
    return {"day": day_label(day, lang, long=True),
            "time": i18n.local_time(appointment.starts_at, site.timezone, lang),
            "ends": i18n.local_time(appointment.ends_at, site.timezone, lang)}


# --- what the pages read -----------------------------------------------------------------------


def _bookable_services(session: Session, site: Site) -> list[Service]:
    return [s for s in queue.active_services(session, site) if s.appointment_seats > 0]


def _bookable(session: Session, site_slug: str, service_code: str) -> tuple[Site, Service]:
    site, service = booking.site_and_service(session, site_slug, service_code)
    if service.appointment_seats <= 0:
        raise NotFound(N_("This service cannot be booked online. Please take a queue number at the "
                          "service point."))
    return site, service


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(N_("The day in the address is not a date. Please choose a day from the list.")) from None


def _slots_context(session: Session, site_slug: str, service_code: str, day_text: str | None, lang: str,
                   limits: Limits, now: datetime | None = None, current: datetime | None = None) -> dict:
    """The day strip and the chosen day's free times (without ``current``, the time being moved)."""
    site, service = _bookable(session, site_slug, service_code)
    now = now or utcnow()
    today = hours.local_now(site, now).date()
    last = today + timedelta(days=limits.horizon_days)
    day = _parse_day(day_text)
    if day is None:
        first = booking.next_free(session, site, service, now, now, limits, count=1)
        day = hours.local_now(site, first[0].starts_at).date() if first else today
    elif day < today:
        raise Invalid(N_("That day has already passed. Please choose another day."))
    elif day > last:
        raise Invalid(N_("Appointments can be booked at most %(days)d days ahead."), days=limits.horizon_days)
    start = today + timedelta(days=(day - today).days // STRIP_DAYS * STRIP_DAYS)
    strip = []
    week = [start + timedelta(days=offset) for offset in range(STRIP_DAYS) if start + timedelta(days=offset) <= last]
    for d, slots in booking.days_slots(session, site, service, week, now, limits).items():  # one reading
        if not slots and d != day:
            continue  # closed (a weekend, a holiday) or over for today: no place taken from bookable days
        strip.append({"day": d, "iso": d.isoformat(), "label": day_label(d, lang), "has_slots": bool(slots),
                      "free": sum(1 for s in slots if s.free), "chosen": d == day,
                      "slots": slots})
    chosen = next(item for item in strip if item["chosen"])
    times = [{"value": s.starts_at.isoformat(), "label": i18n.local_time(s.starts_at, site.timezone, lang)}
             for s in chosen["slots"] if s.free and s.starts_at != current]
    later = None
    if not times:  # a link to the next day that has a free time
        midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(site.timezone))
        found = booking.next_free(session, site, service, midnight.astimezone(timezone.utc), now, limits, count=1)
        if found:
            next_day = hours.local_now(site, found[0].starts_at).date()
            later = {"label": day_label(next_day, lang, long=True), "iso": next_day.isoformat()}
    return {
        "site": site, "service": service, "strip": strip, "day": day, "day_label": day_label(day, lang, long=True),
        "times": times, "later": later,
        "earlier_week": (start - timedelta(days=STRIP_DAYS)).isoformat() if start > today else None,
        "later_week": (start + timedelta(days=STRIP_DAYS)).isoformat()
        if start + timedelta(days=STRIP_DAYS) <= last else None,
    }


def _appointment_context(session: Session, public_id: str, lang: str, now: datetime | None = None) -> dict:
    appointment, site, service = booking.appointment_and_place(session, public_id)
    now = now or utcnow()
    held_left_min = 0
    if appointment.status == "held" and appointment.hold_expires_at > now:
        held_left_min = max(1, round((appointment.hold_expires_at - now).total_seconds() / 60))
    return {
        "appointment": appointment, "site": site, "service": service, "when": _when(appointment, site, lang),
        "held_until": i18n.local_time(appointment.hold_expires_at, site.timezone, lang)
        if appointment.hold_expires_at else None,
        "held_left_min": held_left_min,
        "upcoming": appointment.starts_at > now,
    }


# --- the calendar file ---------------------------------------------------------------------------


def ics_bytes(session: Session, appointment: Appointment, link: str = "") -> bytes:
    """The booking as an iCalendar file in the booking's language (server/ics.py: the times carry the
    site's zone, so the calendar shows the booked wall time on both sides of a DST change)."""
    site, service = session.get(Site, appointment.site_id), session.get(Service, appointment.service_id)
    return appointment_ics(site, service, appointment, link)


# --- handlers ------------------------------------------------------------------------------------


def _limits(request: Request) -> Limits:
    return Limits.of(request.app.state.settings)


async def _form(request: Request) -> dict[str, str]:
    """The posted fields that are text: a file where text belongs counts as nothing (and is closed)."""
    async with request.form() as form:
        return {name: value for name, value in form.items() if isinstance(value, str)}


def _starts_at(form: dict[str, str], limits: Limits, now: datetime) -> datetime:
    """The chosen time from a time button: an ISO instant with its offset."""
    try:
        at = datetime.fromisoformat(form.get("starts_at", "").strip())
    except ValueError:
        raise BadRequest(N_("Please choose a time from the list.")) from None
    if at.tzinfo is None:
        raise BadRequest(N_("Please choose a time from the list."))
    # Checked before any arithmetic in the site's zone: year 9999 would overflow it.
    if at < now - timedelta(days=1):
        raise Conflict(N_("That time has already passed. Please choose another."))
    if at > now + timedelta(days=limits.horizon_days + 2):
        raise Invalid(N_("Appointments can be booked at most %(days)d days ahead."), days=limits.horizon_days)
    return at.astimezone(timezone.utc)


def _see(request: Request, public_id: str, done: str = "") -> RedirectResponse:
    url = f"/a/{booking_token(request.app.state.settings, public_id)}" + (f"?done={done}" if done else "")
    return RedirectResponse(url, status_code=303)


async def services_page(request: Request):
    def read(session: Session) -> dict:
        site = queue.get_site(session, request.path_params["site"])
        return {"site": site, "services": _bookable_services(session, site),
                "has_guide": matters.version(session, site)[0] > 0}

    return pages.render(request, "booking_services.html", await run_read(request.app.state.db, read))


async def poster(request: Request):
    """A printable A4 poster with the QR code of the site's booking address, in all three languages,
    for the waiting room wall, the door and the kiosk."""
    settings = request.app.state.settings
    site = await run_read(request.app.state.db, queue.get_site, request.path_params["site"])
    address = f"{settings.public_url.rstrip('/')}/b/{site.slug}"
    lines = [(lang, i18n.gettext(lang, N_("Book an appointment on your phone"))) for lang in i18n.LANGUAGES]
    return pages.render(request, "booking_poster.html",
                      {"site": site, "address": address, "qr": pages.qr_svg(address), "lines": lines})


async def slots_page(request: Request):
    lang = pages.page_language(request)
    # Days of a fair release (issue 22): the lobby answers until this browser's turn (kiosk/lobby.py).
    waiting, lobby_note = await lobby.gate(request, request.path_params["site"], request.path_params["service"],
                                           request.query_params.get("day"))
    if waiting is not None:
        return waiting
    context = await run_read(request.app.state.db, _slots_context, request.path_params["site"],
                             request.path_params["service"], request.query_params.get("day"), lang,
                             _limits(request))
    context["action"] = f"/b/{context['site'].slug}/{context['service'].code}"
    context["lobby_note"] = lobby_note
    response = pages.render(request, "booking_slots.html", context)
    response.headers["Cache-Control"] = "no-cache"  # free times change: back and forth shows them as they are
    return response


def _taken_page(request: Request, exc: SlotTaken, site: Site, action: str, details: dict | None = None):
    lang = pages.page_language(request)
    times = [{"value": s.starts_at.isoformat(),
              "label": f"{day_label(hours.local_now(site, s.starts_at).date(), lang)} "
                       f"{i18n.local_time(s.starts_at, site.timezone, lang)}"} for s in exc.next_free]
    response = pages.render(request, "booking_taken.html",
                          {"site": site, "times": times, "action": action, "details": details or {},
                           "message": i18n.gettext(lang, exc.message, **exc.params)}, status_code=409)
    response.headers.update(PRIVATE)
    return response


def _hold_and_maybe_book(session: Session, site_slug: str, service_code: str, at: datetime, requester: str,
                         lang: str, limits: Limits, details: dict | None) -> Appointment:
    """Holds the time; with the details of a form whose time was just taken, books it at once."""
    held = booking.hold(session, site_slug, service_code, at, requester=requester, lang=lang, limits=limits)
    if details is None:
        return held
    return booking.confirm(session, held.public_id, **details, consent=True, lang=lang, limits=limits)


async def hold_time(request: Request):
    settings, limits, lang = request.app.state.settings, _limits(request), pages.page_language(request)
    form = await _form(request)
    site_slug, service_code = request.path_params["site"], request.path_params["service"]
    site, _service = await run_read(request.app.state.db, _bookable, site_slug, service_code)
    at = _starts_at(form, limits, utcnow())
    await lobby.gate(request, site_slug, service_code, hours.local_now(site, at).date(), posting=True)  # issue 22
    # From the "just taken" page: the details were checked already, and consent given.
    details = {name: form.get(name, "") for name in FIELDS} if form.get("consent") == "yes" else None
    requester = requester_of(settings, request.client.host if request.client else "")
    try:
        # A full slot is refused from a read: in a rush most who tap a time come too late, and on SQLite
        # every write of the process takes its turn (server/db.py). The hold itself decides the rest.
        await run_read(request.app.state.db, booking.check_free, site_slug, service_code, at, limits=limits)
        appointment = await run_write(request.app.state.db, _hold_and_maybe_book, site_slug, service_code, at,
                                      requester, lang, limits, details)
    except SlotTaken as exc:
        return _taken_page(request, exc, site, f"/b/{site_slug}/{service_code}", details)
    return _see(request, appointment.public_id, "booked" if details else "")


ERROR_ORDER = ("name", "contact", "phone", "email", "message", "consent")


def _form_errors(form: dict[str, str], consent: bool, site: Site) -> dict[str, tuple[str, dict]]:
    """Every field's error at once, in the booking core's words (the core checks again when it books),
    with its parameters: who will not agree is told the number to call instead."""
    errors = {field: (message, {}) for field, message in
              booking.contact_errors(form["name"], form["phone"], form["email"], form["message"]).items()}
    if not consent and site.phone:
        errors["consent"] = (N_("Please accept how your details are used, or book by calling the service point "
                                "at %(phone)s."), {"phone": site.phone})
    elif not consent:
        errors["consent"] = (N_("Please accept how your details are used, or call the service point to book."), {})
    return errors


def _form_page(request: Request, context: dict, form: dict[str, str], consent: bool,
               errors: dict[str, tuple[str, dict]], status_code: int = 200, problem: str = ""):
    lang = pages.page_language(request)
    settings = request.app.state.settings
    context = {**context, "form": form, "consent": consent,
               "errors": {field: i18n.gettext(lang, message, **params) for field, (message, params) in errors.items()},
               "problem": problem, "token": booking_token(settings, context["appointment"].public_id),
               "retention_days": settings.booking_retention_days,
               "first_error": next((f for f in ERROR_ORDER if f in errors), None)}
    response = pages.render(request, "booking_form.html", context, status_code=status_code)
    response.headers.update(PRIVATE)
    return response


async def appointment_page(request: Request):
    """The booking's one address: the form while held, the booking once booked, or its end."""
    settings, lang = request.app.state.settings, pages.page_language(request)
    public_id = _public_id(settings, request.path_params["token"])
    context = await run_read(request.app.state.db, _appointment_context, public_id, lang)
    status = context["appointment"].status
    if status in ("held", "expired"):
        return _form_page(request, context, dict.fromkeys(FIELDS, ""), False, {})
    context.update(token=booking_token(settings, public_id), done=request.query_params.get("done", ""),
                   qr=pages.qr_svg(context["appointment"].code), early_min=settings.checkin_early_min)
    template = "booking_cancelled.html" if status == "cancelled" else "booking_page.html"
    response = pages.render(request, template, context)
    response.headers.update(PRIVATE)
    return response


async def confirm_booking(request: Request):
    settings, limits, lang = request.app.state.settings, _limits(request), pages.page_language(request)
    public_id = _public_id(settings, request.path_params["token"])
    posted = await _form(request)
    form = {name: posted.get(name, "") for name in FIELDS}
    consent = posted.get("consent") == "yes"
    context = await run_read(request.app.state.db, _appointment_context, public_id, lang)
    if context["appointment"].status not in ("held", "expired"):
        return _see(request, public_id)  # booked already (the form sent twice), or cancelled
    context["feedback"] = posted.get("feedback") == "1"  # kept ticked if the form comes back
    errors = _form_errors(form, consent, context["site"])
    if errors:
        return _form_page(request, context, form, consent, errors, status_code=422)
    try:
        await run_write(request.app.state.db, booking.confirm, public_id, **form, consent=True, lang=lang,
                        limits=limits, feedback_ok=context["feedback"])
    except SlotTaken as exc:
        site, service = context["site"], context["service"]
        return _taken_page(request, exc, site, f"/b/{site.slug}/{service.code}", form)
    except DomainError as exc:  # too many bookings for one person, the time passed, …
        problem = i18n.gettext(lang, exc.message, **exc.params)
        return _form_page(request, context, form, consent, {}, status_code=exc.status_code, problem=problem)
    # The confirmation mail is not sent from here: server/mail.py's Mailer hears "appointment.booked"
    # after the commit and mails it with booking_link() and ics_bytes() from this module.
    return _see(request, public_id, "booked")


async def _booked_context(request: Request) -> tuple[str, dict]:
    settings, lang = request.app.state.settings, pages.page_language(request)
    public_id = _public_id(settings, request.path_params["token"])
    context = await run_read(request.app.state.db, _appointment_context, public_id, lang)
    context["token"] = booking_token(settings, public_id)
    return public_id, context


async def cancel_page(request: Request):
    public_id, context = await _booked_context(request)
    if context["appointment"].status != "booked" or not context["upcoming"]:
        return _see(request, public_id)
    response = pages.render(request, "booking_cancel.html", context)
    response.headers.update(PRIVATE)
    return response


async def cancel_booking(request: Request):
    public_id, context = await _booked_context(request)
    if context["appointment"].status == "booked" and not context["upcoming"]:
        raise Conflict(N_("This booking can no longer be cancelled."))
    await run_write(request.app.state.db, booking.cancel, public_id)
    return _see(request, public_id)


async def move_page(request: Request):
    public_id, booked = await _booked_context(request)
    if booked["appointment"].status != "booked" or not booked["upcoming"]:
        return _see(request, public_id)
    lang = pages.page_language(request)
    context = await run_read(request.app.state.db, _slots_context, booked["site"].slug, booked["service"].code,
                             request.query_params.get("day"), lang, _limits(request),
                             current=booked["appointment"].starts_at)
    context.update(moving=booked, action=f"/a/{booked['token']}/move")
    response = pages.render(request, "booking_slots.html", context)
    response.headers.update(PRIVATE)
    return response


async def move_booking(request: Request):
    limits = _limits(request)
    public_id, context = await _booked_context(request)
    at = _starts_at(await _form(request), limits, utcnow())
    try:
        await run_write(request.app.state.db, booking.move, public_id, at, limits=limits)
    except SlotTaken as exc:
        return _taken_page(request, exc, context["site"], f"/a/{context['token']}/move")
    return _see(request, public_id, "moved")


async def calendar_file(request: Request):
    settings = request.app.state.settings
    public_id = _public_id(settings, request.path_params["token"])

    def read(session: Session) -> tuple[bytes, str]:
        appointment = booking.get_appointment(session, public_id)
        if appointment.status in ("held", "expired"):
            raise NotFound(N_("There is no such booking."))
        return ics_bytes(session, appointment, booking_link(settings, public_id)), appointment.code

    data, code = await run_read(request.app.state.db, read)
    return Response(data, media_type="text/calendar; charset=utf-8",
                    headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{code}.ics"'})


routes = [
    Route("/b/{site}", services_page),
    Route("/b/{site}/poster", poster),
    Route("/b/{site}/{service}", slots_page),
    Route("/b/{site}/{service}", hold_time, methods=["POST"]),
    Route("/a/{token}", appointment_page),
    Route("/a/{token}", confirm_booking, methods=["POST"]),
    Route("/a/{token}/cancel", cancel_page),
    Route("/a/{token}/cancel", cancel_booking, methods=["POST"]),
    Route("/a/{token}/move", move_page),
    Route("/a/{token}/move", move_booking, methods=["POST"]),
    Route("/a/{token}/calendar.ics", calendar_file),
]
