"""The waiting-room display: a full-screen page of calls that chimes and speaks each call, kept live
over a websocket (server/web/live.py). Configured by its address (docs/display.md):

    /display/main,branch?services=A,B&counters=1,2&layout=portrait&lang=fi,sv&panel=waiting&sound=off

And the arrival screen by the entrance (/display/{site}/arrival): the QR code of the day that a
visitor who joined the queue from a phone scans to say "I'm here" (server/remote.py).
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

import anyio.to_thread
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from server import events, hours, i18n, queue, remote
from server.db import run_read
from server.errors import DomainError, Invalid, NotFound, N_
from server.models import utcnow
from server.speech import Speech, SpeechUnavailable, call_phrase
from server.web import brand, pages
from server.web.live import relay

CALL_EVENTS = {"ticket.called", "ticket.recalled"}
# Events that change nothing a display of the calls alone shows: a ticket taken has not been called,
# and a customer's service starting or ending leaves the call on the screen. Read for all the same,
# they were two thirds of the displays' readings in a city's day (issue 22).
UNSEEN_BY_CALLS = {"ticket.issued", "ticket.serving", "ticket.finished"}
LAYOUTS = ("auto", "landscape", "portrait")
PANELS = ("none", "waiting")
CATCH_UP = timedelta(minutes=2)  # a call missed while the screen was cut off is still spoken this late
TICKET_NUMBER = re.compile(r"[A-ZÅÄÖ]{1,3}[0-9]{1,4}")
COUNTER_NUMBER = re.compile(r"[0-9A-Za-z]{1,10}")


@dataclass(frozen=True)
class DisplayConfig:
    sites: tuple[str, ...]
    services: frozenset[str] | None  # codes or prefixes; None: all
    counters: frozenset[str] | None  # counter numbers; None: all
    layout: str
    langs: tuple[str, ...]  # spoken in this order; the first is the screen's language. Empty: the site's
    panel: str
    sound: bool
    calls: int  # previous calls listed

    def shows(self, event: dict) -> bool:
        ticket, counter = event.get("ticket"), event.get("counter")
        if ticket is None or counter is None:
            return False
        service_ok = self.services is None or bool({ticket["service"], ticket["number"][:1]} & self.services)
        return service_ok and (self.counters is None or counter["number"] in self.counters)

    def query(self) -> str:
        """The configuration as query parameters, for the page's websocket."""
        values = {"layout": self.layout, "panel": self.panel, "sound": "on" if self.sound else "off",
                  "calls": self.calls}
        if self.services is not None:
            values["services"] = ",".join(sorted(self.services))
        if self.counters is not None:
            values["counters"] = ",".join(sorted(self.counters))
        if self.langs:
            values["lang"] = ",".join(self.langs)
        return urlencode(values)


