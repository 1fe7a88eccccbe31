"""SMS through real sockets: a local SMSC speaking SMPP 3.4 and a local HTTP gateway (tests/fakes/smsc.py)
receive what server/sms.py sends, decode it as a phone would, and the texts arrive as they were written."""

import socket
import threading
import time

import anyio
import pytest

from server.errors import Invalid
from server.sms import (Gateway, HttpGateway, SendFailed, SmppGateway, SmppSender, encode, http_body,
                        normal_phone, send)
from tests.fakes.smsc import FakeHttpGateway, FakeSmsc, decode_part

TO = "+358401234567"
FINNISH = "Vuoronne lähestyy: noin 20 minuuttia. Tiski 3."
SWEDISH = "Det är din tur: disk 3. Välkommen!"
LONG_FINNISH = ("Hyvä asiakas, vuoronumeronne A042 on kohta vuorossa. Olkaa hyvä ja siirtykää odotustilaan "
                "lähelle palvelupisteitä. Jos ette ehdi paikalle, vuoronne siirtyy jonon loppuun. Tiski 3 "
                "on toisessa kerroksessa, hissit löytyvät aulan päästä. Ottakaa mukaan henkilöllisyystodistus "
                "ja asiaan liittyvät paperit. Kiitos kärsivällisyydestänne, tervetuloa Luukkuun! Ä Ö Å é ü.")


@pytest.fixture
def smsc():
    with FakeSmsc() as smsc:
        yield smsc


@pytest.fixture
def http_gateway():
    with FakeHttpGateway() as gateway:
        yield gateway


def sms(gateway, text: str, to: str = TO, reference: str | int = "17") -> str:
    return anyio.run(send, gateway, to, text, reference)


# Phone numbers

@pytest.mark.parametrize("typed", ["040 123 4567", "+358 40 1234567", "0401234567", "040-123 45 67",
                                   "(040) 123 4567", "00358401234567"])
def test_it_reads_a_mobile_number_as_people_type_it(typed):
    assert normal_phone(typed) == "+358401234567"


def test_it_reads_a_swedish_number_with_its_country_code_or_in_sweden():
    assert normal_phone("+46 70 123 45 67") == "+46701234567"
    assert normal_phone("070-123 45 67", region="SE") == "+46701234567"


@pytest.mark.parametrize("typed", ["", "12", "abc", "040 123", "040 123 4567 8901 2345"])
def test_it_refuses_what_is_not_a_phone_number(typed):
    with pytest.raises(Invalid) as refused:
        normal_phone(typed)
    assert refused.value.message == ("Check the phone number: it should look like 040 123 4567 or "
                                     "+358 40 123 4567.")


@pytest.mark.parametrize("typed", ["09 123 4567", "0800 12345"])  # a Helsinki landline, a free number
def test_it_refuses_a_number_that_cannot_take_a_text_message(typed):
    with pytest.raises(Invalid) as refused:
        normal_phone(typed)
    assert "mobile" in refused.value.message


# Encoding

def test_finnish_and_swedish_letters_stay_in_gsm_7():
    for text in (FINNISH, SWEDISH, "ÄÖÅäöå éü"):
        coding, parts = encode(text)
        assert coding == "gsm7" and len(parts) == 1
        assert len(parts[0]) == len(text)  # one septet a letter


def test_the_euro_sign_is_two_septets_of_gsm_7():
    coding, parts = encode("Maksu 5 €")
    assert coding == "gsm7"
    assert parts == [b"Maksu 5 \x1b\x65"]


@pytest.mark.parametrize("text", ["Šakki", "Kiitos 👍", "Привет"])
def test_a_letter_outside_gsm_7_sends_the_text_in_ucs_2(text):
    coding, parts = encode(text)
    assert coding == "ucs2"
    assert b"".join(parts).decode("utf-16-be") == text


def test_one_message_holds_160_septets_or_70_ucs_2_characters():
    assert [len(p) for p in encode("a" * 160)[1]] == [160]
    assert [len(p) for p in encode("a" * 161)[1]] == [153, 8]
    assert [len(p) for p in encode("a" * 159 + "€")[1]] == [153, 8]  # 161 septets
    assert [len(p) for p in encode("š" * 70)[1]] == [140]
    assert [len(p) for p in encode("š" * 71)[1]] == [134, 8]


