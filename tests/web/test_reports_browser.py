"""A manager in Chromium: opens the reports, changes the period through the form and by the
previous-period link, and the chart's numbers equal the CSV fetched with the same filters."""

import csv
import io
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, make_settings
from tests.web.test_reports import DAYS, prepare_report_database

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = prepare_report_database(f"sqlite:///{tmp_path_factory.mktemp('reports-browser') / 'reports.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port), port) as live:
        yield live


def bars(page, name: str) -> list[tuple[str, str]]:
    """(label, value) of each bar of the chart as the browser has it now, from what each bar says."""
    return [tuple(said.rsplit(": ", 1)) for said in page.eval_on_selector_all(
        f"#chart-{name} [aria-roledescription=bar]", "bars => bars.map(b => b.getAttribute('aria-label'))")]


def visits_chart(page) -> list[str]:
    """The visits drawn, bar by bar."""
    return [value for _, value in bars(page, "visits")]


def csv_of(page, server, name: str) -> list[list[str]]:
    """The chart's CSV through its own link on the page, with the browser's session cookie."""
    href = page.get_attribute(f"#section-{name} a.csv-link", "href")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    # A report is computed for the request: 30 s, not httpx's 5, on a machine busy with the rest of the suite.
    response = httpx.get(f"{server.url}{href}", cookies=cookies, headers={"Accept-Language": "en"}, timeout=30)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def wait_for(page, check, timeout_ms: int = 5000) -> None:
    for _ in range(timeout_ms // 50):
        if check():
            return
        page.wait_for_timeout(50)
    assert check()


def test_a_manager_changes_the_period_and_the_chart_agrees_with_the_csv(browser, server):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{server.url}/counter/login")
    page.fill("#username", "manager")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/counter")
    page.click("a[href^='/reports']")
    page.wait_for_url(f"{server.url}/reports*")
    # It opens on the latest week with visits (the simulated days'), not on an empty today.
    assert page.get_attribute("#report-period-label", "data-start") == DAYS[0].isoformat()
    assert page.input_value("#report-period") == "week"

    # The second simulated day, by the form: a day's visits per hour.
    page.select_option("#report-period", "day")
    page.fill("#report-day", DAYS[1].isoformat())
    page.click("#report-show")
    wait_for(page, lambda: page.get_attribute("#report-period-label", "data-start") == DAYS[1].isoformat())
    hours = visits_chart(page)
    assert len(hours) == 24 and sum(int(v) for v in hours) > 0
    assert bars(page, "visits") == [(row[0], row[1]) for row in csv_of(page, server, "visits")[1:]]
    assert f"day={DAYS[1].isoformat()}" in urlsplit(page.url).query  # pushed: a reload shows the same

    # The whole week, by the form: visits per day, the two simulated days and five without.
    page.select_option("#report-period", "week")
    page.click("#report-show")
    wait_for(page, lambda: page.get_attribute("#report-period-label", "data-start") == DAYS[0].isoformat())
    days = visits_chart(page)
    assert [label for label, _ in bars(page, "visits")][:2] == ["Mon 15.3.", "Tue 16.3."]
    assert [int(v) > 0 for v in days] == [True, True, False, False, False, False, False]
    assert days == [row[1] for row in csv_of(page, server, "visits")[1:]]
    first_tier = bars(page, "first-tier")
    assert first_tier == [(row[0], row[-1]) for row in csv_of(page, server, "first-tier")[1:] if row[-1]]
    assert int(page.text_content("[data-figure=visits]")) == sum(int(v) for v in days)

    # A custom period back to front: the reason shows, the report stays; put right, it goes away.
    page.select_option("#report-period", "custom")
    page.fill("#report-from", "2027-03-20")
    page.fill("#report-to", "2027-03-10")
    page.click("#report-show")
    wait_for(page, lambda: "first day is after its last day" in page.text_content("#errors"))
    assert page.get_attribute("#report-period-label", "data-start") == DAYS[0].isoformat()
    page.fill("#report-to", "2027-03-22")
    page.fill("#report-from", DAYS[0].isoformat())
    page.click("#report-show")
    wait_for(page, lambda: page.get_attribute("#report-period-label", "data-end") == "2027-03-22")
    assert page.text_content("#errors").strip() == ""
    assert visits_chart(page) == [*days, "0"]
    assert visits_chart(page) == [row[1] for row in csv_of(page, server, "visits")[1:]]

    # The eight days before, by the previous-period link: nothing was simulated then.
    page.click("#report-previous")
    wait_for(page, lambda: page.get_attribute("#report-period-label", "data-end") == "2027-03-14")
    # Nothing was simulated then: the page says so in words, the CSV has the eight empty days.
    assert page.locator("#chart-visits").count() == 0
    assert page.text_content("#section-visits .empty-chart").strip() == "No visits in this period."
    assert [row[1] for row in csv_of(page, server, "visits")[1:]] == ["0"] * 8
    context.close()
