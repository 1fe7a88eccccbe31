"""The words of a text, as the guide's search (server/search.py) compares them, per language.

Finnish inflects and compounds ("rakennusluvan" is a form of "rakennuslupa", a building permit):
Voikko (Debian's libvoikko1 and voikko-fi, through the ``libvoikko`` binding) gives every base form
of a word, and from its WORDBASES the parts of a compound ("rakennus", "lupa"). A word Voikko does
not know is tried again with ä and ö where a and o were typed ("paivakoti" → "päiväkoti"), and then
through Voikko's own spelling suggestions. Swedish and English words are reduced to their Snowball
stems ("bygglovet" → "bygglov", "permits" → "permit"). Without Voikko (a machine without the Debian
packages) Finnish falls back to Snowball's Finnish stemmer, with a warning in the log: it finds
fewer inflected forms and no compound parts.

A word's analysis is its terms (``Term``), each with a weight: the word itself and its base forms
1.0, a Snowball stem ``STEM``, a form only suggested for a misspelt word ``SUGGESTED``, a compound
within a compound or the word a derived word comes from ``INNER_COMPOUND``, and each part of a
compound ``PART`` (server/search.py adds the parts of one compound up).
"""

import itertools
import logging
import re
import threading
import unicodedata
from functools import lru_cache
from typing import NamedTuple

log = logging.getLogger("luukku.search")

LANGS = ("fi", "sv", "en")
PART = 0.6  # a part of a compound ("lupa" in "rakennuslupa")
INNER_COMPOUND = 0.8  # "pysäköintitunnus" in "asukaspysäköintitunnus"; "hukata" for "hukattu"
SUGGESTED = 0.8  # a form Voikko suggests for a word it does not know
STEM = 0.9  # a Swedish or English word by its stem only ("parking" and "park")
WORD_MAX = 40  # letters: longer is no word ("lastentarhanopettajankoulutusohjelma" has 36)
MAX_UMLAUT_TRIES = 64  # a/o → ä/ö variants tried for an unknown Finnish word (2^6)

# Letters, with inner hyphens ("vuokra-asunto", "e-tjänst"); or a number.
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+")
_WORDBASE = re.compile(r"\+([^+(]*)(?:\(([^)]*)\))?")

# Words that say nothing about the matter: question words, pronouns, auxiliaries. Finnish ones as
# Voikko's base forms (a word is left out when any of its base forms is here). Not "te" (you):
# TE-toimisto, the employment office, is written "te toimisto" too.
STOPWORDS = {
    "fi": set("""
        olla ei voida saada pitää täytyä haluta tarvita minä sinä hän me he se ne tämä tuo nämä
        mikä kuka mitä miten miksi missä mistä mihin milloin kuinka paljon ja tai että jos kun mutta
        myös vai niin nyt oma mä mun mulla sä jo vielä kanssa kautta joka jokin mikään ole on
        """.split()),
    "sv": set("""
        hur jag vi du ni han hon den det de en ett och eller att som är var vad när varför kan
        kunna ska skall måste vill behöver min mitt mina din ditt dina få får till för på i av med om
        från hos vilken vilket vilka man sig mig dig har hade ha inte någon något jo nu också
        """.split()),
    "en": set("""
        how what where when why who which i me my mine we our you your he she it its they them their
        a an the and or to for of in on at by with from about is are was be been do does did can
        could should would will must need needs want get got have has had there this that these those
        please not no any some if am
        """.split()),
}


def words(text: str) -> list[str]:
    """The words of ``text``, in lower case, in order."""
    return _WORD.findall(text.lower())


@lru_cache(maxsize=100_000)
def fold(term: str) -> str:
    """The term without its diacritics, as typed on a keyboard without them: ä → a, ö → o, å → a."""
    return "".join(c for c in unicodedata.normalize("NFKD", term) if not unicodedata.combining(c))


class Term(NamedTuple):
    """One of a word's terms: the word itself, a base form or stem, a form suggested for it (``part``
    None: the terms of the whole word, alternatives to each other), or one of the parts of a compound
    (``part``: which analysis of the word, which part of it: alternatives to each other only within
    one part; the parts of one analysis add up)."""

    text: str
    weight: float
    part: tuple[int, int] | None = None


def analyse(word: str, lang: str) -> tuple[Term, ...]:
    """The terms of one lower-case word in ``lang``; () for a stopword."""
    if len(word) > WORD_MAX:  # no word of the catalogue; and Voikko's suggestions would take long
        return (Term(word, 1.0),)
    return _ANALYSERS[lang].analyse(word)


