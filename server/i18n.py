"""Translations (Babel catalogs in server/locale) and local times.

The .po files are the source: they are compiled in memory at start, so there is no build step
to forget. English is the source language.
"""

from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("fi", "sv", "en")
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def translations(lang: str) -> NullTranslations:
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(lang: str, message: str, **params) -> str:
    text = translations(lang).gettext(message)
    return text % params if params else text


@jinja2.pass_context
def _template_gettext(context, message: str, **params) -> str:
    return gettext(context.get("lang", "fi"), message, **params)


@jinja2.pass_context
def _template_ngettext(context, singular: str, plural: str, n: int, **params) -> str:
    text = translations(context.get("lang", "fi")).ngettext(singular, plural, n)
    return text % dict(params, num=n)


def template_environment(folders: list[Path], autoescape: bool) -> jinja2.Environment:
    """Templates whose ``_()`` and ``ngettext()`` speak the ``lang`` of the context they are rendered
    with: the pages' (server/web/pages.py) and the mail's (server/mail.py)."""
    # auto_reload off: templates ship with the code (an upgrade restarts), and checking each one's file
    # time at every rendering was a stat call per push to every phone (issue 22).
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([str(f) for f in folders]), autoescape=autoescape,
                             extensions=["jinja2.ext.i18n"], auto_reload=False)
    env.install_gettext_callables(_template_gettext, _template_ngettext, newstyle=True)
    return env


def pick_language(*candidates: str | None, default: str = "fi") -> str:
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    return default


def accept_language(header: str | None) -> str | None:
    """The first of our languages in an Accept-Language header, by the header's order."""
    if not header:
        return None
    weighted = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        weighted.append((-q, i, tag.strip().lower()[:2]))
    for _, _, lang in sorted(weighted):
        if lang in LANGUAGES:
            return lang
    return None


def local_time(at: datetime, tz: str, lang: str, with_date: bool = False) -> str:
    """A clock time as people write it: 14.07 in Finnish, 14:07 in Swedish and English."""
    local = at.astimezone(ZoneInfo(tz))
    sep = "." if lang == "fi" else ":"
    clock = f"{local.hour:02d}{sep}{local.minute:02d}"
    if not with_date:
        return clock
    return f"{local_date(local.date(), lang)} {clock}"


def local_date(day: date, lang: str) -> str:
    """A date as people write it: 24.11.2026 in Finnish and Swedish, 24/11/2026 in English."""
    return f"{day.day}.{day.month}.{day.year}" if lang in ("fi", "sv") else day.strftime("%d/%m/%Y")
