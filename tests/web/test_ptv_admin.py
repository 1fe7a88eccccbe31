"""The PTV import page (/admin/ptv, counter/ptv.py) over real HTTP and in Chromium, against a local
server answering as PTV's open API v11 (tests/fakes/ptv_server.py): only admins open it; an admin
checks what would change, ticks a conflict, applies, and Luukku's matters are as chosen; a wrong id,
an organisation PTV does not know and PTV not answering are said on the page in its language; the
page fits a manager's 1440×900 screen in fi, sv and en with the two values of a conflict side by side.
Photographs go to $LUUKKU_SHOTS when it is set."""

import re
from contextlib import contextmanager

import httpx
import pytest
from sqlmodel import select

from server import i18n
from server.db import Database
from server.models import Matter
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database, staff_login
from tests.fakes.ptv_server import ORG, FakePtv, _id
from tests.web import geometry
from tests.web.axe import assert_accessible
from tests.web.test_reports_screens import logged_in, photograph  # the same 1440×900 staff PC

PARKING, LIBRARY = _id(1), _id(6)


@pytest.fixture
def ptv_site(tmp_path):
    """Luukku (demo site, SQLite) under uvicorn, reading a fake PTV of three services a page."""
    with FakePtv(page_size=3) as fake:
        url = prepare_demo_database(f"sqlite:///{tmp_path / 'ptv.db'}")
        port = free_port()
        settings = make_settings(url, port, ptv_url=fake.url, ptv_organization_id=ORG, ptv_retries=1,
                                 ptv_timeout_s=3)
        with LiveServer(settings, port) as server:
            server.fake = fake
            server.db = Database(url)
            yield server
            server.db.dispose()


@contextmanager
def client(server, username: str | None = None, lang: str = "en"):
    with httpx.Client(base_url=server.url, cookies={"luukku_lang": lang}, timeout=30) as c:
        if username:
            assert staff_login(c, username).status_code == 303
        yield c


def matter(server, ptv_id: str) -> Matter:
    with server.db.read() as session:
        return session.exec(select(Matter).where(Matter.ptv_id == ptv_id)).one()


def edit(server, ptv_id: str, **fields) -> None:
    with server.db.write() as session:
        row = session.exec(select(Matter).where(Matter.ptv_id == ptv_id)).one()
        for name, value in fields.items():
            setattr(row, name, value)
        session.add(row)


def import_once(server) -> None:
    with client(server, "admin") as admin:
        token = re.search(r'name="csrf-token" content="([^"]+)"', admin.get("/admin/ptv").text).group(1)
        done = admin.post("/admin/ptv", data={"organization": ORG, "site": "demo", "csrf_token": token})
        assert done.status_code == 200 and "Imported" in done.text, done.text[-2000:]


def with_conflicts(server) -> None:
    """Imported once; then staff rewrote two texts by hand and PTV changed both since."""
    import_once(server)
    edit(server, PARKING, answer_fi="Oma ohje: asukaspysäköinti kotikadulla, hae tunnus verkossa.")
    edit(server, LIBRARY, title_en="Library card (our words)")
    server.fake.set_text(PARKING, "serviceDescriptions", "fi", "PTV:n uusi tiivistelmä asukaspysäköinnistä.", "Summary")
    server.fake.set_text(LIBRARY, "serviceNames", "en", "Library card for everyone", "Name")
    server.fake.set_text(PARKING, "serviceDescriptions", "sv", "Ny sammanfattning om boendeparkering.", "Summary")


def test_only_an_admin_opens_the_ptv_page(ptv_site):
    with client(ptv_site) as anonymous:
        assert anonymous.get("/admin/ptv").headers["location"] == "/counter/login"
        assert anonymous.post("/admin/ptv", data={"organization": ORG}).status_code == 303
    for username in ("clerk", "manager"):
        with client(ptv_site, username) as c:
            assert c.get("/admin/ptv").status_code == 403
            assert c.get(f"/admin/ptv?organization={ORG}&site=demo").status_code == 403
    assert ptv_site.fake.requests == []  # nobody but an admin made Luukku ask PTV
    with client(ptv_site, "admin") as admin:
        page = admin.get("/admin/ptv")
        assert page.status_code == 200 and f'value="{ORG}"' in page.text  # the setting's organisation
        assert 'name="site" value="demo" checked' in page.text
        # A form without the session's token changes nothing.
        del admin.headers["X-CSRF-Token"]
        assert admin.post("/admin/ptv", data={"organization": ORG, "site": "demo"}).status_code == 403
    assert ptv_site.fake.requests == []


