"""Custom fields: one definition builds everything (NetBox-style).

A `CustomFieldDefinition` row says what a field is; this module turns it into each thing
the rest of the app needs, so a field an admin adds shows up everywhere at once:

    coerce()              any input (form string, API JSON, import cell) -> Python value
    validate_value()      the admin's rules (choices, regex, min/max), one message per failure
    to_json()             Python value -> what is stored in the JSONB column
    display()             stored value -> text for the list column and the detail page
    build_form_field()    the Django form field (right widget per type)
    CustomFieldsFormMixin adds the fields to a ModelForm and collects `custom_fields`
    clean_custom_fields() validates a whole `custom_fields` object (API, services, import)
    check_unique()        per-tenant uniqueness under an advisory lock (called by services)
    CustomFieldFilter     ?cf_<key>= / ?cf_<key>__gte= / __lte= for list pages and the API

Storage (one JSONB object per row, keyed by definition key; an empty value is an absent key):
    text, long_text, select, email, phone, url  -> string
    integer, currency (whole yen)               -> JSON number
    decimal                                     -> string ("12.5"), never a float
    date                                        -> "YYYY-MM-DD"
    datetime                                    -> "YYYY-MM-DDTHH:MM:SSZ" (UTC, so strings
                                                   sort in time order)
    boolean                                     -> true / false
    multi_select                                -> list of strings

Min/max live in the definition's two decimal columns. For text they bound the length; for
numbers the value; for dates they hold the date as the number YYYYMMDD (see `bound_*`).

Apps tell this module which model holds each object type's values
(`register_custom_field_model`), so `crm` never imports them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from . import normalize
from .models import CustomFieldDefinition, FieldType, ObjectType, Tenant

# --- the registry of models holding values ---------------------------------------------------
_MODELS: dict[str, type[models.Model]] = {}


def register_custom_field_model(object_type: str, model: type[models.Model]) -> None:
    """Called from an app's `ready()`: `model` keeps `object_type`'s values in its
    `custom_fields` column (it must be TenantOwned + HasCustomFields)."""
    if object_type not in ObjectType.values:
        raise ValueError(f"unknown object type {object_type!r}")
    _MODELS[object_type] = model


def custom_field_model(object_type: str) -> type[models.Model] | None:
    return _MODELS.get(object_type)


# --- type families ---------------------------------------------------------------------------
TEXT_TYPES = frozenset({FieldType.TEXT, FieldType.LONG_TEXT})
TEXT_LIKE = frozenset(
    {FieldType.TEXT, FieldType.LONG_TEXT, FieldType.EMAIL, FieldType.PHONE, FieldType.URL}
)
NUMERIC_TYPES = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.CURRENCY})
DATE_TYPES = frozenset({FieldType.DATE, FieldType.DATETIME})
CHOICE_TYPES = frozenset({FieldType.SELECT, FieldType.MULTI_SELECT})
BOUNDED_TYPES = TEXT_TYPES | NUMERIC_TYPES | DATE_TYPES
RANGE_FILTER_TYPES = NUMERIC_TYPES | DATE_TYPES
UNIQUE_TYPES = frozenset(
    {
        FieldType.TEXT,
        FieldType.INTEGER,
        FieldType.DECIMAL,
        FieldType.DATE,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
        FieldType.CURRENCY,
    }
)

# Hard caps that hold whatever an admin configures: they keep rows and regex checks small.
MAX_TEXT = 500
MAX_LONG_TEXT = 10_000
MAX_DECIMAL_PLACES = 6
MAX_INTEGER = 2**53 - 1  # exact in JavaScript and in every JSON parser


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def label_for(definition: CustomFieldDefinition) -> str:
    """The label in the user's language (English when asked for and given)."""
    if (get_language() or "").startswith("en") and definition.label_en:
        return definition.label_en
    return definition.label


# --- dates, including 和暦 (one parser for the whole product: crm.core.normalize) ----------
def parse_date(text: str) -> dt.date | None:
    """ISO, 2024/4/1, 2024年4月1日, 令和6年4月1日, R6.4.1, 平成元年1月8日. None if not a date."""
    try:
        return normalize.parse_date(text)
    except normalize.NormalizationError:
        return None


