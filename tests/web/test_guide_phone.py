"""The phone's "What do you need?" (/g/{site}, kiosk/phone_guide.py): plain pages that find the matter,
say how to settle it, and lead on to the join or booking pages, each step recorded; linked from the
join and booking pages; it fits a phone in fi, sv and en."""

import os
import re
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from server.models import GuideEvent, Matter
from tests.web.geometry import clipped_text, off_screen, scrolling

PARKING = "parking-permit-resident"


def events(server, kind: str) -> list[GuideEvent]:
    with server.app.state.db.read() as session:
        return list(session.exec(select(GuideEvent).where(GuideEvent.kind == kind).order_by(GuideEvent.id)))


def matter(server, key: str) -> Matter:
    with server.app.state.db.read() as session:
        return session.exec(select(Matter).where(Matter.key == key)).one()


def test_a_search_finds_the_matter_and_its_page_says_what_to_do(live_server):
    parking = matter(live_server, PARKING)
    with httpx.Client(base_url=live_server.url) as client:
        start = client.get("/g/demo?lang=fi")
        assert start.status_code == 200 and "Mitä tarvitset?" in start.text
        assert len(re.findall(r'class="booking-choice guide-phone-hit"', start.text)) >= 8  # the common matters
        found = client.get("/g/demo", params={"q": "asukaspysäköintitunnukseni", "lang": "fi"})
        assert f"/g/demo/{parking.id}?q=" in found.text
        page = client.get(f"/g/demo/{parking.id}?lang=en")
        assert page.status_code == 200 and parking.title_en in page.text
        assert parking.eservice_url_en or parking.eservice_url_fi in page.text
    assert [(e.kind, e.channel, e.lang) for e in events(live_server, "opened")] == [("opened", "phone", "en")]
    assert events(live_server, "not-found") == []


def test_this_solved_it_needs_the_pages_token_and_is_recorded(live_server):
    parking = matter(live_server, PARKING)
    with httpx.Client(base_url=live_server.url) as client:
        page = client.get(f"/g/demo/{parking.id}?lang=sv")
        assert client.post(f"/g/demo/{parking.id}/solved").status_code == 403  # no token: nothing recorded
        assert events(live_server, "solved") == []
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        thanks = client.post(f"/g/demo/{parking.id}/solved", data={"csrf_token": token})
        assert thanks.status_code == 200 and "Tack" in thanks.text
    assert [(e.matter_id, e.channel) for e in events(live_server, "solved")] == [(parking.id, "phone")]


def test_a_search_that_finds_nothing_is_recorded_and_says_what_to_do(live_server):
    with httpx.Client(base_url=live_server.url) as client:
        page = client.get("/g/demo", params={"q": "  Qwxz   Vbnm ", "lang": "en"})
        assert page.status_code == 200 and "Nothing was found." in page.text
    assert [e.query for e in events(live_server, "not-found")] == ["qwxz vbnm"]


def test_going_on_to_join_or_book_is_counted_on_the_way(live_server):
    with live_server.app.state.db.read() as session:
        joinable = session.exec(select(Matter).where(Matter.service_code.in_(("advice", "housing", "payments")))).first()
    with httpx.Client(base_url=live_server.url) as client:
        went = client.get(f"/g/demo/{joinable.id}/join")
        if went.status_code == 303:  # joining is open now (the demo's hours): on to the join form
            assert went.headers["location"] == f"/j/demo/{joinable.service_code}"
            assert [e.matter_id for e in events(live_server, "ticket")] == [joinable.id]
        else:  # closed now: said plainly, nothing counted
            assert went.status_code == 404 and events(live_server, "ticket") == []
        assert client.get(f"/g/demo/{joinable.id}/elsewhere").status_code == 404


def test_bad_input_gets_words_not_an_error(live_server):
    with httpx.Client(base_url=live_server.url) as client:
        long = client.get("/g/demo", params={"q": "x" * 101, "lang": "fi"})
        assert long.status_code == 422 and "enintään 100" in long.text
        assert client.get("/g/demo/123456789?lang=fi").status_code == 404
        assert client.get("/g/demo/-1").status_code == 404
        assert client.get("/g/nowhere").status_code == 404


def test_the_join_and_booking_pages_lead_to_the_guide(live_server):
    with httpx.Client(base_url=live_server.url) as client:
        for path in ("/j/demo?lang=en", "/b/demo?lang=en"):
            assert 'href="/g/demo"' in client.get(path).text, path


def off_screen_sideways(page) -> list[str]:
    page.set_viewport_size({"width": 390, "height": page.evaluate("document.documentElement.scrollHeight")})
    try:
        return off_screen(page)
    finally:
        page.set_viewport_size({"width": 390, "height": 844})


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_guide_fits_a_phone(browser, live_server, lang):
    parking = matter(live_server, PARKING)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=f"{lang}-FI", has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    shots = os.environ.get("LUUKKU_SCREENSHOTS")
    found = []
    try:
        for name, path in (("start", f"/g/demo?lang={lang}"), ("found", f"/g/demo?q=lupa&lang={lang}"),
                           ("matter", f"/g/demo/{parking.id}?lang={lang}"),
                           ("nothing", f"/g/demo?q=zzqqxx&lang={lang}")):
            page.goto(live_server.url + path)
            # A phone page may be long; it must not be wider than the phone, nor cut a word or a control.
            sideways = [p for p in scrolling(page) if " wide " in p]
            found += [f"{name}: {p}" for p in sideways + clipped_text(page) + off_screen_sideways(page)]
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(shots) / f"guide-phone-{name}-{lang}.png"), full_page=True)
    finally:
        context.close()
    assert not found, "\n".join(found)
