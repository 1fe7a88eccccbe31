"""The administration's core on SQLite and PostgreSQL: validation beside each field, unique codes and
letters, appointment hours within opening hours, counters, default work profiles, the audit row and
the event of every change, and the whole configuration as one file (round trip, a bad file)."""

import json
from datetime import time

import pytest
import sqlalchemy as sa
from sqlmodel import select

from server import config, config_file, counters, queue
from server.db import Database
from server.errors import Conflict
from server.migrate import upgrade
from server.models import AuditLog, Counter, Event, Printer, Service, Site, StaffUser
from tests.conftest import _pg_available, postgres_database

SITE_FORM = {"name": "Pääkirjasto", "address": "Kirjastokatu 1\n00100 Kaupunki", "phone": "09 310 85000",
             "timezone": "Europe/Helsinki",
             "languages": ["fi", "sv"], "brand_colour": "#00558C", "display_notice_fi": "Tervetuloa"}
SERVICE_FORM = {"code": "passports", "prefix": "p", "name_fi": "Passit", "name_sv": "Pass", "name_en": "Passports",
                "tier": "generalist", "target_wait_min": "10", "service_min": "8", "number_start": "1",
                "number_end": "500", "active": "on", "appointment_seats": "1", "slot_min": "15",
                "appointments-mon": "09:00-12:00"}


def admin_id(db) -> int:
    with db.read() as session:
        return session.exec(select(StaffUser).where(StaffUser.username == "admin")).one().id


def field_errors(db, fn, *args) -> dict[str, str]:
    with pytest.raises(config.FieldErrors) as caught:
        with db.write() as session:
            fn(session, admin_id(db), *args)
    return {field: message % params for field, (message, params) in caught.value.errors.items()}


def demo(session) -> Site:
    return queue.get_site(session, "demo")


def test_a_new_site_is_checked_field_by_field_and_nothing_is_written(db):
    errors = field_errors(db, config.create_site, "Main Office!", {
        "name": "", "timezone": "Europe/Helsinky", "languages": ["de"], "brand_colour": "blue",
        "display_notice_fi": "x" * 301, "phone": "call us"})
    assert errors == {
        "slug": "1–40 small letters a–z, digits and hyphens, e.g. main-office.",
        "name": "This is needed.",
        "timezone": "Not a time zone; write it like Europe/Helsinki.",
        "languages": "Choose one or more of Finnish, Swedish and English.",
        "brand_colour": "Write the colour as #rrggbb, e.g. #00558c, or leave it empty.",
        "display_notice_fi": "At most 300 characters (now 301).",
        "phone": "Write the phone number as 09 310 12345 or +358 9 310 12345, or leave it empty.",
    }
    assert field_errors(db, config.create_site, "demo", SITE_FORM) == {
        "slug": "Another service point has this short name."}
    with db.read() as session:
        assert len(queue.all_sites(session)) == 1


def test_a_site_is_created_and_changed_with_an_audit_row_and_an_event(db):
    uid = admin_id(db)
    with db.write() as session:
        site = config.create_site(session, uid, "library", SITE_FORM)
    with db.write() as session:
        site = queue.get_site(session, "library")
        config.update_site(session, uid, site, {**SITE_FORM, "name": "Pääkirjaston palvelupiste"})
    with db.read() as session:
        site = queue.get_site(session, "library")
        assert (site.name, site.address, site.phone, site.languages, site.brand_colour) == (
            "Pääkirjaston palvelupiste", "Kirjastokatu 1\n00100 Kaupunki", "09 310 85000", "fi,sv", "#00558c")
        assert site.phone_uri() == "tel:0931085000"
        rows = session.exec(select(AuditLog).where(AuditLog.target == f"site:{site.id}").order_by(AuditLog.id)).all()
        assert [(r.action, r.staff_user_id, r.detail) for r in rows] == [
            ("config.site.create", uid, ""), ("config.site.update", uid, "name")]
        events = session.exec(select(Event).where(Event.site_id == site.id).order_by(Event.seq)).all()
        assert [(e.type, json.loads(e.data)["what"]) for e in events] == [
            ("config.changed", f"site:{site.id}"), ("config.changed", f"site:{site.id}")]


