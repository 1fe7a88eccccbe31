"""The screenshot gallery: every screen at the sizes of its real devices, in Finnish, Swedish and
English, for a person to look at (issue 18). ``scripts/screenshots`` runs it; it writes PNGs and an
index.html into ``docs/screenshots/gallery/`` (not kept in git: make it again after a change).

    .venv/bin/python -m tests.web.gallery [FOLDER]

The demo site is served by a real uvicorn on loopback and photographed by Debian's Chromium, each
screen in the states a person meets: the kiosk's start, ticket, refused code and booked ticket with
and without larger text; the display with a day's calls; the clerk's counter opening, serving and
transferring; the phone's ticket and booking; the manager's reports and administration.
"""

import html
import re
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from server import queue, remote
from server.models import utcnow
from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, make_settings, prepare_demo_database
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_checkin import book, make_bookable, soon
from tests.web.test_display_browser import Clerk

LANGS = ("fi", "sv", "en")
KIOSK = ((1080, 1920), (1920, 1080), (1280, 1024))
DISPLAY = ((1920, 1080), (1080, 1920))
CLERK, PHONE, MANAGER = (1366, 768), (390, 844), (1440, 900)


class Gallery:
    def __init__(self, browser, server, folder: Path):
        self.browser, self.server, self.folder = browser, server, folder
        self.shots: list[tuple[str, str, str]] = []  # (screen, caption, file)

    def page(self, size, lang, **options):
        context = self.browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=f"{lang}-FI",
                                           **options)
        return context.new_page()

    def shoot(self, page, screen: str, state: str, lang: str, full_page: bool = False) -> None:
        size = page.viewport_size
        name = re.sub(r"[^a-z0-9]+", "-", f"{screen} {state} {size['width']}x{size['height']} {lang}".lower())
        page.wait_for_timeout(400)  # fonts, a live push, the end of a transition
        page.screenshot(path=str(self.folder / f"{name}.png"), full_page=full_page)
        self.shots.append((screen, f"{state}, {size['width']}×{size['height']}, {lang}", f"{name}.png"))

    def login(self, page, username: str, lang: str) -> None:
        page.goto(f"{self.server.url}/counter/login?lang={lang}")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state("networkidle")

    def index(self) -> None:
        rows = []
        for screen in dict.fromkeys(s for s, _, _ in self.shots):
            rows.append(f"<h2>{html.escape(screen)}</h2>")
            rows += [f'<figure><a href="{f}"><img src="{f}" alt="" loading="lazy"></a>'
                     f"<figcaption>{html.escape(c)}</figcaption></figure>"
                     for s, c, f in self.shots if s == screen]
        (self.folder / "index.html").write_text(
            "<!doctype html><meta charset=utf-8><title>Luukku: the screens</title>"
            "<style>figure{display:inline-block;margin:.5rem;vertical-align:top}img{max-width:360px;"
            "max-height:360px;border:1px solid #999}</style><h1>Luukku: the screens</h1>" + "\n".join(rows))


def kiosk(g: Gallery) -> None:
    for size in KIOSK:
        for lang in LANGS:
            for larger in (False, True):
                text = "larger text" if larger else "normal text"
                page = g.page(size, lang, has_touch=True)
                page.goto(f"{g.server.url}/kiosk/demo?lang={lang}")
                if larger:
                    page.locator("#kiosk-larger").click()
                g.shoot(page, "Kiosk", f"start, {text}", lang)
                page.locator(".tile").nth(1).click()
                page.locator(".issued-print:not(#print-progress)").wait_for(timeout=10_000)
                g.shoot(page, "Kiosk", f"ticket, {text}", lang)
                page.locator(".issued-to-start").click()
                page.locator(".tile-appointment").wait_for()
                if larger:
                    page.locator("#kiosk-larger").click()
                page.locator(".tile-appointment").click()
                page.locator("#checkin-code").fill("NOSUCH23")
                page.locator(".checkin-submit").click()
                page.locator("#checkin-message").wait_for()
                g.shoot(page, "Kiosk", f"check-in refused, {text}", lang)
                page.locator("#checkin-code").fill(book(g.server, soon(g.server)).code)
                page.locator(".checkin-submit").click()
                page.locator(".issued-print:not(#print-progress)").wait_for(timeout=10_000)
                g.shoot(page, "Kiosk", f"booked ticket, {text}", lang)
                page.context.close()


def display(g: Gallery) -> None:
    for size in DISPLAY:
        for lang in (*LANGS, "fi,sv"):
            page = g.page(size, lang.split(",")[0])
            page.goto(f"{g.server.url}/display/demo?lang={lang}&panel=waiting")
            page.locator("#latest-call").wait_for()
            g.shoot(page, "Waiting-room display", "a day's calls, waiting panel", lang)
            page.context.close()


