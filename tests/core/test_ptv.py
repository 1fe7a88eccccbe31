"""The national service catalogue's import (server/ptv.py, server/ptv_api.py) against a local server
that answers as PTV's open API v11 does (tests/fakes/ptv_server.py), into a real SQLite file and a
real PostgreSQL database: the first import, importing again, PTV's changes, staff's edits and the
conflicts between them, paging, 504s and timeouts, malformed items, missing languages, services
removed from PTV, the sites' details, and the command `luukku ptv import`."""

import json
import subprocess
import threading

import pytest
from sqlmodel import select

from server import matters, ptv, ptv_api, queue
from server.errors import Invalid
from server.models import AuditLog, Event, Matter, MatterSite
from tests.conftest import luukku as run_luukku
from tests.conftest import prepare_demo_database
from tests.fakes.ptv_server import ORG, FakePtv, _id, service

PARKING, PERMIT, DAYCARE, INVOICES, WASTE, LIBRARY, HOUSING = (_id(n) for n in range(1, 8))


@pytest.fixture
def fake():
    with FakePtv(page_size=3) as fake:
        yield fake


def fetch(fake, **options) -> ptv_api.Catalogue:
    return ptv_api.fetch(fake.url, ORG, **{"retries": 2, "backoff_s": 0.01, "timeout_s": 5, **options})


def run(db, fake, apply: bool = True, overwrite=(), sites=("demo",)) -> ptv.Plan:
    catalogue = fetch(fake)
    with db.write() as session:
        return ptv.import_catalogue(session, catalogue, [queue.get_site(session, slug) for slug in sites],
                                    set(overwrite), apply=apply)


def matter(db, ptv_id: str) -> Matter:
    with db.read() as session:
        return session.exec(select(Matter).where(Matter.ptv_id == ptv_id)).one()


def edit(db, ptv_id: str, **fields) -> None:
    """What an admin's form does to a matter's texts (counter/admin_matters.py)."""
    with db.write() as session:
        row = session.exec(select(Matter).where(Matter.ptv_id == ptv_id)).one()
        for name, value in fields.items():
            setattr(row, name, value)
        session.add(row)


def imported(db) -> list[Matter]:
    with db.read() as session:
        return list(session.exec(select(Matter).where(Matter.ptv_id.is_not(None)).order_by(Matter.ptv_id)))


def test_the_first_import_makes_a_matter_of_each_service_offered_at_the_named_sites(db, fake):
    dry = run(db, fake, apply=False)
    assert [c.theirs for c in dry.new][:3] == ["Asukaspysäköintitunnus", "Rakennuslupa", "Varhaiskasvatukseen hakeminen"]
    assert imported(db) == []  # a dry run changes nothing

    plan = run(db, fake)
    assert plan.applied and len(plan.new) == 7 and plan.changed == plan.conflicts == plan.skipped == []
    parking = matter(db, PARKING)
    assert parking.key == "asukaspysakointitunnus" and parking.active
    assert (parking.title_fi, parking.title_sv, parking.title_en) == (
        "Asukaspysäköintitunnus", "Boendeparkeringstillstånd", "Resident parking permit")
    assert parking.keywords_fi == "pysäköinti, asukaspysäköinti, Pysäköintilupa"  # the alternative name too
    assert parking.answer_en == "A resident parking permit lets you park on the streets of your own residential area."
    assert parking.lines("steps", "sv") == ["Logga in i e-tjänsten.", "Fyll i ansökan.", "Betala tillståndet på nätet."]
    assert parking.lines("bring", "fi") == ["Ajoneuvon rekisteritiedot", "Osoite väestötietojärjestelmässä"]
    assert (parking.eservice_url_fi, parking.eservice_url_en) == (
        "https://asiointi.kaupunki.example/pysakointi", "https://asiointi.kaupunki.example/en/parking")
    assert parking.service_code is None and not parking.book and parking.topic_position == 0  # staff decide these
    assert json.loads(parking.ptv_values) == {**{name: getattr(parking, name) for name in ptv.FIELDS}, "active": True}
    # An e-service of another organisation (a national one) linked to the service is read by its id.
    assert matter(db, PERMIT).eservice_url_sv == "https://www.lupapiste.fi/sv"
    assert any("/ServiceChannel/list?guids=" + _id(103) in path for path in fake.requests)
    with db.read() as session:
        demo = queue.get_site(session, "demo")
        assert len(matters.for_site(session, demo)) >= 7
        assert session.exec(select(AuditLog).where(AuditLog.action == "ptv.import")).one().detail.startswith("new 7")
        assert session.exec(select(Event).where(Event.type == "config.changed", Event.site_id == demo.id)).first()


