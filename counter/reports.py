"""The reports page for managers (issue 7): a filter form, key figures and charts, each chart's
numbers as CSV. The figures come from server/reports.py; what they mean is in docs/reports.md and, for the
manager, in the page's own help (reports.html).

``GET /reports`` is a plain GET form; with htmx it swaps only the report region (and pushes the
address, so a reload or a shared link shows the same report). ``GET /reports/{name}.csv`` takes
the same parameters. Each chart and its CSV are made from one table (``tables``), so they agree.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from babel.dates import format_date, get_day_names
from sqlmodel import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from counter.routes import login_required
from server import charts, queue, reports
from server.db import run_read
from server.errors import DomainError, Invalid, N_
from server.i18n import gettext
from server.models import Counter, Matter, Service, ServicePeriod, Site, StaffUser, utcnow
from server.web import pages

KIND_LABELS = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month"), "custom": N_("Custom")}
REQUEST_LABELS = {"opened": N_("Opened"), "closed": N_("Closed"), "overdue": N_("Overdue")}
SPREAD_LABELS = {"mean": N_("Mean"), "median": N_("Median"), "p90": N_("90th percentile")}
CHART_TITLES = {
    "visits": N_("Visits"),
    "wait-times": N_("Waiting time per service (minutes)"),
    "service-times": N_("Service time per service (minutes)"),
    "within-target": N_("Served within the target wait (per cent)"),
    "first-tier": N_("Resolved at the first tier (per cent)"),
    "transfers": N_("Transfers between services"),
    "requests": N_("Service requests"),
    "heat-map": N_("Busiest hours: arrivals by weekday and hour"),
    "repeat-visits": N_("Repeat visits: back about the same service within 30 days (per cent)"),
    "self-service": N_("Matters settled by self-service"),
    "not-found": N_("Searches that found nothing"),
    "estimates": N_("Wait told and wait had, by the wait told (minutes)"),
    "estimate-accuracy": N_("How right the told waits were, per service"),
    "alerts": N_("Alerts to the managers, per service"),
    # Feedback (issue 21, counter/feedback_report.py)
    "satisfaction": N_("Feedback: how did we do?"),
    "satisfaction-services": N_("Feedback per service"),
    "satisfaction-counters": N_("Feedback per counter"),
    "satisfaction-periods": N_("Feedback per period"),
    "satisfaction-clerks": N_("Feedback per clerk"),
}
ALERT_KINDS = {"over_target": N_("Longest wait past the target"),
               "past_closing": N_("Not served before closing at the pace")}
CHART_MATTERS = 12  # the most settled matters and the most frequent words the charts show; the tables all


# --- the parameters ----------------------------------------------------------------------------


def _day(text: str | None) -> date | None:
    if not text or not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(N_("Write the day as YYYY-MM-DD, e.g. 2027-03-22.")) from None
    if not reports.EARLIEST <= day <= reports.LATEST:
        raise Invalid(N_("Choose days between the years 2000 and 2999."))
    return day


@dataclass(frozen=True)
class Chosen:
    """The report asked for, its parameters checked against the database."""

    site: Site
    kind: str
    day: date
    filters: reports.Filters
    service: Service | None
    counter: Counter | None
    clerk: StaffUser | None

    def params(self, **change) -> dict:
        values = {"site": self.site.slug, "period": self.kind, "day": self.day.isoformat(),
                  "from": self.filters.start.isoformat() if self.kind == "custom" else None,
                  "to": self.filters.end.isoformat() if self.kind == "custom" else None,
                  "service": self.service.code if self.service else None,
                  "counter": self.counter.number if self.counter else None,
                  "clerk": self.clerk.id if self.clerk else None}
        values.update(change)
        return {k: v for k, v in values.items() if v not in (None, "")}

    def query(self, **change) -> str:
        return urlencode(self.params(**change))


def choose(session, params, now: datetime) -> Chosen:
    """The parameters of a request as a report's filters; Invalid (422) names what is wrong."""
    slug = (params.get("site") or "").strip()
    if slug:
        site = session.exec(select(Site).where(Site.slug == slug)).first()
        if site is None:
            raise Invalid(N_("There is no service point called “%(site)s”."), site=slug[:40])
    else:
        sites = queue.all_sites(session)
        if not sites:
            raise Invalid(N_("No service points yet. Run “luukku demo” for a demo site."))
        site = sites[0]
    kind = params.get("period") or "day"
    if kind not in reports.KINDS:
        raise Invalid(N_("The period must be a day, a week, a month or custom."))
    day = _day(params.get("day"))
    if day is None:
        today = queue.local_day(site, now)
        if not params.get("period"):  # the page opened plainly: the latest week worth reading
            kind = "week"
            day = reports.latest_week_with_visits(session, site.id, site.timezone, today) or today
        else:
            day = today
    if kind == "custom":
        start = _day(params.get("from")) or day
        start, end = reports.period_range(kind, start, _day(params.get("to")) or start)
    else:
        start, end = reports.period_range(kind, day)
    service = counter = clerk = None
    if code := (params.get("service") or "").strip():
        service = session.exec(select(Service).where(Service.site_id == site.id, Service.code == code)).first()
        if service is None:
            raise Invalid(N_("There is no service called “%(service)s” here."), service=code[:40])
    if number := (params.get("counter") or "").strip():
        counter = session.exec(select(Counter).where(Counter.site_id == site.id, Counter.number == number)).first()
        if counter is None:
            raise Invalid(N_("There is no counter %(counter)s here."), counter=number[:10])
    if text := (params.get("clerk") or "").strip():
        clerk = session.get(StaffUser, int(text)) if text.isdigit() and len(text) < 10 else None
        if clerk is None:
            raise Invalid(N_("There is no such clerk."))
    filters = reports.Filters(site.id, site.timezone, start, end, service_id=service.id if service else None,
                              counter_id=counter.id if counter else None,
                              staff_user_id=clerk.id if clerk else None)
    return Chosen(site, kind, day, filters, service, counter, clerk)


