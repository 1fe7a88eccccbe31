"""``GET /healthz``: the readiness probe of load balancers and monitoring.

200 ``ok`` when the database answers ``SELECT 1`` within ``CHECK_S``; 503 with a one-line reason when
it does not. With the PostgreSQL bus a second line says whether this worker is listening for the
events of the others; it stays 200 while the bus reconnects (within seconds, by itself), since the
worker still serves and its screens resynchronise when the bus is back.

Anyone may ask, so the answer names no host, user or error text: those go to the log.
"""

import logging

import anyio
import anyio.to_thread
import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from server.bus import PostgresBus
from server.db import Database

log = logging.getLogger("luukku.health")

CHECK_S = 2.0  # well inside the usual probe timeouts (5 s and more)


def _select_one(db: Database) -> None:
    # Straight from the engine, not in a request's turn (server/db.py): a burst of screen updates
    # queueing for the pool does not make the database unready.
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")


async def healthz(request: Request) -> PlainTextResponse:
    db: Database = request.app.state.db
    with anyio.move_on_after(CHECK_S):
        try:
            # Abandoned if it takes too long: a connection attempt to a host that does not answer
            # ends by itself after LUUKKU_DB_CONNECT_TIMEOUT_S.
            await anyio.to_thread.run_sync(_select_one, db, abandon_on_cancel=True)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            log.warning("health check: the database failed (%s: %s)", exc.__class__.__name__, exc)
            return PlainTextResponse("database unavailable", status_code=503)
        lines = ["ok"]
        bus = request.app.state.bus
        if isinstance(bus, PostgresBus):
            lines.append("event bus: listening" if bus.listening else "event bus: not listening, reconnecting")
        return PlainTextResponse("\n".join(lines))
    log.warning("health check: the database did not answer within %g s", CHECK_S)
    return PlainTextResponse(f"database did not answer within {CHECK_S:g} s", status_code=503)
