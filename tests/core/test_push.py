"""Web Push (server/push.py) through a local push service that checks the VAPID signature and
decrypts each message as the browser would (tests/fakes/push_service.py), and the service worker
(kiosk/static/push-sw.js) in Chromium."""

import base64
import json
import shutil
import socket
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from server import push
from server.errors import Invalid
from server.push import SendFailed, VapidKeys
from tests.fakes.push_service import PushService

ROOT = Path(__file__).resolve().parents[2]
SUBJECT = "mailto:luukku@localhost"


@pytest.fixture(scope="module")
def keys() -> VapidKeys:
    return VapidKeys.generate()


@pytest.fixture
def service():
    with PushService() as service:
        yield service


def send(keys, subscription, payload, **options):
    anyio.run(lambda: push.send(keys, SUBJECT, subscription, payload, **options))


def failure(keys, subscription, payload=None) -> SendFailed:
    with pytest.raises(SendFailed) as failed:
        send(keys, subscription, payload or {"title": "Luukku", "body": "A001"})
    return failed.value


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_message_reaches_the_browser_decrypted_with_its_letters_intact(keys, service):
    near = push.parse_subscription(service.new_subscription(keys.public_key_b64url))
    turn = push.parse_subscription(service.new_subscription(keys.public_key_b64url))
    soon = {"title": "Vuoronne lähestyy", "body": "Noin 20 minuuttia: numero A042. Äänekäs öinen Åland.",
            "url": "/t/k3Xq", "tag": "ticket-k3Xq"}
    now = {"title": "Det är din tur: disk 3", "body": "Nummer A042 – välkommen!", "url": "/t/k3Xq",
           "tag": "ticket-k3Xq", "urgent": True}
    send(keys, near, soon)
    send(keys, turn, now, ttl_s=600)

    assert service.refused == []
    assert service.received(near["endpoint"]) == [soon]
    assert service.received(turn["endpoint"]) == [now]
    first, second = service.messages()
    assert first.headers == {"ttl": "3600", "urgency": "normal", "content-encoding": "aes128gcm"}
    assert second.headers == {"ttl": "600", "urgency": "high", "content-encoding": "aes128gcm"}
    assert first.claims["sub"] == SUBJECT and first.claims["aud"] == service.origin


def test_the_push_service_takes_only_messages_signed_with_the_key_the_browser_subscribed_with(keys, service):
    subscription = service.new_subscription(VapidKeys.generate().public_key_b64url)
    failed = failure(keys, subscription)
    assert (failed.retry, failed.gone) == (False, False)
    assert [status for _path, status, _why in service.refused] == [403]
    assert service.received() == []


