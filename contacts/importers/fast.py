"""Fast paths for the normalizers the import calls a million times, with the same results.

crm/core/normalize.py stays the one definition of every rule. What is here only short-cuts
the overwhelmingly common spellings, using the very data and patterns those functions use,
and hands everything else (and every failure, so the error message is the real one) to the
normalizer itself. tests/contacts/test_import_fast_paths.py runs both on many generated
spellings and demands identical results.

- Phones: phonenumbers' parse + is_valid_number cost ~50 µs a number. A Japanese number
  written with digits, spaces, hyphens and parentheses, either nationally (0 + 9 or 10
  digits) or as +81, has an obvious national significant number; it is valid exactly when
  it matches the JP metadata's general description and one of its number types (length and
  pattern), which is what is_valid_number checks. Then its E.164 is '+81' + that number.
- E-mail: the same steps as normalize_email with the domain check (the costly regex)
  remembered per domain; files repeat domains, not addresses.
- Pure functions of one value (kana, names, dates, postal codes, NFKC) are memoized: files
  repeat spellings (names, companies, dates, postal codes) far more than they repeat rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.core.validators import EmailValidator
from phonenumbers import PhoneMetadata

from crm.core import normalize

_JP = PhoneMetadata.metadata_for_region("JP")
assert _JP is not None
_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


def _desc_check(desc: object) -> tuple[frozenset[int], str] | None:
    pattern = getattr(desc, "national_number_pattern", None) if desc is not None else None
    if not pattern:
        return None
    return frozenset(getattr(desc, "possible_length", ()) or ()), pattern


_GENERAL = _desc_check(_JP.general_desc)
_TYPE_CHECKS = [c for c in (_desc_check(getattr(_JP, name, None)) for name in _TYPES) if c]
# The international dialling prefix (010): a national spelling starting with it is parsed
# as an international number by phonenumbers, so it is left to phonenumbers.
_IDD = re.compile(_JP.international_prefix or "(?!)")
# Digits with the separators people type between them, optionally after +81.
_SIMPLE = re.compile(r"(\+81)?[0-9 ()\-]+")
_NOT_DIGIT = re.compile(r"\D")


def _fullmatch_source(check: tuple[frozenset[int], str]) -> str:
    """Regex source that matches a whole number exactly when phonenumbers'
    _is_number_matching_desc says yes: a possible length, then the pattern."""
    lengths, pattern = check
    length = "|".join(rf"\d{{{n}}}" for n in sorted(lengths))
    guard = rf"(?=(?:{length})\Z)" if lengths else ""
    return rf"{guard}(?:{pattern})\Z"


# One pattern: the general description, and then any one number type (the alternation
# backtracks through the types, so it is "any of them", as _number_type_helper asks).
_VALID_NSN = re.compile(
    rf"(?={_fullmatch_source(_GENERAL)})(?:"
    + "|".join(f"(?:{_fullmatch_source(check)})" for check in _TYPE_CHECKS)
    + ")"
    if _GENERAL
    else "(?!)"
)


def jp_valid_nsn(nsn: str) -> bool:
    """is_valid_number for a Japanese national significant number (phonenumbers' rules)."""
    return _VALID_NSN.match(nsn) is not None


def _phone_fast(text: str) -> str | None:
    """E.164 for the common spellings (text already through normalize_number_text), or
    None when phonenumbers must decide."""
    match = _SIMPLE.fullmatch(text)
    if match is None:
        return None
    if match.group(1):
        nsn = _NOT_DIGIT.sub("", text[3:])
        if not nsn or nsn[0] == "0":
            return None
    else:
        digits = _NOT_DIGIT.sub("", text)
        if len(digits) < 3 or digits[0] != "0" or digits[1] == "0" or _IDD.match(digits):
            return None
        nsn = digits[1:]
    return "+81" + nsn if jp_valid_nsn(nsn) else None


@lru_cache(maxsize=65_536)
def _phone_slow(value: str) -> str:
    return normalize.normalize_phone(value)


def normalize_phone(value: str) -> str:
    """normalize.normalize_phone(value) (region JP), faster; raises the same errors."""
    text = normalize.normalize_number_text(value)
    if not text:
        return ""
    fast = _phone_fast(text)
    if fast is not None:
        return fast
    return _phone_slow(value)


_email = EmailValidator()


@lru_cache(maxsize=65_536)
def _domain_ok(domain: str) -> bool:
    return domain in _email.domain_allowlist or bool(_email.validate_domain_part(domain))


def normalize_email(value: str) -> str:
    """normalize.normalize_email(value), faster; raises the same errors."""
    text = (value if value.isascii() else normalize.to_halfwidth(value)).strip()
    if not text:
        return ""
    if "@" in text:
        local, domain = text.rsplit("@", 1)
        domain = domain.lower()
        result = f"{local}@{domain}"
        if len(result) <= 320 and _email.user_regex.match(local) and _domain_ok(domain):
            return result
    return normalize.normalize_email(value)  # the verdict (and message) of the real one


normalize_kana = lru_cache(maxsize=65_536)(normalize.normalize_kana)
split_name = lru_cache(maxsize=65_536)(normalize.split_name)
to_halfwidth = lru_cache(maxsize=65_536)(normalize.to_halfwidth)


# Errors are cached with the language they were written in (a worker serves many users).
class Memo:
    """A normalizer that raises NormalizationError, remembered per value for one import:
    the result or the error message (in the language of that import's user), so the
    second spelling of a date or postal code costs a dict look-up."""

    LIMIT = 200_000  # values remembered before starting over (memory stays bounded)

    def __init__(self, function: Callable[[str], Any]) -> None:
        self.function = function
        self.seen: dict[str, tuple[Any, str]] = {}

    def __call__(self, value: str) -> Any:
        found = self.seen.get(value)
        if found is None:
            try:
                found = (self.function(value), "")
            except normalize.NormalizationError as exc:
                found = (None, str(exc))
            if len(self.seen) >= self.LIMIT:
                self.seen.clear()
            self.seen[value] = found
        if found[1]:
            raise normalize.NormalizationError(found[1])
        return found[0]
