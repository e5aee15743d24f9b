"""Custom field definitions: create, change, reorder, delete.

Every definition is validated here (the settings page and the API only pass values in), so
a definition that is stored can always build its form field, filter and validator. Renaming
a key or deleting a definition rewrites the stored values in the background (see
crm/core/tasks_customfields.py); until that task has run the old values are kept under the
old key, which no new definition may take meanwhile."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.fields.json import KT
from django.utils.translation import gettext as _

from .. import customfields as cf
from ..models import AuditLog, CustomFieldDefinition, FieldType, ObjectType, Tenant
from .audit import audit_record, diff, snapshot

try:  # the parser behind `re`; used to spot patterns that can take forever
    import re._parser as sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse  # type: ignore[no-redef]

KEY_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MAX_FIELDS_PER_OBJECT = 100
MAX_CHOICES = 200
MAX_CHOICE_LENGTH = 100
EDITABLE = (
    "key",
    "label",
    "label_en",
    "required",
    "unique",
    "default",
    "choices",
    "min",
    "max",
    "regex",
    "error_message",
    "error_message_en",
    "order",
)


def _nested_repeat(parsed: Any, inside_repeat: bool = False) -> bool:
    """True when a repetition contains another unbounded-ish repetition, like (a+)+ —
    the shape that makes a regex backtrack for seconds on a short input."""
    for op, arg in parsed:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            repeats = high is sre_parse.MAXREPEAT or high > 1
            if repeats and inside_repeat:
                return True
            if _nested_repeat(sub, inside_repeat or repeats):
                return True
        elif name == "SUBPATTERN":
            if _nested_repeat(arg[-1], inside_repeat):
                return True
        elif name == "BRANCH":
            if any(_nested_repeat(branch, inside_repeat) for branch in arg[1]):
                return True
        elif name in ("ASSERT", "ASSERT_NOT") and _nested_repeat(arg[1], inside_repeat):
            return True
    return False


def _parse_bound(field_type: str, raw: Any, name: str, errors: dict[str, list[str]]) -> Any:
    """A min/max as entered (number, "12.5", "2024-04-01", date) -> the stored Decimal."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if field_type not in cf.BOUNDED_TYPES:
        errors.setdefault(name, []).append(
            _("Minimum and maximum apply only to text, number, currency and date fields.")
        )
        return None
    if field_type in cf.DATE_TYPES:
        if isinstance(raw, dt.date):
            return cf.date_to_bound(raw)
        if isinstance(raw, Decimal):  # already stored form (YYYYMMDD)
            try:
                cf.bound_to_date(raw)
                return raw
            except ValueError:
                pass
        day = cf.parse_date(str(raw))
        if day is None:
            errors.setdefault(name, []).append(_("Enter a date such as 2024-04-01."))
            return None
        return cf.date_to_bound(day)
    try:
        number = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        errors.setdefault(name, []).append(_("Enter a number."))
        return None
    if isinstance(raw, bool) or not number.is_finite() or abs(number) >= Decimal(10) ** 16:
        errors.setdefault(name, []).append(_("Enter a number."))
        return None
    if field_type in cf.TEXT_TYPES and (number != number.to_integral_value() or number < 0):
        errors.setdefault(name, []).append(_("A length is a whole number of 0 or more."))
        return None
    return number.quantize(Decimal("0.0001"))


def _clean_choices(field_type: str, raw: Any, errors: dict[str, list[str]]) -> list[str]:
    if raw is None:
        raw = []
    if isinstance(raw, str):
        raw = raw.splitlines()
    if not isinstance(raw, list | tuple):
        errors["choices"] = [_("Send the options as a list of strings.")]
        return []
    choices: list[str] = []
    problems: list[str] = []
    for item in raw:
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            problems.append(_("Each option must be text."))
            continue
        text = str(item).strip()
        if not text:
            continue
        if text in choices:
            problems.append(_("“%(choice)s” is listed twice.") % {"choice": text})
        elif len(text) > MAX_CHOICE_LENGTH:
            problems.append(
                _("“%(choice)s…” is longer than %(max)s characters.")
                % {"choice": text[:20], "max": MAX_CHOICE_LENGTH}
            )
        elif field_type == FieldType.MULTI_SELECT and "," in text:
            problems.append(
                _("“%(choice)s” contains a comma; options of a multiple select cannot.")
                % {"choice": text}
            )
        else:
            choices.append(text)
    if field_type in cf.CHOICE_TYPES:
        if not choices and not problems:
            problems.append(_("Add at least one option (one per line)."))
        if len(choices) > MAX_CHOICES:
            problems.append(_("Use at most %(max)s options.") % {"max": MAX_CHOICES})
    elif choices:
        problems.append(_("Only select fields have options; leave this empty."))
    if problems:
        errors["choices"] = problems
    return choices


