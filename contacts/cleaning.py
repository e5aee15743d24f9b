"""Turning what people type into what we store, for the contact and company services.

Every way in (form, API, service callers in other apps) passes through here, so a phone typed
as '０３ー１２３４ー５６７８' on the form and '+81 3 1234 5678' in the API end up the same. The
work is done by crm.core.normalize; this module applies it field by field and collects the
messages per field, so a form or the API can show each one next to its field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import normalize
from crm.core.customfields import TEXT_TYPES
from crm.core.models import CustomFieldDefinition, Membership, Tenant, User

from .models import Company

PREFECTURES = normalize.PREFECTURES

# Full-width katakana, the prolonged sound mark, the middle dot and spaces.
_KATAKANA_RE = re.compile(r"^[\u30a0-\u30ff\u31f0-\u31ff ]*$")
_SPACES_RE = re.compile(r"[\s\u3000]+")
MAX_TAG = 50
MAX_TAGS = 50


class FieldErrors:
    """Collects messages per field; raise() turns them into one ValidationError."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def run(self, field: str, data: dict[str, Any], fn: Callable[[Any], Any]) -> None:
        """Replace data[field] by fn(data[field]) when present; record the message if not."""
        if field not in data:
            return
        try:
            data[field] = fn(data[field])
        except (normalize.NormalizationError, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            self.add(field, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def text(value: Any) -> str:
    """Trimmed, runs of spaces (also the ideographic space) folded to one."""
    if value is None:
        return ""
    return _SPACES_RE.sub(" ", str(value)).strip()


def kana(value: Any) -> str:
    result = normalize.normalize_kana(text(value))
    if result and not _KATAKANA_RE.match(result):
        raise normalize.NormalizationError(
            _("Enter the reading in katakana or hiragana (for example ヤマダ or やまだ).")
        )
    return result


def phone(value: Any) -> str:
    return normalize.normalize_phone(text(value))


def email(value: Any) -> str:
    return normalize.normalize_email(text(value))


def postal_code(value: Any) -> str:
    return normalize.normalize_postal_code(text(value))


def prefecture(value: Any) -> str:
    value = text(value)
    if not value:
        return ""
    found = normalize.prefecture_name(value)  # '東京' -> '東京都'
    if found:
        return found
    raise normalize.NormalizationError(
        _("“%(value)s” is not a Japanese prefecture. Enter it like 東京都 or 大阪府.")
        % {"value": value}
    )


def birth_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    day = value if isinstance(value, dt.date) else normalize.parse_date(str(value))
    if day is not None and day > timezone.localdate():
        raise normalize.NormalizationError(_("A birth date cannot be in the future."))
    return day


def code(value: Any) -> str:
    """Customer codes and corporate numbers: full-width digits and letters to ASCII."""
    return normalize.to_halfwidth(text(value))


def corporate_number(value: Any) -> str:
    return re.sub(r"[\s-]", "", normalize.normalize_number_text(text(value)))


def tags(value: Any) -> list[str]:
    """A list, or comma-separated text (、 and ， too); trimmed, de-duplicated in order."""
    if value is None:
        return []
    items: Iterable[Any] = (
        re.split(r"[,、，]", value) if isinstance(value, str) else list(value)  # type: ignore[arg-type]
    )
    result: list[str] = []
    for item in items:
        tag = text(item)
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            raise normalize.NormalizationError(
                _("The tag “%(tag)s” is too long; keep tags to %(max)d characters.")
                % {"tag": tag[:20] + "…", "max": MAX_TAG}
            )
        if tag not in result:
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise normalize.NormalizationError(
            _("Use at most %(max)d tags on one record.") % {"max": MAX_TAGS}
        )
    return result


def website(value: Any) -> str:
    value = normalize.to_halfwidth(text(value))
    if value and "://" not in value:
        value = "https://" + value  # people type 'example.co.jp'
    return value


def owner(tenant: Tenant) -> Callable[[Any], User | None]:
    def check(value: Any) -> User | None:
        if value in (None, ""):
            return None
        user_id = value.pk if isinstance(value, User) else value
        membership = (
            Membership.objects.filter(tenant=tenant, user_id=user_id, is_active=True)
            .select_related("user")
            .first()
        )
        if membership is None:
            raise ValidationError(_("Choose an owner who is an active member of this tenant."))
        return membership.user

    return check


def company(tenant: Tenant) -> Callable[[Any], Company | None]:
    def check(value: Any) -> Company | None:
        if value in (None, ""):
            return None
        company_id = value.pk if isinstance(value, Company) else value
        found = Company.objects.filter(tenant=tenant, pk=company_id, deleted_at=None).first()
        if found is None:
            raise ValidationError(_("That company does not exist or was deleted; choose another."))
        return found

    return check


def fill_address_from_postal_code(data: dict[str, Any], existing: Any = None) -> None:
    """Prefecture and city (with the town) from Japan Post's data, only where still empty:
    what someone typed is never overwritten."""
    code_value = data.get("postal_code")
    if not code_value:
        return
    found = normalize.lookup_postal_code(code_value)
    if found is None:
        return

    def current(name: str) -> str:
        if name in data:
            return data[name] or ""
        return getattr(existing, name, "") if existing is not None else ""

    if not current("prefecture"):
        data["prefecture"] = found.prefecture
    if not current("address"):
        data["address"] = f"{found.city}{found.town}"


def search_text(
    *,
    fields: Mapping[str, Any],
    company_name: str,
    custom_fields: Mapping[str, Any],
    definitions: list[CustomFieldDefinition],
) -> str:
    """The one text a contact is found by (schema contract): names, kana, e-mail, phone and
    mobile digits in national form, company name, customer code, text custom fields;
    lower-cased, space-separated. The import SQL builds the same string."""
    parts = [
        fields.get("last_name", ""),
        fields.get("first_name", ""),
        fields.get("last_name_kana", ""),
        fields.get("first_name_kana", ""),
        fields.get("email", ""),
        normalize.phone_search_key(fields["phone"]) if fields.get("phone") else "",
        normalize.phone_search_key(fields["mobile"]) if fields.get("mobile") else "",
        company_name,
        fields.get("customer_code", ""),
    ]
    for definition in definitions:
        if definition.field_type in TEXT_TYPES:
            value = custom_fields.get(definition.key)
            if isinstance(value, str):
                parts.append(value)
    return " ".join(text(part) for part in parts if part).lower()
