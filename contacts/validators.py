from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def corporate_number_is_valid(value: str) -> bool:
    """法人番号: 13 digits, the first a check digit over the other twelve
    (National Tax Agency: 9 - (sum of digits weighted 1,2,1,2,... from the right) mod 9)."""
    if len(value) != 13 or not value.isdigit():
        return False
    body = value[1:]
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(body)))
    return int(value[0]) == 9 - total % 9


def validate_corporate_number(value: str) -> None:
    if value and not corporate_number_is_valid(value):
        raise ValidationError(
            _(
                "This corporate number (法人番号) fails its check digit: "
                "enter the 13 digits exactly as issued."
            ),
            code="invalid",
        )