def _values_stored_under(*, tenant: Tenant, object_type: str, key: str) -> int:
    model = cf.custom_field_model(object_type)
    if model is None:
        return 0
    return model._default_manager.filter(  # type: ignore[attr-defined]
        tenant=tenant, custom_fields__has_key=key
    ).count()


def _validate(
    *, tenant: Tenant, values: dict[str, Any], instance: CustomFieldDefinition | None
) -> dict[str, Any]:
    """Check a whole definition; returns the cleaned values or raises ValidationError with
    one list of messages per field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    object_type = values.get("object_type")
    field_type = values.get("field_type")
    if instance is not None:
        if object_type != instance.object_type:
            errors["object_type"] = [_("A field cannot move to another kind of record.")]
        if field_type != instance.field_type:
            errors["field_type"] = [
                _(
                    "The type of a field cannot be changed once it exists (stored values "
                    "would no longer fit). Create a new field instead."
                )
            ]
    if object_type not in ObjectType.values:
        errors["object_type"] = [
            _("Choose one of: %(options)s.") % {"options": ", ".join(ObjectType.values)}
        ]
    if field_type not in FieldType.values:
        errors["field_type"] = [
            _("Choose one of: %(options)s.") % {"options": ", ".join(FieldType.values)}
        ]
        field_type = FieldType.TEXT  # keep checking the rest against something
    out["object_type"], out["field_type"] = object_type, field_type

    key = str(values.get("key") or "").strip()
    if not key:
        errors["key"] = [_("Enter a key, such as membership_rank.")]
    elif len(key) > 63 or not KEY_RE.match(key):
        errors["key"] = [
            _(
                "Use lowercase letters, digits and single underscores, starting with a letter "
                "(such as membership_rank), at most 63 characters."
            )
        ]
    elif object_type in ObjectType.values:
        taken = CustomFieldDefinition.objects.filter(
            tenant=tenant, object_type=object_type, key=key
        )
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            errors["key"] = [_("Another field already uses the key “%(key)s”.") % {"key": key}]
        elif (instance is None or instance.key != key) and _values_stored_under(
            tenant=tenant, object_type=object_type, key=key
        ):
            errors["key"] = [
                _(
                    "Records still hold values under “%(key)s” from a field that was renamed "
                    "or deleted; they are being cleaned up. Try again in a minute."
                )
                % {"key": key}
            ]
    out["key"] = key

    label = str(values.get("label") or "").strip()
    if not label:
        errors["label"] = [_("Enter the label people will see (Japanese).")]
    elif len(label) > 100:
        errors["label"] = [_("Keep the label under 100 characters.")]
    out["label"] = label
    label_en = str(values.get("label_en") or "").strip()
    if len(label_en) > 100:
        errors["label_en"] = [_("Keep the label under 100 characters.")]
    out["label_en"] = label_en

    out["required"] = bool(values.get("required"))
    out["unique"] = bool(values.get("unique"))
    if out["unique"] and field_type not in cf.UNIQUE_TYPES:
        errors["unique"] = [
            _("Only text, number, date, e-mail, phone, URL and currency fields can be unique.")
        ]

    out["choices"] = _clean_choices(field_type, values.get("choices"), errors)

    regex = str(values.get("regex") or "").strip()
    if regex:
        if field_type not in cf.TEXT_LIKE:
            errors["regex"] = [_("A pattern applies only to text, e-mail, phone and URL fields.")]
        elif len(regex) > 300:
            errors["regex"] = [_("Keep the pattern under 300 characters.")]
        else:
            try:
                parsed = sre_parse.parse(regex)
            except re.error as exc:
                errors["regex"] = [
                    _("This pattern is not a valid regular expression: %(error)s.") % {"error": exc}
                ]
            else:
                if _nested_repeat(parsed):
                    errors["regex"] = [
                        _(
                            "This pattern repeats a repetition (like (a+)+), which can take "
                            "extremely long to check. Simplify it."
                        )
                    ]
    out["regex"] = regex

    out["min"] = _parse_bound(field_type, values.get("min"), "min", errors)
    out["max"] = _parse_bound(field_type, values.get("max"), "max", errors)
    if out["min"] is not None and out["max"] is not None and out["min"] > out["max"]:
        errors["max"] = [_("The maximum must not be smaller than the minimum.")]

    for name in ("error_message", "error_message_en"):
        text = str(values.get(name) or "").strip()
        if len(text) > 200:
            errors[name] = [_("Keep the message under 200 characters.")]
        out[name] = text

    order = values.get("order")
    if order is not None and order != "":
        try:
            out["order"] = int(order)
            if out["order"] < 0:
                raise ValueError
        except (TypeError, ValueError):
            errors["order"] = [_("The display order is a whole number of 0 or more.")]
    else:
        out["order"] = None

    default = values.get("default")
    out["default"] = None
    if not cf.is_empty(default) and not errors:
        if out["unique"]:
            errors["default"] = [
                _("A unique field cannot have a default: every new record would share it.")
            ]
        else:
            probe = CustomFieldDefinition(**{k: v for k, v in out.items() if k != "default"})
            try:
                out["default"] = cf.to_json(probe, cf.clean_value(probe, default))
            except ValidationError as exc:
                errors["default"] = [
                    _("The default does not pass this field's own rules: %(error)s")
                    % {"error": " ".join(exc.messages)}
                ]
    if errors:
        raise ValidationError(errors)
    return out


def _duplicate_values(*, tenant: Tenant, definition: CustomFieldDefinition) -> int:
    model = cf.custom_field_model(definition.object_type)
    if model is None:
        return 0
    dupes = (
        model._default_manager.filter(  # type: ignore[attr-defined]
            tenant=tenant, custom_fields__has_key=definition.key
        )
        .values(_v=KT(f"custom_fields__{definition.key}"))
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    return len(dupes[:1])


def customfield_value_count(*, tenant: Tenant, definition: CustomFieldDefinition) -> int:
    """How many records hold a value for the field (shown before deleting it)."""
    return _values_stored_under(
        tenant=tenant, object_type=definition.object_type, key=definition.key
    )


def customfield_choice_usage(
    *, tenant: Tenant, definition: CustomFieldDefinition, choices: list[str]
) -> dict[str, int]:
    """How many records hold each of `choices` (used to report removed options)."""
    model = cf.custom_field_model(definition.object_type)
    usage: dict[str, int] = {}
    if model is None:
        return usage
    for choice in choices:
        probe = [choice] if definition.field_type == FieldType.MULTI_SELECT else choice
        count = model._default_manager.filter(  # type: ignore[attr-defined]
            tenant=tenant, custom_fields__contains={definition.key: probe}
        ).count()
        if count:
            usage[choice] = count
    return usage


def _enqueue_rewrite(*, tenant: Tenant, object_type: str, old_key: str, definition_id: Any) -> None:
    from ..tasks import enqueue_on_commit
    from ..tasks_customfields import customfield_rewrite_values

    enqueue_on_commit(
        customfield_rewrite_values,
        tenant_id=tenant.pk,
        object_type=object_type,
        old_key=old_key,
        definition_id=definition_id,
    )


@transaction.atomic
def customfield_create(
    *,
    tenant: Tenant,
    actor: Any = None,
    object_type: str,
    key: str,
    label: str,
    field_type: str,
    label_en: str = "",
    required: bool = False,
    unique: bool = False,
    default: Any = None,
    choices: list[str] | None = None,
    min: Any = None,  # noqa: A002 - the definition's own field name
    max: Any = None,  # noqa: A002
    regex: str = "",
    error_message: str = "",
    error_message_en: str = "",
    order: int | None = None,
) -> CustomFieldDefinition:
    values = dict(locals())
    values.pop("tenant"), values.pop("actor")
    clean = _validate(tenant=tenant, values=values, instance=None)
    existing = CustomFieldDefinition.objects.filter(tenant=tenant, object_type=clean["object_type"])
    if existing.count() >= MAX_FIELDS_PER_OBJECT:
        raise ValidationError(
            {
                "key": [
                    _("You can define at most %(max)s custom fields per kind of record.")
                    % {"max": MAX_FIELDS_PER_OBJECT}
                ]
            }
        )
    if clean["order"] is None:
        top = existing.aggregate(top=Max("order"))["top"]
        clean["order"] = 0 if top is None else top + 1
    definition = CustomFieldDefinition.objects.create(tenant=tenant, **clean)
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.CREATE,
        obj=definition,
        actor=actor,
        changes=diff({}, snapshot(definition)),
    )
    return definition


@transaction.atomic
def customfield_update(
    *, tenant: Tenant, definition: CustomFieldDefinition, actor: Any = None, **changes: Any
) -> CustomFieldDefinition:
    """Change a definition. `changes` holds only what changes (object_type and field_type
    may be sent but must equal the stored ones). A new key moves the stored values in the
    background; removed options stay on the records that hold them (reported in the audit
    entry, see customfield_choice_usage)."""
    definition = CustomFieldDefinition.objects.select_for_update().get(
        pk=definition.pk, tenant=tenant
    )
    unknown = set(changes) - set(EDITABLE) - {"object_type", "field_type"}
    if unknown:
        raise ValidationError({name: [_("This cannot be changed.")] for name in sorted(unknown)})
    values = {name: getattr(definition, name) for name in (*EDITABLE, "object_type", "field_type")}
    values.update(changes)
    clean = _validate(tenant=tenant, values=values, instance=definition)
    if clean["order"] is None:
        clean["order"] = definition.order
    if clean["unique"] and not definition.unique:
        probe = CustomFieldDefinition(
            tenant=tenant, object_type=definition.object_type, key=definition.key
        )
        if _duplicate_values(tenant=tenant, definition=probe):
            raise ValidationError(
                {
                    "unique": [
                        _(
                            "Some records already share a value of this field; make them "
                            "different before making it unique."
                        )
                    ]
                }
            )
    before = snapshot(definition)
    old_key = definition.key
    removed = [c for c in definition.choices or [] if c not in clean["choices"]]
    removed_in_use = (
        customfield_choice_usage(tenant=tenant, definition=definition, choices=removed)
        if removed
        else {}
    )
    for name, value in clean.items():
        setattr(definition, name, value)
    definition.save()
    changes_logged = diff(before, snapshot(definition))
    if removed_in_use:
        changes_logged["removed_choices_still_in_use"] = [removed_in_use, None]
    if changes_logged:
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.UPDATE,
            obj=definition,
            actor=actor,
            changes=changes_logged,
        )
    if definition.key != old_key:
        _enqueue_rewrite(
            tenant=tenant,
            object_type=definition.object_type,
            old_key=old_key,
            definition_id=definition.pk,
        )
    return definition


@transaction.atomic
def customfield_delete(
    *, tenant: Tenant, definition: CustomFieldDefinition, actor: Any = None
) -> None:
    """Delete the definition now; its stored values are removed in the background."""
    before = snapshot(definition)
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.DELETE,
        obj=definition,
        actor=actor,
        changes=diff(before, {}),
    )
    CustomFieldDefinition.objects.filter(pk=definition.pk, tenant=tenant).delete()
    _enqueue_rewrite(
        tenant=tenant,
        object_type=definition.object_type,
        old_key=definition.key,
        definition_id=None,
    )


@transaction.atomic
def customfield_move(
    *, tenant: Tenant, definition: CustomFieldDefinition, direction: str, actor: Any = None
) -> CustomFieldDefinition:
    """Swap a field with its neighbour above ("up") or below ("down") in display order."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": [_("Move a field up or down.")]})
    siblings = list(
        CustomFieldDefinition.objects.select_for_update()
        .filter(tenant=tenant, object_type=definition.object_type)
        .order_by("order", "id")
    )
    index = next(i for i, d in enumerate(siblings) if d.pk == definition.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        return siblings[index]
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.order != position:
            old = sibling.order
            sibling.order = position
            sibling.save(update_fields=["order", "updated_at"])
            if sibling.pk == definition.pk:
                audit_record(
                    tenant=tenant,
                    action=AuditLog.Action.UPDATE,
                    obj=sibling,
                    actor=actor,
                    changes={"order": [old, position]},
                )
    return siblings[target]
