"""The reports page over real HTTP: who may open it, each chart's CSV against the core's figures and
against the chart's own numbers, and refusals (422) that name the problem in the page's language."""

import csv
import html
import io
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import httpx
from babel.dates import format_date, get_day_names
import pytest
from sqlmodel import select

from server import i18n, queue, reports, simulate
from server.db import Database
from server.models import Service, ServiceRequest
from tests.conftest import (LiveServer, free_port, make_settings, prepare_demo_database, prepare_from_template,
                            staff_login)

DAYS = [date(2027, 3, 15), date(2027, 3, 16)]  # a Monday and a Tuesday
CHARTS = ["visits", "wait-times", "service-times", "within-target", "first-tier", "transfers", "requests",
          "heat-map", "repeat-visits"]


def prepare_report_database(url: str) -> str:
    """The demo site (its users include the manager, who may log in: demo mode) with two simulated days."""
    return prepare_from_template(url, _build_report_database)


def _build_report_database(url: str) -> str:
    prepare_demo_database(url)
    database = Database(url)
    with database.write() as session:
        site = queue.get_site(session, "demo")
        staff = simulate.ensure_staff(session)
        customer_ids = simulate.ensure_customers(session, datetime(2027, 3, 1, tzinfo=timezone.utc))
        for day in DAYS:
            simulate.run_day(session, site, simulate.plan_day(2, day, site.timezone, scale=0.3), staff, customer_ids)
        for day, closed in ((DAYS[0], True), (DAYS[0], False), (DAYS[1], False)):
            at = reports.local_midnight(day, site.timezone) + timedelta(hours=12)
            session.add(ServiceRequest(site_id=site.id, customer_id=customer_ids[0], subject="Simuloitu", due_on=day,
                                       created_at=at, updated_at=at, status="closed" if closed else "open",
                                       closed_at=at + timedelta(hours=2) if closed else None))
    database.dispose()
    return url


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = prepare_report_database(f"sqlite:///{tmp_path_factory.mktemp('reports') / 'reports.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port), port) as live:
        yield live


@contextmanager
def logged_in(server, username: str, lang: str = "en"):
    with httpx.Client(base_url=server.url, timeout=20, headers={"Accept-Language": lang}) as client:
        response = staff_login(client, username)
        assert response.status_code == 303
        yield client


def core_report(server, start: date, end: date) -> reports.Report:
    with server.app.state.db.read() as session:
        site = queue.get_site(session, "demo")
        targets = {s.id: s.target_wait_min for s in session.exec(select(Service))}
        return reports.report(session, reports.Filters(site.id, site.timezone, start, end), targets,
                              datetime.now(timezone.utc))


def read_csv(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def figure(cell: str) -> float | None:
    return float(cell.replace(",", ".")) if cell else None


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def chart(page: str, name: str) -> str:
    return re.search(rf'<svg[^>]*id="chart-{name}".*?</svg>', page, re.S).group(0)


def marks(page: str, name: str) -> list[str]:
    """What each bar or heat-map cell of the chart says ("Yleisneuvonta, Median: 4.5"), in the order
    Vega-Lite drew them: the chart's own description of every mark, made from its numbers."""
    return [html.unescape(said) for said in re.findall(
        r'aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="(?:bar|rect mark)"', chart(page, name))]


def test_it_is_for_managers_and_admins(server):
    anonymous = httpx.get(f"{server.url}/reports")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/counter/login"
    assert httpx.get(f"{server.url}/reports/visits.csv").status_code == 303
    with logged_in(server, "clerk") as clerk:
        refused = clerk.get("/reports")
        assert refused.status_code == 403 and "manager" in refused.text
        assert clerk.get("/reports/visits.csv").status_code == 403
        assert 'href="/reports' not in clerk.get("/counter/appointments").text
    for username in ("manager", "admin"):
        with logged_in(server, username) as user:
            page = user.get("/reports", params={"day": DAYS[0].isoformat()})
            assert page.status_code == 200
            assert 'href="/reports?site=demo"' in user.get("/counter/overview").text
            assert '<svg' in page.text and 'role="img"' in page.text


def test_every_csv_matches_the_core_figures_and_its_chart(server):
    r = core_report(server, DAYS[0], DAYS[1])
    params = {"period": "custom", "from": DAYS[0].isoformat(), "to": DAYS[1].isoformat()}
    with logged_in(server, "manager") as manager:
        page = manager.get("/reports", params=params).text
        got = {name: read_csv(manager.get(f"/reports/{name}.csv", params=params)) for name in CHARTS}
        # The same in Finnish: headers translated (or the English source), decimal commas, same numbers.
        finnish = read_csv(manager.get("/reports/wait-times.csv", params={**params, "lang": "fi"}))

    assert got["visits"][0] == ["Day", "Visits"]
    assert got["visits"][1:] == [[d.isoformat(), str(n)] for d, n in r.by_day]
    wait, served = r.times[None]
    assert got["wait-times"][0] == ["Service", "Periods", "Mean", "Median", "90th percentile"]
    assert got["wait-times"][1][0] == "All services"
    assert [figure(c) for c in got["wait-times"][1][1:]] == [wait.count, minutes(wait.mean), minutes(wait.median),
                                                            minutes(wait.p90)]
    assert [figure(c) for c in got["service-times"][1][1:]] == [served.count, minutes(served.mean),
                                                               minutes(served.median), minutes(served.p90)]
    assert [figure(c) for c in finnish[1][1:]] == [figure(c) for c in got["wait-times"][1][1:]]
    assert "," in "".join(finnish[1][2:]) and finnish[0][0] == i18n.gettext("fi", "Service")
    target = r.within_target[None]
    assert [figure(c) for c in got["within-target"][1][2:]] == [target.whole, target.part,
                                                               round(100 * target.share, 1)]
    tier = r.first_tier[None]  # no guide events here: the generalists' figure (tests/web/test_first_tier_report.py)
    assert [figure(c) for c in got["first-tier"][1][-3:]] == [tier.whole, tier.part, round(100 * tier.share, 1)]
    assert sum(int(row[2]) for row in got["transfers"][1:]) == sum(r.transfers.values()) > 0
    assert [row[1] for row in got["requests"][1:]] == [str(r.requests.opened), str(r.requests.closed),
                                                       str(r.requests.overdue)]
    assert (r.requests.opened, r.requests.closed) == (3, 1)  # overdue depends on today: tested in tests/core
    assert sum(int(row[2]) for row in got["heat-map"][1:]) == r.visits
    repeat = r.repeats[None]
    assert [figure(c) for c in got["repeat-visits"][1][1:3]] == [repeat.whole, repeat.part]

    # Each chart draws exactly its CSV's numbers, one bar per figure (none where there is none).
    assert marks(page, "visits") == [f"{format_date(date.fromisoformat(day), 'EEE d.M.', locale='en')}: {n}"
                                     for day, n in got["visits"][1:]]
    for name in ("wait-times", "service-times"):
        assert marks(page, name) == [f"{row[0]}, {series}: {cell}" for row in got[name][1:]
                                     for series, cell in zip(["Mean", "Median", "90th percentile"], row[2:5]) if cell]
    for name in ("within-target", "first-tier", "repeat-visits"):
        assert marks(page, name) == [f"{row[0]}: {row[-1]}" for row in got[name][1:] if row[-1]]
    assert marks(page, "requests") == [f"{row[0]}: {row[1]}" for row in got["requests"][1:]]
    # The busiest hours need a week: the two days' week has them, cell by cell as in its CSV.
    assert 'id="chart-heat-map"' not in page
    week = {"period": "week", "day": DAYS[0].isoformat()}
    with logged_in(server, "manager") as manager:
        week_page = manager.get("/reports", params=week).text
        heat_csv = read_csv(manager.get("/reports/heat-map.csv", params=week))
    weekdays = get_day_names("abbreviated", locale="en")
    order = {(day, hour): n for n, (day, hour, _) in enumerate(heat_csv[1:])}
    cells = sorted((re.fullmatch(r"(\w+) (\d\d)–\d\d: (\d+)", said).groups() for said in marks(week_page, "heat-map")),
                   key=lambda cell: order[cell[:2]])
    assert [list(cell) for cell in cells] == heat_csv[1:]
    assert sum(int(n) for _, _, n in cells) == r.visits and {d for d, _, _ in cells} == set(weekdays.values())
    assert 'data-figure="visits"' in page and ">Aino (sim)</option>" in page  # who served, though inactive
    assert int(re.search(r'data-figure="visits">(\d+)<', page).group(1)) == r.visits


def test_htmx_gets_the_report_region_alone(server):
    with logged_in(server, "manager") as manager:
        page = manager.get("/reports", params={"day": DAYS[0].isoformat()})
        fragment = manager.get("/reports", params={"day": DAYS[0].isoformat()}, headers={"HX-Request": "true"})
    assert page.text.count('id="errors"') == 1 and "<html" in page.text
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.count('id="errors"') == 1 and 'id="chart-visits"' in fragment.text


def test_a_one_day_report_counts_visits_per_hour(server):
    r = core_report(server, DAYS[1], DAYS[1])
    with logged_in(server, "manager") as manager:
        rows = read_csv(manager.get("/reports/visits.csv", params={"day": DAYS[1].isoformat()}))
    assert rows[0] == ["Hour", "Visits"] and len(rows) == 25
    assert [int(row[1]) for row in rows[1:]] == [n for _, n in r.by_hour] and r.visits > 0


REFUSALS = [
    ({"day": "2027-13-45"}, "Write the day as YYYY-MM-DD, e.g. 2027-03-22.", {}),
    ({"site": "nowhere"}, "There is no service point called “%(site)s”.", {"site": "nowhere"}),
    ({"service": "astrology"}, "There is no service called “%(service)s” here.", {"service": "astrology"}),
    ({"counter": "99"}, "There is no counter %(counter)s here.", {"counter": "99"}),
    ({"clerk": "abc"}, "There is no such clerk.", {}),
    ({"period": "year"}, "The period must be a day, a week, a month or custom.", {}),
    ({"period": "custom", "from": "2027-03-20", "to": "2027-03-10"}, "The period's first day is after its last day.", {}),
    ({"period": "custom", "from": "2025-01-01", "to": "2027-01-01"}, "A report covers at most %(days)d days.",
     {"days": 366}),
]


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_bad_parameters_are_refused_with_the_reason_in_the_pages_language(server, lang):
    with logged_in(server, "manager", lang=lang) as manager:
        for params, message, values in REFUSALS:
            expected = i18n.gettext(lang, message, **values)
            page = manager.get("/reports", params=params)
            assert page.status_code == 422, params
            assert f'lang="{lang}"' in page.text and expected in page.text.replace("&#34;", '"').replace("&#39;", "'")
            fragment = manager.get("/reports", params=params, headers={"HX-Request": "true"})
            assert fragment.status_code == 422 and fragment.headers["HX-Retarget"] == "#errors"
            assert expected.replace("'", "&#39;") in fragment.text
            assert manager.get("/reports/visits.csv", params=params).status_code == 422


def test_odd_input_never_fails_the_server(server):
    odd = [{"day": ""}, {"day": "\x00"}, {"day": "2027-02-29"}, {"from": "x", "period": "custom"},
           {"clerk": "9" * 30}, {"service": "<script>alert(1)</script>"}, {"counter": "' OR 1=1 --"},
           {"period": "custom"}, {"period": "month", "day": "2028-02-29"}, {"lang": "xx"},
           {"site": "demo", "period": "week", "day": "0001-01-01"}, {"day": "9999-12-31", "period": "month"}]
    with logged_in(server, "manager") as manager:
        for params in odd:
            for path in ("/reports", "/reports/visits.csv", "/reports/heat-map.csv"):
                assert manager.get(path, params=params).status_code in (200, 422), (path, params)
        assert manager.get("/reports/nothing.csv").status_code == 404


def test_finnish_pages_write_decimals_with_a_comma_and_keep_points_in_the_data(server):
    with logged_in(server, "manager", lang="fi") as manager:
        page = manager.get("/reports", params={"period": "custom", "from": DAYS[0].isoformat(),
                                               "to": DAYS[1].isoformat()}).text
    figure = re.search(r'data-figure="p90-wait">([^<]+)<', page).group(1)
    assert re.fullmatch(r"\d+(,\d)?", figure), figure
    said = [m.rsplit(": ", 1)[1] for name in ("wait-times", "service-times") for m in marks(page, name)]
    decimals = [v for v in said if "," in v]
    assert decimals and not any("." in v for v in said)
    printed = re.findall(r"<text[^>]*>([^<]*)</text>", chart(page, "wait-times"))
    assert set(decimals) & set(printed)  # printed beside the bar the Finnish way too
