"""Merging two contacts and remembering pairs that are not duplicates.

contact_merge is the one door (pages and API call it): in one transaction the survivor takes
the chosen value per field (through contacts.services.contact_update, so every value is
normalized and validated like an edit, and the audit log gets the field-level before/after),
every merge hook moves the other's rows (timeline, import records, calls, and whatever other
apps register), the other is soft-deleted pointing at the survivor, and the merge is audited
on both records and noted on the survivor's timeline.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Now
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.customfields import definitions_for
from crm.core.models import AuditLog, ObjectType, Tenant, User
from crm.core.services.audit import audit_record, diff, snapshot

from ..models import Contact, InteractionKind
from ..services import CONTACT_AUDITED, CONTACT_FIELDS, contact_update, timeline_add
from .hooks import MergeContext, move_contact_references, register_merge_hook, run_merge_hooks
from .models import DuplicateDismissal

SURVIVOR, OTHER = "survivor", "other"
# Fields a merge lets you choose; tags are always the union of both.
MERGE_FIELDS = tuple(name for name in CONTACT_FIELDS if name != "tags")
CUSTOM_PREFIX = "custom_fields."
FK_FIELDS = ("company", "owner")


# --- built-in hooks: the contacts app's own references ----------------------------------------
def _move_import_changes(ctx: MergeContext) -> int:
    """Import records name contacts by id (not a foreign key). After a merge they name the
    survivor; the merge changes both records, so those imports can no longer be undone (see
    contacts.importers.loader.undo_blockers) and never put back the other's old values."""
    from ..importers.models import ImportChange, ImportChangeKind

    return int(
        ImportChange.objects.filter(
            tenant=ctx.tenant,
            object_id=ctx.other_id,
            kind__in=[ImportChangeKind.CREATED, ImportChangeKind.UPDATED],
        ).update(object_id=ctx.survivor_id)
    )


def _register_builtin_hooks() -> None:
    register_merge_hook(move_contact_references("contacts.Interaction", "contact"))
    register_merge_hook(
        _move_import_changes,
        name="contacts.importchange.object_id",
        covers=["contacts.importchange.object_id"],
    )
    try:  # the phone system's calls, when that part of the app is installed
        apps.get_model("contacts", "CtiCall")
    except LookupError:
        return
    register_merge_hook(move_contact_references("contacts.CtiCall", "contact"))


_register_builtin_hooks()


# --- values and default choices -----------------------------------------------------------------
def _raw(contact: Contact, name: str) -> Any:
    if name.startswith(CUSTOM_PREFIX):
        return (contact.custom_fields or {}).get(name.removeprefix(CUSTOM_PREFIX))
    if name in FK_FIELDS:
        return getattr(contact, f"{name}_id")
    return getattr(contact, name)


def _empty(value: Any) -> bool:
    return value in (None, "", [], {}, False)


def custom_field_keys(tenant: Tenant) -> list[str]:
    """Custom field keys that have a definition, in the definitions' order."""
    definitions = definitions_for(tenant=tenant, object_type=ObjectType.CONTACT)
    return [d.key for d in definitions]


def differing_fields(tenant: Tenant, survivor: Contact, other: Contact) -> list[str]:
    """The choosable fields (and `custom_fields.<key>`) whose values differ."""
    names = [*MERGE_FIELDS, *(CUSTOM_PREFIX + k for k in custom_field_keys(tenant))]
    return [n for n in names if _raw(survivor, n) != _raw(other, n)]


def default_choices(tenant: Tenant, survivor: Contact, other: Contact) -> dict[str, str]:
    """Per differing field, the newer non-empty value: the more recently updated record's
    value unless it is empty (for do-not-contact flags: either one set keeps it set)."""
    newer_is_other = (other.updated_at, other.pk) > (survivor.updated_at, survivor.pk)
    newer, older = (OTHER, SURVIVOR) if newer_is_other else (SURVIVOR, OTHER)
    by_side = {SURVIVOR: survivor, OTHER: other}
    result = {}
    for name in differing_fields(tenant, survivor, other):
        result[name] = older if _empty(_raw(by_side[newer], name)) else newer
    return result


def _validate_choices(
    tenant: Tenant, survivor: Contact, other: Contact, choices: dict[str, Any] | None
) -> dict[str, str]:
    allowed = {*MERGE_FIELDS, *(CUSTOM_PREFIX + k for k in custom_field_keys(tenant))}
    errors: dict[str, list[str]] = {}
    for name, side in (choices or {}).items():
        if name not in allowed:
            errors.setdefault("choices", []).append(
                _("“%(name)s” cannot be chosen in a merge. Choose among: %(allowed)s.")
                % {"name": name, "allowed": ", ".join(sorted(allowed))}
            )
        elif side not in (SURVIVOR, OTHER):
            errors.setdefault("choices", []).append(
                _("For “%(name)s”, choose “survivor” or “other”.") % {"name": name}
            )
    if errors:
        raise ValidationError(errors)
    result = default_choices(tenant, survivor, other)
    result.update({k: v for k, v in (choices or {}).items() if k in result})
    return result


# --- merge ---------------------------------------------------------------------------------------
def _refuse_deleted(contact: Contact, role: str) -> None:
    if contact.deleted_at is not None:
        raise ValidationError(
            {
                role: [
                    _("%(contact)s (#%(id)s) was deleted. Restore it before merging.")
                    % {"contact": contact, "id": contact.pk}
                ]
            }
        )