@pytest.mark.browser
def test_an_admin_checks_ticks_one_conflict_and_applies_it(browser, ptv_site):
    with_conflicts(ptv_site)
    context, page = logged_in(browser, ptv_site, "admin", "en")
    page.goto(f"{ptv_site.url}/admin/ptv")
    page.get_by_role("button", name="Check what would change").click()
    page.wait_for_selector("#ptv-result-title")
    assert page.text_content("#ptv-result-title") == "What would change"
    assert "2 conflicts" in page.text_content(".ptv-result [role=status]")
    rows = page.locator(".ptv-conflicts tbody tr")
    assert rows.count() == 2
    parking = rows.filter(has_text="Answer in Finnish")
    assert "Oma ohje: asukaspysäköinti kotikadulla" in parking.locator("td").nth(2).text_content()
    assert "PTV:n uusi tiivistelmä" in parking.locator("td").nth(3).text_content()
    assert "Answer in Swedish" in page.text_content(".ptv-result")  # PTV's change staff did not touch
    assert matter(ptv_site, PARKING).answer_sv != "Ny sammanfattning om boendeparkering."  # nothing yet

    page.get_by_label("Resident parking permit Answer in Finnish").check()
    page.get_by_role("button", name="Apply these changes").click()
    page.get_by_role("link", name="Check again").wait_for()
    assert page.text_content("#ptv-result-title") == "Imported"
    parking, library = matter(ptv_site, PARKING), matter(ptv_site, LIBRARY)
    assert parking.answer_fi == "PTV:n uusi tiivistelmä asukaspysäköinnistä."  # ticked: PTV's
    assert parking.answer_sv == "Ny sammanfattning om boendeparkering."  # not edited here: PTV's
    assert library.title_en == "Library card (our words)"  # not ticked: as written here
    assert page.locator(".ptv-conflicts tbody tr").count() == 1  # and still asked about
    assert page.locator(".ptv-conflicts input[type=checkbox]").count() == 0

    page.get_by_role("link", name="Check again").click()
    page.wait_for_selector("#ptv-result-title")
    assert page.locator(".ptv-conflicts tbody tr").count() == 1
    assert page.locator("text=Library card for everyone").count() == 1
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_page_fits_a_managers_screen_with_both_values_side_by_side(browser, ptv_site, lang):
    with_conflicts(ptv_site)
    ptv_site.fake.malform(_id(2))
    ptv_site.fake.archive(_id(7))
    context, page = logged_in(browser, ptv_site, "admin", lang)
    page.goto(f"{ptv_site.url}/admin/ptv?lang={lang}")
    photograph(page, f"admin-ptv-form-{lang}")
    page.click(".ptv-form button[type=submit]")
    page.wait_for_selector("#ptv-result-title")
    photograph(page, f"admin-ptv-plan-{lang}")
    assert [finding for finding in geometry.scrolling(page) if "wide" in finding] == []
    assert geometry.clipped_text(page) == []
    assert geometry.off_screen(page, "header a, header button, .admin-nav a, .ptv-form input, .ptv-form button") == []
    # The two values of a conflict in one row, Luukku's on the left, PTV's on the right, each wide enough to read.
    boxes = page.eval_on_selector_all(".ptv-conflicts tbody tr:first-child .ptv-value",
                                      "els => els.map(e => { const r = e.getBoundingClientRect(); "
                                      "return [r.left, r.top, r.width]; })")
    assert len(boxes) == 2 and boxes[0][1] == boxes[1][1] and boxes[0][0] < boxes[1][0], boxes
    assert min(width for _, _, width in boxes) >= 300, boxes
    assert page.locator(".ptv-result li", has_text="Rakennuslupa").count() == 1  # the malformed item, reported
    assert_accessible(page)
    assert f'<html lang="{lang}">' in page.content()

    page.locator(".ptv-conflicts input[type=checkbox]").first.check()
    page.locator(".ptv-apply button[type=submit]").click()
    page.wait_for_selector(".ptv-result a[href^='/admin/ptv?']")
    photograph(page, f"admin-ptv-applied-{lang}")
    assert [finding for finding in geometry.scrolling(page) if "wide" in finding] == [] and geometry.clipped_text(page) == []

    page.goto(f"{ptv_site.url}/admin/ptv?organization=kaupunki&site=demo")
    photograph(page, f"admin-ptv-wrong-id-{lang}")
    assert page.locator("#organization[aria-invalid=true]").count() == 1
    assert page.locator("#organization-error").is_visible() and geometry.clipped_text(page) == []
    assert_accessible(page)
    context.close()


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_bad_input_and_ptv_not_answering_are_said_on_the_page(ptv_site, lang):
    said = i18n.gettext(lang, "An organisation's PTV id is 32 hexadecimal digits with 4 hyphens, like "
                              "0f2a1d8e-5b3c-4e71-9a46-2c7d8e9f1a01.").replace("'", "&#39;")
    down_said = i18n.gettext(lang, "The national service catalogue did not answer at %(url)s (%(problem)s) after "
                                   "%(attempts)d attempts; nothing was changed.",
                             url=f"{ptv_site.fake.url}/api/v11/Service/list/organization", problem="HTTP 504", attempts=2)
    with client(ptv_site, "admin", lang) as admin:
        wrong = admin.get("/admin/ptv", params={"organization": "kaupunki", "site": "demo"})
        assert wrong.status_code == 422 and 'value="kaupunki"' in wrong.text
        assert f'<p class="field-error" id="organization-error">{said}</p>' in wrong.text
        assert 'aria-invalid="true"' in wrong.text and f'<html lang="{lang}">' in wrong.text
        unknown = admin.get("/admin/ptv", params={"organization": "0f2a1d8e-5b3c-4e71-9a46-2c7d8e9f1a02", "site": "demo"})
        assert unknown.status_code == 422 and "0f2a1d8e-5b3c-4e71-9a46-2c7d8e9f1a02" in unknown.text
        nowhere = admin.get("/admin/ptv", params={"organization": ORG, "site": "nowhere"})
        assert nowhere.status_code == 404 and "ptv-result" not in nowhere.text
        ptv_site.fake.gateway_timeout("Service", page=2, times=-1)
        down = admin.get("/admin/ptv", params={"organization": ORG, "site": "demo"})
        assert down.status_code == 502 and down_said.replace("'", "&#39;") in down.text
        assert 'role="alert"' in down.text and f'value="{ORG}"' in down.text
        token = re.search(r'name="csrf-token" content="([^"]+)"', down.text).group(1)
        applied = admin.post("/admin/ptv", data={"organization": ORG, "site": "demo", "csrf_token": token})
        assert applied.status_code == 502
    with ptv_site.db.read() as session:  # nothing half-written
        assert session.exec(select(Matter).where(Matter.ptv_id.is_not(None))).first() is None
