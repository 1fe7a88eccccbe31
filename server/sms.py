"""Queue notifications by SMS (issue 19): one text message to one phone, through the operator's SMSC
(SMPP 3.4) or through an HTTP gateway, chosen by one setting: ``Gateway.from_url(url)``.

The texts are Finnish, Swedish or English. GSM 03.38 7-bit holds ä, ö, å, é and ü, so most of them go
as GSM-7 (160 characters in one message); a character outside GSM-7 (š, an emoji) sends the whole
message as UCS-2 (70). A longer message goes in parts that the phone joins (a UDH in each part); no
part ends in the middle of a character, neither an extension character (€, two septets) nor an emoji
(a UTF-16 surrogate pair).

``send`` raises ``SendFailed``; its ``retry`` says whether the same message may go through later
(the network, a busy SMSC) or never will (a bad number, a bad password): the caller keeps the first
in its outbox and gives up on the second.
"""

import json
import logging
import random
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

import anyio
import smpplib.client
import smpplib.consts as C
import smpplib.exceptions
import smpplib.smpp

from server.errors import N_, Invalid

if TYPE_CHECKING:  # httpx is loaded by http_client(), where it is used, not by every worker at its start
    import httpx

log = logging.getLogger("luukku.sms")

# --- Phone numbers ---------------------------------------------------------------------------------

def normal_phone(text: str, region: str = "FI") -> str:
    """The number as people type it ("040 123 4567", "+358 40 1234567") in E.164: "+358401234567"."""
    import phonenumbers  # noqa: PLC0415 (loaded with the first number given, not at every worker's start)

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Invalid(N_("Check the phone number: it should look like 040 123 4567 or +358 40 123 4567."))
    if phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise Invalid(N_("This is not a mobile number: text messages can only go to a mobile phone."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- Encoding: GSM 03.38 7-bit or UCS-2 ------------------------------------------------------------

# Our own table, not smpplib.gsm's: its table has "`" where GSM has "§" (a backtick would arrive as
# "§"), and its make_parts splits between the escape and an extension character, and between the
# halves of a surrogate pair. 0x1B is the escape to the extension table, never a character itself.
GSM7_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x00ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
              "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D, "]": 0x3E,
                  "|": 0x40, "€": 0x65}
_GSM7 = {char: bytes([code]) for code, char in enumerate(GSM7_BASIC) if code != 0x1B}
_GSM7 |= {char: bytes([0x1B, code]) for char, code in GSM7_EXTENSION.items()}

# (one message, one part of a longer message): septets for GSM-7, UTF-16 code units for UCS-2. A part
# gives 6 octets to its UDH (+1 fill bit in GSM-7: 7 septets).
_LIMITS = {"gsm7": (160, 153), "ucs2": (70, 67)}
MAX_PARTS = 255  # the UDH counts parts in one octet


def encode(text: str) -> tuple[str, list[bytes]]:
    """("gsm7" or "ucs2", the payload of each part without its UDH).

    GSM-7 payloads are unpacked, one septet an octet (an extension character is 0x1B and its code):
    what SMPP's data_coding 0 means at most SMSCs, which pack the septets themselves. UCS-2 payloads
    are UTF-16-BE (an emoji is a surrogate pair, two units)."""
    if all(char in _GSM7 for char in text):
        coding, units = "gsm7", [_GSM7[char] for char in text]
    else:
        coding, units = "ucs2", [char.encode("utf-16-be") for char in text]
    width = 1 if coding == "gsm7" else 2  # octets of one septet or one UTF-16 unit
    single, part_size = _LIMITS[coding]
    if sum(len(unit) for unit in units) // width <= single:
        return coding, [b"".join(units)]
    parts, current, used = [], [], 0
    for unit in units:  # a character's units stay together in one part
        size = len(unit) // width
        if used + size > part_size:
            parts.append(b"".join(current))
            current, used = [], 0
        current.append(unit)
        used += size
    parts.append(b"".join(current))
    if len(parts) > MAX_PARTS:
        raise ValueError(f"a text of {len(text)} characters does not fit in {MAX_PARTS} SMS parts")
    return coding, parts