@transaction.atomic
def contact_merge(
    *,
    tenant: Tenant,
    actor: Any,
    survivor: Contact,
    other: Contact,
    choices: dict[str, str] | None = None,
) -> Contact:
    """Fold `other` into `survivor`; returns the updated survivor. `choices` maps a field
    name (or `custom_fields.<key>`) to 'survivor' or 'other'; fields left out get the
    default (default_choices). Another tenant's contact: Http404. Itself or a deleted one:
    ValidationError with a message saying what to do."""
    if survivor.pk == other.pk:
        raise ValidationError({"other": [_("A contact cannot be merged with itself.")]})
    if survivor.tenant_id != tenant.pk or other.tenant_id != tenant.pk:
        raise Http404
    # Lock both in id order, so two merges of overlapping pairs take turns instead of
    # deadlocking; re-read, because the caller's copies may be stale.
    locked = {
        c.pk: c
        for c in Contact.objects.select_for_update(of=("self",))
        .select_related("company")
        .filter(tenant=tenant, pk__in=[survivor.pk, other.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise Http404
    survivor, other = locked[survivor.pk], locked[other.pk]
    _refuse_deleted(survivor, "survivor")
    _refuse_deleted(other, "other")
    chosen = _validate_choices(tenant, survivor, other, choices)
    taken = [name for name, side in chosen.items() if side == OTHER]

    data: dict[str, Any] = {
        name: _raw(other, name) for name in taken if not name.startswith(CUSTOM_PREFIX)
    }
    custom = {
        name.removeprefix(CUSTOM_PREFIX): _raw(other, name)
        for name in taken
        if name.startswith(CUSTOM_PREFIX)
    }
    if custom:
        data["custom_fields"] = custom
    union = list(survivor.tags) + [t for t in other.tags if t not in survivor.tags]
    if union != list(survivor.tags):
        data["tags"] = union

    # The other is folded away first: values that must be unique (customer code, unique
    # custom fields) it gives to the survivor are released so the survivor can hold them.
    # Its customer code is released even when the survivor keeps its own: a merged contact
    # holding a code would be matched (and brought back) by the next import of that code.
    # The audit record below keeps the released value.
    other_before = snapshot(other, CONTACT_AUDITED)
    released: dict[str, Any] = {}
    if other.customer_code:
        released["customer_code"] = ""
    unique_keys = {
        d.key for d in definitions_for(tenant=tenant, object_type=ObjectType.CONTACT) if d.unique
    }
    if set(custom) & unique_keys:
        released["custom_fields"] = {
            k: v for k, v in (other.custom_fields or {}).items() if k not in custom
        }
    Contact.objects.filter(tenant=tenant, pk=other.pk).update(
        deleted_at=Now(), merged_into=survivor.pk, updated_at=Now(), **released
    )

    if data:
        survivor = contact_update(tenant=tenant, contact=survivor, actor=actor, **data)
    else:
        Contact.objects.filter(tenant=tenant, pk=survivor.pk).update(updated_at=Now())
    moved = run_merge_hooks(
        MergeContext(tenant=tenant, survivor_id=survivor.pk, other_id=other.pk, actor=actor)
    )

    audit_record(
        tenant=tenant,
        action=AuditLog.Action.MERGE,
        obj=survivor,
        actor=actor,
        changes={
            "merged_contact_id": [other.pk, survivor.pk],
            "fields_from_other": sorted(taken),
            "moved": moved,
        },
    )
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.MERGE,
        obj=other,
        actor=actor,
        changes={
            **diff(other_before, {}),
            "merged_into": [None, survivor.pk],
        },
    )
    timeline_add(
        tenant=tenant,
        contact=survivor,
        kind=InteractionKind.FIELD_CHANGE,
        occurred_at=timezone.now(),
        subject=_("Merged with %(contact)s (#%(id)s)") % {"contact": other, "id": other.pk},
        data={
            "merged_contact_id": other.pk,
            "fields_from_other": sorted(taken),
            "moved": moved,
        },
        actor=actor if isinstance(actor, User) else None,
    )
    survivor.refresh_from_db()
    return survivor


# --- not a duplicate ----------------------------------------------------------------------------
@transaction.atomic
def duplicate_dismiss(
    *, tenant: Tenant, actor: Any, first: Contact, second: Contact
) -> DuplicateDismissal:
    """Remember that these two are different people; the list stops showing the pair."""
    if first.pk == second.pk:
        raise ValidationError({"other": [_("Choose two different contacts.")]})
    if first.tenant_id != tenant.pk or second.tenant_id != tenant.pk:
        raise Http404
    a_id, b_id = sorted((first.pk, second.pk))
    dismissal, created = DuplicateDismissal.objects.get_or_create(
        tenant=tenant,
        contact_a_id=a_id,
        contact_b_id=b_id,
        defaults={"created_by": actor if isinstance(actor, User) else None},
    )
    if created:
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.OTHER,
            obj=dismissal,
            actor=actor,
            object_repr=_("Not a duplicate: #%(a)s and #%(b)s") % {"a": a_id, "b": b_id},
            changes={"not_a_duplicate": [None, [a_id, b_id]]},
        )
    return dismissal
