"""Relaying a site's events to one websocket until either side goes away."""

from collections.abc import Awaitable, Callable

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from server.bus import InProcessBus


async def relay(
    websocket: WebSocket,
    bus: InProcessBus,
    site: str,
    on_start: Callable[[], Awaitable[None]],
    on_event: Callable[[dict], Awaitable[None]],
) -> None:
    """Subscribes before ``on_start`` sends the snapshot, so no event between the two is lost."""
    async with bus.subscribe(site) as events, anyio.create_task_group() as tasks:

        async def watch_client() -> None:
            try:
                while True:
                    message = await websocket.receive()
                    if message["type"] == "websocket.disconnect":
                        break
            except WebSocketDisconnect:
                pass
            tasks.cancel_scope.cancel()

        tasks.start_soon(watch_client)
        try:
            await on_start()
            while True:
                event = await events.get()
                if event is None:  # fell behind: close, the screen reconnects and starts afresh
                    await websocket.close(code=1013)
                    break
                await on_event(event)
        except WebSocketDisconnect:
            pass  # the screen went away while we were sending
        tasks.cancel_scope.cancel()
