"""The kiosk's spoken guidance: what each screen says, by phrase id.

A page names what it wants spoken with phrase ids made here from our own texts ("start",
"service.advice", "waiting.3.12", "ticket.<public id>"; the guide's "guide", "guide.found.3",
"matter.<id>", "matter.<id>.choices"); the speech route turns an id back into its sentence from the
catalogs and the database and has espeak-ng speak it (server/speech.py). Text from an address is
never spoken: an id that is not one of these is NotFound.
"""

import re
from datetime import datetime

from sqlmodel import select

from server import hours, i18n, matters, queue
from server.errors import NotFound, N_
from server.models import Matter, Service, Site, Ticket, utcnow
from server.speech import MAX_TEXT, spoken_ticket

SPEECH_ON = N_("Speech is on. The star key or the Speech button turns it off.")
HOW_TO_MOVE = N_("Move between the choices with the arrow keys or Tab, and choose with Enter.")
WAITING = N_("%(num)d waiting")
ABOUT = N_("about %(min)d min")
REFUSED = N_("The code was not accepted. Type the code of your booking again, or show its QR code to the reader.")
TIME_RUNNING_OUT = N_("The screen will soon return to the start. Press More time if you need it.")
# The kiosk's guide, "What do you need?" (kiosk/guide.py).
GUIDE = N_("What do you need? Type a few words with the keyboard, or choose a topic below.")
NOTHING_FOUND = N_("Nothing was found. Try other words, or take a number for general advice.")
SOLVED = N_("Thank you. Glad it was settled.")
SELF_SERVICE = N_("You can do it yourself with the e-service: scan the QR code to open it on your phone, "
                  "or print the steps.")
SELF_SERVICE_NO_PRINT = N_("You can do it yourself with the e-service: scan the QR code to open it on your phone.")
TAKE_NUMBER = N_("Take a queue number for %(service)s.")
OR_TAKE_NUMBER = N_("Or take a queue number for %(service)s.")
CLOSED = N_("The service point is closed now. No queue numbers are given.")
BOOK = N_("It is best dealt with at a booked time: scan the code to book one on your phone.")
NO_CHOICES = N_("For more help, ask at the service point.")
SLIP = {"slip.printing": N_("Printing the steps…"), "slip.printed": N_("Take the slip from the printer."),
        "slip.not-printed": N_("The printer is not working. Scan the code with your phone instead.")}

# Waiting counts and minutes in a phrase have at most three digits (the kiosk's template caps them
# at 999): this bounds what can be cached.
# The kiosk's buttons, spoken when they get the focus.
LABELS = {"speech": N_("Speech"), "larger": N_("Larger text"), "more-time": N_("More time"),
          "to-start": N_("Back to the start"), "back": N_("Back"), "check-in": N_("Check in"),
          "guide-search": N_("Search"), "keyboard": N_("Keyboard"), "do-it-yourself": N_("Do it yourself"),
          "print-steps": N_("Print the steps"), "solved": N_("This solved it"), "take-number": N_("Take a number"),
          "book-time": N_("Book a time"), "what-to-bring": N_("What to bring")}
# The guide's counts stop at 99 (the template caps them), and a matter id is at most 9 digits (below
# PostgreSQL's largest integer): this bounds what can be cached. A matter's parts: its title alone
# (a button in a list), its title and answer (the bare id), what can be done about it.
_PHRASE = re.compile(r"(start|closed|howto|speech-on|appointment|checkin|refused|time-out|language"
                     r"|guide|guide\.none|guide-start|solved|slip\.printing|slip\.printed|slip\.not-printed)"
                     r"|label\.([a-z-]{1,20})"
                     r"|service\.([a-z0-9_-]{1,40})|waiting\.([0-9]{1,3})\.([0-9]{1,3})|ticket\.([A-Za-z0-9_-]{8,32})"
                     r"|guide\.found\.([1-9][0-9]?)"
                     r"|matter\.([1-9][0-9]{0,8})(?:\.(title|choices|choices-no-print))?")
