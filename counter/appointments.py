"""Staff's appointments: a day's bookings per service, booking for a caller on the phone, and moving
or cancelling a booking with a reason.

Plain forms: an action answers with a redirect back to the day (so a reload never books twice), or
with the page again, its form filled in as it was sent and the reason it was refused, as a 4xx.
htmx only reloads the free times when the service or the day of a form changes. The routes are
listed, behind the login, in counter/routes.py.
"""

from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlmodel import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server import booking, i18n, queue
from server.db import run_read, run_write
from server.errors import Conflict, DomainError, Invalid, N_
from server.models import Appointment, Service, Site, StaffUser, Ticket, utcnow
from server.web import pages

LISTED = ("booked", "checked_in", "no_show", "cancelled")  # holds and lapsed holds are nobody's booking
NOTICE = "appointments_notice"  # what the last action did, shown once after its redirect


# --- what the page shows -----------------------------------------------------------------------


def _site(session, slug: str | None, user_id: int) -> Site:
    """The site asked for; else the one of the clerk's open counter; else the first."""
    if slug:
        return queue.get_site(session, slug)
    counter = queue.counter_of(session, user_id)
    if counter is not None:
        return session.get(Site, counter.site_id)
    sites = queue.all_sites(session)
    if not sites:
        raise Conflict(N_("No service points yet. Run “luukku demo” for a demo site."))
    return sites[0]


def _day_bounds(site: Site, day: date) -> tuple[datetime, datetime]:
    """The local day as UTC instants (23 or 25 hours long on the days the clocks change)."""
    zone = ZoneInfo(site.timezone)
    return tuple(datetime.combine(d, time(0), tzinfo=zone).astimezone(timezone.utc)
                 for d in (day, day + timedelta(days=1)))


def _free_times(session, site: Site, service: Service | None, day: date, now: datetime,
                limits: booking.Limits) -> list[booking.Slot]:
    if service is None or service.appointment_seats <= 0:
        return []
    return [slot for slot in booking.day_slots(session, site, service, day, now, limits) if slot.free]


def _day_context(session, site_slug: str | None, user_id: int, day: date | None, service_code: str | None,
                 limits: booking.Limits, *, book: dict | None = None, move: dict | None = None,
                 booked: str | None = None, expert_id: int | None = None) -> dict:
    """The day's bookings of the site's services (or of one), their free times, and what the forms
    need: the free times of the booking form's service and day, and of a move being retried."""
    now = utcnow()
    site = _site(session, site_slug, user_id)
    day = day or queue.local_day(site, now)
    services = list(session.exec(select(Service).where(Service.site_id == site.id)
                                 .order_by(Service.position, Service.prefix)))
    by_id = {s.id: s for s in services}
    bookable = [s for s in services if s.active and s.appointment_seats > 0]
    chosen = queue.get_service(session, site, service_code) if service_code else None
    start, end = _day_bounds(site, day)
    query = select(Appointment).where(Appointment.site_id == site.id, Appointment.starts_at >= start,
                                      Appointment.starts_at < end, Appointment.status.in_(LISTED))
    if chosen is not None:
        query = query.where(Appointment.service_id == chosen.id)
    if expert_id is not None:
        query = query.where(Appointment.expert_id == expert_id)
    rows = list(session.exec(query.order_by(Appointment.starts_at, Appointment.id)))
    experts = list(session.exec(select(StaffUser).where(StaffUser.role == "expert", StaffUser.active)
                                .order_by(StaffUser.display_name)))
    ticket_ids = [a.ticket_id for a in rows if a.ticket_id]
    tickets = {t.id: t for t in session.exec(select(Ticket).where(Ticket.id.in_(ticket_ids)))} if ticket_ids else {}
    listed = {a.service_id for a in rows} | {s.id for s in bookable}
    shown = [chosen] if chosen is not None else [s for s in services if s.id in listed]
    free = {s.id: _free_times(session, site, s, day, now, limits) for s in shown}

    book = book or {}
    book_service = next((s for s in bookable if s.code == book.get("service")), None) or chosen or \
        (bookable[0] if bookable else None)
    book_day = _day_or(book.get("day"), day)
    move_times = []
    if move:
        moving = session.exec(select(Appointment).where(Appointment.public_id == move["public_id"])).first()
        if moving is not None:
            move_times = _free_times(session, site, by_id[moving.service_id], _day_or(move["day"], day), now, limits)
    just_booked = session.exec(select(Appointment).where(Appointment.public_id == booked)).first() if booked else None
    return {
        "site": site,
        "sites": queue.all_sites(session),
        "day": day,
        "today": queue.local_day(site, now),
        "chosen": chosen,
        "bookable": bookable,
        "sections": [(s, [a for a in rows if a.service_id == s.id]) for s in shown],
        "free": free,
        "tickets": tickets,
        "staff": queue.staff_names(session, [a.booked_by for a in rows] + [a.expert_id for a in rows]),
        "experts": experts,
        "expert_id": expert_id,
        "book_service": book_service,
        "book_day": book_day,
        "book_times": _free_times(session, site, book_service, book_day, now, limits),
        "move_times": move_times,
        "just_booked": just_booked,
        "just_booked_service": by_id.get(just_booked.service_id) if just_booked else None,
    }


