"""Every route of the app refuses a stranger unless it is on the short public list below, and a staff
route for some roles refuses the others. The routes are read from ``create_app()`` itself, so a route
added later without a guard fails here, by its path.

A route is classified by what its guard leaves on the endpoint: ``luukku_roles`` (counter/routes.py
``login_required``: staff, with those roles or any), ``luukku_bearer`` (server/web/api.py: a bearer
token), or by the two websocket tables here.
"""

import re

import httpx
import pytest
from starlette.routing import Mount, WebSocketRoute
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.conftest import staff_login

# Anyone may use these: the visitor's and the citizen's pages, the screens in the hall, the files
# they load, the public part of the API, and the staff login itself. Keep it short; say why.
PUBLIC = {
    "/": "the list of the service points' screens",
    "/healthz": "a load balancer's probe",
    "/metrics": "Prometheus; LUUKKU_METRICS_TOKEN asks for a bearer token",
    "/static": "htmx, live.js and the common style",
    "/kiosk/static": "the kiosk's and booking pages' files",
    "/counter/static": "the login page's style",
    "/display/static": "the display's files",
    "/kiosk/{site}": "the kiosk",
    "/kiosk/{site}/tickets": "the kiosk's ticket button (rate-limited)",
    "/kiosk/{site}/check-in": "the kiosk's check-in with a booking code",
    "/kiosk/{site}/print-jobs/{job}": "the kiosk's wait for its print (the job id is random)",
    "/kiosk/{site}/guide": "the kiosk's \"What do you need?\"",
    "/kiosk/{site}/guide/results": "the matters found as the visitor types",
    "/kiosk/{site}/guide/{matter}": "a matter's screen on the kiosk",
    "/kiosk/{site}/guide/{matter}/solved": "\"This solved it\" (counted, kiosk rate limit)",
    "/kiosk/{site}/guide/{matter}/print": "the steps on the kiosk's printer (kiosk rate limit)",
    "/kiosk/{site}/guide/{matter}/print/{job}": "the kiosk's wait for the slip (the job id is random)",
    "/g/{site}": "\"What do you need?\" on a phone (rate-limited)",
    "/g/{site}/{matter}": "a matter on a phone",
    "/g/{site}/{matter}/solved": "\"This solved it\" on a phone (CSRF token, rate-limited)",
    "/g/{site}/{matter}/{way}": "on to joining or booking, counted on the way",
    "/kiosk/{site}/speech/{lang}/{phrase}.wav": "the kiosk's spoken guidance (only phrase ids the server builds)",
    "/kiosk/{site}/speech/{lang}/{phrase}.txt": "its text, for the browser's own speech",
    "/devices/enrol/{token}": "a screen's one-time enrolment link (the token is random and shown once)",
    "/t/{public_id}": "a ticket's status on the visitor's phone (random id, rate-limited)",
    "/b/{site}": "booking (rate-limited)",
    "/b/{site}/poster": "booking's QR poster",
    "/b/{site}/{service}": "booking: free times, and holding one",
    "/a/{token}": "a booking, by its signed link",
    "/a/{token}/cancel": "cancelling it",
    "/a/{token}/move": "moving it",
    "/a/{token}/calendar.ics": "its calendar file",
    "/display/speech/chime.wav": "the display's chime",
    "/display/speech/{lang}/{number}/{counter}.wav": "a spoken call",
    "/display/{site}/logo": "the display's logo",
    "/kiosk/{site}/logo": "the kiosk's logo",
    "/display/{sites}": "the waiting-room display",
    "/display/{site}/arrival": "the arrival screen by the entrance (today's code; a registered display)",
    "/j/{site}": "joining a queue from a phone: the services (rate-limited)",
    "/j/{site}/{service}": "joining: the form, and the ticket (CSRF token, rate-limited, one per phone or email)",
    "/t/push-sw.js": "the status page's service worker for push notifications",
    "/t/here/{site}/{code}": "the entrance QR: arrived, for this browser's own tickets (today's code)",
    "/t/{public_id}/here": "\"I'm here\" with today's code (random id, CSRF token)",
    "/t/{public_id}/more-time": "\"I need more time\" (random id, CSRF token)",
    "/t/{public_id}/leave": "\"I'm leaving\", with a confirmation (random id, CSRF token)",
    "/t/{public_id}/notify": "choosing how to be told (random id, CSRF token)",
    "/t/{public_id}/notify/stop": "no more messages (random id, CSRF token)",
    "/t/{public_id}/push": "storing a push subscription (random id, CSRF token)",
    "/t/{public_id}/feedback": "\"How did we do?\" for an ended visit (random id, CSRF token)",
    "/feedback/{site}": "the exit tablet's faces: a tap, no personal data (registered kiosk device, CSRF token)",
    "/counter/login": "the staff login",
    "/counter/logout": "logging out (a form with the session's CSRF token)",
    "/login/oidc": "starting sign-in with the city's identity provider (issue 23)",
    "/login/oidc/callback": "the provider's answer: checked against this browser's state, nonce and PKCE verifier",
    "/login/oidc/logout": "on to the provider's own logout, naming only our client",
    "/api/openapi.json": "the API's description",
    "/api/v1/token": "exchanging a password for a bearer token",
    "/api/v1/sites/{site}/tickets": "issuing a ticket, as the kiosk does",
    "/api/v1/sites/{site}/queue": "the queue, as the display shows it",
    "/api/v1/sites/{site}/guide": "the guide's search, as the kiosk and the phone pages offer it",
    "/api/v1/waits": "the public waits: counts and estimates, no personal data (issue 21)",
    "/api/v1/sites/{site}/waits": "one site's public waits",
    "/waits": "the public waits page, framed on the city's website",
    "/waits/{site}": "one site's public waits page",
    "/api/v1/print-jobs/{job_id}": "a print job's state (the id is random)",
}
PUBLIC_SOCKETS = {
    "/kiosk/{site}/ws": "the kiosk's start screen, live",
    "/t/{public_id}/ws": "a ticket's status, live",
    "/display/{sites}/ws": "the display, live",
    "/api/v1/sites/{site}/events": "the public events (no names, no personal data)",
}
# Websockets that check for themselves, with the close code they give a stranger.
GUARDED_SOCKETS = {
    "/counter/ws": 4401,  # the staff session
    "/printers/agent": 4401,  # a device token
}
# Plausible values for path parameters, so that a route's own lookups do not answer first.
SAMPLES = {"site": "demo", "sites": "demo", "service": "advice", "lang": "fi", "number": "A001",
           "counter": "1", "name": "waits", "action": "note", "phrase": "start"}
