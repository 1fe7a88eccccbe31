"""Feedback after the visit (issue 21) through real uvicorn: the phone's form (on the ticket's page and
at the message's link), its thank-you, the clear pages for an answered or expired visit, the consent
on the join form, and the exit tablet; then Chromium at the phone's and the tablet's sizes in fi, sv
and en, measured and checked with axe-core. Set LUUKKU_SHOTS=folder to keep the screenshots."""

import csv
import io
import os
import re
from datetime import timedelta
from html import unescape
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from server import feedback, queue, reports
from server.db import Database
from server.models import Feedback, StaffUser, Ticket, TicketContact, utcnow
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database
from tests.web import geometry
from tests.web.axe import assert_accessible
from tests.web.test_remote_pages import server  # noqa: F401 (the fixture: joinable until midnight)

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ENGLISH = {"Accept-Language": "en"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TABLETS = ((1080, 1920), (1920, 1080))
LANGS = ("fi", "sv", "en")


@pytest.fixture(scope="module")
def db(server):
    database = Database(server.settings.database_url)
    yield database
    database.dispose()


@pytest.fixture
def web(server):
    with httpx.Client(base_url=server.url, timeout=10, headers=ENGLISH) as client:
        yield client


def ended_visit(db, ago=timedelta(minutes=5), status="finished") -> str:
    """A kiosk ticket whose visit ended ``ago``: its public id."""
    with db.write() as session:
        ticket = queue.issue_ticket(session, "demo", "advice", "fi").ticket
        row = session.get(Ticket, ticket.id)
        row.status, row.finished_at = status, utcnow() - ago
        session.add(row)
        return ticket.public_id


def token_of(page: httpx.Response) -> str:
    found = TOKEN.search(page.text)
    assert found, page.text
    return found.group(1)


def text(page: httpx.Response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def answers(db, public_id: str) -> list[Feedback]:
    with db.read() as session:
        return list(session.exec(select(Feedback).join(Ticket, Ticket.id == Feedback.ticket_id)
                                 .where(Ticket.public_id == public_id)))


def test_the_ended_visits_page_asks_and_thanks(web, db):
    public_id = ended_visit(db)
    page = web.get(f"/t/{public_id}")
    assert "How did we do?" in text(page)
    for word in ("Very bad", "Bad", "Neither good nor bad", "Good", "Very good"):
        assert f'<span class="feedback-word">{word}</span>' in page.text
    assert page.text.count('type="radio"') == 5 and 'name="via" value="status"' in page.text
    sent = web.post(f"/t/{public_id}/feedback", data={"csrf_token": token_of(page), "via": "status", "score": "5",
                                                      "comment": "Nopeaa palvelua."})
    assert (sent.status_code, sent.headers["location"]) == (303, f"/t/{public_id}")
    thanked = web.get(f"/t/{public_id}")
    assert "Thank you for your feedback!" in text(thanked) and 'type="radio"' not in thanked.text
    [row] = answers(db, public_id)
    assert (row.score, row.comment, row.channel, row.lang) == (5, "Nopeaa palvelua.", "phone", "en")
    again = web.post(f"/t/{public_id}/feedback", data={"csrf_token": token_of(page), "score": "1"})
    assert again.status_code == 409 and "Thank you for your feedback!" in text(again)
    assert len(answers(db, public_id)) == 1


def test_the_message_link_page_in_the_visitors_language_and_its_mistakes(web, db):
    public_id = ended_visit(db)
    page = web.get(f"/t/{public_id}/feedback", params={"lang": "sv"})
    assert page.status_code == 200 and 'lang="sv"' in page.text
    token = token_of(page)
    none = web.post(f"/t/{public_id}/feedback?lang=sv", data={"csrf_token": token, "comment": "hej"})
    assert none.status_code == 422 and 'role="alert"' in none.text and ">hej</textarea>" in none.text
    long = web.post(f"/t/{public_id}/feedback", data={"csrf_token": token, "score": "3", "comment": "x" * 1001})
    assert long.status_code == 422 and "1000" in text(long)
    forged = web.post(f"/t/{public_id}/feedback", data={"score": "3"})
    assert forged.status_code == 403
    sent = web.post(f"/t/{public_id}/feedback", data={"csrf_token": token, "score": "2"})
    assert sent.headers["location"] == f"/t/{public_id}/feedback"
    assert [(a.score, a.channel) for a in answers(db, public_id)] == [(2, "message")]
    assert web.get("/t/nosuchticket/feedback").status_code == 404


def test_an_expired_or_open_visit_gets_a_clear_page(web, db):
    old = ended_visit(db, ago=timedelta(days=8))
    page = web.get(f"/t/{old}/feedback")
    assert page.status_code == 200 and "The time to give feedback for this visit has passed." in text(page)
    assert 'type="radio"' not in page.text
    refused = web.post(f"/t/{old}/feedback", data={"csrf_token": token_of(web.get(f"/t/{ended_visit(db)}")),
                                                   "score": "4"})
    assert refused.status_code == 409 and "has passed" in text(refused) and answers(db, old) == []
    with db.write() as session:
        waiting = queue.issue_ticket(session, "demo", "advice", "fi").ticket.public_id
    assert "once your visit has ended" in text(web.get(f"/t/{waiting}/feedback"))
    assert "How did we do?" not in text(web.get(f"/t/{waiting}"))


def test_the_join_form_asks_for_the_feedback_message_unticked(web, db):
    form = web.get("/j/demo/advice")
    assert 'name="feedback" value="1">' in form.text  # not checked
    for ticked, phone in ((True, "050 7000001"), (False, "050 7000002")):
        data = {"csrf_token": token_of(form), "channel": "sms", "phone": phone, "minutes": "20"}
        joined = web.post("/j/demo/advice", data={**data, **({"feedback": "1"} if ticked else {})})
        assert joined.status_code == 303, joined.text
        with db.read() as session:
            ticket = queue.get_ticket(session, joined.headers["location"].removeprefix("/t/"))
            assert session.get(TicketContact, ticket.id).feedback_ok is ticked


def test_the_tablet_takes_a_tap_and_nothing_else(web, db):
    page = web.get("/feedback/demo")
    assert page.status_code == 200 and page.text.count('name="score"') == 5
    with db.read() as session:
        before = len(session.exec(select(Feedback).where(Feedback.channel == "tablet")).all())
    tapped = web.post("/feedback/demo?lang=en", data={"csrf_token": token_of(page), "score": "4", "comment": "ignored"})
    assert (tapped.status_code, tapped.headers["location"]) == (303, "/feedback/demo?thanks=1&lang=en")
    thanks = web.get(tapped.headers["location"])
    assert 'http-equiv="refresh" content="3;url=/feedback/demo?lang=en"' in thanks.text
    with db.read() as session:
        taps = session.exec(select(Feedback).where(Feedback.channel == "tablet")).all()
    assert len(taps) == before + 1 and (taps[-1].score, taps[-1].comment, taps[-1].ticket_id) == (4, "", None)
    assert web.post("/feedback/demo", data={"csrf_token": token_of(page), "score": "9"}).status_code == 422
    assert web.get("/feedback/nosuchsite").status_code == 404


# --- in Chromium -----------------------------------------------------------------------------------

def _shot(page, name: str) -> None:
    folder = os.environ.get("LUUKKU_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.browser
def test_the_phone_form_fits_and_is_accessible(browser, server, db):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    try:
        for lang in LANGS:
            public_id = ended_visit(db)
            page.goto(f"{server.url}/t/{public_id}?lang={lang}")
            _shot(page, f"phone-status-{lang}")
            found = geometry.scrolling(page) + geometry.clipped_text(page) + geometry.broken_figures(page)
            assert [f for f in found if "tall" not in f] == []
            height = page.evaluate("document.documentElement.scrollHeight")
            page.set_viewport_size({"width": 390, "height": height})
            assert geometry.off_screen(page) + geometry.covered(page) == []
            page.set_viewport_size({"width": 390, "height": 844})
            assert_accessible(page)
            # A tap on the whole box of an answer chooses it (its label); then the thank-you.
            page.locator("label[for=fb-4]").click()
            assert page.locator("#fb-4").is_checked()
            page.locator(".feedback-send").click()
            page.locator(".feedback-title").wait_for()
            assert page.url.endswith(f"/t/{public_id}")
            _shot(page, f"phone-thanks-{lang}")
            assert [a.score for a in answers(db, public_id)] == [4]
    finally:
        context.close()


def at_each_tablet_size(page, sizes):
    """The page as it is now, turned to each size in turn (a tablet on its side): yields each."""
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        yield width, height


@pytest.mark.browser
def test_the_tablet_fits_both_ways_in_every_language(browser, server):
    # Each language's faces and thank-you are measured at both sizes by turning the window, so the
    # thank-you's 3 s before the faces come back by themselves are waited out once per language, not
    # once per size as well; the languages take turns at which size is laid out first.
    sizes = list(TABLETS)
    width, height = sizes[0]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True)
    page = context.new_page()
    try:
        for lang in LANGS:
            page.goto(f"{server.url}/feedback/demo?lang={lang}")
            for width, height in at_each_tablet_size(page, sizes):
                _shot(page, f"tablet-{width}x{height}-{lang}")
                assert geometry.fits(page) == [], (width, height, lang)
                buttons = page.locator(".tablet-face")
                assert buttons.count() == 5
                for n in range(5):  # big enough for a hurried finger: at least 2 cm (~120 CSS px) high
                    assert buttons.nth(n).bounding_box()["height"] >= 120
                if lang == "en":
                    assert_accessible(page)
            buttons.nth(4).click()
            page.locator(".tablet-thanks").wait_for()
            for width, height in at_each_tablet_size(page, sizes):
                _shot(page, f"tablet-thanks-{width}x{height}-{lang}")
                assert geometry.fits(page) == [], (width, height, lang)
            assert page.locator(".tablet-thanks").count() == 1  # measured before it went back
            page.locator(".tablet-faces").wait_for(timeout=10_000)  # back to the faces by itself
            sizes.reverse()  # the next language starts at the size this one ended at
    finally:
        context.close()


# --- the reports -----------------------------------------------------------------------------------


def logged_in(server, username: str) -> httpx.Client:
    from tests.conftest import staff_login

    client = httpx.Client(base_url=server.url, timeout=20, headers=ENGLISH)
    assert staff_login(client, username).status_code == 303
    return client


def test_the_reports_show_satisfaction_and_the_comments_to_managers_only(server, db):
    """Figures recomputed from the rows planted here: a fresh site day would hold other tests' too, so
    the expected figures are read back from the same rows."""
    with db.write() as session:
        site = queue.get_site(session, "demo")
        clerk = session.exec(select(StaffUser).where(StaffUser.username == "clerk")).one()
        planted = []
        for score, comment in ((5, ""), (4, "Ystävällinen palvelu."), (1, "Liian pitkä jono.")):
            ticket = queue.issue_ticket(session, "demo", "advice", "fi").ticket
            row = session.get(Ticket, ticket.id)
            row.status, row.finished_at, row.staff_user_id = "finished", utcnow(), clerk.id
            session.add(row)
            session.flush()
            session.add(Feedback(site_id=site.id, ticket_id=row.id, service_id=row.service_id, score=score,
                                 comment=comment, channel="phone", staff_user_id=clerk.id))
            planted.append(row.public_id)
    with db.read() as session:
        site = queue.get_site(session, "demo")
        day = queue.local_day(site, utcnow())
        f = reports.Filters(site.id, site.timezone, day, day)
        fig = feedback.figures(session, f, per_clerk=False)
    every = fig.per_service[None]
    assert every.answers >= 3 and fig.per_clerk is None
    manager = logged_in(server, "manager")
    try:
        page = manager.get("/reports", params={"kind": "day", "day": day.isoformat()})
        assert page.status_code == 200
        shown = text(page)
        assert "Ystävällinen palvelu." in shown and "Liian pitkä jono." in shown
        assert f'data-figure="feedback-answers">{every.answers}<' in page.text
        assert 'id="chart-satisfaction"' in page.text and "Feedback per clerk" not in shown
        rows = list(csv.reader(io.StringIO(manager.get("/reports/satisfaction-services.csv",
                                                       params={"kind": "day", "day": day.isoformat()})
                                           .content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][:7] == ["Service", "Very bad", "Bad", "Neither good nor bad", "Good", "Very good", "Answers"]
        assert rows[1][0] == "All services" and int(rows[1][6]) == every.answers
        assert manager.get("/reports/satisfaction-clerks.csv", params={"day": day.isoformat()}).status_code == 404
        # The admin turns per-clerk figures on (the site form); then they show.
        with db.write() as session:
            queue.get_site(session, "demo").feedback_per_clerk = True
        page = manager.get("/reports", params={"kind": "day", "day": day.isoformat()})
        assert "Feedback per clerk" in text(page) and "Kalle Virkailija" in text(page)
    finally:
        with db.write() as session:
            queue.get_site(session, "demo").feedback_per_clerk = False
        manager.close()
    clerk_client = logged_in(server, "clerk")
    try:
        assert clerk_client.get("/reports").status_code in (302, 303, 403)
        assert "Liian pitkä jono." not in clerk_client.get("/reports", follow_redirects=True).text
    finally:
        clerk_client.close()


def test_the_admin_turns_per_clerk_feedback_on_in_the_site_form(server, db):
    admin = logged_in(server, "admin")
    try:
        form = admin.get("/admin/sites/demo")
        assert 'name="feedback_per_clerk" value="on"' in form.text and "feedback_per_clerk-hint" in form.text
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.text))
        data = {k: v for k, v in fields.items() if k not in ("feedback_per_clerk",) and not k.startswith("remove_")}
        data.update({"languages": ["fi", "sv", "en"], "feedback_per_clerk": "on", "csrf_token": token_of(form)})
        saved = admin.post("/admin/sites/demo", data=data)
        assert saved.status_code == 303, text(saved)[:500]
        with db.read() as session:
            assert queue.get_site(session, "demo").feedback_per_clerk is True
        data.pop("feedback_per_clerk")
        assert admin.post("/admin/sites/demo", data=data).status_code == 303
        with db.read() as session:
            assert queue.get_site(session, "demo").feedback_per_clerk is False
    finally:
        admin.close()


def test_outside_demo_mode_the_tablet_is_a_registered_kiosk_device(tmp_path):
    from tests.web.test_devices import enrol, register

    url = prepare_demo_database(f"sqlite:///{tmp_path / 'gate.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, demo=False, demo_printer=f"file:{tmp_path / 'prints'}"), port) as live:
        with httpx.Client(base_url=live.url, headers=ENGLISH) as stranger:
            refused = stranger.get("/feedback/demo")
            assert refused.status_code == 403 and "This screen is not registered" in refused.text
            assert stranger.post("/feedback/demo", data={"score": "5"}).status_code == 403
        with httpx.Client(base_url=live.url, headers=ENGLISH) as tablet:
            assert enrol(tablet, register(live, "kiosk", "exit-tablet")).status_code in (200, 303)
            page = tablet.get("/feedback/demo")
            assert page.status_code == 200
            tapped = tablet.post("/feedback/demo", data={"csrf_token": token_of(page), "score": "5"})
            assert tapped.status_code == 303
        with httpx.Client(base_url=live.url, headers=ENGLISH) as phone:  # a visitor's own page stays open
            db = Database(url)
            try:
                public_id = ended_visit(db)
            finally:
                db.dispose()
            assert phone.get(f"/t/{public_id}/feedback").status_code == 200
