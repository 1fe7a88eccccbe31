"""The catalogue's administration in the core (server/matters.py): a matter saved from a form's
strings, its mistakes each beside its field, the sites that offer it, the audit row and the live
screens' event, the search index's version moving on; and the retention of the words of searches
that found nothing. On SQLite and PostgreSQL."""

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlmodel import select

from server import housekeeping, matters, queue
from server.config import FieldErrors
from server.models import AuditLog, Event, GuideEvent, Matter, Site, StaffUser, utcnow

NOW = datetime(2027, 3, 17, 10, 0, tzinfo=timezone.utc)


def form(**fields) -> dict:
    values = {"title_fi": "Testiasia: asukaspysäköinti", "title_sv": "Testärende: boendeparkering",
              "title_en": "Test matter: resident parking", "keywords_fi": "pysäköinti, asukaspysäköinti",
              "answer_fi": "Hae tunnusta verkossa.", "answer_sv": "Ansök på nätet.", "answer_en": "Apply online.",
              "eservice_url_fi": "https://asiointi.example.fi/pysakointi", "service_code": "payments",
              "topic_position": "3", "active": "on", "sites": ["demo"]}
    values.update(fields)
    return {k: v for k, v in values.items() if v is not None}


def second_site(session) -> Site:
    site = Site(slug="test-branch", name="Testikirjasto", name_sv="Testbiblioteket", name_en="Test library",
                languages="fi,sv")
    session.add(site)
    session.flush()
    return site


def mistakes(session, matter_id=None, **fields) -> dict:
    with pytest.raises(FieldErrors) as refused:
        matters.save(session, None, matter_id, form(**fields))
    return {name: message % params if params else message for name, (message, params) in refused.value.errors.items()}


def test_a_matter_is_added_with_its_sites_an_audit_row_and_an_event(db):
    with db.write() as session:
        demo = queue.get_site(session, "demo")
        admin = session.exec(select(StaffUser).where(StaffUser.username == "admin")).one().id
        matter = matters.save(session, admin, None, form(key="test-resident-parking"))
        matter_id = matter.id
    with db.read() as session:
        saved = session.get(Matter, matter_id)
        assert (saved.key, saved.title_sv, saved.service_code, saved.topic_position, saved.active, saved.book) == (
            "test-resident-parking", "Testärende: boendeparkering", "payments", 3, True, False)
        assert saved.keywords_fi == "pysäköinti, asukaspysäköinti" and saved.ptv_id is None
        assert [s.slug for s in matters.sites_of(session, saved)] == ["demo"]
        assert saved in matters.for_site(session, demo)
        row = session.exec(select(AuditLog).where(AuditLog.action == "config.matter.save")).one()
        assert (row.staff_user_id, row.target) == (admin, f"matter:{matter_id}") and "new" in row.detail
        event = session.exec(select(Event).where(Event.type == "config.changed").order_by(Event.id.desc())).first()
        assert json.loads(event.data)["what"] == f"matter:{matter_id}"


def test_the_key_comes_from_the_finnish_title_when_none_is_given(db):
    with db.write() as session:
        first = matters.save(session, None, None, form(title_fi="Testi: Pysäköintitunnus ÅÄÖ"))
        again = mistakes(session, title_fi="Testi: Pysäköintitunnus ÅÄÖ")
        assert first.key == "testi-pysakointitunnus-aao"
        assert again == {"key": "Another matter has the key “testi-pysakointitunnus-aao”."}


