"""The kiosk's spoken guidance: phrase ids made from our own texts, never text from an address."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from server import guidance, queue
from server.db import Database
from server.errors import NotFound
from server.models import Matter, MatterSite, OpeningException, Site
from server.speech import _TEXT, MAX_TEXT
from tests.conftest import shared


def test_each_phrase_is_a_sentence_espeak_ng_may_speak(db):
    with db.write() as session:
        issued = queue.issue_ticket(session, "demo", "housing", "sv")
    with db.read() as session:
        for lang in ("fi", "sv", "en"):
            for phrase in ("start", "closed", "howto", "speech-on", "appointment", "checkin", "refused",
                           "time-out", "language", "label.speech", "label.more-time", "service.advice",
                           "waiting.0.0", "waiting.3.12", f"ticket.{issued.ticket.public_id}"):
                text = guidance.phrase_text(session, "demo", lang, phrase)
                assert _TEXT.fullmatch(text) and len(text) <= MAX_TEXT, (lang, phrase, text)
        assert guidance.phrase_text(session, "demo", "sv", f"ticket.{issued.ticket.public_id}") == \
            "Ditt nummer B-1. Boende och bostadsrådgivning. Före dig i kön: 0."
        assert guidance.phrase_text(session, "demo", "fi", "waiting.3.12") == "3 jonossa, noin 12 min."
        assert guidance.phrase_text(session, "demo", "en", "service.advice") == "General advice."


@pytest.mark.parametrize("phrase", ["hello", "service.parking", "label.anything", "waiting.1000.1", "ticket.AAAAAAAAAAAA",
                                    "start.", "Speech is on", "[[h@l@U]]"])
def test_anything_else_is_not_found(catalogue, phrase):
    db, _ids = catalogue
    with db.read() as session, pytest.raises(NotFound):
        guidance.phrase_text(session, "demo", "fi", phrase)


def test_only_our_languages(catalogue):
    db, _ids = catalogue
    with db.read() as session, pytest.raises(NotFound):
        guidance.phrase_text(session, "demo", "de", "start")


def test_plain_keeps_espeak_markup_out():
    assert guidance.plain("Asuminen (vuokra) / [[x]] ") == "Asuminen vuokra x."


# --- the guide ("What do you need?") ----------------------------------------------------------------

# A Monday morning in Helsinki; the demo site has no opening hours of its own, so it is open then.
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Helsinki"))

PARKING = dict(
    key="guidance-parking", title_fi="Asukaspysäköintitunnus", title_sv="Boendeparkeringstillstånd",
    title_en="Residential parking permit", answer_fi="Haet tunnuksen verkossa. Päätös tulee heti.",
    answer_sv="Du ansöker om tillståndet på nätet. Beslutet kommer genast.",
    answer_en="You apply for the permit online. The decision comes at once.",
    eservice_url_fi="https://asiointi.example.fi/pysakointi", service_code="payments")
# An e-service in Finnish only (the other languages fall back to it), and an expert's booked time.
RENOVATION = dict(key="guidance-renovation", title_fi="Asunnon muutostyö", title_en="Renovating a flat",
                  eservice_url_fi="https://www.lupapiste.fi", service_code="housing", book=True)
ADVICE_ONLY = dict(key="guidance-advice", title_fi="Kadonnut tavara", title_sv="Borttappade saker",
                   title_en="Lost property", answer_en="Ask at the counter.", service_code="advice")
ANSWER_ONLY = dict(key="guidance-answer", title_fi="Aukioloajat", title_sv="Öppettider", title_en="Opening hours",
                   answer_fi="Olemme auki arkisin kahdeksasta neljään.", answer_sv="Vi har öppet vardagar.",
                   answer_en="We are open on weekdays.")


def add_matter(session, site: Site, **fields) -> int:
    matter = Matter(**fields)
    session.add(matter)
    session.flush()
    session.add(MatterSite(matter_id=matter.id, site_id=site.id))
    return matter.id


def add_catalogue(db: Database) -> dict[str, int]:
    """The demo site's matters by name, and one only another site offers."""
    with db.write() as session:
        demo = queue.get_site(session, "demo")
        branch = Site(slug="branch", name="Sivupiste")
        session.add(branch)
        session.flush()
        ids = {name: add_matter(session, demo, **fields) for name, fields in
               (("parking", PARKING), ("renovation", RENOVATION), ("advice", ADVICE_ONLY), ("answer", ANSWER_ONLY))}
        ids["inactive"] = add_matter(session, demo, **{**PARKING, "key": "guidance-inactive", "active": False})
        ids["elsewhere"] = add_matter(session, branch, **{**PARKING, "key": "guidance-elsewhere"})
    return ids


@pytest.fixture(scope="module")
def catalogue(module_demo_url):
    """The catalogue that the module's tests share, and only read."""
    with shared(module_demo_url, add_catalogue) as (db, ids):
        yield db, ids


