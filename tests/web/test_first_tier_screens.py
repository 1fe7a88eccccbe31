"""The first tier's staff screens as a manager's 1440×900 screen shows them, in fi, sv and en (issue
20): the catalogue's list and form (admin) and the reports' first-tier section. Pages may scroll down,
never sideways; no text is clipped; every control sits wholly within the window's width and is
reached by scrolling; the form's three languages stand side by side; the section's two charts stand
abreast, their labels neither overlapping nor leaving the chart. Photographs go to $LUUKKU_SHOTS
when it is set."""

import pytest

from server import matters, queue
from server.models import Matter
from tests.conftest import LiveServer, free_port, make_settings
from tests.web import geometry
from tests.web.axe import assert_accessible
from tests.web.test_first_tier_report import MATTERS, PARAMS, SEARCHES, prepare_first_tier_database
from tests.web.test_reports_screens import LANGS, chart_text_sizes, logged_in, photograph, sideways

pytestmark = pytest.mark.browser
CONTROLS = "main a, main button, main input:not([type=hidden]), main select, main textarea, .admin-nav a"
LONG = {  # a matter that fills its fields as PTV's texts do
    "title_fi": "Rakennuslupa omakotitalon laajennukseen tai muutostyöhön",
    "title_sv": "Bygglov för tillbyggnad eller ändring av egnahemshus",
    "keywords_fi": "rakennuslupa, laajennus, remontti, omakotitalo, rakennusvalvonta, lupapiste",
    "answer_fi": "Hae lupaa Lupapiste.fi-palvelussa. Liitä hakemukseen pääpiirustukset ja naapurien kuuleminen. "
                 "Rakennusvalvonta käsittelee hakemuksen noin kuudessa viikossa.",
    "answer_sv": "Ansök om lov i tjänsten Lupapiste.fi. Bifoga huvudritningar och hörandet av grannar.",
    "bring_fi": "Pääpiirustukset\nSelvitys naapurien kuulemisesta\nValtakirja, jos asioit toisen puolesta",
    "steps_fi": "Kirjaudu Lupapiste.fi-palveluun\nTäytä hakemus\nLiitä piirustukset\nLähetä hakemus",
    "eservice_url_fi": "https://www.lupapiste.fi/hakemus/uusi-rakennuslupa-omakotitalon-laajennukseen",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = prepare_first_tier_database(f"sqlite:///{tmp_path_factory.mktemp('first-tier-screens') / 'r.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port), port) as live:
        with live.app.state.db.write() as session:
            matter = Matter(key="test-screens-long", service_code="building", book=True, topic_position=4,
                            ptv_id="8c1f0b6e-1a2b-4c3d-9e8f-0a1b2c3d4e5f", ptv_values="{}", **LONG)
            session.add(matter)
            session.flush()
            matters.set_sites(session, matter, [queue.get_site(session, "demo")])
            live.matter_id = matter.id
        yield live


def across(page, selector: str = CONTROLS) -> list[str]:
    """Controls not wholly within the window's width (a page may scroll down, not sideways)."""
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
      .filter((el) => el.getClientRects().length && el.getBoundingClientRect().width > 1)
      .map((el) => [el, el.getBoundingClientRect()])
      .filter(([el, r]) => r.left < -1 || r.right > innerWidth + 1)
      .map(([el, r]) => `${el.tagName} ${el.id || el.name || el.textContent.trim().slice(0, 30)}`
                        + ` at ${Math.round(r.left)}–${Math.round(r.right)}`)""", selector)


def reached(page, selector: str) -> list[str]:
    """The control, scrolled into view, is wholly on screen and not under anything."""
    page.locator(selector).first.scroll_into_view_if_needed()
    return geometry.off_screen(page, selector) + geometry.covered(page, selector)


def check(page, where: str) -> None:
    assert sideways(page) == [], where
    assert geometry.clipped_text(page) == [], where
    assert across(page) == [], where
    assert geometry.off_screen(page, "header a, header button, .admin-nav a") == [], where


@pytest.mark.parametrize("lang", LANGS)
def test_the_catalogue_fits_a_managers_screen(browser, server, lang):
    context, page = logged_in(browser, server, "admin", lang)
    page.goto(f"{server.url}/admin/matters")
    photograph(page, f"admin-matters-{lang}")
    check(page, f"list ({lang})")
    assert page.locator(".matters-table tbody tr").count() > len(MATTERS) and reached(page, "#matters-q") == []
    assert page.locator(".admin-nav a[aria-current=page]").get_attribute("href") == "/admin/matters"
    assert_accessible(page)

    page.goto(f"{server.url}/admin/matters/{server.matter_id}")
    photograph(page, f"admin-matter-{lang}")
    check(page, f"form ({lang})")
    # Finnish, Swedish and English side by side, as wide as each other, on one row.
    boxes = page.eval_on_selector_all(".matter-language", "fs => fs.map(f => f.getBoundingClientRect())"
                                      ".map(r => [Math.round(r.top), Math.round(r.width)])")
    assert len(boxes) == 3 and len({top for top, _ in boxes}) == 1 and max(w for _, w in boxes) - min(
        w for _, w in boxes) <= 2 and min(w for _, w in boxes) >= 300, boxes
    # The same field is at the same height in each language.
    tops = page.eval_on_selector_all("#title_fi, #title_sv, #title_en", "es => es.map(e => e.getBoundingClientRect().top)")
    assert max(tops) - min(tops) <= 1, tops
    assert page.locator("#ptv-note").is_visible() and page.locator("#missing-languages").is_visible()
    assert reached(page, ".matter-form button[type=submit]") == []
    assert_accessible(page)

    # A form with mistakes: each message beside its field, the page still whole.
    page.goto(f"{server.url}/admin/matters/new")
    page.fill("#title_sv", "Ärende utan finsk titel")
    page.fill("#eservice_url_fi", "http://asiointi.example.fi/lupa-joka-on-pitka-osoite-ja-jatkuu-viela")
    page.evaluate("document.querySelector('#title_fi').removeAttribute('required')")  # as a script-less browser may
    page.click(".matter-form button[type=submit]")
    page.locator(".field-error").first.wait_for()
    photograph(page, f"admin-matter-mistakes-{lang}")
    check(page, f"mistakes ({lang})")
    assert page.locator(".field-error").count() == 2
    assert reached(page, "#eservice_url_fi-error") == []
    context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_first_tier_section_fits_a_managers_screen(browser, server, lang):
    context, page = logged_in(browser, server, "manager", lang)
    page.goto(f"{server.url}/reports?period={PARAMS['period']}&from={PARAMS['from']}&to={PARAMS['to']}")
    page.locator("#section-guide").scroll_into_view_if_needed()
    photograph(page, f"reports-first-tier-{lang}")
    where = f"reports ({lang})"
    assert sideways(page) == [], where
    assert geometry.clipped_text(page) == [], where
    assert geometry.overlapping(page, "svg.chart text") == [], where
    assert geometry.outside(page, "svg.chart text, svg.chart path, svg.chart rect", "svg") == [], where
    assert across(page, "#section-guide a, #section-guide summary") == [], where
    sizes = chart_text_sizes(page)
    assert sizes and 12 <= min(sizes) and max(sizes) <= 16, (where, min(sizes), max(sizes))
    # The two charts abreast, each about half the page; the per-matter table whole within the page.
    halves = page.eval_on_selector_all("#chart-self-service, #chart-not-found", "cs => cs.map(c => c.getBoundingClientRect())"
                                       ".map(r => [Math.round(r.top), r.width])")
    main = page.eval_on_selector("main", "m => m.getBoundingClientRect().width")
    assert len(halves) == 2 and halves[0][0] == halves[1][0] and min(w for _, w in halves) >= 0.4 * main, halves
    table = page.eval_on_selector("#section-guide .table-scroll table", "t => [t.scrollWidth, t.parentElement.clientWidth]")
    assert table[0] <= table[1], table  # no scroll inside its box either
    for figure in ("self-service", "generalist", "first-tier"):
        assert reached(page, f"dd[data-figure={figure}]") == [], figure
    page.locator("#section-not-found summary").click()
    assert page.locator("#section-not-found table tbody tr").count() == len(set(SEARCHES)) > 12  # not only the chart's
    assert geometry.clipped_text(page, "#section-guide") == [], where
    # The help says what the new figure is.
    page.click("#report-help summary")
    assert page.locator("#report-help dt").count() >= 12
    assert_accessible(page, include="#section-guide")
    context.close()
