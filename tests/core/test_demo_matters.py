"""The demo's first-tier catalogue (server/demo_matters.py), its seeding at the demo site, and the
questions citizens type for it (tests/data/guide_questions.tsv, the guide's accuracy test set)."""

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from server import matters, queue
from server.demo import BOOKABLE, SERVICES, seed_demo, seed_matters
from server.demo_matters import MATTERS
from server.models import Matter, MatterSite, Site
from tests.conftest import DEMO_PASSWORD

LANGS = ("fi", "sv", "en")
QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "guide_questions.tsv"
KEYS = [fields["key"] for fields in MATTERS]
# A sentence ends in . ! ? and the next begins with a capital or a digit ("Kela", "30 päivää").
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9])")


def texts(field: str):
    for fields in MATTERS:
        for lang in LANGS:
            yield fields["key"], lang, fields[f"{field}_{lang}"]


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_questions() -> list[dict]:
    with QUESTIONS.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE))


# --- The catalogue ---

def test_it_has_at_least_forty_matters_with_unique_readable_keys():
    assert len(MATTERS) >= 40
    assert len(set(KEYS)) == len(KEYS), [key for key, n in Counter(KEYS).items() if n > 1]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key) and len(key) <= 80 for key in KEYS)


def test_each_matter_sets_only_matter_fields_and_all_of_the_texts():
    model_fields = set(Matter.model_fields)
    texts_per_lang = {f"{field}_{lang}" for field in matters.TEXT_FIELDS for lang in LANGS}
    for fields in MATTERS:
        assert set(fields) <= model_fields, (fields["key"], set(fields) - model_fields)
        assert texts_per_lang | {"key", "service_code", "book", "topic_position"} <= set(fields), fields["key"]
        Matter(**fields)  # builds as a row would


@pytest.mark.parametrize("field", ["title", "keywords", "answer"])
def test_titles_keywords_and_answers_are_there_in_finnish_swedish_and_english(field):
    missing = [(key, lang) for key, lang, text in texts(field) if not text.strip()]
    assert missing == []


def test_titles_fit_the_column_and_differ_between_matters():
    for lang in LANGS:
        titles = [fields[f"title_{lang}"] for fields in MATTERS]
        assert len(set(t.casefold() for t in titles)) == len(titles), lang
        assert all(len(title) <= 200 for title in titles)


def test_answers_are_two_to_four_plain_sentences():
    for key, lang, answer in texts("answer"):
        sentences = SENTENCE_END.split(answer.strip())
        assert 2 <= len(sentences) <= 4 and answer.strip()[-1] in ".!?", (key, lang, sentences)


def test_keywords_are_a_comma_separated_list_without_empty_or_repeated_words():
    for key, lang, text in texts("keywords"):
        words = [word.strip().casefold() for word in text.split(",")]
        assert all(words) and len(set(words)) == len(words), (key, lang, text)
        assert "\n" not in text


def test_lists_have_the_same_length_in_each_language():
    """Bring and steps are read item by item, so a language may not lose or gain an item."""
    for fields in MATTERS:
        for field in ("bring", "steps"):
            counts = {lang: len(lines(fields[f"{field}_{lang}"])) for lang in LANGS}
            assert len(set(counts.values())) == 1, (fields["key"], field, counts)


def test_an_eservice_comes_with_two_to_five_steps_in_every_language():
    for fields in MATTERS:
        urls = [fields[f"eservice_url_{lang}"] for lang in LANGS]
        assert all(urls) or not any(urls), (fields["key"], urls)
        for lang in LANGS:
            steps = lines(fields[f"steps_{lang}"])
            if fields[f"eservice_url_{lang}"]:
                assert 2 <= len(steps) <= 5, (fields["key"], lang, steps)
            else:
                assert steps == [], (fields["key"], lang)


def test_a_self_service_only_matter_has_an_eservice():
    """Without a service to take it, the e-service is the only way the guide can offer."""
    for fields in MATTERS:
        if fields["service_code"] is None:
            assert all(fields[f"eservice_url_{lang}"] for lang in LANGS), fields["key"]


