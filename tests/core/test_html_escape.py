"""crm.core.html.escape gives what Django's escape gives, for strings and other values."""

from __future__ import annotations

from django.utils.html import escape as django_escape
from django.utils.translation import gettext_lazy

from crm.core.html import escape


def test_the_fast_escape_matches_djangos() -> None:
    for value in ['<script>alert("x")</script>', "a & b's", "佐藤 <様>", 12, None, ""]:
        assert escape(value) == django_escape(value)
    assert escape(gettext_lazy("Select")) == "Select"