def test_no_part_ends_in_the_middle_of_a_character():
    coding, parts = encode("a" * 152 + "€" + "b" * 10)  # the € would take septets 153 and 154
    assert coding == "gsm7" and parts[0] == b"a" * 152 and parts[1].startswith(b"\x1b\x65")
    coding, parts = encode("a" * 66 + "👍" + "b" * 10)  # the emoji would take units 67 and 68
    assert coding == "ucs2"
    assert [part.decode("utf-16-be") for part in parts] == ["a" * 66, "👍" + "b" * 10]


def test_it_refuses_a_text_longer_than_255_parts():
    with pytest.raises(ValueError):
        encode("a" * 153 * 255 + "a")


# SMPP

def test_a_finnish_and_a_swedish_text_arrive_intact_through_smpp(smsc):
    gateway = Gateway.from_url(smsc.url)
    assert sms(gateway, FINNISH) == "fake000001"
    assert sms(gateway, SWEDISH, to="+46701234567") == "fake000002"
    assert smsc.messages() == [("358401234567", FINNISH), ("46701234567", SWEDISH)]
    first = smsc.submits[0]
    assert (first.source, first.source_ton, first.dest_ton, first.data_coding, first.esm_class) == \
        ("Luukku", 5, 1, 0, 0)
    assert first.tlvs[0x0204] == (17).to_bytes(2, "big")  # user_message_reference: our outbox id
    assert smsc.binds == [("bind_transmitter", "luukku", "")] * 2
    assert smsc.unbinds == 2  # a connection of its own for each message


def test_a_long_finnish_text_goes_in_three_parts_that_join_to_the_same_text(smsc):
    assert 306 < len(LONG_FINNISH) <= 459
    message_id = sms(Gateway.from_url(smsc.url), LONG_FINNISH)
    assert smsc.messages() == [("358401234567", LONG_FINNISH)]
    assert len(smsc.submits) == 3 and message_id == smsc.submits[0].message_id
    assert [s.udh[1:] for s in smsc.submits] == [(3, 1), (3, 2), (3, 3)]
    assert len({s.udh[0] for s in smsc.submits}) == 1  # one reference for the three
    assert all(s.esm_class == 0x40 and len(s.short_message) <= 6 + 153 for s in smsc.submits)


@pytest.mark.parametrize("text", [
    "Maksu 5 € korttimaksuna. Tiski [3] {B}",
    "Šakkikerho kokoontuu tiskillä 3.",
    "Vuoronne on nyt 🎉 tiski 3",
    "a" * 152 + "€" + "ä" * 20,  # a part boundary on an extension character
    "ö" * 66 + "🙂" * 40,  # boundaries between emoji, never inside one
])
def test_euro_signs_and_emoji_arrive_intact_across_part_boundaries(smsc, text):
    sms(Gateway.from_url(smsc.url), text)
    assert smsc.messages() == [("358401234567", text)]
    for submit in smsc.submits:  # each part decodes on its own, as the phone decodes it
        decode_part(submit.data_coding, submit.payload)


def test_a_throttled_message_may_be_tried_again_and_then_goes(smsc):
    gateway = Gateway.from_url(smsc.url)
    smsc.throttle_next = 1
    with pytest.raises(SendFailed) as failed:
        sms(gateway, FINNISH)
    assert failed.value.retry is True and "0x58" in str(failed.value)
    sms(gateway, FINNISH)
    assert smsc.messages() == [("358401234567", FINNISH)]


def test_an_invalid_destination_is_not_tried_again(smsc):
    smsc.reject_destinations.add("358501234567")
    with pytest.raises(SendFailed) as failed:
        sms(Gateway.from_url(smsc.url), FINNISH, to="+358501234567")
    assert failed.value.retry is False and "0x0B" in str(failed.value)


