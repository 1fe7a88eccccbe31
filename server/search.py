"""The guide's search: the matters a citizen means by what they type (docs/guide.md, "Search").

Each site's catalogue (server/matters.py ``for_site``) is indexed per language: every word of a
matter's title, keywords and answer becomes its terms (server/words.py: base forms, compound parts,
stems), each term pointing at the matters that have it with the weight of the field it is in
(``FIELDS``: title > keywords > answer). A query's words are analysed the same way and looked up:

- a term found as it is counts fully, and also where it differs only by ä/ö/å typed as a/o;
- the parts of a compound add up ("liikuntasali": "liikunta" in one field, "sali" in another);
- the word being typed (the last one, with no space after it yet) also matches the terms it begins;
- a word that finds nothing is compared with the index's vocabulary for typos (rapidfuzz, one or two
  edits) and for compounds the analysis did not split (a term it begins or ends with, or one that
  begins or ends with it);
- each word also looks in the other languages' indexes (visitors mix languages, "parkkitillstånd"):
  at full weight where the searched language does not know the word, else at ``OTHER_LANGUAGE``;
  a matter with no title in the searched language is found by its Finnish words at full weight, as
  the pages then show it in Finnish;
- two words one after the other as a title or a keyword has them ("parking permit") count again.

A matter's score is the sum, over the query's words, of its best match for each word: the term's
weight × the field's × how rare the term is in the catalogue (``idf``, 1.0 for a term only one
matter has), and the pairs. Matters below ``MIN_SCORE`` or below ``RELATIVE_FLOOR`` of the best are
left out.

The index is kept per site and rebuilt when the site's catalogue changes (``matters.version``,
checked on every search with one cheap query).
"""

import bisect
import itertools
import math
import threading
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, select

from server import matters
from server.models import Matter, Site
from server.words import LANGS, PART, SUGGESTED, analyse, fold, words

FIELDS = {"title": 3.0, "keywords": 2.0, "answer": 1.0}
FOLDED = 0.9  # "paivakoti" for "päiväkoti"
PREFIX = 0.8  # "rakennusl…" while it is being typed
FUZZY = {1: 0.7, 2: 0.55}  # a typo of one or two edits
OTHER_LANGUAGE = 0.6  # a word the searched language knows, found in another
PART_IN_TEXT = 0.8  # × a part's own weight, for the parts of the catalogue's compounds
PARTS_MAX = 3.0  # the parts of a compound add up to no more than the whole word in a title
PAIR = 1.0  # two words one after the other as a title or keyword has them, × the field's weight
MIN_SCORE = 0.95  # a rare word in an answer is enough; a part of a compound meeting a part is not
RELATIVE_FLOOR = 0.3  # of the best matter's score
QUERY_MAX = 200  # characters read of a query
WORDS_MAX = 12  # words read of a query
PREFIX_MAX = 40  # terms a word being typed may stand for
FUZZY_MAX = 8  # terms a misspelt word may stand for


@dataclass
class Hit:
    matter: Matter
    score: float


@dataclass
class _Doc:
    id: int
    texts: dict[str, dict[str, str]]  # language → field → text (the language's own, "" if none)