def test_the_answer_is_the_descriptions_first_paragraph_where_there_is_no_summary(db, fake):
    fake.add_service(service(8, {"fi": "Saunavuoro"}, {}, description={
        "fi": "### Saunavuorot\nVaraa  saunavuoro.\nLisätietoja toimistolta.\n* Yleiset vuorot\n* Perhevuorot"}))
    run(db, fake)
    assert matter(db, _id(8)).answer_fi == "Varaa saunavuoro."


def test_importing_again_with_no_change_in_ptv_changes_nothing(db, fake):
    run(db, fake)
    before = {m.ptv_id: (m.updated_at, m.ptv_values, m.key) for m in imported(db)}
    plan = run(db, fake)
    assert (plan.new, plan.changed, plan.conflicts, plan.removed, plan.overwritten) == ([], [], [], [], [])
    assert plan.unchanged == 7 and not plan.changes_anything
    assert {m.ptv_id: (m.updated_at, m.ptv_values, m.key) for m in imported(db)} == before
    with db.read() as session:  # no duplicates, and nothing to tell anyone
        assert len(session.exec(select(Matter).where(Matter.ptv_id.is_not(None))).all()) == 7
        assert len(session.exec(select(AuditLog).where(AuditLog.action == "ptv.import")).all()) == 1


def test_a_text_changed_in_ptv_is_updated_and_reported_with_both_values(db, fake):
    run(db, fake)
    fake.set_text(PARKING, "serviceDescriptions", "fi", "Tunnuksella pysäköit kotikadulle.", "Summary")
    fake.set_text(PARKING, "serviceNames", "en", "Parking permit for residents", "Name")
    old = matter(db, PARKING)
    dry = run(db, fake, apply=False)
    assert {(c.ref, c.ours, c.theirs) for c in dry.changed} == {
        ("asukaspysakointitunnus:answer_fi", old.answer_fi, "Tunnuksella pysäköit kotikadulle."),
        ("asukaspysakointitunnus:title_en", "Resident parking permit", "Parking permit for residents")}
    assert matter(db, PARKING).answer_fi == old.answer_fi  # a dry run
    plan = run(db, fake)
    assert len(plan.changed) == 2 and plan.unchanged == 6
    new = matter(db, PARKING)
    assert (new.answer_fi, new.title_en) == ("Tunnuksella pysäköit kotikadulle.", "Parking permit for residents")
    assert json.loads(new.ptv_values)["answer_fi"] == "Tunnuksella pysäköit kotikadulle."
    assert new.updated_at > old.updated_at  # the sites' search indexes see it


def test_a_field_staff_edited_is_kept_and_a_ptv_change_to_it_is_a_conflict_until_overwritten(db, fake):
    run(db, fake)
    edit(db, PARKING, answer_fi="Oma teksti: asukaspysäköinti kotikadulla.", keywords_sv="parkering, bil")
    plan = run(db, fake)  # PTV did not change them: staff's texts stay, nothing to ask
    assert plan.conflicts == [] and plan.unchanged == 7
    assert matter(db, PARKING).answer_fi == "Oma teksti: asukaspysäköinti kotikadulla."

    fake.set_text(PARKING, "serviceDescriptions", "fi", "PTV:n uusi tiivistelmä.", "Summary")
    fake.set_text(PARKING, "serviceDescriptions", "sv", "Ny sammanfattning.", "Summary")
    for _ in range(2):  # kept as staff wrote it, and asked about again at each import
        plan = run(db, fake)
        assert [(c.ref, c.ours, c.theirs) for c in plan.conflicts] == [
            ("asukaspysakointitunnus:answer_fi", "Oma teksti: asukaspysäköinti kotikadulla.", "PTV:n uusi tiivistelmä.")]
        assert [c.ref for c in plan.changed] == ([] if _ else ["asukaspysakointitunnus:answer_sv"])
        assert matter(db, PARKING).answer_fi == "Oma teksti: asukaspysäköinti kotikadulla."

    plan = run(db, fake, overwrite={"asukaspysakointitunnus:answer_fi", "rakennuslupa:title_fi"})
    assert [c.ref for c in plan.overwritten] == ["asukaspysakointitunnus:answer_fi"] and plan.conflicts == []
    assert plan.unknown_overwrites == ["rakennuslupa:title_fi"]  # not a conflict: left alone
    parking = matter(db, PARKING)
    assert (parking.answer_fi, parking.keywords_sv) == ("PTV:n uusi tiivistelmä.", "parkering, bil")
    assert run(db, fake).conflicts == []