_DATA_CODING = {"gsm7": 0x00, "ucs2": 0x08}


def _with_udh(parts: list[bytes]) -> tuple[int, list[bytes]]:
    """(esm_class, the short_message of each part): a long message's parts get the concatenation UDH
    (IEI 0x00: 8-bit reference, count, sequence number), with the UDHI bit set in esm_class."""
    if len(parts) == 1:
        return C.SMPP_MSGMODE_DEFAULT, parts
    reference = random.randrange(256)
    return C.SMPP_GSMFEAT_UDHI, [bytes([0x05, 0x00, 0x03, reference, len(parts), n]) + payload
                                 for n, payload in enumerate(parts, start=1)]


# --- Gateways ----------------------------------------------------------------------------------------

class SendFailed(Exception):
    """The message did not go. ``retry``: whether sending it again later may work."""

    def __init__(self, message: str, retry: bool):
        super().__init__(message)
        self.retry = retry


DEFAULT_HTTP_BODY = '{"to": "{to}", "from": "{sender}", "text": "{text}", "reference": "{reference}"}'


class Gateway:
    """The SMS gateway of one setting; ``from_url`` gives an ``SmppGateway`` or an ``HttpGateway``."""

    @staticmethod
    def from_url(url: str, http_auth: str = "", http_body: str = "",
                 sender: str = "Luukku") -> "SmppGateway | HttpGateway":
        """``smpp://system_id:password@host:port?source=Luukku&system_type=&bind=transceiver&timeout=10``
        or the HTTP gateway's ``http(s)://`` address; ``http_auth`` is its Authorization header
        ("Bearer …"), ``http_body`` its JSON with the placeholders {to}, {text}, {sender} and
        {reference}. ``sender`` is the HTTP gateway's {sender}, and the SMSC's unless ?source= says."""
        parts = urlsplit(url.strip())
        if parts.scheme == "smpp":
            query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
            unknown = set(query) - {"source", "system_type", "bind", "timeout"}
            if unknown:
                raise ValueError(f"SMS gateway URL: unknown setting {', '.join(sorted(unknown))}")
            bind = query.get("bind", "transmitter")
            if bind not in ("transmitter", "transceiver"):
                raise ValueError("SMS gateway URL: bind must be transmitter or transceiver")
            if not parts.hostname or not parts.username:
                raise ValueError("SMS gateway URL: smpp://system_id:password@host:port is needed")
            return SmppGateway(
                host=parts.hostname, port=parts.port or 2775, system_id=unquote(parts.username),
                password=unquote(parts.password or ""), source=query.get("source") or sender,
                system_type=query.get("system_type", ""), bind=bind, timeout=float(query.get("timeout", 10)),
            )
        if parts.scheme in ("http", "https") and parts.hostname:
            body = json.loads(http_body or DEFAULT_HTTP_BODY)  # a bad template fails here, at start-up
            return HttpGateway(url=url.strip(), auth=http_auth, body=json.dumps(body), sender=sender)
        raise ValueError("SMS gateway URL: it should begin with smpp://, http:// or https://")


@dataclass(frozen=True)
class SmppGateway(Gateway):
    host: str
    port: int
    system_id: str
    password: str = field(repr=False)
    source: str = "Luukku"
    system_type: str = ""
    bind: str = "transmitter"  # "transceiver": delivery receipts come back on the same connection
    timeout: float = 10


@dataclass(frozen=True)
class HttpGateway(Gateway):
    url: str
    auth: str = field(default="", repr=False)
    body: str = DEFAULT_HTTP_BODY  # the JSON template
    sender: str = "Luukku"
    timeout: float = 10


def http_body(template: str, **values: str) -> object:
    """The template's JSON with each placeholder in its string values replaced: the values never
    become JSON syntax, whatever quotes or braces they hold."""
    def fill(node):
        if isinstance(node, str):
            for name, value in values.items():
                node = node.replace("{" + name + "}", value)
            return node
        if isinstance(node, dict):
            return {key: fill(value) for key, value in node.items()}
        if isinstance(node, list):
            return [fill(value) for value in node]
        return node

    return fill(json.loads(template))