class _Index:
    """One language's terms of a catalogue. Matters are numbered as in the catalogue's list."""

    def __init__(self, docs: list[_Doc], lang: str):
        postings: dict[str, dict[int, float]] = defaultdict(dict)
        pairs: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
        for n, doc in enumerate(docs):
            for field, field_weight in FIELDS.items():
                text = doc.texts[lang][field]
                for word in set(words(text)):
                    for term in analyse(word, lang):
                        # A part of a compound in the text is weaker still: "paikka" in "venepaikka"
                        # (a visitor's word's part) meets "paikka" in "päiväkotipaikka" at 0.6 × 0.48.
                        weight = term.weight if term.part is None else term.weight * PART_IN_TEXT
                        post = postings[term.text]
                        post[n] = max(post.get(n, 0.0), field_weight * weight)
                if field != "answer":  # the title, and each of the keywords: "parking permit"
                    for phrase in text.split(","):
                        for pair in _pairs(words(phrase), lang):
                            pairs[pair][n] = max(pairs[pair].get(n, 0.0), field_weight)
        self.lang = lang
        self.postings = dict(postings)
        self.pairs = dict(pairs)
        total = max(len(docs), 1)
        scale = math.log(1 + total)
        self.idf = {term: math.log(1 + total / len(post)) / scale for term, post in self.postings.items()}
        by_fold: dict[str, list[str]] = defaultdict(list)
        for term in self.postings:
            by_fold[fold(term)].append(term)
        self.by_fold = dict(by_fold)
        self.vocabulary = sorted(self.by_fold)  # folded; for words being typed
        self.reversed = sorted(term[::-1] for term in self.by_fold)  # for compounds ending with a word
        by_length: dict[int, list[str]] = defaultdict(list)
        for term in self.vocabulary:
            by_length[len(term)].append(term)
        self.by_length = dict(by_length)

    def match(self, word: str, typing: bool, thorough: bool) -> dict[int, float]:
        """Each matter's match for one query word: its best match for the whole word, or the sum of
        its best matches for each part of a compound, whichever is more. ``thorough``: a word not
        found as such is also looked for as a typo or a compound."""
        terms = analyse(word, self.lang)
        if not terms:
            return {}
        whole: dict[int, float] = {}
        parts: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
        found = False
        for term in terms:
            into = whole if term.part is None else parts[term.part]
            if self._add(into, term.text, term.weight) and term.weight >= SUGGESTED:
                found = True
        folded = fold(word)
        if typing and len(folded) >= 3:
            for term in self._beginning_with(folded):
                self._add_folded(whole, term, PREFIX)
        if not found and thorough and len(folded) >= 4:
            near = self._near(folded)
            for term, distance in near:
                self._add_folded(whole, term, FUZZY[distance])
            if not near and self.lang != "en":  # English writes its compounds apart
                for position, fragments in enumerate(self._parts_of(folded)):
                    for term in fragments:
                        self._add_folded(parts[(-1, position)], term, PART)
                for term in self._beginning_with(folded) + self._ending_with(folded):
                    self._add_folded(whole, term, PART)
        best = whole
        by_analysis: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for (analysis, _), matched in parts.items():
            for n, value in matched.items():
                by_analysis[analysis][n] += value
        for summed in by_analysis.values():
            for n, value in summed.items():
                value = min(value, PARTS_MAX)
                if value > best.get(n, 0.0):
                    best[n] = value
        return best

    def pair_bonus(self, first: str, second: str) -> dict[int, float]:
        """Two words one after the other as a title or a keyword has them: "parking permit"."""
        found: dict[int, float] = {}
        for pair in _pairs([first, second], self.lang):
            for n, field_weight in self.pairs.get(pair, {}).items():
                found[n] = max(found.get(n, 0.0), PAIR * field_weight)
        return found

    def _add(self, into: dict[int, float], term: str, weight: float) -> bool:
        """The term's matters into ``into`` at their best, as it is and with ä, ö, å typed as a, o;
        whether any was found."""
        found = False
        for other in self.by_fold.get(fold(term), ()):
            self._add_term(into, other, weight if other == term else weight * FOLDED)
            found = True
        return found

    def _add_folded(self, into: dict[int, float], folded: str, weight: float) -> None:
        for term in self.by_fold.get(folded, ()):
            self._add_term(into, term, weight)

    def _add_term(self, into: dict[int, float], term: str, weight: float) -> None:
        factor = weight * self.idf[term]
        for n, field_weight in self.postings[term].items():
            value = factor * field_weight
            if value > into.get(n, 0.0):
                into[n] = value

    def _beginning_with(self, folded: str) -> list[str]:
        start = bisect.bisect_left(self.vocabulary, folded)
        end = bisect.bisect_left(self.vocabulary, folded + "\uffff", start)
        found = [term for term in self.vocabulary[start:end] if term != folded]
        return sorted(found, key=len)[:PREFIX_MAX] if len(found) > PREFIX_MAX else found

    def _ending_with(self, folded: str) -> list[str]:
        backwards = folded[::-1]
        start = bisect.bisect_left(self.reversed, backwards)
        end = bisect.bisect_left(self.reversed, backwards + "\uffff", start)
        found = [term[::-1] for term in self.reversed[start:min(end, start + PREFIX_MAX + 1)]]
        return [term for term in found if term != folded][:PREFIX_MAX]

    def _parts_of(self, folded: str) -> tuple[list[str], list[str]]:
        """Terms of 4 letters or more that the word begins with, and that it ends with: the parts of
        a compound the analysis did not split ("skolinskrivning": skol, inskrivning)."""
        begins = [folded[:cut] for cut in range(4, len(folded) - 2) if folded[:cut] in self.by_fold]
        ends = [folded[cut:] for cut in range(2, len(folded) - 3) if folded[cut:] in self.by_fold]
        return begins, ends

    def _near(self, folded: str) -> list[tuple[str, int]]:
        """Terms one edit away (a word of up to 7 letters) or two (a longer one); a transposition of
        two letters is one edit."""
        from rapidfuzz import process  # noqa: PLC0415 (3 MB: loaded by a worker at its first search)
        from rapidfuzz.distance import OSA  # noqa: PLC0415

        edits = 1 if len(folded) <= 7 else 2
        found = []
        for length in range(len(folded) - edits, len(folded) + edits + 1):
            for term, distance, _ in process.extract(folded, self.by_length.get(length, ()), scorer=OSA.distance,
                                                     score_cutoff=edits, limit=FUZZY_MAX):
                found.append((term, int(distance)))
        found.sort(key=lambda pair: pair[1])
        return found[:FUZZY_MAX]


