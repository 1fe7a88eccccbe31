"""The production examples in deploy/ and docs/deployment.md: nginx parses the site file and, in
front of a real `luukku serve`, passes pages and websockets with the visitor's address and scheme;
the systemd units are valid and run commands `luukku` has; the SQLite backup command of the docs
copies a database that is being written to.

nginx runs as the current user with its own prefix, configuration and logs in a temporary folder,
never the system's (scripts/test installs Debian's nginx without starting it)."""

import asyncio
import configparser
import os
import re
import shlex
import shutil
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect as asyncio_connect

from sqlmodel import func, select

from server import cli
from server.db import Database
from server.models import Ticket
from server.settings import Settings
from tests.conftest import ROOT, Uvicorn, free_port, prepare_demo_database

DEPLOY = ROOT / "deploy"
SITE_CONF = DEPLOY / "nginx" / "luukku.conf"
SERVER_UNIT = DEPLOY / "systemd" / "luukku.service"
AGENT_UNIT = DEPLOY / "systemd" / "luukku-agent.service"
KIOSK_UNIT = DEPLOY / "kiosk" / "luukku-kiosk.service"
KIOSK_SCRIPT = DEPLOY / "kiosk" / "luukku-kiosk"
ENV_EXAMPLE = DEPLOY / "luukku.env.example"
DOCS = ROOT / "docs" / "deployment.md"

# Settings another change adds (the workers `luukku serve` starts, the database pool); the env
# example names them already. Once they are in server/settings.py this set is redundant.

# The visitor's address as nginx sees it: the test's client binds it (all of 127/8 is loopback).
VISITOR = "127.0.0.5"


def _nginx() -> str:
    found = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if found is None:
        pytest.skip("nginx is not installed (scripts/test installs Debian's nginx)")
    return found


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def _replace(text: str, old: str, new: str, count: int) -> str:
    """Replaces what the test must change in the example; a changed example fails here, loudly."""
    assert text.count(old) == count, f"deploy/nginx/luukku.conf no longer has {old!r} {count} times"
    return text.replace(old, new)


def nginx_config(folder: Path, upstream_port: int, https_port: int, http_port: int,
                 proxy_bind: str | None = None) -> Path:
    """deploy/nginx/luukku.conf as it is, but for loopback ports, a certificate made here and files in
    ``folder``; wrapped in a minimal nginx.conf for one process of the current user."""
    cert, key = _self_signed_certificate(folder)
    site = SITE_CONF.read_text()
    site = _replace(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};", 1)
    site = _replace(site, "    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{https_port} ssl http2;\n", 1)
    site = _replace(site, "    listen 80;\n", f"    listen 127.0.0.1:{http_port};\n", 1)
    # IPv6 may be off on a test machine.
    site = _replace(site, "    listen [::]:443 ssl http2;\n", "", 1)
    site = _replace(site, "    listen [::]:80;\n", "", 1)
    site = _replace(site, "/etc/letsencrypt/live/jono.example.fi/fullchain.pem", str(cert), 1)
    site = _replace(site, "/etc/letsencrypt/live/jono.example.fi/privkey.pem", str(key), 1)
    if proxy_bind:  # nginx connects to uvicorn from another address, as a proxy on another host would
        site = _replace(site, "    proxy_http_version 1.1;\n",
                        f"    proxy_http_version 1.1;\n    proxy_bind {proxy_bind};\n", 1)
    (folder / "luukku.conf").write_text(site)
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(f"""daemon off;
master_process off;
worker_processes 1;
pid {folder / 'nginx.pid'};
error_log {folder / 'error.log'} info;
events {{ worker_connections 256; }}
http {{
    access_log {folder / 'access.log'};
{temp}
    include {folder / 'luukku.conf'};
}}
""")
    return conf


def _nginx_command(conf: Path, *extra: str) -> list[str]:
    return [_nginx(), "-p", str(conf.parent), "-e", str(conf.parent / "error.log"), "-c", str(conf), *extra]


