"""The ``luukku`` command: serve, migrate, demo, create-user, department, hours, printers, kiosks, displays, config, ptv, settings."""

import argparse
import getpass
import os
import sys

from server.models import ROLES
from server.settings import Settings, get_settings


def _serve(settings: Settings, host: str, port: int, workers: int = 1,
           forwarded_allow_ips: str | None = None) -> None:
    if workers > 1:  # refused before the app's imports, which take seconds on a small machine
        if settings.database_url.startswith("sqlite"):
            sys.exit("luukku serve: SQLite is served by one worker; several workers need PostgreSQL "
                     "(LUUKKU_DATABASE_URL=postgresql+psycopg://…, docs/configuration.md).")
        if settings.bus == "memory":
            sys.exit("luukku serve: LUUKKU_BUS=memory reaches the screens of one worker only; "
                     "use postgresql (or auto) with several workers.")

    import uvicorn

    from server import garbage
    from server.web.app import create_app

    garbage.one_heap()

    # Behind a reverse proxy the client's address (rate limits, login lockouts) and the scheme
    # (redirects) come from its X-Forwarded-For and -Proto, believed only from the addresses named
    # here; None leaves uvicorn's default: $FORWARDED_ALLOW_IPS, else 127.0.0.1 and ::1.
    options = dict(host=host, port=port, ws_per_message_deflate=False, log_level="info",
                   proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips)
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    import printers
    printers.warm_escpos_cache()  # before the workers, which would write it at once (printers/__init__.py)
    # Each worker process builds its own app from the same environment. A worker starting on a busy
    # machine (its imports, the database, the bus) may take longer than uvicorn's 5 s health check;
    # killed then, it would only start again as slowly.
    uvicorn.run("server.web.app:create_app", factory=True, workers=workers, timeout_worker_healthcheck=30,
                **options)


def cmd_migrate(args) -> None:
    from server.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    print(f"Database is up to date: {settings.database_url}")


def cmd_serve(args) -> None:
    settings = get_settings()
    workers = settings.workers if args.workers is None else args.workers
    if workers < 1:
        sys.exit("luukku serve: --workers is 1 or more.")
    _serve(settings, args.host, args.port, workers, args.forwarded_allow_ips)


def cmd_demo(args) -> None:
    import time

    from server.db import Database
    from server.demo import add_history, seed_demo
    from server.migrate import upgrade
    from server.models import utcnow

    os.environ["LUUKKU_DEMO"] = "true"
    get_settings.cache_clear()
    settings = get_settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    with db.write() as session:
        seed_demo(session, settings.demo_password)
    started = time.monotonic()
    filled = add_history(db, utcnow())
    if filled:
        print(f"Simulated {filled} past weekdays of visits for the reports in {time.monotonic() - started:.1f} s.")
    db.dispose()
    base = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    if settings.public_url == Settings.model_fields["public_url"].default:
        os.environ["LUUKKU_PUBLIC_URL"] = base
        get_settings.cache_clear()
        settings = get_settings()
    print(f"""
Luukku demo is ready ({settings.database_url}).
  Kiosk:    {base}/kiosk/demo
  Counter:  {base}/counter      (log in as clerk, expert, manager or admin, password: {settings.demo_password})
  Overview: {base}/counter/overview   (admin: every counter, the queues and alarms)
  Reports:  {base}/reports   (manager: the past four weeks, simulated, as charts and CSV)
  Display:  {base}/display/demo
  Booking:  {base}/b/demo   (a citizen's phone: book a time, get a code for the kiosk)
  API:      {base}/api/openapi.json
  Tickets print to {settings.demo_printer} (set LUUKKU_DEMO_PRINTER=tcp://HOST:9100 for a real printer).
""", flush=True)
    _serve(settings, args.host, args.port)