def bound_to_date(bound: Decimal) -> dt.date:
    number = int(bound)
    return dt.date(number // 10000, number // 100 % 100, number % 100)


def date_to_bound(day: dt.date) -> Decimal:
    return Decimal(day.year * 10000 + day.month * 100 + day.day)


def bound_display(definition: CustomFieldDefinition, bound: Decimal | None) -> str | None:
    """A min/max as people write it: 2024-04-01 for dates, 10 or 2.5 for numbers."""
    if bound is None:
        return None
    if definition.field_type in DATE_TYPES:
        try:
            return bound_to_date(bound).isoformat()
        except ValueError:
            return str(bound)
    return _plain_decimal(Decimal(bound))


def _plain_decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


# --- coercion: anything in -> Python value ----------------------------------------------------
def _type_error(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, code=code)


def _number_text(value: str) -> str:
    text = normalize.normalize_number_text(value)
    return text.replace(",", "").replace("_", "").replace(" ", "")


def _coerce_decimal(value: Any, message: str) -> Decimal:
    if isinstance(value, bool):
        raise _type_error(message)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        text = _number_text(value).removeprefix("¥").removesuffix("円")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _type_error(message) from None
    else:
        raise _type_error(message)
    if not number.is_finite():
        raise _type_error(message)
    return number


def _coerce_datetime(value: Any) -> dt.datetime:
    message = _("Enter a date and time such as 2024-04-01 09:30.")
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            day = parse_date(text)
            if day is None:
                raise _type_error(message) from None
            moment = dt.datetime.combine(day, dt.time())
    else:
        raise _type_error(message)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_current_timezone())
    return moment


def coerce(definition: CustomFieldDefinition, value: Any) -> Any:
    """Turn one incoming value (form string, API JSON, import cell or stored JSON) into its
    Python value, or None when empty. Raises ValidationError saying what to enter."""
    if is_empty(value):
        return None
    kind = definition.field_type
    if isinstance(value, str) and kind not in (FieldType.LONG_TEXT,):
        value = value.strip()
        if value == "":
            return None
    if kind in TEXT_TYPES:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise _type_error(_("Enter text."))
        text = str(value).replace("\r\n", "\n")
        if kind == FieldType.LONG_TEXT:
            text = text.strip()
            if not text:
                return None
        cap = MAX_TEXT if kind == FieldType.TEXT else MAX_LONG_TEXT
        if len(text) > cap:
            raise _type_error(
                _("Keep this under %(cap)s characters (it has %(count)s).")
                % {"cap": cap, "count": len(text)},
                "too_long",
            )
        return text
    if kind == FieldType.INTEGER or kind == FieldType.CURRENCY:
        message = (
            _("Enter a whole number of yen, such as 1200.")
            if kind == FieldType.CURRENCY
            else _("Enter a whole number, such as 42.")
        )
        number = _coerce_decimal(value, message)
        if number != number.to_integral_value():
            raise _type_error(message)
        if abs(number) > MAX_INTEGER:
            raise _type_error(_("This number is too large."))
        return int(number)
    if kind == FieldType.DECIMAL:
        number = _coerce_decimal(value, _("Enter a number, such as 12.5."))
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
            raise _type_error(
                _("Use at most %(places)s digits after the decimal point.")
                % {"places": MAX_DECIMAL_PLACES}
            )
        if abs(number) >= Decimal(10) ** 15:
            raise _type_error(_("This number is too large."))
        return number
    if kind == FieldType.DATE:
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        if isinstance(value, dt.date):
            return value
        day = parse_date(value) if isinstance(value, str) else None
        if day is None:
            raise _type_error(_("Enter a date such as 2024-04-01 or 令和6年4月1日."))
        return day
    if kind == FieldType.DATETIME:
        return _coerce_datetime(value)
    if kind == FieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip().lower()
            if text in ("true", "1", "yes", "y", "on", "はい", "有", "○"):
                return True
            if text in ("false", "0", "no", "n", "off", "いいえ", "無", "×"):
                return False
        raise _type_error(_("Choose yes or no."))
    if kind == FieldType.SELECT:
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise _type_error(_("Choose one of the options."))
        return str(value).strip()
    if kind == FieldType.MULTI_SELECT:
        if isinstance(value, str):
            items: Iterable[Any] = re.split(r"[,\n]", value)
        elif isinstance(value, list | tuple):
            items = value
        else:
            raise _type_error(_("Send a list of options."))
        chosen: list[str] = []
        for item in items:
            if isinstance(item, bool) or not isinstance(item, str | int | float | Decimal):
                raise _type_error(_("Send a list of options."))
            text = str(item).strip()
            if text and text not in chosen:
                chosen.append(text)
        return chosen or None
    if kind == FieldType.EMAIL:
        message = _("Enter an e-mail address such as taro@example.co.jp.")
        if not isinstance(value, str):
            raise _type_error(message)
        try:
            return normalize.normalize_email(value) or None
        except normalize.NormalizationError:
            raise _type_error(message) from None
    if kind == FieldType.PHONE:
        # Stored as E.164 like every phone number in the product; shown in national format.
        message = _("Enter a phone number such as 03-1234-5678 or +81 3 1234 5678.")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _type_error(message)
        try:
            return normalize.normalize_phone(str(value)) or None
        except normalize.NormalizationError:
            raise _type_error(message) from None
    if kind == FieldType.URL:
        if not isinstance(value, str):
            raise _type_error(_("Enter a web address such as https://example.co.jp/."))
        url = value.strip()
        if "://" not in url:
            url = "https://" + url
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise _type_error(_("Enter a web address such as https://example.co.jp/.")) from None
        return url
    raise _type_error(_("This field has an unknown type."))  # pragma: no cover - guarded


