"""Staff sign in with the city's identity provider (issue 23): a real OpenID Connect provider on
loopback (tests/fakes/oidc_provider.py, Authlib's server side) and Luukku under uvicorn, driven with
httpx as a browser would be (redirects, cookies)."""

import contextlib
import json
import logging
import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import select

from server import directory
from server.models import AuditLog, DirectoryAccount, StaffUser
from tests.conftest import DEMO_PASSWORD, LiveServer, free_port, make_settings, prepare_demo_database, staff_login
from tests.fakes.oidc_provider import FakeOidcProvider

BUTTONS = {"fi": "Kirjaudu Kaupunki-ID:llä", "sv": "Logga in med Stads-ID", "en": "Sign in with City ID"}


@pytest.fixture
def provider():
    with FakeOidcProvider() as provider:
        yield provider


@pytest.fixture
def start_server(tmp_path, provider):
    """Luukku pointed at the provider; ``overrides`` are more settings."""
    with contextlib.ExitStack() as stack:

        def start(**overrides) -> LiveServer:
            url = prepare_demo_database(f"sqlite:///{tmp_path / f'live-{free_port()}.db'}")
            port = free_port()
            provider.allow_redirect(f"http://127.0.0.1:{port}/login/oidc/callback")
            settings = make_settings(url, port, oidc_issuer=provider.issuer, oidc_client_id=provider.client.client_id,
                                     oidc_client_secret=provider.client.client_secret,
                                     **{f"oidc_button_{lang}": words for lang, words in BUTTONS.items()},
                                     **overrides)
            return stack.enter_context(LiveServer(settings, port))

        yield start


@pytest.fixture
def server(start_server):
    return start_server()


def admin_id(server) -> int:
    with server.app.state.db.read() as session:
        return session.exec(select(StaffUser.id).where(StaffUser.username == "admin")).one()


def map_group(server, name: str, role: str, department: str = "") -> None:
    with server.app.state.db.write() as session:
        directory.save_mapping(session, admin_id(server), {"name": name, "role": role, "department": department})


def browser(server) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=10, headers={"Accept-Language": "en"})


def sign_in(client: httpx.Client, provider: FakeOidcProvider, username: str) -> httpx.Response:
    """The whole round trip, following redirects as a browser does: Luukku, the provider, Luukku."""
    provider.auto_user = username
    return client.get("/login/oidc", follow_redirects=True)


def logged_in(client: httpx.Client) -> bool:
    return client.get("/counter").status_code == 200


def account(server, sub: str) -> tuple[DirectoryAccount, StaffUser] | None:
    with server.app.state.db.read() as session:
        found = session.exec(select(DirectoryAccount).where(DirectoryAccount.subject == sub)).first()
        return (found, session.get(StaffUser, found.staff_user_id)) if found else None


def actions(server, *names: str) -> list[AuditLog]:
    with server.app.state.db.read() as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action.in_(names)).order_by(AuditLog.id)))


def test_a_clerk_signs_in_through_the_provider_and_gets_an_account_from_the_claims(server, provider):
    map_group(server, "luukku-clerks", "clerk")
    person = provider.add_person("maija", "Maija Meikäläinen", ["luukku-clerks", "all-staff"])
    with browser(server) as client:
        start = client.get("/login/oidc")
        assert start.status_code == 302
        asked = parse_qs(urlsplit(start.headers["location"]).query)
        assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) == 43
        assert asked["nonce"][0] and asked["state"][0] and asked["response_type"] == ["code"]
        assert asked["redirect_uri"] == [f"{server.url}/login/oidc/callback"]
        assert asked["ui_locales"] == ["en"]  # the provider's pages in the person's language
        provider.auto_user = "maija"
        answer = client.get(start.headers["location"], follow_redirects=True)
        assert answer.status_code == 200 and str(answer.url) == f"{server.url}/counter"
        assert "Maija Meikäläinen" in answer.text
    found, user = account(server, person.sub)
    assert (user.role, user.display_name, user.username, found.email) == (
        "clerk", "Maija Meikäläinen", "maija", "maija@city.example")
    assert json.loads(found.groups) == ["luukku-clerks"]  # only the mapped ones are kept
    with browser(server) as client:  # no password opens a directory account
        assert staff_login(client, "maija", "anything").status_code == 400
    assert [(a.action, a.target) for a in actions(server, "directory.create", "login")] == [
        ("directory.create", f"staff:{user.id}"), ("login", "directory")]