def _pairs(phrase: list[str], lang: str) -> set[tuple[str, str]]:
    """Each two words one after the other (stopwords left out), by their whole-word terms, folded."""
    found: set[tuple[str, str]] = set()
    terms = [{fold(t.text) for t in analyse(word, lang) if t.part is None and t.weight >= SUGGESTED}
             for word in phrase]
    terms = [alternatives for alternatives in terms if alternatives]
    for first, second in zip(terms, terms[1:]):
        found.update(itertools.product(first, second))
    return found


class _Catalogue:
    """A site's matters as of one ``matters.version``, with an index per language built when first
    searched in it."""

    def __init__(self, version: tuple, matter_list: list[Matter]):
        self.version = version
        self.docs = [_Doc(m.id, {lang: {field: getattr(m, f"{field}_{lang}") or "" for field in FIELDS}
                                 for lang in LANGS}) for m in matter_list]
        # Found by its Finnish words at full weight in a language it has no title in.
        self.untranslated = {lang: {n for n, doc in enumerate(self.docs) if not doc.texts[lang]["title"].strip()}
                             for lang in LANGS}
        self._indexes: dict[str, _Index] = {}
        self._lock = threading.Lock()

    def index(self, lang: str) -> _Index:
        index = self._indexes.get(lang)
        if index is None:
            with self._lock:
                index = self._indexes.get(lang)
                if index is None:
                    index = self._indexes[lang] = _Index(self.docs, lang)
        return index

    def rank(self, query: str, lang: str) -> list[tuple[int, float]]:
        """(matter id, score), best first, above the floors."""
        query = query[:QUERY_MAX]
        typed = list(dict.fromkeys(words(query)))[:WORDS_MAX]
        typing_last = bool(query) and not query[-1].isspace()
        # The searched language's stopwords are no one's words: "on" is not looked for in English.
        kept = [word for word in typed if analyse(word, lang)]
        own = self.index(lang)
        others = [self.index(other) for other in LANGS if other != lang]
        scores: dict[int, float] = defaultdict(float)
        for word in kept:
            typing = typing_last and word == typed[-1]
            best = own.match(word, typing, thorough=True)
            # A word the visitor's own language does not know is taken at its full weight in another
            # ("pysäköintilupa" on the English screen); one it knows, at OTHER_LANGUAGE. Typos and
            # compound guesses are looked for in Finnish too, Swedish and English words only as they are.
            foreign = not best
            for other in others:
                for n, value in other.match(word, typing, thorough=foreign and other.lang == "fi").items():
                    full = foreign or (other.lang == "fi" and n in self.untranslated[lang])
                    value *= 1.0 if full else OTHER_LANGUAGE
                    if value > best.get(n, 0.0):
                        best[n] = value
            for n, value in best.items():
                scores[n] += value
        for first, second in zip(kept, kept[1:]):
            for n, value in own.pair_bonus(first, second).items():
                scores[n] += value
        if not scores:
            return []
        top = max(scores.values())
        floor = max(MIN_SCORE, RELATIVE_FLOOR * top)
        ranked = sorted((n for n, score in scores.items() if score >= floor), key=lambda n: (-scores[n], n))
        return [(self.docs[n].id, round(scores[n], 3)) for n in ranked]


class Finder:
    """Finds matters at a site (one per app: ``app.state.finder``). Safe for many threads at once."""

    def __init__(self):
        self._catalogues: dict[int, _Catalogue] = {}
        self._lock = threading.Lock()

    def find(self, session: Session, site: Site, query: str, lang: str, limit: int = 8) -> list[Hit]:
        """The site's matters that fit ``query`` (typed in ``lang``: fi, sv or en), best first."""
        if lang not in LANGS:
            raise ValueError(f"no such language: {lang!r}")
        if len(query.strip()) < 2:
            return []
        ranked = self._catalogue(session, site).rank(query, lang)[:limit]
        if not ranked:
            return []
        found = {m.id: m for m in session.exec(select(Matter).where(Matter.id.in_([i for i, _ in ranked]),
                                                                     Matter.active))}
        return [Hit(found[i], score) for i, score in ranked if i in found]

    def _catalogue(self, session: Session, site: Site) -> _Catalogue:
        version = matters.version(session, site)
        catalogue = self._catalogues.get(site.id)
        if catalogue is not None and catalogue.version == version:
            return catalogue
        with self._lock:  # one rebuild at a time; others wait for it rather than build it again
            catalogue = self._catalogues.get(site.id)
            if catalogue is None or catalogue.version != version:
                catalogue = _Catalogue(version, matters.for_site(session, site))
                self._catalogues[site.id] = catalogue
        return catalogue