# --- the admin's rules ---------------------------------------------------------------------
def rule_message(definition: CustomFieldDefinition, default: str) -> str:
    """The admin's own message for a broken rule, in the user's language; else `default`."""
    if (get_language() or "").startswith("en"):
        return definition.error_message_en or default
    return definition.error_message or default


def _bounds_message(low: str | None, high: str | None, *, kind: str) -> str:
    if kind == "length":
        if low is not None and high is not None:
            return _("Enter between %(min)s and %(max)s characters.") % {"min": low, "max": high}
        if low is not None:
            return _("Enter at least %(min)s characters.") % {"min": low}
        return _("Enter at most %(max)s characters.") % {"max": high}
    if kind == "date":
        if low is not None and high is not None:
            return _("Enter a date from %(min)s to %(max)s.") % {"min": low, "max": high}
        if low is not None:
            return _("Enter a date on or after %(min)s.") % {"min": low}
        return _("Enter a date on or before %(max)s.") % {"max": high}
    if low is not None and high is not None:
        return _("Enter a number from %(min)s to %(max)s.") % {"min": low, "max": high}
    if low is not None:
        return _("Enter a number of at least %(min)s.") % {"min": low}
    return _("Enter a number of at most %(max)s.") % {"max": high}


def _regex_matches(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text) is not None


def validate_value(definition: CustomFieldDefinition, value: Any) -> None:
    """The definition's rules on a coerced, non-empty value. Raises ValidationError."""
    if value is None:
        return
    kind = definition.field_type
    low, high = definition.min, definition.max
    if kind in CHOICE_TYPES:
        options = list(definition.choices or [])
        chosen = value if isinstance(value, list) else [value]
        unknown = [item for item in chosen if item not in options]
        if unknown:
            raise ValidationError(
                _("“%(value)s” is not one of the options: %(options)s.")
                % {"value": unknown[0], "options": ", ".join(options)},
                code="invalid_choice",
            )
        return
    if kind in BOUNDED_TYPES and (low is not None or high is not None):
        if kind in TEXT_TYPES:
            measure: Any = Decimal(len(value))
            family = "length"
        elif kind in DATE_TYPES:
            day = timezone.localtime(value).date() if kind == FieldType.DATETIME else value
            measure = date_to_bound(day)
            family = "date"
        else:
            measure = Decimal(value)
            family = "number"
        if (low is not None and measure < low) or (high is not None and measure > high):
            default = _bounds_message(
                bound_display(definition, low), bound_display(definition, high), kind=family
            )
            raise ValidationError(rule_message(definition, default), code="out_of_range")
    if definition.regex and kind in TEXT_LIKE and not _regex_matches(definition.regex, value):
        raise ValidationError(
            rule_message(definition, _("This value is not in the required format.")),
            code="pattern",
        )


