"""The public booking and ticket status pages refuse a client that asks too often, in its own language;
the kiosk's buttons have a limit of their own; the rest of the service point (the kiosk screen, the
counter, the display) is never limited."""

import httpx

from server.web.ratelimit import SlidingWindow
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


def test_ticket_status_pages_and_the_kiosks_buttons_are_limited_each_on_its_own(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'rate.db'}")
    port = free_port()
    settings = make_settings(url, port, public_rate_limit_per_min=4, kiosk_rate_limit_per_min=3)
    with LiveServer(settings, port) as server, \
            httpx.Client(base_url=server.url, headers={"Accept-Language": "sv"}) as client:
        public_id = httpx.post(f"{server.url}/api/v1/sites/demo/tickets", json={"service": "advice"}).json()["id"]
        assert [client.get(f"/t/{public_id}").status_code for _ in range(4)] == [200] * 4
        refused = client.get(f"/t/{public_id}")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        assert "För många förfrågningar" in refused.text and '<html lang="sv">' in refused.text
        # The kiosk's buttons count apart from the phone's pages, and only the buttons count.
        taps = [client.post("/kiosk/demo/tickets", data={"service": "advice"}).status_code for _ in range(3)]
        assert taps == [201] * 3
        assert client.post("/kiosk/demo/tickets", data={"service": "advice"}).status_code == 429
        assert client.post("/kiosk/demo/check-in", data={"code": "ABC"}).status_code == 429
        assert all(client.get("/kiosk/demo").status_code == 200 for _ in range(5))


def test_a_kiosk_limit_of_zero_means_no_limit(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'rate.db'}")
    port = free_port()
    with LiveServer(make_settings(url, port, kiosk_rate_limit_per_min=0), port) as server:
        taps = [httpx.post(f"{server.url}/kiosk/demo/tickets", data={"service": "advice"}).status_code
                for _ in range(5)]
    assert taps == [201] * 5


def test_the_window_slides_and_forgets_quiet_clients():
    window = SlidingWindow(limit=2, window_s=60)
    assert window.allow("a", 0) and window.allow("a", 10) and not window.allow("a", 20)
    assert window.allow("b", 20)  # each address has its own count
    assert window.allow("a", 60.5)  # the first hit has left the window
    for i in range(2000):
        window.allow(f"c{i}", 200 + i * 0.001)
    assert "a" not in window._hits and "b" not in window._hits  # quiet clients forgotten
