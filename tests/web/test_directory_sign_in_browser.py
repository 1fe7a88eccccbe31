"""Staff sign-in with the city's identity provider in Chromium (issue 23): the login page with its
button at 1366×768 in fi, sv and en (measured, axe-core), then the whole round trip through the
provider's own sign-in form and back, logged in, in the page's language. Set LUUKKU_SHOTS=folder to
keep the screenshots."""

import os
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.web import geometry
from tests.web.axe import assert_accessible
from tests.web.test_directory_sign_in import BUTTONS, map_group, provider, server, start_server  # noqa: F401

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
LOCALES = {"fi": "fi-FI", "sv": "sv-SE", "en": "en-GB"}


def test_a_clerk_signs_in_through_the_providers_page_in_chromium(browser, server, provider, tmp_path):
    folder = Path(os.environ.get("LUUKKU_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    map_group(server, "luukku-clerks", "clerk")
    provider.add_person("maija", "Maija Meikäläinen", ["luukku-clerks"])
    for lang in ("fi", "sv", "en"):
        context = browser.new_context(viewport=LAPTOP, locale=LOCALES[lang])
        try:
            page = context.new_page()
            page.goto(f"{server.url}/counter/login?lang={lang}")
            button = page.get_by_role("link", name=BUTTONS[lang])
            assert button.is_visible()
            box = button.bounding_box()
            assert box["y"] + box["height"] <= LAPTOP["height"] and box["height"] >= 40  # above the fold, easy to hit
            assert geometry.scrolling(page) == [] and geometry.clipped_text(page) == []
            assert geometry.off_screen(page) == [] and geometry.covered(page) == []
            assert_accessible(page)
            page.evaluate("() => document.fonts.ready")
            page.screenshot(path=str(folder / f"login-directory-{lang}.png"))
            if lang != "sv":
                continue
            # The whole round trip once: the provider's own page, then back to the counter, still in Swedish.
            button.click()
            page.wait_for_url(f"{provider.issuer}/authorize*")
            page.fill("#username", "maija")
            page.click("button[type=submit]")
            page.wait_for_url(f"{server.url}/counter")
            assert "Maija Meikäläinen" in page.content()
            assert page.evaluate("() => document.documentElement.lang") == "sv"
        finally:
            context.close()


def test_the_admin_page_of_the_groups_reads_well_in_each_language(browser, server):
    map_group(server, "luukku-clerks", "clerk")
    map_group(server, "luukku-admins", "admin")
    for lang in ("fi", "sv", "en"):
        context = browser.new_context(viewport=LAPTOP, locale=LOCALES[lang])
        try:
            page = context.new_page()
            page.goto(f"{server.url}/counter/login?lang={lang}")
            page.fill("#username", "admin")
            page.fill("#password", DEMO_PASSWORD)
            page.click("form[action='/counter/login'] button[type=submit]")
            page.wait_for_url(f"{server.url}/counter")
            page.goto(f"{server.url}/admin/directory")
            assert page.locator("table.admin-table tbody tr").count() == 2
            assert page.evaluate("() => document.documentElement.lang") == lang
            assert geometry.clipped_text(page) == []  # an admin page may scroll; nothing is cut
            assert_accessible(page)
        finally:
            context.close()
