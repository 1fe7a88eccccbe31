"""First tier guide (issue 20): the guide's search with 2,000 matters, its speed and its accuracy.

The demo site's catalogue (server/demo_matters.py) and generated matters beside it, 2,000 in all,
in a migrated database (SQLite file, and a fresh PostgreSQL database); then the questions of
tests/data/guide_questions.tsv, and every beginning of each (2 letters or more) as the kiosk sends
them while a visitor types, are searched:

1. ``Finder.find`` in this process (server/search.py, the checkout's files), each search in a read
   session of its own as a request has: the first pass with empty word caches (every typo and
   unknown word goes through Voikko's suggestions once), then ``--passes`` more; p50, p99, max.
   The first search's time: the indexes of the three languages built, as after any change.
2. ``GET /api/v1/sites/demo/guide`` over HTTP against ``python -m server.cli serve`` (one worker,
   the checkout's files, on the same database): each search once from one keep-alive connection,
   then from ``--clients`` at once (1 and 4), each sending its next as soon as the last is answered;
   the round trip's p50 and p99.
3. Top-1 and top-3 accuracy of the questions, with the demo's matters only and among the 2,000.

    scripts/bench guide                   # SQLite and PostgreSQL, 2,000 matters
    scripts/bench guide --quick           # 500 matters, one pass, the questions only
    scripts/bench guide --write           # and updates its section of docs/PERFORMANCE.md
"""

import argparse
import asyncio
import random
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from sqlmodel import select

from bench.live_fanout import percentile
from bench.luukku_server import (ROOT, PASSWORD, Server, pg_database, pg_url, require_postgresql, uncommitted,
                                 wait_until_quiet)
from bench.performance import PERFORMANCE, run_stamp, write_section
from bench.suite import Connection
from server import search, words
from server.db import Database
from server.demo import seed_demo
from server.migrate import upgrade
from server.models import Matter, MatterSite, Site
from tests.core.test_guide_accuracy import load_questions, measure

