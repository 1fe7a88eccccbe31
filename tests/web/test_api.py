"""The JSON API over real HTTP: tokens, tickets, the queue, calls, and clear 4xx for bad input."""

import httpx
import pytest

from tests.conftest import DEMO_PASSWORD


@pytest.fixture
def api(live_server):
    with httpx.Client(base_url=f"{live_server.url}/api", timeout=10,
                      headers={"Accept-Language": "en"}) as client:
        yield client


def bearer(api, username="clerk") -> dict:
    response = api.post("/v1/token", json={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_it_issues_a_ticket_with_its_position_wait_and_status_url(api, live_server):
    first = api.post("/v1/sites/demo/tickets", json={"service": "housing", "lang": "sv"})
    second = api.post("/v1/sites/demo/tickets", json={"service": "housing"})
    assert first.status_code == second.status_code == 201
    a, b = first.json(), second.json()
    assert (a["number"], b["number"]) == ("B001", "B002")
    assert (a["position"], b["position"]) == (0, 1)
    # Housing takes 10 minutes; with no counter open it is reckoned as one busy counter:
    # half a service time for the customer at it, then a whole one for B001.
    assert b["estimated_wait_min"] == 15
    assert a["status"] == "waiting" and a["service"] == "housing"
    assert a["status_url"] == f"{live_server.url}/t/{a['id']}"
    page = httpx.get(a["status_url"], headers={"Accept-Language": "sv"})
    assert page.status_code == 200 and "B001" in page.text and "Du står i kön" in page.text


def test_the_queue_lists_services_open_counters_and_recent_calls(api):
    headers = bearer(api)
    api.post("/v1/sites/demo/tickets", json={"service": "advice"})
    assert api.post("/v1/counters/2/open", json={"services": ["advice"]}, headers=headers).status_code == 200
    called = api.post("/v1/counters/2/call-next", headers=headers)
    assert called.status_code == 200 and called.json()["number"] == "A001"
    queue = api.get("/v1/sites/demo/queue").json()
    advice = next(s for s in queue["services"] if s["code"] == "advice")
    assert advice["names"] == {"fi": "Yleisneuvonta", "sv": "Allmän rådgivning", "en": "General advice"}
    assert advice["waiting"] == 0
    assert queue["counters"] == [{"id": 2, "number": "2", "services": ["advice"]}]
    assert queue["recent_calls"][0]["ticket"]["number"] == "A001"
    assert queue["recent_calls"][0]["counter"] == {"id": 2, "number": "2"}


def test_call_next_answers_204_when_no_one_waits_and_finish_ends_the_visit(api):
    headers = bearer(api)
    api.post("/v1/counters/1/open", json={"services": ["payments"]}, headers=headers)
    assert api.post("/v1/counters/1/call-next", headers=headers).status_code == 204
    ticket = api.post("/v1/sites/demo/tickets", json={"service": "payments"}).json()
    assert api.post("/v1/counters/1/call-next", headers=headers).json()["id"] == ticket["id"]
    assert api.post(f"/v1/tickets/{ticket['id']}/start", headers=headers).json()["status"] == "serving"
    finished = api.post(f"/v1/tickets/{ticket['id']}/finish", headers=headers)
    assert finished.status_code == 200 and finished.json()["status"] == "finished"
    again = api.post(f"/v1/tickets/{ticket['id']}/finish", headers=headers)
    assert again.status_code == 409 and "E001" in again.json()["detail"]


def test_staff_actions_need_a_valid_token(api):
    assert api.post("/v1/counters/1/call-next").status_code == 401
    bad = api.post("/v1/counters/1/call-next", headers={"Authorization": "Bearer forged.token"})
    assert bad.status_code == 401 and "token" in bad.json()["detail"]
    wrong = api.post("/v1/token", json={"username": "clerk", "password": "not-it"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "Wrong username or password."
    form = api.post("/v1/token", data={"username": "clerk", "password": DEMO_PASSWORD})
    assert form.status_code == 200


@pytest.mark.parametrize(
    "body, status, words",
    [
        (b"", 400, "JSON object"),
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"service": 7}', 422, "service"),
        (b'{"service": ""}', 422, "service: must not be empty"),
        (b'{"service": "advice", "lang": "de"}', 422, "lang"),
        (b'{"service": "advice", "colour": "red"}', 422, "colour: is not a known field"),
        (b'{"service": "parking"}', 404, "parking"),
    ],
)
def test_bad_ticket_requests_get_a_clear_4xx(api, body, status, words):
    response = api.post("/v1/sites/demo/tickets", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_errors_speak_the_callers_language(api):
    response = api.post("/v1/sites/nowhere/tickets", json={"service": "advice"},
                        headers={"Accept-Language": "fi-FI,fi;q=0.9,en;q=0.5"})
    assert response.status_code == 404
    assert response.json()["detail"] == "Asiointipistettä ”nowhere” ei ole."


def test_nothing_is_issued_by_a_bad_request(api):
    api.post("/v1/sites/demo/tickets", json={"service": "advice", "lang": "xx"})
    api.post("/v1/sites/demo/tickets", content=b"{", headers={"Content-Type": "application/json"})
    assert api.post("/v1/sites/demo/tickets", json={"service": "advice"}).json()["number"] == "A001"


def test_the_openapi_document_describes_every_api_route(api, live_server):
    document = api.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    from server.web.api import routes

    described = {path for path in document["paths"]}
    served = {route.path.replace(":int}", "}") for route in routes
              if route.path.startswith("/v1/") and hasattr(route, "methods")}
    assert served == described


def test_a_printed_ticket_has_a_print_job_staff_can_follow_and_reprint(api, live_server):
    import time

    ticket = api.post("/v1/sites/demo/tickets", json={"service": "advice", "print": True}).json()
    job = ticket["print_job"]
    assert job["state"] in ("queued", "sent", "printed") and len(job["id"]) == 32
    deadline = time.monotonic() + 10
    while (state := api.get(f"/v1/print-jobs/{job['id']}").json()["state"]) != "printed":
        assert time.monotonic() < deadline, state
        time.sleep(0.05)
    assert api.get("/v1/print-jobs/0123456789abcdef0123456789abcdef").status_code == 404

    assert api.post(f"/v1/tickets/{ticket['id']}/reprint").status_code == 401
    again = api.post(f"/v1/tickets/{ticket['id']}/reprint", headers=bearer(api))
    assert again.status_code == 201
    assert again.json()["reprint"] is True and again.json()["printer"]["name"] == "kiosk-1"
    missing = api.post("/v1/tickets/nonexistent/reprint", headers=bearer(api))
    assert missing.status_code == 404 and missing.json()["detail"] == "There is no such ticket."

    printers = api.get("/v1/sites/demo/printers", headers=bearer(api)).json()["printers"]
    assert [p["name"] for p in printers] == ["kiosk-1"]
    assert printers[0]["condition"] == "online" and printers[0]["jobs"]["printed"] >= 1
    assert api.get("/v1/sites/demo/printers").status_code == 401


def test_a_ticket_without_print_has_no_print_job(api):
    assert api.post("/v1/sites/demo/tickets", json={"service": "advice"}).json()["print_job"] is None