class _Finnish:
    """Voikko's analyses, or Snowball's Finnish stems where Voikko cannot be loaded."""

    def __init__(self):
        self._lock = threading.Lock()  # a Voikko handle is not safe for two threads at once
        self._voikko = None
        self._tried = False
        self._fallback = _Snowball("finnish", "fi")

    def voikko(self):
        with self._lock:
            if not self._tried:
                self._tried = True
                try:
                    import libvoikko

                    self._voikko = libvoikko.Voikko("fi")
                except (OSError, libvoikko.VoikkoException) as exc:
                    log.warning("Voikko cannot be loaded (%s): Finnish searches use Snowball stems and find "
                                "fewer inflected forms and no compound parts; install Debian's libvoikko1 "
                                "and voikko-fi", exc)
            return self._voikko

    @lru_cache(maxsize=100_000)  # noqa: B019 (one instance for the process)
    def analyse(self, word: str) -> tuple[Term, ...]:
        voikko = self.voikko()
        if voikko is None:
            return self._fallback.analyse(word)
        terms = _Terms(word)
        analyses = self._analyses(word)
        weight = 1.0
        if not analyses:
            analyses = self._with_umlauts(word)
        if not analyses and len(word) >= 4 and not word.isdigit():
            with self._lock:
                suggestions = voikko.suggest(word)[:3]
            analyses = [a for s in suggestions for a in self._analyses(s.lower())]
            weight = SUGGESTED
        if not analyses and "-" in word:  # "e-palvelu": the parts Voikko knows
            for position, piece in enumerate(word.split("-")):
                for term in self.analyse(piece):
                    if term.part is None:
                        terms.add(term.text, PART * term.weight, (0, position))
        for n, analysis in enumerate(analyses):
            base = analysis.get("BASEFORM", "").lower()
            if base in STOPWORDS["fi"]:
                return ()
            if base:
                terms.add(base, weight)
            parts, inner = _compound_parts(analysis.get("WORDBASES", ""))
            for position, alternatives in enumerate(parts):
                for text in alternatives:
                    terms.add(text, PART * weight, (n, position))
            for text in inner:
                terms.add(text, INNER_COMPOUND * weight)
        if word in STOPWORDS["fi"]:
            return ()
        return terms.found()

    def _analyses(self, word: str) -> list[dict]:
        with self._lock:
            return self._voikko.analyze(word)

    def _with_umlauts(self, word: str) -> list[dict]:
        """The analyses of ``word`` with some of its a and o read as ä and ö, when it has no ä or ö of
        its own: a keyboard without them, or a visitor who did not look for them."""
        if "ä" in word or "ö" in word:
            return []
        places = [i for i, c in enumerate(word) if c in "ao"]
        found: list[dict] = []
        for choice in itertools.islice(itertools.product((False, True), repeat=len(places)), 1, MAX_UMLAUT_TRIES):
            letters = list(word)
            for place, umlaut in zip(places, choice):
                if umlaut:
                    letters[place] = "ä" if letters[place] == "a" else "ö"
            found += self._analyses("".join(letters))
        return found


def _compound_parts(wordbases: str) -> tuple[list[set[str]], set[str]]:
    """The parts of a compound from Voikko's WORDBASES, and the shorter compounds within it:
    "+asukas(asukas)+pysäköi(pysäköidä)+nti(+ti)+tunnus(tunnus)" → parts asukas, pysäköinti or
    pysäköidä, tunnus; within it pysäköintitunnus and asukaspysäköinti. A derivational ending
    ("+nti(+ti)") belongs to the part before it. A word of one part has no parts, and within it
    only the word it is derived from, if any."""
    parts: list[list[str]] = []
    for surface, base in _WORDBASE.findall(wordbases):
        if surface == "-" and not base:  # "vuokra-asunto"
            continue
        if parts and (base.startswith("+") or not base and len(surface) < 3):  # an ending
            parts[-1][0] += surface
        else:  # a part; one without a base of its own is a prefix such as "seka" in "sekajäte"
            parts.append([surface, base or surface])
    if len(parts) < 2:
        # A derived word's own base, the verb it comes from: "hukattu" (lost) → hukata.
        return [], {parts[0][1].lower()} if parts and parts[0][1] != parts[0][0] else set()
    alternatives = [{w.lower() for w in part if len(w) >= 3} for part in parts]
    inner = {"".join(p[0] for p in parts[start:start + length]).lower()
             for length in range(2, len(parts)) for start in range(len(parts) - length + 1)}
    return alternatives, inner


class _Terms:
    """A word's terms as they are found, each kept at its best weight."""

    def __init__(self, word: str):
        self._best: dict[tuple[str, tuple[int, int] | None], float] = {(word, None): 1.0}

    def add(self, text: str, weight: float, part: tuple[int, int] | None = None) -> None:
        key = (text, part)
        if weight > self._best.get(key, 0.0):
            self._best[key] = weight

    def found(self) -> tuple[Term, ...]:
        return tuple(Term(text, weight, part) for (text, part), weight in self._best.items())


class _Snowball:
    def __init__(self, algorithm: str, lang: str):
        self._algorithm = algorithm
        self._stemmer = None  # made at the first word: Snowball's 3 MB, not at every worker's start
        self._lock = threading.Lock()  # a stemmer keeps the word it works on in itself
        self._stopwords = STOPWORDS[lang]

    @lru_cache(maxsize=100_000)  # noqa: B019 (one instance per language for the process)
    def analyse(self, word: str) -> tuple[Term, ...]:
        if word in self._stopwords:
            return ()
        terms = _Terms(word)
        with self._lock:
            if self._stemmer is None:
                import snowballstemmer  # noqa: PLC0415

                self._stemmer = snowballstemmer.stemmer(self._algorithm)
            terms.add(self._stemmer.stemWord(word), STEM)
            if "-" in word:  # "e-tjänst"
                for position, piece in enumerate(word.split("-")):
                    if len(piece) >= 3 and piece not in self._stopwords:
                        terms.add(piece, PART, (0, position))
                        terms.add(self._stemmer.stemWord(piece), PART, (0, position))
        return terms.found()


def voikko_available() -> bool:
    """Whether Finnish words are analysed by Voikko (else by Snowball's Finnish stemmer)."""
    return _ANALYSERS["fi"].voikko() is not None


_ANALYSERS = {"fi": _Finnish(), "sv": _Snowball("swedish", "sv"), "en": _Snowball("english", "en")}
