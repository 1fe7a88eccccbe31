"""The gate in front of the kiosk and display screens, and the enrolment link that opens it.

Outside demo mode, ``/kiosk/{site}…`` and ``/display/{sites}…`` (pages, actions and websockets)
answer only a browser enrolled as a registered, unrevoked device of that site (server/devices.py):
others get a 403 page saying what the installer should do. An open websocket is checked again on
each message either way, at most once a second, and closed with 4403 when the device was revoked:
the screen's live.js reloads on a 44xx close and shows the 403 page.
"""

import time

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from server import devices
from server.db import run_read, run_write
from server.errors import N_
from server.models import Device, Site
from server.web import csrf, pages

COOKIE = "luukku_device"
# Chromium keeps a cookie at most 400 days; the gate sets it again whenever it notes the device seen.
COOKIE_MAX_AGE_S = 400 * 24 * 3600
RECHECK_S = 1.0
NOT_REGISTERED = N_("This screen is not registered. An installer opens the screen's enrolment link "
                    "(Administration, Devices) once in this browser.")
EXEMPT = ("/kiosk/static/", "/display/static/")


def screen_of(path: str) -> tuple[str, tuple[str, ...]] | None:
    """The kind of screen an address is for and the sites it names; None: not a gated address."""
    if path.startswith(EXEMPT):
        return None
    if path.startswith("/feedback/"):  # the feedback tablet by the exit is a kiosk device (issue 21)
        return "kiosk", tuple(s for s in path[len("/feedback/"):].split("/", 1)[0].split(",") if s)
    for kind in ("kiosk", "display"):
        if path.startswith(f"/{kind}/"):
            first = path[len(kind) + 2:].split("/", 1)[0]
            if kind == "display" and first == "speech":
                return kind, ()  # spoken calls and the chime: any of the displays
            return kind, tuple(s for s in first.split(",") if s)
    return None


def set_cookie(response: Response, value: str, secure: bool) -> None:
    response.set_cookie(COOKIE, value, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="strict",
                        secure=secure)


class DeviceGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = screen_of(scope["path"]) if scope["type"] in ("http", "websocket") else None
        settings = scope["app"].state.settings if wanted else None
        if wanted is None or settings.demo:
            await self.app(scope, receive, send)
            return
        db = scope["app"].state.db
        value = HTTPConnection(scope).cookies.get(COOKIE)

        async def current() -> devices.Screen | None:
            screen = await run_read(db, devices.screen_for_cookie, settings.secret_key, value)
            if screen is None or not screen.may_show(*wanted):
                return None
            if devices.needs_seen(screen):
                await run_write(db, devices.seen, screen.id)
            return screen

        screen = await current()
        if screen is None:
            await self._refuse(scope, receive, send)
            return
        scope.setdefault("state", {})["device"] = screen
        if scope["type"] == "websocket":
            await self.app(scope, *self._watching(current, receive, send))
            return

        async def send_refreshed(message: Message) -> None:
            if message["type"] == "http.response.start" and devices.needs_seen(screen):
                response = Response()
                set_cookie(response, value, settings.public_url.startswith("https://"))
                message = {**message, "headers": [*message.get("headers", []), *response.raw_headers]}
            await send(message)

        await self.app(scope, receive, send_refreshed)

    @staticmethod
    def _watching(current, receive: Receive, send: Send) -> tuple[Receive, Send]:
        """receive and send for an open websocket that end it once the device is revoked."""
        checked = time.monotonic()
        closed = False

        async def still_allowed() -> bool:
            nonlocal checked, closed
            if closed:
                return False
            if time.monotonic() - checked < RECHECK_S:
                return True
            checked = time.monotonic()
            if await current() is not None:
                return True
            closed = True
            await send({"type": "websocket.close", "code": 4403, "reason": "device not registered"})
            return False

        async def watched_receive() -> Message:
            message = await receive()
            if message["type"] == "websocket.receive" and not await still_allowed():
                return {"type": "websocket.disconnect", "code": 4403}
            return message

        async def watched_send(message: Message) -> None:
            if message["type"] == "websocket.send" and not await still_allowed():
                raise WebSocketDisconnect(4403)
            await send(message)

        return watched_receive, watched_send

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            # Accepted first, so that the screen reads the close code and reloads into the 403 page.
            if (await receive())["type"] == "websocket.connect":
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": 4403, "reason": "device not registered"})
            return
        response = pages.error_page(Request(scope, receive), 403, NOT_REGISTERED)
        await response(scope, receive, send)


# --- the enrolment link ----------------------------------------------------------------------------

def _device_of(session, token: str) -> tuple[Device, Site] | None:
    device = devices.device_for_token(session, token)
    return None if device is None else (device, session.get(Site, device.site_id))


async def enrol_page(request: Request):
    """What the link will do; a GET changes nothing, so a link previewer cannot use up the link."""
    token = request.path_params["token"]
    found = await run_read(request.app.state.db, _device_of, token)
    if found is None or found[0].enrolled_at is not None:
        message = (N_("This enrolment link has already been used. An admin can issue a new one.") if found
                   else N_("This enrolment link is not valid: it was revoked or replaced by a new one."))
        return pages.error_page(request, 404 if found is None else 409, message)
    device, site = found
    return pages.render(request, "device_enrol.html", {"device": device, "site": site, "token": token})


def screen_url(kind: str, site_slug: str) -> str:
    return f"/{kind}/{site_slug}"


async def enrol(request: Request):
    if not await csrf.passes(request):
        return pages.error_page(request, 403, N_("This form has expired or did not come from Luukku. Reload the page and try again."))
    token = request.path_params["token"]
    settings = request.app.state.settings

    def work(session):
        device = devices.enrol(session, token)
        site = session.get(Site, device.site_id)
        return device, site, devices.cookie_value(settings.secret_key, device)

    device, site, value = await run_write(request.app.state.db, work)
    response = pages.render(request, "device_enrolled.html",
                          {"device": device, "site": site, "next": screen_url(device.kind, site.slug)})
    set_cookie(response, value, settings.public_url.startswith("https://"))
    return response


routes = [
    Route("/devices/enrol/{token}", enrol_page),
    Route("/devices/enrol/{token}", enrol, methods=["POST"]),
]
