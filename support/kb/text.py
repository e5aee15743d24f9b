"""Text handling of FAQ articles: the HTML allow-list, plain text, and the search lexemes.

Lexemes (stock PostgreSQL, no pg_trgm; the same idea as contacts' n-gram index, see
docs/search.md): the text is folded (NFKC, lower case), then split into runs. A run of
Japanese characters (kana, kanji, the long-vowel mark) gives its character bigrams (`返品`,
`品に`, ...; a one-character run gives itself); a run of letters/digits gives the word. The
vector is written as a tsvector literal whose lexemes carry weight A when they occur in a
title and D in a body, so a query can tell a title match from a body match
(`'返品':A`). Quoted literals, never parsed by a text search configuration.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

import bleach
from bleach.html5lib_shim import Filter

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "ul",
        "ol",
        "li",
        "a",
        "h2",
        "h3",
        "blockquote",
        "code",
        "pre",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "rel"],
    "th": ["colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


class _NoFollow(Filter):  # type: ignore[misc]
    """Every kept link gets rel="nofollow" (whatever rel it came with)."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        for token in Filter.__iter__(self):
            if token.get("type") == "StartTag" and token.get("name") == "a":
                attrs = dict(token.get("data") or {})
                attrs[(None, "rel")] = "nofollow"
                token["data"] = attrs
            yield token


_CLEANER = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_NoFollow],
)
# Elements whose content is code, not text: dropped with their content, not unwrapped.
_DROP_WITH_CONTENT = re.compile(
    r"<(script|style|iframe|object|embed|template|noscript|svg|math)\b[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)


def sanitize_html(value: str) -> str:
    """The article body as stored: only the allow-list's tags and attributes, links only to
    http/https/mailto and marked nofollow; scripts, styles and event handlers gone."""
    text = _DROP_WITH_CONTENT.sub("", value or "")
    return _CLEANER.clean(text).strip()


def paragraphs_html(text: str) -> str:
    """Plain text (a ticket reply) as escaped paragraphs: blank lines split paragraphs,
    single line breaks become <br>."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n"))]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in block.split("\n")) + "</p>"
        for block in blocks
        if block
    )


_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|li|h2|h3|blockquote|pre|tr|td|th)>|<br\s*/?>", re.IGNORECASE)


def plain_text(value: str) -> str:
    """The text of sanitized HTML (tags out, entities decoded, blocks as line breaks)."""
    text = _BLOCK_END.sub("\n", value or "")
    text = html.unescape(_TAG.sub("", text))
    return re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n+", "\n", text)).strip()


def excerpt(value: str, length: int = 140) -> str:
    text = " ".join(plain_text(value).split())
    return text if len(text) <= length else text[: length - 1] + "…"


def fold(text: str) -> str:
    """How both stored text and queries are compared: NFKC (full-width letters, half-width
    kana) and lower case. Hiragana and katakana stay apart (a word is written one way)."""
    return unicodedata.normalize("NFKC", text or "").lower()


_JA = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006"
_RUN = re.compile(rf"[{_JA}]+|[^\W{_JA}_]+")
_HIRAGANA_ONLY = re.compile(r"^[\u3040-\u309f]+$")
MAX_WORD = 40


def runs(folded: str) -> list[tuple[bool, str]]:
    """(is_japanese, run) in order."""
    return [(bool(re.match(rf"[{_JA}]", m.group())), m.group()) for m in _RUN.finditer(folded)]


def lexemes(folded: str) -> list[str]:
    """Every lexeme of a folded text, in order, with repeats (for counting)."""
    out: list[str] = []
    for is_ja, run in runs(folded):
        if is_ja:
            out += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        elif 2 <= len(run) <= MAX_WORD:
            out.append(run)
    return out


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def vector_literal(title_texts: Iterable[str], body_texts: Iterable[str]) -> str:
    """A tsvector literal: lexemes of the titles at position 1 weight A, of the bodies at
    position 2 (weight D)."""
    title = {lex for t in title_texts for lex in lexemes(fold(t))}
    body = {lex for t in body_texts for lex in lexemes(fold(t))}
    parts = []
    for lex in sorted(title | body):
        positions = []
        if lex in title:
            positions.append("1A")
        if lex in body:
            positions.append("2")
        parts.append(f"{_quote(lex)}:{','.join(positions)}")
    return " ".join(parts)


def search_text(texts: Iterable[str]) -> str:
    return "\n".join(fold(t) for t in texts if t)


def query_words(q: str) -> list[str]:
    """The folded words of a query (split on spaces; Japanese and Latin parts stay one word)."""
    return [w for w in fold(q).split() if w][:10]


def word_grams(word: str) -> list[tuple[str, bool]]:
    """(lexeme, is_prefix) the index can narrow a folded query word by. Empty for a word of
    one character (matched by the substring check alone)."""
    out: list[tuple[str, bool]] = []
    for is_ja, run in runs(word):
        if is_ja and len(run) >= 2:
            out += [(run[i : i + 2], False) for i in range(len(run) - 1)]
        elif not is_ja and 2 <= len(run) <= MAX_WORD:
            out.append((run, True))
    return list(dict.fromkeys(out))


STOP_WORDS = frozenset(
    {
        *("the", "and", "for", "you", "your", "are", "was", "with", "this", "that", "have"),
        *("from", "not", "but", "can", "please", "thank", "thanks", "will", "would", "could"),
        *("should", "about", "which", "there", "their", "what", "when", "where", "how", "our"),
        *("has", "had"),
    }
)


def distinctive_candidates(text: str, *, limit: int = 60) -> Counter[str]:
    """Lexemes of a long text worth looking up, with their counts: no all-hiragana bigrams
    (です, して: grammar, not topic), no short or stop words."""
    counts: Counter[str] = Counter()
    for lex in lexemes(fold(text)):
        if _HIRAGANA_ONLY.match(lex):
            continue
        if lex.isascii() and (len(lex) < 3 or lex in STOP_WORDS or lex.isdigit()):
            continue
        counts[lex] += 1
    return Counter(dict(counts.most_common(limit)))


def tsquery_item(lexeme: str, *, prefix: bool = False, weight: str = "") -> str:
    return _quote(lexeme) + (":" + ("*" if prefix else "") + weight if prefix or weight else "")