# Generated matters: a subject (Finnish, its genitive, Swedish, English) and something done about
# it (Finnish, Swedish, English), as a municipality's catalogue has hundreds: "Veneen rekisteröinti",
# "Registrering av båt", "Registering: boat".
SUBJECTS = [
    ("koira", "koiran", "hund", "dog"), ("kissa", "kissan", "katt", "cat"), ("vene", "veneen", "båt", "boat"),
    ("auto", "auton", "bil", "car"), ("polkupyörä", "polkupyörän", "cykel", "bicycle"),
    ("mökki", "mökin", "stuga", "cottage"), ("sauna", "saunan", "bastu", "sauna"), ("piha", "pihan", "gård", "yard"),
    ("aita", "aidan", "staket", "fence"), ("puu", "puun", "träd", "tree"), ("kaivo", "kaivon", "brunn", "well"),
    ("laituri", "laiturin", "brygga", "jetty"), ("katu", "kadun", "gata", "street"),
    ("puisto", "puiston", "park", "park"), ("tontti", "tontin", "tomt", "plot"), ("talo", "talon", "hus", "house"),
    ("asunto", "asunnon", "bostad", "flat"), ("autotalli", "autotallin", "garage", "garage"),
    ("varasto", "varaston", "förråd", "storeroom"), ("leikkipuisto", "leikkipuiston", "lekpark", "playground"),
    ("uimaranta", "uimarannan", "badstrand", "beach"), ("kenttä", "kentän", "plan", "sports field"),
    ("kirjasto", "kirjaston", "bibliotek", "library"), ("museo", "museon", "museum", "museum"),
    ("teatteri", "teatterin", "teater", "theatre"), ("koulu", "koulun", "skola", "school"),
    ("päiväkoti", "päiväkodin", "daghem", "daycare centre"), ("kerho", "kerhon", "klubb", "club"),
    ("yhdistys", "yhdistyksen", "förening", "association"), ("yritys", "yrityksen", "företag", "business"),
    ("kioski", "kioskin", "kiosk", "kiosk"), ("tori", "torin", "torg", "market square"),
    ("tapahtuma", "tapahtuman", "evenemang", "event"), ("konsertti", "konsertin", "konsert", "concert"),
    ("näyttely", "näyttelyn", "utställning", "exhibition"), ("kompostori", "kompostorin", "kompost", "compost bin"),
    ("katuvalo", "katuvalon", "gatubelysning", "street light"), ("vesimittari", "vesimittarin", "vattenmätare",
                                                                   "water meter"),
    ("viemäri", "viemärin", "avlopp", "sewer"), ("antenni", "antennin", "antenn", "aerial"),
    ("aurinkopaneeli", "aurinkopaneelin", "solpanel", "solar panel"),
    ("lämpöpumppu", "lämpöpumpun", "värmepump", "heat pump"), ("kalastus", "kalastuksen", "fiske", "fishing"),
    ("hevonen", "hevosen", "häst", "horse"), ("mehiläispesä", "mehiläispesän", "bikupa", "beehive"),
    ("liikuntasali", "liikuntasalin", "idrottssal", "sports hall"), ("uimahalli", "uimahallin", "simhall",
                                                                     "swimming hall"),
    ("hautapaikka", "hautapaikan", "gravplats", "grave"), ("ilmoitustaulu", "ilmoitustaulun", "anslagstavla",
                                                           "notice board"),
    ("pelastustie", "pelastustien", "räddningsväg", "fire lane"),
]
ACTIONS = [
    ("rekisteröinti", "registrering", "registering"), ("ilmoitus", "anmälan", "notifying"),
    ("lupahakemus", "tillståndsansökan", "permit application"), ("maksu", "avgift", "fee"),
    ("vuokraus", "uthyrning", "renting"), ("varaus", "bokning", "booking"), ("tarkastus", "inspektion", "inspection"),
    ("korjaus", "reparation", "repair"), ("huolto", "underhåll", "maintenance"), ("avustus", "bidrag", "grant"),
    ("neuvonta", "rådgivning", "advice"), ("valitus", "besvär", "appeal"), ("palaute", "respons", "feedback"),
    ("poisto", "avlägsnande", "removal"), ("siirto", "flyttning", "moving"), ("muutos", "ändring", "changes"),
    ("peruutus", "avbokning", "cancelling"), ("todistus", "intyg", "certificate"), ("kartta", "karta", "map"),
    ("aukioloajat", "öppettider", "opening hours"), ("hinnasto", "prislista", "prices"),
    ("vakuutus", "försäkring", "insurance"), ("turvallisuus", "säkerhet", "safety"),
    ("kurssi", "kurs", "course"), ("jäsenyys", "medlemskap", "membership"), ("sopimus", "avtal", "contract"),
    ("katselmus", "syn", "survey"), ("vahinko", "skada", "damage"), ("valvonta", "tillsyn", "supervision"),
    ("suunnitelma", "plan", "plan"), ("arviointi", "bedömning", "assessment"), ("kyltti", "skylt", "sign"),
    ("puhdistus", "rengöring", "cleaning"), ("tyhjennys", "tömning", "emptying"),
    ("kuljetus", "transport", "transport"), ("säilytys", "förvaring", "storage"),
    ("kuulutus", "kungörelse", "public notice"), ("lainaus", "utlåning", "lending"),
    ("ajanvaraus", "tidsbokning", "appointment"), ("tilastot", "statistik", "statistics"),
]
FILLER = {
    "fi": ["Hoida asia verkossa tai tule palvelupisteeseen.", "Ota mukaan henkilöllisyystodistus.",
           "Käsittely kestää yleensä kaksi viikkoa.", "Saat päätöksen Suomi.fi-viesteihin.",
           "Kysy lisää neuvonnasta.", "Palvelu on maksuton kuntalaisille."],
    "sv": ["Sköt ärendet på nätet eller kom till servicepunkten.", "Ta med ett identitetsbevis.",
           "Handläggningen tar vanligen två veckor.", "Du får beslutet i Suomi.fi-meddelanden.",
           "Fråga mer i rådgivningen.", "Tjänsten är avgiftsfri för invånarna."],
    "en": ["Do it online or come to the service point.", "Bring an identity document.",
           "It usually takes two weeks.", "You get the decision in Suomi.fi Messages.",
           "Ask the advice desk for more.", "The service is free for residents."],
}
SERVICES = ["advice", "housing", "building", "early-education", "payments", "e-services", None]