# --- the figures as tables ---------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list]  # the first column names the row; the rest are figures


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _percent(ratio: reports.Ratio) -> float | None:
    return None if ratio.share is None else 100 * ratio.share


def tables(r: reports.Report, services: dict[int, Service], lang: str,
           matters: dict[int, Matter] | None = None) -> dict[str, Table]:
    """Every chart's numbers, with headers in the page's language."""
    _ = lambda message: gettext(lang, message)  # noqa: E731
    name = lambda sid: services[sid].name(lang) if sid in services else "?"  # noqa: E731
    title = lambda mid: matters[mid].text("title", lang) if matters and mid in matters else "?"  # noqa: E731
    everything = _("All services")
    ordered = sorted((k for k in r.times if k is not None), key=lambda sid: (services[sid].position, sid))

    if r.filters.days == 1:
        visits = Table([_("Hour"), _("Visits")], [[f"{h:02d}", n] for h, n in r.by_hour])
    else:
        visits = Table([_("Day"), _("Visits")], [[d.isoformat(), n] for d, n in r.by_day])

    def times(which: int) -> Table:
        rows = []
        for sid in [None, *ordered]:
            s = r.times[sid][which]
            rows.append([everything if sid is None else name(sid), s.count, _minutes(s.mean),
                         _minutes(s.median), _minutes(s.p90)])
        return Table([_("Service"), _("Periods"), _("Mean"), _("Median"), _("90th percentile")], rows)

    def ratios(figures: dict, whole: str, part: str, extra=None) -> Table:
        keys = sorted((k for k in figures if k is not None), key=lambda sid: (services[sid].position, sid))
        rows = [[everything if k is None else name(k), *([extra(k)] if extra else []), figures[k].whole,
                 figures[k].part, _percent(figures[k])] for k in [None, *keys]]
        headers = [_("Service"), *([_("Target (min)")] if extra else []), whole, part, _("Share (%)")]
        return Table(headers, rows)

    weekdays = get_day_names("abbreviated", locale=lang)
    hours = heat_hours(r)
    return {
        "visits": visits,
        "wait-times": times(0),
        "service-times": times(1),
        "within-target": ratios(r.within_target, _("Called"), _("Within target"),
                                extra=lambda k: "" if k is None else services[k].target_wait_min),
        "first-tier": first_tier_table(r, services, lang),
        "transfers": Table([_("From"), _("To"), _("Transfers")],
                           [[name(a), name(b), n] for (a, b), n in sorted(r.transfers.items(), key=lambda t: -t[1])]),
        "requests": Table([_("Service requests"), _("Count")],
                          [[_(REQUEST_LABELS[k]), getattr(r.requests, k)] for k in REQUEST_LABELS]),
        "heat-map": Table([_("Weekday"), _("Hour"), _("Arrivals")],
                          [[weekdays[d], f"{h:02d}", r.heat_map.get((d, h), 0)] for d in range(7) for h in hours]),
        "repeat-visits": ratios(r.repeats, _("Visits linked to a customer"), _("Repeat visits")),
        "self-service": Table([_("Matter"), _("Settled at the kiosk"), _("Settled on a phone"), _("Settled in all"),
                               _("Opened"), _("Steps printed"), _("Took a number"), _("Booked a time")],
                              [[title(u.matter_id), u.solved_kiosk, u.solved_phone, u.solved, u.opened, u.printed,
                                u.ticket, u.booked] for u in r.guide.matters]),
        "not-found": Table([_("Words searched"), _("Searches")], [[words, n] for words, n in r.guide.not_found_words]),
        **estimate_tables(r, services, lang),
        "alerts": alert_table(r, services, lang),
    }


