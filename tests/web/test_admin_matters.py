"""The catalogue's administration pages over real HTTP (counter/admin_matters.py): admins only, the
list with its filters and columns, a matter added and changed in three languages, mistakes beside
their fields in the page's language, a PTV matter that says so and keeps what PTV gave."""

import json
import re
from contextlib import contextmanager

import httpx
import pytest
from sqlmodel import select

from server import i18n, matters, queue
from server.models import AuditLog, Matter, Site
from tests.conftest import staff_login

PAGES = ["/admin/matters", "/admin/matters/new"]


@contextmanager
def client(server, username: str | None = None, lang: str = "en"):
    with httpx.Client(base_url=server.url, cookies={"luukku_lang": lang}, timeout=10) as c:
        if username:
            assert staff_login(c, username).status_code == 303
        yield c


def field_errors(page: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([^"]+)-error">([^<]+)</p>', page))


def rows(page: str) -> dict[str, list[str]]:
    """The list's rows by matter id (from each title's link), each as the texts of its cells."""
    found = {}
    for row in re.findall(r"<tr[^>]*>\s*<td><a href=\"/admin/matters/(\d+)\">(.*?)</tr>", page, re.S):
        matter_id, rest = row
        cells = [re.sub(r"<[^>]+>", " ", cell) for cell in re.split(r"</td>\s*<td>", rest)]
        found[matter_id] = [" ".join(cell.split()) for cell in cells]
    return found


def add(server, **fields) -> int:
    values = {"title_fi": "Testi: Asukaspysäköintitunnus", "title_sv": "Test: Boendeparkeringstillstånd",
              "title_en": "Test: Resident parking permit", "answer_fi": "Hae verkossa.", "answer_sv": "Ansök på nätet.",
              "answer_en": "Apply online.", "eservice_url_fi": "https://asiointi.example.fi/pysakointi",
              "service_code": "payments", "topic_position": "2", "active": "on", "sites": ["demo"]}
    values.update(fields)
    with client(server, "admin") as admin:
        response = admin.post("/admin/matters", data={k: v for k, v in values.items() if v is not None})
    assert response.status_code == 303, field_errors(response.text)
    return int(re.fullmatch(r"/admin/matters/(\d+)\?saved=1", response.headers["location"]).group(1))


def test_only_a_manager_or_an_admin_edits_the_catalogue(live_server):
    matter_id = add(live_server, key="test-roles")
    pages = [*PAGES, f"/admin/matters/{matter_id}"]
    with client(live_server) as anonymous:
        for path in pages:
            assert (anonymous.get(path).status_code, anonymous.get(path).headers["location"]) == (303, "/counter/login")
    for username in ("clerk", "expert"):
        with client(live_server, username) as c:
            for path in pages:
                assert c.get(path).status_code == 403, (username, path)
            refused = c.post(f"/admin/matters/{matter_id}", data={"title_fi": "Kaapattu", "sites": ["demo"]})
            assert refused.status_code == 403 and "manager" in refused.text
            assert c.post("/admin/matters", data={"title_fi": "Uusi", "key": "test-sneaked"}).status_code == 403
    with live_server.app.state.db.read() as session:
        assert session.get(Matter, matter_id).title_fi == "Testi: Asukaspysäköintitunnus"
        assert session.exec(select(Matter).where(Matter.key == "test-sneaked")).first() is None
    with client(live_server, "admin") as admin:
        for path in pages:
            assert admin.get(path).status_code == 200, path
        nav = admin.get("/admin").text
        assert 'href="/admin/matters"' in nav and 'href="/admin/ptv"' in nav
    with client(live_server, "manager") as manager:  # the matters, and only that of the administration
        for path in pages:
            page = manager.get(path)
            assert page.status_code == 200 and 'href="/admin/ptv"' not in page.text, path
            assert 'href="/admin/staff"' not in page.text, path
        assert 'href="/admin/matters"' in manager.get("/counter/overview?site=demo").text
        assert manager.get("/admin/ptv").status_code == 403 and manager.get("/admin").status_code == 403


def test_a_form_without_its_csrf_token_changes_nothing(live_server):
    matter_id = add(live_server, key="test-csrf")
    with client(live_server, "admin") as admin:
        del admin.headers["X-CSRF-Token"]
        refused = admin.post(f"/admin/matters/{matter_id}", data={"title_fi": "Väärennetty", "sites": ["demo"]})
        assert refused.status_code == 403
    with live_server.app.state.db.read() as session:
        assert session.get(Matter, matter_id).title_fi == "Testi: Asukaspysäköintitunnus"


def test_the_list_shows_each_matter_in_the_pages_language_and_filters_by_site_and_words(live_server):
    parking = add(live_server, key="test-parking")
    building = add(live_server, key="test-building", title_fi="Testi: Rakennuslupa", title_sv="", title_en="",
                   answer_sv="", answer_en="", eservice_url_fi="", service_code="building", book="on",
                   topic_position="0", keywords_fi="talo, testiremontti")
    with live_server.app.state.db.write() as session:
        session.add(Site(slug="test-branch", name="Testikirjasto", name_sv="Testbiblioteket", name_en="Test library"))
        imported = Matter(key="test-imported", title_fi="Testi: Koiravero", ptv_id="ptv-test-1", active=False)
        session.add(imported)
        session.flush()
        matters.set_sites(session, imported, [queue.get_site(session, "test-branch")])
        imported = imported.id
    with client(live_server, "admin", "sv") as admin:
        page = admin.get("/admin/matters", params={"q": "testi"}).text
        listed = rows(page)
        assert listed[str(parking)] == ["Test: Boendeparkeringstillstånd", "Betalningar och fakturor",
                                        i18n.gettext("sv", "yes"), "2", "Stadshusets kundtjänst",
                                        i18n.gettext("sv", "added here"), i18n.gettext("sv", "yes")]
        # No Swedish title: the Finnish one, flagged; building control takes booked times; not self-service.
        assert listed[str(building)][0].startswith("Testi: Rakennuslupa " + i18n.gettext(
            "sv", "Texts missing in: %(languages)s", languages="SV, EN"))
        assert listed[str(building)][1:4] == [f"Byggnadstillsyn ({i18n.gettext('sv', 'booked time')})",
                                              i18n.gettext("sv", "no"), "–"]
        assert listed[str(imported)][4:] == ["Testbiblioteket", "PTV", i18n.gettext("sv", "no")]

        branch = rows(admin.get("/admin/matters", params={"site": "test-branch"}).text)
        assert list(branch) == [str(imported)]
        assert list(rows(admin.get("/admin/matters", params={"q": "TESTIREMONTTI"}).text)) == [str(building)]
        assert list(rows(admin.get("/admin/matters", params={"q": "testi pysäk", "site": "demo"}).text)) == [str(parking)]
        unknown = admin.get("/admin/matters", params={"site": "nowhere"})
        assert unknown.status_code == 422 and "nowhere" in unknown.text
        assert admin.get("/admin/matters", params={"page": "x"}).status_code == 422


def test_the_list_goes_a_hundred_at_a_time(live_server):
    with live_server.app.state.db.write() as session:
        session.add_all(Matter(key=f"test-many-{n:03d}", title_fi=f"Testimassa {n:03d}") for n in range(105))
    with client(live_server, "admin") as admin:
        first = admin.get("/admin/matters", params={"q": "testimassa"}).text
        assert len(rows(first)) == 100 and "Matters 1–100 of 105" in first and 'rel="next"' in first
        second = admin.get("/admin/matters", params={"q": "testimassa", "page": "2"}).text
        assert len(rows(second)) == 5 and 'rel="prev"' in second and 'rel="next"' not in second


def test_a_matter_is_added_and_changed_and_the_change_is_audited(live_server):
    with client(live_server, "admin") as admin:
        new = admin.get("/admin/matters/new").text
        assert 'name="key"' in new and 'id="texts-sv"' in new and 'lang="sv"' in new
        answer = admin.post("/admin/matters", data={"key": "test-library-card", "title_fi": "Testi: Kirjastokortti",
                                                     "title_sv": "Test: Lånekort", "title_en": "Test: Library card",
                                                     "steps_fi": "Ota henkilökortti\nTule lainaamaan",
                                                     "topic_position": "5", "active": "on", "sites": "demo"})
        assert answer.status_code == 303
        page = admin.get(answer.headers["location"])
        assert "Saved." in page.text and "test-library-card" in page.text and 'id="ptv-note"' not in page.text
        # Steps only in Finnish: the Swedish and English visitors see the Finnish ones, and the page says so.
        assert 'id="missing-languages"' in page.text and "SV, EN" in page.text
        matter_id = int(answer.headers["location"].split("/")[-1].split("?")[0])
        changed = admin.post(f"/admin/matters/{matter_id}", data={
            "title_fi": "Testi: Kirjastokortti", "title_sv": "Test: Lånekort", "title_en": "Test: Library card",
            "steps_fi": "Ota henkilökortti\nTule lainaamaan", "steps_sv": "Ta med id-kort\nKom och låna",
            "steps_en": "Bring an ID\nCome and borrow", "topic_position": "0", "sites": "demo"})
        assert changed.status_code == 303
        assert 'id="missing-languages"' not in admin.get(f"/admin/matters/{matter_id}").text
    with live_server.app.state.db.read() as session:
        matter = session.get(Matter, matter_id)
        assert (matter.active, matter.topic_position, matter.lines("steps", "sv")) == (
            False, 0, ["Ta med id-kort", "Kom och låna"])
        audit = session.exec(select(AuditLog).where(AuditLog.target == f"matter:{matter_id}")).all()
        assert [a.action for a in audit] == ["config.matter.save"] * 2 and "active" in audit[1].detail


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_mistakes_come_back_beside_their_fields_in_the_pages_language(live_server, lang):
    add(live_server, key="test-taken")
    form = {"key": "test-taken", "title_fi": "", "title_sv": "Ärende", "eservice_url_fi": "http://asiointi.example.fi",
            "answer_en": "x" * 3001, "topic_position": "seven", "service_code": "no-such", "sites": ["demo"]}
    with client(live_server, "admin", lang) as admin:
        refused = admin.post("/admin/matters", data=form)
    assert refused.status_code == 422 and f'<html lang="{lang}">' in refused.text
    said = lambda message, **params: i18n.gettext(lang, message, **params)  # noqa: E731
    assert field_errors(refused.text) == {
        "key": said("Another matter has the key “%(key)s”.", key="test-taken"),
        "title_fi": said("A matter needs its Finnish title: the other languages fall back to it."),
        "eservice_url_fi": said("The address must begin with https://, e.g. https://www.suomi.fi/."),
        "answer_en": said("At most %(limit)d characters (now %(length)d).", limit=3000, length=3001),
        "topic_position": said("A whole number from %(low)d to %(high)d.", low=0, high=99),
        "service_code": said("There is no service “%(service)s”.", service="no-such"),
    }
    assert 'value="Ärende"' in refused.text and 'value="http://asiointi.example.fi"' in refused.text
    assert 'aria-invalid="true" aria-describedby="eservice_url_fi-error"' in refused.text
    with live_server.app.state.db.read() as session:
        assert session.exec(select(Matter).where(Matter.title_sv == "Ärende")).first() is None


def test_an_imported_matter_says_so_and_an_edit_keeps_what_ptv_gave(live_server):
    given = json.dumps({"title_fi": "Testi: Koiravero", "answer_fi": "Maksa koiravero verkossa."})
    with live_server.app.state.db.write() as session:
        matter = Matter(key="test-ptv", title_fi="Testi: Koiravero", answer_fi="Maksa koiravero verkossa.",
                        ptv_id="ptv-test-2", ptv_values=given)
        session.add(matter)
        session.flush()
        matters.set_sites(session, matter, [queue.get_site(session, "demo")])
        matter_id = matter.id
    with client(live_server, "admin") as admin:
        page = admin.get(f"/admin/matters/{matter_id}").text
        assert 'id="ptv-note"' in page and "ptv-test-2" in page
        saved = admin.post(f"/admin/matters/{matter_id}", data={
            "title_fi": "Testi: Koiravero", "answer_fi": "Koiraveroa ei enää peritä.", "active": "on", "sites": "demo"})
        assert saved.status_code == 303
    with live_server.app.state.db.read() as session:
        matter = session.get(Matter, matter_id)
        assert (matter.answer_fi, matter.ptv_id, matter.ptv_values) == ("Koiraveroa ei enää peritä.", "ptv-test-2", given)


def test_a_matter_that_does_not_exist_is_a_404(live_server):
    with client(live_server, "admin") as admin:
        assert admin.get("/admin/matters/999999").status_code == 404
        assert admin.post("/admin/matters/999999", data={"title_fi": "X"}).status_code == 404