def test_codes_and_letters_are_unique_within_a_site_with_clear_messages(db):
    uid = admin_id(db)
    errors = field_errors(db, lambda s, u: config.save_service(s, u, demo(s), None, {
        **SERVICE_FORM, "code": "housing", "prefix": "B"}))
    assert errors == {"code": "Another service of this site has the code “housing”.",
                      "prefix": "The service “housing” already has the letter B."}
    errors = field_errors(db, lambda s, u: config.save_service(s, u, demo(s), None, {
        **SERVICE_FORM, "prefix": "1", "name_sv": "", "tier": "boss", "number_start": "600",
        "target_wait_min": "soon", "appointments-tue": "12-09"}))
    assert errors == {"prefix": "One capital letter, A–Z, Å, Ä or Ö.", "name_sv": "This is needed.",
                      "tier": "Generalist or expert.", "number_end": "The last number must be greater than the first.",
                      "target_wait_min": "A whole number from 1 to 480.",
                      "appointments-tue": "Write the hours like 08:00-16:15, the closing after the opening."}
    with db.write() as session:
        service = config.save_service(session, uid, demo(session), None, SERVICE_FORM)
        assert (service.code, service.prefix, service.number_end, service.active) == ("passports", "P", 500, True)
    with db.write() as session:  # the same letter on another site is fine
        other = config.create_site(session, uid, "library", SITE_FORM)
        assert config.save_service(session, uid, other, None, SERVICE_FORM).prefix == "P"


def test_appointment_hours_stay_within_the_opening_hours(db):
    uid = admin_id(db)
    with db.write() as session:
        config.set_opening_hours(session, uid, demo(session), {
            f"hours-{day}": "08:00-16:00" for day in ("mon", "tue", "wed", "thu", "fri")})
        config.save_service(session, uid, demo(session), None, SERVICE_FORM)
    errors = field_errors(db, lambda s, u: config.save_service(s, u, demo(s), "passports", {
        **SERVICE_FORM, "appointments-mon": "07:00-12:00", "appointments-sat": "10:00-12:00"}))
    assert errors == {"appointments-mon": "Appointments must be within the opening hours of the day.",
                      "appointments-sat": "Appointments must be within the opening hours of the day."}
    # Nor may the opening hours shrink under a service's appointment hours (the demo's advice: 9–15).
    errors = field_errors(db, lambda s, u: config.set_opening_hours(
        s, u, demo(s), {"hours-mon": "10:00-16:00", "hours-tue": "08:00-16:00"}))
    assert set(errors) == {"hours-mon", "hours-wed", "hours-thu", "hours-fri"}
    with db.read() as session:
        site = demo(session)
        assert config.weekly_hours(session, site)[0] == (time(8), time(16))
        service = config.get_service(session, site, "passports")
        assert config.appointment_hours(session, service) == {0: (time(9), time(12))}


def test_exceptions_take_a_date_and_hours_or_closed(db):
    uid = admin_id(db)
    assert field_errors(db, lambda s, u: config.set_exception(s, u, demo(s), "24.12.2026", "9-12")) == {
        "day": "Write the date like 2026-12-24.",
        "span": "Write the hours like 08:00-16:15, the closing after the opening."}
    with db.write() as session:
        config.set_exception(session, uid, demo(session), "2026-12-24", "")
        config.set_exception(session, uid, demo(session), "2026-12-31", "10:00-14:00")
    with db.read() as session:
        assert [(str(e.day), config.span_text(e.opens, e.closes)) for e in config.exceptions(session, demo(session))] \
            == [("2026-12-24", ""), ("2026-12-31", "10:00-14:00")]