@pytest.fixture
def own_catalogue(db):
    """The catalogue in a database of the test's own, which it changes."""
    return db, add_catalogue(db)


def say(db, lang: str, phrase: str, now: datetime = MONDAY) -> str:
    with db.read() as session:
        text = guidance.phrase_text(session, "demo", lang, phrase, now=now)
    assert _TEXT.fullmatch(text) and len(text) <= MAX_TEXT, (lang, phrase, text)
    return text


GUIDE_SENTENCES = {
    "guide": {
        "fi": "Mitä tarvitset? Kirjoita muutama sana näppäimistöllä tai valitse aihe alta.",
        "sv": "Vad behöver du? Skriv några ord med tangentbordet eller välj ett ämne nedan.",
        "en": "What do you need? Type a few words with the keyboard, or choose a topic below."},
    "guide.found.1": {"fi": "Löytyi 1 asia.", "sv": "1 ärende hittades.", "en": "1 matter found."},
    "guide.found.2": {"fi": "Löytyi 2 asiaa.", "sv": "2 ärenden hittades.", "en": "2 matters found."},
    "guide.found.99": {"fi": "Löytyi 99 asiaa.", "sv": "99 ärenden hittades.", "en": "99 matters found."},
    "guide.none": {
        "fi": "Mitään ei löytynyt. Kokeile muita sanoja tai ota vuoronumero yleisneuvontaan.",
        "sv": "Inget hittades. Pröva andra ord eller ta ett könummer till allmän rådgivning.",
        "en": "Nothing was found. Try other words, or take a number for general advice."},
    "solved": {"fi": "Kiitos! Hienoa, että asia hoitui.", "sv": "Tack! Skönt att ärendet blev ordnat.",
               "en": "Thank you. Glad it was settled."},
    "label.guide-search": {"fi": "Hae.", "sv": "Sök.", "en": "Search."},
    "label.keyboard": {"fi": "Näppäimistö.", "sv": "Tangentbord.", "en": "Keyboard."},
    "label.do-it-yourself": {"fi": "Hoida itse.", "sv": "Sköt det själv.", "en": "Do it yourself."},
    "label.print-steps": {"fi": "Tulosta ohjeet.", "sv": "Skriv ut anvisningarna.", "en": "Print the steps."},
    "label.solved": {"fi": "Tämä ratkaisi asian.", "sv": "Det här löste saken.", "en": "This solved it."},
    "label.take-number": {"fi": "Ota vuoronumero.", "sv": "Ta ett könummer.", "en": "Take a number."},
    "label.book-time": {"fi": "Varaa aika.", "sv": "Boka en tid.", "en": "Book a time."},
    "label.what-to-bring": {"fi": "Mitä ottaa mukaan.", "sv": "Vad du ska ta med.", "en": "What to bring."},
}


@pytest.mark.parametrize("phrase", GUIDE_SENTENCES)
def test_the_guides_phrases_in_each_language(catalogue, phrase):
    db, _ids = catalogue
    for lang, sentence in GUIDE_SENTENCES[phrase].items():
        assert say(db, lang, phrase) == sentence, (lang, phrase)


SELF = {"fi": "Voit hoitaa asian itse verkkopalvelussa: avaa se puhelimellasi skannaamalla QR-koodi",
        "sv": "Du kan sköta ärendet själv i e-tjänsten: skanna QR-koden för att öppna den i telefonen",
        "en": "You can do it yourself with the e-service: scan the QR code to open it on your phone"}
OR_PRINT = {"fi": " tai tulosta ohjeet.", "sv": ", eller skriv ut anvisningarna.", "en": ", or print the steps."}


def test_a_matter_is_its_title_and_answer_or_its_title_alone(catalogue):
    db, ids = catalogue
    parking = ids["parking"]
    assert say(db, "fi", f"matter.{parking}") == "Asukaspysäköintitunnus. Haet tunnuksen verkossa. Päätös tulee heti."
    assert say(db, "sv", f"matter.{parking}") == \
        "Boendeparkeringstillstånd. Du ansöker om tillståndet på nätet. Beslutet kommer genast."
    assert say(db, "en", f"matter.{parking}") == \
        "Residential parking permit. You apply for the permit online. The decision comes at once."
    assert say(db, "sv", f"matter.{parking}.title") == "Boendeparkeringstillstånd."
    # No answer in a language: the Finnish one, as the screen shows; none at all: the title alone.
    assert say(db, "sv", f"matter.{ids['renovation']}") == "Asunnon muutostyö."
    assert say(db, "en", f"matter.{ids['renovation']}") == "Renovating a flat."
    assert say(db, "fi", f"matter.{ids['answer']}") == "Aukioloajat. Olemme auki arkisin kahdeksasta neljään."