def http_client() -> "httpx.AsyncClient":
    """A client to keep for many messages to an HTTP gateway (``async with sms.http_client() as c``):
    its connections are kept alive, where a client per message took ~35 ms each on the event loop.
    httpx is loaded here, not by every worker at its start (docs/PERFORMANCE.md)."""
    import httpx  # noqa: PLC0415

    return httpx.AsyncClient(limits=httpx.Limits(max_connections=20, max_keepalive_connections=20))


async def send(gateway: "SmppGateway | HttpGateway | SmppSender", to: str, text: str, reference: str | int,
               client: "httpx.AsyncClient | None" = None) -> str:
    """Sends ``text`` to ``to`` (E.164, from ``normal_phone``); returns the gateway's message id.
    An ``SmppGateway`` gets a connection of its own for this one message; an ``SmppSender`` keeps
    its connection for the next; an HTTP gateway uses ``client`` (``http_client()``) if given."""
    reference = str(reference)  # an outbox row's id may come as an int
    if isinstance(gateway, HttpGateway):
        if client is not None:
            return await _send_http(gateway, to, text, reference, client)
        async with http_client() as own:
            return await _send_http(gateway, to, text, reference, own)
    if isinstance(gateway, SmppGateway):
        return await anyio.to_thread.run_sync(_submit_once, gateway, to, text, reference)
    return await anyio.to_thread.run_sync(gateway.submit, to, text, reference)


def _submit_once(gateway: "SmppGateway", to: str, text: str, reference: str) -> str:
    with SmppSender(gateway) as sender:  # connect, bind, submit, unbind, close
        return sender.submit(to, text, reference)


# --- HTTP ----------------------------------------------------------------------------------------------

async def _send_http(gateway: HttpGateway, to: str, text: str, reference: str, client: "httpx.AsyncClient") -> str:
    import httpx  # noqa: PLC0415 (already loaded by http_client)

    body = http_body(gateway.body, to=to, text=text, sender=gateway.sender, reference=reference)
    headers = {"Authorization": gateway.auth} if gateway.auth else {}
    try:
        response = await client.post(gateway.url, json=body, headers=headers, timeout=gateway.timeout)
    except httpx.TransportError as exc:  # refused, dropped, timed out
        raise SendFailed(f"SMS gateway {gateway.url}: {exc!r}", retry=True) from exc
    if not response.is_success:
        retry = response.status_code in (408, 429) or response.status_code >= 500
        raise SendFailed(f"SMS gateway {gateway.url}: HTTP {response.status_code} {response.text[:200]}",
                         retry=retry)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        for key in ("id", "message_id"):
            if answer.get(key) not in (None, ""):
                return str(answer[key])
    return reference


# --- SMPP ----------------------------------------------------------------------------------------------

# Statuses after which the same message may go through later; any other refusal is final
# (ESME_RINVDSTADR, ESME_RBINDFAIL, ESME_RINVPASWD, ...).
SMPP_RETRY = {C.SMPP_ESME_RTHROTTLED, C.SMPP_ESME_RMSGQFUL, C.SMPP_ESME_RSYSERR, 0x64}  # 0x64: RX_T_APPN


SMSC_DELIVERY_RECEIPT = 0x04  # esm_class message type (bits 5-2) of a deliver_sm that is a receipt


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt: the SMSC's message id and its final state ("DELIVRD", "UNDELIV", ...)."""

    message_id: str
    status: str


_RECEIPT = re.compile(rb"id:(?P<id>\S+).*?stat:(?P<stat>\w+)", re.S)


def _address(number: str) -> tuple[int, int, str]:
    """(TON, NPI, address) of a sender or a destination."""
    if number.startswith("+"):
        return C.SMPP_TON_INTL, C.SMPP_NPI_ISDN, number[1:]
    if number.isdigit():
        return C.SMPP_TON_UNK, C.SMPP_NPI_ISDN, number
    return C.SMPP_TON_ALNUM, C.SMPP_NPI_UNK, number  # "Luukku"


class _Dropped(Exception):
    """The connection went away."""