def cmd_create_user(args) -> None:
    from sqlmodel import select

    from server.db import Database
    from server.models import StaffUser
    from server.staff import hash_password

    password = os.environ.get("LUUKKU_NEW_PASSWORD") or getpass.getpass("Password: ")
    if len(password) < 8:
        sys.exit("The password must have at least 8 characters.")
    from server import requests
    from server.errors import DomainError

    db = Database(get_settings().database_url)
    try:
        with db.write() as session:
            user = session.exec(select(StaffUser).where(StaffUser.username == args.username)).first()
            user = user or StaffUser(username=args.username, display_name=args.name or args.username,
                                     role=args.role, password_hash="")
            user.password_hash = hash_password(password)
            user.role = args.role
            if args.department is not None:
                user.department_id = requests.department_by_code(session, args.department).id if args.department else None
            session.add(user)
    except DomainError as exc:
        sys.exit(f"luukku create-user: {exc}")
    finally:
        db.dispose()
    print(f"User {args.username} ({args.role}) saved.")


def cmd_department(args) -> None:
    from server import requests
    from server.db import Database
    from server.errors import DomainError

    db = Database(get_settings().database_url)
    try:
        with db.write() as session:
            if args.code is None:
                for d in requests.departments(session, active_only=False):
                    print("\t".join([d.code, d.name_fi, d.name_sv, d.name_en] + ([] if d.active else ["(inactive)"])))
                return
            active = False if args.inactive else True if args.active else None
            department = requests.save_department(session, args.code, fi=args.fi, sv=args.sv, en=args.en,
                                                  active=active)
            print(f"Department {department.code} saved: {department.name_fi} / {department.name_sv} / "
                  f"{department.name_en}{'' if department.active else ' (inactive)'}")
    except DomainError as exc:
        sys.exit(f"luukku department: {exc}")
    finally:
        db.dispose()


def cmd_hours(args) -> None:
    from datetime import date

    from server import hours, queue
    from server.db import Database
    from server.errors import DomainError

    db = Database(get_settings().database_url)
    try:
        with db.write() as session:
            site = queue.get_site(session, args.site)
            if args.weekly:
                hours.set_weekly_hours(session, site, hours.parse_weekly(args.weekly))
            if args.always:
                hours.set_weekly_hours(session, site, {})
            for exception in args.exception:
                day, _, span = exception.partition("=")
                hours.set_exception(session, site, date.fromisoformat(day), span)
            print("\n".join(hours.describe(session, site)))
    except (ValueError, DomainError) as exc:
        sys.exit(f"luukku hours: {exc}")
    finally:
        db.dispose()


def _site_session(args, fn):
    """Runs ``fn(session, site)`` in one write transaction; a refused input ends the command."""
    from server import queue
    from server.db import Database
    from server.errors import DomainError

    db = Database(get_settings().database_url)
    try:
        with db.write() as session:
            return fn(session, queue.get_site(session, args.site))
    except (ValueError, DomainError) as exc:
        sys.exit(f"luukku {args.command}: {exc}")
    finally:
        db.dispose()


def _printer_named(session, site, name: str):
    from printers.setup import printer_named

    return printer_named(session, site, name)


def cmd_printer(args) -> None:
    from printers import setup
    from printers.jobs import site_printers
    from server.requests import FormInvalid

    def work(session, site):
        if args.action == "set":
            try:
                setup.save_printer(session, site, args.name, args.connection, args.profile)
            except FormInvalid as exc:
                given = {"name": args.name, "connection": args.connection, "profile": args.profile}
                raise ValueError("; ".join(f"{field} {given.get(field)!r}: {message}"
                                           for field, message in exc.fields.items())) from None
        elif args.action == "remove":
            setup.remove_printer(session, _printer_named(session, site, args.name))
        for printer in site_printers(session, site):
            print(f"{printer.name}\t{printer.connection}\t{printer.profile}\t{printer.condition}")

    _site_session(args, work)


