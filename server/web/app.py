"""The application: ``create_app()`` assembles settings, storage, the bus and every screen's routes."""

import contextlib
import hmac
from datetime import timedelta

import anyio
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import counter.admin_config
import counter.admin_directory
import counter.admin_matters
import counter.admin_people
import counter.admin_releases
import counter.audit
import counter.customers
import counter.notices
import counter.ptv
import counter.reports
import counter.requests
import counter.routes
import display.routes
import kiosk.booking
import kiosk.feedback
import kiosk.remote
import kiosk.guide
import kiosk.phone_guide
import kiosk.routes
import printers.routes
from printers.worker import PrintWorker
from server import accuracy, alerts, booking, demo, garbage, housekeeping, i18n, metrics
from server.bus import PostgresBus, make_bus
from server.db import Database, checkpoint_periodically, run_read
from server.errors import DomainError, N_
from server.queue import all_sites
from server.search import Finder
from server.mail import Mailer, SmtpServer
from server.messenger import Messenger
from server.settings import Settings, get_settings
from server.speech import Speech
from server.web import api, device_gate, health, oidc, pages, waits
from server.web.headers import SecurityHeaders
from server.web.live import DirectSockets, PacedReadings, SharedRenders
from server.web.ratelimit import PublicRateLimit


async def index(request: Request):
    sites = await run_read(request.app.state.db, all_sites)
    return pages.render(request, "index.html", {"sites": sites})


async def prometheus_metrics(request: Request):
    token = request.app.state.settings.metrics_token
    if token and not hmac.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}"):
        return PlainTextResponse("A valid bearer token (LUUKKU_METRICS_TOKEN) is needed.", status_code=401,
                                 headers={"WWW-Authenticate": "Bearer"})
    bus = request.app.state.bus

    def read(session):
        clients = {site.slug: bus.subscriber_count(site.slug) for site in all_sites(session)}
        return metrics.exposition(session, clients, request.app.state.metric_totals)

    return Response(await run_read(request.app.state.db, read), media_type=CONTENT_TYPE_LATEST)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def on_domain_error(request: Request, exc: DomainError):
    if _wants_json(request):
        lang = pages.page_language(request)
        return JSONResponse(
            {"detail": i18n.gettext(lang, exc.message, **exc.params)}, status_code=exc.status_code
        )
    return pages.domain_error_page(request, exc)


READINGS_KEPT = 3  # per site: the phones' readings kept for the events being answered

HTTP_MESSAGES = {
    404: N_("This page does not exist."),
    405: N_("This address does not accept that kind of request."),
}


