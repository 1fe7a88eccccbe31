"""A site's look on its public screens (kiosk, display): the brand colour with text that reads on it,
and the logo, served to the screens under their own addresses."""

import zlib

from starlette.requests import Request
from starlette.responses import Response

from server import queue
from server.db import run_read
from server.errors import NotFound, N_
from server.models import Site


def brand_style(colour: str) -> dict | None:
    """The brand colour behind the header, with black or white text, whichever reads better on it."""
    if not colour:
        return None
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    on_white = 1.05 / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return {"background": colour, "text": "#ffffff" if on_white >= on_black else "#000000"}


def logo_version(site: Site) -> int:
    """A new logo gets a new address, so that no browser shows the old one from its cache."""
    return zlib.crc32(site.brand_logo or b"")


async def logo(request: Request) -> Response:
    """The site's logo (``{site}`` in the path), for its kiosks and displays."""
    def read(session):
        return queue.get_site(session, request.path_params["site"]).brand_logo

    data = await run_read(request.app.state.db, read)
    if not data:
        raise NotFound(N_("This site has no logo."))
    media = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return Response(data, media_type=media, headers={"Cache-Control": "public, max-age=300"})
