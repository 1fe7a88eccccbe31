"""The counter screen as a clerk sees it on a 1366×768 laptop (issue 18): every state fits without
scrolling in fi, sv and en, keys serve a customer, transfer is a dialog that says where the customer
went, the alarm needs a hold, and a priority change needs a second, worded step."""

import re

import httpx
import pytest

from tests.web.geometry import clipped_text, covered, off_screen, scrolling

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
LOCALES = {"fi": "fi-FI", "sv": "sv-SE", "en": "en-GB"}
CONTROLS = "a, button, input, select, textarea, summary"
IN_DIALOG = "dialog[open] button, dialog[open] select, dialog[open] textarea"


@pytest.fixture
def laptop(browser):
    contexts = []

    def open_page(lang: str = "fi"):
        context = browser.new_context(viewport=LAPTOP, locale=LOCALES[lang])
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def take(server, service: str) -> dict:
    response = httpx.post(f"{server.url}/api/v1/sites/demo/tickets", json={"service": service})
    assert response.status_code == 201
    return response.json()


def log_in(page, server, lang: str, username: str = "clerk") -> None:
    page.goto(f"{server.url}/counter/login?lang={lang}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(server.settings.demo_password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/counter$"))


def open_counter(page, number: str, *codes: str) -> None:
    page.locator(f"input[name=counter][value='{number}']").check()
    page.wait_for_load_state("networkidle")
    for code in codes:
        page.locator(f"input[name=service][value={code}]").check()
    page.locator("form[action='/counter/open'] button[type=submit]").click()
    page.locator("#queue-panel").wait_for()
    page.wait_for_function("() => window.htmx")


def fits_the_laptop(page, state: str) -> None:
    """No scrolling, no clipped text, every control wholly on screen and not under anything."""
    found = scrolling(page) + clipped_text(page) + off_screen(page, CONTROLS) + covered(page, CONTROLS)
    assert found == [], f"{state}: {found}"


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_every_state_of_the_counter_fits_a_laptop_screen(laptop, live_server, lang):
    for service in ("advice", "advice", "housing"):
        take(live_server, service)
    page = laptop(lang)
    log_in(page, live_server, lang)
    fits_the_laptop(page, "opening")
    open_counter(page, "3", "advice", "housing")
    fits_the_laptop(page, "idle")
    page.locator("button[data-key=n]").click()
    page.locator(".current-ticket.called").wait_for()
    fits_the_laptop(page, "called")
    page.locator("button[data-key=n]").click()
    page.locator(".current-ticket.serving").wait_for()
    fits_the_laptop(page, "serving")
    page.locator("button[data-key=t]").click()
    page.locator("dialog[open]").wait_for()
    found = off_screen(page, IN_DIALOG) + covered(page, IN_DIALOG) + clipped_text(page, "dialog[open]")
    assert found == [] and scrolling(page) == [], f"transfer dialog: {found}"
    # The header is one compact line, not a fifth of the screen.
    assert page.locator("header.counter-header").bounding_box()["height"] <= 0.08 * LAPTOP["height"]


