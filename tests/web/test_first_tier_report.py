"""The reports' first-tier section over real HTTP (issue 20): the key figures, each CSV against the
core's figures, each chart's bars against its CSV, titles in the page's language, and the first tier's
share as self-service and the generalists together. Guide events are real rows, recorded through
server/matters.py on two simulated days of visits."""

import random
import re
from time import monotonic as time_now, sleep
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server import housekeeping, i18n, matters, queue
from server.db import Database
from server.models import GuideEvent, Matter, utcnow
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database, prepare_from_template
from tests.web.test_reports import (DAYS, chart, core_report, figure, logged_in, marks, prepare_report_database,
                                    read_csv)

# Matters as a municipality writes them (fi, sv, en, the service that takes it); one with no Swedish
# or English title, one with a long title, one self-service only.
MATTERS = [
    ("Asukaspysäköintitunnus", "Boendeparkeringstillstånd", "Resident parking permit", "payments"),
    ("Laskun maksuaika ja maksusuunnitelma", "Betalningstid och betalningsplan för en faktura",
     "Payment time and plan for an invoice", "payments"),
    ("Rakennuslupa omakotitalon laajennukseen tai muutostyöhön", "Bygglov för tillbyggnad eller ändring av egnahemshus",
     "Building permit for extending or altering a detached house", "building"),
    ("Varhaiskasvatushakemus", "Ansökan om småbarnspedagogik", "Early childhood education application",
     "early-education"),
    ("Kirjastokortti", "", "", None),
    ("Jäteastian tyhjennysväli", "Tömningsintervall för soptunnan", "Emptying interval of the waste bin", None),
    ("Vuokra-asunnon hakeminen", "Ansökan om hyresbostad", "Applying for a rental flat", "housing"),
    ("Suomi.fi-tunnistautumisen apu", "Hjälp med Suomi.fi-identifikation", "Help with Suomi.fi identification",
     "e-services"),
]
SEARCHES = ["koiravero", "koiravero", "koiravero", "ajokortti", "ajokortti", "uimahallin aukioloajat",
            "bygglov balkong", "löytötavarat", "passi", "passi", "venepaikka", "kalastuslupa", "sauna",
            "pysäköintisakko valitus ja oikaisuvaatimus kaupungin pysäköinninvalvonnalle", "liikuntaseteli",
            "kuntosali", "nuorisotila", "hautapaikka"]  # 14 different: more than a chart shows


def prepare_first_tier_database(url: str) -> str:
    """The reports' two simulated days with a catalogue and the guide's events on both days."""
    return prepare_from_template(url, _build_first_tier_database)


