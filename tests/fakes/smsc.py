"""Local stand-ins for the two kinds of SMS gateway, on 127.0.0.1, for the tests and the benchmark:

- ``FakeSmsc``: an SMSC speaking SMPP 3.4 (written here with struct: smpplib is a client library).
  It decodes what it receives the way a phone does, each part on its own (GSM-7 unpacked septets
  with data_coding 0, UTF-16-BE with 8), and joins the parts by their UDH: ``messages()``.
- ``FakeHttpGateway``: an HTTP gateway that keeps each JSON body and Authorization header.

Both run in threads of their own: ``start()``/``stop()``, or ``with FakeSmsc() as smsc:``. ``stop()``
closes every connection and joins every thread it started.
"""

import itertools
import json
import socket
import socketserver
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from smpplib.gsm import GSM_CHARACTER_TABLE

from tests.fakes.local_http import LocalHttpServer

# Decoding uses smpplib's GSM table, not server/sms.py's, so that the two check each other; smpplib
# has "`" at 0x5F where GSM 03.38 has "§".
GSM_BASIC = GSM_CHARACTER_TABLE[:0x5F] + "§" + GSM_CHARACTER_TABLE[0x60:0x80]
GSM_EXTENSION = {index - 0x80: char for index, char in enumerate(GSM_CHARACTER_TABLE)
                 if index >= 0x80 and char != "`"}

BIND_TRANSMITTER, BIND_TRANSCEIVER, SUBMIT_SM, DELIVER_SM = 0x02, 0x09, 0x04, 0x05
UNBIND, ENQUIRE_LINK, GENERIC_NACK, RESP = 0x06, 0x15, 0x80000000, 0x80000000
ROK, RINVCMDID, RINVBNDSTS, RINVDSTADR, RBINDFAIL, RTHROTTLED = 0x00, 0x03, 0x04, 0x0B, 0x0D, 0x58


def gsm_decode(septets: bytes) -> str:
    """Unpacked GSM 03.38 septets (one an octet) as text; an escape without its character fails."""
    text, escaped = [], False
    for septet in septets:
        if escaped:
            text.append(GSM_EXTENSION[septet])
            escaped = False
        elif septet == 0x1B:
            escaped = True
        else:
            text.append(GSM_BASIC[septet])
    if escaped:
        raise ValueError("a part ends in the middle of an extension character")
    return "".join(text)


def decode_part(data_coding: int, payload: bytes) -> str:
    if data_coding == 0x00:
        return gsm_decode(payload)
    if data_coding == 0x08:
        return payload.decode("utf-16-be")  # strict: half a surrogate pair fails
    raise ValueError(f"data_coding {data_coding} is not expected from Luukku")


@dataclass
class Submit:
    """One submit_sm as the SMSC received it."""

    destination: str
    source: str
    source_ton: int
    dest_ton: int
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes
    tlvs: dict[int, bytes] = field(default_factory=dict)
    status: int | None = None  # of the submit_sm_resp; None: no answer (the connection was dropped)
    message_id: str = ""

    @property
    def udh(self) -> tuple[int, int, int] | None:
        """(reference, count, number) of a concatenated message's part."""
        if not self.esm_class & 0x40:
            return None
        header = self.short_message[1:1 + self.short_message[0]]
        assert header[:2] == b"\x00\x03", header  # IEI 0x00: concatenation, 8-bit reference
        return header[2], header[3], header[4]

    @property
    def payload(self) -> bytes:
        return self.short_message[1 + self.short_message[0]:] if self.esm_class & 0x40 else self.short_message


def _cstring(body: bytes, pos: int) -> tuple[str, int]:
    end = body.index(b"\0", pos)
    return body[pos:end].decode("latin-1"), end + 1


def _pdu(command_id: int, status: int, sequence: int, body: bytes = b"") -> bytes:
    return struct.pack(">IIII", 16 + len(body), command_id, status, sequence) + body