def clean_value(definition: CustomFieldDefinition, value: Any) -> Any:
    """coerce + rules (no required check): the one path every way in goes through."""
    python = coerce(definition, value)
    validate_value(definition, python)
    return python


# --- storage and display -------------------------------------------------------------------
def to_json(definition: CustomFieldDefinition, value: Any) -> Any:
    """Python value -> what is stored (JSON-safe: dates ISO, decimals as strings)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _plain_decimal(value)
    return value


def from_json(definition: CustomFieldDefinition, stored: Any) -> Any:
    """Stored JSON -> Python value; a value that no longer fits is returned as it is."""
    try:
        return coerce(definition, stored)
    except ValidationError:
        return stored


def display(definition: CustomFieldDefinition, stored: Any) -> str:
    """Text for the list column and the detail page ("" when empty)."""
    if is_empty(stored):
        return ""
    value = from_json(definition, stored)
    kind = definition.field_type
    if isinstance(value, bool) and kind == FieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if kind == FieldType.DATETIME and isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if kind == FieldType.DATE and isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == FieldType.CURRENCY and isinstance(value, int):
        return "¥" + formats.number_format(value, force_grouping=True)
    if kind in (FieldType.INTEGER, FieldType.DECIMAL) and isinstance(value, int | Decimal):
        return formats.number_format(value, force_grouping=True)
    if kind == FieldType.PHONE:
        return normalize.format_phone(str(value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class DisplayRow:
    key: str
    label: str
    text: str
    href: str = ""
    multiline: bool = False


def display_rows(
    definitions: Iterable[CustomFieldDefinition], values: Mapping[str, Any] | None
) -> list[DisplayRow]:
    """Label + text (+ link for e-mail, phone, web address) per definition, in order."""
    values = values or {}
    rows = []
    for definition in definitions:
        stored = values.get(definition.key)
        text = display(definition, stored)
        href = ""
        if text and definition.field_type == FieldType.EMAIL:
            href = f"mailto:{stored}"
        elif text and definition.field_type == FieldType.PHONE:
            href = "tel:" + re.sub(r"[^\d+]", "", str(stored))
        elif text and definition.field_type == FieldType.URL and str(stored).startswith("http"):
            href = str(stored)
        rows.append(
            DisplayRow(
                key=definition.key,
                label=label_for(definition),
                text=text,
                href=href,
                multiline=definition.field_type == FieldType.LONG_TEXT,
            )
        )
    return rows


# --- reading definitions -------------------------------------------------------------------
def definitions_for(*, tenant: Tenant, object_type: str) -> list[CustomFieldDefinition]:
    """The tenant's definitions for one object type, in display order: one query."""
    return list(
        CustomFieldDefinition.objects.filter(tenant=tenant, object_type=object_type).order_by(
            "order", "id"
        )
    )


def shown_definitions(*, tenant: Tenant, object_type: str) -> list[CustomFieldDefinition]:
    """definitions_for, for pages that only show values or read filters (the contact list,
    a contact's and a ticket's page), kept in the cache (crm.core.tenantcache; a definition
    saved or deleted drops it). Saving values always validates against definitions_for."""
    from . import tenantcache

    return tenantcache.cached(
        tenant.pk,
        f"{SHOWN_DEFINITIONS}{object_type}",
        lambda: definitions_for(tenant=tenant, object_type=object_type),
    )


SHOWN_DEFINITIONS = "custom-fields-"


def register_shown_definitions() -> None:
    from . import tenantcache

    for object_type in ObjectType.values:
        tenantcache.register(f"{SHOWN_DEFINITIONS}{object_type}", CustomFieldDefinition)


# --- validating a whole custom_fields object ---------------------------------------------------
class CustomFieldErrors(ValidationError):
    """Errors per custom field key. As a Django ValidationError its fields are `cf_<key>`
    (the form field names); `by_key` has them by plain key for the API."""

    def __init__(self, by_key: Mapping[str, list[str]]):
        self.by_key = {key: list(messages) for key, messages in by_key.items()}
        super().__init__({f"{FIELD_PREFIX}{key}": msgs for key, msgs in self.by_key.items()})


FIELD_PREFIX = "cf_"


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


def required_message() -> str:
    return _("This field is required.")


