"""The ``luukku`` command: serve, migrate, demo, create-user, settings."""

import argparse
import getpass
import os
import sys

from server.settings import Settings, get_settings


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from server.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, ws_per_message_deflate=False,
                log_level="info")


def cmd_migrate(args) -> None:
    from server.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url)
    print(f"Database is up to date: {settings.database_url}")


def cmd_serve(args) -> None:
    _serve(get_settings(), args.host, args.port)


def cmd_demo(args) -> None:
    from server.db import Database
    from server.demo import seed_demo
    from server.migrate import upgrade

    os.environ["LUUKKU_DEMO"] = "true"
    get_settings.cache_clear()
    settings = get_settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    with db.write() as session:
        seed_demo(session, settings.demo_password)
    db.dispose()
    base = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    if settings.public_url == Settings.model_fields["public_url"].default:
        os.environ["LUUKKU_PUBLIC_URL"] = base
        get_settings.cache_clear()
        settings = get_settings()
    print(f"""
Luukku demo is ready ({settings.database_url}).
  Kiosk:    {base}/kiosk/demo
  Counter:  {base}/counter      (log in as clerk, expert or admin, password: {settings.demo_password})
  Overview: {base}/counter/overview   (admin: every counter, the queues and alarms)
  Display:  {base}/display/demo
  API:      {base}/api/openapi.json
  Tickets print to {settings.printer_dir}/ (set LUUKKU_PRINTER_TRANSPORT=network for a real printer).
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
    db = Database(get_settings().database_url)
    with db.write() as session:
        user = session.exec(select(StaffUser).where(StaffUser.username == args.username)).first()
        user = user or StaffUser(username=args.username, display_name=args.name or args.username,
                                 role=args.role, password_hash="")
        user.password_hash = hash_password(password)
        user.role = args.role
        session.add(user)
    print(f"User {args.username} ({args.role}) saved.")


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


def cmd_settings(args) -> None:
    settings = get_settings()
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        if name in ("secret_key", "demo_password"):
            value = "***"
        print(f"LUUKKU_{name.upper()}={value}\n    {field.description}")


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
        p.set_defaults(func=func)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(func=cmd_migrate)
    p = commands.add_parser("create-user", help="create a staff user or set a password")
    p.add_argument("username")
    p.add_argument("--name")
    p.add_argument("--role", choices=["clerk", "expert", "admin"], default="clerk")
    p.set_defaults(func=cmd_create_user)
    p = commands.add_parser("hours", help="show or set a site's opening hours (site's local time)",
                            epilog='e.g. luukku hours demo "mon-fri 08:00-16:15" --exception 2026-12-24=closed')
    p.add_argument("site")
    p.add_argument("weekly", nargs="*", help='"mon-fri 08:00-16:15", "sat 10:00-14:00": replaces the week')
    p.add_argument("--always", action="store_true", help="open around the clock (no weekly hours)")
    p.add_argument("--exception", action="append", default=[], metavar="DATE=HH:MM-HH:MM|closed")
    p.set_defaults(func=cmd_hours)
    commands.add_parser("settings", help="show the settings and what each does").set_defaults(func=cmd_settings)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
