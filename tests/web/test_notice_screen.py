"""The manager's notice to everyone of the day (issue 19) on a 1440×900 screen, in fi, sv and en, as
its two steps look: nothing sideways or clipped, the controls whole, the page accessible, and the
second step's question in view with its button. Photographs go to $LUUKKU_SHOTS when it is set."""

import pytest

from server import remote
from tests.web.test_remote_staff import open_all_night
from tests.web import geometry
from tests.web.axe import assert_accessible
from tests.web.test_reports_screens import LANGS, logged_in, photograph, sideways

pytestmark = pytest.mark.browser


def test_the_notice_page_fits_a_managers_screen_in_both_steps(browser, live_server):
    with live_server.app.state.db.write() as session:
        open_all_night(session, "advice")
        remote.join(session, "demo", "advice", "fi", remote.Contact("sms", "+358401110009"))
    found = []
    for lang in LANGS:
        context, page = logged_in(browser, live_server, "manager", lang)
        page.goto(f"{live_server.url}/counter/notice?site=demo")
        photograph(page, f"notice-{lang}")
        found += [f"{lang}: {p}" for p in sideways(page) + geometry.clipped_text(page) + geometry.fits(page)]  # one screen
        assert_accessible(page)
        page.fill("#text_fi", "Suljettu tänään klo 14 alkaen sähkökatkon vuoksi.")
        page.click("main form button[type=submit]")
        question = page.locator("#notice-confirm")
        question.wait_for()
        photograph(page, f"notice-confirm-{lang}")
        found += [f"{lang}, asked: {p}" for p in sideways(page) + geometry.clipped_text(page)]
        for what in ("#notice-confirm", "main form button[type=submit]"):  # in view, without scrolling
            box = page.locator(what).bounding_box()
            if box is None or box["y"] + box["height"] > 900:
                found.append(f"{lang}: {what} is not in view")
        context.close()
    assert not found, "\n".join(found)
