"""The ids in public addresses (a ticket's /t/…, a print job's, a booking's signed /a/… link) are 128
random bits: not guessable, not sequential, and with nothing of the ticket or the person in them.

"Random" is tested as a random generator's output looks: every one of the 128 bit positions is set
in about half of 1,000 ids (within five standard deviations: a fair generator fails that about once
in 10,000 runs). A counter, a timestamp, a ticket number or a name in the id would keep some bits
fixed and fail it.
"""

import base64
import json
from datetime import datetime, timezone

from server import booking, queue
from server.booking import CODE_ALPHABET, CODE_LENGTH
from server.errors import NotFound
from tests.core.test_booking import MONDAY, NOW, at, bookable

COUNT = 1000


def decoded(public_id: str) -> bytes:
    return base64.urlsafe_b64decode(public_id + "=" * (-len(public_id) % 4))


def assert_random_128_bits(ids: list[bytes]) -> None:
    assert all(len(raw) == 16 for raw in ids)
    assert len(set(ids)) == len(ids)
    numbers = [int.from_bytes(raw, "big") for raw in ids]
    assert sorted(numbers) != numbers and sorted(numbers, reverse=True) != numbers  # not in issue order
    half, five_sigma = len(ids) / 2, 5 * (len(ids) / 4) ** 0.5
    for bit in range(128):
        ones = sum(n >> bit & 1 for n in numbers)
        assert abs(ones - half) < five_sigma, f"bit {bit} is set in {ones} of {len(ids)} ids"


def test_ticket_and_print_job_ids_are_128_random_bits(db):
    with db.write() as session:
        # The kiosk's way for some (print jobs too), the engine's own step for the rest, to be quick.
        issued = [queue.issue_ticket(session, "demo", "advice", "fi", printed=True) for _ in range(200)]
        site = queue.get_site(session, "demo")
        service = queue.get_service(session, site, "housing")
        now = datetime.now(timezone.utc)
        tickets = [i.ticket.public_id for i in issued] + [
            queue.new_ticket(session, site, service, "fi", now).public_id for _ in range(COUNT - 200)]
        jobs = [i.print_job_id for i in issued]
    for public_id in tickets:
        # Exactly the URL-safe text of 16 bytes: no room for the number, the service or the site.
        assert len(public_id) == 22 and base64.urlsafe_b64encode(decoded(public_id)).rstrip(b"=").decode() == public_id
    assert_random_128_bits([decoded(public_id) for public_id in tickets])
    assert all(job and len(job) == 32 for job in jobs)
    assert_random_128_bits([bytes.fromhex(job) for job in jobs])


def test_a_bookings_link_carries_its_random_id_signed_and_nothing_of_the_person(db):
    bookable(db, seats=COUNT)
    secret = "a-secret-key-for-the-test"
    with db.write() as session:
        held = [booking.hold(session, "demo", "advice", at(MONDAY, 9), now=NOW) for _ in range(200)]
        confirmed = booking.confirm(session, held[0].public_id, name="Maija Meikäläinen",
                                    email="maija@example.fi", phone="0401234567", consent=True, now=NOW)
        ids = [a.public_id for a in held]
        codes = [a.code for a in held]
    assert_random_128_bits([decoded(public_id) for public_id in ids])
    token = booking.manage_token(secret, confirmed.public_id)
    payload, _, signature = token.partition(".")
    assert json.loads(decoded(payload)) == confirmed.public_id and signature  # the id, signed: no more
    for personal in ("Maija", "maija", "example", "0401234567", "demo", "advice"):
        assert personal not in token and personal.encode() not in decoded(payload)
    assert booking.public_id_of(secret, token) == confirmed.public_id
    forged = booking.manage_token("another-key", confirmed.public_id)
    # Another key's signature, or another id under this signature (an id differs from the first letter).
    for edited in (forged, ("B" if token[0] != "B" else "C") + token[1:]):
        try:
            booking.public_id_of(secret, edited)
        except NotFound:
            continue
        raise AssertionError(f"an edited link was taken: {edited}")
    # The check-in code is typed at the kiosk, so it is short (8 of 24 unambiguous letters, 36 bits):
    # it is never in an address, works only at its own site's kiosk around the booked time, and the
    # kiosk's buttons are rate-limited (docs/security.md).
    assert len(CODE_ALPHABET) ** CODE_LENGTH > 2 ** 36
    assert len(set(codes)) == len(codes) and all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
