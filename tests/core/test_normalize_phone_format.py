"""crm.core.normalize.format_jp_national is a compiled twin of phonenumbers' NATIONAL format
for Japan: it must write every number exactly as the library does."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from crm.core.normalize import format_jp_national, format_phone


def library_national(national_number: str) -> str:
    number = phonenumbers.PhoneNumber(country_code=81, national_number=int(national_number))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def corpus() -> list[str]:
    """Every leading-digit prefix of two to five digits, each completed to 9 and 10 digits
    with deterministic random tails, plus the library's own example numbers."""
    rng = random.Random(20261201)
    numbers: set[str] = set()
    for prefix in range(10, 100_000):
        text = str(prefix)
        for length in (9, 10):
            tail = "".join(rng.choice("0123456789") for _ in range(length - len(text)))
            numbers.add(text + tail)
    for kind in phonenumbers.PhoneNumberType.values():
        example = phonenumbers.example_number_for_type("JP", kind)
        if example is not None:
            numbers.add(str(example.national_number))
    return sorted(numbers)


def test_every_prefix_formats_as_phonenumbers_does() -> None:
    numbers = corpus()
    assert len(numbers) > 150_000
    wrong = [(n, format_jp_national(n), library_national(n)) for n in numbers]
    wrong = [row for row in wrong if row[1] != row[2]]
    assert wrong == []


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+81312345678", "03-1234-5678"),
        ("+819012345678", "090-1234-5678"),
        ("+81466123456", "0466-12-3456"),
        ("+81120123456", "0120-123-456"),
        ("+12025550123", "+1 202-555-0123"),
        ("", ""),
        ("not a number", "not a number"),
    ],
)
def test_format_phone(e164: str, shown: str) -> None:
    assert format_phone(e164) == shown
