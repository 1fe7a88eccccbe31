"""What a working day's screens and integrations ask the database: every statement that reads tickets
or events, caught as a real uvicorn runs it and planned by SQLite, finds its rows by index, never by
reading every ticket or event the site has had. Over a week such reads made each day slower than
the last, and each one filled a connection's page cache (issue 24, docs/PERFORMANCE.md)."""

import contextlib

import httpx
from websockets.sync.client import connect

from tests.conftest import recv_push, staff_login
from tests.core.test_query_plans import planned, reads_every, statements


def test_a_working_days_screens_and_api_read_no_ticket_or_event_table_whole(live_server):
    base = live_server.url
    db = live_server.app.state.db
    assert httpx.get(f"{base}/metrics").status_code == 200  # a worker's first scrape counts from the start
    with statements(db) as caught, contextlib.ExitStack() as stack:
        kiosk = httpx.get(f"{base}/kiosk/demo")
        api = stack.enter_context(httpx.Client(base_url=f"{base}/api/v1", timeout=10))
        tickets = [api.post("/sites/demo/tickets", json={"service": s}).json() for s in ("advice", "advice", "housing")]
        token = api.post("/token", json={"username": "clerk", "password": live_server.settings.demo_password}).json()
        api.headers["Authorization"] = f"Bearer {token['access_token']}"
        with connect(f"{live_server.ws_url}/display/demo/ws") as display, \
                connect(f"{live_server.ws_url}/t/{tickets[1]['id']}/ws?lang=en") as phone:
            recv_push(display)
            recv_push(phone)
            assert api.post("/counters/1/open", json={"services": ["advice", "housing"]}).status_code == 200
            called = api.post("/counters/1/call-next").json()
            assert api.get("/sites/demo/queue").status_code == 200
            assert api.post(f"/tickets/{called['id']}/start").status_code == 200
            assert api.post(f"/tickets/{called['id']}/finish").status_code == 200
            recv_push(display)
        with httpx.Client(base_url=base, timeout=10) as clerk:
            assert staff_login(clerk, "clerk").status_code == 303
            assert clerk.get("/counter").status_code == 200
        pages = [httpx.get(f"{base}/display/demo"), httpx.get(f"{base}/t/{tickets[2]['id']}"),
                 httpx.get(f"{base}/metrics")]
    assert kiosk.status_code == 200 and all(page.status_code == 200 for page in pages)
    # Readings only: the hourly retention's updates may run meanwhile, and scan by date, once an hour.
    readings = [(statement, parameters) for statement, parameters in caught
                if statement.lstrip().upper().startswith("SELECT")]
    for table, at_least in (("ticket", 10), ("event", 3)):
        plans = planned(db, readings, table)
        assert len(plans) >= at_least, plans  # the paths were caught
        whole = {statement: plan for statement, plan in plans.items() if reads_every(table, plan)}
        assert not whole, whole