class SmppSender:
    """One bound SMPP connection, kept from one message to the next and opened again after it was
    dropped. Blocking (smpplib): call ``submit`` from a thread (``send`` does); a lock lets one
    message through at a time.

    Delivery receipts (a transceiver bind) are acknowledged as they come, while a message is sent or
    in ``poll``, and kept in ``receipts`` (the last 1000) and given to ``on_receipt``."""

    def __init__(self, gateway: SmppGateway, on_receipt: Callable[[Receipt], None] | None = None,
                 keepalive_s: float = 30):
        self.gateway = gateway
        self.on_receipt = on_receipt
        self.keepalive_s = keepalive_s  # idle longer than this: enquire_link before the next message
        self.receipts: deque[Receipt] = deque(maxlen=1000)
        self._client: smpplib.client.Client | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    def __enter__(self) -> "SmppSender":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def submit(self, to: str, text: str, reference: str) -> str:
        """Sends every part of ``text``; the message id of the first part."""
        if not to.startswith("+"):
            raise ValueError("the destination must be in E.164 (normal_phone gives it)")
        coding, payloads = encode(text)
        esm_class, short_messages = _with_udh(payloads)
        dest_ton, dest_npi, destination = _address(to)
        source_ton, source_npi, source = _address(self.gateway.source)
        extra = {}
        receipts = (C.SMPP_SMSC_DELIVERY_RECEIPT_BOTH if self.gateway.bind == "transceiver"
                    else C.SMPP_SMSC_DELIVERY_RECEIPT_NONE)
        if reference.isdigit() and int(reference) < 0x10000:  # a 16-bit field: only when it fits
            extra["user_message_reference"] = int(reference)
        with self._lock:
            client = self._connected()
            message_ids = []
            try:
                for short_message in short_messages:
                    pdu = client.send_message(
                        source_addr_ton=source_ton, source_addr_npi=source_npi, source_addr=source,
                        dest_addr_ton=dest_ton, dest_addr_npi=dest_npi, destination_addr=destination,
                        esm_class=esm_class, data_coding=_DATA_CODING[coding], short_message=short_message,
                        registered_delivery=receipts, **extra,
                    )
                    resp = self._read_until(client, "submit_sm_resp", pdu.sequence)
                    if resp.is_error():
                        raise SendFailed(f"SMSC {self.gateway.host}: {_describe(resp.status)}",
                                         retry=resp.status in SMPP_RETRY)
                    message_ids.append((resp.message_id or b"").decode("ascii", "replace"))
            except (_Dropped, smpplib.exceptions.ConnectionError, OSError) as exc:
                self._discard()
                raise SendFailed(f"SMSC {self.gateway.host}:{self.gateway.port}: the connection was lost "
                                 f"({exc!r})", retry=True) from exc
            self._last_used = time.monotonic()
            return message_ids[0]

    def poll(self) -> None:
        """Acknowledges what the SMSC has sent meanwhile (receipts, enquire_link)."""
        with self._lock:
            if self._client is not None:
                try:
                    self._drain(self._client)
                except (_Dropped, smpplib.exceptions.ConnectionError, OSError):
                    self._discard()

    def close(self) -> None:
        """Unbinds (acknowledging what comes before the unbind_resp) and closes."""
        with self._lock:
            client, self._client = self._client, None
            if client is None:
                return
            try:
                self._drain(client)
                pdu = smpplib.smpp.make_pdu("unbind", client=client)
                client.send_pdu(pdu)
                self._read_until(client, "unbind_resp", pdu.sequence)
            except (_Dropped, smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError):
                pass  # closing anyway
            finally:
                _disconnect(client)

    # The connection

    def _connected(self) -> smpplib.client.Client:
        """The bound connection: the kept one if the SMSC still answers on it, else a new one. Nothing
        of a message has been sent yet, so finding the old one dead costs no duplicate."""
        if self._client is not None:
            try:
                self._drain(self._client)
                if time.monotonic() - self._last_used > self.keepalive_s:
                    pdu = smpplib.smpp.make_pdu("enquire_link", client=self._client)
                    self._client.send_pdu(pdu)
                    self._read_until(self._client, "enquire_link_resp", pdu.sequence)
                return self._client
            except (_Dropped, smpplib.exceptions.ConnectionError, OSError):
                self._discard()
        gateway = self.gateway
        client = smpplib.client.Client(gateway.host, gateway.port, timeout=gateway.timeout,
                                       logger_name="luukku.sms.smpp", allow_unknown_opt_params=True)
        try:
            client.connect()
            bind = client.bind_transceiver if gateway.bind == "transceiver" else client.bind_transmitter
            bind(system_id=gateway.system_id, password=gateway.password, system_type=gateway.system_type)
        except smpplib.exceptions.PDUError as exc:
            _disconnect(client)
            status = exc.args[1] if len(exc.args) > 1 else None
            raise SendFailed(f"SMSC {gateway.host}: bind refused: {_describe(status)}",
                             retry=status in SMPP_RETRY) from exc
        except (smpplib.exceptions.ConnectionError, OSError) as exc:
            _disconnect(client)
            raise SendFailed(f"SMSC {gateway.host}:{gateway.port}: cannot connect ({exc!r})", retry=True) from exc
        self._client = client
        self._last_used = time.monotonic()
        return client

    def _discard(self) -> None:
        if self._client is not None:
            log.info("SMSC %s:%s: connection lost", self.gateway.host, self.gateway.port)
            _disconnect(self._client)
            self._client = None

    def _read_until(self, client: smpplib.client.Client, command: str, sequence: int):
        """Reads PDUs until the response ``command`` to ``sequence``, answering the SMSC's own requests
        on the way."""
        while True:
            pdu = client.read_pdu()
            if pdu.command == command and pdu.sequence == sequence:
                return pdu
            if pdu.command == "generic_nack" and pdu.sequence == sequence:
                raise SendFailed(f"SMSC {self.gateway.host}: {_describe(pdu.status)}", retry=False)
            self._answer(client, pdu)

    def _drain(self, client: smpplib.client.Client) -> None:
        """Answers what is waiting on the socket without blocking; _Dropped if the SMSC closed it."""
        sock = client._socket
        while True:
            sock.setblocking(False)
            try:
                waiting = sock.recv(1, socket.MSG_PEEK)
            except (BlockingIOError, InterruptedError):
                return
            finally:
                sock.settimeout(client.timeout)
            if not waiting:
                raise _Dropped("closed by the SMSC")
            self._answer(client, client.read_pdu())

    def _answer(self, client: smpplib.client.Client, pdu) -> None:
        if pdu.command == "deliver_sm":
            client.send_pdu(_response("deliver_sm_resp", client, pdu))
            if (pdu.esm_class or 0) & 0x3C == SMSC_DELIVERY_RECEIPT:
                self._receipt(pdu)
        elif pdu.command == "enquire_link":
            client.send_pdu(_response("enquire_link_resp", client, pdu))
        elif pdu.command == "unbind":
            client.send_pdu(_response("unbind_resp", client, pdu))
            raise _Dropped("unbound by the SMSC")
        else:
            log.debug("SMSC %s: ignored %s", self.gateway.host, pdu.command)

    def _receipt(self, pdu) -> None:
        found = _RECEIPT.search(pdu.short_message or b"")
        message_id = getattr(pdu, "receipted_message_id", None) or (found and found["id"]) or b""
        status = found["stat"].decode("ascii", "replace") if found else "UNKNOWN"
        receipt = Receipt(message_id.decode("ascii", "replace").rstrip("\x00"), status)
        self.receipts.append(receipt)
        if self.on_receipt is not None:
            try:
                self.on_receipt(receipt)
            except Exception:
                log.exception("SMS receipt handler")


def _disconnect(client: smpplib.client.Client) -> None:
    # Closing a connection that is dead or never got bound: smpplib would warn that it is "bound".
    client.state = C.SMPP_CLIENT_STATE_OPEN
    client.disconnect()


def _response(command: str, client: smpplib.client.Client, request):
    resp = smpplib.smpp.make_pdu(command, client=client)
    resp.sequence = request.sequence
    return resp


def _describe(status: int | None) -> str:
    if status is None:
        return "refused"
    return f"{C.DESCRIPTIONS.get(status, 'error')} (0x{status:02X})"