@pytest.mark.parametrize(("tamper", "check"), [
    pytest.param({"aud": "someone-else"}, "InvalidClaimError:Invalid claim: 'aud'", id="wrong audience"),
    pytest.param({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}, "ExpiredTokenError", id="expired"),
    pytest.param({"nonce": "not-the-one-we-sent"}, "InvalidClaimError:Invalid claim: 'nonce'", id="wrong nonce"),
    pytest.param({"alg": "none"}, "UnsupportedAlgorithmError", id="alg none"),
    pytest.param({"key": "unpublished"}, "InvalidKeyIdError", id="unknown key"),
    pytest.param({"iss": "http://127.0.0.1:1/another-provider"}, "InvalidClaimError:Invalid claim: 'iss'",
                 id="wrong issuer"),
])
def test_an_id_token_that_fails_a_check_is_refused(server, provider, tamper, check):
    map_group(server, "luukku-clerks", "clerk")
    person = provider.add_person("maija", "Maija Meikäläinen", ["luukku-clerks"])
    provider.tamper = tamper
    with browser(server) as client:
        answer = sign_in(client, provider, "maija")
        assert answer.status_code == 400 and "The sign-in could not be completed" in answer.text
        assert not logged_in(client)
    assert account(server, person.sub) is None
    refused = actions(server, "directory.refused")
    assert len(refused) == 1 and refused[0].detail.startswith(f"token:{check}"), refused[0].detail
    if tamper.get("key") == "unpublished":
        assert provider.jwks_reads == 2  # an unknown key makes Luukku read the keys again, once


def test_a_replayed_code_is_refused(server, provider):
    map_group(server, "luukku-clerks", "clerk")
    provider.add_person("maija", "Maija Meikäläinen", ["luukku-clerks"])
    provider.auto_user = "maija"
    with browser(server) as client:
        to_provider = client.get("/login/oidc").headers["location"]
        back = httpx.get(to_provider).headers["location"]
        code = parse_qs(urlsplit(back).query)["code"][0]
        assert client.get(back).status_code == 303 and logged_in(client)
        # The same callback again: its state was used up.
        again = client.get(back)
        assert again.status_code == 400
        # The code with a fresh state of this browser: the provider refuses the used code.
        fresh_state = parse_qs(urlsplit(client.get("/login/oidc").headers["location"]).query)["state"][0]
        before = provider.token_requests
        replay = client.get("/login/oidc/callback", params={"code": code, "state": fresh_state})
        assert replay.status_code == 400 and provider.token_requests == before + 1
    assert [a.detail.split(";")[0] for a in actions(server, "directory.refused")] == [
        "oauth:mismatching_state", "oauth:invalid_grant"]


