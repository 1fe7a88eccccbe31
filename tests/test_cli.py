"""The README's first command: `luukku demo` migrates, seeds, serves and says where to go."""

import os
import subprocess
import sys
import time

import httpx

from tests.conftest import free_port


def test_luukku_demo_serves_the_demo_site_on_the_embedded_defaults(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUUKKU_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "demo", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        output = ""
        deadline = time.monotonic() + 30
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
        while len(printed := list((tmp_path / "var" / "prints").glob("*-A001-*"))) < 2:
            assert time.monotonic() < deadline, printed
            time.sleep(0.05)
        assert sorted(p.suffix for p in printed) == [".bin", ".txt"]
        assert "A001" in next(p for p in printed if p.suffix == ".txt").read_text()
    finally:
        process.terminate()
        process.wait(10)
        process.stdout.close()


def test_migrate_is_idempotent(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LUUKKU_")},
           "LUUKKU_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "server.cli", "migrate"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout


def test_hours_are_set_shown_and_refused_when_garbled(tmp_path):
    from tests.conftest import prepare_demo_database

    url = prepare_demo_database(f"sqlite:///{tmp_path / 'h.db'}")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LUUKKU_")}, "LUUKKU_DATABASE_URL": url}

    def hours(*args):
        return subprocess.run([sys.executable, "-m", "server.cli", "hours", "demo", *args], env=env,
                              capture_output=True, text=True, timeout=60)

    assert hours().stdout.strip() == "open around the clock"
    done = hours("mon-fri 8:00-16:15", "sat 10.00-14.00", "--exception", "2026-12-24=closed",
                 "--exception", "2026-12-23=08:00-18:00")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:6] == ["mon 08:00-16:15", "tue 08:00-16:15", "wed 08:00-16:15",
                                           "thu 08:00-16:15", "fri 08:00-16:15", "sat 10:00-14:00"]
    assert "2026-12-23 08:00-18:00" in done.stdout and "2026-12-24 closed" in done.stdout
    bad = hours("mon-fri 16:00-08:00")
    assert bad.returncode != 0 and "closes before it opens" in bad.stderr
    unknown = subprocess.run([sys.executable, "-m", "server.cli", "hours", "harbour"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert unknown.returncode != 0 and "harbour" in unknown.stderr
    assert "mon 08:00-16:15" in hours().stdout  # a refused change changed nothing
