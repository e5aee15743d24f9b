"""The definition → value pieces of crm/core/customfields.py: coercion per type, the admin's
rules with their messages in the user's language, storage as JSON, display, form fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from crm.core import customfields as cf
from crm.core.models import CustomFieldDefinition


def definition(field_type: str, **kw) -> CustomFieldDefinition:
    kw.setdefault("key", "f")
    kw.setdefault("label", "項目")
    return CustomFieldDefinition(object_type="contact", field_type=field_type, **kw)


def stored(d: CustomFieldDefinition, raw):
    return cf.to_json(d, cf.clean_value(d, raw))


@pytest.mark.parametrize(
    ("field_type", "raw", "expected"),
    [
        ("text", "  こんにちは ", "こんにちは"),
        ("long_text", "a\r\nb\n", "a\nb"),
        ("integer", "１，２３４", 1234),
        ("integer", 7, 7),
        ("decimal", "12.50", "12.5"),
        ("decimal", 0.1, "0.1"),
        ("currency", "¥1,200", 1200),
        ("currency", "3000円", 3000),
        ("date", "2024-04-01", "2024-04-01"),
        ("date", "令和6年4月1日", "2024-04-01"),
        ("date", "R6.4.1", "2024-04-01"),
        ("date", "平成元年1月8日", "1989-01-08"),
        ("date", "2024/4/1", "2024-04-01"),
        ("datetime", "2024-04-01T09:30", "2024-04-01T00:30:00Z"),  # Asia/Tokyo → UTC
        ("datetime", "2024-04-01T09:30:00+00:00", "2024-04-01T09:30:00Z"),
        ("boolean", "はい", True),
        ("boolean", "false", False),
        ("boolean", True, True),
        ("multi_select", ["a", "b", "a"], ["a", "b"]),
        ("multi_select", "a, b", ["a", "b"]),
        ("email", "Taro@Example.CO.JP", "Taro@example.co.jp"),
        ("phone", "０３ー１２３４ー５６７８", "+81312345678"),  # E.164, like every phone
        ("url", "example.co.jp/about", "https://example.co.jp/about"),
        ("text", "", None),
        ("integer", None, None),
        ("multi_select", [], None),
    ],
)
def test_it_coerces_each_type_to_json_safe_storage(field_type, raw, expected) -> None:
    d = definition(field_type, choices=["a", "b"] if "select" in field_type else [])
    assert stored(d, raw) == expected


@pytest.mark.parametrize(
    ("field_type", "raw"),
    [
        ("integer", "1.5"),
        ("integer", "abc"),
        ("integer", True),
        ("currency", "12.5"),
        ("decimal", "1.1234567"),
        ("decimal", "NaN"),
        ("date", "2024-02-30"),
        ("date", "yesterday"),
        ("datetime", "soon"),
        ("boolean", "maybe"),
        ("multi_select", {"a": 1}),
        ("email", "not-an-address"),
        ("phone", "call me"),
        ("url", "ftp://example.com"),
        ("text", ["list"]),
        ("text", "x" * 501),
    ],
)
def test_it_refuses_a_value_of_the_wrong_type_with_a_clear_message(field_type, raw) -> None:
    with pytest.raises(ValidationError) as info:
        cf.coerce(definition(field_type), raw)
    assert info.value.messages[0].strip()


def test_it_refuses_a_value_not_among_the_options() -> None:
    d = definition("select", choices=["ゴールド", "シルバー"])
    with pytest.raises(ValidationError) as info:
        cf.clean_value(d, "ブロンズ")
    assert "ゴールド, シルバー" in info.value.messages[0]
    assert cf.clean_value(d, "ゴールド") == "ゴールド"


def test_a_regex_must_match_the_whole_value() -> None:
    d = definition("text", regex=r"[A-Z]{2}-\d{4}")
    assert cf.clean_value(d, "AB-1234") == "AB-1234"
    with pytest.raises(ValidationError):
        cf.clean_value(d, "AB-12345")  # search() would accept this; fullmatch must not
    with pytest.raises(ValidationError):
        cf.clean_value(d, "xAB-1234")


def test_the_admins_message_is_shown_in_the_users_language() -> None:
    d = definition(
        "text",
        regex=r"C\d{5}",
        error_message="顧客コードはCと数字5桁です",
        error_message_en="Customer codes are C and five digits",
    )
    with translation.override("ja"), pytest.raises(ValidationError) as ja:
        cf.clean_value(d, "123")
    with translation.override("en"), pytest.raises(ValidationError) as en:
        cf.clean_value(d, "123")
    assert ja.value.messages == ["顧客コードはCと数字5桁です"]
    assert en.value.messages == ["Customer codes are C and five digits"]


def test_without_an_admin_message_the_default_says_what_to_enter() -> None:
    d = definition("integer", min=Decimal(1), max=Decimal(10))
    with translation.override("en"), pytest.raises(ValidationError) as info:
        cf.clean_value(d, 11)
    assert info.value.messages == ["Enter a number from 1 to 10."]


def test_min_and_max_bound_the_length_of_text_and_the_value_of_numbers_and_dates() -> None:
    text = definition("text", min=Decimal(2), max=Decimal(3))
    assert cf.clean_value(text, "abc") == "abc"
    for bad in ("a", "abcd"):
        with pytest.raises(ValidationError):
            cf.clean_value(text, bad)
    money = definition("currency", min=Decimal(0))
    with pytest.raises(ValidationError):
        cf.clean_value(money, -1)
    day = definition("date", min=cf.date_to_bound(dt.date(2024, 1, 1)))
    assert cf.clean_value(day, "2024-01-01") == dt.date(2024, 1, 1)
    with translation.override("en"), pytest.raises(ValidationError) as info:
        cf.clean_value(day, "2023-12-31")
    assert "2024-01-01" in info.value.messages[0]


def test_display_formats_values_for_people() -> None:
    with translation.override("ja"):
        assert cf.display(definition("currency"), 1234567) == "¥1,234,567"
        assert cf.display(definition("boolean"), True) == cf.display(definition("boolean"), 1)
        assert cf.display(definition("date"), "2024-04-01") == "2024/04/01"
        assert cf.display(definition("datetime"), "2024-04-01T00:30:00Z") == "2024/04/01 9:30"
        assert cf.display(definition("multi_select", choices=["a", "b"]), ["a", "b"]) == "a, b"
        assert cf.display(definition("text"), None) == ""
    with translation.override("en"):
        assert cf.display(definition("boolean"), False) == "No"
        assert cf.display(definition("decimal"), "1234.5") == "1,234.5"


@pytest.mark.parametrize(
    ("field_type", "widget", "input_type"),
    [
        ("text", forms.TextInput, "text"),
        ("long_text", forms.Textarea, None),
        ("integer", forms.TextInput, "text"),
        ("date", forms.DateInput, "date"),
        ("datetime", forms.DateTimeInput, "datetime-local"),
        ("boolean", forms.CheckboxInput, "checkbox"),
        ("select", forms.Select, None),
        ("multi_select", forms.CheckboxSelectMultiple, "checkbox"),
        ("email", forms.EmailInput, "email"),
        ("phone", forms.TextInput, "tel"),
        ("url", forms.URLInput, "url"),
        ("currency", forms.TextInput, "text"),
    ],
)
def test_the_form_field_has_the_right_widget(field_type, widget, input_type) -> None:
    field = cf.build_form_field(definition(field_type, choices=["a"]))
    assert isinstance(field.widget, widget)
    if input_type:
        assert (field.widget.attrs.get("type") or field.widget.input_type) == input_type


def test_the_form_field_shows_a_stored_datetime_in_local_time() -> None:
    field = cf.build_form_field(definition("datetime"))
    with timezone.override("Asia/Tokyo"):
        assert field.prepare_value("2024-04-01T00:30:00Z") == "2024-04-01T09:30"


def test_a_label_follows_the_language() -> None:
    d = definition("text", label="会員ランク", label_en="Membership rank")
    with translation.override("en"):
        assert cf.label_for(d) == "Membership rank"
    with translation.override("ja"):
        assert cf.label_for(d) == "会員ランク"


def test_a_phone_value_is_stored_e164_and_shown_in_national_format() -> None:
    from crm.core.customfields import display

    d = definition("phone")
    assert stored(d, "03(1234)5678") == "+81312345678"
    assert display(d, "+81312345678") == "03-1234-5678"
    with pytest.raises(ValidationError):
        stored(d, "12345")