def alert_table(r: reports.Report, services: dict[int, Service], lang: str) -> Table:
    """The managers' alerts (server/alerts.py) raised in the period, per service and kind, and the
    minutes they were open; the first row is all of them."""
    _ = lambda message: gettext(lang, message)  # noqa: E731
    keys = sorted((k for k in r.alerts if k[0] is not None and k[1] is not None),
                  key=lambda k: (services[k[0]].position if k[0] in services else 0, k[0], k[1]))
    rows = [[_("All services") if sid is None else services[sid].name(lang) if sid in services else "?",
             "" if kind is None else _(ALERT_KINDS[kind]), r.alerts[sid, kind].raised,
             round(r.alerts[sid, kind].minutes, 1)]
            for sid, kind in [(None, None), *keys]]
    return Table([_("Service"), _("Alert"), _("Alerts"), _("Minutes open")], rows)


def estimate_tables(r: reports.Report, services: dict[int, Service], lang: str) -> dict[str, Table]:
    """Estimates held to account (server/accuracy.py): told vs real by what was told (the chart's
    numbers), and each service's error, bias and shares called near what they were told."""
    _ = lambda message: gettext(lang, message)  # noqa: E731
    e = r.estimates
    told = Table([_("Told (min)"), _("Visits"), _("Told, mean (min)"), _("Waited, mean (min)"),
                  _("Mean absolute error (min)")],
                 [[f"{b.low}–{b.high - 1}" if b.high is not None else f"{b.low}+", b.visits, b.told_mean,
                   b.real_mean, b.mae] for b in e.bands])
    keys = sorted((k for k in e.per_service if k is not None), key=lambda sid: (services[sid].position, sid))
    rows = []
    for k in [None, *keys]:
        a = e.per_service[k]
        rows.append([_("All services") if k is None else services[k].name(lang) if k in services else "?",
                     a.visits, a.mae, a.bias, a.within_5, None if a.share_5 is None else 100 * a.share_5,
                     a.within_25, None if a.share_25 is None else 100 * a.share_25])
    per_service = Table([_("Service"), _("Visits told a wait"), _("Mean absolute error (min)"),
                         _("Bias (min, + called earlier than told)"), _("Within ±5 min"), _("Within ±5 min (%)"),
                         _("Within ±25 %"), _("Within ±25 % (%)")], rows)
    return {"estimates": told, "estimate-accuracy": per_service}