def _items(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def parse_config(sites: str, params: QueryParams) -> DisplayConfig:
    """The display's address, checked: a wrong parameter gets a message naming it, not a blank screen."""
    slugs = tuple(dict.fromkeys(_items(sites)))
    if not slugs or len(slugs) > 10:
        raise Invalid(N_("Name one to ten sites in the address, separated by commas."))
    layout = params.get("layout", "auto")
    if layout not in LAYOUTS:
        raise Invalid(N_("Unknown layout %(value)s: use landscape, portrait or auto."), value=layout[:40])
    panel = params.get("panel", "none")
    if panel not in PANELS:
        raise Invalid(N_("Unknown panel %(value)s: use waiting or none."), value=panel[:40])
    sound = params.get("sound", "on")
    if sound not in ("on", "off"):
        raise Invalid(N_("Sound is either on or off."))
    langs = tuple(dict.fromkeys(_items(params.get("lang"))))
    wrong = [lang for lang in langs if lang not in i18n.LANGUAGES]
    if wrong:
        raise Invalid(N_("Unknown language %(value)s: use fi, sv or en."), value=wrong[0][:40])
    calls = params.get("calls", "6")
    if not calls.isdigit() or not 0 <= int(calls) <= 12:
        raise Invalid(N_("The number of previous calls shown is from 0 to 12."))
    services = params.get("services")
    counters = params.get("counters")
    return DisplayConfig(
        sites=slugs,
        services=frozenset(_items(services)) if services is not None else None,
        counters=frozenset(_items(counters)) if counters is not None else None,
        layout=layout, langs=langs, panel=panel, sound=sound == "on", calls=int(calls),
    )


def _state(session, config: DisplayConfig) -> dict:
    """Everything the display shows, read from the database at one time."""
    sites = [queue.get_site(session, slug) for slug in config.sites]
    now = utcnow()
    calls = []
    for site in sites:
        for ticket, service, counter in queue.recent_calls(session, site, now, config.calls + 1,
                                                           config.services, config.counters):
            calls.append({"ticket": ticket, "service": service, "counter": counter, "site": site})
    calls.sort(key=lambda call: call["ticket"].announced_at, reverse=True)
    langs = _langs(config, sites[0])
    waiting = []
    if config.panel == "waiting":
        for site in sites:
            services = [s for s in queue.active_services(session, site)
                        if config.services is None or {s.code, s.prefix} & config.services]
            counts = queue.waiting_counts(session, site, now)
            estimates = queue.estimates(session, site, services, now)
            waiting += [{"service": s, "count": counts.get(s.id, 0), "minutes": estimates.get(s.id, 0),
                         "names": _names(s, langs)} for s in services]
    return {
        "sites": sites,
        "site": sites[0],
        "latest": calls[0] if calls else None,
        "calls": calls[1:config.calls + 1],
        "waiting": waiting,
        "langs": langs,
        "multi_site": len(sites) > 1,
    }


def _names(service, langs: tuple[str, ...]) -> list[tuple[str, str]]:
    """A service's name in each of the display's languages, each different name once."""
    names: dict[str, str] = {}
    for lang in langs:
        names.setdefault(service.name(lang), lang)
    return [(lang, name) for name, lang in names.items()]


def _langs(config: DisplayConfig, site) -> tuple[str, ...]:
    """The display's languages: its address's, else its (first) site's."""
    langs = config.langs or tuple(lang for lang in site.languages.split(",") if lang in i18n.LANGUAGES)
    return langs or ("fi",)


def _screen_langs(session, config: DisplayConfig) -> tuple[str, ...]:
    """What a display's websocket needs before it is accepted: its sites exist, and its languages."""
    sites = [queue.get_site(session, slug) for slug in config.sites]
    return _langs(config, sites[0])


def _labels(langs: tuple[str, ...]):
    """The display's fixed words in each of its languages, for a room that reads several."""

    def each(message: str, **params) -> list[tuple[str, str]]:
        return [(lang, i18n.gettext(lang, message, **params)) for lang in langs]

    return each


def _context(state: dict, config: DisplayConfig, settings) -> dict:
    return dict(
        state, config=config, each=_labels(state["langs"]), heartbeat_s=settings.live_heartbeat_s,
        notices=[(lang, state["site"].display_notice(lang)) for lang in state["langs"]
                 if state["site"].display_notice(lang)],
    )


def _announcement(event: dict, langs: tuple[str, ...], speech_ok: bool) -> dict:
    number, counter = event["ticket"]["number"], event["counter"]["number"]
    texts = {lang: call_phrase(lang, number, counter) for lang in langs}
    audio = ["/display/speech/chime.wav"]
    if speech_ok:
        audio += [f"/display/speech/{lang}/{number}/{counter}.wav" for lang in langs]
    return {"key": f'{event["site"]}:{event["seq"]}', "number": number, "counter": counter,
            "texts": texts, "audio": audio}


async def display_page(request: Request):
    config = parse_config(request.path_params["sites"], request.query_params)
    state = await run_read(request.app.state.db, _state, config)
    context = _context(state, config, request.app.state.settings)
    context["live_url"] = f"/display/{','.join(config.sites)}/ws?{config.query()}"
    context["lang"] = state["langs"][0]  # the display's own language, not the browser's
    return pages.render(request, "display.html", context)


ARRIVAL_REFRESH_S = 300  # the code changes at midnight: the screen has today's within five minutes


def _arrival(session, slug: str, secret: str) -> dict:
    site = queue.get_site(session, slug)
    now = utcnow()
    return {"site": site, "sites": [site], "code": remote.site_code(secret, site, queue.local_day(site, now)),
            "langs": tuple(lang for lang in site.languages.split(",") if lang in i18n.LANGUAGES) or ("fi",), "open": hours.is_open(session, site, now)}


async def arrival_page(request: Request):
    """The code of the day, as a QR code and in digits, for visitors who joined the queue remotely."""
    settings = request.app.state.settings
    state = await run_read(request.app.state.db, _arrival, request.path_params["site"], settings.secret_key)
    langs = tuple(lang for lang in request.query_params.get("lang", "").split(",") if lang in i18n.LANGUAGES)
    langs = langs or state["langs"]
    link = f"{settings.public_url.rstrip('/')}/t/here/{state['site'].slug}/{state['code']}"
    context = dict(state, langs=langs, lang=langs[0], each=_labels(langs), qr=pages.qr_svg(link),
                   refresh_s=ARRIVAL_REFRESH_S, digits=" ".join(state["code"]))
    return pages.render(request, "arrival.html", context)


async def display_socket(websocket: WebSocket):
    app = websocket.app
    db, settings = app.state.db, app.state.settings
    try:
        config = parse_config(websocket.path_params["sites"], websocket.query_params)
        # Not the whole state: a thousand displays come back at once after a restart.
        langs = await run_read(db, _screen_langs, config)
    except DomainError:
        await websocket.close(code=4404)
        return
    await websocket.accept()
    speech: Speech = app.state.speech
    # Announcements use the screen's configured languages; the texts on it use the first.
    lang = langs[0]

    async def render(announce: list[dict]) -> str:
        state = await run_read(db, _state, config)
        context = _context(state, config, settings)
        return pages.render_fragment("_display_live.html", lang, oob=True, announcements=announce, **context)

    sent = [None]  # the last push: one that would show the same again is not sent

    async def send(html: str) -> None:
        # Most events change nothing a display shows (a ticket issued, when it shows only calls): at
        # ten tickets a second, sending each of 100 displays the same screen again had made a call
        # wait behind those pushes (issue 24).
        if html != sent[0]:
            sent[0] = html
            await websocket.send_text(html)

    async def push(announce: list[dict]) -> None:
        await send(await render(announce))

    async def on_events(batch: list[dict]) -> None:
        public = [event for event in batch if events.is_public(event)]
        if config.panel != "waiting":  # a display of the waiting counts ticket.issued
            public = [event for event in public if event["type"] not in UNSEEN_BY_CALLS]
        if not public:
            return
        calls = [event for event in public if event["type"] in CALL_EVENTS and config.shows(event)]
        # Every display with this address renders the same thing after these events, announcements
        # included: once, shared (made by each of 100 displays, the phrases were a tenth of the event
        # loop's time in issue 24's mixed load).
        key = ("display", config, langs, public[-1]["site"], public[-1]["seq"],
               tuple((event["site"], event["seq"]) for event in calls))
        await send(await app.state.renders.get(
            key, lambda: render([_announcement(event, langs, speech.available) for event in calls])))

    async def snapshot(seen: dict[str, int]) -> dict[str, int]:
        def read(session):
            seqs = events.last_seqs(session, list(config.sites))  # before the state: see server/web/live.py
            missed = []
            since = utcnow() - CATCH_UP
            for slug, seq in seen.items():
                if slug in config.sites:
                    site = queue.get_site(session, slug)
                    missed += [e for e in events.events_after(session, site, seq, CALL_EVENTS, since)
                               if config.shows(e)]
            return seqs, missed

        seqs, missed = await run_read(db, read)
        if missed:
            await push([_announcement(e, langs, speech.available) for e in missed])
        else:  # displays (re)connecting together, as after a restart, share the rendering too
            key = ("display", config, langs, tuple(sorted(seqs.items())))
            await send(await app.state.renders.get(key, lambda: render([])))
        return seqs

    await relay(websocket, app.state.bus, list(config.sites), snapshot, on_events,
                heartbeat_s=settings.live_heartbeat_s)


async def spoken_call(request: Request):
    """The call spoken in one language, as WAV: made once by espeak-ng, then served from the cache."""
    lang, number, counter = (request.path_params[k] for k in ("lang", "number", "counter"))
    if lang not in i18n.LANGUAGES or not TICKET_NUMBER.fullmatch(number) or not COUNTER_NUMBER.fullmatch(counter):
        raise NotFound(N_("There is no such announcement."))
    speech: Speech = request.app.state.speech
    try:
        path = await anyio.to_thread.run_sync(speech.call_file, lang, number, counter)
    except SpeechUnavailable:
        return Response(status_code=503, headers={"Retry-After": "60"})
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


async def chime(request: Request):
    path = await anyio.to_thread.run_sync(request.app.state.speech.chime_file)
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


routes = [
    Mount("/display/static", StaticFiles(directory=pages.ROOT / "display" / "static"), name="display_static"),
    Route("/display/speech/chime.wav", chime),
    Route("/display/speech/{lang}/{number}/{counter}.wav", spoken_call),
    Route("/display/{site}/logo", brand.logo),
    Route("/display/{site}/arrival", arrival_page),
    Route("/display/{sites}", display_page),
    WebSocketRoute("/display/{sites}/ws", display_socket),
]
