"""The guide's search (server/search.py, server/words.py): the matter a citizen means, however they
type it: inflected and compound Finnish, Swedish and English stems, typos, ä and ö typed as a and o,
a word still being typed, another language than the screen's. On SQLite and on PostgreSQL.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from server import matters, search, words
from server.db import Database
from server.models import Matter, MatterSite, Site, utcnow
from tests.conftest import shared

needs_voikko = pytest.mark.skipif(
    not words.voikko_available(),
    reason="Voikko is not installed (Debian's libvoikko1 and voikko-fi; scripts/test installs them)")

CATALOGUE = [
    dict(key="parking-resident", title_fi="Asukaspysäköintitunnus", title_sv="Boendeparkeringstillstånd",
         title_en="Resident parking permit",
         keywords_fi="pysäköinti, asukaspysäköinti, parkkilupa, kotikatu",
         keywords_sv="parkering, boendeparkering, parkeringstillstånd",
         keywords_en="parking, residents, street parking",
         answer_fi="Asukaspysäköintitunnuksella voit pysäköidä oman asuinalueesi kadulle.",
         answer_sv="Med tillståndet kan du parkera på gatorna i ditt område.",
         answer_en="With the permit you may park on the streets of your own area.",
         eservice_url_fi="https://example.fi/pysakointi", service_code="payments"),
    dict(key="building-permit", title_fi="Rakennuslupa", title_sv="Bygglov", title_en="Building permit",
         keywords_fi="rakentaminen, omakotitalo, lupahakemus, autotalli",
         keywords_sv="bygga, egnahemshus, bygglovsansökan, garage",
         keywords_en="build, house, construction, garage",
         answer_fi="Uuden talon rakentamiseen tarvitaan rakennuslupa. Hae lupaa Lupapisteessä.",
         answer_sv="För att bygga ett nytt hus behövs bygglov.",
         answer_en="A new house needs a building permit. Apply in the e-service.",
         service_code="building", book=True),
    dict(key="daycare-place", title_fi="Päiväkotipaikan hakeminen", title_sv="Ansökan om daghemsplats",
         title_en="Applying for a day care place",
         keywords_fi="varhaiskasvatus, päiväkoti, hoitopaikka, lapsi",
         keywords_sv="småbarnspedagogik, daghem, förskola, barn",
         keywords_en="early childhood education, daycare, kindergarten, child",
         answer_fi="Hae varhaiskasvatuspaikkaa neljä kuukautta ennen kuin lapsi tarvitsee hoitoa.",
         answer_sv="Ansök om plats fyra månader innan barnet behöver vård.",
         answer_en="Apply four months before your child needs care.",
         eservice_url_fi="https://example.fi/vaka", service_code="early-education"),
    dict(key="invoice", title_fi="Laskun maksaminen ja maksuaika", title_sv="Betala en faktura",
         title_en="Paying an invoice",
         keywords_fi="lasku, maksu, eräpäivä, maksusuunnitelma, perintä",
         keywords_sv="faktura, räkning, förfallodag, betalningsplan",
         keywords_en="invoice, bill, due date, payment plan",
         answer_fi="Voit pyytää laskuusi lisää maksuaikaa ennen eräpäivää.",
         answer_sv="Du kan be om mer betalningstid före förfallodagen.",
         answer_en="You can ask for more time to pay before the due date.",
         service_code="payments"),
    dict(key="library-card", title_fi="Kirjastokortti", title_sv="Bibliotekskort", title_en="Library card",
         keywords_fi="kirjasto, kortti, lainaaminen, kadonnut kortti",
         keywords_sv="bibliotek, lånekort, låna böcker",
         keywords_en="library, borrowing books, lost card",
         answer_fi="Saat kirjastokortin mistä tahansa kirjastosta henkilöllisyystodistusta vastaan.",
         answer_sv="Du får ett bibliotekskort på biblioteket mot identitetsbevis.",
         answer_en="You get a library card at any library with an identity document.",
         eservice_url_fi="https://example.fi/kirjasto"),
    dict(key="waste-bin", title_fi="Jäteastian tyhjennys", title_sv="Tömning av sopkärl", title_en="Emptying a waste bin",
         keywords_fi="jätehuolto, roskis, sekajäte, jäteastia",
         keywords_sv="avfallshantering, soptunna, sopor",
         keywords_en="waste, rubbish, garbage, bin collection",
         answer_fi="Jäteastian tyhjennysvälin voi muuttaa jätehuollon asiointipalvelussa.",
         answer_sv="Du kan ändra tömningsintervallet i avfallshanteringens e-tjänst.",
         answer_en="You can change how often the bin is emptied in the waste e-service.",
         eservice_url_fi="https://example.fi/jate"),
    # Only in Finnish: a Swedish or English visitor finds it by its Finnish words.
    dict(key="sauna-shift", title_fi="Yleisen saunan vakiovuoro", keywords_fi="sauna, saunavuoro, uimahalli",
         answer_fi="Saunavuoron voi varata liikuntapalveluista."),
]


def add_matters(session, site: Site, rows: list[dict]) -> list[Matter]:
    """The matters at ``site``; their keys begin "t-", apart from the demo catalogue's."""
    added = [Matter(**{**row, "key": f"t-{row['key']}"}) for row in rows]
    session.add_all(added)
    session.flush()
    session.add_all(MatterSite(matter_id=m.id, site_id=site.id) for m in added)
    return added