def test_eservice_addresses_are_https_and_the_citys_own_are_on_the_reserved_domain():
    for key, lang, url in texts("eservice_url"):
        if not url:
            continue
        assert re.fullmatch(r"https://[a-z0-9.-]+\.[a-z]+(/\S*)?", url) and len(url) <= 500, (key, lang, url)
        host = url.split("/")[2]
        assert host.endswith(".example") or host.endswith(".fi"), (key, lang, url)


def test_service_codes_are_the_demos_services_and_each_service_takes_some_matters():
    codes = {code for code, *_ in SERVICES}
    used = Counter(fields["service_code"] for fields in MATTERS)
    assert set(used) - {None} <= codes, set(used) - {None} - codes
    assert all(used[code] for code in codes), used
    assert used[None] >= 5  # matters settled by self-service only


def test_booking_is_offered_only_where_the_service_takes_appointments():
    booked = [fields for fields in MATTERS if fields["book"]]
    assert booked and all(fields["service_code"] in BOOKABLE for fields in booked)
    assert all(isinstance(fields["book"], bool) for fields in MATTERS)


def test_at_least_eight_topic_buttons_each_in_a_place_of_its_own():
    positions = [fields["topic_position"] for fields in MATTERS if fields["topic_position"]]
    assert len(positions) >= 8 and len(set(positions)) == len(positions)
    assert sorted(positions) == list(range(1, len(positions) + 1))
    assert all(fields["topic_position"] >= 0 for fields in MATTERS)


# --- Seeding ---

def catalogue_rows(session, site: Site) -> dict[str, Matter]:
    return {matter.key: matter for matter in matters.for_site(session, site)}


def counts(session) -> tuple[int, int]:
    return (session.execute(sa.select(sa.func.count()).select_from(Matter)).scalar_one(),
            session.execute(sa.select(sa.func.count()).select_from(MatterSite)).scalar_one())


def test_the_demo_site_offers_the_catalogue(db):
    with db.read() as session:
        site = queue.get_site(session, "demo")
        offered = catalogue_rows(session, site)
        assert set(KEYS) <= set(offered)
        for fields in MATTERS:
            matter = offered[fields["key"]]
            assert {name: getattr(matter, name) for name in fields} == fields
            service = matters.service_for(session, site, matter)
            assert (service.code if service else None) == fields["service_code"]
        topics = matters.topics(session, site)
        assert [m.key for m in topics] == [f["key"] for f in sorted(
            (f for f in MATTERS if f["topic_position"]), key=lambda f: f["topic_position"])]


def test_seeding_twice_adds_no_duplicates(db):
    with db.read() as session:
        before = counts(session)
        version = matters.version(session, queue.get_site(session, "demo"))
    with db.write() as session:
        seed_demo(session, DEMO_PASSWORD)
    with db.write() as session:
        assert seed_matters(session, queue.get_site(session, "demo")) == 0
    with db.read() as session:
        assert counts(session) == before
        assert matters.version(session, queue.get_site(session, "demo")) == version
        keys = session.exec(select(Matter.key)).all()
        assert len(keys) == len(set(keys))


