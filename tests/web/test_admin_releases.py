"""Booking releases for managers and admins (/admin/releases, issue 22): made, listed and cancelled
with the session's CSRF token, a wrong form back with every mistake, and the days closed meanwhile.
The route-role sweep (test_route_roles.py) refuses the other roles on every route here."""

import re
from datetime import timedelta

import httpx
import sqlalchemy as sa

from server.models import BookingRelease
from tests.conftest import staff_login
from tests.web.test_booking_pages import ENGLISH, free_times, weekday_ahead
from tests.web.test_route_roles import routes_of


def releases_in(server) -> list[BookingRelease]:
    with server.app.state.db.read() as session:
        return list(session.execute(sa.select(BookingRelease)).scalars())


def test_a_manager_makes_a_release_that_closes_its_days_and_cancels_it(live_server):
    day = weekday_ahead(3)
    opens = day - timedelta(days=1)
    form = {"target": "demo/advice", "first_day": day.isoformat(), "last_day": day.isoformat(),
            "opens_day": opens.isoformat(), "opens_time": "08:00", "pace": "120"}
    with httpx.Client(base_url=live_server.url, timeout=10, headers=ENGLISH) as client:
        assert staff_login(client, "manager").status_code == 303
        token = client.headers.pop("X-CSRF-Token")
        page = client.get("/admin/releases")
        assert page.status_code == 200 and 'name="csrf_token"' in page.text and "No releases coming" in page.text
        assert client.post("/admin/releases", data=form).status_code == 403  # no token: nothing made
        assert releases_in(live_server) == []

        wrong = client.post("/admin/releases", data={**form, "last_day": "someday", "pace": "0", "csrf_token": token})
        assert wrong.status_code == 422
        assert "Write a date as 2027-03-22." in wrong.text and "a whole number from 1 to" in wrong.text
        assert 'value="someday"' in wrong.text and releases_in(live_server) == []

        made = client.post("/admin/releases", data={**form, "csrf_token": token})
        assert made.status_code == 303 and made.headers["location"] == "/admin/releases?done=created"
        [release] = releases_in(live_server)
        listed = client.get(made.headers["location"]).text
        assert "Its days are closed to booking until it opens." in listed and "08:00" in listed
        assert free_times(client, "/b/demo/advice", day + timedelta(days=7))  # other days book as usual
        lobby = client.get("/b/demo/advice", params={"day": day.isoformat()})
        assert "You are in line." in lobby.text

        cancel = re.search(r'action="(/admin/releases/\d+/cancel)"', listed).group(1)
        assert client.post(cancel, data={"csrf_token": token}).status_code == 303
        assert releases_in(live_server)[0].cancelled_at is not None
        assert free_times(client, "/b/demo/advice", day)  # bookable again at once
        assert client.post("/admin/releases/999999/cancel", data={"csrf_token": token}).status_code == 404
    assert release.created_by is not None


def test_releases_are_for_managers_and_admins(live_server):
    routes = [(path, route) for path, route, _ in routes_of(live_server.app) if path.startswith("/admin/releases")]
    assert len(routes) == 3 and all(route.endpoint.luukku_roles == ("manager", "admin") for _, route in routes)
    with httpx.Client(base_url=live_server.url, timeout=10, headers=ENGLISH) as client:
        staff_login(client, "admin")
        assert 'href="/admin/releases"' in client.get("/admin/releases").text
