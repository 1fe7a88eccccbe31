"""The citizen's booking pages over real HTTP: choosing a time, the form, the booking's signed page,
its calendar file across the daylight-saving changes, cancelling, moving, and bad input of every
kind refused with words (never a 500)."""

import hashlib
import re
from datetime import date, datetime, time, timedelta, timezone
from html import unescape
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from sqlmodel import select

from kiosk.booking import booking_link, day_label, booking_token, ics_bytes, requester_of
from server.db import Database
from server.models import Appointment
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database

HELSINKI = ZoneInfo("Europe/Helsinki")
# The booking pages' own texts are checked in English, their source language, so that the tests
# hold when the Finnish and Swedish translations arrive.
ENGLISH = {"Accept-Language": "en"}
TIME_BUTTON = re.compile(r'<button type="submit" name="starts_at" value="([^"]+)">\s*([^<]+?)\s*</button>')
CODE = re.compile(r'<p class="code" id="booking-code">([A-Z0-9]{8})</p>')


@pytest.fixture
def web(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        yield client


@pytest.fixture
def roomy_server(tmp_path):
    """A live server whose per-address limit does not count: every test client is 127.0.0.1."""
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'roomy.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, booking_limit_per_address=1000), port) as server:
        yield server


def weekday_ahead(days: int) -> date:
    """The first Monday-to-Friday day at least ``days`` ahead in Helsinki (the demo books Mon–Fri)."""
    day = datetime.now(HELSINKI).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def helsinki(day: date, hh: int, mm: int = 0) -> datetime:
    """A wall-clock time in Helsinki (minutes may run past the hour), in UTC."""
    return (datetime.combine(day, time(hh), tzinfo=HELSINKI) + timedelta(minutes=mm)).astimezone(timezone.utc)


def free_times(client: httpx.Client, path: str, day: date | None = None, **params) -> dict[str, str]:
    """The time buttons of a slot page: {label: value}."""
    page = client.get(path, params={**({"day": day.isoformat()} if day else {}), **params})
    assert page.status_code == 200, page.text
    return {label: unescape(value) for value, label in TIME_BUTTON.findall(page.text)}


def hold(client: httpx.Client, starts_at: datetime, service: str = "advice", **params) -> str:
    """Chooses a time; the address of the booking's form."""
    response = client.post(f"/b/demo/{service}", data={"starts_at": starts_at.isoformat()}, params=params)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def book(client: httpx.Client, starts_at: datetime, service: str = "advice", email: str = "maija@example.fi",
         lang: str = "fi", name: str = "Maija Meikäläinen") -> str:
    """Chooses a time and sends the form; the booking's own address."""
    form = hold(client, starts_at, service, lang=lang)
    sent = client.post(form, data={"name": name, "email": email, "phone": "", "message": "", "consent": "yes"},
                       params={"lang": lang})
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"].endswith("?done=booked")
    return sent.headers["location"].split("?")[0]


def appointments(server) -> list[Appointment]:
    database = Database(server.settings.database_url)
    try:
        with database.read() as session:
            return list(session.exec(select(Appointment).order_by(Appointment.id)))
    finally:
        database.dispose()


def expire_holds(server) -> None:
    """As if the citizen had typed for longer than the hold lasts."""
    database = Database(server.settings.database_url)
    try:
        with database.write() as session:
            for appointment in session.exec(select(Appointment).where(Appointment.status == "held")):
                appointment.hold_expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
                session.add(appointment)
    finally:
        database.dispose()


# --- the way through ---------------------------------------------------------------------------------


def test_a_citizen_goes_from_the_service_list_to_a_booking_code(web, live_server):
    services = web.get("/b/demo")
    assert services.status_code == 200
    assert '<a class="booking-choice" href="/b/demo/advice">' in services.text
    assert '<a class="booking-choice" href="/b/demo/housing">' in services.text
    assert "/b/demo/payments" not in services.text  # takes no bookings

    day = weekday_ahead(2)
    times = free_times(web, "/b/demo/advice", day)
    assert list(times)[:3] == ["09.00", "09.20", "09.40"] and len(times) == 18  # 9–15, 20 min
    chosen = web.post("/b/demo/advice", data={"starts_at": times["10.20"]})
    assert chosen.status_code == 303 and re.fullmatch(r"/a/[\w.-]+", chosen.headers["location"])

    form = web.get(chosen.headers["location"], headers=ENGLISH)
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"
    held_until = datetime.now(timezone.utc) + timedelta(seconds=live_server.settings.booking_hold_s)
    text = form.text.replace("\u00a0", " ")  # figures keep their units with no-break spaces
    until = re.search(r"kept for you until (\d\d:\d\d) \(([45]) min\)", text)
    expected = held_until.astimezone(HELSINKI).replace(tzinfo=None, second=0, microsecond=0)
    assert until and abs(datetime.combine(expected.date(), time.fromisoformat(until[1])) - expected) <= timedelta(minutes=1)
    assert 'id="f-consent-text"' in text and "deleted 30 days after the appointment" in text

    sent = web.post(chosen.headers["location"], data={"name": "Maija Meikäläinen", "phone": "040 123 4567",
                                                      "email": "", "message": "Vuokra-asia", "consent": "yes"})
    assert sent.status_code == 303
    page = web.get(sent.headers["location"])
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    [stored] = appointments(live_server)
    assert stored.status == "booked" and stored.phone == "+358401234567" and stored.lang == "fi"
    assert CODE.search(page.text).group(1) == stored.code
    assert "<svg" in page.text  # the code as a QR code
    assert day.strftime("%-d.%-m.%Y") in page.text and "10.20–10.40" in page.text
    assert "Yleisneuvonta" in page.text and "Kaupungintalon asiakaspalvelu" in page.text
    assert stored.starts_at == helsinki(day, 10, 20)
    # Sending the form again (a double tap, the back button) books once and shows the same booking.
    again = web.post(chosen.headers["location"], data={"name": "Maija", "email": "m@example.fi", "consent": "yes"})
    assert again.status_code == 303 and len(appointments(live_server)) == 1
    assert appointments(live_server)[0].name == "Maija Meikäläinen"


def test_no_personal_data_goes_into_an_address(web, live_server):
    addresses = []
    form = hold(web, helsinki(weekday_ahead(2), 9))
    addresses.append(form)
    sent = web.post(form, data={"name": "Maija Meikäläinen", "email": "maija@example.fi", "consent": "yes"})
    addresses.append(sent.headers["location"])
    page = web.get(sent.headers["location"])
    addresses += re.findall(r'href="([^"]+)"', page.text)
    stored = appointments(live_server)[0]
    for address in addresses:
        assert "maija" not in address.lower() and stored.code not in address
        assert str(stored.id) not in address.split("/")


def test_every_page_speaks_finnish_swedish_and_english(roomy_server):
    with httpx.Client(base_url=roomy_server.url, timeout=10) as web:
        speaks_every_language(web, roomy_server)


def speaks_every_language(web, live_server):
    day = weekday_ahead(3)
    words = {"fi": ("Yleisneuvonta", "09.00", "Kaupungintalon"),
             "sv": ("Allmän rådgivning", "09:00", "Stadshusets kundtjänst"),
             "en": ("General advice", "09:00", "City Hall customer service")}
    weekday = {"fi": "maanantai tiistai keskiviikko torstai perjantai".split(),
               "sv": "måndag tisdag onsdag torsdag fredag".split(),
               "en": "Monday Tuesday Wednesday Thursday Friday".split()}
    for n, lang in enumerate(("fi", "sv", "en")):
        service, nine, site = words[lang]
        pages = [web.get("/b/demo", params={"lang": lang}), web.get("/b/demo/advice", params={"day": day.isoformat()})]
        assert service in pages[0].text and service in pages[1].text
        assert f">{nine}</button>" in pages[1].text.replace("\n", "").replace("  ", "")
        assert weekday[lang][day.weekday()] in pages[1].text
        form = hold(web, helsinki(day, 9, 20 * n))
        pages.append(web.get(form))
        pages.append(web.post(form, data={"name": "", "email": f"{lang}@example.fi"}))
        booking = book(web, helsinki(day, 10, 20 * n), email=f"{lang}@example.fi", lang=lang)
        pages += [web.get(booking), web.get(f"{booking}/cancel"), web.get(f"{booking}/move")]
        web.post(f"{booking}/cancel")
        pages.append(web.get(booking))
        with httpx.Client(base_url=live_server.url) as other:  # both seats of the time go ...
            hold(other, helsinki(day, 10, 20 * n))
            hold(other, helsinki(day, 10, 20 * n))
        pages += [web.post("/b/demo/advice", data={"starts_at": helsinki(day, 10, 20 * n).isoformat()}),
                  web.get("/b/demo/parking"), web.get("/a/forged")]
        for page in pages:
            assert f'<html lang="{lang}">' in page.text, (lang, page.url)
            assert site in page.text or page.status_code == 404
        assert [p.status_code for p in pages] == [200, 200, 200, 422, 200, 200, 200, 200, 409, 404, 404]
        assert "<h1>" in pages[-3].text and f">{day_label(day, lang)} " in pages[-3].text  # the next free times
        assert weekday[lang][day.weekday()] in pages[2].text
    assert [a.lang for a in appointments(live_server) if a.email] == ["fi", "sv", "en"]
    assert "ingen tjänst som heter ”parking”" in web.get("/b/demo/parking?lang=sv").text


def test_one_address_holds_at_most_ten_times_an_hour(web, live_server):
    day = weekday_ahead(2)
    for n in range(10):
        hold(web, helsinki(day, 9, 20 * n))
    eleventh = web.post("/b/demo/advice", data={"starts_at": helsinki(day, 14).isoformat()})
    assert eleventh.status_code == 409 and "liian monta varausta" in eleventh.text


# --- the form ------------------------------------------------------------------------------------------


def test_a_wrong_form_comes_back_with_everything_typed_and_the_message_at_the_field(web, live_server):
    form = hold(web, helsinki(weekday_ahead(2), 11))
    typed = {"name": "Maija <Meikäläinen>", "phone": "12", "email": "", "message": "Asunto & vuokra"}
    wrong = web.post(form, data=typed)  # no consent, and a phone number too short
    assert wrong.status_code == 422 and wrong.headers["cache-control"] == "no-store"
    html = wrong.text.replace("\u00a0", " ")  # figures keep their units with no-break spaces
    assert 'value="Maija &lt;Meikäläinen&gt;"' in html and 'value="12"' in html
    assert ">Asunto &amp; vuokra</textarea>" in html
    assert re.search(r'<p class="field-error" id="f-phone-error">[^<]*040 123 4567', html)
    assert re.search(r'id="f-phone" [^>]*aria-describedby="[^"]*f-phone-error[^"]*" aria-invalid="true" autofocus',
                     html)
    assert re.search(r'id="f-consent" [^>]*aria-describedby="f-consent-error f-consent-text" aria-invalid="true"', html)
    assert 'id="f-name" ' in html and not re.search(r'id="f-name" [^>]*aria-invalid', html)
    assert html.count("autofocus") == 1
    assert 'href="#f-phone"' in html and 'href="#f-consent"' in html  # the summary leads to the fields

    assert 'name="feedback" value="1" checked' not in html  # asking for feedback is the visitor's choice
    no_contact = web.post(form, data={"name": "Maija", "phone": " ", "email": "", "consent": "yes", "feedback": "1"})
    assert no_contact.status_code == 422
    assert 'id="f-contact-error"' in no_contact.text and 'name="consent" value="yes" checked' in no_contact.text
    assert 'name="feedback" value="1" checked' in no_contact.text  # kept as it was ticked
    assert re.search(r'id="f-phone" [^>]*f-contact-error[^>]*autofocus', no_contact.text)
    bad_email = web.post(form, data={"name": "Maija", "email": "maija@", "consent": "yes"}, params={"lang": "sv"})
    assert bad_email.status_code == 422 and 'value="maija@"' in bad_email.text
    assert re.search(r'id="f-email-error">[^<]*@exempel.fi', bad_email.text)  # in Swedish
    no_name = web.post(form, data={"name": "", "email": "maija@example.fi", "consent": "yes"})
    assert re.search(r'id="f-name" [^>]*aria-invalid="true" autofocus', no_name.text)
    assert appointments(live_server)[0].status == "held"

    booked = web.post(form, data={**typed, "phone": "040 123 4567", "consent": "yes"})
    assert booked.status_code == 303


def test_one_person_cannot_take_every_time(web, live_server):
    day = weekday_ahead(2)
    for n in range(3):
        book(web, helsinki(day, 9, 20 * n), email="sama@example.fi")
    form = hold(web, helsinki(day, 11))
    fourth = web.post(form, data={"name": "Sama", "email": "sama@example.fi", "consent": "yes"})
    assert fourth.status_code == 409 and 'value="sama@example.fi"' in fourth.text
    assert "Sinulla on jo 3 tulevaa varausta" in fourth.text.replace("\u00a0", " ")


def test_a_time_taken_while_typing_offers_the_next_times_and_books_one_with_the_details(web, live_server):
    day = weekday_ahead(2)
    form = hold(web, helsinki(day, 10), service="housing")  # one seat
    expire_holds(live_server)  # the citizen typed slowly ...
    with httpx.Client(base_url=live_server.url) as other:
        hold(other, helsinki(day, 10), service="housing")  # ... and someone else took the seat
    taken = web.post(form, data={"name": "Maija Meikäläinen", "email": "maija@example.fi", "phone": "",
                                 "message": "Vuokra", "consent": "yes"})
    assert taken.status_code == 409 and taken.headers["cache-control"] == "no-store"
    offered = {label: unescape(value) for value, label in TIME_BUTTON.findall(taken.text)}
    assert len(offered) == 5 and list(offered)[0].endswith(" 10.20")
    assert '<input type="hidden" name="name" value="Maija Meikäläinen">' in taken.text
    # One tap on the next time books it with what was typed.
    booked = web.post("/b/demo/housing", data={"starts_at": offered[list(offered)[0]], "name": "Maija Meikäläinen",
                                               "email": "maija@example.fi", "phone": "", "message": "Vuokra",
                                               "consent": "yes"})
    assert booked.status_code == 303 and booked.headers["location"].endswith("?done=booked")
    page = web.get(booked.headers["location"])
    assert "10.20–10.40" in page.text and "Maija Meikäläinen" in page.text
    mine = [a for a in appointments(live_server) if a.status == "booked"]
    assert [(a.name, a.starts_at) for a in mine] == [("Maija Meikäläinen", helsinki(day, 10, 20))]


def test_a_time_taken_before_the_tap_offers_the_next_times(web, live_server):
    day = weekday_ahead(2)
    with httpx.Client(base_url=live_server.url) as other:
        book(other, helsinki(day, 9), service="housing", email="first@example.fi")
    late = web.post("/b/demo/housing", data={"starts_at": helsinki(day, 9).isoformat()})
    assert late.status_code == 409
    offered = [label for _, label in TIME_BUTTON.findall(late.text)]
    assert offered[0].endswith(" 09.20") and 'type="hidden"' not in late.text
    assert 'href="/b/demo/housing"' in late.text


def test_an_expired_hold_still_books_when_the_time_is_free(web, live_server):
    form = hold(web, helsinki(weekday_ahead(2), 12))
    expire_holds(live_server)
    assert "no longer kept" in web.get(form, headers=ENGLISH).text
    sent = web.post(form, data={"name": "Maija", "email": "maija@example.fi", "consent": "yes"})
    assert sent.status_code == 303 and appointments(live_server)[0].status == "booked"


def test_a_late_form_books_the_time_when_a_later_hold_ran_out_too(web, live_server):
    """A holds and types past the hold; B holds the same time and types past it too, with no sweep
    between: A's late form books the free time, B's is then told it was taken."""
    nine = helsinki(weekday_ahead(2), 9)
    form_a = hold(web, nine, service="housing")
    expire_holds(live_server)
    with httpx.Client(base_url=live_server.url, timeout=10) as other:
        form_b = hold(other, nine, service="housing")
        expire_holds(live_server)
        assert nine.isoformat() in free_times(web, "/b/demo/housing", nine.astimezone(HELSINKI).date()).values()
        sent_a = web.post(form_a, data={"name": "Aino", "email": "aino@example.fi", "consent": "yes"})
        sent_b = other.post(form_b, data={"name": "Bertta", "email": "bertta@example.fi", "consent": "yes"},
                            headers=ENGLISH)
    assert sent_a.status_code == 303
    assert sent_b.status_code == 409 and "That time was just taken" in sent_b.text
    assert [(a.name, a.status) for a in appointments(live_server) if a.status == "booked"] == [("Aino", "booked")]


# --- the signed link -------------------------------------------------------------------------------------


def test_an_edited_or_forged_link_is_a_404_that_says_so(web, live_server):
    page = book(web, helsinki(weekday_ahead(2), 9))
    token = page.removeprefix("/a/")
    payload, signature = token.rsplit(".", 1)
    elsewhere = make_settings("sqlite://", 1, secret_key="another key")
    # The first letter of the signature: the last one's low bits are padding, so A and B there can
    # decode to the same signature.
    edited = [f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}",
              f"{payload[:-2]}xy.{signature}", "nothing", "",
              booking_token(elsewhere, appointments(live_server)[0].public_id)]
    for bad in edited:
        for suffix in ("", "/cancel", "/move", "/calendar.ics"):
            response = web.get(f"/a/{bad}{suffix}", headers=ENGLISH)
            assert response.status_code == 404, (bad, suffix)
            if bad:
                assert "This booking link is not valid." in response.text
        assert web.post(f"/a/{bad}/cancel").status_code in (404, 405)
    unknown = booking_token(live_server.settings, "no-such-appointment")
    assert web.get(f"/a/{unknown}").status_code == 404
    assert appointments(live_server)[0].status == "booked"


