"""Cross-site request forgery: every state-changing request made with a staff session carries the
session's own random token, as a form field (``csrf_token``) or, for htmx, a header
(``X-CSRF-Token``, set once on the page's body with ``hx-headers``). A page on another site can make
a logged-in browser send a form, but cannot read the token to put in it.

The JSON API is not concerned: it takes bearer tokens, which a browser never sends by itself.

Websockets carry no token, but a browser always says which page opened one (``Origin``) and sends
the session cookie along whatever that page is: a staff websocket opened from another site's page
is refused (cross-site websocket hijacking), see ``same_origin``.
"""

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection, Request

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def token(session: dict) -> str:
    """The session's token, made on first use; it lives as long as the session."""
    if not isinstance(session.get("csrf"), str):
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


async def passes(request: Request) -> bool:
    """Whether the request may change something: a safe method, or the session's token sent along."""
    if request.method in SAFE_METHODS:
        return True
    expected = request.session.get("csrf")
    if not isinstance(expected, str):
        return False
    sent = request.headers.get(HEADER)
    if sent is None:
        sent = (await request.form()).get(FIELD)
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), expected.encode())


def same_origin(conn: HTTPConnection) -> bool:
    """Whether a request (a websocket's handshake) came from one of our own pages: no ``Origin``
    (not a browser: a browser always sends it on a websocket), or one naming the host the request
    was sent to, or the origin of ``public_url`` (behind a proxy that rewrites the host)."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.netloc and parts.netloc == conn.headers.get("host"):
        return True
    public = urlsplit(conn.app.state.settings.public_url)
    return bool(parts.netloc) and (parts.scheme, parts.netloc) == (public.scheme, public.netloc)
