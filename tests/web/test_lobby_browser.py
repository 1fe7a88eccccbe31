"""The lobby on a phone in Debian's Chromium (issue 22): it fits the screen, and when the turn comes
the same page becomes the times, by itself (lobby.js)."""

import pytest

from tests.web import geometry
from tests.web.axe import assert_accessible
from tests.web.test_booking_browser import PHONE, small_targets
from tests.web.test_lobby import release, server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    context = browser.new_context(**{**PHONE, "locale": "en-GB"})
    page = context.new_page()
    yield page
    context.close()


def test_the_lobby_becomes_the_times_page_when_the_turn_comes(phone, server):  # noqa: F811
    _, day = release(server.db, 6, pace=600)  # lobby.js asks again after 5 s at the soonest
    address = f"{server.url}/b/demo/advice?day={day.isoformat()}"
    phone.goto(address)
    status = phone.locator("#lobby-status")
    assert "You are in line." in status.inner_text()
    assert geometry.scrolling(phone) + geometry.clipped_text(phone) + geometry.covered(phone) == []
    assert small_targets(phone) == []
    assert_accessible(phone)

    phone.locator("form.times button").first.wait_for(timeout=20_000)  # no tap, no reload by hand
    assert phone.url == address
    assert phone.locator("#lobby-status").count() == 0
    assert geometry.clipped_text(phone) + geometry.covered(phone) == [] and small_targets(phone) == []
