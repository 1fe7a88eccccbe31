"""The printer agent's websocket: a kiosk PC's agent takes its printer's jobs from here.

Protocol (JSON text frames; docs/printers.md has it for people):

    agent  -> server   connect to /printers/agent with ``Authorization: Bearer <device token>``
    server -> agent    {"type": "job", "id": ID, "name": NAME, "data": BASE64 ESC/POS, "preview": TEXT}
    agent  -> server   {"type": "done", "id": ID, "outcome": "printed" | "not_printed" | "uncertain",
                        "error": TEXT | null, "status": STATUS}
    agent  -> server   {"type": "status", "status": STATUS}   (on connect and whenever it changes)

STATUS is {"condition": one of printers.transports.CONDITIONS}. The server sends one job at a time
and waits for its "done". On connect it first sends again the jobs it sent before without an
answer: the agent's journal knows whether they printed, so none prints twice. A refused or revoked
token closes the socket with code 4401; a newer connection with the same token closes the older one
with 4409.
"""

import base64
import json
import logging

import anyio
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from printers import jobs
from printers.transports import CONDITIONS
from server.db import run_read, run_write
from server.models import Printer, PrintJob, utcnow

log = logging.getLogger("luukku.printers")

# An agent that has not answered for a job in this long is treated as gone: it reconnects.
ANSWER_TIMEOUT_S = 60
# How often the connection looks for jobs, besides waking for a new one; and rechecks the token.
POLL_S = 1.0
OUTCOMES = ("printed", "not_printed", "uncertain")


def _bearer(websocket: WebSocket) -> str:
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _job_message(session, job: PrintJob, public_url: str) -> dict:
    rendered = jobs.render_job(session, job, public_url)
    return {"type": "job", "id": job.id, "name": rendered.name,
            "data": base64.b64encode(rendered.data).decode("ascii"), "preview": rendered.preview}


def _next_job(session, printer_id: int, resend: list[str], public_url: str) -> dict | None:
    while resend:
        job = session.get(PrintJob, resend.pop(0))
        if job is not None and job.state == "sent":
            return _job_message(session, job, public_url)
    while True:
        job = jobs.claim_due(session, printer_id, utcnow())
        if job is None:
            return None
        if not jobs.fail_ended_visit(session, job, utcnow()):
            return _job_message(session, job, public_url)


async def agent_socket(websocket: WebSocket) -> None:
    db = websocket.app.state.db
    public_url = websocket.app.state.settings.public_url
    token = _bearer(websocket)
    found = await run_write(db, jobs.agent_printer, token, utcnow())
    # Accepted first, so that the agent reads the close code: a close before accepting is an HTTP 403.
    await websocket.accept()
    if found is None:
        await websocket.close(code=4401, reason="unknown or revoked device token")
        return
    device, printer = found
    log.info("printer agent of %s connected for printer %s", device.name, printer.name)
    resend = [job.id for job in await run_read(db, jobs.sent_jobs, printer.id)]
    wake = websocket.app.state.print_worker.subscribe(printer.id)
    awaited: dict[str, anyio.Event] = {}  # the job sent, by id, and the event its answer sets

    async def set_condition(condition: str) -> None:
        if condition in CONDITIONS or condition == "disconnected":
            await run_write(db, lambda s: jobs.set_condition(s, s.get(Printer, printer.id), condition, utcnow()))

    async def receive() -> None:
        while True:
            message = json.loads(await websocket.receive_text())
            status = message.get("status")
            if isinstance(status, dict):
                await set_condition(str(status.get("condition")))
            if message.get("type") == "done" and message.get("outcome") in OUTCOMES:
                job_id = str(message.get("id"))
                await run_write(db, jobs.record_outcome, job_id, message["outcome"], utcnow(),
                                str(message.get("error") or "") or None)
                if job_id in awaited:
                    awaited.pop(job_id).set()

    async def dispatch() -> None:
        while True:
            if not await run_read(db, jobs.token_valid, device.id, token):
                await websocket.close(code=4401, reason="device token revoked")
                raise WebSocketDisconnect(4401)
            if wake.replaced:
                # A newer connection with the same token took over (the kiosk PC reconnected, or a
                # second PC uses its token): only one connection resends unanswered jobs.
                await websocket.close(code=4409, reason="replaced by a newer connection")
                raise WebSocketDisconnect(4409)
            message = await run_write(db, _next_job, printer.id, resend, public_url)
            if message is None:
                with anyio.move_on_after(POLL_S):
                    await wake.wait()
                wake.clear()
                continue
            answered = awaited[message["id"]] = anyio.Event()
            await websocket.send_text(json.dumps(message))
            with anyio.fail_after(ANSWER_TIMEOUT_S):
                await answered.wait()

    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(receive)
            tasks.start_soon(dispatch)
    except* (WebSocketDisconnect, TimeoutError):
        pass  # gone, or silent for too long: the agent reconnects and gets its unanswered jobs again
    except* (json.JSONDecodeError, TypeError, AttributeError, KeyError):
        log.warning("printer agent of %s sent a message that is not the protocol's", device.name)
    finally:
        with anyio.CancelScope(shield=True):
            if websocket.app.state.print_worker.unsubscribe(printer.id, wake) == 0:
                await set_condition("disconnected")
            if websocket.client_state.name == websocket.application_state.name == "CONNECTED":
                await websocket.close(code=1011)
        log.info("printer agent of %s disconnected", device.name)


routes = [WebSocketRoute("/printers/agent", agent_socket)]