def test_booking_link_and_ics_bytes_serve_the_mail(web, live_server):
    page = book(web, helsinki(weekday_ahead(2), 13))
    stored = appointments(live_server)[0]
    link = booking_link(live_server.settings, stored.public_id)
    assert link == f"{live_server.url}{page}"
    assert stored.code in httpx.get(link).text
    database = Database(live_server.settings.database_url)
    try:
        with database.read() as session:
            event = Calendar.from_ical(ics_bytes(session, stored, link)).walk("VEVENT")[0]
    finally:
        database.dispose()
    assert stored.code in str(event["DESCRIPTION"]) and str(event["URL"]) == link


# --- the calendar file ------------------------------------------------------------------------------


def last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def next_change(month: int) -> date:
    """The next last Sunday of ``month`` with a bookable weekday before it and after it still to come."""
    today = datetime.now(HELSINKI).date()
    sunday = last_sunday(today.year, month)
    return sunday if sunday - timedelta(days=3) > today else last_sunday(today.year + 1, month)


def calendar_event(client: httpx.Client, page: str):
    response = client.get(f"{page}/calendar.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert response.headers["cache-control"] == "no-store"
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    return event, response.text


def test_the_calendar_file_keeps_the_wall_time_across_both_dst_changes(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'dst.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, booking_horizon_days=400), port) as server, \
            httpx.Client(base_url=server.url, timeout=10) as web:
        spring, autumn = next_change(3), next_change(10)
        cases = [  # (day, offset from UTC that day in Helsinki)
            (spring - timedelta(days=2), 2),  # the Friday before: still winter time
            (spring + timedelta(days=1), 3),  # the Monday after: summer time
            (autumn - timedelta(days=2), 3),
            (autumn + timedelta(days=1), 2),
        ]
        for n, (day, offset) in enumerate(cases):
            assert day.weekday() in (0, 4)
            lang = ("fi", "sv", "en", "fi")[n]
            times = free_times(web, "/b/demo/advice", day, lang=lang)
            ten = times["10.00" if lang == "fi" else "10:00"]
            assert datetime.fromisoformat(ten) == datetime.combine(day, time(10 - offset), tzinfo=timezone.utc)
            page = book(web, datetime.fromisoformat(ten), email=f"dst{n}@example.fi", lang=lang)
            event, text = calendar_event(web, page)
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            assert start == datetime.combine(day, time(10 - offset), tzinfo=timezone.utc)  # the right instant
            assert start.astimezone(HELSINKI).replace(tzinfo=None) == datetime.combine(day, time(10))  # 10.00 there
            assert end - start == timedelta(minutes=20)
            assert f"DTSTART;TZID=Europe/Helsinki:{day:%Y%m%d}T100000" in text  # the wall time, in its zone
            assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Helsinki" in text  # with the zone's rules
            stored = [a for a in appointments(server) if a.email == f"dst{n}@example.fi"][0]
            assert str(event["UID"]) == f"{stored.public_id}@luukku"
            assert stored.code in str(event["DESCRIPTION"])
            assert str(event["LOCATION"]) == "Kaupungintalon asiakaspalvelu"
            service = {"fi": "Yleisneuvonta", "sv": "Allmän rådgivning", "en": "General advice"}[lang]
            assert service in str(event["SUMMARY"])  # in the booking's language
            assert str(event["STATUS"]) == "CONFIRMED"
        beyond = datetime.now(HELSINKI).date() + timedelta(days=401)
        assert web.get("/b/demo/advice", params={"day": beyond.isoformat()}).status_code == 422


# --- cancelling and moving --------------------------------------------------------------------------


def test_cancelling_asks_first_and_frees_the_time_at_once(web, live_server):
    day = weekday_ahead(2)
    page = book(web, helsinki(day, 9, 40), service="housing")
    assert "09.40" not in free_times(web, "/b/demo/housing", day)
    ask = web.get(f"{page}/cancel")
    assert ask.status_code == 200 and ask.headers["cache-control"] == "no-store"
    assert f'<form method="post" action="{page}/cancel">' in ask.text
    assert appointments(live_server)[0].status == "booked"  # asking changed nothing
    done = web.post(f"{page}/cancel")
    assert done.status_code == 303 and done.headers["location"] == page
    assert appointments(live_server)[0].status == "cancelled"
    assert "09.40" in free_times(web, "/b/demo/housing", day)  # free again, at once
    cancelled = web.get(page)
    assert cancelled.status_code == 200 and 'href="/b/demo/housing"' in cancelled.text
    assert "<svg" not in cancelled.text and "calendar.ics" not in cancelled.text
    assert web.post(f"{page}/cancel").status_code == 303  # twice is once
    assert web.get(f"{page}/cancel").headers["location"] == page
    assert web.post(f"{page}/move", data={"starts_at": helsinki(day, 11).isoformat()}).status_code == 409


def test_moving_takes_the_new_time_and_frees_the_old(web, live_server):
    day, other_day = weekday_ahead(2), weekday_ahead(4)
    page = book(web, helsinki(day, 9), service="housing")
    code = appointments(live_server)[0].code
    browse = web.get(f"{page}/move", params={"day": other_day.isoformat()})
    assert browse.status_code == 200 and f'action="{page}/move"' in browse.text
    assert "09.00" in browse.text and 'href="/a/' in browse.text  # the current time, and the way back
    times = free_times(web, f"{page}/move", other_day)
    moved = web.post(f"{page}/move", data={"starts_at": times["14.40"]})
    assert moved.status_code == 303 and moved.headers["location"] == f"{page}?done=moved"
    shown = web.get(moved.headers["location"])
    assert "14.40–15.00" in shown.text and code in shown.text  # the same booking, the same code
    assert "09.00" in free_times(web, "/b/demo/housing", day)
    assert "14.40" not in free_times(web, "/b/demo/housing", other_day)
    event, _ = calendar_event(web, page)
    assert event.decoded("DTSTART") == helsinki(other_day, 14, 40)

    with httpx.Client(base_url=live_server.url) as other:
        book(other, helsinki(day, 10), service="housing", email="toinen@example.fi")
    taken = web.post(f"{page}/move", data={"starts_at": helsinki(day, 10).isoformat()})
    assert taken.status_code == 409 and f'action="{page}/move"' in taken.text
    assert TIME_BUTTON.findall(taken.text)[0][1].endswith(" 10.20")


# --- bad input -------------------------------------------------------------------------------------------


def test_bad_addresses_and_days_are_refused_with_words(web, live_server):
    today = datetime.now(HELSINKI).date()
    cases = {
        "/b/harbour": (404, "There is no service point called “harbour”."),
        "/b/demo/parking": (404, "There is no service called “parking” here."),
        "/b/demo/payments": (404, "cannot be booked online"),
        "/b/demo/advice?day=tomorrow": (400, "not a date"),
        "/b/demo/advice?day=2026-02-30": (400, "not a date"),
        f"/b/demo/advice?day={today - timedelta(days=1)}": (422, "already passed"),
        f"/b/demo/advice?day={today + timedelta(days=61)}": (422, "at most 60 days ahead"),
        "/b/demo/advice?day=9999-12-31": (422, "at most 60 days ahead"),
    }
    for path, (status, words) in cases.items():
        response = web.get(path, headers=ENGLISH)
        assert response.status_code == status, (path, response.status_code)
        assert words in response.text, (path, response.text)
        assert 'class="error-message"' in response.text
    last = web.get("/b/demo/advice", params={"day": (today + timedelta(days=60)).isoformat()}, headers=ENGLISH)
    assert last.status_code == 200 and "Later days" not in last.text


def test_garbage_posts_get_a_4xx_never_a_500(web, live_server):
    monday = weekday_ahead(2)
    posts = {
        "": 400, "soon": 400, "2027-01-01T10:00": 400, "2020-01-01T10:00:00+00:00": 409,
        helsinki(monday, 9, 7).isoformat(): 404,  # not on a slot boundary
        helsinki(monday, 16).isoformat(): 404,  # after the hours
        helsinki(monday + timedelta(days=(5 - monday.weekday()) % 7 or 7), 10).isoformat(): 404,  # a Saturday
        "9999-12-31T23:00:00+00:00": 422, "0001-01-01T00:00:00+00:00": 409,
        helsinki(datetime.now(HELSINKI).date() + timedelta(days=70), 10).isoformat(): 422,
    }
    for value, status in posts.items():
        response = web.post("/b/demo/advice", data={"starts_at": value})
        assert response.status_code == status, (value, response.status_code, response.text[-300:])
        assert 'class="error-message"' in response.text
    for request in (dict(json={"starts_at": "2027-01-01"}), dict(content=b"\xff\xfe garbage"),
                    dict(files={"starts_at": ("x.txt", b"2027-01-01T10:00:00+00:00")}),
                    dict(data={"starts_at": helsinki(monday, 9).isoformat() + "x" * 5000})):
        assert web.post("/b/demo/advice", **request).status_code == 400
    assert web.post("/b/demo/payments", data={"starts_at": helsinki(monday, 9).isoformat()}).status_code == 404
    assert web.post("/b/nowhere/advice", data={"starts_at": helsinki(monday, 9).isoformat()}).status_code == 404

    form = hold(web, helsinki(monday, 9))
    for data in ({"name": "x" * 5000, "email": "a@b.fi", "consent": "yes"}, {"consent": "maybe"},
                 {"name": "Maija", "email": "a@b.fi", "message": "m" * 1001, "consent": "yes"},
                 {"name": "Maija", "phone": "<script>", "consent": "yes"}):
        response = web.post(form, data=data)
        assert response.status_code == 422, (data, response.status_code)
        assert "<script>" not in response.text
    assert web.post(form, files={"name": ("a.txt", b"x")}).status_code == 422
    binary = web.post(form, content=b"\x00\x01", headers={"content-type": "application/x-www-form-urlencoded"})
    assert binary.status_code == 422
    assert web.put(form).status_code == 405
    page = web.post(form, data={"name": "Maija", "email": "a@b.fi", "consent": "yes"}).headers["location"].split("?")[0]
    for value in ("garbage", "", "2020-01-01T10:00:00+00:00", helsinki(monday, 9, 5).isoformat()):
        response = web.post(f"{page}/move", data={"starts_at": value})
        assert 400 <= response.status_code < 500, value


# --- the requester ----------------------------------------------------------------------------------------


def test_a_hold_keeps_a_keyed_hash_of_the_address_never_the_address(web, live_server):
    hold(web, helsinki(weekday_ahead(2), 9))
    [held] = appointments(live_server)
    assert held.status == "held"
    assert "127.0.0.1" not in held.requester and re.fullmatch(r"[0-9a-f]{64}", held.requester)
    assert held.requester != hashlib.sha256(b"127.0.0.1").hexdigest()  # not a plain hash one can reverse
    assert held.requester == requester_of(live_server.settings, "127.0.0.1")
    assert held.requester != requester_of(make_settings("sqlite://", 1, secret_key="another key"), "127.0.0.1")


def test_the_booking_address_is_on_a_printable_poster_the_kiosk_and_the_tickets_page(live_server):
    poster = httpx.get(f"{live_server.url}/b/demo/poster", headers={"Accept-Language": "fi"})
    assert poster.status_code == 200 and "<svg" in poster.text
    for line in ("Varaa aika puhelimellasi", "Boka en tid med din telefon", "Book an appointment on your phone"):
        assert line in poster.text
    assert f"{live_server.settings.public_url}/b/demo" in poster.text
    assert httpx.get(f"{live_server.url}/b/nowhere/poster").status_code == 404
    kiosk = httpx.get(f"{live_server.url}/kiosk/demo", headers={"Accept-Language": "en"}).text
    assert 'class="kiosk-booking-qr"' in kiosk and "book an appointment on your phone" in kiosk
    ticket = httpx.post(f"{live_server.url}/api/v1/sites/demo/tickets", json={"service": "advice"}).json()
    status = httpx.get(f"{live_server.url}/t/{ticket['id']}", headers={"Accept-Language": "en"}).text
    assert 'href="/b/demo"' in status
