"""Web Push to the visitor's phone (issue 19): "your turn is near", "it is your turn: counter 3".

The visitor's browser subscribes on the ticket's status page (kiosk/static/push.js) and hands us its
``PushSubscription``: an endpoint at the browser vendor's push service and the browser's public key
and auth secret. We post each message to that endpoint, encrypted for the browser (RFC 8291,
aes128gcm, by ``http-ece`` through ``pywebpush``) and signed with our VAPID key (RFC 8292) so that the
push service knows the sender; the service worker (kiosk/static/push-sw.js) shows it.

A message says no more than the visitor needs (a title, a line, the ticket's address): it passes
through a third party's servers, encrypted but still stored there for up to its TTL.
"""

import base64
import binascii
import ipaddress
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import anyio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

# pywebpush (with requests, aiohttp and http-ece) and py_vapid are imported by _post, where a push is
# sent: loaded at start they cost every server process about 22 MB (docs/PERFORMANCE.md, "Thousands
# of phones"), and a process that never sends a push never needs them.
from server.errors import N_, Invalid

log = logging.getLogger("luukku.push")

TIMEOUT_S = 15.0  # one post to the push service, connecting included
# A push service accepts 4,096 bytes of body; aes128gcm adds a header (86 bytes with our key id), one
# byte of padding delimiter and the 16-byte tag.
MAX_PAYLOAD_BYTES = 4096 - 86 - 1 - 16
MAX_ENDPOINT_CHARS = 2048  # the vendors' endpoints are a few hundred characters
_B64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class VapidKeys:
    """Our VAPID key pair: the private key signs each post; the public key is the
    ``applicationServerKey`` the browser subscribes with. A new key pair orphans every subscription
    made with the old one, so the key is kept in a file and made once."""

    private_pem: str = field(repr=False)  # never in a log line
    public_key_b64url: str  # the uncompressed P-256 point, base64url without padding
    _key: ec.EllipticCurvePrivateKey = field(repr=False, compare=False)

    @classmethod
    def generate(cls) -> "VapidKeys":
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        return cls.from_pem(pem.decode("ascii"))

    @classmethod
    def from_pem(cls, text: str) -> "VapidKeys":
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("a VAPID key is an elliptic curve key on P-256")
        public = key.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
        return cls(text, _b64url(public), key)

    @classmethod
    def load_or_create(cls, path: Path) -> "VapidKeys":
        """The key in ``path``; made there (mode 0600) if there is none. Several workers starting at
        once make one key between them: each writes its own file aside and links it into place, and
        a worker that finds the place taken reads the key that is there."""
        path = Path(path)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            aside = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
            fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(cls.generate().private_pem)
                    f.flush()
                    os.fsync(f.fileno())
                try:
                    os.link(aside, path)  # fails where another worker was first
                    log.info("made a VAPID key in %s", path)
                except FileExistsError:
                    pass
            finally:
                aside.unlink(missing_ok=True)
        if path.stat().st_mode & 0o077:
            log.warning("%s can be read by others than its owner: chmod 600 it", path)
        return cls.from_pem(path.read_text())


class InvalidSubscription(Invalid):
    """A subscription we cannot send to. The visitor sees one message; ``reason`` (English, for the
    log) says what was wrong."""

    def __init__(self, reason: str):
        super().__init__(N_("This browser's notification subscription is not valid."))
        self.reason = reason


