"""Japanese-aware tokens for "similar inquiries", with no extension (no pg_trgm, no MeCab).

Text is NFKC-normalized (full-width letters and digits become ASCII, half-width kana
become full-width) and lower-cased. Runs of CJK characters (kanji, katakana, hiragana, the
long vowel mark, 々) become overlapping character bigrams (返品したい → 返品 品し した たい);
a lone CJK character stays a unigram. Latin letters and digits become words. Bigrams of
hiragana only (ます, です, いた…) are grammar, not topic: dropped unless nothing else is left.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TOKENS = 300  # per ticket: keeps arrays and the query bounded for very long mails

_CJK = "\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u30fc"
_RUN_RE = re.compile(f"[{_CJK}]+|[a-z0-9][a-z0-9'_-]*")
_HIRAGANA_RE = re.compile("^[\u3040-\u309f\u30fc]+$")
_LATIN_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "we",
        "with",
        "you",
        "your",
        "re",
        "fw",
        "fwd",
    ]
)


def tokenize(*texts: str) -> list[str]:
    """Unique tokens in order of first appearance (the subject's first), at most MAX_TOKENS."""
    seen: dict[str, None] = {}
    grammar: dict[str, None] = {}
    for text in texts:
        norm = unicodedata.normalize("NFKC", text or "").lower()
        for run in _RUN_RE.findall(norm):
            if run[0].isascii():
                word = run.strip("'_-")
                if len(word) >= 2 and word not in _LATIN_STOP:
                    seen.setdefault(word, None)
                continue
            if len(run) == 1:
                if not _HIRAGANA_RE.match(run):
                    seen.setdefault(run, None)
                continue
            for i in range(len(run) - 1):
                gram = run[i : i + 2]
                if _HIRAGANA_RE.match(gram):
                    grammar.setdefault(gram, None)
                else:
                    seen.setdefault(gram, None)
        if len(seen) >= MAX_TOKENS:
            break
    out = list(seen) or list(grammar)
    return out[:MAX_TOKENS]
