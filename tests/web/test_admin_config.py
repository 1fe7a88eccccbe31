"""The administration pages over real HTTP: who may open them, forms with mistakes in Finnish and
English, the configuration file downloaded and uploaded, a counter's default profile on the opening
page, and an admin's change reaching the live screens (display and kiosk) over their websockets."""

import json
import re
from contextlib import contextmanager

import httpx
import pytest
from websockets.sync.client import connect

from server import config_file, queue
from server.models import Counter
from tests.conftest import DEMO_PASSWORD, recv_push, staff_login

PAGES = ["/admin", "/admin/sites/new", "/admin/sites/demo", "/admin/sites/demo/hours", "/admin/sites/demo/services",
         "/admin/sites/demo/services/new", "/admin/sites/demo/services/advice", "/admin/sites/demo/counters",
         "/admin/config.json"]


@contextmanager
def client(server, username: str | None = None, lang: str = "en"):
    with httpx.Client(base_url=server.url, cookies={"luukku_lang": lang}, timeout=10) as c:
        if username:
            assert staff_login(c, username).status_code == 303
        yield c


INPUT = r'<input id="([^"]+)" name="\1"[^>]*? value="([^"]*)"'


def field_errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="([^"]+)-error">([^<]+)</p>', html))


def test_only_an_admin_opens_the_administration(live_server):
    with client(live_server) as anonymous:
        for path in PAGES:
            response = anonymous.get(path)
            assert (response.status_code, response.headers["location"]) == (303, "/counter/login"), path
    for username in ("clerk", "manager"):
        with client(live_server, username) as c:
            assert 'href="/admin"' not in c.get("/counter").text
            for path in PAGES:
                assert c.get(path).status_code == 403, (username, path)
            assert c.post("/admin/sites/demo/counters", data={"number": "9"}).status_code == 403
    with client(live_server, "admin") as c:
        assert 'href="/admin"' in c.get("/counter").text
        for path in PAGES:
            assert c.get(path).status_code == 200, path


def test_a_form_with_mistakes_comes_back_with_them_beside_the_fields_in_the_page_language(live_server):
    form = {"prefix": "B", "name_fi": "Neuvonta", "name_sv": "", "name_en": "Advice", "tier": "generalist",
            "number_start": "50", "number_end": "20", "appointments-mon": "9-25"}
    with client(live_server, "admin", lang="en") as c:
        response = c.post("/admin/sites/demo/services/advice", data=form)
        assert response.status_code == 422
        assert field_errors(response.text) == {
            "prefix": "The service “housing” already has the letter B.",
            "name_sv": "This is needed.",
            "number_end": "The last number must be greater than the first.",
            "appointments-mon": "Write the hours like 08:00-16:15, the closing after the opening.",
        }
        assert 'value="Neuvonta"' in response.text and 'value="9-25"' in response.text  # what was typed stays
        assert 'aria-invalid="true" aria-describedby="prefix-error"' in response.text
        assert c.get("/admin/sites/demo/services/advice").text.count('value="Yleisneuvonta"') == 1  # unchanged
    with client(live_server, "admin", lang="fi") as c:
        response = c.post("/admin/sites", data={"slug": "Pää Toimisto", "name": "", "timezone": "Helsinki",
                                                "languages": "fi"})
        assert response.status_code == 422
        errors = field_errors(response.text)
        assert set(errors) == {"slug", "name", "timezone"}
        assert '<html lang="fi">' in response.text
        assert 'value="Pää Toimisto"' in response.text and 'value="Helsinki"' in response.text