def test_the_choices_are_those_the_matter_has(catalogue):
    db, ids = catalogue
    parking, renovation = ids["parking"], ids["renovation"]
    assert say(db, "fi", f"matter.{parking}.choices") == \
        SELF["fi"] + OR_PRINT["fi"] + " Voit myös ottaa vuoronumeron palveluun Maksut ja laskut."
    assert say(db, "sv", f"matter.{parking}.choices") == \
        SELF["sv"] + OR_PRINT["sv"] + " Du kan också ta ett könummer till Betalningar och fakturor."
    assert say(db, "en", f"matter.{parking}.choices") == \
        SELF["en"] + OR_PRINT["en"] + " Or take a queue number for Payments and invoices."
    # Where the kiosk's printer cannot print, the page asks for the choices without printing.
    assert say(db, "en", f"matter.{parking}.choices-no-print") == \
        SELF["en"] + ". Or take a queue number for Payments and invoices."
    # The Finnish e-service serves the other languages too; housing takes booked times.
    assert say(db, "sv", f"matter.{renovation}.choices") == \
        SELF["sv"] + OR_PRINT["sv"] + " Du kan också ta ett könummer till Boende och bostadsrådgivning. " \
        "Ärendet sköts bäst på en bokad tid: skanna koden och boka en tid med telefonen."
    assert say(db, "en", f"matter.{renovation}.choices") == \
        SELF["en"] + OR_PRINT["en"] + " Or take a queue number for Housing. " \
        "It is best dealt with at a booked time: scan the code to book one on your phone."
    assert say(db, "fi", f"matter.{ids['advice']}.choices") == "Ota vuoronumero palveluun Yleisneuvonta."
    assert say(db, "en", f"matter.{ids['advice']}.choices") == "Take a queue number for General advice."
    assert say(db, "fi", f"matter.{ids['answer']}.choices") == "Lisää apua saat asiointipisteestä."
    assert say(db, "sv", f"matter.{ids['answer']}.choices") == "Mer hjälp får du på servicestället."


def test_a_closed_service_point_gives_no_numbers_but_still_bookings(own_catalogue):
    db, ids = own_catalogue
    with db.write() as session:
        session.add(OpeningException(site_id=queue.get_site(session, "demo").id, day=date(2026, 12, 7)))
    assert say(db, "en", f"matter.{ids['renovation']}.choices") == \
        SELF["en"] + OR_PRINT["en"] + " The service point is closed now. No queue numbers are given. " \
        "It is best dealt with at a booked time: scan the code to book one on your phone."
    assert say(db, "fi", f"matter.{ids['advice']}.choices") == \
        "Asiointipiste on nyt suljettu. Vuoronumeroita ei jaeta."


def test_a_service_the_site_does_not_have_is_not_offered(own_catalogue):
    db, ids = own_catalogue
    with db.write() as session:
        session.get(Matter, ids["advice"]).service_code = "no-such-service"
    assert say(db, "en", f"matter.{ids['advice']}.choices") == "For more help, ask at the service point."


def test_a_long_answer_is_read_up_to_its_last_whole_sentence_that_fits(own_catalogue):
    db, ids = own_catalogue
    sentence = "Hakemukseen liitetään kaikki tarpeelliset asiakirjat sähköisesti. "
    with db.write() as session:
        session.get(Matter, ids["parking"]).answer_fi = sentence * 20
    text = say(db, "fi", f"matter.{ids['parking']}")
    assert text.startswith("Asukaspysäköintitunnus. Hakemukseen") and text.endswith("sähköisesti.")
    assert MAX_TEXT - len(sentence) < len(text) <= MAX_TEXT


@pytest.mark.parametrize("which", ["inactive", "elsewhere"])
def test_a_matter_not_offered_here_is_not_found(catalogue, which):
    db, ids = catalogue
    for part in ("", ".title", ".choices"):
        with db.read() as session, pytest.raises(NotFound):
            guidance.phrase_text(session, "demo", "fi", f"matter.{ids[which]}{part}")
    with db.read() as session:  # the other site's own matter speaks there
        assert guidance.phrase_text(session, "branch", "fi", f"matter.{ids['elsewhere']}.title") == \
            "Asukaspysäköintitunnus."


@pytest.mark.parametrize("phrase", [
    "matter.999999999", "matter.0", "matter.007", "matter.1234567890", "matter.-1", "matter.1.answer",
    "matter.1.choices.x", "matter.1.", "matter.", "matter.1 ", "matter.1\n", "matter.１", "guide.found.0",
    "guide.found.100", "guide.found.05", "guide.found.", "guide.", "guide.none.", "guide.found.3.x", "solved.",
    "Thank you", "label.guide", "label.solved.x", "matter.1/../2", "matter.{{id}}", "matter.%31"])
def test_a_made_up_guide_phrase_is_not_found(catalogue, phrase):
    db, _ids = catalogue
    with db.read() as session, pytest.raises(NotFound):
        guidance.phrase_text(session, "demo", "en", phrase)
