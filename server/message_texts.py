"""What the messages to citizens say (issue 19): a title (an email's subject, a push notification's
title) and a body (the SMS, the push notification's line, the email's text), in the visitor's own
language.

The English source strings are Babel msgids (``N_``); Finnish and Swedish come from the catalogs in
server/locale. An SMS is billed per 160 GSM characters (70 once a character outside the GSM alphabet
appears), so the texts are short sentences in plain letters: ä, ö and å are GSM characters, typographic
quotes and dashes are not. A message says the ticket's number, the service and the site, never a name
or a phone number: it passes through an operator's or a push service's hands.
"""

from server import i18n
from server.errors import N_

KINDS = ("joined", "near", "called", "transferred", "closed", "closure", "confirmation", "reminder", "feedback",
         "alert")

TITLES = {
    "joined": N_("Your number %(number)s"),
    "near": N_("Your turn is near: %(number)s"),
    "called": N_("It's your turn: %(number)s"),
    "transferred": N_("Your queue changed: %(number)s"),
    "closure": N_("Notice from %(site)s"),
    "confirmation": N_("Booking confirmed: %(service)s, %(when)s"),  # the confirmation mail's subject
    "reminder": N_("Reminder: %(service)s, %(when)s"),  # the reminder mail's subject
    "feedback": N_("How did we do? %(site)s"),  # issue 21: the one message after the visit
    "alert": N_("Alert at %(site)s"),  # issue 21: to the staff contacts, as the overview says it
}
# A service going wrong, in the managers' words (server/alerts.py; the staff screens say the same).
ALERT_WORDS = {
    "over_target": N_("%(prefix)s: %(waiting)d waiting, longest %(longest)d min, target %(target)d: "
                      "open another counter?"),
    "past_closing": N_("%(prefix)s: %(waiting)d waiting, not all served before closing time at this pace: "
                       "open another counter?"),
}
CLOSED = {  # title and body, by the status the visit ended in
    "finished": (N_("Thank you for your visit"), N_("Thank you for visiting %(site)s.")),
    "no_show": (N_("Your turn was passed: %(number)s"),
                N_("Your turn %(number)s was passed because you did not arrive.")),
    "unserved": (N_("Your number %(number)s was not served"),
                 N_("%(site)s closed for the day before your turn %(number)s. We are sorry.")),
    "cancelled": (N_("You left the queue: %(number)s"), N_("You left the queue (%(number)s).")),
}
JOINED = N_("Your number is %(number)s at %(site)s, %(service)s.")
JOINED_WAIT = N_("People before you: %(ahead)s, about %(wait_min)s min.")
NEAR_WAIT = {
    "many": N_("About %(wait_min)s minutes to your turn (%(ahead)s people before you)."),
    "one": N_("About %(wait_min)s minutes to your turn (1 person before you)."),
    "next": N_("About %(wait_min)s minutes to your turn: you are next."),
    "soon": N_("Your turn is very near."),
}
NEAR_COME = N_("Come to %(site)s; tap I'm here when you arrive.")
CALLED = N_("It's your turn: %(number)s, counter %(counter)s.")
CALLED_NO_COUNTER = N_("It's your turn: %(number)s.")
TRANSFERRED = N_("Your number %(number)s is now in the queue for %(service)s.")
CONFIRMATION = N_("Your appointment at %(site)s: %(service)s, %(when)s.")
REMINDER = N_("Reminder of your appointment at %(site)s: %(service)s, %(when)s.")
FEEDBACK = N_("Thank you for visiting %(site)s. How did we do? Answer in a minute:")
BOOKING_CODE = N_("Booking code: %(code)s. Check in at the kiosk when you arrive.")


def render(kind: str, lang: str, params: dict, link: str | None) -> tuple[str, str]:
    """(title, body) of a message of ``kind`` in ``lang`` made of ``params`` (what server/outbox.py
    stored). ``link``, when given, ends the body on a line of its own; "called" never carries one (its
    SMS stays within 70 characters: the visitor needs the counter, not a page)."""
    lang = i18n.pick_language(lang)
    values = {"site": "", "service": "", "number": "", **params}

    def _(message: str, **extra) -> str:
        return i18n.gettext(lang, message, **values, **extra)

    if kind == "closed":
        title, body = CLOSED.get(values.get("status"), CLOSED["finished"])
        title, lines = _(title), [_(body)]
    elif kind == "alert":
        title, lines = _(TITLES["alert"]), [f"{values['site']}: {_(ALERT_WORDS[values['alert']])}"]
    elif kind == "closure":
        # Staff's own words, in the language they wrote them in; the site's name says who speaks.
        title, lines = _(TITLES["closure"]), [f"{values['site']}: {values.get('text', '')}".strip()]
    else:
        if kind not in TITLES:
            raise ValueError(f"no text for a message of kind {kind!r}")
        title, lines = _(TITLES[kind]), _body(kind, values, _)
    if link and kind != "called":
        lines.append(link)
    return title, "\n".join(lines)


def _body(kind: str, values: dict, _) -> list[str]:
    if kind == "joined":
        lines = [_(JOINED)]
        if "ahead" in values and "wait_min" in values:
            lines[0] += " " + _(JOINED_WAIT)
        return lines
    if kind == "near":
        wait, ahead = int(values.get("wait_min", 0)), int(values.get("ahead", 0))
        how = "soon" if wait < 2 else "next" if ahead == 0 else "one" if ahead == 1 else "many"
        return [_(NEAR_WAIT[how]) + " " + _(NEAR_COME)]
    if kind == "called":
        return [_(CALLED) if values.get("counter") not in (None, "") else _(CALLED_NO_COUNTER)]
    if kind == "transferred":
        return [_(TRANSFERRED)]
    if kind == "feedback":
        return [_(FEEDBACK)]
    text = _(REMINDER) if kind == "reminder" else _(CONFIRMATION)
    if values.get("code"):
        text += " " + _(BOOKING_CODE)
    return [text]


# Characters an SMS can carry in the GSM 03.38 default alphabet (and its extension table), beyond which
# a message is sent as UCS-2 and its limit drops from 160 characters to 70.
GSM_CHARACTERS = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def is_gsm(text: str) -> bool:
    return set(text) <= GSM_CHARACTERS