def test_a_counter_gets_a_default_profile_that_the_opening_page_ticks(live_server):
    with client(live_server, "admin") as admin:
        page = admin.get("/admin/sites/demo/counters").text
        counter_id = re.search(r'/admin/sites/demo/counters/(\d+)/profile', page).group(1)
        response = admin.post(f"/admin/sites/demo/counters/{counter_id}/profile",
                              data={"service": ["housing", "payments"], "weight-housing": "3", "weight-payments": "1"})
        assert response.status_code == 303
        assert "Housing ×3, E Payments and invoices" in admin.get("/admin/sites/demo/counters").text
        response = admin.post("/admin/sites/demo/counters", data={"number": "1"})
        assert response.status_code == 422 and field_errors(response.text) == {"number": "There is already a counter 1."}
    with client(live_server, "clerk") as clerk:
        page = clerk.get(f"/counter?site=demo&counter={counter_id}").text
        ticked = re.findall(r'name="service" value="([^"]+)" checked', page)
        assert ticked == ["housing", "payments"]
        assert re.search(r'name="weight-housing">.*?<option value="3" selected>', page)
        assert re.search(rf'value="{counter_id}" required checked', page)
        assert re.findall(r'name="service" value="([^"]+)" checked', clerk.get("/counter").text) == []


def test_the_configuration_downloads_and_a_bad_upload_changes_nothing(live_server):
    with client(live_server, "admin") as c:
        download = c.get("/admin/config.json")
        assert download.headers["content-disposition"] == 'attachment; filename="luukku-config.json"'
        data = download.json()
        assert [s["slug"] for s in data["sites"]] == ["demo"]
        data["sites"][0]["services"][0]["prefix"] = "?"
        data["sites"][0]["name"] = "Changed"
        response = c.post("/admin/config", files={"file": ("config.json", json.dumps(data), "application/json")})
        assert response.status_code == 422
        assert "sites[demo].services[advice].prefix" in response.text
        assert "One capital letter, A–Z, Å, Ä or Ö." in response.text
        assert c.get("/admin/config.json").text == download.text
        data["sites"][0]["services"][0]["prefix"] = "A"
        response = c.post("/admin/config", files={"file": ("config.json", json.dumps(data), "application/json")})
        assert response.status_code == 200 and "Imported: 1 service points, 6 services" in response.text
        assert config_file.loads(c.get("/admin/config.json").text)["sites"][0]["name"] == "Changed"


def test_a_change_reaches_the_display_and_the_kiosk_without_a_restart(live_server):
    with connect(f"{live_server.ws_url}/display/demo/ws?panel=waiting&lang=en") as display, \
            connect(f"{live_server.ws_url}/kiosk/demo/ws?lang=en") as kiosk, \
            client(live_server, "admin") as admin:
        snapshot = recv_push(display)
        assert "General advice" in snapshot and '<footer id="display-notice" class="display-notice" hidden' in snapshot
        assert 'id="kiosk-tiles" hx-swap-oob="true"' in recv_push(kiosk)  # a snapshot may follow a missed change
        page = admin.get("/admin/sites/demo/services/advice").text
        form = dict(re.findall(INPUT, page))
        form.update({"name_en": "Advice and guidance", "tier": "generalist", "active": "on",
                     "transfer_position": "arrival"})
        assert admin.post("/admin/sites/demo/services/advice", data=form).status_code == 303
        assert "Advice and guidance" in recv_push(display)
        tiles = recv_push(kiosk)
        while 'id="kiosk-tiles"' not in tiles:  # another event of the site (a printer's status) may come first
            tiles = recv_push(kiosk)
        assert 'id="kiosk-tiles" hx-swap-oob="true"' in tiles and "Advice and guidance" in tiles
        assert httpx.post(f"{live_server.url}/kiosk/demo/tickets", data={"service": "advice"}).status_code == 201
        counts = recv_push(kiosk)  # an ordinary event: the counts alone, the tiles stay as they are
        while not re.search(r'id="waiting-advice"[^>]*>1 waiting', counts):
            assert "kiosk-tiles" not in counts
            counts = recv_push(kiosk)
        assert re.search(r'id="waiting-advice"[^>]*hx-swap-oob="true"', counts) and "kiosk-tiles" not in counts
        site = admin.get("/admin/sites/demo").text
        values = dict(re.findall(INPUT, site))
        values.update({"languages": ["fi", "sv", "en"], "display_notice_en": "Closed on Friday",
                       "address": "", "no_show_after_calls": "3"})
        assert admin.post("/admin/sites/demo", data=values).status_code == 303
        pushed = recv_push(display)
        while 'hidden hx-swap-oob' in pushed:  # the pushes of the ticket issued above come first
            pushed = recv_push(display)
        assert re.search(r'<footer id="display-notice"[^>]*hx-swap-oob="true"><p class="notice-track">'
                         r'<span lang="en">Closed on Friday</span>', pushed)


