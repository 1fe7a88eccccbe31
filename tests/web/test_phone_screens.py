"""The visitor's phone at 390×844 (issue 18, the phone): the ticket's status page in every state and
the booking pages, in Finnish, Swedish and English, measured in Debian's Chromium. A phone may scroll
down; nothing may be cut, scroll sideways, or tear a number from its unit."""

from datetime import timedelta

import pytest

from server import queue
from server.db import Database
from server.models import utcnow
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database
from tests.web import geometry
from tests.web.axe import assert_accessible
from tests.web.test_display_browser import Clerk

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LANGS = ("fi", "sv", "en")
STATES = ("waiting", "called", "serving", "finished", "no_show", "unserved")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone")
    url = prepare_demo_database(f"sqlite:///{folder / 'phone.db'}")
    port = free_port()
    settings = make_settings(url, port, demo_printer=f"file:{folder / 'prints'}")
    with LiveServer(settings, port) as live:
        yield live


@pytest.fixture(scope="module")
def tickets(server) -> dict[str, str]:
    """One ticket in each state a phone can show, by its public id."""
    found = {}
    with Clerk(server.url) as clerk, Clerk(server.url, "expert") as other:
        found["unserved"] = clerk.take("advice")["id"]
        db = Database(server.settings.database_url)
        try:
            with db.write() as session:  # the day is over: what it left open is closed, as every night
                queue.close_day(session, queue.get_site(session, "demo"), utcnow() + timedelta(days=1))
        finally:
            db.dispose()
        clerk.open(3, "advice", "housing")
        other.open(4, "advice")
        for _ in range(3):
            clerk.take("housing")  # people ahead, and a wait to estimate
        found["waiting"] = clerk.take("housing")["id"]
        for state in ("finished", "no_show", "serving", "called"):
            found[state] = clerk.take("advice")["id"]

        def call(who: Clerk, counter: int, ticket: str) -> None:
            assert who.api.post(f"/v1/counters/{counter}/call", json={"ticket": ticket}).status_code == 200

        call(clerk, 3, found["finished"])
        clerk.done(found["finished"])
        call(clerk, 3, found["no_show"])
        for _ in range(2):
            clerk.recall(found["no_show"])
        assert clerk.api.post(f"/v1/tickets/{found['no_show']}/no-show").status_code == 200
        call(clerk, 3, found["serving"])
        assert clerk.api.post(f"/v1/tickets/{found['serving']}/start").status_code == 200
        call(other, 4, found["called"])
    return found


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def problems(page) -> list[str]:
    """What is wrong on a phone: sideways scrolling, clipped text, a torn figure, a control cut at the
    side or under something. The whole page is measured at once (a phone scrolls down to it)."""
    found = [f for f in geometry.scrolling(page) if "wide" in f]
    found += geometry.clipped_text(page) + geometry.broken_figures(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 390, "height": height})
    try:
        found += geometry.off_screen(page) + geometry.covered(page)
    finally:
        page.set_viewport_size({"width": 390, "height": 844})
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_every_state_of_the_ticket_page_fits_a_phone(phone, server, tickets, lang):
    for state in STATES:
        phone.goto(f"{server.url}/t/{tickets[state]}?lang={lang}")
        phone.locator("#ticket-status").wait_for()
        assert (state, problems(phone)) == (state, [])
        assert_accessible(phone)  # the green page too: its text keeps its contrast


def background(page, selector: str = "body") -> str:
    return page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).backgroundColor")


@pytest.mark.parametrize("lang", LANGS)
def test_your_turn_is_a_screen_of_its_own_with_the_counter_number_large(phone, server, tickets, lang):
    phone.goto(f"{server.url}/t/{tickets['waiting']}?lang={lang}")
    waiting = background(phone, "html"), background(phone)
    phone.goto(f"{server.url}/t/{tickets['called']}?lang={lang}")
    phone.locator(".turn-counter").wait_for()
    # Measured in one go: a push from the server may replace the element between two questions.
    text, top, bottom, size = phone.evaluate("""() => {
      const el = document.querySelector(".turn-counter"), r = el.getBoundingClientRect();
      return [el.innerText, r.top, r.bottom, parseFloat(getComputedStyle(el).fontSize)];
    }""")
    assert text == "4" and size >= 96
    assert top >= 0 and bottom <= 844  # on the first screen, no scrolling
    # The whole page changes colour, not a sentence in it.
    called = background(phone, "html"), background(phone)
    assert called[0] == called[1] and called[0] not in (waiting[0], "rgba(0, 0, 0, 0)")
    assert phone.get_by_role("alert").count() == 1