# Letters, digits and sentence punctuation only: what server.speech accepts (no espeak-ng markup).
_NOT_SPOKEN = re.compile(r"[^\w ,.:;!?'-]+|_+")
_WORD = re.compile(r"[^\W_]")


def plain(text: str) -> str:
    """A sentence server.speech will speak: other characters become spaces, one full stop at the end."""
    text = " ".join(_NOT_SPOKEN.sub(" ", text).split())
    return text.rstrip(" ,.:;!?'-") + "."


def phrase_text(session, site_slug: str, lang: str, phrase: str, now: datetime | None = None) -> str:
    """The sentence a phrase id stands for, in ``lang`` (at ``now``: whether the site is open); NotFound
    for anything else."""
    match = _PHRASE.fullmatch(phrase)
    if lang not in i18n.LANGUAGES or not match:
        raise NotFound(N_("There is no such announcement."))
    fixed, label, service_code, count, minutes, public_id, found, matter_id, part = match.groups()
    site = queue.get_site(session, site_slug)

    def _(message: str, **params) -> str:
        return i18n.gettext(lang, message, **params)

    if fixed == "guide":
        return plain(_(GUIDE))
    if fixed == "guide.none":
        return plain(_(NOTHING_FOUND))
    if fixed == "solved":
        return plain(_(SOLVED))
    if fixed == "guide-start":  # the start screen's way into the guide
        return plain(f"{_('What do you need?')} {_('Search by your matter: do it yourself, or find the right queue.')}")
    if fixed is not None and fixed.startswith("slip."):
        return plain(_(SLIP[fixed]))
    if found is not None:
        said = i18n.translations(lang).ngettext("%(num)d matter found", "%(num)d matters found", int(found))
        return plain(said % {"num": int(found)})
    if matter_id is not None:
        return _matter_phrase(session, site, lang, matters.get(session, site, int(matter_id)), part, now or utcnow())
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
    if public_id is None:
        raise NotFound(N_("There is no such announcement."))
    ticket = session.exec(select(Ticket).where(Ticket.public_id == public_id, Ticket.site_id == site.id)).first()
    if ticket is None:
        raise NotFound(N_("There is no such announcement."))
    service = session.get(Service, ticket.service_id)
    said = f"{_('Your number')} {spoken_ticket(ticket.number)}. {service.name(lang)}"
    if ticket.status == "waiting":
        said += f". {_('People ahead')}: {queue.people_ahead(session, ticket)}"
    return plain(said)


def _matter_phrase(session, site: Site, lang: str, matter: Matter, part: str | None, now: datetime) -> str:
    """A matter's title, its title and answer, or what the visitor can do about it, from its flags:
    do it oneself (the e-service), take a number for the service that takes it, book a time."""

    def _(message: str, **params) -> str:
        return i18n.gettext(lang, message, **params)

    if part is None:
        return spoken(matter.text("title", lang), matter.text("answer", lang))
    if part == "title":
        return spoken(matter.text("title", lang))
    said = []
    if matter.text("eservice_url", lang):
        self_service = SELF_SERVICE if part == "choices" else SELF_SERVICE_NO_PRINT
        said.append(_(self_service))
    service = matters.service_for(session, site, matter)
    if service is not None:
        if not hours.is_open(session, site, now):
            said.append(_(CLOSED))  # what the screen says instead of the button
        else:
            said.append(_(OR_TAKE_NUMBER if said else TAKE_NUMBER, service=service.name(lang)))
        if matter.book and service.appointment_seats > 0:
            said.append(_(BOOK))
    return spoken(*(said or [_(NO_CHOICES)]))


def spoken(*texts: str) -> str:
    """Texts one after the other as sentences server.speech will speak, those with no word left out;
    at most MAX_TEXT characters, cut after a whole sentence where it can (a long answer loses its end,
    never the chance to be heard)."""
    text = " ".join(plain(text) for text in texts if _WORD.search(text))
    if not text:
        raise NotFound(N_("There is no such announcement."))
    if len(text) <= MAX_TEXT:
        return text
    cut = text[:MAX_TEXT]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > 0 else plain(cut.rsplit(" ", 1)[0])
