"""The kiosk's spoken guidance: phrase ids made from our own texts, never text from an address."""

import pytest

from server import guidance, queue
from server.errors import NotFound
from server.speech import _TEXT


def test_each_phrase_is_a_sentence_espeak_ng_may_speak(db):
    with db.write() as session:
        issued = queue.issue_ticket(session, "demo", "housing", "sv")
    with db.read() as session:
        for lang in ("fi", "sv", "en"):
            for phrase in ("start", "closed", "howto", "speech-on", "appointment", "checkin", "refused",
                           "time-out", "language", "label.speech", "label.more-time", "service.advice",
                           "waiting.0.0", "waiting.3.12", f"ticket.{issued.ticket.public_id}"):
                text = guidance.phrase_text(session, "demo", lang, phrase)
                assert _TEXT.fullmatch(text) and len(text) <= 200, (lang, phrase, text)
        assert guidance.phrase_text(session, "demo", "sv", f"ticket.{issued.ticket.public_id}") == \
            "Ditt nummer B-1. Boende och bostadsrådgivning. Före dig i kön: 0."
        assert guidance.phrase_text(session, "demo", "fi", "waiting.3.12") == "3 jonossa, noin 12 min."
        assert guidance.phrase_text(session, "demo", "en", "service.advice") == "General advice."


@pytest.mark.parametrize("phrase", ["hello", "service.parking", "label.anything", "waiting.1000.1", "ticket.AAAAAAAAAAAA",
                                    "start.", "Speech is on", "[[h@l@U]]"])
def test_anything_else_is_not_found(db, phrase):
    with db.read() as session, pytest.raises(NotFound):
        guidance.phrase_text(session, "demo", "fi", phrase)


def test_only_our_languages(db):
    with db.read() as session, pytest.raises(NotFound):
        guidance.phrase_text(session, "demo", "de", "start")


def test_plain_keeps_espeak_markup_out():
    assert guidance.plain("Asuminen (vuokra) / [[x]] ") == "Asuminen vuokra x."
