"""The README's first command: `luukku demo` migrates, seeds, serves and says where to go."""

import os
import re
import subprocess
import sys
import time

import httpx

from tests.conftest import ROOT, free_port, luukku


def test_luukku_demo_serves_the_demo_site_on_the_embedded_defaults(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUUKKU_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "demo", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        output = ""
        deadline = time.monotonic() + 120  # migrating, seeding and four weeks of simulated history first
        while "Uvicorn running" not in output:
            assert time.monotonic() < deadline and process.poll() is None, output
            output += process.stdout.readline()
        assert f"http://127.0.0.1:{port}/kiosk/demo" in output
        assert "clerk" in output and "password: demo" in output
        assert (tmp_path / "var" / "luukku.db").exists()  # SQLite under ./var/ by default

        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert "Yleisneuvonta" in client.get("/kiosk/demo").text
            client.post("/kiosk/demo/tickets", data={"service": "advice"})
        deadline = time.monotonic() + 10  # the print worker writes it a moment later
        # (the file printer writes a hidden .part first and renames it when the ticket is whole)
        while len(printed := list((tmp_path / "var" / "prints").glob("[!.]*-A001-*"))) < 2:
            assert time.monotonic() < deadline, printed
            time.sleep(0.05)
        assert sorted(p.suffix for p in printed) == [".bin", ".txt"]
        assert "A001" in next(p for p in printed if p.suffix == ".txt").read_text()
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def test_migrate_is_idempotent(tmp_path):
    for _ in range(2):
        result = luukku("migrate", database_url=f"sqlite:///{tmp_path / 'm.db'}")
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout


def test_hours_are_set_shown_and_refused_when_garbled(tmp_path):
    from tests.conftest import prepare_demo_database

    url = prepare_demo_database(f"sqlite:///{tmp_path / 'h.db'}")

    def hours(*args):
        return luukku("hours", "demo", *args, database_url=url)

    assert hours().stdout.strip() == "open around the clock"
    done = hours("mon-fri 8:00-16:15", "sat 10.00-14.00", "--exception", "2026-12-24=closed",
                 "--exception", "2026-12-23=08:00-18:00")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:6] == ["mon 08:00-16:15", "tue 08:00-16:15", "wed 08:00-16:15",
                                           "thu 08:00-16:15", "fri 08:00-16:15", "sat 10:00-14:00"]
    assert "2026-12-23 08:00-18:00" in done.stdout and "2026-12-24 closed" in done.stdout
    bad = hours("mon-fri 16:00-08:00")
    assert bad.returncode != 0 and "closes before it opens" in bad.stderr
    unknown = luukku("hours", "harbour", database_url=url)
    assert unknown.returncode != 0 and "harbour" in unknown.stderr
    assert "mon 08:00-16:15" in hours().stdout  # a refused change changed nothing


def on(url: str, *args: str, **settings: str) -> subprocess.CompletedProcess:
    """``luukku *args`` on the database at ``url``."""
    return luukku(*args, database_url=url, **settings)


