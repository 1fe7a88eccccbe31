"""Security headers on every HTTP response (docs/security.md says which threat each one answers).

The pages load scripts, styles, images, sounds and websockets from Luukku's own origin only, and no
script or style is written inline, so the Content-Security-Policy can forbid everything else: text
someone manages to slip into a page (a customer's name, a service request's note) cannot run.
A response that sets one of these headers itself keeps its own (the booking pages send
``Referrer-Policy: no-referrer``).
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# 'self' covers ws: and wss: to the same host (CSP level 3, Chromium and Firefox): the live screens'
# websockets need nothing more. QR codes and charts are inline SVG, so images need no data: URLs.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "media-src 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
])
# The kiosk's check-in may read a booking's QR code with the camera (kiosk/static/checkin.js);
# nothing else of ours uses a device.
# (Only features Chromium knows: it logs an error for any other name.)
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=()"
HSTS_MAX_AGE_S = 365 * 24 * 3600


def security_headers(https: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
        # Addresses of ours carry a ticket's or a booking's id: never send them to another site.
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if https:
        # Not includeSubDomains: a city's other hosts are not ours to promise for.
        headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_S}"
    return headers


def framable_headers(https: bool, frame_ancestors: str) -> dict[str, str]:
    """``security_headers()`` for a page other sites may frame (the public waits, issue 21): CSP
    frame-ancestors names who, and no X-Frame-Options, which can only say DENY or SAMEORIGIN."""
    headers = security_headers(https)
    del headers["X-Frame-Options"]
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", f"frame-ancestors {' '.join(frame_ancestors.split())}")
    return headers


class SecurityHeaders:
    """ASGI middleware: adds ``security_headers()`` to every HTTP response that lacks them; pages
    at or under one of ``framable`` (e.g. "/waits") get ``framable_headers()`` instead."""

    def __init__(self, app: ASGIApp, https: bool, framable: tuple[str, ...] = (),
                 frame_ancestors: str = "'none'"):
        self.app = app
        self.headers = security_headers(https)
        self.framable = framable
        self.framable_headers = framable_headers(https, frame_ancestors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                path = scope["path"]
                own = (self.framable_headers if any(path == p or path.startswith(p + "/") for p in self.framable)
                       else self.headers)
                for name, value in own.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
