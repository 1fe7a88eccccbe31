"""Registered devices: the kiosks and waiting-room displays a site trusts (docs/administration-staff-devices.md).

A device gets a token from an admin, shown once; only its SHA-256 is kept (printers/jobs.py). The
token is the kiosk PC's printer agent's bearer token, and, once, the device's enrolment link: the
browser that opens ``/devices/enrol/{token}`` becomes the device and keeps a signed cookie naming it.
The cookie holds the device's id and a fingerprint of its current token, so issuing a new token or
revoking it makes every earlier cookie worthless at once, without a list of cookies to remember.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select

from printers import jobs
from server import audit, config
from server.errors import N_, Conflict, NotFound
from server.models import DEVICE_KINDS, Device, Printer, Site, utcnow
from server.requests import FormInvalid

# last_seen_at is written at most this often, not on every request or websocket message.
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Screen:
    """The device a browser is, as the gate in front of /kiosk and /display sees it."""

    id: int
    name: str
    kind: str
    site_slug: str
    last_seen_at: datetime | None

    def may_show(self, kind: str, site_slugs: tuple[str, ...]) -> bool:
        """A kiosk shows its own site's kiosk; a display, displays naming its site (the speech
        files and the chime name no site)."""
        return self.kind == kind and (not site_slugs or self.site_slug in site_slugs)


def site_devices(session: Session, site: Site) -> list[Device]:
    return list(session.exec(select(Device).where(Device.site_id == site.id).order_by(Device.kind, Device.name)))


def get_device(session: Session, device_id: int, site: Site | None = None) -> Device:
    device = session.get(Device, device_id)
    if device is None or (site is not None and device.site_id != site.id):
        raise NotFound(N_("There is no such device."))
    return device


def save_device(session: Session, admin_id: int, site: Site, values: dict, device_id: int | None = None) -> Device:
    """A new kiosk or display of the site, or a change of its name and (a kiosk's) printer."""
    fields: dict[str, str] = {}
    device = get_device(session, device_id, site) if device_id is not None else None
    kind = device.kind if device else str(values.get("kind") or "")
    if kind not in DEVICE_KINDS:
        fields["kind"] = N_("Choose a kiosk or a display.")
    name = str(values.get("name") or "").strip()
    if not name:
        fields["name"] = N_("Give the device a name, e.g. entrance-kiosk.")
    elif len(name) > 60:
        fields["name"] = N_("A name has at most 60 characters.")
    else:
        same = session.exec(select(Device).where(Device.site_id == site.id, Device.name == name)).first()
        if same is not None and same is not device:
            fields["name"] = N_("This service point already has a device with this name.")
    printer_id = None
    printer_name = str(values.get("printer") or "").strip()
    if printer_name and kind == "kiosk":
        printer = session.exec(select(Printer).where(Printer.site_id == site.id, Printer.name == printer_name)).first()
        if printer is None:
            fields["printer"] = N_("There is no such printer at this service point.")
        else:
            printer_id = printer.id
    if fields:
        raise FormInvalid(fields)
    if device is None:
        device = Device(site_id=site.id, kind=kind, name=name)
        action = "device.create"
    else:
        action = "device.update"
    device.name, device.printer_id = name, printer_id
    session.add(device)
    session.flush()
    # An event as for the rest of the configuration: a worker's kept settings (server/site_memory.py)
    # send the kiosk's next ticket to its new printer.
    config.config_changed(session, admin_id, site, action, f"device:{device.id}", f"{kind} printer={printer_id or '-'}")
    return device


def issue_token(session: Session, admin_id: int | None, device: Device, now: datetime | None = None) -> str:
    """A new token (shown once): the previous token, the agent using it and the browser enrolled with
    it stop working; the new one enrols one browser."""
    token = jobs.issue_token(session, device, now or utcnow())
    device.enrolled_at = None
    session.add(device)
    audit.record(session, admin_id, "device.token", target=f"device:{device.id}")
    return token


def revoke(session: Session, admin_id: int | None, device: Device, now: datetime | None = None) -> None:
    """The device's browser and its printer agent are refused from their next request or message."""
    jobs.revoke_token(session, device, now or utcnow())
    device.enrolled_at = None
    session.add(device)
    audit.record(session, admin_id, "device.revoke", target=f"device:{device.id}")


def device_for_token(session: Session, token: str) -> Device | None:
    if not token:
        return None
    return session.exec(select(Device).where(Device.token_hash == jobs.token_hash(token))).first()


def enrol(session: Session, token: str, now: datetime | None = None) -> Device:
    """The browser opening the link becomes the device; the link works once."""
    device = device_for_token(session, token)
    if device is None:
        raise NotFound(N_("This enrolment link is not valid: it was revoked or replaced by a new one."))
    if device.enrolled_at is not None:
        raise Conflict(N_("This enrolment link has already been used. An admin can issue a new one."))
    device.enrolled_at = device.last_seen_at = now or utcnow()
    session.add(device)
    audit.record(session, None, "device.enrol", target=f"device:{device.id}")
    return device


# --- the device's cookie -------------------------------------------------------------------------

def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="luukku-device")


def _fingerprint(device: Device) -> str:
    # A prefix of the token's hash: enough to tell tokens apart, and no way back to the token.
    return (device.token_hash or "")[:16]


def cookie_value(secret_key: str, device: Device) -> str:
    return _serializer(secret_key).dumps({"d": device.id, "t": _fingerprint(device)})


def screen_for_cookie(session: Session, secret_key: str, value: str | None) -> Screen | None:
    """The device a cookie names, if its token is still the one it was enrolled with; else None."""
    if not value:
        return None
    try:
        data = _serializer(secret_key).loads(value)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), int):
        return None
    device = session.get(Device, data["d"])
    if device is None or device.token_hash is None or device.enrolled_at is None \
            or data.get("t") != _fingerprint(device):
        return None
    site = session.get(Site, device.site_id)
    return Screen(device.id, device.name, device.kind, site.slug, device.last_seen_at)


def seen(session: Session, device_id: int, now: datetime | None = None) -> bool:
    """Notes that the device was seen; a write at most once a minute. True if written."""
    now = now or utcnow()
    device = session.get(Device, device_id)
    if device is None or (device.last_seen_at is not None and now - device.last_seen_at < SEEN_EVERY):
        return False
    device.last_seen_at = now
    session.add(device)
    return True


def needs_seen(screen: Screen, now: datetime | None = None) -> bool:
    return screen.last_seen_at is None or (now or utcnow()) - screen.last_seen_at >= SEEN_EVERY