def add_catalogue(db: Database) -> None:
    """A site of its own with the test's catalogue (the demo site may have the demo's)."""
    with db.write() as session:
        site = Site(slug="town", name="Kaupungintalo")
        session.add(site)
        session.flush()
        add_matters(session, site, CATALOGUE)


@pytest.fixture(scope="module")
def catalogue(module_demo_url):
    """The catalogue that the module's tests share, and only read."""
    with shared(module_demo_url, add_catalogue) as (db, _):
        yield db


@pytest.fixture
def own_catalogue(db):
    """The catalogue in a database of the test's own, which it changes."""
    add_catalogue(db)
    return db


def town(session) -> Site:
    return session.exec(select(Site).where(Site.slug == "town")).one()


def matter(session, key: str) -> Matter:
    return session.exec(select(Matter).where(Matter.key == f"t-{key}")).one()


def keys(db, query: str, lang: str = "fi", finder: search.Finder | None = None) -> list[str]:
    with db.read() as session:
        hits = (finder or search.Finder()).find(session, town(session), query, lang)
        return [hit.matter.key.removeprefix("t-") for hit in hits]


def first(db, query: str, lang: str = "fi") -> str | None:
    found = keys(db, query, lang)
    return found[0] if found else None


@needs_voikko
@pytest.mark.parametrize("query, key", [
    ("rakennusluvan hakeminen", "building-permit"),  # genitive: rakennuslupa
    ("päiväkotiin hakeminen", "daycare-place"),  # illative: päiväkoti
    ("laskuni eräpäivä", "invoice"),  # possessive suffix: lasku
    ("kirjastokorttini", "library-card"),
    ("pysäköintitunnukseni", "parking-resident"),
])
def test_it_finds_a_matter_by_an_inflected_finnish_word(catalogue, query, key):
    assert first(catalogue, query) == key


@needs_voikko
@pytest.mark.parametrize("query, key", [
    ("lupa rakentamiseen", "building-permit"),  # "lupa" is a part of "rakennuslupa"
    ("kortti kirjastoon", "library-card"),  # "kortti" of "kirjastokortti"
    ("kotikadun pysäköinti", "parking-resident"),
    ("jäteastiani tyhjennys", "waste-bin"),
    ("sekajäteastia", "waste-bin"),  # a compound nobody wrote: its parts are in the text
])
def test_it_finds_a_matter_by_the_parts_of_a_finnish_compound(catalogue, query, key):
    assert first(catalogue, query) == key


@needs_voikko
@pytest.mark.parametrize("query, key", [
    ("rakenusluvan", "building-permit"),
    ("kirjastokorti", "library-card"),
    ("päiväkotipaika", "daycare-place"),
    ("bibloteksort", "library-card"),
    ("invocie", "invoice"),
    ("parknig", "parking-resident"),
])
def test_it_forgives_typos(catalogue, query, key):
    lang = "sv" if query == "bibloteksort" else "en" if query in ("invocie", "parknig") else "fi"
    assert first(catalogue, query, lang) == key


