"""A real OpenID Connect provider on 127.0.0.1 for the tests of staff sign-in (issue 23), built from
Authlib's server side: ``AuthorizationServer`` with the authorization code grant, PKCE (required) and
OpenID Connect's code extension, in a small Starlette app under uvicorn in a thread.

It publishes discovery and a JWKS, shows a sign-in form (or signs in ``auto_user`` at once), issues
codes once (a replayed code is refused by Authlib's grant), and signs ID tokens with its newest key.
A test can make it misbehave, one ID token at a time or until told otherwise (``tamper``): another
audience, an expired token, another nonce, ``alg: none``, a key it never published; and it can rotate
its keys. It counts the JWKS reads, and remembers the last logout request.
"""

import base64
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.conftest import free_port


@dataclass
class Person:
    sub: str
    username: str
    name: str
    email: str
    groups: list[str] = field(default_factory=list)


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in ("openid", "profile", "email"))

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    sub: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class Payload(BasicOAuth2Payload):
    pass


class ProviderRequest(OAuth2Request):
    def __init__(self, request: Request, form: dict):
        super().__init__(request.method, str(request.url), headers=request.headers)
        self._args = dict(request.query_params)
        self._form = form
        self.payload = Payload({**self._args, **form})

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class FakeOidcProvider:
    def __init__(self, client_id: str = "luukku", client_secret: str | None = None, groups_claim: str = "groups"):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client = Client(client_id, client_secret or secrets.token_urlsafe(24), [])
        self.groups_claim = groups_claim
        self.people: dict[str, Person] = {}
        self.auto_user: str | None = None  # a username signed in without the form (httpx tests)
        self.keys = [self._new_key()]  # the newest signs; all are published
        self.codes: dict[str, Code] = {}
        self.tamper: dict = {}  # claims to override, or "alg": "none", or "key": "unpublished"
        self.jwks_reads = 0
        self.token_requests = 0
        self.logouts: list[dict] = []
        self.server = self._authorization_server()
        self._uvicorn = uvicorn.Server(uvicorn.Config(self._app(), host="127.0.0.1", port=self.port,
                                                      log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._uvicorn.run, daemon=True, name="fake-oidc")

    # --- what a test sets ---------------------------------------------------------------------

    def add_person(self, username: str, name: str, groups: list[str]) -> Person:
        person = Person(sub=secrets.token_hex(8), username=username, name=name, email=f"{username}@city.example",
                        groups=list(groups))
        self.people[username] = person
        return person

    def allow_redirect(self, uri: str) -> None:
        self.client.redirect_uris.append(uri)

    def rotate_keys(self, keep_old: bool = False) -> None:
        self.keys = [self._new_key(), *(self.keys if keep_old else [])]

    # --- the server ----------------------------------------------------------------------------

    @staticmethod
    def _new_key() -> RSAKey:
        return RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(6), "use": "sig", "alg": "RS256"},
                                   private=True)

    def _authorization_server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id):
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token, request):
                pass

            def create_oauth2_request(self, request):
                return request

            def create_json_request(self, request):
                raise NotImplementedError

            def handle_response(self, status, body, headers):
                headers = dict(headers)
                if isinstance(body, dict):
                    return JSONResponse(body, status_code=status, headers=headers)
                return Response(body or b"", status_code=status, headers=headers)

            def send_signal(self, name, *args, **kwargs):
                pass

        class CodeGrant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, request):
                data = request.payload.data
                provider.codes[code] = Code(code, request.client.client_id, request.payload.redirect_uri,
                                            request.payload.scope, request.user.sub, data.get("nonce"),
                                            data.get("code_challenge"), data.get("code_challenge_method"),
                                            int(time.time()))

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)  # once: a replayed code is unknown

            def authenticate_user(self, authorization_code):
                return next(p for p in provider.people.values() if p.sub == authorization_code.sub)

        class Challenge(CodeChallenge):
            def get_authorization_code_challenge(self, authorization_code):
                return authorization_code.code_challenge

            def get_authorization_code_challenge_method(self, authorization_code):
                return authorization_code.code_challenge_method

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return any(c.nonce == nonce for c in provider.codes.values())

            def generate_user_info(self, user, scope):
                return UserInfo(sub=user.sub, name=user.name, email=user.email, preferred_username=user.username)

            def encode_id_token(self, token, request):
                return provider.id_token(request.user, request.authorization_code.get_nonce())

        server = Server()
        server.register_token_generator("default", BearerTokenGenerator(
            lambda client, grant_type, user, scope: secrets.token_urlsafe(32)))
        server.register_grant(CodeGrant, [Challenge(required=True), IdToken(require_nonce=True)])
        return server

    def id_token(self, person: Person, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.client.client_id, "sub": person.sub, "iat": now,
                  "exp": now + 300, "auth_time": now, "name": person.name, "email": person.email,
                  "preferred_username": person.username, self.groups_claim: person.groups}
        if nonce:
            claims["nonce"] = nonce
        tamper = dict(self.tamper)
        alg, key_kind = tamper.pop("alg", "RS256"), tamper.pop("key", "published")
        claims.update(tamper)
        if alg == "none":
            return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
        key = self.keys[0] if key_kind == "published" else self._new_key()
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)

    def _app(self) -> Starlette:
        async def discovery(request: Request):
            return JSONResponse({
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "end_session_endpoint": f"{self.issuer}/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": ["openid", "profile", "email"],
                "claims_supported": ["sub", "name", "email", "preferred_username", self.groups_claim],
            })

        async def jwks(request: Request):
            self.jwks_reads += 1
            return JSONResponse({"keys": [k.as_dict(private=False) for k in self.keys]})

        async def authorize(request: Request):
            form = dict(await request.form()) if request.method == "POST" else {}
            oauth_request = ProviderRequest(request, form)
            username = form.get("username") or self.auto_user
            if username is None:  # the provider's own sign-in page
                hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                                 for k, v in request.query_params.items())
                return HTMLResponse(
                    '<!doctype html><html lang="en"><title>City ID</title><main><h1>City ID</h1>'
                    f'<form method="post" action="/authorize?{html.escape(request.url.query)}">{hidden}'
                    '<label for="username">Username</label><input id="username" name="username">'
                    '<button type="submit">Sign in</button></form></main></html>')
            person = self.people.get(username)
            if person is None:
                return HTMLResponse("unknown person", status_code=403)
            grant = self.server.get_consent_grant(request=oauth_request, end_user=person)
            response = self.server.create_authorization_response(request=oauth_request, grant_user=person, grant=grant)
            if response.status_code == 302 and request.method == "POST":
                response.status_code = 303
            return response

        async def token(request: Request):
            self.token_requests += 1
            return self.server.create_token_response(ProviderRequest(request, dict(await request.form())))

        async def logout(request: Request):
            self.logouts.append(dict(request.query_params))
            back = request.query_params.get("post_logout_redirect_uri")
            return RedirectResponse(back, status_code=303) if back else HTMLResponse("Signed out")

        return Starlette(routes=[
            Route("/.well-known/openid-configuration", discovery),
            Route("/jwks", jwks),
            Route("/authorize", authorize, methods=["GET", "POST"]),
            Route("/token", token, methods=["POST"]),
            Route("/logout", logout),
        ])

    def __enter__(self):
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._uvicorn.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake OpenID Connect provider did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self._uvicorn.should_exit = True
        self._thread.join(10)