def generated_matters(count: int, seed: int = 20) -> list[dict]:
    rng = random.Random(seed)
    pairs = [(s, a) for s in SUBJECTS for a in ACTIONS]
    rng.shuffle(pairs)
    found = []
    for n, ((fi, gen, sv, en), (act_fi, act_sv, act_en)) in enumerate(pairs[:count]):
        found.append({
            "key": f"bench-{n:04d}",
            "title_fi": f"{gen.capitalize()} {act_fi}", "title_sv": f"{act_sv.capitalize()} av {sv}",
            "title_en": f"{en.capitalize()}: {act_en}",
            "keywords_fi": f"{fi}{act_fi}, {fi}, {act_fi}", "keywords_sv": f"{sv}{act_sv}, {sv}, {act_sv}",
            "keywords_en": f"{en} {act_en}, {en}, {act_en}",
            "answer_fi": f"{gen.capitalize()} {act_fi} hoidetaan kaupungin palveluissa. "
                         + " ".join(rng.sample(FILLER["fi"], 3)),
            "answer_sv": f"{act_sv.capitalize()} av {sv} sköts av stadens tjänster. "
                         + " ".join(rng.sample(FILLER["sv"], 3)),
            "answer_en": f"The city handles {act_en} for a {en}. " + " ".join(rng.sample(FILLER["en"], 3)),
            "eservice_url_fi": f"https://asiointi.kaupunki.example/{n}" if rng.random() < 0.5 else "",
            "service_code": rng.choice(SERVICES),
        })
    return found


def prepare(url: str, generated: int) -> None:
    """The demo site with its catalogue and ``generated`` more matters, in a migrated database."""
    upgrade(url)
    db = Database(url)
    with db.write() as session:
        site = seed_demo(session, PASSWORD)
        added = [Matter(**row) for row in generated_matters(generated)]
        session.add_all(added)
        session.flush()
        session.add_all(MatterSite(matter_id=m.id, site_id=site.id) for m in added)
    if db.is_sqlite:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()


def searches(questions, typing: bool) -> list[tuple[str, str]]:
    """(lang, query): each question as typed to the end, and (``typing``) every beginning of it of
    2 letters or more, as the kiosk asks while a visitor types (it waits for a pause; all are counted)."""
    found = []
    for q in questions:
        if typing:
            found += [(q.lang, q.text[:end]) for end in range(2, len(q.text))]
        found.append((q.lang, q.text))
    return found


@dataclass
class Run:
    database: str
    matters: int = 0
    build_s: float = 0.0
    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    http: dict[int, list[float]] = field(default_factory=dict)  # clients at once → round trips
    http_errors: int = 0
    searches: int = 0
    accuracy: dict = field(default_factory=dict)