def cmd_kiosk(args) -> None:
    """Kiosks and displays (``luukku kiosk`` and ``luukku display``): register, token, revoke."""
    from sqlmodel import select

    from server import devices
    from server.models import Device, Printer

    kind = "display" if args.command == "display" else "kiosk"

    def work(session, site):
        device = session.exec(select(Device).where(Device.site_id == site.id, Device.name == args.name)).first()
        if device is not None and device.kind != kind:
            raise ValueError(f"{args.name!r} at {site.slug} is a {device.kind}, not a {kind}.")
        if args.action == "set":
            values = {"kind": kind, "name": args.name, "printer": getattr(args, "printer", None) or ""}
            device = devices.save_device(session, None, site, values, device.id if device else None)
        elif device is None:
            raise ValueError(f"There is no {kind} called {args.name!r} at {site.slug}.")
        elif args.action == "token":
            session.flush()
            token = devices.issue_token(session, None, device)
            print(token)
            print(f"Give this token to the {kind}'s printer agent, and open "
                  f"{get_settings().public_url.rstrip('/')}/devices/enrol/{token} once in the {kind}'s "
                  "browser; it is shown only once." if kind == "kiosk" else
                  f"Open {get_settings().public_url.rstrip('/')}/devices/enrol/{token} once in the "
                  "display's browser; it is shown only once.", file=sys.stderr)
        elif args.action == "revoke":
            devices.revoke(session, None, device)
            print(f"The token of {device.name} no longer works.", file=sys.stderr)
        if args.action == "set":
            session.flush()
            printer = session.get(Printer, device.printer_id) if device.printer_id else None
            print(f"{device.name}\tprinter: {printer.name if printer else '-'}" if kind == "kiosk"
                  else f"{device.name}\tdisplay")

    _site_session(args, work)


def cmd_ticket_layout(args) -> None:
    from pathlib import Path

    from printers.ticket import check_logo

    def work(session, site):
        for part in ("header", "footer"):
            for lang in ("fi", "sv", "en"):
                value = getattr(args, f"{part}_{lang}")
                if value is not None:
                    setattr(site, f"ticket_{part}_{lang}", value.replace("\\n", "\n")[:500])
        if args.logo:
            data = Path(args.logo).read_bytes()
            check_logo(data)
            site.ticket_logo = data
        if args.no_logo:
            site.ticket_logo = None
        session.add(site)
        for lang in ("fi", "sv", "en"):
            print(f"{lang}: header {site.ticket_header(lang)!r}, footer {site.ticket_footer(lang)!r}")
        print(f"logo: {len(site.ticket_logo)} bytes" if site.ticket_logo else "logo: none")

    _site_session(args, work)


def cmd_display_look(args) -> None:
    import re
    from io import BytesIO
    from pathlib import Path

    from PIL import Image, UnidentifiedImageError

    def work(session, site):
        if args.colour is not None:
            if args.colour and not re.fullmatch(r"#[0-9a-fA-F]{6}", args.colour):
                raise ValueError(f"The colour is written #rrggbb, e.g. #00558c (got {args.colour!r}).")
            site.brand_colour = args.colour.lower()
        for lang in ("fi", "sv", "en"):
            value = getattr(args, f"notice_{lang}")
            if value is not None:
                if len(value) > 300:
                    raise ValueError(f"The {lang} notice is {len(value)} characters; a display line takes 300.")
                setattr(site, f"display_notice_{lang}", value)
        if args.logo:
            data = Path(args.logo).read_bytes()
            if len(data) > 512 * 1024:
                raise ValueError(f"The logo is {len(data) // 1024} kB; keep it under 512 kB (a PNG of 600 px is plenty).")
            try:
                kind = Image.open(BytesIO(data)).format
            except UnidentifiedImageError:
                kind = None
            if kind not in ("PNG", "JPEG"):
                raise ValueError("The logo must be a PNG or JPEG image.")
            site.brand_logo = data
        if args.no_logo:
            site.brand_logo = None
        session.add(site)
        print(f"colour: {site.brand_colour or 'default'}")
        for lang in ("fi", "sv", "en"):
            print(f"{lang}: notice {getattr(site, f'display_notice_{lang}')!r}")
        print(f"logo: {len(site.brand_logo)} bytes" if site.brand_logo else "logo: none")

    _site_session(args, work)