def test_an_installer_sets_up_printers_kiosks_agent_tokens_and_the_ticket_layout(tmp_path):
    import io

    from PIL import Image
    from sqlmodel import select

    from printers import jobs
    from server.db import Database
    from server.models import Device, Site, utcnow
    from tests.conftest import prepare_demo_database

    url = prepare_demo_database(f"sqlite:///{tmp_path / 'p.db'}")
    added = on(url, "printer", "demo", "set", "hall", "tcp://10.0.0.5:9100", "--profile", "TM-T20II")
    assert added.returncode == 0, added.stderr
    assert "hall\ttcp://10.0.0.5:9100\tTM-T20II\tunknown" in added.stdout
    assert "kiosk-1" in on(url, "printer", "demo").stdout
    bad = on(url, "printer", "demo", "set", "x", "lpt1")
    assert bad.returncode != 0 and "lpt1" in bad.stderr
    bad_profile = on(url, "printer", "demo", "set", "x", "tcp://10.0.0.5", "--profile", "TM-9999")
    assert bad_profile.returncode != 0 and "TM-9999" in bad_profile.stderr

    assert on(url, "printer", "demo", "set", "desk", "agent").returncode == 0
    kiosk = on(url, "kiosk", "demo", "set", "entrance", "--printer", "desk")
    assert kiosk.returncode == 0 and "entrance\tprinter: desk" in kiosk.stdout
    token = on(url, "kiosk", "demo", "token", "entrance").stdout.strip()
    db = Database(url)
    try:
        with db.write() as session:
            assert jobs.agent_printer(session, token, utcnow())[1].name == "desk"
        assert on(url, "kiosk", "demo", "revoke", "entrance").returncode == 0
        with db.write() as session:
            assert jobs.agent_printer(session, token, utcnow()) is None
            assert session.exec(select(Device).where(Device.name == "entrance")).one().token_hash is None

        logo = tmp_path / "logo.png"
        image = io.BytesIO()
        Image.new("1", (200, 60), 1).save(image, format="PNG")
        logo.write_bytes(image.getvalue())
        layout = on(url, "ticket-layout", "demo", "--header-fi", "Tervetuloa\\nKäynti A-ovesta",
                        "--footer-sv", "Välkommen åter", "--logo", str(logo))
        assert layout.returncode == 0, layout.stderr
        with db.read() as session:
            site = session.exec(select(Site)).one()
        assert site.ticket_header("fi") == "Tervetuloa\nKäynti A-ovesta"
        assert site.ticket_header("sv") == "Tervetuloa\nKäynti A-ovesta"  # Finnish stands in
        assert site.ticket_footer("sv") == "Välkommen åter" and site.ticket_logo == logo.read_bytes()
        (tmp_path / "not-a-logo.png").write_text("hello")
        refused = on(url, "ticket-layout", "demo", "--logo", str(tmp_path / "not-a-logo.png"))
        assert refused.returncode != 0 and "logo" in refused.stderr.lower()
    finally:
        db.dispose()

    removed = on(url, "printer", "demo", "remove", "hall")
    assert removed.returncode == 0 and "hall" not in removed.stdout


def test_print_test_prints_every_letter_on_a_configured_printer(tmp_path):
    from tests.conftest import prepare_demo_database
    from tests.printers.escpos_reader import read_escpos
    from tests.printers.fake_printer import FakePrinter

    url = prepare_demo_database(f"sqlite:///{tmp_path / 't.db'}")
    with FakePrinter() as printer:
        on(url, "printer", "demo", "set", "hall", f"tcp://{printer.host}:{printer.port}")
        done = on(url, "print-test", "demo/hall")
        assert done.returncode == 0, done.stderr
        assert "hall: online" in done.stdout and "now reports: online" in done.stdout
        [page] = printer.printed_tickets()
        text = read_escpos(page).text
        for letters in ("ÄÖÅ äöå", "Šš Žž", "€"):
            assert letters in text
        printer.paper_out = True
        out_of_paper = on(url, "print-test", f"tcp://{printer.host}:{printer.port}")
        assert out_of_paper.returncode != 0 and "paper_out" in out_of_paper.stdout
    unknown = on(url, "print-test", "demo/nowhere")
    assert unknown.returncode != 0 and "nowhere" in unknown.stderr