@pytest.mark.parametrize("lang", LANGS)
def test_an_ended_visit_says_its_end_and_asks_nothing_more(phone, server, tickets, lang):
    for state in ("finished", "no_show", "unserved"):
        phone.goto(f"{server.url}/t/{tickets[state]}?lang={lang}")
        assert phone.locator(".status-end").is_visible(), state
        assert phone.locator("#status-sound").count() == 0 and phone.locator(".status-alert-help").count() == 0
        assert phone.locator("[data-live]").count() == 0  # nothing follows an ended visit


def test_the_open_page_thanks_the_visitor_when_the_visit_ends(browser, live_server):
    """The page that followed the ticket through the queue drops its alert and its 'keep open' the
    moment the clerk finishes, without a reload."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        with Clerk(live_server.url) as clerk:
            clerk.open(3, "advice")
            mine = clerk.take("advice")["id"]
            page.goto(f"{live_server.url}/t/{mine}?lang=en")
            page.wait_for_function("() => window.htmx && document.querySelector('[data-live]')")
            assert page.get_by_role("button", name="Test the alert").is_visible()
            response = clerk.api.post("/v1/counters/3/call", json={"ticket": mine})
            assert response.status_code == 200, response.text
            page.locator(".turn-counter", has_text="3").wait_for(timeout=5000)
            clerk.done(mine)
        page.get_by_text("Thank you for your visit!").wait_for(timeout=5000)
        assert page.get_by_role("button", name="Test the alert").count() == 0
        assert page.get_by_text("Keep this page open").count() == 0
        assert problems(page) == []
    finally:
        context.close()


# --- booking ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_booking_fits_a_phone_and_the_booking_says_where_and_whom_to_call(phone, server, lang):
    phone.goto(f"{server.url}/b/demo?lang={lang}")
    assert problems(phone) == []
    phone.goto(f"{server.url}/b/demo/advice?lang={lang}")
    assert problems(phone) == []
    phone.locator("form.times button").first.click()
    phone.locator("#f-name").wait_for()
    assert problems(phone) == []
    phone.locator("#f-name").fill("Maija Meikäläinen")
    phone.locator("#f-email").fill("maija@example.fi")
    phone.locator("button.booking-submit").click()  # consent not given
    error = phone.locator("#f-consent-error")
    # The number to call instead, not just "call" (kept on one line by no-break spaces).
    assert "09 310 12345" in error.inner_text().replace("\u00a0", " ")
    assert phone.locator(".call-instead a").get_attribute("href") == "tel:0931012345"
    assert problems(phone) == []
    phone.locator("#f-consent").check()
    phone.locator("button.booking-submit").click()
    phone.locator("#booking-code").wait_for()
    place = phone.locator(".booking-address").inner_text()
    name = {"fi": "Kaupungintalon asiakaspalvelu", "sv": "Stadshusets kundtjänst", "en": "City Hall customer service"}
    assert place.splitlines() == [name[lang], "Keskuskatu 1", "00100 Kaupunki"]
    assert phone.locator("a.booking-phone").get_attribute("href") == "tel:0931012345"
    assert phone.locator("a.booking-phone").inner_text() == "09 310 12345"
    assert problems(phone) == []
    assert_accessible(phone)


def test_closed_days_take_no_place_in_the_day_picker(phone, server):
    """The demo books Monday to Friday: a week's strip shows its open days only, so its first row
    offers days that can be booked; a closed day asked for by its address still shows, as chosen."""
    phone.goto(f"{server.url}/b/demo/housing?lang=en")
    names = phone.locator(".day-strip .day-name").all_inner_texts()
    assert 1 <= len(names) <= 5 and not [n for n in names if n.startswith(("Sat", "Sun"))], names
    first_row = phone.evaluate("""() => {
      const days = [...document.querySelectorAll('.day-strip > li')];
      const top = days[0].getBoundingClientRect().top;
      return days.filter((d) => d.getBoundingClientRect().top === top).map((d) => d.querySelector('a.day') !== null);
    }""")
    assert len(first_row) == 3 and all(first_row)  # three bookable days, each a link
    saturday = phone.evaluate("""() => {
      const d = new Date(); d.setDate(d.getDate() + ((6 - d.getDay() + 7) % 7 || 7));
      return d.toISOString().slice(0, 10);
    }""")
    phone.goto(f"{server.url}/b/demo/housing?lang=en&day={saturday}")
    chosen = phone.locator(".day.chosen .day-name").inner_text()
    assert chosen.startswith("Sat")
    assert [n for n in phone.locator(".day-strip .day-name").all_inner_texts() if n.startswith("Sun")] == []
    assert problems(phone) == []