async def on_http_error(request: Request, exc: HTTPException):
    message = exc.detail if exc.status_code not in HTTP_MESSAGES else HTTP_MESSAGES[exc.status_code]
    if _wants_json(request):
        lang = pages.page_language(request)
        return JSONResponse(
            {"detail": i18n.gettext(lang, message)}, status_code=exc.status_code, headers=exc.headers
        )
    return pages.error_page(request, exc.status_code, message)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    db = Database(settings.database_url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow,
                  pool_timeout_s=settings.db_pool_timeout_s, connect_timeout_s=settings.db_connect_timeout_s,
                  statement_timeout_s=settings.db_statement_timeout_s)
    bus = make_bus(db, settings.bus)
    db.after_commit.append(bus.publish)
    if isinstance(bus, PostgresBus):
        db.before_commit.append(bus.notify)
    print_worker = PrintWorker(db, settings.public_url, poll_s=settings.print_retry_poll_s,
                               status_every_s=settings.printer_status_interval_s)
    db.after_commit.append(print_worker.on_commit)

    def link(public_id: str) -> str:
        return kiosk.booking.booking_link(settings, public_id)

    def ics(session, appointment) -> bytes:
        return kiosk.booking.ics_bytes(session, appointment, link(appointment.public_id))

    mailer = Mailer(db, SmtpServer.of(settings), link, ics,
                    remind_before=timedelta(hours=settings.booking_reminder_hours),
                    poll_s=settings.mail_poll_s, early_min=settings.checkin_early_min)
    db.after_commit.append(mailer.on_commit)
    messenger = Messenger(db, settings)  # queue messages by SMS, push and email (issue 19)
    db.after_commit.append(messenger.on_commit)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        if settings.demo:
            await anyio.to_thread.run_sync(demo.ensure_demo_printer, db, settings.demo_printer,
                                           settings.demo_printer_profile)
        async with anyio.create_task_group() as tasks:
            await tasks.start(bus.run)  # listening (or its first attempt over) before the app serves
            tasks.start_soon(housekeeping.run_periodically, db, settings.housekeeping_interval_s,
                             booking.Limits.of(settings), settings.booking_retention_days,
                             settings.registry_retention_days, settings.message_retention_days,
                             timedelta(hours=settings.booking_reminder_hours), settings.search_words_retention_days,
                             alerts.parse_contacts(settings.alert_contacts, settings.default_language))
            tasks.start_soon(print_worker.run)
            tasks.start_soon(mailer.run)
            tasks.start_soon(messenger.run)
            tasks.start_soon(app.state.shown.run)
            if db.is_sqlite:
                tasks.start_soon(checkpoint_periodically, db)
            # A full garbage collection at a steady pace, and the thresholds for live screens
            # (server/garbage.py, docs/PERFORMANCE.md).
            tasks.start_soon(garbage.collect_periodically, settings.gc_every_s)
            with garbage.tuned():
                yield
            tasks.cancel_scope.cancel()
        db.dispose()

    routes = [
        # The API and the static files first: Starlette tries the routes in order, and with the pages'
        # 180 before them, matching a kiosk's ticket request took 0.1-0.2 ms (docs/PERFORMANCE.md).
        # Nothing else starts with /api/ or /static/.
        Mount("/api", routes=api.routes),
        Mount("/static", StaticFiles(directory=pages.ROOT / "server" / "web" / "static"), name="static"),
        Route("/", index),
        Route("/healthz", health.healthz),
        Route("/metrics", prometheus_metrics),
        *kiosk.remote.routes,  # first: /t/push-sw.js is not a ticket's /t/{public_id}
        *kiosk.feedback.routes,  # before /t/{public_id}'s own (issue 21)
        *kiosk.routes.routes,
        *kiosk.guide.routes,
        *kiosk.phone_guide.routes,
        *kiosk.booking.routes,
        *oidc.routes,  # staff sign-in with the city's identity provider (issue 23)
        *counter.routes.routes,
        *counter.customers.routes,
        *counter.notices.routes,
        *counter.requests.routes,
        *counter.reports.routes,
        *counter.admin_config.routes,
        *counter.admin_matters.routes,
        *counter.admin_people.routes,
        *counter.admin_releases.routes,  # fair releases of booking times (issue 22)
        *counter.admin_directory.routes,  # issue 23
        *counter.ptv.routes,
        *device_gate.routes,
        *counter.audit.routes,
        *display.routes.routes,
        *printers.routes.routes,
        *waits.routes,  # the public waits page (issue 21)
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(DirectSockets, routes=kiosk.routes.phone_sockets),
            Middleware(SecurityHeaders, https=settings.public_url.startswith("https://"),
                       framable=("/waits",), frame_ancestors=settings.waits_frame_ancestors),  # issue 21
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="luukku_session",
                # The cookie outlives no session (server/web/sessions.py ends it sooner); Lax, not Strict, so a
                # link to a staff page from mail or the intranet opens it logged in; forms carry CSRF tokens.
                max_age=max(60, round(settings.session_max_hours * 3600)),
                same_site="lax",
                https_only=settings.public_url.startswith("https://"),
            ),
            # The booking, joining, guide and ticket status pages face the internet: /b/…, /a/…, /j/…,
            # /g/… and /t/….
            Middleware(PublicRateLimit, prefixes=("/b/", "/a/", "/t/", "/j/", "/g/"),
                       limit=settings.public_rate_limit_per_min),
            # A kiosk PC issues many tickets from one address, but a person takes seconds for each:
            # its own, higher limit, on the buttons only (POST), so the screen itself always loads.
            Middleware(PublicRateLimit, prefixes=("/kiosk/",), methods=("POST",),
                       limit=settings.kiosk_rate_limit_per_min),
            # Kiosks and displays: registered devices only, unless in demo mode (server/web/device_gate.py).
            Middleware(device_gate.DeviceGate),
        ],
        exception_handlers={DomainError: on_domain_error, HTTPException: on_http_error},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.bus = bus
    app.state.metric_totals = metrics.Totals()
    app.state.renders = SharedRenders()
    # The phones' readings of a queue hold its every open ticket (4 MB for 5,000): only those of each
    # site's last few events, which the phones answering them share. 32 kept for all sites were most of
    # a worker's memory with 2,500 phones, and most of what its full garbage collections walked.
    app.state.queue_readings = SharedRenders(keep=READINGS_KEPT, group=lambda key: key[1])
    # The counter screens' readings of their site (counter/routes.py): one a site at a time, each
    # answering every event that came before it began.
    app.state.counter_states = PacedReadings(every_s=counter.routes.READ_EVERY_S)
    app.state.phones = kiosk.routes.phone_followers(app)
    app.state.shown = accuracy.ShownEstimates(db)  # the phones' estimates, kept for the reports (issue 21)
    app.state.print_worker = print_worker
    app.state.mailer = mailer
    app.state.messenger = messenger
    app.state.speech = Speech(settings.speech_dir)
    app.state.finder = Finder()  # the guide's search, its indexes kept per site (server/search.py)
    return app