def test_keys_take_a_customer_from_the_call_to_the_next_one(laptop, live_server):
    take(live_server, "advice")
    take(live_server, "advice")
    page = laptop("en")
    log_in(page, live_server, "en")
    open_counter(page, "2", "advice")
    main = page.locator(".main-actions button").first
    assert re.fullmatch(r"Call next\s*N", main.inner_text())  # the key is shown on the button
    page.locator("#call-number").press("n")  # typing in a field is typing, not a key command
    assert page.locator("#current-number").count() == 0 and page.locator("#call-number").input_value() == "n"
    page.locator("#call-number").fill("")
    page.locator("#call-number").blur()
    page.keyboard.press("n")
    assert page.locator("#current-number").inner_text() == "A001"
    page.locator(".current-ticket.called").wait_for()
    page.keyboard.press("r")
    page.get_by_text("2 calls").wait_for()
    page.keyboard.press("n")
    page.locator(".current-ticket.serving").wait_for()
    assert page.locator(".main-actions button").first.inner_text().startswith("Done, call next")
    page.keyboard.press("t")
    dialog = page.locator("dialog#transfer-dialog")
    dialog.wait_for()
    page.keyboard.press("n")  # keys rest while the dialog is open
    assert page.locator(".current-ticket.serving #current-number").inner_text() == "A001"
    # Esc and at once N, as a clerk types: the closed dialog's field still has the focus until the
    # next frame, and the N was lost to it three times in four before counter.js knew.
    page.keyboard.press("Escape")
    page.keyboard.press("n")  # done, call next: one step from A001 to A002
    dialog.wait_for(state="hidden")
    page.locator(".current-ticket.called #current-number", has_text="A002").wait_for(timeout=5000)
    page.keyboard.press("n")
    page.locator(".current-ticket.serving").wait_for()
    page.keyboard.press("d")  # done, and no one is left to call
    page.get_by_text("No customer at the counter.").wait_for()


def test_a_transfer_in_its_dialog_says_where_the_customer_went(laptop, live_server):
    take(live_server, "advice")
    page = laptop("fi")
    log_in(page, live_server, "fi")
    open_counter(page, "1", "advice")
    page.get_by_role("button", name="Kutsu seuraava").click()
    page.get_by_role("button", name="Asiakas on paikalla – aloita").click()
    page.locator(".current-ticket.serving").wait_for()
    page.get_by_role("button", name="Siirrä…").click()
    dialog = page.get_by_role("dialog", name="Siirrä A001")
    dialog.get_by_role("button", name="Siirrä", exact=True).click()  # nowhere chosen
    error = dialog.locator(".dialog-errors")
    error.get_by_text("Valitse, minne asiakas siirretään").wait_for()  # shown in the dialog, not behind it
    dialog.get_by_label("Jonoon").select_option("building")
    dialog.get_by_label("Vain virkailijalle").select_option(label="Eeva Asiantuntija (asiantuntija)")
    dialog.get_by_label("Muistiinpano seuraavalle virkailijalle").fill("Saunan laajennus")
    dialog.get_by_role("button", name="Siirrä", exact=True).click()
    page.get_by_text("A001 siirretty: Eeva Asiantuntija (Rakennusvalvonta).").wait_for()
    assert page.locator("dialog[open]").count() == 0 and page.evaluate("scrollY") == 0
    page.get_by_role("button", name="Kutsu seuraava").wait_for()


def test_the_alarm_needs_a_hold_by_mouse_or_by_key(laptop, live_server):
    page = laptop("en")
    log_in(page, live_server, "en")
    open_counter(page, "4", "advice")
    alarm = page.get_by_role("button", name="Alarm")
    alarm.click()  # a click by mistake
    page.wait_for_timeout(2500)
    assert page.locator("#alarms .alarm").count() == 0
    alarm.focus()
    page.keyboard.down("Enter")
    page.wait_for_timeout(1800)
    page.keyboard.up("Enter")
    page.locator("#alarms .alarm", has_text="Counter 4").wait_for()
    page.locator("#alarms").get_by_role("button", name="Acknowledge").click()
    page.locator("#alarms .alarm").wait_for(state="detached")
    box = alarm.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(1800)
    page.mouse.up()
    page.locator("#alarms .alarm", has_text="Counter 4").wait_for()


def test_a_priority_change_takes_a_second_worded_step(laptop, live_server):
    take(live_server, "advice")
    take(live_server, "advice")
    page = laptop("en")
    log_in(page, live_server, "en")
    open_counter(page, "5", "advice")
    row = page.locator(".in-line li", has_text="A002")
    assert [b.inner_text() for b in row.get_by_role("button").all()] == ["Call"]  # one click: only calling
    row.get_by_text("Priority…").click()
    row.get_by_role("button", name="Move A002 ahead: needs assistance").click()
    page.locator(".in-line li").first.get_by_text("Needs assistance").wait_for()
    assert "A002" in page.locator(".in-line li").first.inner_text()