def jwt(claims: dict, key: ec.EllipticCurvePrivateKey) -> str:
    header = {"typ": "JWT", "alg": "ES256"}
    header_and_claims = ".".join(b64url(json.dumps(part).encode()) for part in (header, claims))
    r, s = decode_dss_signature(key.sign(header_and_claims.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{header_and_claims}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


@pytest.mark.parametrize("forged, why", [
    ({"signed_by": "another key"}, "does not match k"),
    ({"exp": -60}, "exp"),  # seconds from now
    ({"exp": 25 * 3600}, "exp"),
    ({"aud": "https://elsewhere.example"}, "aud"),
    ({"sub": None}, "no sub"),
])
def test_the_local_push_service_refuses_what_a_real_one_refuses(keys, service, forged, why):
    """Else the round trips above would prove less than they say."""
    forged = dict(forged)  # the parameter is shared between runs
    now = int(time.time())
    claims = {"aud": service.origin, "exp": now + forged.pop("exp", 3600), "sub": SUBJECT}
    claims = {name: value for name, value in {**claims, **forged}.items() if value is not None}
    signer = VapidKeys.generate() if claims.pop("signed_by", None) else keys
    token = jwt(claims, serialization.load_pem_private_key(signer.private_pem.encode(), password=None))
    response = httpx.post(service.new_subscription()["endpoint"], content=b"x" * 100, headers={
        "Authorization": f"vapid t={token}, k={keys.public_key_b64url}", "TTL": "60",
        "Content-Encoding": "aes128gcm"})
    assert response.status_code == 403
    [(_path, status, reason)] = service.refused
    assert status == 403 and why in reason


def test_the_key_file_is_made_once_with_mode_0600_and_read_back_the_same(tmp_path):
    path = tmp_path / "var" / "vapid.pem"
    made = VapidKeys.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == made.private_pem
    again = VapidKeys.load_or_create(path)
    assert again == made
    assert VapidKeys.from_pem(path.read_text()).public_key_b64url == made.public_key_b64url
    assert [p.name for p in path.parent.iterdir()] == ["vapid.pem"]  # nothing left aside


def test_workers_starting_together_share_one_key(tmp_path):
    path = tmp_path / "vapid.pem"
    made: list[VapidKeys] = []
    workers = [threading.Thread(target=lambda: made.append(VapidKeys.load_or_create(path))) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len({k.public_key_b64url for k in made}) == 1 and len(made) == 8


def test_the_public_key_is_the_uncompressed_point_a_browser_subscribes_with(keys):
    point = base64.urlsafe_b64decode(keys.public_key_b64url + "=")
    assert "=" not in keys.public_key_b64url and len(point) == 65 and point[0] == 4
    private = serialization.load_pem_private_key(keys.private_pem.encode(), password=None)
    assert private.public_key().public_bytes(serialization.Encoding.X962,
                                             serialization.PublicFormat.UncompressedPoint) == point


def test_a_key_that_is_not_p256_is_refused():
    other = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(ValueError):
        VapidKeys.from_pem(other.decode())


def test_the_private_key_stays_out_of_logs(keys):
    assert "PRIVATE" not in repr(keys) and keys.public_key_b64url in repr(keys)


def test_an_unsubscribed_browser_is_gone_and_forgotten(keys, service):
    subscription = service.new_subscription(keys.public_key_b64url)
    service.unsubscribe(subscription["endpoint"])
    failed = failure(keys, subscription)
    assert (failed.retry, failed.gone) == (False, True)


def test_a_subscription_the_push_service_does_not_know_is_gone(keys, service):
    subscription = service.new_subscription(keys.public_key_b64url)
    subscription = {**subscription, "endpoint": f"{service.origin}/push/expired"}
    failed = failure(keys, subscription)
    assert (failed.retry, failed.gone) == (False, True)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_broken_push_service_is_tried_again(keys, service, status):
    subscription = service.new_subscription(keys.public_key_b64url)
    service.fail_next(1, status, retry_after="120")
    failed = failure(keys, subscription)
    assert (failed.retry, failed.gone, failed.retry_after_s) == (True, False, 120)
    send(keys, subscription, {"title": "Luukku", "body": "A001"})  # the next try goes through
    assert service.received(subscription["endpoint"]) == [{"title": "Luukku", "body": "A001"}]


@pytest.mark.parametrize("status", [400, 403, 413])
def test_a_message_the_push_service_refuses_is_not_tried_again(keys, service, status):
    service.fail_next(1, status)
    failed = failure(keys, service.new_subscription(keys.public_key_b64url))
    assert (failed.retry, failed.gone) == (False, False)


def test_a_push_service_nobody_listens_on_is_tried_again(keys, service):
    subscription = service.new_subscription(keys.public_key_b64url)
    with socket.socket() as bound:  # bound, not listening: the connection is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        failed = failure(keys, {**subscription, "endpoint": f"http://127.0.0.1:{port}/push/x"})
    assert (failed.retry, failed.gone) == (True, False)


def test_a_push_service_that_does_not_answer_is_tried_again(keys, service, monkeypatch):
    monkeypatch.setattr(push, "TIMEOUT_S", 0.5)
    service.stall_next(1)
    failed = failure(keys, service.new_subscription(keys.public_key_b64url))
    assert (failed.retry, failed.gone) == (True, False)


def test_a_message_too_long_for_a_push_service_is_not_sent(keys, service):
    subscription = service.new_subscription(keys.public_key_b64url)
    with pytest.raises(ValueError):
        send(keys, subscription, {"title": "Luukku", "body": "ä" * 2000})
    send(keys, subscription, {"title": "Luukku", "body": "a" * (push.MAX_PAYLOAD_BYTES - 40)})
    assert len(service.received()) == 1 and service.refused == []  # the largest allowed fits


# What a browser sends

P256DH = b64url(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
AUTH = b64url(bytes(range(16)))
FCM = "https://fcm.googleapis.com/fcm/send/dK9x:APA91bH"


def browser_json(endpoint=FCM, p256dh=P256DH, auth=AUTH, **more) -> dict:
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}, **more}


def test_a_browsers_subscription_is_kept_with_only_what_sending_needs():
    sent = browser_json(extra="x")
    sent["keys"]["other"] = "y"
    assert push.parse_subscription(sent) == {"endpoint": FCM, "keys": {"p256dh": P256DH, "auth": AUTH}}
    padded = browser_json(p256dh=P256DH + "=", auth=AUTH + "==")
    assert push.parse_subscription(padded)["keys"] == {"p256dh": P256DH + "=", "auth": AUTH + "=="}
    local = browser_json(endpoint="http://localhost:8080/push/1")
    assert push.parse_subscription(local)["endpoint"] == "http://localhost:8080/push/1"


NOT_ON_THE_CURVE = b64url(b"\x04" + b"\x01" * 64)
COMPRESSED = b64url(base64.urlsafe_b64decode(P256DH + "=")[:33].replace(b"\x04", b"\x02", 1))


@pytest.mark.parametrize("sent, reason", [
    ([], "not a JSON object"),
    ({"keys": {"p256dh": P256DH, "auth": AUTH}}, "no endpoint"),
    (browser_json(endpoint="http://push.example.com/1"), "not https"),
    (browser_json(endpoint="ftp://push.example.com/1"), "not https"),
    (browser_json(endpoint="https://"), "no host"),
    (browser_json(endpoint="https://user:secret@push.example.com/1"), "credentials"),
    (browser_json(endpoint="https://10.0.0.5/admin"), "is an address"),
    (browser_json(endpoint="https://[::1]:8443/x"), "is an address"),
    (browser_json(endpoint="https://push.example.com:99999/1"), "not a URL"),
    (browser_json(endpoint="https://push.example.com/a b"), "spaces"),
    (browser_json(endpoint="https://push.example.com/" + "a" * 2100), "too long"),
    ({"endpoint": FCM}, "no keys"),
    (browser_json(p256dh="***"), "p256dh is not base64url"),
    (browser_json(p256dh="A" * 300), "p256dh is not base64url"),
    (browser_json(p256dh=b64url(bytes(64))), "not an uncompressed P-256 point"),
    (browser_json(p256dh=COMPRESSED), "not an uncompressed P-256 point"),
    (browser_json(p256dh=NOT_ON_THE_CURVE), "not a point on P-256"),
    (browser_json(p256dh=None), "p256dh is not a string"),
    (browser_json(auth=b64url(bytes(15))), "auth is not 16 bytes"),
    (browser_json(auth="A" * 40), "auth is not base64url"),
    (browser_json(auth="AAAA%AAA"), "auth is not base64url"),
    (browser_json(auth=12345), "auth is not a string"),
])
def test_a_subscription_that_cannot_be_sent_to_is_refused(sent, reason):
    with pytest.raises(Invalid) as refused:
        push.parse_subscription(sent)
    assert reason in refused.value.reason
    assert refused.value.status_code == 422
    assert refused.value.message == "This browser's notification subscription is not valid."


def test_plain_http_goes_only_to_the_hosts_allowed_for_it():
    local = browser_json(endpoint="http://127.0.0.1:8080/push/1")
    assert push.parse_subscription(local)["endpoint"] == local["endpoint"]
    with pytest.raises(Invalid):
        push.parse_subscription(local, allow_http_hosts=())


# The service worker in Chromium

class StaticFiles(BaseHTTPRequestHandler):
    """The status page's address, the worker where the app serves it, and push.js."""

    FILES = {
        "/t/k3Xq": (b'<!doctype html><title>A042</title><script src="/kiosk/static/push.js"></script>', "text/html"),
        "/t/push-sw.js": ((ROOT / "kiosk/static/push-sw.js").read_bytes(), "text/javascript"),
        "/kiosk/static/push.js": ((ROOT / "kiosk/static/push.js").read_bytes(), "text/javascript"),
    }

    def do_GET(self):
        body, content_type = self.FILES.get(self.path, (b"", ""))
        self.send_response(200 if content_type else 404)
        self.send_header("Content-Type", content_type or "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.mark.browser
def test_the_service_worker_shows_a_push_as_a_notification_that_replaces_the_tickets_last():
    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (scripts/test installs it as root)")
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), StaticFiles)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,))
    thread.start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=["--no-sandbox", "--disable-gpu"])
            try:
                context = browser.new_context()
                context.grant_permissions(["notifications"], origin=origin)
                page = context.new_page()
                page.goto(f"{origin}/t/k3Xq")
                assert page.evaluate("LuukkuPush.supported()") is True
                registered = page.evaluate("""async () => {
                    const registration = await navigator.serviceWorker.register("/t/push-sw.js");
                    const worker = registration.installing || registration.waiting || registration.active;
                    while (worker.state !== "activated") {
                        await new Promise((changed) => worker.addEventListener("statechange", changed, {once: true}));
                    }
                    return [registration.scope, worker.state];
                }""")
                assert registered == [f"{origin}/t/", "activated"]
                [worker] = context.service_workers

                # A real push event, as the browser delivers one from its push service (DevTools' "Push").
                devtools = context.new_cdp_session(page)
                registrations = []
                devtools.on("ServiceWorker.workerRegistrationUpdated",
                            lambda event: registrations.extend(event["registrations"]))
                devtools.send("ServiceWorker.enable")
                while not registrations:
                    page.wait_for_timeout(50)  # (events come in while Playwright waits)

                def deliver(payload):
                    devtools.send("ServiceWorker.deliverPushMessage", {
                        "origin": origin, "registrationId": registrations[0]["registrationId"],
                        "data": json.dumps(payload)})

                def shown_once(title):
                    """The notifications on the screen once one titled ``title`` is there."""
                    for _ in range(100):
                        notes = worker.evaluate("""self.registration.getNotifications().then((all) => all.map((n) =>
                            ({title: n.title, body: n.body, tag: n.tag, url: n.data.url,
                              requireInteraction: n.requireInteraction, renotify: n.renotify})))""")
                        if any(note["title"] == title for note in notes):
                            return notes
                        page.wait_for_timeout(50)
                    return notes

                near = {"title": "Vuoronne lähestyy", "body": "Noin 20 minuuttia", "url": "/t/k3Xq",
                        "tag": "ticket-k3Xq"}
                deliver(near)
                assert shown_once(near["title"]) == [{**near, "requireInteraction": False, "renotify": True}]
                turn = {"title": "Det är din tur: disk 3", "body": "A042", "url": "/t/k3Xq", "tag": "ticket-k3Xq"}
                deliver({**turn, "urgent": True})
                # The same ticket's tag: the earlier notification is replaced, not stacked.
                assert shown_once(turn["title"]) == [{**turn, "requireInteraction": True, "renotify": True}]
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
