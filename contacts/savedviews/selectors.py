"""Reads for saved views: the ones a member may open (their own and the tenant's shared
ones) and the access helpers, which answer 404 for anything else (another tenant's view,
another user's private one) and never 403."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from crm.core.models import Tenant

from .models import SavedView


def saved_views_for(*, tenant: Tenant, user_id: int | None) -> QuerySet[SavedView]:
    """The member's own views and those shared with the tenant, by name, owner joined."""
    rule = Q(is_shared=True) if user_id is None else Q(owner_id=user_id) | Q(is_shared=True)
    return (
        SavedView.objects.filter(tenant=tenant)
        .filter(rule)
        .select_related("owner")
        .order_by("name", "id")
    )


def access_saved_view(
    *, tenant: Tenant, view_id: int, user_id: int | None, own: bool = False
) -> SavedView:
    """A view the member may open (`own=True`: may change, i.e. their own), else 404."""
    qs = (
        SavedView.objects.filter(tenant=tenant, owner_id=user_id)
        if own
        else saved_views_for(tenant=tenant, user_id=user_id)
    )
    if own and user_id is None:
        qs = qs.none()
    return get_object_or_404(qs, pk=view_id)