def test_a_group_change_takes_effect_at_the_next_sign_in_and_ends_open_sessions(server, provider):
    map_group(server, "luukku-clerks", "clerk")
    map_group(server, "luukku-managers", "manager")
    person = provider.add_person("maija", "Maija Meikäläinen", ["luukku-clerks"])
    with browser(server) as counter_pc, browser(server) as office_pc:
        sign_in(counter_pc, provider, "maija")
        assert logged_in(counter_pc) and counter_pc.get("/counter/overview").status_code == 403
        person.groups = ["luukku-managers", "luukku-clerks"]
        sign_in(office_pc, provider, "maija")
        assert account(server, person.sub)[1].role == "manager"
        assert office_pc.get("/counter/overview").status_code == 200
        # Leaving the groups: refused at the next sign-in, and every open session ends.
        person.groups = ["all-staff"]
        with browser(server) as third:
            refused = sign_in(third, provider, "maija")
            assert refused.status_code == 403 and "gives you no role in Luukku" in refused.text
            assert not logged_in(third)
        assert not logged_in(counter_pc) and not logged_in(office_pc)
        assert account(server, person.sub)[1].active is False
        # Back in a group: the directory opens the account it closed.
        person.groups = ["luukku-clerks"]
        assert sign_in(counter_pc, provider, "maija").status_code == 200 and logged_in(counter_pc)
    changes = [a.detail for a in actions(server, "directory.role", "directory.refused")]
    assert changes[0].startswith("role clerk->manager") and "role manager->none" in changes[1]
    assert changes[2].startswith("no role") and changes[3].startswith("role manager->clerk")


def test_an_admin_who_unmaps_a_group_ends_its_peoples_sessions_at_once(server, provider):
    map_group(server, "luukku-clerks", "clerk")
    person = provider.add_person("maija", "Maija Meikäläinen", ["luukku-clerks"])
    with browser(server) as clerk, browser(server) as admin:
        sign_in(clerk, provider, "maija")
        assert staff_login(admin, "admin").status_code == 303
        page = admin.get("/admin/directory")
        assert page.status_code == 200 and "luukku-clerks" in page.text
        mapping_id = int(re.search(r'action="/admin/directory/(\d+)/remove"', page.text).group(1))
        token = admin.headers.pop("X-CSRF-Token")
        assert admin.post(f"/admin/directory/{mapping_id}/remove").status_code == 403  # no token: no change
        assert logged_in(clerk)
        assert admin.post(f"/admin/directory/{mapping_id}/remove", data={"csrf_token": token}).status_code == 303
        assert not logged_in(clerk)
        assert account(server, person.sub)[1].active is False
        # Mapping it again (as a manager's group now) is applied at once to the known account too.
        saved = admin.post("/admin/directory", data={"csrf_token": token, "name": "luukku-clerks", "role": "manager"})
        assert saved.status_code == 303
        assert account(server, person.sub)[1].role == "manager" and account(server, person.sub)[1].active
        wrong = admin.post("/admin/directory", data={"csrf_token": token, "name": "", "role": "boss"},
                           headers={"Accept-Language": "en"})
        assert wrong.status_code == 422 and "Choose a role." in wrong.text
    assert {a.action for a in actions(server, "directory.mapping", "directory.mapping_removed")} == {
        "directory.mapping", "directory.mapping_removed"}


def test_a_rotated_key_is_picked_up(server, provider):
    map_group(server, "luukku-clerks", "clerk")
    provider.add_person("maija", "Maija Meikäläinen", ["luukku-clerks"])
    with browser(server) as client:
        assert sign_in(client, provider, "maija").status_code == 200
    assert provider.jwks_reads == 1
    provider.rotate_keys()  # the old key is gone from the JWKS, a new one signs
    with browser(server) as client:
        assert sign_in(client, provider, "maija").status_code == 200 and logged_in(client)
    assert provider.jwks_reads == 2


def test_no_token_goes_into_an_address_or_the_log(server, provider, caplog):
    map_group(server, "luukku-clerks", "clerk")
    provider.add_person("maija", "Maija Meikäläinen", ["luukku-clerks"])
    issued = []
    original = provider.id_token
    provider.id_token = lambda person, nonce: issued.append(original(person, nonce)) or issued[-1]
    with caplog.at_level(logging.DEBUG), browser(server) as client:
        answer = sign_in(client, provider, "maija")
        addresses = [str(r.url) for r in (*answer.history, answer)] + [r.headers.get("location", "") for r in answer.history]
        client.post("/counter/logout", data={"csrf_token": client.get("/counter").text.split('name="csrf-token" content="')[1].split('"')[0]})
        logout = client.get("/login/oidc/logout")
    assert issued and answer.status_code == 200
    signature = issued[0].split(".")[2]
    assert not any(signature in a or issued[0] in a for a in [*addresses, logout.headers["location"]])
    assert signature not in caplog.text
    assert "id_token_hint" not in logout.headers["location"]