def test_staff_making_a_field_what_ptv_now_says_is_no_conflict(db, fake):
    run(db, fake)
    edit(db, LIBRARY, title_en="Library card (new)")
    fake.set_text(LIBRARY, "serviceNames", "en", "Library card (new)", "Name")
    plan = run(db, fake)
    assert plan.conflicts == plan.changed == [] and json.loads(matter(db, LIBRARY).ptv_values)["title_en"] == "Library card (new)"


def test_every_page_is_read(db):
    with FakePtv(page_size=2) as fake:
        plan = run(db, fake)
        pages = [p for p in fake.requests if "/Service/list/organization" in p]
    assert len(plan.new) == 7 and [p.rsplit("page=", 1)[1] for p in pages] == ["1", "2", "3", "4"]
    assert len(imported(db)) == 7


def test_an_organisation_with_no_services_imports_nothing(db):
    with FakePtv(services=[], channels=[]) as fake:
        plan = run(db, fake)
    assert plan.new == [] and plan.unmatched_sites == ["demo"] and imported(db) == []


def test_a_504_is_asked_again_and_the_import_goes_on(db, fake):
    fake.gateway_timeout("Service", page=2, times=2)
    fake.gateway_timeout("ServiceChannel", page=1, times=1)
    plan = run(db, fake)
    assert len(plan.new) == 7
    asked = [p for p in fake.requests if "/Service/list/organization" in p]
    assert [p.rsplit("page=", 1)[1] for p in asked] == ["1", "2", "2", "2", "3"]


def test_a_504_that_persists_stops_the_import_with_a_clear_error_and_nothing_half_written(db, fake):
    run(db, fake)
    fake.set_text(PARKING, "serviceDescriptions", "fi", "Muuttunut teksti.", "Summary")  # page 1
    fake.archive(HOUSING)  # six services left: two pages
    fake.gateway_timeout("Service", page=2, times=-1)
    before = {m.ptv_id: (m.answer_fi, m.active, m.ptv_values) for m in imported(db)}
    with pytest.raises(ptv_api.PtvUnavailable) as failed:
        run(db, fake)
    assert str(failed.value) == (f"The national service catalogue did not answer at {fake.url}/api/v11/Service/list/"
                                 "organization (HTTP 504) after 3 attempts; nothing was changed.")
    assert failed.value.status_code == 502
    assert {m.ptv_id: (m.answer_fi, m.active, m.ptv_values) for m in imported(db)} == before


def test_a_page_that_does_not_come_in_time_is_a_timeout(db, fake):
    fake.slow("ServiceChannel", page=1, seconds=1.5)
    with pytest.raises(ptv_api.PtvUnavailable) as failed:
        fetch(fake, timeout_s=0.3, retries=1)
    assert "(no answer in 0.3 s) after 2 attempts" in str(failed.value)


def test_a_malformed_item_is_skipped_and_reported_and_the_rest_imported(db, fake):
    run(db, fake)
    fake.malform(PERMIT)
    fake.set_text(PARKING, "serviceNames", "sv", "Boendeparkering", "Name")
    plan = run(db, fake)
    assert [(s.kind, s.ptv_id, s.name) for s in plan.skipped] == [("service", PERMIT, "Rakennuslupa")]
    assert "serviceNames: Input should be a valid list" in plan.skipped[0].reason
    assert [c.ref for c in plan.changed] == ["asukaspysakointitunnus:title_sv"]
    assert plan.removed == [] and matter(db, PERMIT).active  # still in PTV: not deactivated
    assert "? service " + PERMIT in "\n".join(ptv.describe(plan, fetch(fake)))