def test_every_mistake_is_named_beside_its_field_and_nothing_is_saved(db):
    with db.write() as session:
        before = session.execute(sa.select(sa.func.count()).select_from(Matter)).scalar_one()
        matters.save(session, None, None, form(key="test-taken"))
        found = mistakes(session, key="Test Taken!", title_fi="  ", eservice_url_fi="http://asiointi.example.fi",
                         eservice_url_sv="https://", eservice_url_en="https://ei osoite.fi", answer_en="x" * 3001,
                         service_code="no-such-service", topic_position="100", book="on", sites=["demo", "nowhere"])
        assert found == {
            "key": "1–80 small letters a–z, digits and hyphens, e.g. parking-permit-resident.",
            "title_fi": "A matter needs its Finnish title: the other languages fall back to it.",
            "eservice_url_fi": "The address must begin with https://, e.g. https://www.suomi.fi/.",
            "eservice_url_sv": "This is not a web address; write it like https://asiointi.example.fi/lupa.",
            "eservice_url_en": "This is not a web address; write it like https://asiointi.example.fi/lupa.",
            "answer_en": "At most 3000 characters (now 3001).",
            "service_code": "There is no service “no-such-service”.",
            "topic_position": "A whole number from 0 to 99.",
            "sites": "Choose among the service points listed.",
        }
        assert mistakes(session, key="test-taken") == {"key": "Another matter has the key “test-taken”."}
        assert mistakes(session, key="test-booked", service_code="", book="on") == {
            "book": "A booked time is made for a service: choose the service that takes the matter."}
        branch = second_site(session)
        assert mistakes(session, key="test-elsewhere", sites=[branch.slug]) == {
            "service_code": "None of the chosen service points has the service “payments”."}
        assert session.execute(sa.select(sa.func.count()).select_from(Matter)).scalar_one() == before + 1


def test_a_change_bumps_updated_at_and_each_sites_search_version(db):
    with db.write() as session:
        branch = second_site(session)
        matter = matters.save(session, None, None, form(key="test-versions"))
        yesterday = matter.updated_at = utcnow() - timedelta(days=1)  # as if saved yesterday
        matter_id, demo = matter.id, queue.get_site(session, "demo")
    with db.read() as session:
        versions = (matters.version(session, queue.get_site(session, "demo")), matters.version(session, branch))
    with db.write() as session:
        matters.save(session, None, matter_id, form(title_en="Test: resident parking permit",
                                                    sites=["demo", "test-branch"], service_code=""))
    with db.read() as session:
        saved = session.get(Matter, matter_id)
        assert saved.updated_at > yesterday and saved.title_en == "Test: resident parking permit"
        assert saved.key == "test-versions"  # a key stays: the form of a saved matter has none
        assert matters.version(session, queue.get_site(session, "demo")) != versions[0]
        assert matters.version(session, session.get(Site, branch.id)) != versions[1]
        assert [s.slug for s in matters.sites_of(session, saved)] == ["demo", "test-branch"]
    with db.write() as session:  # taken away from the branch: the branch's version moves too
        matters.save(session, None, matter_id, form(sites=["demo"]))
    with db.read() as session:
        assert session.get(Matter, matter_id) not in matters.for_site(session, session.get(Site, branch.id))
        events = [json.loads(e.data) for e in session.exec(select(Event).where(Event.type == "config.changed"))]
        assert sum(e["site"] == "test-branch" for e in events) == 2 and demo.slug == "demo"


def test_a_text_given_back_as_the_form_showed_it_stays_byte_for_byte(db):
    """PTV's texts come with Windows line ends and double spaces; a browser sends them back as it
    showed them (line ends as CRLF). Saved without a change, they must stay as PTV gave them, or the
    next import would take them for staff's own edits."""
    steps = "Kirjaudu palveluun\r\nTäytä  hakemus \r\n"
    with db.write() as session:
        matter = Matter(key="test-ptv-bytes", title_fi="Koira vero  2027", steps_fi=steps, ptv_id="ptv-bytes",
                        ptv_values=json.dumps({"title_fi": "Koira vero  2027", "steps_fi": steps}))
        session.add(matter)
        session.flush()
        matter_id = matter.id
    with db.write() as session:
        matters.save(session, None, matter_id, {"title_fi": "Koira vero  2027", "steps_fi": steps, "active": "on",
                                                "sites": ["demo"], "answer_sv": "Betala hundskatten."})
    with db.read() as session:
        saved = session.get(Matter, matter_id)
        assert (saved.title_fi, saved.steps_fi, saved.answer_sv) == ("Koira vero  2027", steps, "Betala hundskatten.")
        row = session.exec(select(AuditLog).where(AuditLog.target == f"matter:{matter_id}")).one()
        assert row.detail == "test-ptv-bytes: answer_sv, sites"