def cmd_config(args) -> None:
    from pathlib import Path

    from server import config_file
    from server.db import Database

    db = Database(get_settings().database_url)
    try:
        if args.action == "export":
            with db.read() as session:
                text = config_file.dumps(config_file.export_config(session))
            Path(args.file).write_text(text, encoding="utf-8")
            print(f"Configuration written to {args.file}.")
            return
        try:
            data = config_file.loads(Path(args.file).read_bytes())
            with db.write() as session:
                counts = config_file.import_config(session, None, data)
        except config_file.ImportInvalid as exc:
            # The messages are English msgids: the command speaks English.
            lines = [(f"{where}: " if where else "") + (message % params if params else message)
                     for where, message, params in exc.problems]
            sys.exit("luukku config import: nothing was changed:\n" + "\n".join(lines))
        print("Imported: " + ", ".join(f"{count} {what}" for what, count in counts.items()) + ".")
    finally:
        db.dispose()


def cmd_print_test(args) -> None:
    from printers.setup import print_test_page
    from printers.transports import PrinterUnavailable
    from server.errors import DomainError

    connection, profile, name = args.printer, args.profile, args.printer
    if "/" in args.printer and "://" not in args.printer and not args.printer.startswith("file:"):
        site_slug, _, printer_name = args.printer.partition("/")
        args.site = site_slug
        printer = _site_session(args, lambda session, site: _printer_named(session, site, printer_name))
        if printer.via_agent:
            sys.exit("luukku print-test: this printer is reached through its kiosk's agent; "
                     "run print-test on the kiosk PC with the agent's --printer connection.")
        connection, profile, name = printer.connection, printer.profile, printer.name
    try:
        result = print_test_page(connection, profile, name)
    except (PrinterUnavailable, ValueError, DomainError) as exc:
        sys.exit(f"luukku print-test: {exc}")
    print(f"{name}: {result.before.condition}")
    if not result.sent:
        sys.exit(f"luukku print-test: the printer cannot print now ({result.before.condition}); nothing was sent.")
    print(f"Sent {result.sent} bytes; the printer now reports: {result.after.condition}")
    if not result.after.can_print:
        sys.exit(1)


def cmd_printer_agent(args) -> None:
    from printers import agent

    agent.run(args)


def cmd_settings(args) -> None:
    settings = get_settings()
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        if name in ("secret_key", "demo_password"):
            value = "***"
        print(f"LUUKKU_{name.upper()}={value}\n    {field.description}")


def cmd_ptv(args) -> None:
    """``luukku ptv import``: the national service catalogue's services into the matters (docs/ptv.md)."""
    from sqlmodel import select

    from server import ptv, ptv_api
    from server.db import Database
    from server.errors import DomainError
    from server.models import Site

    settings = get_settings()
    organization = args.organization or settings.ptv_organization_id
    if not organization:
        sys.exit("luukku ptv import: name the organisation (--organization GUID or LUUKKU_PTV_ORGANIZATION_ID).")
    refs = set(args.overwrite)
    if bad := sorted(ref for ref in refs if ":" not in ref.strip(":")):
        sys.exit(f"luukku ptv import: --overwrite takes KEY:FIELD, e.g. parking-permit:answer_fi (got {', '.join(bad)}).")
    db = Database(settings.database_url)
    try:
        with db.read() as session:
            slugs = list(session.exec(select(Site.slug).order_by(Site.id)))
        if unknown := sorted(set(args.site) - set(slugs)):
            raise ValueError(f"there is no site {', '.join(unknown)}")
        # PTV is read whole before the database is written: a page it fails to give changes nothing.
        catalogue = ptv_api.fetch(settings.ptv_url, organization, timeout_s=settings.ptv_timeout_s,
                                  retries=settings.ptv_retries)
        with db.write() as session:
            sites = [site for site in session.exec(select(Site).order_by(Site.id))
                     if site.slug in (args.site or slugs)]
            plan = ptv.import_catalogue(session, catalogue, sites, refs, apply=not args.dry_run)
    except (ValueError, DomainError) as exc:
        sys.exit(f"luukku ptv import: {exc}")
    finally:
        db.dispose()
    print("\n".join(ptv.describe(plan, catalogue)))