def test_an_item_without_a_readable_id_holds_back_removals(db, fake):
    run(db, fake)
    fake.malform(WASTE, how="id")
    fake.archive(HOUSING)
    plan = run(db, fake)
    assert [(s.ptv_id, s.name) for s in plan.skipped] == [("", "Jätehuolto")]
    assert plan.removals_held and plan.removed == [] and matter(db, WASTE).active and matter(db, HOUSING).active


def test_a_missing_language_falls_back_to_finnish_and_finnish_to_swedish(db, fake):
    fake.drop_language(PARKING, "sv")
    fake.add_service(service(9, {"sv": "Simhall", "en": "Swimming hall"}, {"sv": "Simhallen är öppen varje dag."}))
    run(db, fake)
    parking = matter(db, PARKING)
    assert (parking.title_sv, parking.answer_sv, parking.steps_sv) == ("", "", "")
    assert parking.text("title", "sv") == "Asukaspysäköintitunnus" and parking.lines("steps", "sv")[0] == "Kirjaudu verkkoasiointiin."
    assert parking.eservice_url_sv == "https://asiointi.kaupunki.example/sv/parkering"  # the channel still has it
    waste = matter(db, WASTE)  # PTV has it in no English
    assert waste.title_en == "" and waste.text("title", "en") == "Jätehuolto"
    swimming = matter(db, _id(9))  # no Finnish at all: its Finnish fields, which others fall back to, take Swedish
    assert (swimming.title_fi, swimming.title_en, swimming.answer_fi, swimming.key) == (
        "Simhall", "Swimming hall", "Simhallen är öppen varje dag.", "simhall")


def test_a_service_removed_from_ptv_deactivates_its_matter_and_its_return_activates_it(db, fake):
    run(db, fake)
    fake.archive(HOUSING)
    plan = run(db, fake, apply=False)
    assert [(c.key, c.name) for c in plan.removed] == [("vuokra-asunnon-hakeminen", "Vuokra-asunnon hakeminen")]
    assert matter(db, HOUSING).active
    run(db, fake)
    housing = matter(db, HOUSING)  # kept, with its texts and sites: only no longer offered
    assert not housing.active and housing.title_fi == "Vuokra-asunnon hakeminen"
    with db.read() as session:
        assert session.exec(select(MatterSite).where(MatterSite.matter_id == housing.id)).first() is not None
        assert housing.id not in {m.id for m in matters.for_site(session, queue.get_site(session, "demo"))}
    assert run(db, fake).removed == []  # once
    fake.restore(HOUSING)
    assert [c.key for c in run(db, fake).restored] == ["vuokra-asunnon-hakeminen"] and matter(db, HOUSING).active


def test_a_matter_staff_took_out_of_use_stays_out_while_ptv_has_it(db, fake):
    run(db, fake)
    edit(db, LIBRARY, active=False)
    plan = run(db, fake)
    assert plan.restored == plan.conflicts == [] and not matter(db, LIBRARY).active


def test_the_service_location_gives_the_site_its_address_and_phone_when_asked(db, fake):
    with db.write() as session:
        demo = queue.get_site(session, "demo")
        demo.address, demo.phone = "", "09 310 99999"
    location = fake.channels[_id(104)]
    location["addresses"][0]["streetAddress"]["streetNumber"] = "3"
    plan = run(db, fake)
    assert plan.sites == [("demo", "Kaupungintalon asiakaspalvelu")]
    assert [(c.ref, c.ours, c.theirs) for c in plan.changed] == [("site:demo:address", "", "Keskuskatu 3\n00100 KAUPUNKI")]
    assert [(c.ref, c.ours, c.theirs) for c in plan.conflicts] == [("site:demo:phone", "09 310 99999", "09 310 12345")]
    plan = run(db, fake, overwrite={"site:demo:phone"})
    assert [c.ref for c in plan.overwritten] == ["site:demo:phone"]
    with db.read() as session:
        demo = queue.get_site(session, "demo")
        assert (demo.address, demo.phone) == ("Keskuskatu 3\n00100 KAUPUNKI", "09 310 12345")
    assert run(db, fake).conflicts == []