def time_finder(url: str, run: Run, queries: list[tuple[str, str]], passes: int) -> None:
    db = Database(url)
    finder = search.Finder()
    with db.read() as session:
        site = session.exec(select(Site).where(Site.slug == "demo")).one()
        run.matters = len(session.exec(select(MatterSite).where(MatterSite.site_id == site.id)).all())
        began = time.perf_counter()  # the first search builds the three languages' indexes
        finder.find(session, site, "xx", "fi")
        run.build_s = time.perf_counter() - began
    for n in range(1 + passes):
        times = run.cold if n == 0 else run.warm
        for lang, query in queries:
            began = time.perf_counter()
            with db.read() as session:  # as run_read: a session per request, the site read in it
                site = session.exec(select(Site).where(Site.slug == "demo")).one()
                finder.find(session, site, query, lang)
            times.append(time.perf_counter() - began)
    with db.read() as session:
        site = session.exec(select(Site).where(Site.slug == "demo")).one()
        run.accuracy["all"] = measure(finder, session, site, load_questions())
    db.dispose()


def time_http(url: str, run: Run, queries: list[tuple[str, str]], levels: list[int], scratch: Path) -> None:
    server = Server(scratch / "code", url, 1, scratch, scratch / "prints")
    try:
        server.wait_until_serving()

        async def client(share: list[tuple[str, str]], times: list[float]) -> None:
            connection = Connection(server.port)
            try:
                for lang, query in share:
                    path = "/api/v1/sites/demo/guide?" + urlencode({"q": query, "lang": lang})
                    began = time.perf_counter()
                    reply = await connection.request("GET", path)
                    times.append(time.perf_counter() - began)
                    run.http_errors += reply.status != 200
            finally:
                connection.close()

        async def everyone() -> None:
            await Connection(server.port).request("GET", "/api/v1/sites/demo/guide?q=xx")  # builds the index
            for clients in levels:
                times = run.http[clients] = []
                await asyncio.gather(*(client(queries[i::clients], times) for i in range(clients)))

        asyncio.run(everyone())
    finally:
        server.stop()


