"""Writes for saved views: create, rename / share, replace the conditions, delete. Each is
validated, runs in one transaction and is audited. The conditions are stored as the list's
query parameters ({"param": [values]}), cleaned to the ones the list reads, and must be
readable: a view cannot be saved with a condition the list would reject."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.core.customfields import FIELD_PREFIX
from crm.core.models import AuditLog, Membership, Tenant
from crm.core.services.audit import audit_record

from .models import SavedView

NAME_MAX = 100
MAX_VIEWS_PER_USER = 200


def clean_view_params(params: Mapping[str, Any]) -> dict[str, list[str]]:
    """Only the list's condition parameters, non-empty values, as lists of strings."""
    from ..selectors import FILTER_PARAMS, _param_lists

    cleaned: dict[str, list[str]] = {}
    for name, values in _param_lists(params).items():
        if name not in FILTER_PARAMS and not name.startswith(FIELD_PREFIX):
            continue
        kept = [v for v in values if v]
        if kept:
            cleaned[name] = kept
    return cleaned


def _check_params(
    *, tenant: Tenant, params: Mapping[str, Any], membership: Membership | None
) -> dict[str, list[str]]:
    from ..selectors import contact_filters

    cleaned = clean_view_params(params)
    filters = contact_filters(tenant=tenant, params=cleaned, membership=membership)
    errors = filters.all_errors()
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationError(
            {"params": [_("Fix the conditions before saving them: %(error)s") % {"error": first}]}
        )
    return cleaned


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": [_("Give the view a name.")]})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": [_("Keep the name to %(max)d characters or fewer.") % {"max": NAME_MAX}]}
        )
    return name


def _name_taken() -> ValidationError:
    return ValidationError({"name": [_("You already have a view with this name.")]})


def _save(view: SavedView) -> None:
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        raise _name_taken() from None


@transaction.atomic
def saved_view_create(
    *,
    tenant: Tenant,
    owner: Any,
    name: str,
    params: Mapping[str, Any],
    is_shared: bool = False,
    membership: Membership | None = None,
    actor: Any = None,
) -> SavedView:
    """`membership` is whose "me" and visibility the conditions are checked with (the
    owner's by default)."""
    if owner is None or getattr(owner, "pk", None) is None:
        raise ValidationError(_("Saved views belong to a user; this API key has no user."))
    name = _clean_name(name)
    if membership is None:
        membership = Membership.objects.filter(tenant=tenant, user=owner).first()
    cleaned = _check_params(tenant=tenant, params=params, membership=membership)
    if SavedView.objects.filter(tenant=tenant, owner=owner).count() >= MAX_VIEWS_PER_USER:
        raise ValidationError(
            _("You have %(max)d saved views, the most there can be. Delete one first.")
            % {"max": MAX_VIEWS_PER_USER}
        )
    if SavedView.objects.filter(tenant=tenant, owner=owner, name=name).exists():
        raise _name_taken()
    view = SavedView(tenant=tenant, owner=owner, name=name, params=cleaned, is_shared=is_shared)
    _save(view)
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.CREATE,
        obj=view,
        changes={"name": [None, name], "params": [None, cleaned], "is_shared": [None, is_shared]},
        actor=actor if actor is not None else owner,
    )
    return view


@transaction.atomic
def saved_view_update(
    *,
    tenant: Tenant,
    view: SavedView,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    is_shared: bool | None = None,
    membership: Membership | None = None,
    actor: Any = None,
) -> SavedView:
    """Change what is given (None = leave it). Nothing changes when any part is refused."""
    if view.tenant_id != tenant.pk:
        raise ValueError("saved view of another tenant")
    changes: dict[str, list[Any]] = {}
    if name is not None:
        cleaned_name = _clean_name(name)
        if cleaned_name != view.name:
            taken = (
                SavedView.objects.filter(tenant=tenant, owner_id=view.owner_id, name=cleaned_name)
                .exclude(pk=view.pk)
                .exists()
            )
            if taken:
                raise _name_taken()
            changes["name"] = [view.name, cleaned_name]
    if params is not None:
        if membership is None:
            membership = Membership.objects.filter(tenant=tenant, user_id=view.owner_id).first()
        cleaned = _check_params(tenant=tenant, params=params, membership=membership)
        if cleaned != view.params:
            changes["params"] = [view.params, cleaned]
    if is_shared is not None and is_shared != view.is_shared:
        changes["is_shared"] = [view.is_shared, is_shared]
    if not changes:
        return view
    for field_name, (_old, new) in changes.items():
        setattr(view, field_name, new)
    _save(view)
    audit_record(
        tenant=tenant, action=AuditLog.Action.UPDATE, obj=view, changes=changes, actor=actor
    )
    return view


def saved_view_rename(
    *, tenant: Tenant, view: SavedView, name: str, actor: Any = None
) -> SavedView:
    return saved_view_update(tenant=tenant, view=view, name=name, actor=actor)


def saved_view_update_conditions(
    *,
    tenant: Tenant,
    view: SavedView,
    params: Mapping[str, Any],
    membership: Membership | None = None,
    actor: Any = None,
) -> SavedView:
    return saved_view_update(
        tenant=tenant, view=view, params=params, membership=membership, actor=actor
    )


@transaction.atomic
def saved_view_delete(*, tenant: Tenant, view: SavedView, actor: Any = None) -> None:
    """Deletes for good (the pages and the API ask for confirmation first; the audit entry
    keeps the name and conditions)."""
    if view.tenant_id != tenant.pk:
        raise ValueError("saved view of another tenant")
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.DELETE,
        obj=view,
        changes={"name": [view.name, None], "params": [view.params, None]},
        actor=actor,
    )
    SavedView.objects.filter(tenant=tenant, pk=view.pk).delete()