class Nginx:
    def __init__(self, conf: Path, https_port: int):
        self.conf = conf
        self.url = f"https://127.0.0.1:{https_port}"
        self.ws_url = f"wss://127.0.0.1:{https_port}"
        self.process = subprocess.Popen(_nginx_command(conf), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{self.url}/", verify=False, timeout=1)
                return
            except httpx.TransportError:
                assert self.process.poll() is None, self.process.stderr.read().decode()
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.process.stderr.close()


def test_the_nginx_example_passes_nginx_t(tmp_path):
    conf = nginx_config(tmp_path, free_port(), free_port(), free_port())
    result = subprocess.run(_nginx_command(conf, "-t"), capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_every_websocket_route_gets_the_long_timeouts():
    """A websocket added to the app but not to the nginx example would still upgrade (the headers
    are set for every path) but be cut after nginx's default 60 s of quiet."""
    from server.web.app import create_app
    from starlette.routing import Mount, WebSocketRoute

    pattern = re.search(r"location ~ (\^/\S+\$) \{", SITE_CONF.read_text()).group(1)

    def websocket_paths(routes, prefix=""):
        for route in routes:
            if isinstance(route, WebSocketRoute):
                yield prefix + route.path
            elif isinstance(route, Mount):
                yield from websocket_paths(route.routes, prefix + route.path)

    app = create_app(Settings(_env_file=None, database_url="sqlite:///:memory:"))
    paths = [re.sub(r"\{[^}]+\}", "x", path) for path in websocket_paths(app.routes)]
    assert len(paths) >= 6
    for path in paths:
        assert re.match(pattern, path), f"{path} is not in deploy/nginx/luukku.conf's websocket location"
    assert not re.match(pattern, "/display/x") and not re.match(pattern, "/counter")


def _failed_login_address(client: httpx.Client, database: Path) -> str:
    """Fails a login (the address is what login lockouts count by) and reads the address recorded."""
    form = client.get("/counter/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    refused = client.post("/counter/login", data={"username": "clerk", "password": "wrong", "csrf_token": token})
    assert refused.status_code == 400 and "error-message" in refused.text  # a wrong password
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT address FROM login_attempt ORDER BY id DESC LIMIT 1").fetchone()[0]


def _waiting(push: str, prefix: str) -> int:
    """How many a display's waiting panel says are waiting for the service with ``prefix``."""
    found = re.search(rf'<span class="waiting-prefix">{prefix}</span>.*?<td class="waiting-count">(\d+)', push, re.S)
    assert found, push
    return int(found.group(1))


async def _display_pushes_through(proxy: "Nginx", client: httpx.Client) -> list[int]:
    """A display's websocket over TLS through nginx: the waiting count for A in its snapshot, and in
    the push after a ticket is issued. (The asyncio client: the threaded one reads and writes one TLS
    socket from two threads, and its request was once lost that way, the handshake timing out.)"""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    counts = []
    async with asyncio_connect(f"{proxy.ws_url}/display/demo/ws?panel=waiting", ssl=context,
                               local_addr=(VISITOR, 0), open_timeout=10) as ws:
        for issue in (False, True):
            if issue:
                assert client.post("/kiosk/demo/tickets", data={"service": "advice"}).status_code == 201
            while (message := await asyncio.wait_for(ws.recv(), 5)).startswith('{"type": "heartbeat"'):
                pass
            counts.append(_waiting(message, "A"))
    return counts


@pytest.mark.parametrize("proxy_bind, serve_args, believed", [
    (None, (), True),  # the unit's set-up: nginx on the same machine, connecting from 127.0.0.1
    ("127.0.0.2", ("--forwarded-allow-ips", "127.0.0.2"), True),  # a proxy elsewhere, named
    ("127.0.0.2", (), False),  # a proxy elsewhere, not named: its headers are not believed
], ids=["same-host", "named-proxy", "unnamed-proxy"])
def test_nginx_passes_pages_and_websockets_with_the_visitors_address_and_scheme(
        tmp_path, monkeypatch, proxy_bind, serve_args, believed):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    database = tmp_path / "luukku.db"
    url = prepare_demo_database(f"sqlite:///{database}")
    port, https_port = free_port(), free_port()
    server = Uvicorn(url, port, tmp_path / "server", serve_args=serve_args, demo="true",
                     public_url=f"https://127.0.0.1:{https_port}", demo_password="demo-password")
    proxy = None
    try:
        server.wait_until_serving()
        proxy = Nginx(nginx_config(tmp_path, port, https_port, free_port(), proxy_bind), https_port)
        transport = httpx.HTTPTransport(local_address=VISITOR, verify=False)
        with httpx.Client(base_url=proxy.url, transport=transport, timeout=10,
                          headers={"X-Forwarded-For": "198.51.100.7"}) as client:  # a lie nginx replaces
            page = client.get("/kiosk/demo")
            assert page.status_code == 200 and "Yleisneuvonta" in page.text
            # Luukku's own headers for an https:// public address, once each, nginx adding none.
            assert page.headers.get_list("strict-transport-security") == ["max-age=31536000"]
            login = client.get("/counter/login")
            assert "secure" in login.headers["set-cookie"].lower()

            assert client.get("/healthz").text == "ok"
            # The client's address and scheme, as the app took them.
            address = _failed_login_address(client, database)
            slash = client.get("/counter/")  # Starlette redirects to the address without the slash
            assert slash.status_code in (307, 308)
            if believed:
                assert address == VISITOR
                assert slash.headers["location"] == f"https://127.0.0.1:{https_port}/counter"
            else:
                assert address == proxy_bind
                assert slash.headers["location"].startswith("http://")
                return

            # A live screen's websocket through nginx: the snapshot, then a push for a new ticket.
            assert asyncio.run(_display_pushes_through(proxy, client)) == [0, 1]
    finally:
        if proxy:
            proxy.stop()
        server.stop()


# --- systemd units --------------------------------------------------------------------------------


def read_unit(path: Path) -> configparser.RawConfigParser:
    unit = configparser.RawConfigParser(strict=True, interpolation=None, comment_prefixes=("#",))
    unit.optionxform = str  # systemd's keys are case-sensitive
    unit.read_string(path.read_text())
    return unit


def exec_start(unit: configparser.RawConfigParser) -> list[str]:
    return shlex.split(unit["Service"]["ExecStart"].replace("\\\n", " "))


def _run_luukku(argv: list[str], monkeypatch) -> object:
    """Parses ``argv`` with the real `luukku` command, the command itself replaced by a recorder."""
    called = []
    for name in ("cmd_serve", "cmd_printer_agent"):
        monkeypatch.setattr(cli, name, called.append)
    cli.main(argv)
    assert len(called) == 1, f"{argv} ran none of the commands the test expects"
    return called[0]


def _systemd_verify(unit_path: Path, program: Path, tmp_path: Path, *options: str) -> None:
    """`systemd-analyze verify` on a copy of the unit whose program is one that exists here."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return  # the checks around it still run
    unit = unit_path.read_text()
    first = re.search(r"^ExecStart=(\S+)", unit, re.M).group(1)
    copy = tmp_path / unit_path.name
    copy.write_text(unit.replace(f"ExecStart={first}", f"ExecStart={program}"))
    runtime = tmp_path / "runtime"  # a user manager wants one, even for verify
    runtime.mkdir(mode=0o700, exist_ok=True)
    result = subprocess.run([analyze, *options, "verify", str(copy)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})
    # Anything said about the unit itself (an unknown key, a bad value) is a failure; the machine's
    # own missing units (no systemd running here) are not about the unit.
    about_it = [line for line in (result.stdout + result.stderr).splitlines() if copy.name in line]
    assert result.returncode == 0 and not about_it, result.stdout + result.stderr


def test_the_server_unit_runs_luukku_serve_as_its_own_user_with_the_env_file(tmp_path, monkeypatch):
    unit = read_unit(SERVER_UNIT)
    service = unit["Service"]
    argv = exec_start(unit)
    assert argv[0] == "/opt/luukku/.venv/bin/luukku"
    args = _run_luukku(argv[1:], monkeypatch)
    assert (args.command, args.host, args.forwarded_allow_ips) == ("serve", "127.0.0.1", "127.0.0.1")
    assert f"server 127.0.0.1:{args.port};" in SITE_CONF.read_text()  # nginx's upstream is this port
    assert service["EnvironmentFile"] == "/etc/luukku/luukku.env"
    assert service["User"] == "luukku" != "root"
    assert service["WorkingDirectory"] == f"/var/lib/{service['StateDirectory']}"
    env = _env_example()
    assert env["LUUKKU_SPEECH_DIR"].startswith(f"/var/cache/{service['CacheDirectory']}/")
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    _systemd_verify(SERVER_UNIT, Path(sys.executable).parent / "luukku", tmp_path)


def test_the_agent_unit_runs_the_printer_agent_and_is_the_one_docs_printers_shows(tmp_path, monkeypatch):
    unit = read_unit(AGENT_UNIT)
    argv = exec_start(unit)
    assert argv[0].endswith("/bin/luukku")
    args = _run_luukku(argv[1:], monkeypatch)
    assert args.command == "printer-agent" and args.server.startswith("https://") and args.printer
    assert unit["Service"]["Restart"] == "always"
    assert unit["Service"]["LoadCredential"].startswith("token:")  # the agent reads $CREDENTIALS_DIRECTORY/token
    shown = re.search(r"```ini\n(\[Unit\]\nDescription=Luukku printer agent.*?)```",
                      (ROOT / "docs" / "printers.md").read_text(), re.S).group(1)
    assert AGENT_UNIT.read_text().endswith(shown), "docs/printers.md and deploy/systemd/luukku-agent.service differ"
    _systemd_verify(AGENT_UNIT, Path(sys.executable).parent / "luukku", tmp_path)


def test_the_kiosk_unit_and_script(tmp_path):
    unit = read_unit(KIOSK_UNIT)
    argv = exec_start(unit)
    assert argv[0] == "/usr/local/bin/luukku-kiosk" and argv[1].startswith("https://")
    assert unit["Service"]["Restart"] == "always"
    assert subprocess.run(["sh", "-n", str(KIOSK_SCRIPT)]).returncode == 0
    assert os.access(KIOSK_SCRIPT, os.X_OK)
    _systemd_verify(KIOSK_UNIT, KIOSK_SCRIPT, tmp_path, "--user")


def test_the_kiosk_script_waits_for_the_server_then_starts_chromium_with_a_lasting_profile(tmp_path, live_server):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    started = tmp_path / "chromium-args"
    (bin_dir / "chromium").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {started}\n')
    (bin_dir / "chromium").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path), "LUUKKU_KIOSK_RETRY_S": "0.2"}
    env.pop("XDG_CONFIG_HOME", None)

    # No server at that address: it keeps waiting, and Chromium is not started.
    waiting = subprocess.Popen([str(KIOSK_SCRIPT), f"http://127.0.0.1:{free_port()}/kiosk/demo"], env=env)
    time.sleep(1)
    assert waiting.poll() is None and not started.exists()
    waiting.terminate()
    waiting.wait(10)

    subprocess.run([str(KIOSK_SCRIPT), f"{live_server.url}/display/demo?lang=fi,sv"], env=env, timeout=30, check=True)
    args = started.read_text().splitlines()
    assert args[-1] == f"{live_server.url}/display/demo?lang=fi,sv"
    assert "--kiosk" in args and "--autoplay-policy=no-user-gesture-required" in args
    assert f"--user-data-dir={tmp_path}/.config/luukku-kiosk" in args


# --- the env file ---------------------------------------------------------------------------------


def _env_example() -> dict[str, str]:
    """The env example as the shell reads it (the admin's `luukku` sources it)."""
    result = subprocess.run(["sh", "-c", 'set -a; . "$0"; env -0', str(ENV_EXAMPLE)], capture_output=True,
                            env={"PATH": os.environ["PATH"]}, check=True)
    pairs = (item.split("=", 1) for item in result.stdout.decode().split("\0") if item)
    return {name: value for name, value in pairs if name.startswith("LUUKKU_")}


def test_the_env_example_names_real_settings_with_valid_values():
    env = _env_example()
    names = {name.removeprefix("LUUKKU_").lower() for name in env}
    assert names - set(Settings.model_fields) == set()
    assert {"database_url", "secret_key", "public_url", "smtp_host"} <= names
    values = {name.removeprefix("LUUKKU_").lower(): value for name, value in env.items()}
    settings = Settings(_env_file=None, **{name: value for name, value in values.items() if name in Settings.model_fields})
    assert settings.public_url.startswith("https://") and not settings.demo
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert settings.letter_return_address == "PL 1\\n00099 Esimerkki"  # the backslash reaches the app


# --- backups --------------------------------------------------------------------------------------


def _docs_sqlite_backup_command() -> tuple[str, str, str]:
    """The SQLite backup line of docs/deployment.md: (the command, its database, its backup file)."""
    found = re.search(r"""^(?:runuser -u luukku -- )?(sqlite3 (\S+) "\.backup '([^']+)'")$""", DOCS.read_text(), re.M)
    assert found, "docs/deployment.md has no `sqlite3 DB \".backup 'FILE'\"` line"
    return found.groups()


def _count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchone()[0]


def test_the_documented_sqlite_backup_copies_a_database_being_written_to(tmp_path):
    if shutil.which("sqlite3") is None:
        pytest.skip("the sqlite3 command is not installed (scripts/test installs it)")
    from server import queue

    command, database_path, backup_path = _docs_sqlite_backup_command()
    live = tmp_path / "luukku.db"
    url = prepare_demo_database(f"sqlite:///{live}")
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    command = command.replace(database_path, str(live)).replace(backup_path.rsplit("/", 1)[0], str(backup_dir))

    db = Database(url)
    stop = threading.Event()
    issued = []

    def kiosk():  # a busy kiosk: a ticket after another, each its own transaction, counted once committed
        while not stop.is_set():
            with db.write() as session:
                number = queue.issue_ticket(session, "demo", "advice", "fi", printed=False).ticket.number
            issued.append(number)

    writer = threading.Thread(target=kiosk)
    writer.start()
    try:
        while len(issued) < 20:
            time.sleep(0.01)
        before = len(issued)
        subprocess.run(["sh", "-c", command], check=True, timeout=60)
        after = len(issued)
    finally:
        stop.set()
        writer.join(10)
        db.dispose()
    copies = list(backup_dir.glob("luukku-*.db"))
    assert len(copies) == 1 and re.fullmatch(r"luukku-\d{4}-\d{2}-\d{2}\.db", copies[0].name)
    copy = copies[0]
    assert _count(copy, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'") == 0
    tickets = _count(copy, "SELECT count(*) FROM ticket")
    assert before <= tickets <= after + 1  # a snapshot taken while it wrote
    # One transaction wrote each ticket and its event: a consistent copy has both or neither.
    assert _count(copy, "SELECT count(*) FROM event WHERE type = 'ticket.issued'") == tickets

    # Luukku opens the copy: its schema is current, and it reads as many tickets.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LUUKKU_")},
           "LUUKKU_DATABASE_URL": f"sqlite:///{copy}"}
    migrated = subprocess.run([sys.executable, "-m", "server.cli", "migrate"], env=env, capture_output=True,
                              text=True, timeout=60)
    assert migrated.returncode == 0 and "up to date" in migrated.stdout, migrated.stderr
    restored = Database(f"sqlite:///{copy}")
    try:
        with restored.read() as session:
            assert session.exec(select(func.count()).select_from(Ticket)).one() == tickets
    finally:
        restored.dispose()
