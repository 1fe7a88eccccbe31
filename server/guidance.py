"""The kiosk's spoken guidance: what each screen says, by phrase id.

A page names what it wants spoken with phrase ids made here from our own texts ("start",
"service.advice", "waiting.3.12", "ticket.<public id>"); the speech route turns an id back into
its sentence from the catalogs and the database and has espeak-ng speak it (server/speech.py). Text
from an address is never spoken: an id that is not one of these is NotFound.
"""

import re

from sqlmodel import select

from server import i18n, queue
from server.errors import NotFound, N_
from server.models import Service, Ticket
from server.speech import spoken_ticket

SPEECH_ON = N_("Speech is on. The star key or the Speech button turns it off.")
HOW_TO_MOVE = N_("Move between the choices with the arrow keys or Tab, and choose with Enter.")
WAITING = N_("%(num)d waiting")
ABOUT = N_("about %(min)d min")
REFUSED = N_("The code was not accepted. Type the code of your booking again, or show its QR code to the reader.")
TIME_RUNNING_OUT = N_("The screen will soon return to the start. Press More time if you need it.")

# Waiting counts and minutes in a phrase have at most three digits (the kiosk's template caps them
# at 999): this bounds what can be cached.
# The kiosk's buttons, spoken when they get the focus.
LABELS = {"speech": N_("Speech"), "larger": N_("Larger text"), "more-time": N_("More time"),
          "to-start": N_("Back to the start"), "back": N_("Back"), "check-in": N_("Check in")}
_PHRASE = re.compile(r"(start|closed|howto|speech-on|appointment|checkin|refused|time-out|language)"
                     r"|label\.([a-z-]{1,20})"
                     r"|service\.([a-z0-9_-]{1,40})|waiting\.([0-9]{1,3})\.([0-9]{1,3})|ticket\.([A-Za-z0-9_-]{8,32})")
# Letters, digits and sentence punctuation only: what server.speech accepts (no espeak-ng markup).
_NOT_SPOKEN = re.compile(r"[^\w ,.:;!?'-]+|_+")


def plain(text: str) -> str:
    """A sentence server.speech will speak: other characters become spaces, one full stop at the end."""
    text = " ".join(_NOT_SPOKEN.sub(" ", text).split())
    return text.rstrip(" ,.:;!?'-") + "."


def phrase_text(session, site_slug: str, lang: str, phrase: str) -> str:
    """The sentence a phrase id stands for, in ``lang``; NotFound for anything else."""
    match = _PHRASE.fullmatch(phrase)
    if lang not in i18n.LANGUAGES or not match:
        raise NotFound(N_("There is no such announcement."))
    fixed, label, service_code, count, minutes, public_id = match.groups()
    site = queue.get_site(session, site_slug)

    def _(message: str, **params) -> str:
        return i18n.gettext(lang, message, **params)

    if fixed == "start":
        return plain(f"{site.name_in(lang)}. {_('Choose your matter to get a queue number.')}")
    if fixed == "closed":
        return plain(f"{site.name_in(lang)}. {_('The service point is closed now. No queue numbers are given.')}")
    if fixed == "language":
        return plain(i18n.LANGUAGE_NAMES[lang])
    if label is not None:
        if label not in LABELS:
            raise NotFound(N_("There is no such announcement."))
        return plain(_(LABELS[label]))
    if fixed == "howto":
        return plain(_(HOW_TO_MOVE))
    if fixed == "speech-on":
        return plain(_(SPEECH_ON))
    if fixed == "appointment":
        return plain(f"{_('I have an appointment')}. {_('Check in with the code or the QR code of your booking.')}")
    if fixed == "checkin":
        return plain(f"{_('Check in for your appointment')}. "
                     f"{_('Show the QR code of your booking to the reader, or type its code.')}")
    if fixed == "refused":
        return plain(_(REFUSED))
    if fixed == "time-out":
        return plain(_(TIME_RUNNING_OUT))
    if service_code is not None:
        service = session.exec(select(Service).where(Service.site_id == site.id, Service.code == service_code,
                                                     Service.active)).first()
        if service is None:
            raise NotFound(N_("There is no such announcement."))
        return plain(service.name(lang))
    if count is not None:
        said = i18n.translations(lang).ngettext(WAITING, WAITING, int(count)) % {"num": int(count)}
        return plain(f"{said}, {_(ABOUT, min=int(minutes))}" if int(count) else said)
    ticket = session.exec(select(Ticket).where(Ticket.public_id == public_id, Ticket.site_id == site.id)).first()
    if ticket is None:
        raise NotFound(N_("There is no such announcement."))
    service = session.get(Service, ticket.service_id)
    said = f"{_('Your number')} {spoken_ticket(ticket.number)}. {service.name(lang)}"
    if ticket.status == "waiting":
        said += f". {_('People ahead')}: {queue.people_ahead(session, ticket)}"
    return plain(said)
