"""The import's fast normalizers (contacts/importers/fast.py) give exactly what the shared
normalizers (crm/core/normalize.py) give, value or error message, on many generated
spellings: full-width digits, every hyphen look-alike, parentheses, spaces, +81 and 0081,
mobile, landline, toll-free, IP, pager and premium numbers, and invalid ones."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from contacts.importers import fast
from crm.core import normalize

FULL_WIDTH = str.maketrans("0123456789+-()", "０１２３４５６７８９＋－（）")
PREFIXES = [
    "3", "6", "11", "45", "52", "92", "99", "123", "138", "172", "267", "475", "798", "996",
    "1267", "4992", "9969", "50", "70", "80", "90", "20", "60", "120", "800", "570", "990",
    "180", "910", "0", "00", "10", "1", "2", "4", "5", "7", "8", "9", "12", "190",
]  # fmt: skip


def _outcome(function: Callable[[str], Any], value: str) -> tuple[str, Any]:
    try:
        return "ok", function(value)
    except normalize.NormalizationError as exc:
        return "error", str(exc)


def _phone_spellings(count: int) -> list[str]:
    rng = random.Random(20261122)
    spellings = []
    for _ in range(count):
        prefix = rng.choice(PREFIXES)
        length = rng.choice([9, 9, 10, 10, 10, 8, 11, 12, 6])  # mostly real lengths
        nsn = prefix + "".join(
            rng.choice("0123456789") for _ in range(max(length - len(prefix), 1))
        )
        national = "0" + nsn
        cut = sorted(rng.sample(range(1, len(national)), 2)) if len(national) > 3 else [1, 2]
        a, b, c = national[: cut[0]], national[cut[0] : cut[1]], national[cut[1] :]
        hyphen = rng.choice(["-", " ", "", *normalize.HYPHENS, "　"])
        style = rng.randrange(9)
        if style == 0:
            text = national
        elif style == 1:
            text = f"{a}{hyphen}{b}{hyphen}{c}"
        elif style == 2:
            text = f"{a}({b}){c}"
        elif style == 3:
            text = f"({a}){b}{hyphen}{c}"
        elif style == 4:
            text = f"+81{rng.choice(['', ' ', '-'])}{nsn}"
        elif style == 5:
            text = f"+81 {a[1:]}{hyphen}{b}{hyphen}{c}" if len(a) > 1 else f"+81 ({a}){b}{c}"
        elif style == 6:
            text = rng.choice(["0081", "010", "+81 (0)", "81", "+1 ", "+44 "]) + nsn
        elif style == 7:
            text = nsn  # without the leading 0
        else:
            text = (
                rng.choice(["tel:", "TEL ", "", " "])
                + national
                + rng.choice(["", " ", "x12", " 内線12", "#", "/03-1234-5678", "a"])
            )
        if rng.random() < 0.3:
            text = text.translate(FULL_WIDTH)
        spellings.append(text)
    return spellings + ["", " ", "-", "０", "abc", "+81", "+", "0", "03", "()", "0120-444-444"]


def test_the_fast_phone_normalizer_agrees_with_normalize_phone() -> None:
    spellings = _phone_spellings(30_000)
    fast_hits = 0
    for value in spellings:
        expected = _outcome(normalize.normalize_phone, value)
        assert _outcome(fast.normalize_phone, value) == expected, value
        text = normalize.normalize_number_text(value)
        if text and fast._phone_fast(text) is not None:
            fast_hits += 1
    # The generated mix has valid and invalid numbers, and the fast path did take many.
    outcomes = [_outcome(normalize.normalize_phone, v)[0] for v in spellings[:2000]]
    assert outcomes.count("ok") > 300 and outcomes.count("error") > 300
    assert fast_hits > 3_000


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("03-1234-5678", "+81312345678"),
        ("０９０－１２３４－５６７８", "+819012345678"),
        ("090(1234)5678", "+819012345678"),
        ("+81 90-1234-5678", "+819012345678"),
        ("0120-123-456", "+81120123456"),
        ("050‐1234‐5678", "+815012345678"),
    ],
)
def test_the_fast_phone_path_takes_the_common_spellings(value: str, e164: str) -> None:
    assert fast._phone_fast(normalize.normalize_number_text(value)) == e164


def test_the_fast_email_normalizer_agrees_with_normalize_email() -> None:
    rng = random.Random(7)
    locals_ = ["user", "Taro.Yamada", "a+b", ".dot", "dot.", "a..b", "x_y-z", "山田", '"q q"', ""]
    domains = ["Example.CO.JP", "example.com", "localhost", "[127.0.0.1]", "[1.2.3]", "ex..com",
               "-bad.com", "ｅｘａｍｐｌｅ．ｊｐ", "例え.jp", "a.b", "x" * 70 + ".com",
               ""]  # fmt: skip
    values = []
    for _ in range(5_000):
        value = rng.choice(locals_) + rng.choice(["@", "@", "＠", "", "@@"]) + rng.choice(domains)
        if rng.random() < 0.2:
            value = f" {value}　"
        if rng.random() < 0.1:
            value = "a" * 320 + value
        values.append(value)
    for value in values:
        assert _outcome(fast.normalize_email, value) == _outcome(normalize.normalize_email, value)


def test_the_memoized_normalizers_agree_and_keep_their_errors() -> None:
    dates = ["2024/1/2", "令和6年1月2日", "S31.8.13", "１９８０／１３／４５", "H31.5.1", "abc", ""]
    postal = ["〒１００－０００１", "1000001", "100-000", "abc", ""]
    kana = ["やまだ たろう", "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ　タロウ", ""]
    parse_date = fast.Memo(normalize.parse_date)
    postal_code = fast.Memo(normalize.normalize_postal_code)
    for _ in range(2):  # the second round answers from the caches
        for value in dates:
            assert _outcome(parse_date, value) == _outcome(normalize.parse_date, value)
        for value in postal:
            assert _outcome(postal_code, value) == _outcome(normalize.normalize_postal_code, value)
        for value in kana:
            assert fast.normalize_kana(value) == normalize.normalize_kana(value)
            assert fast.split_name(value) == normalize.split_name(value)


def test_the_japanese_validity_pattern_agrees_with_is_valid_number() -> None:
    import phonenumbers

    rng = random.Random(81)
    valid = 0
    for _ in range(20_000):
        prefix = rng.choice(PREFIXES).lstrip("0") or "1"
        nsn = prefix + "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 12)))
        number = phonenumbers.PhoneNumber(country_code=81, national_number=int(nsn))
        expected = phonenumbers.is_valid_number(number)
        assert fast.jp_valid_nsn(nsn) == expected, nsn
        valid += expected
    assert valid > 1_000