def test_a_wrong_password_is_not_tried_again(smsc):
    smsc.password = "toinen"
    with pytest.raises(SendFailed) as failed:
        sms(Gateway.from_url(smsc.url.replace(":toinen@", ":vanha@")), FINNISH)
    assert failed.value.retry is False and "bind refused" in str(failed.value)
    assert smsc.submits == []


def test_an_smsc_that_does_not_answer_may_be_tried_again():
    with socket.socket() as listener:  # a closed port: connection refused
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    with pytest.raises(SendFailed) as failed:
        sms(Gateway.from_url(f"smpp://luukku:salasana@127.0.0.1:{port}"), FINNISH)
    assert failed.value.retry is True


def test_a_kept_connection_sends_many_messages_on_one_bind(smsc):
    with SmppSender(Gateway.from_url(smsc.url)) as sender:
        ids = [sms(sender, f"Vuoro {n}") for n in range(3)]
    assert ids == ["fake000001", "fake000002", "fake000003"]
    assert [text for _, text in smsc.messages()] == ["Vuoro 0", "Vuoro 1", "Vuoro 2"]
    assert len(smsc.binds) == 1 and smsc.unbinds == 1


def test_a_dropped_connection_may_be_tried_again_and_the_next_message_goes_on_a_new_one(smsc):
    with SmppSender(Gateway.from_url(smsc.url)) as sender:
        sms(sender, "Ensimmäinen")
        smsc.drop_next_submit = True
        with pytest.raises(SendFailed) as failed:
            sms(sender, "Pudotettu")
        assert failed.value.retry is True
        sms(sender, "Kolmas")
    assert [text for _, text in smsc.messages()] == ["Ensimmäinen", "Kolmas"]
    assert len(smsc.binds) == 2


def test_a_connection_closed_while_idle_is_opened_again_before_the_message(smsc):
    with SmppSender(Gateway.from_url(smsc.url)) as sender:
        sms(sender, "Ensimmäinen")
        smsc.stop()  # the SMSC goes away and comes back on the same port
        smsc.start()
        sms(sender, "Toinen")  # nothing lost, nothing to retry
    assert [text for _, text in smsc.messages()] == ["Ensimmäinen", "Toinen"]


def test_an_idle_connection_is_checked_with_enquire_link(smsc):
    with SmppSender(Gateway.from_url(smsc.url), keepalive_s=0) as sender:
        sms(sender, "Yksi")
        sms(sender, "Kaksi")
    assert smsc.enquire_links == 1 and len(smsc.binds) == 1


def test_delivery_receipts_on_a_transceiver_bind_are_acknowledged_and_kept(smsc):
    smsc.receipts = True
    seen = []
    gateway = Gateway.from_url(smsc.url + "&bind=transceiver")
    with SmppSender(gateway, on_receipt=seen.append) as sender:
        first = sms(sender, FINNISH)
        second = sms(sender, SWEDISH)
    assert smsc.binds == [("bind_transceiver", "luukku", "")]
    assert all(submit.registered_delivery == 1 for submit in smsc.submits)
    assert [(r.message_id, r.status) for r in sender.receipts] == [(first, "DELIVRD"), (second, "DELIVRD")]
    assert seen == list(sender.receipts)
    # A receipt that came in while the unbind was on its way is acknowledged after it: the SMSC's
    # thread records that answer a moment after the sender has closed.
    deadline = time.monotonic() + 5
    while len(smsc.deliver_sm_resps) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [status for _, status in smsc.deliver_sm_resps] == [0, 0]


def test_the_smsc_url_carries_the_sender_and_the_system_type():
    gateway = Gateway.from_url("smpp://user%40op:p%C3%A4ss@smsc.example.fi:2776?source=%2B358401112222"
                               "&system_type=VMA&bind=transceiver&timeout=3")
    assert gateway == SmppGateway(host="smsc.example.fi", port=2776, system_id="user@op", password="päss",
                                  source="+358401112222", system_type="VMA", bind="transceiver", timeout=3)
    assert "päss" not in repr(gateway)
    assert Gateway.from_url("smpp://u:p@smsc").port == 2775
    for bad in ("ftp://x", "smpp://smsc:2775", "smpp://u:p@smsc?bind=receiver", "smpp://u:p@smsc?sorce=x"):
        with pytest.raises(ValueError):
            Gateway.from_url(bad)