def test_an_admins_edits_survive_a_second_seed(db):
    with db.write() as session:
        demo = queue.get_site(session, "demo")
        branch = Site(slug="branch", name="Sivutoimipiste")
        session.add(branch)
        session.flush()
        edited = session.exec(select(Matter).where(Matter.key == "library-card")).one()
        edited.title_fi, edited.keywords_fi, edited.service_code = "Kirjastokortti ja kirjaston PIN", "laina", None
        edited.topic_position, edited.eservice_url_en = 0, ""
        matters.set_sites(session, edited, [demo, branch])
        unshared = session.exec(select(Matter).where(Matter.key == "boat-place")).one()
        matters.set_sites(session, unshared, [branch])
        retired = session.exec(select(Matter).where(Matter.key == "culture-card")).one()
        retired.active = False
        session.delete(session.exec(select(MatterSite).join(Matter).where(Matter.key == "feedback")).one())
        session.delete(session.exec(select(Matter).where(Matter.key == "feedback")).one())
    with db.write() as session:
        seed_demo(session, DEMO_PASSWORD)
    with db.read() as session:
        demo, branch = queue.get_site(session, "demo"), queue.get_site(session, "branch")
        edited = session.exec(select(Matter).where(Matter.key == "library-card")).one()
        assert (edited.title_fi, edited.keywords_fi, edited.service_code, edited.topic_position,
                edited.eservice_url_en) == ("Kirjastokortti ja kirjaston PIN", "laina", None, 0, "")
        assert [s.slug for s in matters.sites_of(session, edited)] == ["demo", "branch"]
        assert [s.slug for s in matters.sites_of(session, session.exec(
            select(Matter).where(Matter.key == "boat-place")).one())] == ["branch"]
        assert not session.exec(select(Matter).where(Matter.key == "culture-card")).one().active
        offered = catalogue_rows(session, demo)
        assert "boat-place" not in offered and "culture-card" not in offered
        # A matter missing from the catalogue is the seed's to add again (the demo needs all of it).
        assert offered["feedback"].title_fi == "Palaute ja vikailmoitus kaupungille"
        assert sorted(m.key for m in matters.for_site(session, branch)) == ["boat-place", "library-card"]


def test_an_admin_could_save_each_matter_as_the_demo_has_it(db):
    """The admin form's checks (server/matters.py) pass every matter of the catalogue unchanged."""
    with db.read() as session:
        for fields in MATTERS:
            form = {name: value for name, value in fields.items() if name not in ("book", "topic_position")}
            form.update(service_code=fields["service_code"] or "", topic_position=str(fields["topic_position"]),
                        book="on" if fields["book"] else "", active="on", sites=["demo"])
            errors: dict = {}
            saved, sites = matters.matter_fields(session, form, errors)
            assert errors == {}, (fields["key"], errors)
            assert {name: saved[name] for name in fields if name != "key"} == \
                {name: value for name, value in fields.items() if name != "key"}, fields["key"]


# --- The questions ---

def test_the_question_file_has_its_header_and_three_columns_on_every_line():
    raw = QUESTIONS.read_text(encoding="utf-8").splitlines()
    assert raw[0] == "lang\tquestion\texpected_key"
    assert all(len(line.split("\t")) == 3 and all(part.strip() for part in line.split("\t")) for line in raw), \
        [line for line in raw if len(line.split("\t")) != 3]


def test_there_are_enough_questions_in_each_language():
    rows = read_questions()
    langs = Counter(row["lang"] for row in rows)
    assert len(rows) >= 150 and set(langs) == set(LANGS)
    assert langs["fi"] >= 90 and langs["sv"] >= 35 and langs["en"] >= 35, langs
    questions = [(row["lang"], row["question"].casefold()) for row in rows]
    assert len(set(questions)) == len(questions), [q for q, n in Counter(questions).items() if n > 1]


def test_every_question_means_a_matter_of_the_catalogue_and_every_matter_has_two():
    rows = read_questions()
    unknown = {row["expected_key"] for row in rows} - set(KEYS)
    assert unknown == set()
    asked = Counter(row["expected_key"] for row in rows)
    assert [key for key in KEYS if asked[key] < 2] == []


def test_the_questions_are_mostly_not_the_catalogues_own_words():
    """An honest test: most questions are not a title or keyword copied, but inflected, compounded,
    misspelt or whole questions, as people type."""
    by_key = {fields["key"]: fields for fields in MATTERS}
    rows = read_questions()
    copied = 0
    for row in rows:
        fields, lang = by_key[row["expected_key"]], row["lang"]
        own = {fields[f"title_{lang}"].casefold()} | {
            word.strip().casefold() for word in fields[f"keywords_{lang}"].split(",")}
        copied += row["question"].strip().casefold() in own
    assert copied <= len(rows) * 0.2, copied