def cmd_visits(args) -> None:
    from server import queue, visits
    from server.db import Database

    db = Database(get_settings().database_url)
    try:
        with db.write() as session:
            site_id = queue.get_site(session, args.site).id if args.site else None
            count = visits.rebuild(session, site_id)
    finally:
        db.dispose()
    print(f"{count} visits' service periods made again from the event log.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="luukku", description="Luukku queue system")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, func, text in [
        ("serve", cmd_serve, "serve the app"),
        ("demo", cmd_demo, "migrate, seed the demo site and serve it"),
    ]:
        p = commands.add_parser(name, help=text)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        if name == "serve":
            p.add_argument("--workers", type=int, default=None,
                           help="worker processes (default: LUUKKU_WORKERS, 1; more need PostgreSQL; "
                                "docs/configuration.md)")
            p.add_argument("--forwarded-allow-ips", metavar="IPS",
                           help="comma-separated addresses of reverse proxies whose X-Forwarded-For and "
                                "X-Forwarded-Proto are believed, or * for any (default: $FORWARDED_ALLOW_IPS, "
                                "else 127.0.0.1,::1; docs/deployment.md)")
        p.set_defaults(func=func)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    p = commands.add_parser("create-user", help="create a staff user or set a password")
    p.add_argument("username")
    p.add_argument("--name")
    p.add_argument("--role", choices=ROLES, default="clerk")
    p.add_argument("--department", metavar="CODE", help="the department whose service requests are on the "
                   "user's work list (an empty value: none)")
    p.set_defaults(func=cmd_create_user)
    p = commands.add_parser("department", help="list departments, or add or rename one (service requests are "
                            "routed to them)", epilog='e.g. luukku department social-services --fi "Sosiaalipalvelut" '
                            '--sv "Socialtjänster" --en "Social services"')
    p.add_argument("code", nargs="?", help="the department's code; none: list them")
    for lang in ("fi", "sv", "en"):
        p.add_argument(f"--{lang}", metavar="NAME")
    p.add_argument("--inactive", action="store_true", help="no new requests are routed to it")
    p.add_argument("--active", action="store_true", help="take it into use again")
    p.set_defaults(func=cmd_department)
    p = commands.add_parser("hours", help="show or set a site's opening hours (site's local time)",
                            epilog='e.g. luukku hours demo "mon-fri 08:00-16:15" --exception 2026-12-24=closed')
    p.add_argument("site")
    p.add_argument("weekly", nargs="*", help='"mon-fri 08:00-16:15", "sat 10:00-14:00": replaces the week')
    p.add_argument("--always", action="store_true", help="open around the clock (no weekly hours)")
    p.add_argument("--exception", action="append", default=[], metavar="DATE=HH:MM-HH:MM|closed")
    p.set_defaults(func=cmd_hours)
    p = commands.add_parser("printer", help="list, add or change, or remove a site's printers",
                            epilog="e.g. luukku printer demo set hall tcp://10.0.0.5:9100 --profile TM-T88V")
    p.add_argument("site")
    actions = p.add_subparsers(dest="action", required=False)
    q = actions.add_parser("set", help="add a printer or change its connection and profile")
    q.add_argument("name")
    q.add_argument("connection", help="tcp://HOST[:9100], usb://VID:PID, serial:///dev/ttyUSB0, file:DIR or agent")
    q.add_argument("--profile", default="TM-T88V", help="python-escpos capability profile")
    q = actions.add_parser("remove", help="remove a printer (its unprinted jobs fail)")
    q.add_argument("name")
    p.set_defaults(func=cmd_printer, action="list")
    p = commands.add_parser("kiosk", help="register a kiosk, choose its printer, give or revoke its agent token")
    p.add_argument("site")
    p.add_argument("action", choices=["set", "token", "revoke"])
    p.add_argument("name")
    p.add_argument("--printer", help="the printer its tickets go to (with set)")
    p.set_defaults(func=cmd_kiosk)
    p = commands.add_parser("display", help="register a waiting-room display, give or revoke its enrolment token")
    p.add_argument("site")
    p.add_argument("action", choices=["set", "token", "revoke"])
    p.add_argument("name")
    p.set_defaults(func=cmd_kiosk)
    p = commands.add_parser("ticket-layout", help="a site's ticket header, footer and logo",
                            epilog='e.g. luukku ticket-layout demo --header-fi "Tervetuloa" --logo logo.png '
                                   '(\\n in a text starts a new line)')
    p.add_argument("site")
    for part in ("header", "footer"):
        for lang in ("fi", "sv", "en"):
            p.add_argument(f"--{part}-{lang}", metavar="TEXT")
    p.add_argument("--logo", metavar="IMAGE", help="PNG, JPEG or GIF, printed at the top of every ticket")
    p.add_argument("--no-logo", action="store_true")
    p.set_defaults(func=cmd_ticket_layout)
    p = commands.add_parser("display-look", help="the waiting-room displays' colour, logo and notice line",
                            epilog='e.g. luukku display-look demo --colour "#00558c" --logo logo.png '
                                   '--notice-fi "Tervetuloa!" (an empty text removes a notice)')
    p.add_argument("site")
    p.add_argument("--colour", metavar="#RRGGBB", help="the header's colour; text on it is black or white, "
                   "whichever reads better; an empty value goes back to the default")
    for lang in ("fi", "sv", "en"):
        p.add_argument(f"--notice-{lang}", metavar="TEXT", help="a line scrolling at the bottom (300 characters)")
    p.add_argument("--logo", metavar="IMAGE", help="PNG or JPEG, shown in the header")
    p.add_argument("--no-logo", action="store_true")
    p.set_defaults(func=cmd_display_look)
    p = commands.add_parser("config", help="export or import the whole configuration (sites, hours, services, "
                            "counters, printers, departments) as one JSON file",
                            epilog="e.g. luukku config export setup.json on the test server, then luukku config "
                                   "import setup.json in production (docs/administration.md)")
    p.add_argument("action", choices=["export", "import"])
    p.add_argument("file")
    p.set_defaults(func=cmd_config)
    p = commands.add_parser("print-test", help="print a test page with every letter that matters")
    p.add_argument("printer", help="SITE/NAME of a configured printer, or a connection string")
    p.add_argument("--profile", default="TM-T88V", help="profile, when a connection string is given")
    p.set_defaults(func=cmd_print_test)
    p = commands.add_parser("printer-agent", help="on a kiosk PC: print this kiosk's tickets on its own printer")
    from printers import agent

    agent.add_arguments(p)
    p.set_defaults(func=cmd_printer_agent)
    p = commands.add_parser("visits", help="make the visits' service periods again from the event log")
    p.add_argument("action", choices=["rebuild"])
    p.add_argument("--site", help="only this site's visits")
    p.set_defaults(func=cmd_visits)
    p = commands.add_parser("ptv", help="import the national service catalogue's (Suomi.fi PTV) services into the "
                            "guide's matters", epilog="e.g. luukku ptv import --dry-run, then luukku ptv import "
                            "--overwrite parking-permit:answer_fi (docs/ptv.md)")
    p.add_argument("action", choices=["import"])
    p.add_argument("--organization", metavar="GUID", help="the organisation's PTV id (default: LUUKKU_PTV_ORGANIZATION_ID)")
    p.add_argument("--site", action="append", default=[], metavar="SLUG",
                   help="offer new matters at this site and match its details with PTV (repeatable; default: every site)")
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.add_argument("--overwrite", action="extend", nargs="+", default=[], metavar="KEY:FIELD",
                   help="conflicts where PTV's value replaces the one staff wrote (a matter's key, or site:SLUG)")
    p.set_defaults(func=cmd_ptv)
    commands.add_parser("settings", help="show the settings and what each does").set_defaults(func=cmd_settings)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