def test_counters_are_added_renamed_and_removed_only_when_never_used(db):
    uid = admin_id(db)
    with db.write() as session:
        counter = config.add_counter(session, uid, demo(session), "7")
        number_one = session.exec(select(Counter).where(Counter.number == "1")).one()
    assert field_errors(db, lambda s, u: config.add_counter(s, u, demo(s), "2")) == {
        "number": "There is already a counter 2."}
    assert field_errors(db, lambda s, u: config.rename_counter(s, u, demo(s), counter.id, "seven!")) == {
        "number": "1–10 letters or digits, e.g. 3 or 12."}
    with db.write() as session:
        assert config.rename_counter(session, uid, demo(session), counter.id, "8").number == "8"
    clerk = admin_id(db)
    with db.write() as session:  # counter 1 has been open: it is part of the history now
        counters.open_counter(session, number_one.id, clerk, ["advice"])
        counters.close_counter(session, number_one.id, clerk)
    with pytest.raises(Conflict):
        with db.write() as session:
            config.remove_counter(session, uid, demo(session), number_one.id)
    with db.write() as session:
        config.remove_counter(session, uid, demo(session), counter.id)
    with db.read() as session:
        assert [c.number for c in config.counters(session, demo(session))] == ["1", "2", "3", "4", "5", "6"]


def test_a_default_work_profile_keeps_services_weights_and_order(db):
    uid = admin_id(db)
    with db.write() as session:
        counter = config.counters(session, demo(session))[2]
        config.set_default_profile(session, uid, demo(session), counter.id, {"housing": 3, "advice": 1})
    assert field_errors(db, lambda s, u: config.set_default_profile(s, u, demo(s), counter.id, {"advice": 11})) == {
        "weight-advice": "A weight must be a whole number from 1 to 10."}
    with db.read() as session:
        codes = {s.id: s.code for s in config.services(session, demo(session))}
        profile = config.default_profile(session, counter)
        assert [(codes[sid], weight) for sid, weight in profile.items()] == [("housing", 3), ("advice", 1)]
        assert session.exec(select(AuditLog).where(AuditLog.action == "config.counter.profile")).one().detail \
            == "housing:3, advice:1"


# --- the configuration file ---------------------------------------------------------------------


def configured(db) -> None:
    """The demo with something of everything the file carries."""
    uid = admin_id(db)
    with db.write() as session:
        site = demo(session)
        config.update_site(session, uid, site, {**SITE_FORM, "name": site.name, "ticket_footer_sv": "Välkommen"})
        config.set_opening_hours(session, uid, site, {f"hours-{d}": "08:00-16:00" for d in config.WEEKDAYS[:5]})
        config.set_exception(session, uid, site, "2026-12-24", "closed")
        config.save_service(session, uid, site, None, SERVICE_FORM)
        config.set_default_profile(session, uid, site, config.counters(session, site)[0].id,
                                   {"passports": 2, "advice": 1})


def test_the_file_goes_from_one_database_to_an_empty_one_and_back_unchanged(db, tmp_path):
    configured(db)
    with db.read() as session:
        first = config_file.dumps(config_file.export_config(session))
    data = json.loads(first)
    assert "password" not in first and "admin" not in first  # no staff in it
    assert data["sites"][0]["exceptions"] == {"2026-12-24": "closed"}
    assert data["sites"][0]["phone"] == "09 310 85000"  # what the booking pages tell citizens to call
    targets = [f"sqlite:///{tmp_path / 'empty.db'}"]
    with (postgres_database() if not _pg_available() else _nothing()) as pg:
        if pg:
            targets.append(pg)  # SQLite (or PostgreSQL) to PostgreSQL too
        for url in targets:
            upgrade(url)
            empty = Database(url)
            try:
                for _ in range(2):  # a second import of the same file changes nothing
                    with empty.write() as session:
                        counts = config_file.import_config(session, None, config_file.loads(first))
                    with empty.read() as session:
                        assert config_file.dumps(config_file.export_config(session)) == first
                assert counts == {"sites": 1, "services": 7, "counters": 6, "printers": 1, "departments": 4}
            finally:
                empty.dispose()


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def test_an_import_updates_by_natural_keys_and_letters_may_swap(db):
    with db.read() as session:
        data = config_file.export_config(session)
    services = {s["code"]: s for s in data["sites"][0]["services"]}
    services["advice"]["prefix"], services["housing"]["prefix"] = "B", "A"
    services["advice"]["name_en"] = "Advice"
    data["sites"][0]["counters"].append({"number": "7", "default_services": [{"service": "housing", "weight": 2}]})
    with db.write() as session:
        config_file.import_config(session, admin_id(db), data)
    with db.read() as session:
        site = demo(session)
        by_code = {s.code: s for s in config.services(session, site)}
        assert (by_code["advice"].prefix, by_code["housing"].prefix, by_code["advice"].name_en) == ("B", "A", "Advice")
        assert len(config.services(session, site)) == 6 and len(config.counters(session, site)) == 7
        assert session.exec(select(AuditLog).where(AuditLog.action == "config.import")).one().target == f"site:{site.id}"