def test_logging_out_offers_the_providers_logout(server, provider):
    map_group(server, "luukku-clerks", "clerk")
    provider.add_person("maija", "Maija Meikäläinen", ["luukku-clerks"])
    with browser(server) as client:
        page = sign_in(client, provider, "maija")
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
        assert client.post("/counter/logout", data={"csrf_token": token}).status_code == 303
        login = client.get("/counter/login")
        assert "Sign out of the identity provider too" in login.text and not logged_in(client)
        assert "Sign out of the identity provider too" not in client.get("/counter/login").text  # offered once
        to_provider = client.get("/login/oidc/logout")
        assert to_provider.status_code == 303
        asked = parse_qs(urlsplit(to_provider.headers["location"]).query)
        assert asked["client_id"] == [provider.client.client_id]
        assert asked["post_logout_redirect_uri"] == [f"{server.url}/counter/login"]
        back = client.get(to_provider.headers["location"], follow_redirects=True)
        assert back.status_code == 200 and str(back.url).startswith(f"{server.url}/counter/login")
    assert provider.logouts and "id_token_hint" not in provider.logouts[0]


def test_local_passwords_are_off_but_for_the_break_glass_admin(start_server, provider):
    server = start_server(oidc_passwords_off=True, oidc_break_glass_admins="admin")
    with httpx.Client(base_url=server.url, timeout=10, headers={"Accept-Language": "fi"}) as client:
        refused = staff_login(client, "clerk")
        assert refused.status_code == 403 and BUTTONS["fi"] in refused.text
        assert "Luukku's own passwords are not in use here" in refused.text or "salasan" in refused.text
        assert not logged_in(client)
        assert staff_login(client, "admin").status_code == 303 and logged_in(client)
        # The API's tokens come from the same passwords: no way around it there either.
        api = client.post("/api/v1/token", data={"username": "clerk", "password": DEMO_PASSWORD},
                          headers={"Accept-Language": "en"})
        assert api.status_code == 403 and "sign in with the city's directory" in api.json()["detail"]
        assert client.post("/api/v1/token", data={"username": "admin", "password": DEMO_PASSWORD}).status_code == 200


def test_the_login_page_names_the_button_in_each_language(server):
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for lang, words in BUTTONS.items():
            page = client.get("/counter/login", params={"lang": lang})
            assert page.status_code == 200 and f'lang="{lang}"' in page.text
            assert f'href="/login/oidc">{words}</a>' in page.text
        for lang in BUTTONS:
            assert staff_login(client, "admin").status_code == 303
            admin_page = client.get("/admin/directory", params={"lang": lang})
            assert admin_page.status_code == 200 and f'lang="{lang}"' in admin_page.text
            assert 'href="/admin/directory" aria-current="page"' in admin_page.text


def test_without_settings_there_is_no_button_and_the_routes_say_so(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10, headers={"Accept-Language": "en"}) as client:
        assert "/login/oidc" not in client.get("/counter/login").text
        for path in ("/login/oidc", "/login/oidc/callback?code=x&state=y", "/login/oidc/logout"):
            answer = client.get(path)
            assert answer.status_code == 404 and "not in use here" in answer.text


def test_an_unreachable_provider_is_a_clear_answer_not_an_error(start_server, provider):
    server = start_server()
    provider.__exit__(None, None, None)  # the provider goes away
    with browser(server) as client:
        answer = client.get("/login/oidc")
        assert answer.status_code == 502 and "cannot be reached" in answer.text
