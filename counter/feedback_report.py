"""Feedback in the reports page (issue 21): satisfaction per service, counter, period and, where the
site turned it on, per clerk; the distribution as a chart with its table and CSV; the comments for
the managers (the reports page is theirs only: counter/reports.py's guard). docs/feedback.md."""

from babel.dates import format_date
from sqlmodel import select

from counter.reports import CHART_TITLES, Table, charts_value
from server import charts, feedback, queue
from server.errors import N_
from server.i18n import gettext
from server.models import Service, Site, StaffUser

NAMES = ("satisfaction", "satisfaction-services", "satisfaction-counters", "satisfaction-periods",
         "satisfaction-clerks")
EMPTY = N_("No feedback was given in this period.")


def _row(label, s: feedback.Satisfaction) -> list:
    return [label, *s.counts, s.answers, charts_value(s.mean), s.ended if s.ended is not None else "",
            None if s.rate is None else charts_value(100 * s.rate)]


def context(session, site: Site, f, services: dict[int, Service], lang: str, data: dict) -> dict:
    """Adds the feedback tables to ``data`` (the page's tables, whose CSVs /reports/{name}.csv serves)
    and returns what the page's feedback section shows."""
    _ = lambda message: gettext(lang, message)  # noqa: E731
    fig = feedback.figures(session, f, site.feedback_per_clerk)
    words = [_(feedback.WORDS[s]) for s in feedback.SCORES]
    headers = lambda first: [first, *words, _("Answers"), _("Mean (1–5)"), _("Visits ended"),  # noqa: E731
                             _("Answer rate (%)")]
    name = lambda sid: services[sid].name(lang) if sid in services else "?"  # noqa: E731
    ordered = sorted((k for k in fig.per_service if k is not None), key=lambda sid: (services[sid].position, sid)
                     if sid in services else (999, sid))
    data["satisfaction-services"] = Table(headers(_("Service")), [
        _row(_("All services"), fig.per_service[None]), *(_row(name(k), fig.per_service[k]) for k in ordered),
        _row(_("Exit tablet"), fig.tablet)])
    counters = {c.id: c.number for c in queue.site_counters(session, site)}
    by_number = sorted(fig.per_counter.items(), key=lambda t: str(counters.get(t[0])))
    data["satisfaction-counters"] = Table(headers(_("Counter")), [_row(counters.get(k, "?"), s) for k, s in by_number])
    pattern = "LLLL yyyy" if f.days > 62 else "EEE d.M.yyyy"
    data["satisfaction-periods"] = Table(headers(_("Period")), [
        _row(format_date(day, pattern, locale=lang), s) for day, s in fig.per_period])
    if fig.per_clerk is not None:
        found = session.exec(select(StaffUser).where(StaffUser.id.in_(list(fig.per_clerk))))
        people = {u.id: u.display_name for u in found}
        data["satisfaction-clerks"] = Table(headers(_("Clerk")), [
            _row(people.get(k, "?"), s) for k, s in sorted(fig.per_clerk.items(), key=lambda t: people.get(t[0], ""))])
    every = fig.per_service[None]
    both = [a + b for a, b in zip(every.counts, fig.tablet.counts)]
    data["satisfaction"] = Table([_("Answer"), _("From visits"), _("Exit tablet"), _("All")],
                                 [[w, a, b, a + b] for w, a, b in zip(words, every.counts, fig.tablet.counts)])
    svg = None
    if any(both):
        # Horizontal bars: their count axis keeps to whole numbers with a handful of answers.
        svg = charts.bars("chart-satisfaction", _(CHART_TITLES["satisfaction"]),
                          _("How many gave each answer, from the worst to the best, visits and the exit tablet "
                            "together."), list(zip(words, both)), _("Answers"), lang)
    return {"satisfaction": fig, "satisfaction_svg": svg, "satisfaction_empty": EMPTY,
            "satisfaction_comments": [{"day": format_date(c.at.date(), "d.M.yyyy", locale=lang),
                                       "service": name(c.service_id) if c.service_id else "", "score": c.score,
                                       "word": words[c.score - 1], "text": c.text} for c in fig.comments]}