STAFF = ("clerk", "expert", "manager")  # the demo users, one per role; an admin may do everything


def walk(routes, prefix=""):
    """(path, route) for every route, into mounts; a mount of files is one route of its own."""
    for route in routes:
        if isinstance(route, Mount) and route.routes:
            yield from walk(route.routes, prefix + route.path)
        else:
            yield prefix + route.path, route


def concrete(path: str, route) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if route.param_convertors[name].regex == "[0-9]+":
            return "1"
        return SAMPLES.get(name, "AAAAAAAAAAAAAAAAAAAAAA")  # the shape of a random public id

    return re.sub(r"{(\w+)(?::\w+)?}", value, path)


def classify(path: str, route) -> str:
    endpoint = getattr(route, "endpoint", None)
    if isinstance(route, WebSocketRoute):
        if path in PUBLIC_SOCKETS:
            return "public"
        if path in GUARDED_SOCKETS:
            return "socket"
    elif path in PUBLIC:
        return "public"
    elif hasattr(endpoint, "luukku_roles"):
        return "staff"
    elif getattr(endpoint, "luukku_bearer", False):
        return "bearer"
    return "unknown"


def routes_of(app) -> list[tuple[str, object, str]]:
    return [(path, route, classify(path, route)) for path, route in walk(app.routes)]