def _parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(N_("Write the day as YYYY-MM-DD, e.g. 2027-03-22.")) from None


def _day_or(text: str | None, default: date) -> date:
    """A form's day as it was sent, or ``default`` if it was none (the form says why elsewhere)."""
    try:
        return _parse_day(text) or default
    except Invalid:
        return default


def _parse_time(text: str) -> datetime:
    """A slot's start as the forms send it (ISO 8601 with its UTC offset)."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(N_("Choose a time.")) from None
    if at.tzinfo is None:
        raise Invalid(N_("Choose a time."))
    return at.astimezone(timezone.utc)


def _url(site: str, day: date | str | None = None, service: str | None = None, expert: int | None = None) -> str:
    params = {"site": site, "day": str(day) if day else None, "service": service or None, "expert": expert}
    return "/counter/appointments?" + urlencode({k: v for k, v in params.items() if v})


def _when(at: datetime, site: Site, lang: str) -> str:
    """“ma 22.3. 10.00”: a slot's day and time in the site's zone."""
    local = at.astimezone(ZoneInfo(site.timezone))
    return f"{format_date(local.date(), 'ccc d.M.', locale=lang)} {i18n.local_time(at, site.timezone, lang)}"


def _expert_id(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 10 else None


async def _page(request: Request, *, site: str | None, day: str | None, service: str | None,
                status_code: int = 200, error: DomainError | None = None, form: dict | None = None) -> Response:
    """The day's page; with ``error``, the page again with the reason and ``form`` as it was sent."""
    state = request.app.state
    lang = pages.page_language(request)
    user_id = request.state.user.id
    limits = booking.Limits.of(state.settings)
    notice = request.session.pop(NOTICE, None) if status_code == 200 else None
    form = form or {}
    extra = {"book": form.get("book"), "move": form.get("move"), "booked": (notice or {}).get("booked"),
             "expert_id": _expert_id(request.query_params.get("expert"))}
    try:
        context = await run_read(state.db, _day_context, site, user_id, _parse_day(day), service, limits, **extra)
    except DomainError as exc:
        if exc.status_code not in (404, 422) or error is not None:
            raise
        # A day that is no date or a service that is not there: the site's today, and why.
        error, status_code = exc, exc.status_code
        extra = {"book": form.get("book"), "move": None, "booked": None}
        context = await run_read(state.db, _day_context, site, user_id, None, None, limits, **extra)
    message = i18n.gettext(lang, error.message, **error.params) if error else None
    # The reason goes beside the form that was refused, if that form is on the page, else on top.
    coming = {a.public_id for _, rows in context["sections"] for a in rows if a.status == "booked"}
    error_place = "top"
    if error and form.get("book") and context["bookable"]:
        error_place = "book"
    for kind in ("move", "cancel"):
        if error and form.get(kind) and form[kind]["public_id"] in coming:
            error_place = f"{kind}:{form[kind]['public_id']}"
    next_free = [_when(slot.starts_at, context["site"], lang) for slot in getattr(error, "next_free", [])]
    if notice and notice.get("text"):
        notice_text = i18n.gettext(lang, notice["text"], **notice.get("params", {}))
    else:
        notice_text = None
    context.update(
        user=request.state.user, message=message, next_free=next_free, notice=notice_text, form=form,
        error_place=error_place,
        local_time=i18n.local_time, default_lang=state.settings.default_language,
        day_label=format_date(context["day"], "cccc d.M.yyyy", locale=lang),
        url=lambda day=context["day"], service=(context["chosen"].code if context["chosen"] else None):
            _url(context["site"].slug, day, service, context.get("expert_id")),
        timedelta=timedelta,
    )
    return pages.render(request, "appointments.html", context, status_code=status_code)


async def appointments_page(request: Request):
    q = request.query_params
    return await _page(request, site=q.get("site"), day=q.get("day"), service=q.get("service"))


def _times_context(session, site_slug: str, service_code: str, day: date, limits: booking.Limits) -> dict:
    site = queue.get_site(session, site_slug)
    service = queue.get_service(session, site, service_code)
    return {"site": site, "times": _free_times(session, site, service, day, utcnow(), limits)}


async def free_times(request: Request):
    """The options of a form's time list, for its service and day (htmx, when either changes)."""
    q = request.query_params
    context = {"site": None, "times": []}
    try:
        day = _parse_day(q.get("day"))
        if day is not None:
            context = await run_read(request.app.state.db, _times_context, q.get("site") or "",
                                     q.get("service") or "", day, booking.Limits.of(request.app.state.settings))
    except DomainError:
        pass  # no such service or day: no times to choose from
    return pages.render(request, "_appointments_times.html",
                      {**context, "local_time": i18n.local_time, "selected": ""})