def estimate_leans(r: reports.Report, services: dict[int, Service], lang: str) -> list[str]:
    """A sentence for each service whose estimates run consistently late or early (accuracy.LEAN_*)."""
    _ = lambda message: gettext(lang, message)  # noqa: E731
    said = []
    for sid, a in r.estimates.per_service.items():
        if sid is None or sid not in services or a.leans is None:
            continue
        text = (_("%(service)s: people were called on average %(minutes)s min later than they were told "
                  "(%(visits)d visits). Its estimates run late.") if a.leans == "late" else
                _("%(service)s: people were called on average %(minutes)s min earlier than they were told "
                  "(%(visits)d visits). Its estimates run early."))
        said.append(text % {"service": services[sid].name(lang), "minutes": charts.shown_number(abs(a.bias), lang),
                            "visits": a.visits})
    return said


def first_tier_table(r: reports.Report, services: dict[int, Service], lang: str) -> Table:
    """The first tier per service: self-service and the generalists, and the two together (the
    last three columns, as the other shares' tables end)."""
    _ = lambda message: gettext(lang, message)  # noqa: E731
    keys = sorted((k for k in r.first_tier if k is not None), key=lambda sid: (services[sid].position, sid))
    rows = []
    for k in [None, *keys]:
        generalist, both = r.generalist.get(k, reports.Ratio(0, 0)), r.first_tier[k]
        rows.append([_("All services") if k is None else services[k].name(lang) if k in services else "?",
                     both.part - generalist.part, generalist.whole, generalist.part, both.whole, both.part,
                     _percent(both)])
    return Table([_("Service"), _("Settled by self-service"), _("Generalist visits counted"),
                  _("Resolved by a generalist"), _("Counted in all"), _("Resolved at the first tier"),
                  _("Share (%)")], rows)


def heat_hours(r: reports.Report) -> range:
    """The hours the heat map shows: the opening hours people keep (7–19), widened to any arrival."""
    used = [h for _, h in r.heat_map]
    return range(min([7, *used]), max([18, *used]) + 1)


EMPTY_TEXTS = {
    "visits": N_("No visits in this period."),
    "wait-times": N_("No one was called in this period."),
    "service-times": N_("No one was served in this period."),
    "within-target": N_("No one was called in this period."),
    "first-tier": N_("No matter was settled by self-service and no visit to a generalist service ended in this period."),
    "self-service": N_("No matter was settled by self-service in this period."),
    "not-found": N_("Every search found something in this period."),
    "requests": N_("No service requests were opened, closed or overdue in this period."),
    "heat-map": N_("No visits in this period."),
    "heat-map-short": N_("The busiest hours by weekday show for a week or longer: choose a week or a month."),
    "repeat-visits": N_("No visits linked to a customer in this period."),
    "estimates": N_("No one who was told a wait was called in this period."),
    "estimate-accuracy": N_("No one who was told a wait was called in this period."),
    "alerts": N_("No alerts in this period."),
}