def test_every_route_is_public_by_name_or_guarded(live_server):
    unknown = [path for path, _, kind in routes_of(live_server.app) if kind == "unknown"]
    assert unknown == [], ("Routes with no guard (counter.routes.login_required, server.api._endpoint) "
                           f"and not on the public list of this test: {unknown}")
    paths = {path for path, _, _ in routes_of(live_server.app)}
    assert set(PUBLIC) <= paths and set(PUBLIC_SOCKETS) <= paths and set(GUARDED_SOCKETS) <= paths, \
        "the lists name routes that no longer exist: keep them short and true"


def methods(route) -> list[str]:
    return sorted((route.methods or {"GET"}) - {"HEAD"})


def test_staff_routes_refuse_a_stranger_and_the_wrong_role(live_server):
    staff = [(path, route) for path, route, kind in routes_of(live_server.app) if kind == "staff"]
    assert len(staff) > 30
    logged_in = {}
    try:
        for username in STAFF:
            client = httpx.Client(base_url=live_server.url, timeout=10, headers={"Accept-Language": "en"})
            assert staff_login(client, username).status_code == 303
            logged_in[username] = client
        with httpx.Client(base_url=live_server.url, timeout=10) as stranger:
            for path, route in staff:
                url = concrete(path, route)
                for method in methods(route):
                    refused = stranger.request(method, url)
                    assert refused.status_code == 303 and refused.headers["location"] == "/counter/login", \
                        f"{method} {path} answered a stranger with {refused.status_code}"
                    for username in STAFF:
                        if route.endpoint.luukku_roles and username not in route.endpoint.luukku_roles:
                            answer = logged_in[username].request(method, url)
                            assert answer.status_code == 403 and "role only" in answer.text, \
                                f"{method} {path} answered the {username} with {answer.status_code}"
    finally:
        for client in logged_in.values():
            client.close()


def test_the_first_tiers_catalogue_is_edited_by_managers_and_admins(live_server):
    """The service point's leaders keep the catalogue of what citizens ask; the test above then checks
    that an expert and a clerk get 403 on every one of these."""
    catalogue = [(path, route) for path, route, _ in routes_of(live_server.app) if path.startswith("/admin/matters")]
    assert {(path, method) for path, route in catalogue for method in methods(route)} == {
        ("/admin/matters", "GET"), ("/admin/matters", "POST"), ("/admin/matters/new", "GET"),
        ("/admin/matters/{matter_id:int}", "GET"), ("/admin/matters/{matter_id:int}", "POST")}
    assert all(route.endpoint.luukku_roles == ("manager", "admin") for _, route in catalogue)


def test_api_actions_refuse_a_missing_or_forged_token(live_server):
    bearer = [(path, route) for path, route, kind in routes_of(live_server.app) if kind == "bearer"]
    assert len(bearer) > 10
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        for path, route in bearer:
            for method in methods(route):
                for headers in ({}, {"Authorization": "Bearer forged.token.here"}):
                    answer = client.request(method, concrete(path, route), headers=headers, json={})
                    assert answer.status_code == 401 and answer.json()["detail"], f"{method} {path}"


@pytest.mark.parametrize("path", sorted(GUARDED_SOCKETS))
def test_guarded_websockets_close_on_a_stranger(live_server, path):
    route = next(r for p, r, _ in routes_of(live_server.app) if p == path)
    try:
        with connect(live_server.ws_url + concrete(path, route), open_timeout=5) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
        assert closed.value.rcvd.code == GUARDED_SOCKETS[path]
    except InvalidStatus as refused:  # closed before accepting: the handshake's HTTP 403
        assert refused.response.status_code == 403


def test_an_id_no_row_can_have_is_a_404_not_a_database_error(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as manager:
        assert staff_login(manager, "manager").status_code == 303
        assert manager.get("/counter/customers/99999999999999999999").status_code == 404
        assert manager.get("/counter/requests/4294967296").status_code == 404