def test_a_logo_is_uploaded_and_a_wrong_file_is_refused_beside_its_field(live_server):
    from io import BytesIO

    from PIL import Image

    png = BytesIO()
    Image.new("RGB", (40, 20), "#00558c").save(png, "PNG")
    with client(live_server, "admin") as c:
        values = dict(re.findall(INPUT, c.get("/admin/sites/demo").text))
        values["languages"] = ["fi", "sv", "en"]
        response = c.post("/admin/sites/demo", data=values,
                          files={"brand_logo": ("logo.txt", b"not an image", "text/plain")})
        assert response.status_code == 422
        assert field_errors(response.text) == {"brand_logo": "The logo must be an image of type PNG, JPEG."}
        assert c.get("/display/demo/logo").status_code == 404
        response = c.post("/admin/sites/demo", data=values, files={"brand_logo": ("logo.png", png.getvalue(), "image/png")})
        assert response.status_code == 303
        assert c.get("/display/demo/logo").content == png.getvalue()


def test_departments_are_added_renamed_and_taken_out_of_use(live_server):
    with client(live_server, "admin") as c:
        assert "Social services" in c.get("/admin/departments").text
        response = c.post("/admin/departments", data={"code": "social-services", "name_fi": "Sosiaalitoimi",
                                                      "name_sv": "", "name_en": "Social office", "active": "on"})
        assert response.status_code == 422
        assert field_errors(response.text) == {"code": "Another department has the code “social-services”.",
                                               "name_sv": "This is needed."}
        response = c.post("/admin/departments", data={"code": "environment", "name_fi": "Ympäristöpalvelut",
                                                      "name_sv": "Miljötjänster", "name_en": "Environment",
                                                      "active": "on"})
        assert response.status_code == 303
        response = c.post("/admin/departments/social-services", data={
            "name_fi": "Sosiaalitoimi", "name_sv": "Socialväsendet", "name_en": "Social office"})  # not ticked: out of use
        assert response.status_code == 303
        departments = {d["code"]: d for d in c.get("/admin/config.json").json()["departments"]}
        assert departments["environment"]["name_sv"] == "Miljötjänster"
        assert (departments["social-services"]["name_en"], departments["social-services"]["active"]) == (
            "Social office", False)
    with client(live_server, "manager") as c:
        assert c.get("/admin/departments").status_code == 403


@pytest.mark.browser
def test_in_the_browser_a_counter_brings_its_profile_and_the_kiosk_follows_a_rename(browser, live_server):
    with client(live_server, "admin") as admin:
        page = admin.get("/admin/sites/demo/counters").text
        counter_id = re.findall(r'/admin/sites/demo/counters/(\d+)/profile', page)[1]
        admin.post(f"/admin/sites/demo/counters/{counter_id}/profile",
                   data={"service": ["advice", "e-services"], "weight-advice": "2"})
        kiosk = browser.new_page()
        kiosk.goto(f"{live_server.url}/kiosk/demo?lang=en")
        kiosk.wait_for_selector("text=Help with e-services")
        form = dict(re.findall(INPUT, admin.get("/admin/sites/demo/services/e-services").text))
        form.update({"name_en": "Digital help desk", "tier": "generalist", "active": "on",
                     "transfer_position": "arrival"})
        assert admin.post("/admin/sites/demo/services/e-services", data=form).status_code == 303
        kiosk.wait_for_selector(".tile-name:text('Digital help desk')", timeout=5000)
        assert kiosk.locator(".tile-name:text('Help with e-services')").count() == 0
        kiosk.close()
    context = browser.new_context()
    clerk = context.new_page()
    clerk.goto(f"{live_server.url}/counter/login?lang=en")
    clerk.fill("#username", "clerk")
    clerk.fill("#password", DEMO_PASSWORD)
    clerk.click("button[type=submit]")
    clerk.wait_for_selector("text=Open a counter")
    assert clerk.locator("input[name=service]:checked").count() == 0
    clerk.check(f"input[name=counter][value='{counter_id}']")
    clerk.wait_for_selector("input[name=service][value=advice]:checked", timeout=5000)
    assert clerk.eval_on_selector_all("input[name=service]:checked", "els => els.map(e => e.value)") == [
        "advice", "e-services"]
    assert clerk.input_value("select[name=weight-advice]") == "2"
    assert clerk.is_checked(f"input[name=counter][value='{counter_id}']")
    context.close()