def parse_submit(body: bytes) -> Submit:
    _service_type, pos = _cstring(body, 0)
    source_ton, _npi = body[pos], body[pos + 1]
    source, pos = _cstring(body, pos + 2)
    dest_ton, _npi = body[pos], body[pos + 1]
    destination, pos = _cstring(body, pos + 2)
    esm_class = body[pos]
    _schedule, pos = _cstring(body, pos + 3)  # after protocol_id and priority_flag
    _validity, pos = _cstring(body, pos)
    registered_delivery, data_coding, sm_length = body[pos], body[pos + 2], body[pos + 4]
    short_message = body[pos + 5:pos + 5 + sm_length]
    pos += 5 + sm_length
    tlvs = {}
    while pos < len(body):
        tag, length = struct.unpack(">HH", body[pos:pos + 4])
        tlvs[tag] = body[pos + 4:pos + 4 + length]
        pos += 4 + length
    return Submit(destination, source, source_ton, dest_ton, data_coding, esm_class, registered_delivery,
                  short_message, tlvs)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # stop() and start() again on the same port, as an SMSC restarts
    daemon_threads = False  # server_close() joins the connections' threads


class FakeSmsc:
    """An SMSC on 127.0.0.1 (port 0: a free one, read back in ``port``)."""

    def __init__(self, system_id: str = "luukku", password: str = "salasana", port: int = 0):
        self.system_id = system_id
        self.password = password
        self.port = port
        self.lock = threading.Lock()
        # What it saw
        self.binds: list[tuple[str, str, str]] = []  # (bind_transmitter|bind_transceiver, system_id, system_type)
        self.submits: list[Submit] = []
        self.deliver_sm_resps: list[tuple[int, int]] = []  # (sequence, status)
        self.unbinds = 0
        self.enquire_links = 0
        # Behaviours the test switches on
        self.throttle_next = 0  # answer this many submits with ESME_RTHROTTLED
        self.drop_next_submit = False  # close the connection on the next submit, without an answer
        self.receipts = False  # a delivery receipt after each submit (on a transceiver bind)
        self.reject_destinations: set[str] = set()  # ESME_RINVDSTADR for these (no "+")
        self._ids = itertools.count(1)
        self._connections: set[socket.socket] = set()
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"smpp://{self.system_id}:{self.password}@127.0.0.1:{self.port}?source=Luukku"

    def start(self) -> "FakeSmsc":
        smsc = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                with smsc.lock:
                    smsc._connections.add(self.request)
                try:
                    smsc._serve(self.request)
                finally:
                    with smsc.lock:
                        smsc._connections.discard(self.request)

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-smsc",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        with self.lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> "FakeSmsc":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def messages(self) -> list[tuple[str, str]]:
        """(destination, text) of each message accepted, its parts joined, in the order received."""
        with self.lock:
            accepted = [submit for submit in self.submits if submit.status == ROK]
        done, pending = [], {}
        for submit in accepted:
            if submit.udh is None:
                done.append((submit.destination, decode_part(submit.data_coding, submit.payload)))
                continue
            reference, count, number = submit.udh
            key = (submit.destination, reference, count)
            parts = pending.setdefault(key, {})
            parts[number] = decode_part(submit.data_coding, submit.payload)
            if len(parts) == count:
                done.append((submit.destination, "".join(parts[n] for n in range(1, count + 1))))
                del pending[key]
        return done

    # One connection

    def _serve(self, connection: socket.socket) -> None:
        bound_as = None
        sequences = itertools.count(1)
        while True:
            header = _read(connection, 16)
            if header is None:
                return
            length, command_id, _status, sequence = struct.unpack(">IIII", header)
            body = _read(connection, length - 16) if length > 16 else b""
            if body is None:
                return
            if command_id in (BIND_TRANSMITTER, BIND_TRANSCEIVER):
                system_id, pos = _cstring(body, 0)
                password, pos = _cstring(body, pos)
                system_type, _pos = _cstring(body, pos)
                name = "bind_transmitter" if command_id == BIND_TRANSMITTER else "bind_transceiver"
                with self.lock:
                    self.binds.append((name, system_id, system_type))
                if (system_id, password) == (self.system_id, self.password):
                    bound_as = command_id
                    connection.sendall(_pdu(command_id | RESP, ROK, sequence, b"FakeSMSC\0"))
                else:
                    connection.sendall(_pdu(command_id | RESP, RBINDFAIL, sequence))
            elif command_id == SUBMIT_SM:
                if bound_as is None:
                    connection.sendall(_pdu(SUBMIT_SM | RESP, RINVBNDSTS, sequence))
                    continue
                submit = parse_submit(body)
                with self.lock:
                    self.submits.append(submit)
                    if self.drop_next_submit:
                        self.drop_next_submit = False
                        connection.shutdown(socket.SHUT_RDWR)
                        return
                    if self.throttle_next:
                        self.throttle_next -= 1
                        submit.status = RTHROTTLED
                    elif submit.destination in self.reject_destinations or not submit.destination.isdigit():
                        submit.status = RINVDSTADR
                    else:
                        submit.status = ROK
                        submit.message_id = f"fake{next(self._ids):06d}"
                    receipt = self.receipts and bound_as == BIND_TRANSCEIVER and submit.status == ROK
                body = (submit.message_id + "\0").encode() if submit.status == ROK else b""
                connection.sendall(_pdu(SUBMIT_SM | RESP, submit.status, sequence, body))
                if receipt and submit.registered_delivery & 1:
                    connection.sendall(_pdu(DELIVER_SM, ROK, 0x40000000 + next(sequences), _receipt(submit)))
            elif command_id == DELIVER_SM | RESP:
                with self.lock:
                    self.deliver_sm_resps.append((sequence, _status))
            elif command_id == ENQUIRE_LINK:
                with self.lock:
                    self.enquire_links += 1
                connection.sendall(_pdu(ENQUIRE_LINK | RESP, ROK, sequence))
            elif command_id == UNBIND:
                with self.lock:
                    self.unbinds += 1
                connection.sendall(_pdu(UNBIND | RESP, ROK, sequence))
                bound_as = None  # and reads on until the client closes: a late deliver_sm_resp counts
            elif not command_id & RESP:
                connection.sendall(_pdu(GENERIC_NACK, RINVCMDID, sequence))