def test_editing_an_imported_matter_keeps_what_ptv_gave(db):
    given = json.dumps({"title_fi": "Asukaspysäköintitunnus", "eservice_url_fi": "https://ptv.example.fi/x"})
    with db.write() as session:
        matter = Matter(key="test-ptv", title_fi="Asukaspysäköintitunnus", ptv_id="0f3c-test", ptv_values=given,
                        eservice_url_fi="https://ptv.example.fi/x")
        session.add(matter)
        session.flush()
        matters.set_sites(session, matter, [queue.get_site(session, "demo")])
        matter_id = matter.id
    with db.write() as session:
        matters.save(session, None, matter_id, form(title_fi="Asukaspysäköintitunnus (muokattu)"))
    with db.read() as session:
        saved = session.get(Matter, matter_id)
        assert (saved.title_fi, saved.ptv_id, saved.ptv_values) == ("Asukaspysäköintitunnus (muokattu)", "0f3c-test",
                                                                    given)


def test_the_catalogue_filters_by_site_and_by_words_in_any_language(db):
    with db.write() as session:
        branch = second_site(session)
        matters.save(session, None, None, form(key="test-only-demo", title_fi="Testi: Äitiysavustus"))
        matters.save(session, None, None, form(key="test-both", title_fi="Testi: Kirjastokortti", service_code="",
                                               keywords_sv="lånekort", sites=["demo", branch.slug]))
        matters.save(session, None, None, form(key="test-inactive", title_fi="Testi: Vanha", active="",
                                               service_code="", sites=[branch.slug]))
    with db.read() as session:
        branch = session.get(Site, branch.id)
        assert [m.key for m in matters.catalogue(session, branch)] == ["test-both", "test-inactive"]
        assert [m.key for m in matters.catalogue(session, None, "ÄITIYS")] == ["test-only-demo"]
        assert [m.key for m in matters.catalogue(session, None, "LÅNEKORT testi")] == ["test-both"]
        assert matters.catalogue(session, branch, "äitiys") == []


def test_a_language_without_its_texts_is_flagged_for_the_sites_that_use_it():
    assert matters.missing_languages({"title_fi": "Asia", "title_sv": "Ärende", "answer_fi": "Vastaus"}) == ["sv", "en"]
    assert matters.missing_languages({"title_fi": "Asia", "title_sv": "Ärende", "title_en": "Matter"}) == []
    assert matters.missing_languages({"title_fi": "Asia", "title_sv": "Ärende"}, ("fi", "sv")) == []
    site = Site(slug="x", name="X", languages="fi")
    assert matters.visitor_languages([site]) == ("fi",) and matters.visitor_languages([]) == ("fi", "sv", "en")


def test_the_words_of_searches_that_found_nothing_are_cleared_after_the_retention_period(db):
    with db.write() as session:
        site = queue.get_site(session, "demo")
        old = matters.record(session, site, "not-found", "kiosk", "fi", query="Koiravero", now=NOW - timedelta(days=91))
        edge = matters.record(session, site, "not-found", "phone", "sv", query="hundskatt", now=NOW - timedelta(days=89))
        opened = matters.record(session, site, "opened", "kiosk", "fi", now=NOW - timedelta(days=200))
        session.flush()
        ids = (old.id, edge.id, opened.id)
    assert housekeeping.forget_search_words(db, 90, NOW) == 1
    assert housekeeping.forget_search_words(db, 90, NOW) == 0  # nothing left to clear
    with db.read() as session:
        rows = {e.id: e for e in session.exec(select(GuideEvent).where(GuideEvent.id.in_(ids)))}
        assert (rows[ids[0]].query, rows[ids[0]].kind) == (None, "not-found")  # the count stays
        assert rows[ids[1]].query == "hundskatt" and rows[ids[2]].kind == "opened"
    assert housekeeping.forget_search_words(db, 0, NOW) == 1