def test_a_manager_gives_the_displays_a_colour_a_logo_and_a_notice(tmp_path):
    import io

    from PIL import Image

    from tests.conftest import LiveServer, make_settings, prepare_demo_database

    url = prepare_demo_database(f"sqlite:///{tmp_path / 'd.db'}")
    logo = tmp_path / "logo.png"
    image = io.BytesIO()
    Image.new("RGB", (300, 80), (0, 85, 140)).save(image, format="PNG")
    logo.write_bytes(image.getvalue())
    look = on(url, "display-look", "demo", "--colour", "#FFD166", "--logo", str(logo),
                  "--notice-fi", "Tervetuloa! Kahvia on aulassa.", "--notice-sv", "Välkommen!")
    assert look.returncode == 0, look.stderr
    assert "colour: #ffd166" in look.stdout and f"logo: {len(logo.read_bytes())} bytes" in look.stdout

    port = free_port()
    with LiveServer(make_settings(url, port), port) as server, httpx.Client(base_url=server.url) as client:
        page = client.get("/display/demo?lang=fi,sv").text
        # A light brand colour gets black text on it: 14.6:1 where white would be 1.4:1.
        assert 'data-brand="#ffd166" data-brand-text="#000000"' in page
        assert "Tervetuloa! Kahvia on aulassa." in page and "Välkommen!" in page
        assert re.search(r'src="/display/demo/logo\?v=\d+"', page)  # a new logo, a new address
        served = client.get("/display/demo/logo")
        assert served.headers["content-type"] == "image/png" and served.content == logo.read_bytes()

    not_an_image = tmp_path / "logo.png"
    not_an_image.write_text("a text file with a picture's name")
    for bad, words in ((["--colour", "blue"], "#rrggbb"), (["--logo", str(not_an_image)], "PNG or JPEG"),
                       (["--notice-en", "x" * 301], "300")):
        refused = on(url, "display-look", "demo", *bad)
        assert refused.returncode != 0 and words in refused.stderr, refused.stderr
    cleared = on(url, "display-look", "demo", "--colour", "", "--no-logo", "--notice-fi", "")
    assert "colour: default" in cleared.stdout and "logo: none" in cleared.stdout


def test_several_workers_are_refused_on_sqlite_with_the_reason(tmp_path):
    def serve(*args: str, **settings: str) -> subprocess.CompletedProcess:
        # A process, with a time limit: were the refusal gone, the command would go on serving.
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("LUUKKU_")},
               "LUUKKU_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}",
               **{f"LUUKKU_{name.upper()}": value for name, value in settings.items()}}
        return subprocess.run([sys.executable, "-m", "server.cli", "serve", "--port", str(free_port()), *args],
                              env=env, capture_output=True, text=True, timeout=60)

    refused = serve("--workers", "2")
    assert refused.returncode != 0 and "several workers need PostgreSQL" in refused.stderr
    configured = serve(workers="2")
    assert configured.returncode != 0 and "several workers need PostgreSQL" in configured.stderr


def test_serve_starts_luukku_workers_workers_unless_told_otherwise(monkeypatch):
    from server import cli
    from server.settings import get_settings

    started = []
    monkeypatch.setattr(cli, "_serve", lambda settings, host, port, workers=1, forwarded_allow_ips=None: started.append(workers))
    monkeypatch.delenv("LUUKKU_WORKERS", raising=False)
    get_settings.cache_clear()
    cli.main(["serve"])
    monkeypatch.setenv("LUUKKU_WORKERS", "3")
    get_settings.cache_clear()
    try:
        cli.main(["serve"])
        cli.main(["serve", "--workers", "2"])
    finally:
        get_settings.cache_clear()
    assert started == [1, 3, 2]


def test_every_setting_is_in_the_configuration_guide():
    from server.settings import Settings

    guide = (ROOT / "docs" / "configuration.md").read_text()
    assert [name for name in Settings.model_fields if f"`LUUKKU_{name.upper()}`" not in guide] == []


def test_the_configuration_is_exported_and_imported_as_one_file(tmp_path):
    from tests.conftest import prepare_demo_database

    source = prepare_demo_database(f"sqlite:///{tmp_path / 'test-server.db'}")
    target = f"sqlite:///{tmp_path / 'production.db'}"
    exported, again = tmp_path / "setup.json", tmp_path / "again.json"
    assert on(source, "config", "export", str(exported)).returncode == 0
    assert on(target, "migrate").returncode == 0
    text = exported.read_text()
    exported.write_text(text.replace('"number_end": 999', '"number_end": 0', 1))
    refused = on(target, "config", "import", str(exported))
    assert refused.returncode != 0
    assert "nothing was changed" in refused.stderr and ".number_end: A whole number from 1 to 9999." in refused.stderr
    exported.write_text(text)
    done = on(target, "config", "import", str(exported))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Imported: 1 sites, 6 services, 6 counters, 1 printers, 4 departments."
    assert on(target, "config", "export", str(again)).returncode == 0
    assert again.read_text() == text