def _svg(name: str, table: Table, r: reports.Report, lang: str):
    """The chart of a table, or None when it would be empty (the page says so in words) or when a
    table reads better (transfers)."""
    _ = lambda message: gettext(lang, message)  # noqa: E731
    title = _(CHART_TITLES[name])
    if name == "visits":
        if not r.visits:
            return None
        one_day = r.filters.days == 1
        # Weekday and date up to a month; beyond, with the year (each label must name one day only).
        pattern = "EEE d.M." if r.filters.days <= 31 else "d.M.yyyy"
        points = [(row[0] if one_day else format_date(date.fromisoformat(row[0]), pattern, locale=lang), row[1])
                  for row in table.rows]
        description = _("Visits per hour of the day.") if one_day else _("Visits per day.")
        return charts.columns("chart-visits", title, description, points, _("Hour") if one_day else _("Day"),
                              _("Visits"), lang)
    if name in ("wait-times", "service-times"):
        if not r.times[None][0 if name == "wait-times" else 1].count:
            return None
        series = [_(label) for label in SPREAD_LABELS.values()]
        values = {(row[0], s): charts_value(row[2 + i]) for row in table.rows for i, s in enumerate(series)}
        return charts.grouped_bars(f"chart-{name}", title, _("Mean, median and 90th percentile per service."),
                                   [row[0] for row in table.rows], series, values, _("Minutes"), lang)
    if name in ("within-target", "first-tier", "repeat-visits"):
        if not table.rows[0][-3]:  # no one counted at all
            return None
        return charts.bars(f"chart-{name}", title, _("Share per service, in per cent."),
                           [(row[0], charts_value(row[-1])) for row in table.rows], _("Per cent"), lang, top=100)
    if name == "requests":
        if not any(row[1] for row in table.rows):
            return None
        return charts.bars("chart-requests", title, _("Service requests opened, closed and overdue."),
                           [(row[0], row[1]) for row in table.rows], _("Service requests"), lang)
    if name == "heat-map":
        if r.filters.days < 7 or not r.visits:
            return None
        return charts.heat_map("chart-heat-map", title, _("Arrivals per weekday and hour, in local time."),
                               r.heat_map, get_day_names("abbreviated", locale=lang), heat_hours(r), _("Hour"), lang)
    if name == "self-service":
        settled = [row for row in table.rows if row[3]][:CHART_MATTERS]
        if not settled:
            return None
        series = [_("At the kiosk"), _("On a phone")]
        labels = unique([short(row[0]) for row in settled])
        values = {(label, s): row[1 + i] for label, row in zip(labels, settled) for i, s in enumerate(series)}
        return charts.grouped_bars("chart-self-service", title,
                                   _("Matters settled by self-service at the kiosk and on a phone, the most settled first."),
                                   labels, series, values, _("Matters settled"), lang)
    if name == "not-found":
        if not table.rows:
            return None
        rows = table.rows[:CHART_MATTERS]
        return charts.bars("chart-not-found", title, _("The words of searches that found nothing, the most frequent first."),
                           list(zip(unique([short(row[0]) for row in rows]), [row[1] for row in rows])),
                           _("Searches"), lang)
    if name == "estimates":
        if not table.rows:
            return None
        series = [_("Told, mean"), _("Waited, mean")]
        labels = [_("told %(band)s min") % {"band": row[0]} for row in table.rows]
        values = {(label, s): charts_value(row[2 + i]) for label, row in zip(labels, table.rows)
                  for i, s in enumerate(series)}
        return charts.grouped_bars("chart-estimates", title,
                                   _("For the visitors told each band of waits, the mean wait told and the mean "
                                     "wait they had, in minutes."), labels, series, values, _("Minutes"), lang)
    return None  # transfers, estimate-accuracy: a table reads better than a chart


def unique(labels: list[str]) -> list[str]:
    """Labels a chart tells apart: a second "Pysäköinti" (two matters, one title) becomes "Pysäköinti (2)"."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def short(text: str, limit: int = 40) -> str:
    """A chart's label: a long title or search cut to fit beside its bar (the table has it whole)."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def charts_value(value):
    """A figure as the chart and the CSV both show it (one decimal)."""
    return None if value is None else round(value, 1)


