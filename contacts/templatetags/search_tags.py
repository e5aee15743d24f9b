"""`{{ value|highlight:q }}`: the value, HTML-escaped, with the parts a search matched wrapped
in <mark>. Matching uses the search's own folding (contacts.search.query.fold), so 'さと'
marks 'サト' and 'ＡＢＣ' marks 'abc'."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from contacts.search.query import fold, highlight_needles

register = template.Library()


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    return fold(ch)


def _spans(text: str, needles: tuple[str, ...]) -> list[bool]:
    """Which characters of `text` are inside a match. Each character is folded on its own and
    the folded offsets mapped back, so a fold that changes length (㈱ → (株)) still marks the
    right original characters. ASCII folds to its lower case, one character for one."""
    if text.isascii():
        folded = text.lower()
        owner: list[int] = list(range(len(text)))
    else:
        folded_parts = [_fold_char(ch) for ch in text]
        folded = "".join(folded_parts)
        owner = []
        for index, part in enumerate(folded_parts):
            owner.extend([index] * len(part))
    marked = [False] * len(text)
    for needle in needles:
        if not needle:
            continue
        start = folded.find(needle)
        while start != -1:
            for offset in range(start, start + len(needle)):
                marked[owner[offset]] = True
            start = folded.find(needle, start + 1)
    return marked


@register.filter
def highlight(value: Any, q: str) -> SafeString:
    text = "" if value is None else str(value)
    needles = highlight_needles(q) if q else ()
    if not text or not needles:
        return escape(text)
    marked = _spans(text, needles)
    out: list[str] = []
    index = 0
    while index < len(text):
        end = index
        while end < len(text) and marked[end] == marked[index]:
            end += 1
        chunk = escape(text[index:end])
        out.append(f"<mark>{chunk}</mark>" if marked[index] else chunk)
        index = end
    return mark_safe("".join(out))  # noqa: S308  (every piece went through escape())