def counter(g: Gallery) -> None:
    for lang in LANGS:
        page = g.page(CLERK, lang)
        g.login(page, "expert", lang)
        g.shoot(page, "Counter", "opening", lang)
        page.locator("input[name=counter]:not([disabled])").first.check()
        page.wait_for_load_state("networkidle")  # the counter's own services are ticked for it
        for code in ("housing", "building"):
            page.locator(f"input[name=service][value={code}]").check()
        page.locator("form[action='/counter/open'] button[type=submit]").click()
        page.locator("#queue-panel").wait_for()
        g.shoot(page, "Counter", "open, the queue", lang)
        main = page.locator("button[data-key=n]")
        if main.count():
            main.click()
            page.wait_for_timeout(500)
            g.shoot(page, "Counter", "a customer called", lang)
            page.locator("button[data-key=n]").click()  # here: serving
            page.wait_for_timeout(500)
            g.shoot(page, "Counter", "serving", lang)
            page.locator("button[data-key=t]").click()
            page.wait_for_timeout(500)
            g.shoot(page, "Counter", "the transfer dialog", lang)
            page.keyboard.press("Escape")
            page.locator("button[data-key=d]").click()
            page.locator(".current-ticket.idle").wait_for()
        page.locator("form[action='/counter/close'] button").click()  # the next language opens it again
        page.locator("form[action='/counter/open']").wait_for()
        page.context.close()


def phone(g: Gallery, tickets: dict[str, str]) -> None:
    for lang in LANGS:
        page = g.page(PHONE, lang, is_mobile=True, has_touch=True)
        for state, public_id in tickets.items():
            page.goto(f"{g.server.url}/t/{public_id}?lang={lang}")
            g.shoot(page, "Phone", f"ticket {state}", lang, full_page=True)
        page.goto(f"{g.server.url}/b/demo?lang={lang}")
        g.shoot(page, "Phone", "booking: services", lang, full_page=True)
        page.goto(f"{g.server.url}/b/demo/housing?lang={lang}")
        g.shoot(page, "Phone", "booking: days and times", lang, full_page=True)
        page.context.close()