def test_the_sender_number_goes_as_an_international_number(smsc):
    sms(Gateway.from_url(smsc.url.replace("source=Luukku", "source=%2B358401112222")), FINNISH)
    assert (smsc.submits[0].source, smsc.submits[0].source_ton) == ("358401112222", 1)


# HTTP

def test_the_http_gateway_gets_the_json_and_the_authorization(http_gateway):
    gateway = Gateway.from_url(http_gateway.url, http_auth="Bearer s3cret")
    assert isinstance(gateway, HttpGateway)
    assert sms(gateway, FINNISH, reference="42") == "http-1"
    assert http_gateway.requests == [{
        "path": "/sms", "authorization": "Bearer s3cret", "content_type": "application/json",
        "body": {"to": TO, "from": "Luukku", "text": FINNISH, "reference": "42"},
    }]


def test_the_json_template_is_filled_without_breaking_the_json(http_gateway):
    template = '{"message": {"recipients": ["{to}"], "body": "{text}", "ref": "luukku-{reference}"}, "flash": false}'
    gateway = Gateway.from_url(http_gateway.url, http_body=template, sender="Kaupunki")
    text = 'Sano "hei" \\ {to} }{ ' + SWEDISH
    sms(gateway, text, reference="7")
    assert http_gateway.requests[0]["body"] == {
        "message": {"recipients": [TO], "body": text, "ref": "luukku-7"}, "flash": False}
    assert http_gateway.requests[0]["authorization"] is None
    assert http_body('{"n": 1, "s": ["{sender}"]}', sender="x") == {"n": 1, "s": ["x"]}


def test_a_bad_json_template_fails_when_read():
    with pytest.raises(ValueError):
        Gateway.from_url("https://sms.example.fi/send", http_body='{"to": {to}}')


def test_the_gateway_message_id_or_our_reference_is_returned(http_gateway):
    gateway = Gateway.from_url(http_gateway.url)
    http_gateway.reply = {"message_id": 123}
    assert sms(gateway, "a", reference="5") == "123"
    http_gateway.reply = None  # 202, no body
    assert sms(gateway, "a", reference="6") == "6"
    assert sms(gateway, "a", reference=7) == "7"  # an outbox row's id as it comes
    assert http_gateway.requests[-1]["body"]["reference"] == "7"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_busy_or_broken_http_gateway_may_be_tried_again(http_gateway, status):
    http_gateway.fail_next = [status]
    with pytest.raises(SendFailed) as failed:
        sms(Gateway.from_url(http_gateway.url), FINNISH)
    assert failed.value.retry is True and str(status) in str(failed.value)
    assert sms(Gateway.from_url(http_gateway.url), FINNISH) == "http-2"


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_a_refused_http_request_is_not_tried_again(http_gateway, status):
    http_gateway.fail_next = [status]
    with pytest.raises(SendFailed) as failed:
        sms(Gateway.from_url(http_gateway.url), FINNISH)
    assert failed.value.retry is False


def test_an_http_gateway_that_does_not_answer_may_be_tried_again():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    with pytest.raises(SendFailed) as failed:
        sms(Gateway.from_url(f"http://127.0.0.1:{port}/sms"), FINNISH)
    assert failed.value.retry is True


# The fakes themselves

def test_the_fakes_leave_no_threads_or_ports_behind():
    before = set(threading.enumerate())
    with FakeSmsc() as smsc, FakeHttpGateway() as http_gateway:
        with SmppSender(Gateway.from_url(smsc.url)) as sender:
            sms(sender, "Hei")  # a connection still open when the SMSC stops
            smsc.stop()
            port = smsc.port
        sms(Gateway.from_url(http_gateway.url), "Hei")
    left = [t for t in set(threading.enumerate()) - before if not t.name.startswith("AnyIO")]
    assert left == []
    with socket.socket() as probe:  # nobody listens on the SMSC's port any more
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()
