"""From what someone typed to the n-gram tsquery and substring rechecks.

`fold` is the exact twin of the SQL `contacts_search_fold` (contacts/search/sql.py): both
sides must spell a text the same way or the index would miss rows."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jaconv

from crm.core import normalize

from .sql import NFKC_CLASS

NFKC_NEEDED = re.compile(NFKC_CLASS)
_DIGIT_RUN = re.compile(r"[0-9]{4,}")
# Long words cost GIN work per lexeme and the LIKE recheck is exact anyway.
MAX_LEXEMES_PER_VARIANT = 6


def fold(text: str) -> str:
    """Lower-cased; NFKC when it holds full-width/half-width/enclosed characters; hiragana
    to katakana. The SQL twin applies the same checks in the same order."""
    folded = text.lower()
    if NFKC_NEEDED.search(folded):
        folded = unicodedata.normalize("NFKC", folded).lower()
    return jaconv.hira2kata(folded)


def _cover(grams: list[str]) -> list[str]:
    """Every other n-gram plus the last one: together they span the whole word (the LIKE
    recheck does the rest) with half the posting lists to intersect."""
    if len(grams) <= 2:
        return grams
    picked = grams[::2]
    if grams[-1] not in picked:
        picked.append(grams[-1])
    return picked


def all_lexemes(word: str) -> list[str]:
    """The index lexemes a folded word (no spaces) must all have to contain it. Empty when the
    index cannot help (one ASCII character): the caller then relies on the recheck alone.
    Any subset narrows correctly too (the recheck is exact)."""
    if len(word) == 1:
        return [word] if not word.isascii() else []
    found: list[str] = []
    long_digits = [m.span() for m in _DIGIT_RUN.finditer(word)]
    for start, end in long_digits:
        found += _cover([word[i : i + 4] for i in range(start, end - 3)])
    inside = {i for start, end in long_digits for i in range(start, end)}
    bigrams = [
        word[i : i + 2] for i in range(len(word) - 1) if not (i in inside and i + 1 in inside)
    ]
    found += _cover(bigrams)
    return list(dict.fromkeys(found))


def lexemes(word: str) -> list[str]:
    """`all_lexemes`, at most MAX_LEXEMES_PER_VARIANT of them when nothing better is known:
    the longest (digit) grams first, rare enough to narrow, few enough to keep the GIN
    intersection and the planner's estimate sane. `Term.tsquery_for` picks by measured
    frequency instead."""
    unique = all_lexemes(word)
    if len(unique) > MAX_LEXEMES_PER_VARIANT:
        unique = sorted(unique, key=len, reverse=True)[:MAX_LEXEMES_PER_VARIANT]
    return unique


# A GIN scan reads the whole posting list of every lexeme it is given: a two-letter romaji
# gram ('ta', 'ko') is in a quarter of all rows, and six of them cost 30-90 ms on 1,000,000
# contacts where the two rarest grams of the same e-mail address cost 8 ms (measured). With
# frequencies from the probe (contacts.search._probe) a long word keeps its rarest grams.
PICKED_LEXEMES = 3


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class Term:
    """One word of the query: the spellings it may be stored as (folded, as typed, in
    hiragana, in full-width letters, as phone digits) — the substrings a contact's
    `search_text` is checked for — and the n-grams of the spellings the index knows (an
    empty tuple when the index cannot narrow the word: it is matched by the recheck only)."""

    variants: tuple[str, ...]
    lexeme_sets: tuple[tuple[str, ...], ...]

    @property
    def tsquery(self) -> str:
        """Any indexed spelling: an OR of ANDs of its (capped) n-grams."""
        return self._tsquery([_capped(s) for s in self.lexeme_sets])

    def grams_to_count(self) -> list[str]:
        return [g for s in self.lexeme_sets if len(s) > PICKED_LEXEMES for g in s]

    def tsquery_for(self, counts: dict[str, int]) -> str:
        """Like `tsquery`, but a spelling with many n-grams keeps the PICKED_LEXEMES that are
        rarest in `counts` (matches among the newest contacts; ties keep word order)."""
        picked = []
        for grams in self.lexeme_sets:
            if len(grams) > PICKED_LEXEMES and all(g in counts for g in grams):
                order = sorted(range(len(grams)), key=lambda i: counts[grams[i]])
                grams = tuple(grams[i] for i in sorted(order[:PICKED_LEXEMES]))
            else:
                grams = tuple(_capped(grams))
            picked.append(list(grams))
        return self._tsquery(picked)

    @staticmethod
    def _tsquery(sets: list[list[str]]) -> str:
        return " | ".join("(" + " & ".join(_quote(x) for x in s) + ")" for s in sets)


def _capped(grams: tuple[str, ...]) -> list[str]:
    if len(grams) > MAX_LEXEMES_PER_VARIANT:
        return sorted(grams, key=len, reverse=True)[:MAX_LEXEMES_PER_VARIANT]
    return list(grams)


_KATAKANA = re.compile(r"[ァ-ヶ]")
_ASCII_LETTER = re.compile(r"[a-z]")


def _stored_spellings(folded: str) -> list[str]:
    """Other ways the folded word may be spelled in the (lower-cased, not folded) stored
    text: kana in hiragana (さくら for サクラ) and letters in full width (ａｂｃ for abc).
    Checking the query's spellings against the raw text is what lets both search paths
    (index or scan) run the same cheap `LIKE`s instead of folding every scanned row in
    PL/pgSQL; their n-grams need no tsquery alternative of their own, because the indexed
    vector is built from the folded text, where they read as `folded`."""
    spellings = []
    if _KATAKANA.search(folded):
        spellings.append(jaconv.kata2hira(folded))
    if _ASCII_LETTER.search(folded):
        spellings.append(jaconv.h2z(folded, ascii=True, digit=True, kana=False))
    return spellings


# A whole query of digits and phone punctuation ('+81 3-1234-5678', '03 1234 5678') is one
# phone number, not several words.
_PHONE_LIKE = re.compile(r"[0-9+()\s\-‐‑–—―−－ー]+")


def _words(q: str) -> list[str]:
    compact = unicodedata.normalize("NFKC", q).strip()
    if _PHONE_LIKE.fullmatch(compact) and sum(c.isdigit() for c in compact) >= 6:
        return ["".join(compact.split())]
    return q.split()


def terms(q: str) -> list[Term]:
    result = []
    for raw in _words(q):
        # Folded, and as typed (lower-cased): stored text is not folded, so a name stored in
        # hiragana is found by the hiragana typed.
        variants = [fold(raw), raw.lower()]
        if any(c.isdigit() for c in raw) and not any(c.isalpha() for c in raw):
            digits = normalize.phone_search_key(raw)
            if len(digits) >= 2:
                variants.append(digits)
        variants = [v for v in dict.fromkeys(variants) if v]
        if not variants:
            continue
        sets: list[tuple[str, ...]] = []
        for variant in variants:
            found = all_lexemes(variant)
            if not found:
                sets = []
                break  # one variant the index cannot narrow: the word is recheck-only
            sets.append(tuple(found))
        spellings = [s for s in _stored_spellings(variants[0]) if s not in variants]
        result.append(Term(variants=tuple(variants + spellings), lexeme_sets=tuple(sets)))
    return result


@lru_cache(maxsize=256)
def highlight_needles(q: str) -> tuple[str, ...]:
    """Folded words of the query, for highlighting matches in displayed values. Cached: a
    results page highlights five values per row with the same query."""
    return tuple(v for term in terms(q) for v in term.variants)
