"""The running server mails a booking's confirmation by itself, at once, through a real SMTP server on
loopback, and the link in the mail opens the booking."""

import time
from datetime import datetime, timedelta, timezone

import httpx
import sqlalchemy as sa

from server import booking, queue
from server.models import AppointmentHours
from tests.conftest import LiveServer, free_port, make_settings, prepare_demo_database
from tests.core.test_mail import Inbox


def test_a_booking_is_confirmed_by_mail_and_its_link_opens_it(tmp_path):
    url = prepare_demo_database(f"sqlite:///{tmp_path / 'mail.db'}")
    port = free_port()
    with Inbox() as inbox:
        settings = make_settings(url, port, smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_security="none",
                                 smtp_from="Luukku <luukku@kaupunki.example.fi>", mail_poll_s=600)
        with LiveServer(settings, port) as server:
            db = server.app.state.db
            with db.write() as session:  # bookable around the clock, so the test does not depend on the hour
                site = queue.get_site(session, "demo")
                service = queue.get_service(session, site, "advice")
                session.execute(sa.delete(AppointmentHours).where(AppointmentHours.service_id == service.id))
                for weekday in range(7):
                    session.add(AppointmentHours(service_id=service.id, weekday=weekday,
                                                 opens=datetime.min.time(), closes=datetime.max.time()))
            with db.read() as session:
                site = queue.get_site(session, "demo")
                now = datetime.now(timezone.utc)
                slot = booking.next_free(session, site, queue.get_service(session, site, "advice"),
                                         now + timedelta(hours=2), now)[0]
            with db.write() as session:
                held = booking.hold(session, "demo", "advice", slot.starts_at)
                booked = booking.confirm(session, held.public_id, name="Maija", email="maija@example.fi",
                                         consent=True, lang="en")
            deadline = time.monotonic() + 10  # woken by the booking: well before the 600 s poll
            while not inbox.messages:
                assert time.monotonic() < deadline, "no confirmation mail"
                time.sleep(0.05)
            message = inbox.messages[0]
            assert message["Subject"].startswith("Booking confirmed: General advice, ")
            body = message.get_body(("plain",)).get_content()
            link = next(line for line in body.splitlines() if line.startswith(server.url + "/a/"))
            page = httpx.get(link)
            assert page.status_code == 200 and booked.code in page.text
