"""The public booking pages refuse a client that asks too often, in its own language; the rest of the
service point (kiosk, counter, display) is never limited."""

import httpx

from server.ratelimit import SlidingWindow
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database


def test_a_client_asking_too_often_is_asked_to_wait_and_others_are_not(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'rate.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, public_rate_limit_per_min=5), port) as server, \
            httpx.Client(base_url=server.url, headers={"Accept-Language": "fi"}) as client:
        assert [client.get("/b/demo").status_code for _ in range(5)] == [200] * 5
        refused = client.get("/b/demo")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        assert "Liian monta pyyntöä" in refused.text
        assert client.post("/a/whatever", data={"name": "x"}).status_code == 429  # posts count too
        assert client.get("/kiosk/demo").status_code == 200  # the kiosk is not limited


def test_the_window_slides_and_forgets_quiet_clients():
    window = SlidingWindow(limit=2, window_s=60)
    assert window.allow("a", 0) and window.allow("a", 10) and not window.allow("a", 20)
    assert window.allow("b", 20)  # each address has its own count
    assert window.allow("a", 60.5)  # the first hit has left the window
    for i in range(2000):
        window.allow(f"c{i}", 200 + i * 0.001)
    assert "a" not in window._hits and "b" not in window._hits  # quiet clients forgotten