def clean_custom_fields(
    *,
    definitions: list[CustomFieldDefinition],
    data: Any,
    existing: Mapping[str, Any] | None = None,
    creating: bool,
    enforce_required: bool = True,
) -> dict[str, Any]:
    """Validate an incoming `custom_fields` object and merge it into `existing`.

    Keys sent are set (an empty value or null clears); keys not sent keep their stored value;
    on create, keys not sent get the definition's default. Required fields must have a value
    on create and whenever they are sent — unless `enforce_required` is False, for ways in
    that cannot ask for them (a customer's web form, an inbound mail): the required rule is
    for people editing in the app. Unknown keys are refused. Raises CustomFieldErrors.
    Returns the JSON to store (stored keys without a definition, e.g. values a rename task has
    not moved yet, are kept as they are)."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ValidationError(
            {"custom_fields": [_("Send custom fields as an object of key: value pairs.")]}
        )
    by_key = {definition.key: definition for definition in definitions}
    errors: dict[str, list[str]] = {}
    for key in data:
        if key not in by_key:
            known = ", ".join(by_key) or _("(none defined)")
            errors[str(key)] = [
                _("There is no custom field “%(key)s”. Known fields: %(known)s.")
                % {"key": key, "known": known}
            ]
    result = dict(existing or {})
    for key, definition in by_key.items():
        if key in data:
            raw = data[key]
        elif creating and definition.default is not None:
            raw = definition.default
        else:
            if creating and definition.required and enforce_required:
                errors[key] = [required_message()]
            continue
        try:
            value = clean_value(definition, raw)
        except ValidationError as exc:
            errors[key] = _messages(exc)
            continue
        if value is None:
            if definition.required and enforce_required:
                errors[key] = [required_message()]
            result.pop(key, None)
        else:
            result[key] = to_json(definition, value)
    if errors:
        raise CustomFieldErrors(errors)
    return result


def _lock_id(tenant_id: int, object_type: str, key: str) -> int:
    digest = hashlib.blake2b(f"cf:{tenant_id}:{object_type}:{key}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def check_unique(
    *,
    tenant: Tenant,
    object_type: str,
    definitions: list[CustomFieldDefinition],
    values: Mapping[str, Any],
    previous: Mapping[str, Any] | None = None,
    instance_pk: Any = None,
) -> None:
    """Refuse a value of a unique field already held by another record of the tenant.

    Must run inside the transaction that saves the record: a transaction-level advisory lock
    per tenant+field makes two concurrent saves of the same field take turns, so the second
    one sees the first one's committed row and fails instead of both winning."""
    model = custom_field_model(object_type)
    if model is None:
        return
    previous = previous or {}
    errors: dict[str, list[str]] = {}
    unique = sorted(
        (d for d in definitions if d.unique and values.get(d.key) is not None),
        key=lambda d: d.key,
    )
    for definition in unique:
        value = values[definition.key]
        if instance_pk is not None and previous.get(definition.key) == value:
            continue  # unchanged: it was unique when stored
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)",
                [_lock_id(tenant.pk, object_type, definition.key)],
            )
        clash = model._default_manager.filter(  # type: ignore[attr-defined]
            tenant=tenant, custom_fields__contains={definition.key: value}
        )
        if instance_pk is not None:
            clash = clash.exclude(pk=instance_pk)
        if clash.exists():
            errors[definition.key] = [
                rule_message(
                    definition,
                    _("“%(value)s” is already used by another record; enter a different value.")
                    % {"value": display(definition, value)},
                )
            ]
    if errors:
        raise CustomFieldErrors(errors)


def save_custom_fields(
    *,
    tenant: Tenant,
    object_type: str,
    data: Any,
    existing: Mapping[str, Any] | None = None,
    instance_pk: Any = None,
    creating: bool,
    enforce_required: bool = True,
) -> dict[str, Any]:
    """What services call before saving a record: validate, merge, check uniqueness.
    Call inside the service's transaction. `enforce_required`: see clean_custom_fields."""
    definitions = definitions_for(tenant=tenant, object_type=object_type)
    values = clean_custom_fields(
        definitions=definitions,
        data=data,
        existing=existing,
        creating=creating,
        enforce_required=enforce_required,
    )
    check_unique(
        tenant=tenant,
        object_type=object_type,
        definitions=definitions,
        values=values,
        previous=existing,
        instance_pk=instance_pk,
    )
    return values


