"""Writes of dashboards. Every layout goes through `layout_validate` first: nothing is stored
half-changed, and the user is told what to fix in their language."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Membership, Tenant
from ..roles import Role
from . import SIZES, default_layout, get_widget, widgets_for
from .models import Dashboard

MAX_WIDGETS = 16
NAME_MAX = 100
# Roles whose dashboards their reports (Membership.manager) may see.
PUBLISHING_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER})


def can_publish(role: str | None) -> bool:
    return role in PUBLISHING_ROLES


def layout_validate(raw: Any, *, role: str | None) -> list[dict[str, str]]:
    """The layout as stored, or a ValidationError on `layout` listing every problem.
    Items are {"key", "size"}; a missing size takes the widget's own."""
    if not isinstance(raw, list):
        raise ValidationError({"layout": [_("Send the layout as a list of widgets.")]})
    if len(raw) > MAX_WIDGETS:
        raise ValidationError(
            {
                "layout": [
                    _("A dashboard holds at most %(max)s widgets; remove some first.")
                    % {"max": MAX_WIDGETS}
                ]
            }
        )
    allowed = {w.key for w in widgets_for(role)}
    errors: list[str] = []
    seen: set[str] = set()
    layout: list[dict[str, str]] = []
    for position, item in enumerate(raw, start=1):
        if isinstance(item, str):
            item = {"key": item}
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            errors.append(
                _("Widget %(n)s: send an object with a key and a size.") % {"n": position}
            )
            continue
        key = item["key"]
        widget = get_widget(key)
        if widget is None or key not in allowed:
            errors.append(
                _("There is no widget %(key)s that you can use; pick one from the catalogue.")
                % {"key": key[:80]}
            )
            continue
        if key in seen:
            errors.append(
                _("%(title)s is on the dashboard twice; keep it once.") % {"title": widget.title}
            )
            continue
        seen.add(key)
        size = item.get("size") or widget.size
        if size not in SIZES:
            errors.append(_("%(title)s: the size must be s, m or l.") % {"title": widget.title})
            continue
        layout.append({"key": key, "size": size})
    if errors:
        raise ValidationError({"layout": errors})
    return layout


def _clean_name(name: Any) -> str:
    value = str(name or "").strip()
    if not value:
        raise ValidationError({"name": [_("Give the dashboard a name.")]})
    if len(value) > NAME_MAX:
        raise ValidationError(
            {"name": [_("Keep the name under %(max)s characters.") % {"max": NAME_MAX + 1}]}
        )
    return value


def _check_name_free(
    *, tenant: Tenant, owner_id: int, name: str, exclude_id: int | None = None
) -> None:
    qs = Dashboard.objects.filter(tenant=tenant, owner_id=owner_id, name=name)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    if qs.exists():
        raise ValidationError(
            {
                "name": [
                    _("You already have a dashboard called %(name)s; choose another name.")
                    % {"name": name}
                ]
            }
        )


def _free_name(*, tenant: Tenant, owner_id: int, base: str) -> str:
    """`base`, or `base (2)`, `base (3)`...: a name the owner does not use yet (one query)."""
    taken = set(
        Dashboard.objects.filter(
            tenant=tenant, owner_id=owner_id, name__startswith=base[: NAME_MAX - 6]
        ).values_list("name", flat=True)
    )
    name = base[:NAME_MAX]
    number = 2
    while name in taken:
        name = f"{base[: NAME_MAX - 6]} ({number})"
        number += 1
    return name


def dashboard_ensure_default(*, tenant: Tenant, user: Any, role: str | None) -> Dashboard:
    """The user's default dashboard; on their first visit, a new one with the widgets their
    role starts with (`default_layout`). Safe when two first requests race."""
    found = Dashboard.objects.filter(tenant=tenant, owner=user, is_default=True).first()
    if found is not None:
        return found
    layout = [{"key": key, "size": get_widget(key).size} for key in default_layout(role)]  # type: ignore[union-attr]
    try:
        with transaction.atomic():
            other = Dashboard.objects.filter(tenant=tenant, owner=user).order_by("id").first()
            if other is not None:  # the default was deleted: the oldest one takes over
                other.is_default = True
                other.save(update_fields=["is_default", "updated_at"])
                return other
            return Dashboard.objects.create(
                tenant=tenant,
                owner=user,
                name=_free_name(tenant=tenant, owner_id=user.pk, base=_("My dashboard")),
                layout=layout,
                is_default=True,
            )
    except IntegrityError:  # a parallel first request created it
        return Dashboard.objects.get(tenant=tenant, owner=user, is_default=True)


