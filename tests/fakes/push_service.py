"""A Web Push service on 127.0.0.1 that plays both the browser vendor's push service and the browser.

``new_subscription()`` does what a browser does when a page subscribes: makes a P-256 key pair and a
16-byte auth secret and hands out the subscription (an endpoint here, the public key, the secret).
A post to an endpoint is checked as a push service checks it (RFC 8030/8292: the VAPID JWT's ES256
signature with the ``k`` key, ``aud`` the endpoint's origin, ``exp`` in the future and at most 24 hours
on, ``sub`` present, the key the subscription was made with) and decrypted as the browser decrypts it
(RFC 8291, aes128gcm), with code of its own rather than pywebpush's: the test proves the protocol, not
that the library agrees with itself.

Behaviours for tests: ``unsubscribe(endpoint)`` (410 afterwards), ``fail_next(n, status)`` (429 or
5xx for the next n posts), ``stall_next(n)`` (no answer at all).
"""

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

MAX_BODY = 4096  # what the vendors' push services accept


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


@dataclass
class Browser:
    """What the browser keeps of one subscription."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    application_server_key: str | None  # posts must be signed with this key, when given
    gone: bool = False


@dataclass
class Message:
    endpoint: str
    payload: dict
    headers: dict  # ttl, urgency, content-encoding as posted
    claims: dict = field(default_factory=dict)


def verify_vapid(authorization: str, origin: str, now: float) -> tuple[dict, str]:
    """The claims of a valid ``vapid t=<JWT>, k=<key>`` header, and the key; raises ``Refused``."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise Refused(401, f"not a vapid Authorization: {authorization[:40]!r}")
    parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
    if not {"t", "k"} <= parts.keys():
        raise Refused(401, "t= or k= missing")
    try:
        header_b64, claims_b64, signature_b64 = parts["t"].split(".")
        header, claims = json.loads(b64url_decode(header_b64)), json.loads(b64url_decode(claims_b64))
        signature = b64url_decode(signature_b64)
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(parts["k"]))
    except ValueError as exc:
        raise Refused(401, f"malformed token or key: {exc}") from None
    if header.get("alg") != "ES256" or len(signature) != 64:
        raise Refused(401, "not an ES256 JWT")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    try:
        key.verify(encode_dss_signature(r, s), f"{header_b64}.{claims_b64}".encode("ascii"),
                   ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Refused(403, "the JWT's signature does not match k") from None
    if claims.get("aud") != origin:
        raise Refused(403, f"aud {claims.get('aud')!r} is not {origin!r}")
    if not isinstance(claims.get("exp"), int) or not now < claims["exp"] <= now + 24 * 3600:
        raise Refused(403, f"exp {claims.get('exp')!r} is not within the next 24 hours")
    if not claims.get("sub"):
        raise Refused(403, "no sub")
    return claims, parts["k"]


class PushService:
    """``with PushService() as service:``, then ``service.new_subscription()``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._browsers: dict[str, Browser] = {}
        self._messages: list[Message] = []
        self.refused: list[tuple[str, int, str]] = []  # (endpoint, status, why): a test expects none
        self._failures: list[tuple[int, str | None]] = []
        self._stalls = 0
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = False  # server_close() waits for the handlers
        self.port = self._server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="push-service")

    def __enter__(self) -> "PushService":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()  # stalled handlers give up
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    # The browser's side

    def new_subscription(self, application_server_key: str | None = None) -> dict:
        """A subscription as ``PushSubscription.toJSON()`` gives it. With ``application_server_key``
        (our VAPID public key, as the page passes it to ``subscribe``) posts signed with another key
        are refused, as the vendors' services refuse them."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth_secret = secrets.token_bytes(16)
        endpoint = f"{self.origin}/push/{secrets.token_urlsafe(24)}"
        with self._lock:
            self._browsers[endpoint] = Browser(private_key, auth_secret, application_server_key)
        public = private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                       serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": endpoint, "expirationTime": None,
                "keys": {"p256dh": b64url(public), "auth": b64url(auth_secret)}}

    def received(self, endpoint: str | None = None) -> list[dict]:
        """The decrypted payloads, in order; of one endpoint, or of all."""
        return [m.payload for m in self.messages(endpoint)]

    def messages(self, endpoint: str | None = None) -> list[Message]:
        with self._lock:
            return [m for m in self._messages if endpoint is None or m.endpoint == endpoint]

    # Switches

    def unsubscribe(self, endpoint: str) -> None:
        """The visitor turned notifications off: posts to ``endpoint`` get 410 Gone."""
        with self._lock:
            self._browsers[endpoint].gone = True

    def fail_next(self, count: int, status: int = 500, retry_after: str | None = None) -> None:
        with self._lock:
            self._failures.extend([(status, retry_after)] * count)

    def stall_next(self, count: int = 1) -> None:
        """The next ``count`` posts get no answer (until the service closes)."""
        with self._lock:
            self._stalls += count

    # The push service's side

    def _accept(self, path: str, headers, body: bytes) -> tuple[int, dict]:
        endpoint = self.origin + path
        with self._lock:
            browser = self._browsers.get(endpoint)
            if self._failures:
                status, retry_after = self._failures.pop(0)
                return status, {"Retry-After": retry_after} if retry_after else {}
        if browser is None:
            raise Refused(404, "no such subscription")
        if browser.gone:
            raise Refused(410, "unsubscribed")
        claims, key = verify_vapid(headers.get("Authorization", ""), self.origin, time.time())
        if browser.application_server_key is not None and key != browser.application_server_key:
            raise Refused(403, "signed with another key than the subscription was made with")
        if not headers.get("TTL", "").isdigit():
            raise Refused(400, "no TTL")
        if headers.get("Content-Encoding") != "aes128gcm":
            raise Refused(400, f"Content-Encoding {headers.get('Content-Encoding')!r}")
        if len(body) > MAX_BODY:
            raise Refused(413, f"{len(body)} bytes")
        try:
            plain = http_ece.decrypt(body, private_key=browser.private_key, auth_secret=browser.auth_secret,
                                     version="aes128gcm")
            payload = json.loads(plain.decode("utf-8"))
        except (http_ece.ECEException, ValueError) as exc:
            raise Refused(400, f"cannot decrypt: {exc}") from None
        message = Message(endpoint, payload, {name.lower(): headers.get(name) for name in
                                              ("TTL", "Urgency", "Content-Encoding", "Topic")
                                              if headers.get(name) is not None}, claims)
        with self._lock:
            self._messages.append(message)
        return 201, {"Location": f"{self.origin}/message/{secrets.token_urlsafe(8)}"}

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with service._lock:
                    stall = service._stalls > 0
                    if stall:
                        service._stalls -= 1
                if stall:
                    service._closing.wait(30)
                    return  # the connection closes without an answer
                try:
                    status, headers = service._accept(self.path, self.headers, body)
                except Refused as refused:
                    if refused.status not in (404, 410):
                        service.refused.append((self.path, refused.status, str(refused)))
                    status, headers = refused.status, {}
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):  # quiet: the tests read .refused instead
                pass

        return Handler