def test_a_site_no_location_matches_is_said_so(db, fake):
    with db.write() as session:
        demo = queue.get_site(session, "demo")
        demo.name, demo.name_sv, demo.name_en, demo.address = "Kirjasto", "", "", "Kirjastokuja 2\n00100 Kaupunki"
    assert run(db, fake).unmatched_sites == ["demo"]


def test_an_organisation_ptv_does_not_know_and_an_id_that_is_no_id_are_refused(fake):
    with pytest.raises(ptv_api.PtvRefused) as refused:
        ptv_api.fetch(fake.url, "0f2a1d8e-5b3c-4e71-9a46-2c7d8e9f1a02", retries=0)
    assert refused.value.message == "The national service catalogue has no organisation %(id)s."
    assert refused.value.status_code == 422
    with pytest.raises(Invalid):
        ptv_api.fetch(fake.url, "kaupunki", retries=0)
    assert [p for p in fake.requests if "kaupunki" in p] == []  # not even asked


def test_luukku_ptv_import_prints_the_plan_and_takes_overwrites(tmp_path, fake):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'luukku.db'}")

    def luukku(*args: str) -> subprocess.CompletedProcess:
        return run_luukku("ptv", "import", *args, database_url=url, ptv_url=fake.url, ptv_organization_id=ORG)

    dry = luukku("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: nothing was changed." in dry.stdout and "+ asukaspysakointitunnus  Asukaspysäköintitunnus" in dry.stdout
    assert "7 services and 5 channels" in dry.stdout
    done = luukku("--site", "demo")
    assert done.returncode == 0 and "Imported." in done.stdout and "New matters (7):" in done.stdout
    from server.db import Database

    database = Database(url)
    edit(database, PARKING, answer_en="Our own words.")
    fake.set_text(PARKING, "serviceDescriptions", "en", "PTV's new words.", "Summary")
    kept = luukku()
    assert '! asukaspysakointitunnus:answer_en\n      Luukku: "Our own words."\n      PTV:    "PTV\'s new words."' in kept.stdout
    taken = luukku("--overwrite", "asukaspysakointitunnus:answer_en")
    assert "Overwritten with PTV's value (1):" in taken.stdout and matter(database, PARKING).answer_en == "PTV's new words."
    database.dispose()
    assert luukku("--overwrite", "answer_en").returncode != 0
    refused = luukku("--organization", "nobody")
    assert refused.returncode == 1 and "32 hexadecimal digits" in refused.stderr


def test_a_text_too_long_for_a_matter_is_shortened_and_an_address_not_https_left_out(db, fake):
    requirements = "\n".join(f"* Liite {n}: " + "selvitys " * 20 for n in range(1, 12))  # ~2,000 characters
    fake.add_service(service(10, {"fi": "Poikkeamislupa"}, {"fi": "Lupa poiketa asemakaavasta."},
                             requirements={"fi": requirements}))
    fake.channels[_id(102)]["webPages"][1]["url"] = "http://asiointi.kaupunki.example/sv/smabarnspedagogik"
    plan = run(db, fake)
    assert {(c.ref, c.ours) for c in plan.notes} == {("poikkeamislupa:bring_fi", "shortened"),
                                                      ("varhaiskasvatukseen-hakeminen:eservice_url_sv", "not-https")}
    bring = matter(db, _id(10)).bring_fi
    assert len(bring) <= 1500 and bring.splitlines()[-1].startswith("Liite ") and len(bring.splitlines()) < 11
    assert matter(db, DAYCARE).eservice_url_sv == "" and matter(db, DAYCARE).eservice_url_fi
    assert run(db, fake).changed == []  # the shortened text is what PTV's value is taken as


def test_two_imports_at_once_make_each_matter_once(db, fake):
    catalogue = fetch(fake)
    barrier, plans, errors = threading.Barrier(2), [], []

    def importer():
        try:
            barrier.wait(5)
            with db.write() as session:
                plans.append(ptv.import_catalogue(session, catalogue, [queue.get_site(session, "demo")], apply=True))
        except Exception as exc:  # the assertion below says which
            errors.append(exc)

    threads = [threading.Thread(target=importer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and sorted(len(plan.new) for plan in plans) == [0, 7]
    assert len(imported(db)) == 7
