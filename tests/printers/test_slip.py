"""The slip for doing a matter oneself (printers/slip.py): asked for at the kiosk's guide, queued for the
kiosk's printer, printed through the test printer on 127.0.0.1 in the visitor's language; nothing queued
when the printer is down, nothing printed late."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from printers import jobs, slip
from printers.slip import StepsLabels, StepsSlip, qr_url, render_slip, render_slip_preview, shown_url, url_lines
from printers.ticket import PREVIEW_COLUMNS
from printers.worker import send_due_jobs
from server.errors import Conflict, Invalid, NotFound
from server.models import Device, Matter, MatterSite, Printer, PrintJob, Site, utcnow
from tests.printers.escpos_reader import WPC1252, Printed, read_escpos
from tests.printers.fake_printer import FakePrinter

PUBLIC_URL = "https://jono.example.fi"
COLUMNS = 42  # font A on the TM-T88V
# A matter as the catalogue holds it: its texts in fi/sv/en, with the letters a code page must get right.
PARKING = dict(
    key="slip-test-parking",
    title_fi="Asukaspysäköintitunnus", title_sv="Boendeparkeringstillstånd", title_en="Residential parking permit",
    answer_fi="Haet tunnuksen verkossa.", answer_sv="Du ansöker om tillståndet på nätet.",
    answer_en="You apply for the permit online.",
    bring_fi="Ajoneuvon rekisterinumero\nVerkkopankkitunnukset", bring_sv="Fordonets registernummer\nBankkoder",
    bring_en="The vehicle's registration number\nOnline banking codes",
    steps_fi="Avaa palvelu ja tunnistaudu.\nTäytä hakemus ja lähetä se.\nMaksa tunnus; päätös tulee sähköpostiin.",
    steps_sv="Öppna tjänsten och identifiera dig.\nFyll i ansökan och skicka den.\nBetala; beslutet kommer per e-post.",
    steps_en="Open the service and sign in.\nFill in the application and send it.\nPay; the decision comes by email.",
    eservice_url_fi="https://asiointi.example.fi/pysäköinti", eservice_url_sv="https://asiointi.example.fi/sv/parkering",
    eservice_url_en="https://asiointi.example.fi/en/parking",
    service_code="payments",
)
# What each language's slip says besides the matter's own texts (translations-slip.json).
HEADINGS = {"fi": ("Hoida itse", "Näin hoidat asian:", "Pidä valmiina:", "Puhelin 09 310 12345"),
            "sv": ("Sköt det själv", "Så här gör du:", "Ha till hands:", "Telefon 09 310 12345"),
            "en": ("Do it yourself", "How to do it:", "What to have at hand:", "Phone 09 310 12345")}
SITE_NAMES = {"fi": "Kaupungintalon asiakaspalvelu", "sv": "Stadshusets kundtjänst", "en": "City Hall customer service"}

BUSY_SLIP = StepsSlip(
    site_name="Hämeenlinnan kaupungintalo",
    title="Rakennuslupa: pientalon lisärakentaminen ja käyttötarkoituksen muutos",
    eservice_url="https://www.lupapiste.fi/hakemus/uusi?kunta=109&toimenpide=pientalon-laajennus"
                 "&asiointikieli=fi&palautusosoite=https%3A%2F%2Fwww.hameenlinna.fi%2Frakentaminen%2Fluvat",
    bring=("Rakennuspiirustukset PDF-tiedostoina", "Naapurien kuuleminen, jos olet hoitanut sen itse"),
    steps=("Kirjaudu Lupapisteeseen pankkitunnuksilla tai mobiilivarmenteella ja valitse Uusi hakemus.",
           "Piirrä rakennuspaikka kartalle, liitä pääpiirustukset ja selvitys naapurien kuulemisesta.",
           "Jätä hakemus; rakennustarkastaja ottaa yhteyttä, jos jotain puuttuu."),
    site_address="Kaupungintalo\nRaatihuoneenkatu 9, 13100 Hämeenlinna",
    site_phone="03 621 2000",
    printed_on="6.12.2026",
    labels=StepsLabels.english(),
)


@pytest.fixture
def printer():
    with FakePrinter() as fake:
        yield fake


def demo(session) -> Site:
    return session.exec(select(Site).where(Site.slug == "demo")).one()


def add_matter(session, site: Site, **fields) -> Matter:
    matter = Matter(**{**PARKING, **fields})
    session.add(matter)
    session.flush()
    session.add(MatterSite(matter_id=matter.id, site_id=site.id))
    return matter


def point_demo_printer(db, connection: str) -> int:
    with db.write() as session:
        demo_printer = session.exec(select(Printer).where(Printer.name == "kiosk-1")).one()
        demo_printer.connection = connection
        session.add(demo_printer)
        return demo_printer.id


def ask_for_slip(db, matter_id: int, lang: str, **kwargs) -> str | None:
    with db.write() as session:
        site = demo(session)
        job = slip.print_slip(session, site, session.get(Matter, matter_id), lang, **kwargs)
        return job.id if job else None


def job_states(db) -> list[str]:
    with db.read() as session:
        return [job.state for job in session.exec(select(PrintJob).order_by(PrintJob.created_at))]


def text_lines(printed: Printed) -> list[str]:
    return printed.text.split("\n")


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_a_slip_prints_through_the_kiosks_printer_in_the_visitors_language(db, printer, lang):
    printer_id = point_demo_printer(db, f"tcp://{printer.host}:{printer.port}")
    with db.write() as session:
        matter_id = add_matter(session, demo(session)).id
    assert ask_for_slip(db, matter_id, lang, device="kiosk-1") is not None

    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 1

    [paper] = printer.printed_tickets()
    printed = read_escpos(paper)
    text = printed.text
    with db.read() as session:
        matter = session.get(Matter, matter_id)
        for line in (matter.text("title", lang), *matter.lines("bring", lang), SITE_NAMES[lang], *HEADINGS[lang]):
            assert line in text, (lang, line)
        flowing = " ".join(text.split())  # a step wraps on paper
        for number, step in enumerate(matter.lines("steps", lang), start=1):
            assert f"{number}. {step}" in flowing, (lang, step)
        address = matter.text("eservice_url", lang)
    # The address typed by hand (without https://, which browsers add) and in the QR code for the phone.
    assert shown_url(address) in text
    assert printed.qr_payloads == [qr_url(address)]
    assert "Keskuskatu 1" in text and "00100 Kaupunki" in text
    assert printed.code_pages_selected() and set(printed.code_pages_selected()) == {WPC1252}
    assert printed.commands[-1][:2] == b"\x1dV"  # the cut
    assert job_states(db) == ["printed"]
    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 0  # never twice


def test_the_letters_of_finnish_and_swedish_are_themselves_on_paper(db, printer):
    printer_id = point_demo_printer(db, f"tcp://{printer.host}:{printer.port}")
    with db.write() as session:
        matter_id = add_matter(session, demo(session), title_sv="Åtgärd för ärende: ÄÖÅ äöå é ü").id
    ask_for_slip(db, matter_id, "sv")
    send_due_jobs(db, printer_id, PUBLIC_URL)

    [paper] = printer.printed_tickets()
    assert "Åtgärd för ärende: ÄÖÅ äöå é ü" in read_escpos(paper).text
    assert "Åtgärd".encode("cp1252") in paper  # one byte a letter, the page's own


def test_the_date_is_the_sites_day_not_utcs(db, printer):
    printer_id = point_demo_printer(db, f"tcp://{printer.host}:{printer.port}")
    with db.write() as session:
        matter_id = add_matter(session, demo(session)).id
    # 23.30 UTC on the 5th is already the 6th in Helsinki; the job is fresh, so it is printed.
    asked = datetime(2026, 12, 5, 23, 30, tzinfo=timezone.utc)
    ask_for_slip(db, matter_id, "fi", now=asked)
    with db.write() as session:
        job = session.exec(select(PrintJob)).one()
        assert slip.steps_slip(session, job).printed_on == "6.12.2026"


def test_a_printer_that_is_down_or_missing_gets_no_slip(db):
    with db.write() as session:
        site = demo(session)
        matter = add_matter(session, site)
        demo_printer = session.exec(select(Printer).where(Printer.name == "kiosk-1")).one()
        for condition in jobs.DOWN:
            demo_printer.condition = condition
            session.add(demo_printer)
            assert slip.print_slip(session, site, matter, "fi") is None, condition
        demo_printer.condition = "paper_near_end"  # still prints
        session.add(demo_printer)
        assert slip.print_slip(session, site, matter, "fi") is not None
        session.add(Device(site_id=site.id, kind="kiosk", name="lobby"))  # a kiosk without a printer
        session.flush()
        assert slip.print_slip(session, site, matter, "fi", device="lobby") is None
    assert job_states(db) == ["queued"]


def test_only_the_sites_own_matters_with_an_e_service_print(db):
    with db.write() as session:
        site = demo(session)
        other = Site(slug="branch", name="Sivupiste")
        session.add(other)
        session.flush()
        elsewhere = add_matter(session, other, key="slip-elsewhere")
        inactive = add_matter(session, site, key="slip-inactive", active=False)
        no_eservice = add_matter(session, site, key="slip-none", eservice_url_fi="", eservice_url_sv="",
                                 eservice_url_en="")
        ours = add_matter(session, site, key="slip-ours")
        for matter in (elsewhere, inactive):
            with pytest.raises(NotFound):
                slip.print_slip(session, site, matter, "fi")
        with pytest.raises(Conflict):
            slip.print_slip(session, site, no_eservice, "sv")
        with pytest.raises(Invalid):
            slip.print_slip(session, site, ours, "de")
        with pytest.raises(NotFound):
            slip.print_slip(session, site, ours, "fi", device="no-such-kiosk")
    assert job_states(db) == []


def test_a_slip_not_printed_within_a_minute_is_never_printed(db, printer):
    printer_id = point_demo_printer(db, f"tcp://{printer.host}:{printer.port}")
    with db.write() as session:
        matter_id = add_matter(session, demo(session)).id
    ask_for_slip(db, matter_id, "fi", now=utcnow() - timedelta(seconds=jobs.SLIP_FRESH_S + 5))

    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 0
    assert printer.printed_tickets() == []
    with db.read() as session:
        job = session.exec(select(PrintJob)).one()
        assert job.state == "failed" and "asked for at the kiosk" in job.error


def test_the_kiosk_can_follow_its_slip_to_paper(db, printer):
    printer_id = point_demo_printer(db, f"tcp://{printer.host}:{printer.port}")
    with db.write() as session:
        matter_id = add_matter(session, demo(session)).id
    job_id = ask_for_slip(db, matter_id, "en")
    with db.read() as session:
        assert slip.slip_state(session, demo(session), job_id, wait_s=6) == "printing"
        assert slip.slip_state(session, demo(session), job_id, wait_s=6,
                               now=utcnow() + timedelta(seconds=7)) == "not_printed"
    send_due_jobs(db, printer_id, PUBLIC_URL)
    with db.write() as session:
        assert slip.slip_state(session, demo(session), job_id, wait_s=6) == "printed"
        other = Site(slug="branch", name="Sivupiste")
        session.add(other)
        session.flush()
        for site, job in ((other, job_id), (demo(session), "0" * 32)):
            with pytest.raises(NotFound):
                slip.slip_state(session, site, job, wait_s=6)


def test_a_printer_out_of_paper_after_the_slip_was_asked_for_retries_it(db, printer):
    printer_id = point_demo_printer(db, f"tcp://{printer.host}:{printer.port}")
    with db.write() as session:
        matter_id = add_matter(session, demo(session)).id
    job_id = ask_for_slip(db, matter_id, "fi")
    printer.paper_out = True
    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 0
    with db.read() as session:
        assert slip.slip_state(session, demo(session), job_id, wait_s=6) == "not_printed"  # the kiosk says so
    printer.paper_out = False
    with db.write() as session:
        jobs.release(session, printer_id, utcnow())
    assert send_due_jobs(db, printer_id, PUBLIC_URL) == 1  # still fresh: the visitor may be there


# --- the layout ----------------------------------------------------------------------------------

def test_a_long_address_and_long_steps_wrap_within_the_paper():
    printed = read_escpos(render_slip(BUSY_SLIP))
    lines = text_lines(printed)
    assert max(len(line) for line in lines) <= COLUMNS
    # Every character of the address is there, in order, on lines of their own.
    start = lines.index("The e-service's address:") + 1
    shown = shown_url(BUSY_SLIP.eservice_url)
    typed = ""
    for line in lines[start:]:
        if len(typed) == len(shown):
            break
        typed += line
    assert typed == shown
    # A step that wraps goes on under its own first letter, not under its number.
    first_step = lines.index(next(line for line in lines if line.startswith("1. ")))
    assert lines[first_step + 1].startswith("   ") and lines[first_step + 1][3] != " "
    assert any(line.startswith("3. Jätä hakemus;") for line in lines)


def test_a_long_address_gets_smaller_qr_modules_that_fit_the_paper():
    long_url = "https://asiointi.example.fi/" + "hakemus/" * 55  # ~470 characters
    native = read_escpos(render_slip(replace(BUSY_SLIP, eservice_url=long_url)))
    [size] = [c[7] for c in native.commands if c[:3] == b"\x1d(k" and c[5:7] == b"1C"]
    assert size < 6  # the ticket's 6-dot modules would run off 80 mm paper
    short = read_escpos(render_slip(replace(BUSY_SLIP, eservice_url="https://example.fi/a")))
    assert [c[7] for c in short.commands if c[:3] == b"\x1d(k" and c[5:7] == b"1C"] == [6]
    raster = read_escpos(render_slip(replace(BUSY_SLIP, eservice_url=long_url), native_qr=False))
    [image] = raster.rasters
    left, _top, right, _bottom = image.black_box()
    assert right <= 512 and left > 0


def test_a_printer_without_qr_codes_prints_the_address_once():
    printed = read_escpos(render_slip(BUSY_SLIP, profile="TM-U220"), {0: "cp437", 16: "cp1252", 19: "cp858",
                                                                        2: "cp850"})
    assert printed.qr_payloads == [] and printed.rasters == []
    assert printed.text.count("www.lupapiste.fi/") == 1
    assert "Scan the code" not in printed.text


def test_numbers_and_bullets_typed_into_the_catalogue_are_not_doubled():
    typed = replace(BUSY_SLIP, steps=("1. Avaa palvelu.", "2) Täytä hakemus."), bring=("- Henkilöllisyystodistus",))
    text = read_escpos(render_slip(typed)).text
    assert "1. Avaa palvelu." in text and "2. Täytä hakemus." in text and "1. 1." not in text
    assert "- Henkilöllisyystodistus" in text and "- - " not in text


def test_a_slip_without_lists_prints_no_empty_headings():
    text = read_escpos(render_slip(replace(BUSY_SLIP, bring=(), steps=()))).text
    assert "What to have at hand" not in text and "How to do it" not in text


def test_an_address_with_finnish_letters_goes_into_the_qr_code_as_a_browser_sends_it():
    assert qr_url("https://www.hämeenlinna.fi/lupa/pysäköinti?tapa=sähköinen") == \
        "https://www.xn--hmeenlinna-q5a.fi/lupa/pys%C3%A4k%C3%B6inti?tapa=s%C3%A4hk%C3%B6inen"
    assert qr_url("https://example.fi/a%20b?x=1&y=2#top") == "https://example.fi/a%20b?x=1&y=2#top"


def test_an_address_breaks_after_its_slashes_and_never_loses_a_character():
    url = "asiointi.example.fi/lomakkeet/asukaspysakointi/uusi-hakemus?kieli=fi"
    lines = url_lines(url, 30)
    assert "".join(lines) == url and all(len(line) <= 30 for line in lines)
    assert lines[0] == "asiointi.example.fi/lomakkeet/"
    assert url_lines("x" * 70, 30) == ["x" * 30, "x" * 30, "x" * 10]
    assert url_lines("x" * 28 + "%2Fy", 30) == ["x" * 28, "%2Fy"]


def test_the_preview_shows_what_the_slip_shows():
    preview = render_slip_preview(BUSY_SLIP)
    lines = preview.splitlines()
    assert BUSY_SLIP.eservice_url in lines  # whole, to be copied
    assert all(len(line) <= PREVIEW_COLUMNS for line in lines if line != BUSY_SLIP.eservice_url)
    assert lines[lines.index("1. Kirjaudu Lupapisteeseen") + 1] == "   pankkitunnuksilla tai"
    assert lines[-1].strip() == "6.12.2026"
