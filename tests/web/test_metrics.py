"""/metrics for Prometheus, read with prometheus-client's own parser from a real uvicorn: what the
service point did and does, per site and service, and no personal data."""

import httpx
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database, recv_push


def samples(text: str) -> dict[tuple, float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def key(name: str, **labels) -> tuple:
    return name, tuple(sorted(labels.items()))


def test_the_metrics_count_tickets_waiting_calls_counters_printers_and_screens(live_server):
    api = httpx.Client(base_url=f"{live_server.url}/api/v1", timeout=10)
    for service in ("advice", "advice", "housing"):
        assert api.post("/sites/demo/tickets", json={"service": service}).status_code == 201
    token = api.post("/token", json={"username": "clerk", "password": live_server.settings.demo_password}).json()
    api.headers["Authorization"] = f"Bearer {token['access_token']}"
    assert api.post("/counters/1/open", json={"services": ["advice"]}).status_code == 200
    called = api.post("/counters/1/call-next").json()
    api.post(f"/tickets/{called['id']}/recall")
    with connect(f"{live_server.ws_url}/display/demo/ws") as display:
        recv_push(display)
        response = httpx.get(f"{live_server.url}/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    got = samples(response.text)
    assert got[key("luukku_tickets_issued_total", site="demo", service="advice")] == 2
    assert got[key("luukku_tickets_issued_total", site="demo", service="housing")] == 1
    assert got[key("luukku_waiting", site="demo", service="advice")] == 1
    assert got[key("luukku_calls_total", site="demo")] == 2  # the call and the recall
    assert got[key("luukku_counters_open", site="demo")] == 1
    conditions = [v for (name, labels), v in got.items()
                  if name == "luukku_printer_condition" and ("printer", "kiosk-1") in labels]
    assert sorted(conditions)[-1] == 1 and sum(conditions) == 1  # one condition at a time
    assert sum(v for (name, labels), v in got.items() if name == "luukku_websocket_clients") >= 1
    assert "Maija" not in response.text and called["id"] not in response.text  # numbers only
    api.close()


def test_with_a_token_set_metrics_want_it(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'm.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, metrics_token="s3cret"), port) as server:
        assert httpx.get(f"{server.url}/metrics").status_code == 401
        assert httpx.get(f"{server.url}/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.get(f"{server.url}/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
