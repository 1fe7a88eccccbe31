"""Configuration, read once from the environment (prefix ``LUUKKU_``) or an optional ``.env`` file.

Every setting carries its default and a one-line description, so ``luukku settings`` and the docs
come from the same place.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LUUKKU_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///var/luukku.db",
        description="SQLAlchemy URL: sqlite:///path or postgresql+psycopg://user@host/db",
    )
    workers: int = Field(
        1, ge=1, description="Worker processes `luukku serve` starts unless --workers is given; more than one "
        "needs PostgreSQL"
    )
    db_pool_size: int = Field(
        10, ge=1, description="Database connections each worker keeps open; also how many of its requests "
        "use the database at once (the others wait their turn)"
    )
    db_max_overflow: int = Field(
        20, ge=0, description="Connections a worker may open beyond the pool for its background jobs when "
        "the pool is busy, closed again after use"
    )
    db_pool_timeout_s: float = Field(
        30, gt=0, description="Seconds a request waits for a free database connection before it fails"
    )
    db_connect_timeout_s: int = Field(
        10, ge=0, description="Seconds to wait for a new PostgreSQL connection to open (0: no limit)"
    )
    db_statement_timeout_s: float = Field(
        30, ge=0, description="Seconds one PostgreSQL statement may run, waiting for locks included, before "
        "it is cancelled (0: no limit)"
    )
    secret_key: str = Field(
        "change-me-in-production",
        description="Signs session cookies and API tokens; set a long random value in production",
    )
    demo: bool = Field(False, description="Demo mode: demo logins work and are printed at start")
    demo_password: str = Field("demo", description="Password of the demo users admin, clerk, expert and manager")
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="Address visitors' phones reach the server at (used in ticket QR codes)",
    )
    default_language: Literal["fi", "sv", "en"] = Field("fi", description="Language of a new screen")
    demo_printer: str = Field(
        "file:var/prints",
        description="Connection of the demo site's printer: file:DIR, tcp://HOST:9100, usb://VID:PID, "
        "serial:///dev/ttyUSB0 or agent (docs/printers.md); production printers are set with "
        "`luukku printer`",
    )
    demo_printer_profile: str = Field("TM-T88V", description="python-escpos profile of the demo printer")
    printer_status_interval_s: float = Field(
        5, description="Seconds between status queries to each printer the server reaches itself"
    )
    print_retry_poll_s: float = Field(
        1, description="Seconds between looks for print jobs due for a retry or written by another worker"
    )
    kiosk_print_wait_s: float = Field(
        6, description="Seconds the kiosk waits for the paper before it shows the ticket on screen instead"
    )
    bus: Literal["auto", "memory", "postgresql"] = Field(
        "auto",
        description="How events reach screens on other workers: memory (one worker), postgresql "
        "(LISTEN/NOTIFY, any number of workers and hosts); auto picks postgresql on a PostgreSQL database",
    )
    live_heartbeat_s: float = Field(
        2, description="Seconds between heartbeats on screens' websockets (both ways); a screen marks "
        "itself offline after about two missed ones"
    )
    live_phone_heartbeat_s: float = Field(
        10, description="Seconds between heartbeats on the websockets of visitors' phones following their "
        "tickets: thousands of phones at the screens' 2 s would keep a worker busy with heartbeats alone"
    )
    gc_every_s: float = Field(
        30, description="Seconds between a worker's full garbage collections: they free closed "
        "connections' objects, which Python's own thresholds (set for live screens) would keep all day; "
        "after each, the C heap's free memory goes back to the system"
    )
    speech_dir: Path = Field(
        Path("var/speech"), description="Where spoken calls (espeak-ng WAV files) and the chime are cached"
    )
    metrics_token: str = Field(
        "", description="If set, /metrics (Prometheus) wants it as a bearer token; empty: open, as on a closed LAN"
    )
    token_max_age_s: int = Field(8 * 3600, description="Lifetime of an API bearer token, seconds")
    kiosk_return_s: int = Field(8, description="Seconds the kiosk shows a ticket before returning")
    booking_hold_s: int = Field(
        300, description="Seconds a chosen appointment time is kept for a citizen filling in the form"
    )
    booking_horizon_days: int = Field(60, description="How many days ahead appointments can be booked")
    booking_limit_per_person: int = Field(
        3, description="Upcoming bookings one email address or phone number may hold"
    )
    booking_limit_per_address: int = Field(
        10, description="Appointment times one network address may hold in an hour"
    )
    public_rate_limit_per_min: int = Field(
        120, description="Requests a minute one address may make to the public booking and ticket status pages (429 beyond)"
    )
    kiosk_rate_limit_per_min: int = Field(
        60, description="Tickets and check-ins a minute one address may ask the kiosk pages for (429 beyond; 0: no limit)"
    )
    waits_rate_limit_per_min: int = Field(
        300, ge=0, description="Requests a minute one address may make to the public waits (/api/v1/waits, "
        "/waits; 429 beyond; 0: no limit)"
    )
    waits_cache_s: float = Field(
        5, gt=0, le=300, description="Seconds the public waits are read from the database at most once per worker"
    )
    waits_frame_ancestors: str = Field(
        "https:", pattern=r"^\s*(\*|https:|'self'|https?://(\*\.)?[A-Za-z0-9.-]+(:\d+)?)"
        r"(\s+(\*|https:|'self'|https?://(\*\.)?[A-Za-z0-9.-]+(:\d+)?))*\s*$",
        description="Pages that may show the public waits page (/waits) in a frame, as CSP frame-ancestors: "
        "origins separated by spaces (https://www.city.fi), https: for any https page, or * for any page"
    )
    booking_retention_days: int = Field(
        30, description="Days after the booked time a booking's name, phone, email and message are erased"
    )
    registry_retention_days: int = Field(
        730, description="Days after a customer's last visit or service request their name and contact "
        "details are erased, and after which clerks' notes of visits and closed service requests' texts "
        "are; the statistics stay"
    )
    smtp_host: str = Field("", description="Mail server for booking confirmations and reminders; empty: no mail")
    smtp_port: int = Field(587, description="Its port: 587 with STARTTLS, 465 with TLS, 25 for a LAN relay")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="How the connection to the mail server is protected"
    )
    smtp_username: str = Field("", description="Login to the mail server, if it wants one")
    smtp_password: str = Field("", description="Its password")
    smtp_from: str = Field("Luukku <luukku@localhost>", description="Sender of the booking mail")
    booking_reminder_hours: int = Field(24, description="Hours before the booked time the reminder is mailed")
    mail_poll_s: float = Field(60, description="Seconds between looks for booking mail to send or send again")
    sms_gateway: str = Field(
        "", description="Where queue messages go by SMS: smpp://user:pass@host:2775?source=Luukku (an operator's "
        "SMSC) or the https address of an HTTP gateway; empty: no SMS"
    )
    sms_http_auth: str = Field(
        "", description="The HTTP SMS gateway's Authorization header value (e.g. 'Bearer …'), if it wants one"
    )
    sms_http_body: str = Field(
        "", description="JSON template of the HTTP SMS gateway's request body; empty: the default shape (docs)"
    )
    vapid_key_file: Path = Field(
        Path("var/vapid.pem"), description="Our Web Push (VAPID) key, made there at the first push; keep it: "
        "a new key orphans every browser's subscription"
    )
    vapid_subject: str = Field(
        "mailto:luukku@localhost", description="Our contact for the browsers' push services (mailto: or https:)"
    )
    message_poll_s: float = Field(
        1.0, gt=0, description="Seconds between looks for queue messages (SMS, push, email) due to be sent or retried"
    )
    message_max_attempts: int = Field(
        10, ge=1, description="Attempts to send one queue message before it is marked failed"
    )
    message_retention_days: int = Field(
        30, ge=0, description="Days after a queue message was sent (or failed) its address and contents are erased"
    )
    feedback_link_days: int = Field(
        7, ge=1, description="Days after a visit ended its feedback form (and the link in its message) takes an answer"
    )
    alert_contacts: str = Field(
        "", description="Staff told of each alert of a service going wrong (docs/alerts.md), by one message each: "
        "emails and mobile numbers separated by commas; empty (the default): none"
    )
    search_words_retention_days: int = Field(
        90, ge=0, description="Days the words of the guide's searches that found nothing are kept for the reports; "
        "then only their count stays"
    )
    request_due_days: int = Field(
        14, description="Days from today (the site's calendar) a new service request is due, unless the clerk "
        "sets its due date"
    )
    letter_return_address: str = Field(
        "", description="The sender's address block under the site's name on service requests' letters "
        "(lines separated by \\n)"
    )
    checkin_early_min: int = Field(30, description="Minutes before the booked time the kiosk checks a visitor in")
    checkin_late_min: int = Field(
        15, description="Minutes after the booked time a visitor can still check in; later, a no-show"
    )
    late_checkin_joins_queue: bool = Field(
        True, description="A visitor too late for the booked time gets an ordinary queue number at the kiosk"
    )
    login_max_failures: int = Field(
        5, description="Failed logins for one username within LUUKKU_LOGIN_LOCKOUT_MIN minutes that lock it "
        "for as long"
    )
    login_lockout_min: int = Field(
        15, description="Minutes failed logins are counted over, and minutes a locked username stays locked"
    )
    login_max_failures_per_address: int = Field(
        20, description="Failed logins one network address may make within LUUKKU_LOGIN_LOCKOUT_MIN minutes "
        "(any usernames); beyond it its logins are refused with 429"
    )
    session_idle_min: float = Field(
        30, description="Minutes without a request after which a staff session ends (live screen updates "
        "do not count)"
    )
    session_max_hours: float = Field(12, description="Hours after logging in at which a staff session ends")
    housekeeping_interval_s: float = Field(
        60, description="Seconds between runs of the jobs that close unserved tickets at closing time and free expired appointment holds"
    )
    ptv_url: str = Field(
        "https://api.palvelutietovaranto.suomi.fi", description="Address of the national service catalogue's "
        "(Suomi.fi PTV) open API, version 11, that `luukku ptv import` and /admin/ptv read (docs/ptv.md)"
    )
    ptv_organization_id: str = Field(
        "", description="The organisation whose services are imported from PTV, by its PTV id (a GUID), unless "
        "the import names another"
    )
    ptv_timeout_s: float = Field(20, gt=0, description="Seconds one request to PTV may take before it is tried again")
    # Staff sign-in with the city's identity provider (OpenID Connect; docs/directory-sign-in.md).
    oidc_issuer: str = Field(
        "", description="The identity provider's issuer URL (its /.well-known/openid-configuration is read); "
        "empty: no sign-in with the directory"
    )
    oidc_client_id: str = Field("", description="Luukku's client id at the identity provider")
    oidc_client_secret: str = Field("", description="Luukku's client secret at the identity provider")
    oidc_groups_claim: str = Field(
        "groups", description="The ID token's claim that lists the person's groups or roles, mapped to Luukku's "
        "roles on /admin/directory"
    )
    oidc_scopes: str = Field("openid profile email", description="Scopes asked of the identity provider")
    oidc_button_fi: str = Field("Kirjaudu organisaation tunnuksella", description="The sign-in button's words in Finnish")
    oidc_button_sv: str = Field("Logga in med organisationens konto", description="The sign-in button's words in Swedish")
    oidc_button_en: str = Field("Sign in with the organisation's account", description="The sign-in button's words in English")
    oidc_passwords_off: bool = Field(
        False, description="Local passwords refused for everyone but the break-glass admins below (needs the "
        "directory)"
    )
    oidc_break_glass_admins: str = Field(
        "", description="Usernames that may still log in with a local password when they are off, separated by commas"
    )
    oidc_timeout_s: float = Field(10, gt=0, description="Seconds one request to the identity provider may take")
    ptv_retries: int = Field(
        3, ge=0, description="Times a page PTV failed to give (5xx, timeout, no connection) is asked again, after "
        "1, 2, 4 … s, before the import gives up and changes nothing"
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
