"""Estimates held to account (issue 21) over real HTTP: the reports page's told-vs-real section, its
chart against its CSV and the core's figures, and the phone page keeping the estimate it showed."""

from datetime import datetime, timezone

import httpx

from server import queue
from server.models import Ticket
from tests.web.test_reports import DAYS, core_report, figure, logged_in, marks, read_csv, server  # noqa: F401


def test_the_estimates_section_agrees_with_its_csv_and_the_core(server):  # noqa: F811
    r = core_report(server, DAYS[0], DAYS[1])
    told = r.estimates.per_service[None]
    assert told.visits > 0
    params = {"period": "custom", "from": DAYS[0].isoformat(), "to": DAYS[1].isoformat()}
    with logged_in(server, "manager") as manager:
        page = manager.get("/reports", params=params).text
        bands = read_csv(manager.get("/reports/estimates.csv", params=params))
        per_service = read_csv(manager.get("/reports/estimate-accuracy.csv", params=params))
        finnish = read_csv(manager.get("/reports/estimate-accuracy.csv", params={**params, "lang": "fi"}))
    assert 'id="section-estimates"' in page
    assert per_service[1][0] == "All services"
    assert [figure(c) for c in per_service[1][1:]] == [
        told.visits, round(told.mae, 1), round(told.bias, 1), told.within_5, round(100 * told.share_5, 1),
        told.within_25, round(100 * told.share_25, 1)]
    assert [figure(c) for c in finnish[1][1:]] == [figure(c) for c in per_service[1][1:]]
    assert sum(int(row[1]) for row in bands[1:]) == told.visits
    # The chart draws the CSV's means, told and waited, band by band.
    assert marks(page, "estimates") == [f"told {row[0]} min, {series}: {cell}" for row in bands[1:]
                                        for series, cell in zip(["Told, mean", "Waited, mean"], row[2:4])]


def test_the_phone_page_keeps_the_estimate_it_showed(server):  # noqa: F811
    now = datetime(2027, 3, 17, 8, tzinfo=timezone.utc)  # a Wednesday at 10 in Helsinki: open, and no day closed
    db = server.app.state.db
    with db.write() as session:
        ticket = queue.issue_ticket(session, "demo", "advice", "fi", now=now, printed=False).ticket
    assert ticket.told_wait_min is not None
    page = httpx.get(f"{server.url}/t/{ticket.public_id}")
    assert page.status_code == 200
    with db.read() as session:
        kept = session.get(Ticket, ticket.id)
    assert kept.told_last_min is not None and kept.told_last_at is not None
    # Shown again at once: the same estimate, no second write.
    assert httpx.get(f"{server.url}/t/{ticket.public_id}").status_code == 200
    with db.read() as session:
        assert session.get(Ticket, ticket.id).told_last_at == kept.told_last_at
