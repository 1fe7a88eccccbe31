"""Fixtures for the screens: Debian's Chromium through Playwright."""

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


# Module scope: Playwright's sync API keeps an event loop running in the main thread while it is
# started, and other tests run their own (anyio.run) there.
@pytest.fixture(scope="module")
def playwright():
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (scripts/test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright):
    """Chromium as a desktop browser: sound needs a tap on the page first."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def kiosk_browser(playwright):
    """Chromium started the way docs/display.md starts a display: sound plays without a tap."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"])
    yield browser
    browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that fails says what its pages showed: their addresses and texts."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    shown = []
    for name in ("browser", "kiosk_browser"):
        browser = item.funcargs.get(name)
        for context in browser.contexts if browser is not None else ():
            for page in context.pages:
                try:
                    text = page.evaluate("() => document.body ? document.body.innerText : ''")
                except Exception as exc:  # a closed or crashed page says so
                    text = f"({exc.__class__.__name__})"
                shown.append(f"{page.url}\n{' '.join(text.split())[:1500]}")
    if shown:
        report.sections.append(("the pages as they were", "\n\n".join(shown)))