# --- actions -----------------------------------------------------------------------------------


def _fields(form, *names: str) -> dict:
    return {name: str(form.get(name) or "").strip() for name in names}


def _back(request: Request, values: dict, day=None) -> Response:
    return RedirectResponse(_url(values["site"], day or values.get("page_day"), values.get("page_service")),
                            status_code=303)


def _book_for_caller(session, values: dict, starts_at: datetime, staff_user_id: int,
                     limits: booking.Limits) -> tuple[Appointment, date]:
    """A seat held and booked in one transaction: if the details are refused, the seat was never taken."""
    held = booking.hold(session, values["site"], values["service"], starts_at, lang=values["lang"], limits=limits)
    appointment = booking.confirm(session, held.public_id, name=values["name"], phone=values["phone"],
                                  email=values["email"], message=values["message"], consent=True,
                                  lang=values["lang"], staff_user_id=staff_user_id, limits=limits)
    return appointment, queue.local_day(session.get(Site, appointment.site_id), appointment.starts_at)


async def book(request: Request):
    """Booking for a caller on the phone: no per-person limit, and the clerk confirms the caller's
    consent with a checkbox of its own."""
    form = await request.form()
    values = _fields(form, "site", "service", "day", "starts_at", "name", "phone", "email", "message", "lang",
                     "page_day", "page_service")
    values["consent"] = form.get("consent") == "yes"
    values["lang"] = i18n.pick_language(values["lang"], default=request.app.state.settings.default_language)
    try:
        if not values["service"]:
            raise Invalid(N_("Choose a service."))
        starts_at = _parse_time(values["starts_at"])
        if not values["consent"]:
            raise Invalid(N_("Tick the box to confirm that the caller agreed to how their details are used."))
        appointment, day = await run_write(request.app.state.db, _book_for_caller, values, starts_at,
                                           request.state.user.id, booking.Limits.of(request.app.state.settings))
    except DomainError as exc:
        return await _page(request, site=values["site"], day=values["page_day"], service=values["page_service"],
                           status_code=exc.status_code, error=exc, form={"book": values})
    request.session[NOTICE] = {"booked": appointment.public_id}
    return _back(request, values, day)


async def move(request: Request):
    form = await request.form()
    values = _fields(form, "site", "public_id", "day", "starts_at", "reason", "page_day", "page_service")
    try:
        _parse_day(values["day"])
        if not values["starts_at"]:
            raise Invalid(N_("Choose the new time."))
        moved = await run_write(request.app.state.db, booking.move, values["public_id"],
                                _parse_time(values["starts_at"]), reason=values["reason"],
                                staff_user_id=request.state.user.id, limits=booking.Limits.of(request.app.state.settings))
    except DomainError as exc:
        return await _page(request, site=values["site"], day=values["page_day"], service=values["page_service"],
                           status_code=exc.status_code, error=exc, form={"move": values})
    site = await run_read(request.app.state.db, queue.get_site, values["site"])
    request.session[NOTICE] = {"text": N_("Booking %(code)s moved to %(time)s."),
                               "params": {"code": moved.code, "time": _when(moved.starts_at, site, pages.page_language(request))}}
    return _back(request, values)


async def cancel(request: Request):
    form = await request.form()
    values = _fields(form, "site", "public_id", "reason", "page_day", "page_service")
    try:
        if not values["reason"]:  # the core says so too; here before anything is looked up
            raise Invalid(N_("Write the reason for the cancellation."))
        cancelled = await run_write(request.app.state.db, booking.cancel, values["public_id"], reason=values["reason"],
                                    staff_user_id=request.state.user.id)
    except DomainError as exc:
        return await _page(request, site=values["site"], day=values["page_day"], service=values["page_service"],
                           status_code=exc.status_code, error=exc, form={"cancel": values})
    request.session[NOTICE] = {"text": N_("Booking %(code)s cancelled."), "params": {"code": cancelled.code}}
    return _back(request, values)


async def assign(request: Request):
    """Gives a booking to a named expert (or back to anyone who serves the service)."""
    form = await request.form()
    values = _fields(form, "site", "public_id", "expert", "page_day", "page_service")
    try:
        assigned = await run_write(request.app.state.db, booking.assign_expert, values["public_id"],
                                   _expert_id(values["expert"]), staff_user_id=request.state.user.id)
    except DomainError as exc:
        return await _page(request, site=values["site"], day=values["page_day"], service=values["page_service"],
                           status_code=exc.status_code, error=exc, form={})
    request.session[NOTICE] = {"text": N_("Booking %(code)s: the expert is set."), "params": {"code": assigned.code}}
    return _back(request, values)