def _key_bytes(value: object, name: str, max_chars: int) -> bytes:
    if not isinstance(value, str) or not value:
        raise InvalidSubscription(f"keys.{name} is not a string")
    if len(value) > max_chars or not _B64URL.fullmatch(value):
        raise InvalidSubscription(f"keys.{name} is not base64url")
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise InvalidSubscription(f"keys.{name} is not base64url") from None


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_subscription(data: object, allow_http_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> dict:
    """The ``PushSubscription.toJSON()`` a browser sent, checked and reduced to what sending needs:
    ``{"endpoint": …, "keys": {"p256dh": …, "auth": …}}`` (``expirationTime`` and the rest dropped).

    The endpoint is where the server will post: https only, no credentials, no address as a number;
    plain http only to ``allow_http_hosts`` (the tests' local push service). Production code that
    takes subscriptions from the public should pass ``allow_http_hosts=()``."""
    if not isinstance(data, dict):
        raise InvalidSubscription("not a JSON object")
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if not isinstance(endpoint, str) or not endpoint:
        raise InvalidSubscription("no endpoint")
    if len(endpoint) > MAX_ENDPOINT_CHARS:
        raise InvalidSubscription("the endpoint is too long")
    if any(c.isspace() or not c.isprintable() for c in endpoint):
        raise InvalidSubscription("the endpoint has spaces or control characters")
    try:
        url = urlsplit(endpoint)
        host, _port = url.hostname, url.port  # a bad port raises here
    except ValueError:
        raise InvalidSubscription("the endpoint is not a URL") from None
    if not host:
        raise InvalidSubscription("the endpoint has no host")
    if url.username is not None or url.password is not None:
        raise InvalidSubscription("the endpoint carries credentials")
    local_test_service = url.scheme == "http" and host in allow_http_hosts
    if url.scheme != "https" and not local_test_service:
        raise InvalidSubscription("the endpoint is not https")
    if not local_test_service and _is_ip_address(host):
        raise InvalidSubscription("the endpoint's host is an address, not a push service's name")
    if not isinstance(keys, dict):
        raise InvalidSubscription("no keys")
    p256dh = _key_bytes(keys.get("p256dh"), "p256dh", 100)
    if len(p256dh) != 65 or p256dh[0] != 0x04:
        raise InvalidSubscription("keys.p256dh is not an uncompressed P-256 point")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError:
        raise InvalidSubscription("keys.p256dh is not a point on P-256") from None
    if len(_key_bytes(keys.get("auth"), "auth", 32)) != 16:
        raise InvalidSubscription("keys.auth is not 16 bytes")
    return {"endpoint": endpoint, "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}


class SendFailed(Exception):
    """A message the push service did not take. ``retry``: try again later (the service is busy or
    down, or did not answer). ``gone``: the visitor unsubscribed or the subscription expired: forget
    it. ``retry_after_s``: how long the push service asked us to wait, when it said."""

    def __init__(self, message: str, retry: bool, gone: bool = False, retry_after_s: float | None = None):
        super().__init__(message)
        self.retry = retry
        self.gone = gone
        self.retry_after_s = retry_after_s


def _retry_after(response) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After", "")
    return float(value) if value.strip().isdigit() else None  # an HTTP date is rare: let the caller pace


def _post(keys: VapidKeys, subject: str, subscription: dict, data: str, ttl_s: int, urgency: str) -> None:
    import requests  # noqa: PLC0415 (loaded where a push is sent: see the imports)
    from py_vapid import Vapid  # noqa: PLC0415
    from pywebpush import WebPushException, webpush  # noqa: PLC0415

    host = urlsplit(subscription["endpoint"]).hostname
    try:
        # pywebpush adds "aud" (the endpoint's origin) and "exp" (12 hours on) to the claims.
        webpush(subscription, data, vapid_private_key=Vapid(keys._key), vapid_claims={"sub": subject},
                content_encoding="aes128gcm", ttl=ttl_s, timeout=TIMEOUT_S, headers={"Urgency": urgency})
    except WebPushException as exc:
        status = exc.status_code
        if status is None:
            raise SendFailed(f"could not send to {host}: {exc.message}", retry=False) from exc
        what = f"{host} answered {status}"
        if status in (404, 410):
            raise SendFailed(f"{what}: the subscription is gone", retry=False, gone=True) from exc
        if status == 429 or status >= 500:
            raise SendFailed(what, retry=True, retry_after_s=_retry_after(exc.response)) from exc
        raise SendFailed(what, retry=False) from exc
    except requests.RequestException as exc:  # refused, reset, timed out, TLS
        raise SendFailed(f"could not reach {host}: {exc.__class__.__name__}", retry=True) from exc


async def send(keys: VapidKeys, subject: str, subscription: dict, payload: dict, ttl_s: int = 3600) -> None:
    """Posts ``payload`` (``{"title", "body", "url", "tag"}``, and ``"urgent": true`` for "your
    turn") to the browser of ``subscription`` (from ``parse_subscription``); ``subject`` is our
    contact for the push service ("mailto:…" or an https address). The push service keeps it up to
    ``ttl_s`` for a phone that is offline. Raises ``SendFailed``."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if len(data.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"a push message is at most {MAX_PAYLOAD_BYTES} bytes")
    # "high" wakes a phone that saves battery at once; "normal" may wait for its next wake-up.
    urgency = "high" if payload.get("urgent") else "normal"
    # pywebpush posts with requests, which blocks: a thread of its own, bounded by TIMEOUT_S.
    await anyio.to_thread.run_sync(_post, keys, subject, subscription, data, ttl_s, urgency)