def csv_bytes(table: Table, lang: str) -> bytes:
    """Semicolons and, in Finnish and Swedish, decimal commas, as Excel expects there; a BOM so that
    Excel reads UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        cells = []
        for cell in row:
            if isinstance(cell, float) or cell is None:
                cell = charts.shown_number(cell, lang)
            cells.append(cell)
        writer.writerow(cells)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- the pages ---------------------------------------------------------------------------------


def _context(session, params, lang: str) -> dict:
    now = utcnow()
    chosen = choose(session, params, now)
    site = chosen.site
    services = {s.id: s for s in session.exec(select(Service).where(Service.site_id == site.id)
                                              .order_by(Service.position, Service.prefix))}
    targets = {sid: s.target_wait_min for sid, s in services.items()}
    report = reports.report(session, chosen.filters, targets, now)
    used = [u.matter_id for u in report.guide.matters]
    matters = {m.id: m for m in session.exec(select(Matter).where(Matter.id.in_(used)))} if used else {}
    data = tables(report, services, lang, matters)
    from counter import feedback_report  # noqa: PLC0415 (it imports this module)

    satisfaction = feedback_report.context(session, site, chosen.filters, services, lang, data)
    f = chosen.filters
    previous, following = (reports.step(chosen.kind, f.start, f.end, d) for d in (-1, 1))

    def moved(start: date, end: date) -> str:
        change = {"day": start.isoformat()}
        if chosen.kind == "custom":
            change.update({"from": start.isoformat(), "to": end.isoformat()})
        return chosen.query(**change)

    to_names = sorted({b for _, b in report.transfers}, key=lambda sid: services[sid].position)
    return {
        "site": site,
        "sites": queue.all_sites(session),
        "chosen": chosen,
        "report": report,
        "tables": data,
        "svgs": {name: _svg(name, table, report, lang) for name, table in data.items()},
        "estimate_leans": estimate_leans(report, services, lang),
        **satisfaction,  # feedback (issue 21)
        "services": list(services.values()),
        "counters": queue.site_counters(session, site),
        "clerks": _clerks(session, site),
        "kinds": KIND_LABELS,
        "chart_titles": CHART_TITLES,
        "previous_query": moved(*previous),
        "next_query": moved(*following),
        "matrix_from": sorted({a for a, _ in report.transfers}, key=lambda sid: services[sid].position),
        "matrix_to": to_names,
        "service_names": {sid: s.name(lang) for sid, s in services.items()},
        "period_label": _period_label(chosen, lang),
        "empty": {**EMPTY_TEXTS, "heat-map": EMPTY_TEXTS["heat-map" if f.days >= 7 else "heat-map-short"]},
        "shown": lambda cell: charts.shown_number(cell, lang) if cell is None or isinstance(cell, float) else cell,
        "percent": lambda ratio: charts.shown_number(_percent(ratio), lang),
        "minutes": lambda s: charts.shown_number(_minutes(s), lang),
    }


def _clerks(session, site: Site) -> list[StaffUser]:
    """Who the clerk filter offers: today's staff, and anyone who has ever served at the site."""
    served = sa.select(ServicePeriod.staff_user_id).where(ServicePeriod.site_id == site.id).distinct()
    return list(session.exec(select(StaffUser).where(sa.or_(StaffUser.active, StaffUser.id.in_(served)))
                             .order_by(StaffUser.display_name)))


def _period_label(chosen: Chosen, lang: str) -> str:
    f = chosen.filters
    if f.start == f.end:
        return format_date(f.start, "cccc d.M.yyyy", locale=lang)
    return f"{format_date(f.start, 'd.M.yyyy', locale=lang)} – {format_date(f.end, 'd.M.yyyy', locale=lang)}"


async def report_page(request: Request):
    lang = pages.page_language(request)
    try:
        context = await run_read(request.app.state.db, _context, request.query_params, lang)
    except DomainError as exc:
        # Unknown names, days that are no dates, periods back to front or too long: all 422.
        return pages.error_page(request, 422, exc.message, **exc.params)
    context["user"] = request.state.user
    context["search_words_days"] = request.app.state.settings.search_words_retention_days
    template = "_report.html" if request.headers.get("hx-request") else "reports.html"
    return pages.render(request, template, context)


async def report_csv(request: Request):
    name = request.path_params["name"]
    lang = pages.page_language(request)
    if name not in CHART_TITLES:
        return pages.error_page(request, 404, N_("There is no report called “%(name)s”."), name=name[:40])
    try:
        context = await run_read(request.app.state.db, _context, request.query_params, lang)
    except DomainError as exc:
        return pages.error_page(request, 422, exc.message, **exc.params)
    if name not in context["tables"]:  # per-clerk feedback where the site has not turned it on
        return pages.error_page(request, 404, N_("There is no report called “%(name)s”."), name=name[:40])
    f = context["chosen"].filters
    filename = f"luukku-{context['site'].slug}-{name}-{f.start.isoformat()}-{f.end.isoformat()}.csv"
    return Response(csv_bytes(context["tables"][name], lang), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Vary": "Cookie, Accept-Language"})


guard = login_required(role="manager")
routes = [
    Route("/reports", guard(report_page)),
    Route("/reports/{name}.csv", guard(report_csv)),
]
