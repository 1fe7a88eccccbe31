"""The guide's search over real HTTP (GET /api/v1/sites/{site}/guide), on SQLite and PostgreSQL: the
ranked matters with their service and self-service, and clear 4xx for a bad language, a query too
long or a site that is not there."""

import httpx
import pytest
from sqlmodel import select

from server.models import Matter, Service, Site, utcnow
from tests.conftest import LiveServer, free_port, make_settings
from tests.core.test_search import CATALOGUE, add_matters


@pytest.fixture
def api(db):
    """A live server on the test's database (SQLite or PostgreSQL), whose site "town" has the search
    tests' catalogue and two services: payments and early education (no building control)."""
    with db.write() as session:
        site = Site(slug="town", name="Kaupungintalo")
        session.add(site)
        session.flush()
        session.add_all([
            Service(site_id=site.id, code="payments", prefix="E", name_fi="Maksut", name_sv="Betalningar",
                    name_en="Payments"),
            Service(site_id=site.id, code="early-education", prefix="D", name_fi="Varhaiskasvatus",
                    name_sv="Småbarnspedagogik", name_en="Early education", active=False),
        ])
        add_matters(session, site, CATALOGUE)
    port = free_port()
    with LiveServer(make_settings(db.url, port), port) as server, \
            httpx.Client(base_url=f"{server.url}/api/v1/sites", timeout=10) as client:
        client.db = db
        yield client


def test_it_answers_the_ranked_matters_with_their_service_and_self_service(api):
    response = api.get("/town/guide", params={"q": "pysäköintilupa", "lang": "en"})
    assert response.status_code == 200
    body = response.json()
    assert (body["site"], body["lang"]) == ("town", "en")
    first = body["matters"][0]
    with api.db.read() as session:
        parking = session.exec(select(Matter).where(Matter.key == "t-parking-resident")).one()
    assert first == {"id": parking.id, "key": "t-parking-resident", "title": "Resident parking permit",
                     "service": "payments", "self_service": True, "book": False, "score": first["score"]}
    assert first["score"] > 0
    scores = [m["score"] for m in body["matters"]]
    assert scores == sorted(scores, reverse=True)


def test_a_service_the_site_lacks_or_has_closed_is_null_and_self_service_falls_back_to_finnish(api):
    permit = api.get("/town/guide", params={"q": "bygglov", "lang": "sv"}).json()["matters"][0]
    assert (permit["key"], permit["service"], permit["self_service"], permit["book"]) == (
        "t-building-permit", None, False, True)  # building control is not a service of this site
    daycare = api.get("/town/guide", params={"q": "daghemsplats", "lang": "sv"}).json()["matters"][0]
    assert daycare["key"] == "t-daycare-place"
    assert daycare["service"] is None  # its service is closed here
    assert daycare["self_service"] is True  # the Finnish e-service, as it has no Swedish one
    assert daycare["title"] == "Ansökan om daghemsplats"


def test_it_finds_inflected_words_while_typing_and_follows_an_edit(api):
    assert [m["key"] for m in api.get("/town/guide", params={"q": "kirjastok"}).json()["matters"]] == [
        "t-library-card"]
    with api.db.write() as session:
        card = session.exec(select(Matter).where(Matter.key == "t-library-card")).one()
        card.title_en, card.updated_at = "Library card and e-books", utcnow()
        session.add(card)
    found = api.get("/town/guide", params={"q": "e-books", "lang": "en"}).json()["matters"]
    assert [(m["key"], m["title"]) for m in found] == [("t-library-card", "Library card and e-books")]


def test_an_empty_or_one_letter_query_or_one_that_finds_nothing_answers_an_empty_list(api):
    for q in ("", "a", "xyzzy plugh"):
        response = api.get("/town/guide", params={"q": q})
        assert response.status_code == 200 and response.json()["matters"] == [], q
    assert api.get("/town/guide").json()["matters"] == []


def test_limit_caps_the_answer(api):
    many = api.get("/town/guide", params={"q": "hakeminen lupa maksu kortti", "limit": 20}).json()["matters"]
    assert len(many) >= 2
    assert len(api.get("/town/guide", params={"q": "hakeminen lupa maksu kortti", "limit": 1}).json()["matters"]) == 1


@pytest.mark.parametrize("params, status, words", [
    ({"q": "lupa", "lang": "de"}, 422, "lang: is not one of the allowed values"),
    ({"q": "x" * 201}, 422, "q: is too long"),
    ({"q": "lupa", "limit": "0"}, 422, "limit"),
    ({"q": "lupa", "limit": "many"}, 422, "limit: has the wrong type or format"),
])
def test_bad_input_is_refused_with_words(api, params, status, words):
    response = api.get("/town/guide", params=params, headers={"Accept-Language": "en"})
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_the_refusal_speaks_the_language_asked_for(api):
    response = api.get("/town/guide", params={"q": "x" * 201, "lang": "sv"})
    assert response.status_code == 422 and "q:" in response.json()["detail"]
    assert response.json()["detail"] != api.get("/town/guide", params={"q": "x" * 201, "lang": "en"}).json()["detail"]


def test_a_site_that_is_not_there_is_a_404(api):
    response = api.get("/nowhere/guide", params={"q": "lupa"}, headers={"Accept-Language": "en"})
    assert response.status_code == 404 and "nowhere" in response.json()["detail"]


def test_the_openapi_document_describes_it(api):
    document = api.get("/../../openapi.json").json()
    operation = document["paths"]["/v1/sites/{site}/guide"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"site", "q", "lang", "limit"}
    lang = next(p for p in operation["parameters"] if p["name"] == "lang")
    assert lang["schema"]["enum"] == ["fi", "sv", "en"]
    matter = document["components"]["schemas"]["GuideMatter"]
    assert {"id", "title", "service", "self_service", "score"} <= set(matter["required"])