def _build_first_tier_database(url: str) -> str:
    prepare_report_database(url)
    database = Database(url)
    rng = random.Random(20)
    with database.write() as session:
        site = queue.get_site(session, "demo")
        catalogue = []
        for n, (fi, sv, en, code) in enumerate(MATTERS):
            matter = Matter(key=f"test-report-{n}", title_fi=fi, title_sv=sv, title_en=en, service_code=code,
                            eservice_url_fi="https://asiointi.example.fi/" if code != "housing" else "")
            session.add(matter)
            session.flush()
            matters.set_sites(session, matter, [site])
            catalogue.append(matter)
        for day in DAYS:
            for n, matter in enumerate(catalogue):
                for _ in range(rng.randint(1, 9 - n)):
                    at = datetime.combine(day, time(rng.randint(8, 15), rng.randint(0, 59)), ZoneInfo(site.timezone))
                    kind = rng.choice(["opened", "opened", "solved", "solved", "printed", "ticket", "booked"])
                    matters.record(session, site, kind, rng.choice(["kiosk", "phone"]), "fi", matter=matter, now=at)
            for words in SEARCHES:
                at = datetime.combine(day, time(rng.randint(8, 15), rng.randint(0, 59)), ZoneInfo(site.timezone))
                matters.record(session, site, "not-found", "kiosk", "fi", query=words, now=at)
    database.dispose()
    return url


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = prepare_first_tier_database(f"sqlite:///{tmp_path_factory.mktemp('first-tier') / 'reports.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port), port) as live:
        yield live


PARAMS = {"period": "custom", "from": DAYS[0].isoformat(), "to": DAYS[1].isoformat()}


def test_the_first_tiers_csvs_are_the_core_figures_and_the_charts_draw_them(server):
    r = core_report(server, DAYS[0], DAYS[1])
    with logged_in(server, "manager") as manager:
        page = manager.get("/reports", params=PARAMS).text
        used = read_csv(manager.get("/reports/self-service.csv", params=PARAMS))
        words = read_csv(manager.get("/reports/not-found.csv", params=PARAMS))
        tier = read_csv(manager.get("/reports/first-tier.csv", params=PARAMS))

    assert used[0] == ["Matter", "Settled at the kiosk", "Settled on a phone", "Settled in all", "Opened",
                       "Steps printed", "Took a number", "Booked a time"]
    english = [en or fi for fi, _, en, _ in MATTERS]  # an English page: the Finnish title where none in English
    assert sorted(row[0] for row in used[1:]) == sorted(english)
    assert [[int(c) for c in row[1:]] for row in used[1:]] == [
        [u.solved_kiosk, u.solved_phone, u.solved, u.opened, u.printed, u.ticket, u.booked] for u in r.guide.matters]
    assert used[1:] and [int(row[3]) for row in used[1:]] == sorted((int(row[3]) for row in used[1:]), reverse=True)
    # An English visitor's page names a matter with no English title by its Finnish one.
    assert "Kirjastokortti" in [row[0] for row in used[1:]]

    assert words[1:4] == [["koiravero", "6"], ["ajokortti", "4"], ["passi", "4"]]
    assert sum(int(n) for _, n in words[1:]) == r.guide.not_found == 2 * len(SEARCHES)

    settled = r.guide.settled[None]
    assert settled == sum(u.solved for u in r.guide.matters) > 0
    everything = r.first_tier[None]
    assert [figure(c) for c in tier[1][1:]] == [settled, r.generalist[None].whole, r.generalist[None].part,
                                                everything.whole, everything.part, round(100 * everything.share, 1)]
    assert (everything.part, everything.whole) == (settled + r.generalist[None].part, settled + r.generalist[None].whole)

    # The key figures, and each chart's bars exactly its CSV's (the chart has the 12 most settled / frequent).
    assert f'data-figure="self-service">{settled}<' in page
    assert f'data-figure="not-found">{2 * len(SEARCHES)}<' in page
    shown = lambda text: text if len(text) <= 40 else text[:39].rstrip() + "…"  # noqa: E731
    assert marks(page, "self-service") == [f"{shown(row[0])}, {series}: {cell}" for row in used[1:13] if row[3] != "0"
                                           for series, cell in zip(["At the kiosk", "On a phone"], row[1:3])]
    assert marks(page, "not-found") == [f"{shown(row[0])}: {row[1]}" for row in words[1:13]]
    assert marks(page, "first-tier") == [f"{row[0]}: {row[-1]}" for row in tier[1:] if row[-1]]
    # Counts on the axis as whole numbers, each once (not "0 1 1 2 2" for halves printed whole).
    for name in ("self-service", "not-found"):
        ticks = axis_labels(page, name)
        assert ticks and ticks == sorted(set(ticks), key=int) and ticks[0] == "0", (name, ticks)


def axis_labels(page: str, name: str) -> list[str]:
    """The labels of the chart's value axis (the first axis whose labels are all numbers)."""
    for group in re.findall(r'<g class="mark-text role-axis-label"[^>]*>(.*?)</g>', chart(page, name), re.S):
        labels = re.findall(r"<text[^>]*>([^<]*)</text>", group)
        if labels and all(label.isdigit() for label in labels):
            return labels
    return []


def test_the_section_speaks_the_pages_language(server):
    with logged_in(server, "manager", "sv") as manager:
        page = manager.get("/reports", params={**PARAMS, "lang": "sv"}).text
        used = read_csv(manager.get("/reports/self-service.csv", params={**PARAMS, "lang": "sv"}))
    assert used[0][0] == i18n.gettext("sv", "Matter")
    assert sorted(row[0] for row in used[1:]) == sorted(sv or fi for fi, sv, _, _ in MATTERS)
    assert "Boendeparkeringstillstånd" in page and i18n.gettext("sv", "Searches that found nothing") in page


def test_a_counter_filter_leaves_self_service_out_of_the_first_tier(server):
    with server.app.state.db.read() as session:
        counter = queue.site_counters(session, queue.get_site(session, "demo"))[0]
    with logged_in(server, "manager") as manager:
        narrowed = read_csv(manager.get("/reports/first-tier.csv", params={**PARAMS, "counter": counter.number}))
        page = manager.get("/reports", params={**PARAMS, "counter": counter.number}).text
    assert narrowed[1][1] == "0" and narrowed[1][2:4] == narrowed[1][4:6]  # S = 0: all is the generalists'
    assert 'id="section-guide"' in page  # the guide's own figures stay (no counter settles at the kiosk)


def test_an_old_period_counts_the_searches_whose_words_are_gone(server):
    with server.app.state.db.write() as session:
        site = queue.get_site(session, "demo")
        day = DAYS[0] - timedelta(days=200)
        at = datetime.combine(day, time(10), ZoneInfo(site.timezone))
        matters.record(session, site, "not-found", "kiosk", "fi", query="vanha haku", now=at)
    # The job as the server runs it, its clock 91 days on: the words of that day go, the later ones stay.
    assert housekeeping.forget_search_words(server.app.state.db, 90, now=at + timedelta(days=91)) == 1
    with logged_in(server, "manager") as manager:
        page = manager.get("/reports", params={"period": "day", "day": day.isoformat()}).text
        words = read_csv(manager.get("/reports/not-found.csv", params={"period": "day", "day": day.isoformat()}))
    assert 'data-figure="not-found">1<' in page and "vanha haku" not in page and words[1:] == []
    assert "have been cleared after the retention period" in page
    assert "The words are kept for 90 days, then only the count." in page


def test_the_running_servers_housekeeping_clears_words_past_the_setting(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'retention.db'}")
    database = Database(url)
    with database.write() as session:
        site = queue.get_site(session, "demo")
        old = matters.record(session, site, "not-found", "phone", "fi", query="hukassa oleva lompakko",
                             now=utcnow() - timedelta(days=6))
        new = matters.record(session, site, "not-found", "phone", "fi", query="uimahalli", now=utcnow() - timedelta(days=4))
        session.flush()
        ids = (old.id, new.id)
    database.dispose()
    port = free_port()
    with LiveServer(make_settings(url, port, search_words_retention_days=5), port) as server:
        deadline = time_now() + 30
        while True:  # the first run of the hourly retention is at start
            with server.app.state.db.read() as session:
                words = [session.get(GuideEvent, i).query for i in ids]
            if words[0] is None or time_now() > deadline:
                break
            sleep(0.2)
    assert words == [None, "uimahalli"]
