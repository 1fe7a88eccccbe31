"""Finnish, Swedish and English everywhere a person reads: the catalogs match the sources."""

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from server import i18n

ROOT = Path(__file__).resolve().parent.parent


def source_messages() -> set[str]:
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    messages = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords={"_": None, "N_": None, "gettext": None,
                                                     "ngettext": (1, 2)}
    ):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def catalog(lang: str):
    with open(ROOT / "server" / "locale" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_message_in_the_code_is_translated(lang):
    translated = {}
    for message in catalog(lang):
        if message.id:
            key = message.id if isinstance(message.id, str) else message.id[0]
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if all(strings) and not message.fuzzy:
                translated[key] = strings
    sources = source_messages()
    assert {"Call next", "People ahead", "Counter %(counter)s is closed. Open it first.",
            "About your service request: %(subject)s"} <= sources  # code, page templates, mail texts
    missing = sorted(sources - set(translated))
    assert missing == [], f"untranslated in {lang}: {missing} (see docs/translations.md)"


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_translations_keep_every_placeholder(lang):
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in catalog(lang):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        for string in (message.string if isinstance(message.string, tuple) else (message.string,)):
            assert sorted(placeholder.findall(string)) == sorted(placeholder.findall(source)), source


def test_clock_times_are_local_and_written_the_local_way():
    summer = datetime(2026, 7, 1, 11, 7, tzinfo=timezone.utc)  # UTC+3 in Helsinki
    winter = datetime(2026, 1, 1, 11, 7, tzinfo=timezone.utc)  # UTC+2
    assert i18n.local_time(summer, "Europe/Helsinki", "fi") == "14.07"
    assert i18n.local_time(winter, "Europe/Helsinki", "sv") == "13:07"
    assert i18n.local_time(winter, "Europe/Helsinki", "fi", with_date=True) == "1.1.2026 13.07"


def test_the_browsers_language_is_honoured_in_its_order():
    assert i18n.accept_language("de-DE,sv-FI;q=0.8,fi;q=0.9") == "fi"
    assert i18n.accept_language("sv-FI,sv;q=0.9,en;q=0.5") == "sv"
    assert i18n.accept_language("de,fr") is None
    assert i18n.accept_language("fi;q=bogus,en") == "en"