@needs_voikko
@pytest.mark.parametrize("query, key", [
    ("paivakoti", "daycare-place"),
    ("paivakotiin", "daycare-place"),  # inflected too: Voikko reads it with ä
    ("jatehuolto", "waste-bin"),
    ("asukaspysakointitunnus", "parking-resident"),
    ("forfallodag", "invoice"),
])
def test_it_matches_a_and_o_typed_for_a_umlaut_and_o_umlaut(catalogue, query, key):
    assert first(catalogue, query, "sv" if query == "forfallodag" else "fi") == key


@pytest.mark.parametrize("query, lang, key", [
    ("bygglovet", "sv", "building-permit"),
    ("fakturor", "sv", "invoice"),
    ("betalningsplanen", "sv", "invoice"),
    ("parkeringstillstånd för boende", "sv", "parking-resident"),
    ("soptunnan", "sv", "waste-bin"),
    ("building permits", "en", "building-permit"),
    ("invoices", "en", "invoice"),
    ("borrowing a book", "en", "library-card"),
])
def test_it_finds_a_matter_by_a_swedish_or_english_stem(catalogue, query, lang, key):
    assert first(catalogue, query, lang) == key


@needs_voikko
@pytest.mark.parametrize("query, lang, key", [
    ("rakennusl", "fi", "building-permit"),
    ("kirjastok", "fi", "library-card"),
    ("pysäköintitu", "fi", "parking-resident"),
    ("paiväkotip", "fi", "daycare-place"),
    ("byggl", "sv", "building-permit"),
    ("library c", "en", "library-card"),
    ("invoi", "en", "invoice"),
])
def test_it_finds_a_matter_by_the_word_being_typed(catalogue, query, lang, key):
    assert first(catalogue, query, lang) == key


def test_a_finished_word_is_not_read_as_the_beginning_of_another(catalogue):
    # "kirjasto " with a space is a whole word: still found (as a keyword), the same as typed.
    assert first(catalogue, "kirjasto ") == "library-card"
    assert keys(catalogue, "inv ", "en") == []  # not a word of its own; no longer being typed


@needs_voikko
@pytest.mark.parametrize("query, lang, key", [
    ("saunavuoro", "sv", "sauna-shift"),  # only in Finnish: found at full weight
    ("sauna", "en", "sauna-shift"),
    ("rakennuslupa", "en", "building-permit"),  # a Finnish word on the English screen
    ("bygglov", "fi", "building-permit"),  # and a Swedish one on the Finnish screen
    ("parkkilupa för boende", "sv", "parking-resident"),
])
def test_a_search_in_one_language_finds_a_matter_by_its_words_in_another(catalogue, query, lang, key):
    assert first(catalogue, query, lang) == key


def test_title_words_weigh_more_than_keywords_and_keywords_more_than_the_answer(own_catalogue):
    rows = [
        dict(key="in-answer", title_fi="Yksi asia", answer_fi="Tässä puhutaan myös hiekoituksesta."),
        dict(key="in-keywords", title_fi="Toinen asia", keywords_fi="lumenauraus"),
        dict(key="in-title", title_fi="Jäänpoisto"),
    ]
    with own_catalogue.write() as session:
        add_matters(session, town(session), rows)
    finder = search.Finder()
    with own_catalogue.read() as session:
        [title], [keywords], [answer] = (finder.find(session, town(session), word, "fi")
                                         for word in ("jäänpoisto", "lumenauraus", "hiekoitus"))
    assert (title.matter.key, keywords.matter.key, answer.matter.key) == ("t-in-title", "t-in-keywords", "t-in-answer")
    assert title.score > keywords.score > answer.score > 0


def test_an_empty_or_one_letter_query_or_one_of_stopwords_finds_nothing(catalogue):
    for query in ("", " ", "k", "ä ", "miten", "how do i", "hur kan jag "):
        assert keys(catalogue, query, "en" if query.startswith("how") else "fi") == [], query


def test_a_query_about_nothing_in_the_catalogue_finds_nothing(catalogue):
    assert keys(catalogue, "kuukausilippu raitiovaunuun") == []
    assert keys(catalogue, "xyzzy plugh") == []
    assert keys(catalogue, "helicopter landing licence", "en") == []