def dashboard_create(
    *,
    tenant: Tenant,
    user: Any,
    role: str | None,
    name: Any,
    layout: Any = None,
) -> Dashboard:
    """Another dashboard of the user's; without a layout it starts with their role's
    default widgets. The first one a user has becomes their default."""
    clean = _clean_name(name)
    if layout is None:
        layout = [{"key": key} for key in default_layout(role)]
    stored = layout_validate(layout, role=role)
    _check_name_free(tenant=tenant, owner_id=user.pk, name=clean)
    has_default = Dashboard.objects.filter(tenant=tenant, owner=user, is_default=True).exists()
    return Dashboard.objects.create(
        tenant=tenant, owner=user, name=clean, layout=stored, is_default=not has_default
    )


def dashboard_update(
    *,
    tenant: Tenant,
    dashboard: Dashboard,
    role: str | None,
    name: Any = None,
    layout: Any = None,
    published_to_team: bool | None = None,
    is_default: bool | None = None,
) -> Dashboard:
    """Changes what is given; every part is checked before anything is written."""
    if dashboard.tenant_id != tenant.pk:
        raise ValueError("dashboard of another tenant")
    changes: dict[str, Any] = {}
    if name is not None:
        clean = _clean_name(name)
        _check_name_free(
            tenant=tenant, owner_id=dashboard.owner_id, name=clean, exclude_id=dashboard.pk
        )
        changes["name"] = clean
    if layout is not None:
        changes["layout"] = layout_validate(layout, role=role)
    if published_to_team is not None:
        if published_to_team and not can_publish(role):
            raise ValidationError(
                {"published_to_team": [_("Only managers can publish a dashboard to their team.")]}
            )
        changes["published_to_team"] = bool(published_to_team)
    with transaction.atomic():
        if is_default and not dashboard.is_default:
            Dashboard.objects.filter(tenant=tenant, owner_id=dashboard.owner_id).exclude(
                pk=dashboard.pk
            ).filter(is_default=True).update(is_default=False)
            changes["is_default"] = True
        for field_name, value in changes.items():
            setattr(dashboard, field_name, value)
        if changes:
            dashboard.save(update_fields=[*changes, "updated_at"])
    return dashboard


def dashboard_delete(*, tenant: Tenant, dashboard: Dashboard) -> None:
    """Deletes it; when it was the default, the user's oldest other dashboard becomes the
    default (with none left, the next visit of the home page starts a fresh one)."""
    with transaction.atomic():
        was_default = dashboard.is_default
        owner_id = dashboard.owner_id
        Dashboard.objects.filter(tenant=tenant, pk=dashboard.pk).delete()
        if was_default:
            successor = (
                Dashboard.objects.filter(tenant=tenant, owner_id=owner_id).order_by("id").first()
            )
            if successor is not None:
                successor.is_default = True
                successor.save(update_fields=["is_default", "updated_at"])


def dashboard_copy(
    *, tenant: Tenant, dashboard: Dashboard, user: Any, role: str | None
) -> Dashboard:
    """A copy of a (team) dashboard as the user's own, without the widgets their role may
    not use."""
    allowed = {w.key for w in widgets_for(role)}
    layout = [item for item in dashboard.layout if item.get("key") in allowed]
    name = _free_name(tenant=tenant, owner_id=user.pk, base=dashboard.name)
    has_default = Dashboard.objects.filter(tenant=tenant, owner=user, is_default=True).exists()
    return Dashboard.objects.create(
        tenant=tenant,
        owner=user,
        name=name,
        layout=layout_validate(layout, role=role),
        is_default=not has_default,
    )


def membership_for(tenant: Tenant, user: Any) -> Membership | None:
    return Membership.objects.filter(tenant=tenant, user=user, is_active=True).first()