def test_the_kiosks_snapshot_sends_the_tiles_whole_only_after_a_change_it_has_not_seen(live_server):
    """A kiosk page says which events it shows: its first snapshot brings the counts alone, so that a
    tap as the page appears never meets its button being replaced; a change the screen missed while
    cut off comes whole on the reconnect."""
    page = httpx.get(f"{live_server.url}/kiosk/demo?lang=en").text
    seen = re.search(r'data-live-seen="(demo:\d+)"', page).group(1)
    with connect(f"{live_server.ws_url}/kiosk/demo/ws?lang=en&seen={seen}") as kiosk:
        first = recv_push(kiosk)
        assert 'id="waiting-advice"' in first and "kiosk-tiles" not in first
    with client(live_server, "admin") as admin:  # while the kiosk is cut off
        form = dict(re.findall(INPUT, admin.get("/admin/sites/demo/services/advice").text))
        form.update({"name_en": "Advice and guidance", "tier": "generalist", "active": "on",
                     "transfer_position": "arrival"})
        assert admin.post("/admin/sites/demo/services/advice", data=form).status_code == 303
    with connect(f"{live_server.ws_url}/kiosk/demo/ws?lang=en&seen={seen}") as kiosk:
        again = recv_push(kiosk)
        assert 'id="kiosk-tiles" hx-swap-oob="true"' in again and "Advice and guidance" in again


def test_services_ticked_before_the_counters_profile_arrives_are_kept(browser, live_server):
    """A busy server answers the choice of a counter late: the services the clerk ticked meanwhile
    stay ticked, and the counter opens with them."""
    with client(live_server, "admin") as admin:
        page = admin.get("/admin/sites/demo/counters").text
        counter_id = re.findall(r'/admin/sites/demo/counters/(\d+)/profile', page)[1]
        admin.post(f"/admin/sites/demo/counters/{counter_id}/profile", data={"service": ["e-services"]})
    context = browser.new_context()
    clerk = context.new_page()
    clerk.goto(f"{live_server.url}/counter/login?lang=en")
    clerk.fill("#username", "clerk")
    clerk.fill("#password", DEMO_PASSWORD)
    clerk.click("button[type=submit]")
    clerk.wait_for_selector("text=Open a counter")
    held = []  # the answer to the choice of the counter waits until the clerk has ticked a service
    clerk.route(re.compile(r"/counter\?site=demo&counter=\d+"), lambda route: held.append(route), times=1)
    clerk.check(f"input[name=counter][value='{counter_id}']")
    clerk.check("input[name=service][value=advice]")
    clerk.evaluate("""() => { window.answered = false;
        document.body.addEventListener('htmx:afterOnLoad', () => { window.answered = true; }, {once: true}); }""")
    for _ in range(100):
        if held:
            break
        clerk.wait_for_timeout(50)
    held.pop().continue_()
    clerk.wait_for_function("() => window.answered")
    assert clerk.eval_on_selector_all("input[name=service]:checked", "els => els.map(e => e.value)") == ["advice"]
    clerk.get_by_role("button", name="Open the counter").click()
    clerk.wait_for_selector("#queue-panel")
    with live_server.app.state.db.read() as session:
        counter = session.get(Counter, int(counter_id))
        assert [s.code for s in queue.counter_services(session, counter)] == ["advice"]
    context.close()