def test_hits_are_the_callers_own_matter_rows_in_order_of_score(catalogue):
    with catalogue.read() as session:
        hits = search.Finder().find(session, town(session), "pysäköinti lupa", "fi", limit=2)
        assert len(hits) == 2 and hits[0].score >= hits[1].score
        assert all(hit.matter in session for hit in hits)
        assert hits[0].matter.key == "t-parking-resident"


def test_the_index_is_built_again_after_an_edit(own_catalogue):
    finder = search.Finder()
    assert keys(own_catalogue, "koiranpentu", finder=finder) == []
    with own_catalogue.write() as session:
        card = matter(session, "library-card")
        card.keywords_fi += ", koiranpentu"
        card.updated_at = utcnow()
        session.add(card)
    assert keys(own_catalogue, "koiranpentu", finder=finder) == ["library-card"]
    with own_catalogue.write() as session:  # a matter made inactive is gone at once
        card = matter(session, "library-card")
        card.active = False
        session.add(card)
    assert keys(own_catalogue, "koiranpentu", finder=finder) == []
    with own_catalogue.write() as session:  # and a new one is there at once
        add_matters(session, town(session), [dict(key="dogs", title_fi="Koiravero ja koiranpentu")])
    assert keys(own_catalogue, "koiranpentu", finder=finder) == ["dogs"]


def test_a_matter_not_offered_at_a_site_is_not_found_there(own_catalogue):
    with own_catalogue.write() as session:
        other = Site(slug="branch", name="Sivupiste")
        session.add(other)
        session.flush()
        add_matters(session, other, [dict(key="boat-place", title_fi="Venepaikka", keywords_fi="vene, laituri")])
        library = matter(session, "library-card")
        matters.set_sites(session, library, [town(session), other])
    finder = search.Finder()
    with own_catalogue.read() as session:
        branch = session.exec(select(Site).where(Site.slug == "branch")).one()
        assert [h.matter.key for h in finder.find(session, branch, "venepaikka", "fi")] == ["t-boat-place"]
        assert [h.matter.key for h in finder.find(session, branch, "kirjastokortti", "fi")] == ["t-library-card"]
        assert finder.find(session, branch, "rakennuslupa", "fi") == []
        assert finder.find(session, town(session), "venepaikka", "fi") == []
    with own_catalogue.write() as session:  # no longer shared: gone from the branch's search at once
        library = matter(session, "library-card")
        matters.set_sites(session, library, [town(session)])
    with own_catalogue.read() as session:
        branch = session.exec(select(Site).where(Site.slug == "branch")).one()
        assert finder.find(session, branch, "kirjastokortti", "fi") == []


def test_it_answers_many_threads_at_once_the_same_as_one(catalogue):
    queries = [("rakennusluvan", "fi"), ("bygglovet", "sv"), ("invoices", "en"), ("kirjastokorti", "fi"),
               ("paivakoti", "fi"), ("soptunnan", "sv")] * 10
    alone = [keys(catalogue, q, lang) for q, lang in queries]
    finder = search.Finder()  # a new one: the first searches build its indexes, in several threads at once
    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(lambda pair: keys(catalogue, *pair, finder=finder), queries)) == alone


def test_an_unknown_language_is_refused(catalogue):
    with catalogue.read() as session, pytest.raises(ValueError):
        search.Finder().find(session, town(session), "lupa", "de")


@needs_voikko
def test_voikko_gives_base_forms_compound_parts_and_the_word_a_word_is_derived_from():
    terms = {term.text: term for term in words.analyse("pysäköintitunnukseni", "fi")}
    assert terms["pysäköintitunnus"].weight == 1.0 and terms["pysäköintitunnus"].part is None
    assert terms["pysäköinti"].weight == terms["tunnus"].weight == words.PART
    assert terms["pysäköinti"].part != terms["tunnus"].part  # two parts, which add up
    assert "hukata" in {term.text for term in words.analyse("hukattu", "fi")}  # lost: to lose
    assert words.analyse("miten", "fi") == ()  # a stopword
    assert words.fold("päiväkotiin åt") == "paivakotiin at"