def _read(connection: socket.socket, size: int) -> bytes | None:
    """``size`` bytes, or None when the client closed the connection (or stop() shut it down)."""
    data = b""
    while len(data) < size:
        try:
            chunk = connection.recv(size - len(data))
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


def _receipt(submit: Submit) -> bytes:
    """A deliver_sm body: the delivery receipt (esm_class 0x04) of ``submit``, text and TLVs."""
    text = (f"id:{submit.message_id} sub:001 dlvrd:001 submit date:2611201200 done date:2611201200 "
            f"stat:DELIVRD err:000 text:").encode()
    source = submit.destination.encode()
    destination = submit.source.encode()
    body = (b"\0" + bytes([1, 1]) + source + b"\0" + bytes([submit.source_ton, 0]) + destination + b"\0"
            + bytes([0x04, 0, 0]) + b"\0\0" + bytes([0, 0, 0, 0, len(text)]) + text)
    receipted = submit.message_id.encode() + b"\0"
    body += struct.pack(">HH", 0x001E, len(receipted)) + receipted
    body += struct.pack(">HHB", 0x0427, 1, 2)  # message_state DELIVERED
    return body


class FakeHttpGateway(LocalHttpServer):
    """An HTTP SMS gateway on 127.0.0.1: keeps each request's JSON body and Authorization header and
    answers 200 {"id": "http-N"}, or ``reply`` (a dict, or None for an empty 202), or the statuses
    queued in ``fail_next``."""

    name = "fake-http-sms"

    def __init__(self, port: int = 0):
        super().__init__(port)
        self.lock = threading.Lock()
        self.requests: list[dict] = []  # {"path", "authorization", "content_type", "body"}
        self.fail_next: list[int] = []
        self.reply: dict | None | str = "id"
        self._ids = itertools.count(1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sms"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with gateway.lock:
                    gateway.requests.append({
                        "path": self.path, "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers.get("Content-Type"), "body": json.loads(raw or b"null"),
                    })
                    status = gateway.fail_next.pop(0) if gateway.fail_next else None
                    reply = {"id": f"http-{next(gateway._ids)}"} if gateway.reply == "id" else gateway.reply
                if status is not None:
                    self._answer(status, {"error": "as the test asked"})
                elif reply is None:
                    self._answer(202, None)
                else:
                    self._answer(200, reply)

            def _answer(self, status, content):
                data = b"" if content is None else json.dumps(content).encode()
                self.send_response(status)
                if content is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass  # quiet

        return Handler