def demo_only_accuracy(questions) -> dict:
    """Accuracy with the demo's matters only (what tests/core/test_guide_accuracy.py asserts)."""
    with tempfile.TemporaryDirectory(prefix="luukku-guide-demo-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        prepare(url, 0)
        db = Database(url)
        with db.read() as session:
            site = session.exec(select(Site).where(Site.slug == "demo")).one()
            found = measure(search.Finder(), session, site, questions)
        db.dispose()
        return found


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(runs: list[Run], demo: dict, questions, levels: list[int], passes: int, typing: bool) -> str:
    searched = runs[0].searches if runs else 0
    lines = [
        f"{runs[0].matters if runs else 0} matters at the demo site: its own catalogue and generated ones "
        "(\"Veneen rekisteröinti\", \"Registrering av båt\", …: 50 subjects × 40 things done about them). "
        f"{searched} searches: the {len(questions)} questions of tests/data/guide_questions.tsv"
        + (", and every beginning of each of 2 letters or more, as the kiosk sends them while a visitor types"
           if typing else "")
        + ". *Finder.find*: in the benchmark's process, a read session per search as a request has; "
        "*first pass*: the process's word caches as the run left them (empty for the first database: "
        "typos and unknown words go through Voikko's suggestions once), "
        f"*later*: {passes} more pass{'es' if passes != 1 else ''}. "
        "*First search*: the index built for the three languages, as after any change to the catalogue. "
        "*API*: `GET /api/v1/sites/demo/guide` over HTTP to `luukku serve` (one worker, its own word "
        "caches), after one search has built the index; each search once, from "
        + " and then from ".join(f"{n} keep-alive connection{'s' if n > 1 else ''} at once" for n in levels)
        + " (each sending its next search as soon as the last is answered).",
        "",
        "| database | matters | first search s | find p50 ms (first pass) | p99 (first pass) | find p50 ms "
        "| **p99** | max | " + " | ".join(f"API p50 ms ({n}) | **API p99 ({n})**" for n in levels) + " | API errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | " + " | ".join("---: | ---:" for _ in levels)
        + " | ---: |",
    ]
    for r in runs:
        api = " | ".join(f"{ms(percentile(r.http[n], .5))} | **{ms(percentile(r.http[n], .99))}**" for n in levels)
        lines.append(
            f"| {r.database} | {r.matters} | {r.build_s:.2f} | {ms(percentile(r.cold, .5))} "
            f"| {ms(percentile(r.cold, .99))} | {ms(percentile(r.warm, .5))} | **{ms(percentile(r.warm, .99))}** "
            f"| {ms(max(r.warm))} | {api} | {r.http_errors} |")
    lines += ["", "Accuracy: the expected matter first (top-1) or among the first three (top-3), per language "
                  "of the question.", "",
              "| catalogue | questions | fi top-1 | fi top-3 | sv top-1 | sv top-3 | en top-1 | en top-3 "
              "| all top-1 | **all top-3** |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    tables = [("the demo's own matters", demo)]
    if runs:
        tables.append((f"among {runs[0].matters}", runs[0].accuracy["all"]))
    for name, accuracy in tables:
        cells = []
        for lang in (*words.LANGS, "all"):
            a = accuracy[lang]
            cells += [f"{a.top1 / a.asked:.1%}", f"{a.top3 / a.asked:.1%}"]
        cells[-1] = f"**{cells[-1]}**"
        lines.append(f"| {name} | {accuracy['all'].asked} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench guide", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 matters, one pass, the questions only")
    parser.add_argument("--matters", type=int, default=2000, help="matters at the demo site in all")
    parser.add_argument("--passes", type=int, default=2, help="passes after the first")
    parser.add_argument("--clients", default="1,4", help="HTTP connections at once: one run for each")
    parser.add_argument("--configs", default="sqlite,postgresql")
    parser.add_argument("--write", action="store_true", help=f"update {PERFORMANCE.name}")
    args = parser.parse_args(argv)
    total, passes, typing = (500, 1, False) if args.quick else (args.matters, args.passes, True)
    command = " ".join(["scripts/bench guide", *(sys.argv[1:] if argv is None else argv)])
    configs = args.configs.split(",")
    levels = [int(n) for n in args.clients.split(",")]
    if "postgresql" in configs:
        require_postgresql("scripts/bench guide")
    if not words.voikko_available():
        sys.exit("scripts/bench guide: Voikko is not installed (Debian's libvoikko1 and voikko-fi)")
    from server.demo_matters import MATTERS

    generated = max(0, total - len(MATTERS))
    questions = load_questions()
    queries = searches(questions, typing)
    began = time.perf_counter()
    demo = demo_only_accuracy(questions)
    runs = []
    with tempfile.TemporaryDirectory(prefix="luukku-guide-") as tmp:
        tmp = Path(tmp)
        (tmp / "code").symlink_to(ROOT)  # the checkout's files as they are, as the in-process searches
        for database in configs:
            scratch = tmp / database
            (scratch / "prints").mkdir(parents=True)
            run = Run({"sqlite": "SQLite", "postgresql": "PostgreSQL"}[database], searches=len(queries))
            with pg_database() if database == "postgresql" else nullcontext() as name:
                url = pg_url(name) if database == "postgresql" else f"sqlite:///{scratch / 'luukku.db'}"
                prepare(url, generated)
                wait_until_quiet(20, window_s=1.0)
                time_finder(url, run, queries, passes)
                time_http(url, run, queries, levels, scratch)
            print(f"{run.database}: find p99 {ms(percentile(run.warm, .99))} ms, API p99 "
                  + ", ".join(f"{ms(percentile(run.http[n], .99))} ms ({n})" for n in levels), file=sys.stderr)
            runs.append(run)
    body = report(runs, demo, questions, levels, passes, typing)
    changed = uncommitted()
    stamp = run_stamp(command, f"the checkout as it is{', uncommitted: ' + ', '.join(changed) if changed else ''}; "
                               f"{time.perf_counter() - began:.0f} s")
    print(body)
    if args.write:
        write_section("guide", "First tier guide (issue 20)", f"{stamp}\n\n{body}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