def remote_queue(g: Gallery) -> None:
    """Joining from a phone (issue 19): the list, the form, the ticket before and after "I'm here";
    the arrival screen by the entrance; the counter's marks; the manager's notice."""
    for lang in LANGS:
        page = g.page(PHONE, lang, is_mobile=True, has_touch=True)
        page.goto(f"{g.server.url}/j/demo?lang={lang}")
        g.shoot(page, "Remote queue", "phone: services to join", lang, full_page=True)
        page.goto(f"{g.server.url}/j/demo/advice?lang={lang}")
        g.shoot(page, "Remote queue", "phone: the join form", lang, full_page=True)
        page.locator("input[name=phone]").fill(f"040 555 00{LANGS.index(lang)}{LANGS.index(lang)}")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/t/*")
        g.shoot(page, "Remote queue", "phone: the ticket, not here yet", lang, full_page=True)
        with g.server.app.state.db.read() as session:
            site = queue.get_site(session, "demo")
            code = remote.site_code(g.server.settings.secret_key, site, queue.local_day(site, utcnow()))
        page.locator("input[name=code]").fill(code)
        page.locator("form[action$='/here'] button").click()
        page.wait_for_timeout(500)
        g.shoot(page, "Remote queue", "phone: arrived", lang, full_page=True)
        page.context.close()
    for size in DISPLAY:
        for lang in (*LANGS, "fi,sv,en"):
            page = g.page(size, lang.split(",")[0])
            page.goto(f"{g.server.url}/display/demo/arrival?lang={lang}")
            g.shoot(page, "Remote queue", "arrival screen by the entrance", lang)
            page.context.close()
    for lang in LANGS:
        page = g.page(MANAGER, lang)
        g.login(page, "manager", lang)
        page.goto(f"{g.server.url}/counter/overview?site=demo&lang={lang}")
        g.shoot(page, "Remote queue", "overview with remote tickets", lang, full_page=True)
        page.goto(f"{g.server.url}/counter/notice?site=demo&lang={lang}")
        page.locator("#text_fi").fill("Suljettu tänään klo 14 alkaen sähkökatkon vuoksi.")
        page.locator("main form button[type=submit]").click()
        page.locator("#notice-confirm").wait_for()
        g.shoot(page, "Remote queue", "notice of an unexpected closure, second step", lang, full_page=True)
        page.context.close()


def first_tier(g: Gallery) -> None:
    """"What do you need?" (issue 20): the kiosk's guide, a search, a matter; the phone's guide."""
    for size in KIOSK:
        for lang in LANGS:
            page = g.page(size, lang, has_touch=True)
            page.goto(f"{g.server.url}/kiosk/demo?lang={lang}")
            page.locator(".guide-entry").click()
            page.locator(".guide-topics").wait_for()
            g.shoot(page, "First tier", "kiosk: the guide's topics", lang)
            page.locator("#guide-q").fill({"fi": "pysäköinti", "sv": "parkering", "en": "parking"}[lang])
            page.locator("#guide-q").dispatch_event("input")
            page.locator(".guide-found:not(:has-text('Yleisimmät')):not(:has-text('Vanliga')):not(:has-text('Common'))").wait_for()
            g.shoot(page, "First tier", "kiosk: matters found", lang)
            page.locator(".guide-hit:not([hidden])").first.click()
            page.locator("#matter-title").wait_for()
            g.shoot(page, "First tier", "kiosk: a matter", lang)
            page.context.close()
    for lang in LANGS:
        page = g.page(PHONE, lang, is_mobile=True, has_touch=True)
        page.goto(f"{g.server.url}/g/demo?lang={lang}")
        g.shoot(page, "First tier", "phone: what do you need?", lang, full_page=True)
        page.locator(".guide-phone-hit").first.click()
        g.shoot(page, "First tier", "phone: a matter", lang, full_page=True)
        page.context.close()


def manager(g: Gallery) -> None:
    for lang in LANGS:
        page = g.page(MANAGER, lang)
        g.login(page, "admin", lang)
        for path, state in (("/reports", "reports"), ("/admin", "administration"),
                            ("/admin/sites/demo", "site settings"), ("/admin/matters", "the first tier's matters"),
                            ("/admin/matters/new", "a new matter")):
            page.goto(f"{g.server.url}{path}?lang={lang}")
            page.wait_for_load_state("networkidle")
            g.shoot(page, "Reports and administration", state, lang, full_page=True)
        page.context.close()


def city(g: Gallery) -> None:
    """A city on one server (issues 22, 23): the lobby before newly released times, the login page with
    the city's sign-in, and the administration of releases and of the directory's groups."""
    from tests.web.test_lobby import release
    _, day = release(g.server.app.state.db, 3600, pace=60)
    for lang in LANGS:
        page = g.page(PHONE, lang, is_mobile=True, has_touch=True)
        page.goto(f"{g.server.url}/b/demo/advice?day={day.isoformat()}&lang={lang}")
        page.locator("#lobby-status").wait_for()
        g.shoot(page, "A city", "phone: the lobby before new times open", lang)
        page.context.close()
        page = g.page(CLERK, lang)
        page.goto(f"{g.server.url}/counter/login?lang={lang}")
        g.shoot(page, "A city", "login with the city's sign-in", lang)
        page.context.close()
        page = g.page(MANAGER, lang)
        g.login(page, "admin", lang)
        for path, state in (("/admin/releases", "booking releases"), ("/admin/directory", "the directory's groups")):
            page.goto(f"{g.server.url}{path}?lang={lang}")
            page.wait_for_load_state("networkidle")
            g.shoot(page, "A city", state, lang, full_page=True)
        page.context.close()


def main(folder: Path, only: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    scratch = Path(tempfile.mkdtemp(prefix="luukku-gallery-"))
    url = prepare_demo_database(f"sqlite:///{scratch / 'gallery.db'}")
    port = free_port()
    # A directory to sign in with (its button on the login page; the provider is not asked until used).
    settings = make_settings(url, port, demo_printer=f"file:{scratch / 'prints'}", kiosk_return_s=60,
                             oidc_issuer="https://login.example.fi/city", oidc_client_id="luukku",
                             oidc_button_fi="Kirjaudu kaupungin tunnuksilla",
                             oidc_button_sv="Logga in med stadens konto", oidc_button_en="Sign in with the city's account")
    with LiveServer(settings, port) as server, sync_playwright() as playwright:
        make_bookable(server)
        with server.app.state.db.write() as session:  # a booking for every kiosk picture
            service = queue.get_service(session, queue.get_site(session, "demo"), "advice")
            service.appointment_seats = 60
            session.add(service)
        with Clerk(server.url) as clerk:  # a morning's calls for the display and the phone
            clerk.open(3, "advice", "housing", "payments")
            taken = [clerk.take(code) for code in ("advice", "housing", "payments") * 3]
            for ticket in taken[:5]:
                called = clerk.call_next(3)
                clerk.done(called["id"])
            now = clerk.call_next(3)
            tickets = {"waiting": taken[-1]["id"], "called": now["id"], "finished": taken[0]["id"]}
            for _ in LANGS * 2:  # customers for the counter's pictures, in every language
                clerk.take("housing")  # building control asks an outcome before Done
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        gallery = Gallery(browser, server, folder)
        parts = (kiosk, first_tier, display, manager, remote_queue, counter, city)
        for part in parts if only is None else [p for p in parts if p.__name__ == only]:
            part(gallery)
        if only is None:
            phone(gallery, tickets)
        gallery.index()
        browser.close()
    print(f"{len(gallery.shots)} pictures in {folder}/index.html")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/gallery"), *sys.argv[2:3])
