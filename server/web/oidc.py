"""Staff sign-in through the city's identity provider: OpenID Connect's authorization code flow with
PKCE (S256), state and nonce, by Authlib's Starlette client (issue 23; docs/directory-sign-in.md).

Authlib reads the provider's discovery document once per process, keeps the state, the nonce and the
PKCE verifier in the session until the callback, exchanges the code on the back channel, and checks
the ID token: its signature by the provider's JWKS (read again when a token names a key it does not
know, which is how a rotated key is picked up), and with the options below its issuer, audience,
expiry and nonce. ``alg: none`` is never accepted, whatever the provider's metadata says. What the
core then sees is only the verified claims (server/directory.py).

No token is put in an address or a log: the ID token and the access token live only in this
request's memory; provider logout names the client (``client_id``), not the ID token.
"""

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import audit, directory
from server.db import run_write
from server.errors import N_
from server.web import csrf, pages, sessions

log = logging.getLogger(__name__)
CALLBACK = "/login/oidc/callback"
LEEWAY_S = 60  # clocks of the provider and the server may differ this much
UNREACHABLE = N_("The identity provider cannot be reached. Try again in a moment, or ask your admin.")
FAILED = N_("The sign-in could not be completed. Please start again.")
NOT_IN_USE = N_("Signing in with the directory is not in use here.")
PASSWORDS_OFF = N_("Luukku's own passwords are not in use here. Use the sign-in button above.")


def configured(settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def issuer(settings) -> str:
    return settings.oidc_issuer.rstrip("/")


def _authlib():
    """Authlib's client and the errors it and its HTTP client raise, imported at first use: 10 MB
    that a worker where no one signs in through the directory need not hold (docs/PERFORMANCE.md,
    memory per worker)."""
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.starlette_client import OAuth
    from httpx2 import HTTPError
    from joserfc.errors import JoseError
    return OAuth, OAuthError, JoseError, HTTPError


def client(app):
    """The app's Authlib client, made at first use (one per app: tests run several apps in a process)."""
    existing = getattr(app.state, "oidc_client", None)
    if existing is None:
        settings = app.state.settings
        OAuth, _, _, _ = _authlib()
        existing = OAuth().register(
            "directory", client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
            server_metadata_url=f"{issuer(settings)}/.well-known/openid-configuration",
            client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256",
                           "timeout": settings.oidc_timeout_s})
        app.state.oidc_client = existing
    return existing


async def _metadata(app) -> dict:
    """The discovery document, checked: it must name our issuer exactly (OpenID Connect Discovery
    4.3), and ``none`` is struck from the signing algorithms so that no unsigned token passes."""
    oidc = client(app)
    metadata = await oidc.load_server_metadata()
    if metadata.get("issuer", "").rstrip("/") != issuer(app.state.settings):
        _, OAuthError, _, _ = _authlib()
        raise OAuthError(error="issuer_mismatch", description="the discovery document names another issuer")
    algorithms = [a for a in metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
                  if isinstance(a, str) and a.lower() != "none"]
    metadata["id_token_signing_alg_values_supported"] = algorithms or ["RS256"]
    return metadata


def button(request: Request) -> dict:
    """What the login page needs of the directory: the button's words in the page's language, and
    whether the person just logged out of a directory session (then provider logout is offered)."""
    settings = request.app.state.settings
    if not configured(settings):
        return {}
    lang = pages.page_language(request)
    return {"directory_button": getattr(settings, f"oidc_button_{lang}", settings.oidc_button_en),
            "directory_logout": bool(request.session.pop("directory_logout", None))}  # offered once


def _login_page(request: Request, message: str, status_code: int) -> Response:
    context = {"error": message, "next": "/counter", **button(request)}
    csrf.token(request.session)
    return pages.render(request, "login.html", context, status_code=status_code)


async def start(request: Request) -> Response:
    settings = request.app.state.settings
    if not configured(settings):
        return pages.error_page(request, 404, NOT_IN_USE)
    _, OAuthError, _, HTTPError = _authlib()
    try:
        await _metadata(request.app)
        redirect_uri = settings.public_url.rstrip("/") + CALLBACK
        return await client(request.app).authorize_redirect(
            request, redirect_uri, ui_locales=pages.page_language(request))
    except (HTTPError, OAuthError, ValueError) as exc:
        log.warning("identity provider unreachable or misconfigured: %s", type(exc).__name__)
        return _login_page(request, UNREACHABLE, 502)


async def callback(request: Request) -> Response:
    settings = request.app.state.settings
    if not configured(settings):
        return pages.error_page(request, 404, NOT_IN_USE)
    address = request.client.host if request.client else "-"
    _, OAuthError, JoseError, HTTPError = _authlib()
    options = {"iss": {"essential": True, "values": [issuer(settings), issuer(settings) + "/"]},
               "aud": {"essential": True, "values": [settings.oidc_client_id]},
               "sub": {"essential": True}, "exp": {"essential": True}}
    reason = None
    try:
        await _metadata(request.app)
        token = await client(request.app).authorize_access_token(request, claims_options=options, leeway=LEEWAY_S)
        claims = token.get("userinfo")
        if claims is None:
            reason = "no id_token"
    except HTTPError as exc:
        log.warning("identity provider unreachable: %s", type(exc).__name__)
        return _login_page(request, UNREACHABLE, 502)
    except OAuthError as exc:  # a wrong or used state or code, the provider's own refusal
        reason = f"oauth:{exc.error}"[:60]
    except (JoseError, ValueError, KeyError, TypeError) as exc:  # the ID token's signature or claims
        reason = f"token:{type(exc).__name__}:{getattr(exc, 'description', '')}"[:160]
    if reason is not None:
        # The reason names the check that failed, never the token itself.
        await run_write(request.app.state.db, audit.record, None, "directory.refused",
                        target="directory", detail=f"{reason}; address={address}")
        return _login_page(request, FAILED, 400)
    outcome = await run_write(request.app.state.db, directory.sign_in, issuer(settings), dict(claims),
                              settings.oidc_groups_claim, address)
    if outcome.user is None:
        return _login_page(request, directory.REFUSED[outcome.refused], 403)
    sessions.start(request.session, outcome.user.id)  # a fresh session and CSRF token, as the form's login
    request.session["via"] = "directory"
    csrf.token(request.session)
    return RedirectResponse("/counter", status_code=303)


async def provider_logout(request: Request) -> Response:
    """RP-initiated logout, offered on the login page after leaving a directory session: to the
    provider's end_session_endpoint, naming our client (not the ID token) and where to come back."""
    settings = request.app.state.settings
    request.session.pop("directory_logout", None)
    if not configured(settings):
        return pages.error_page(request, 404, NOT_IN_USE)
    _, OAuthError, _, HTTPError = _authlib()
    try:
        metadata = await _metadata(request.app)
        if not metadata.get("end_session_endpoint"):
            return RedirectResponse("/counter/login", status_code=303)
        result = await client(request.app).create_logout_url(
            post_logout_redirect_uri=settings.public_url.rstrip("/") + "/counter/login",
            client_id=settings.oidc_client_id, ui_locales=pages.page_language(request))
    except (HTTPError, OAuthError, ValueError) as exc:
        log.warning("identity provider unreachable or misconfigured: %s", type(exc).__name__)
        return _login_page(request, UNREACHABLE, 502)
    return RedirectResponse(result["url"], status_code=303)


routes = [
    Route("/login/oidc", start),
    Route(CALLBACK, callback),
    Route("/login/oidc/logout", provider_logout),
]
