"""What the screen packages share: templates, the page's language, errors shown to people."""

import re
from datetime import datetime
from pathlib import Path

import jinja2
from markupsafe import Markup
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

from server import i18n
from server.errors import DomainError, N_
from server.web import brand, csrf

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / folder / "templates" for folder in ("server/web", "kiosk", "counter", "display")]
LANG_COOKIE = "luukku_lang"


@jinja2.pass_context
def _csrf_token(context) -> str:
    request = context.get("request")
    return csrf.token(request.session) if request is not None else ""


@jinja2.pass_context
def _csrf_input(context) -> Markup:
    """The hidden field a staff form sends its session's token in (server/web/csrf.py). A fragment pushed
    over a websocket has no request: its htmx forms send the token as the body's header instead."""
    value = _csrf_token(context)
    return Markup(f'<input type="hidden" name="{csrf.FIELD}" value="{value}">') if value else Markup("")


FIGURE_SPACE = re.compile(r"(\d[\d.,:]*) (?=\w)")


def keep_figures(text: str) -> str:
    """A number and the word after it on one line ("30 minutes", "noin 32 min"): a no-break space
    between them. Safe text (a translated message) stays safe."""
    joined = FIGURE_SPACE.sub("\\1\u00a0", str(text))
    return Markup(joined) if isinstance(text, Markup) else joined


def _make_templates() -> Jinja2Templates:
    env = i18n.template_environment(TEMPLATE_DIRS, autoescape=True)
    env.globals["csrf_token"] = _csrf_token
    env.globals["csrf_input"] = _csrf_input
    env.globals["N_"] = N_  # marks a message for extraction where a template translates it later
    env.globals["LANGUAGES"] = i18n.LANGUAGES
    env.globals["LANGUAGE_NAMES"] = i18n.LANGUAGE_NAMES
    env.globals["brand_style"] = brand.brand_style
    env.globals["logo_version"] = brand.logo_version
    env.filters["fromisoformat"] = datetime.fromisoformat
    env.filters["figures"] = keep_figures
    return Jinja2Templates(env=env)


templates = _make_templates()


def page_language(conn: HTTPConnection) -> str:
    """?lang= first (a language switch), then the cookie, then the browser's Accept-Language."""
    default = conn.app.state.settings.default_language
    return i18n.pick_language(
        conn.query_params.get("lang"),
        conn.cookies.get(LANG_COOKIE),
        i18n.accept_language(conn.headers.get("accept-language")),
        default=default,
    )


def render(request: Request, name: str, context: dict | None = None, status_code: int = 200):
    lang = page_language(request)
    context = {"lang": lang, "heartbeat_s": request.app.state.settings.live_heartbeat_s, **(context or {})}
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    response.headers["Vary"] = "HX-Request, Cookie, Accept-Language"
    return response


def render_fragment(name: str, lang: str, **context) -> str:
    """A template rendered alone, e.g. for a websocket push in the screen's own language."""
    return templates.get_template(name).render(lang=lang, **context)


def error_page(request: Request, status_code: int, message: str, **params) -> Response:
    """A 4xx that a person understands, in the page's language: a fragment for htmx, else a page."""
    lang = page_language(request)
    text = i18n.gettext(lang, message, **params)
    if request.headers.get("hx-request"):
        html = templates.get_template("_error.html").render(lang=lang, message=text)
        # htmx does not swap 4xx responses by default; retarget the message to the error slot.
        return HTMLResponse(
            html, status_code=status_code,
            headers={"HX-Retarget": "#errors", "HX-Reswap": "innerHTML"},
        )
    return render(request, "error.html", {"message": text, "status_code": status_code},
                  status_code=status_code)


def domain_error_page(request: Request, exc: DomainError) -> Response:
    return error_page(request, exc.status_code, exc.message, **exc.params)


def qr_svg(data: str) -> Markup:
    """A QR code as inline SVG, so no image request and no Pillow on the page path."""
    # Imported on the first code drawn: the process that never draws one saves the memory
    # (docs/PERFORMANCE.md, "Thousands of phones").
    import qrcode  # noqa: PLC0415
    import qrcode.image.svg  # noqa: PLC0415

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return Markup(image.to_string(encoding="unicode"))