# --- form fields ----------------------------------------------------------------------------
class CheckboxList(forms.CheckboxSelectMultiple):
    """Multiple select as checkboxes. Django puts the widget's class on the wrapping <div>
    too, so the Bootstrap class goes on each option's <input> only."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        invalid = " is-invalid" if "is-invalid" in option["attrs"].get("class", "") else ""
        option["attrs"]["class"] = "form-check-input me-1" + invalid
        return option


class CustomFieldFormField(forms.Field):
    """One form field for any definition: its clean() is coerce + required + the rules,
    exactly what the API and the services apply."""

    def __init__(self, definition: CustomFieldDefinition, **kwargs: Any) -> None:
        self.definition = definition
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        return coerce(self.definition, value)

    def prepare_value(self, value: Any) -> Any:
        kind = self.definition.field_type
        if kind == FieldType.DATETIME and not is_empty(value):
            try:
                moment = _coerce_datetime(value)
            except ValidationError:
                return value
            return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")
        if kind == FieldType.DATE and isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return _plain_decimal(value)
        return value

    def validate(self, value: Any) -> None:
        if value is None and self.definition.required:
            raise ValidationError(required_message(), code="required")

    def clean(self, value: Any) -> Any:
        python = self.to_python(value)
        self.validate(python)
        validate_value(self.definition, python)
        return python

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return to_json(self.definition, coerce(self.definition, initial)) != to_json(
                self.definition, coerce(self.definition, data)
            )
        except ValidationError:
            return True


def _help_text(definition: CustomFieldDefinition) -> str:
    kind = definition.field_type
    low = bound_display(definition, definition.min)
    high = bound_display(definition, definition.max)
    parts = []
    if kind == FieldType.CURRENCY:
        parts.append(_("Amount in yen, without sen."))
    if kind in BOUNDED_TYPES and (low is not None or high is not None):
        family = "length" if kind in TEXT_TYPES else "date" if kind in DATE_TYPES else "number"
        parts.append(_bounds_message(low, high, kind=family))
    return " ".join(parts)


def widget_for(definition: CustomFieldDefinition) -> forms.Widget:
    kind = definition.field_type
    attrs: dict[str, Any] = {}
    if kind in NUMERIC_TYPES:
        attrs["inputmode"] = "numeric" if kind != FieldType.DECIMAL else "decimal"
    options = [(choice, choice) for choice in definition.choices or []]
    widgets: dict[str, forms.Widget] = {
        FieldType.TEXT: forms.TextInput(attrs={"maxlength": MAX_TEXT}),
        FieldType.LONG_TEXT: forms.Textarea(attrs={"rows": 4}),
        FieldType.INTEGER: forms.TextInput(attrs=attrs),
        FieldType.DECIMAL: forms.TextInput(attrs=attrs),
        FieldType.CURRENCY: forms.TextInput(attrs=attrs),
        FieldType.DATE: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        FieldType.DATETIME: forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        FieldType.BOOLEAN: forms.CheckboxInput(),
        FieldType.SELECT: forms.Select(choices=[("", "---------"), *options]),
        FieldType.MULTI_SELECT: CheckboxList(choices=options),
        FieldType.EMAIL: forms.EmailInput(attrs={"autocomplete": "off"}),
        FieldType.PHONE: forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        FieldType.URL: forms.URLInput(),
    }
    return widgets[kind]


def build_form_field(definition: CustomFieldDefinition) -> CustomFieldFormField:
    """The Django form field for a definition (label and help in the user's language)."""
    return CustomFieldFormField(
        definition,
        label=label_for(definition),
        # A checkbox is always sent (unticked = no), so it never blocks the form.
        required=definition.required and definition.field_type != FieldType.BOOLEAN,
        widget=widget_for(definition),
        help_text=_help_text(definition),
    )


class CustomFieldsFormMixin:
    """For a ModelForm of a HasCustomFields model: adds `cf_<key>` fields after the built-in
    ones and puts their values in cleaned_data["custom_fields"] (JSON, None = clear).

    Pass `custom_field_definitions=` (a list from `definitions_for`). Put this mixin after
    StyledFormMixin so the added fields are styled too."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    instance: Any

    def __init__(
        self,
        *args: Any,
        custom_field_definitions: list[CustomFieldDefinition] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.custom_field_definitions = list(custom_field_definitions or [])
        stored = getattr(self.instance, "custom_fields", None) or {}
        creating = getattr(self.instance, "pk", None) is None
        for definition in self.custom_field_definitions:
            name = FIELD_PREFIX + definition.key
            self.fields[name] = build_form_field(definition)
            if definition.key in stored:
                self.initial[name] = stored[definition.key]  # type: ignore[attr-defined]
            elif creating and definition.default is not None:
                self.initial[name] = definition.default  # type: ignore[attr-defined]

    def custom_field_names(self) -> list[str]:
        return [FIELD_PREFIX + d.key for d in self.custom_field_definitions]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        # Every defined key, None for "clear": the service merges this into what is stored
        # (and checks it again, with uniqueness, inside its transaction).
        cleaned["custom_fields"] = {
            definition.key: to_json(definition, cleaned[FIELD_PREFIX + definition.key])
            for definition in self.custom_field_definitions
            if FIELD_PREFIX + definition.key in cleaned  # else its error is shown already
        }
        return cleaned


def style_custom_widgets(form: forms.BaseForm) -> None:
    """StyledFormMixin gives every widget form-control; checkbox lists want form-check-input."""
    for field in form.fields.values():
        if isinstance(field.widget, CheckboxList):
            invalid = "is-invalid" in field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = "d-flex flex-wrap gap-3" + (
                " is-invalid" if invalid else ""
            )


def add_errors_to_form(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError next to the matching form fields (the rest on top)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
            form.add_error(name, messages)
        else:
            form.add_error(None, messages)


# --- filters (?cf_<key>=, ?cf_<key>__gte=, ?cf_<key>__lte=) --------------------------------
RANGE_SUFFIXES = ("__gte", "__lte")


class _FilterValueField(forms.CharField):
    """A filter input: coerced like the field but without its rules (any stored value can be
    searched for, also one an admin has since removed from the options)."""

    def __init__(self, definition: CustomFieldDefinition, bound: str = "", **kwargs: Any):
        self.definition = definition
        self.bound = bound
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> Any:
        if isinstance(value, list):
            value = value[-1] if value else ""
        value = super().clean(value)
        if value in self.empty_values:
            return None
        if self.definition.field_type == FieldType.DATETIME:
            day = parse_date(value)
            if day is not None:  # a whole day: from its first moment to its last
                start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
                if self.bound == "__lte":
                    return start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
                return start
        if self.definition.field_type == FieldType.MULTI_SELECT:
            return value
        return coerce(self.definition, value)


def _filter_field(definition: CustomFieldDefinition, bound: str = "") -> forms.Field:
    kind = definition.field_type
    label = label_for(definition)
    if bound:
        label = f"{label} ({_('from') if bound == '__gte' else _('to')})"
    field: forms.Field = _FilterValueField(definition, bound, label=label)
    if kind in CHOICE_TYPES:
        options = [("", _("Any")), *[(c, c) for c in definition.choices or []]]
        field.widget = forms.Select(choices=options)
    elif kind == FieldType.BOOLEAN:
        field.widget = forms.Select(
            choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]
        )
    elif kind in DATE_TYPES:
        field.widget = forms.DateInput(attrs={"type": "date"})
    elif kind in NUMERIC_TYPES:
        field.widget = forms.TextInput(attrs={"inputmode": "decimal"})
    return field


class CustomFieldFilter:
    """Parses ?cf_<key>= (and __gte / __lte for numbers and dates) against the definitions.

    `form` renders the filter inputs above a list; `errors` says what was wrong (unknown
    keys, values that are not numbers or dates); `apply(qs)` filters with the valid ones.
    Equality and options use JSONB containment (@>), which the GIN index serves."""

    def __init__(self, definitions: list[CustomFieldDefinition], params: Mapping[str, Any]):
        self.definitions = definitions
        by_key = {d.key: d for d in definitions}
        fields: dict[str, forms.Field] = {}
        for definition in definitions:
            name = FIELD_PREFIX + definition.key
            if definition.field_type in RANGE_FILTER_TYPES:
                for suffix in RANGE_SUFFIXES:
                    fields[name + suffix] = _filter_field(definition, suffix)
            fields[name] = _filter_field(definition)
        for field in fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if select else "form-control"
        # (the metaclass pops the fields out of the dict it is given)
        form_class = type("CustomFieldFilterForm", (forms.Form,), dict(fields))
        known = set(fields)
        self.active = {
            name: params.get(name)
            for name in params
            if name.startswith(FIELD_PREFIX) and name in known and params.get(name) not in ("",)
        }
        self.unknown = sorted(
            name for name in params if name.startswith(FIELD_PREFIX) and name not in known
        )
        self.form = form_class(data={name: params.get(name) for name in known if name in params})
        self.form.is_valid()
        self.errors: dict[str, list[str]] = {
            name: [str(m) for m in messages] for name, messages in self.form.errors.items()
        }
        for name in self.unknown:
            key = name.removeprefix(FIELD_PREFIX).split("__")[0]
            if key in by_key:
                message = _("“%(name)s” cannot be filtered by range; use %(base)s=.") % {
                    "name": name,
                    "base": FIELD_PREFIX + key,
                }
            else:
                message = _("There is no custom field “%(key)s” to filter by.") % {"key": key}
            self.errors[name] = [message]
        self.by_key = by_key

    def shown_fields(self) -> list[forms.BoundField]:
        """The inputs for the filter panel: ranges for numbers and dates, one value else
        (the exact ?cf_<key>= of a number or date still works in URLs and the API)."""
        return [
            self.form[name]
            for name in self.form.fields
            if "__" in name
            or self.by_key[name.removeprefix(FIELD_PREFIX)].field_type not in RANGE_FILTER_TYPES
        ]

    @property
    def is_active(self) -> bool:
        return any(v is not None for v in self.cleaned().values())

    def cleaned(self) -> dict[str, Any]:
        data = getattr(self.form, "cleaned_data", {})
        return {name: value for name, value in data.items() if value is not None}

    def querystring(self) -> str:
        from urllib.parse import urlencode

        return urlencode({name: value for name, value in self.active.items() if value})

    def apply(self, qs: QuerySet) -> QuerySet:
        for name, value in self.cleaned().items():
            base, _sep, suffix = name.partition("__")
            definition = self.by_key[base.removeprefix(FIELD_PREFIX)]
            key = definition.key
            kind = definition.field_type
            if not suffix:
                if kind == FieldType.BOOLEAN and value is False:
                    qs = qs.exclude(custom_fields__contains={key: True})
                elif kind == FieldType.MULTI_SELECT:
                    qs = qs.filter(custom_fields__contains={key: [value]})
                else:
                    qs = qs.filter(custom_fields__contains={key: to_json(definition, value)})
                continue
            output: models.Field
            if kind == FieldType.DATE:
                output = models.DateField()
            elif kind == FieldType.DATETIME:
                output = models.DateTimeField()
            else:
                output = models.DecimalField(max_digits=30, decimal_places=MAX_DECIMAL_PLACES)
            alias = f"_cf_{key}"
            qs = qs.alias(**{alias: Cast(KT(f"custom_fields__{key}"), output)}).filter(
                Q(**{f"{alias}__{suffix.removeprefix('__')}": value})
            )
        return qs


FIELD_TYPE_HELP = {
    FieldType.TEXT: gettext_lazy("One line of text (up to 500 characters)."),
    FieldType.LONG_TEXT: gettext_lazy("Several lines of text."),
    FieldType.INTEGER: gettext_lazy("A whole number."),
    FieldType.DECIMAL: gettext_lazy("A number with up to 6 decimal places."),
    FieldType.DATE: gettext_lazy("A date; 和暦 such as 令和6年4月1日 is accepted."),
    FieldType.DATETIME: gettext_lazy("A date and time (Asia/Tokyo unless an offset is given)."),
    FieldType.BOOLEAN: gettext_lazy("Yes or no (a checkbox)."),
    FieldType.SELECT: gettext_lazy("One option from a list."),
    FieldType.MULTI_SELECT: gettext_lazy("Any number of options from a list (checkboxes)."),
    FieldType.EMAIL: gettext_lazy("An e-mail address."),
    FieldType.PHONE: gettext_lazy("A phone number; full-width digits and hyphens are normalized."),
    FieldType.URL: gettext_lazy("A web address (http or https)."),
    FieldType.CURRENCY: gettext_lazy("An amount in whole yen (JPY)."),
}
