"""The waiting-room display: a page, and a websocket that pushes the calls as HTML fragments.

The wire format is htmx-ext-ws 2: each pushed message holds elements swapped out-of-band by id.
"""

from starlette.requests import Request
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from server import i18n, queue, web
from server.db import run_read
from server.errors import NotFound
from server.live import relay

# Events that change what the display shows; the first two announce a call (highlighted).
CALL_EVENTS = {"ticket.called", "ticket.recalled"}
REFRESHING_EVENTS = CALL_EVENTS | {"ticket.finished", "ticket.transferred", "ticket.no_show",
                                   "ticket.unserved", "counter.closed", "counter.opened"}


def _calls_context(session, site_slug: str) -> dict:
    site = queue.get_site(session, site_slug)
    calls = queue.recent_calls(session, site)
    return {"site": site, "latest": calls[0] if calls else None, "calls": calls[1:]}


async def display_page(request: Request):
    context = await run_read(request.app.state.db, _calls_context, request.path_params["site"])
    return web.render(request, "display.html", context)


async def display_socket(websocket: WebSocket):
    db = websocket.app.state.db
    slug = websocket.path_params["site"]
    lang = i18n.pick_language(websocket.query_params.get("lang"),
                              default=websocket.app.state.settings.default_language)
    try:
        await run_read(db, queue.get_site, slug)
    except NotFound:
        await websocket.close(code=4404)
        return
    await websocket.accept()

    async def push_calls(fresh: bool = False) -> None:
        context = await run_read(db, _calls_context, slug)
        html = web.render_fragment("_display_calls.html", lang, oob=True, fresh=fresh, **context)
        await websocket.send_text(html)

    async def on_event(event: dict) -> None:
        if event["type"] in REFRESHING_EVENTS:
            await push_calls(fresh=event["type"] in CALL_EVENTS)

    await relay(websocket, websocket.app.state.bus, slug, push_calls, on_event)


routes = [
    Mount("/display/static", StaticFiles(directory=web.ROOT / "display" / "static"), name="display_static"),
    Route("/display/{site}", display_page),
    WebSocketRoute("/display/{site}/ws", display_socket),
]