def test_a_bad_file_changes_nothing_and_says_what_is_wrong(db):
    with db.read() as session:
        data = config_file.export_config(session)
        before = config_file.dumps(data)
        seq = demo(session).last_event_seq
    data["sites"][0]["name"] = "Uusi nimi"  # a good change in the same file is not written either
    services = data["sites"][0]["services"]
    services[0]["prefix"] = services[1]["prefix"]
    services[2]["appointment_hours"] = {"mon": "9-25"}
    data["sites"][0]["counters"][0]["default_services"] = [{"service": "nothing", "weight": 1}]
    data["sites"][0]["timezone"] = "Mars/Olympus"
    data["departments"][0]["name_sv"] = ""
    with pytest.raises(config_file.ImportInvalid) as caught:
        with db.write() as session:
            config_file.import_config(session, None, data)
    problems = [(where, message % params) for where, message, params in caught.value.problems]
    assert problems == [
        ("sites[demo].timezone", "Not a time zone; write it like Europe/Helsinki."),
        (f"sites[demo].services[{services[1]['code']}].prefix",
         f"The service “{services[0]['code']}” already has the letter {services[1]['prefix']}."),
        (f"sites[demo].services[{services[2]['code']}].appointments-mon",
         "Write the hours like 08:00-16:15, the closing after the opening."),
        ("sites[demo].counters[1].default_services", "There is no service “nothing”."),
        ("departments[building-control]",
         "A department needs a code (40 characters) and its names in Finnish, Swedish and English."),
    ]
    with db.read() as session:
        assert config_file.dumps(config_file.export_config(session)) == before
        assert demo(session).last_event_seq == seq
    for text in ("not json", json.dumps({"format": "something"}), json.dumps({"format": "luukku-config", "version": 9})):
        with pytest.raises(config_file.ImportInvalid):
            config_file.loads(text)


def test_an_import_may_not_close_the_hours_under_a_service_it_leaves_alone(db):
    with db.read() as session:
        data = config_file.export_config(session)
    site = data["sites"][0]
    site["services"] = [s for s in site["services"] if s["code"] != "housing"]  # housing: Mon–Fri 9–15
    site["opening_hours"] = {day: "08:00-16:00" for day in ("mon", "tue", "wed", "thu")}
    for service in site["services"]:
        service["appointment_hours"] = {day: span for day, span in service["appointment_hours"].items() if day != "fri"}
    with pytest.raises(config_file.ImportInvalid) as caught:
        with db.write() as session:
            config_file.import_config(session, None, data)
    assert [(where, message % params) for where, message, params in caught.value.problems] == [
        ("sites[demo].opening_hours.fri",
         "The service “housing” takes appointments outside these hours; change them first.")]


def test_an_admin_decides_who_may_join_a_queue_from_a_phone(db):
    uid = admin_id(db)
    with db.write() as session:
        service = config.save_service(session, uid, demo(session), None, {
            **SERVICE_FORM, "remote_join": "on", "remote_from_min": "30", "remote_until_min": "90",
            "remote_max_waiting": "15"})
        assert (service.remote_join, service.remote_from_min, service.remote_until_min,
                service.remote_max_waiting) == (True, 30, 90, 15)
    errors = field_errors(db, lambda s, u: config.save_service(s, u, demo(s), "passports", {
        **SERVICE_FORM, "remote_from_min": "-5", "remote_max_waiting": "lots"}))
    assert errors == {"remote_from_min": "A whole number from 0 to 720.",
                      "remote_max_waiting": "A whole number from 0 to 1000."}
    with db.write() as session:  # unticked: no remote tickets any more, the numbers kept
        service = config.save_service(session, uid, demo(session), "passports", {**SERVICE_FORM, "remote_from_min": "30"})
        assert (service.remote_join, service.remote_from_min) == (False, 30)
