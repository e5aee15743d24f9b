"""Reads of dashboards and the payloads of their widgets."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import Membership, Tenant
from ..roles import has_perm
from . import Widget, WidgetContext, get_widget
from .models import Dashboard

log = logging.getLogger(__name__)

# The managers above a membership, up the Membership.manager chain (a cycle or a very deep
# tree stops at 10 levels), as one subquery: the team dashboards cost one query whatever
# the size of the organisation.
_MANAGER_CHAIN_SQL = """
WITH RECURSIVE chain(id, manager_id, user_id, depth) AS (
    SELECT id, manager_id, user_id, 0 FROM core_membership WHERE tenant_id = %s AND id = %s
  UNION ALL
    SELECT m.id, m.manager_id, m.user_id, chain.depth + 1
    FROM core_membership m JOIN chain ON m.id = chain.manager_id
    WHERE m.tenant_id = %s AND m.is_active AND chain.depth < 10
)
SELECT user_id FROM chain WHERE depth > 0
"""


def own_dashboards(*, tenant: Tenant, user: Any) -> QuerySet[Dashboard]:
    return Dashboard.objects.filter(tenant=tenant, owner=user).order_by("-is_default", "name", "id")


def team_dashboards(*, tenant: Tenant, membership: Membership | None) -> QuerySet[Dashboard]:
    """Dashboards published by the viewer's managers (direct and further up), read-only."""
    if membership is None or membership.pk is None or membership.manager_id is None:
        return Dashboard.objects.none()
    # Fixed SQL text; the values are bound parameters.
    chain = RawSQL(_MANAGER_CHAIN_SQL, (tenant.pk, membership.pk, tenant.pk))  # noqa: S611
    return (
        Dashboard.objects.filter(tenant=tenant, published_to_team=True, owner_id__in=chain)
        .exclude(owner_id=membership.user_id)
        .select_related("owner")
        .order_by("name", "id")
    )


def access_dashboard(
    *, tenant: Tenant, user: Any, membership: Membership | None, dashboard_id: int
) -> tuple[Dashboard, bool]:
    """(dashboard, editable): the viewer's own (editable) or one published to them by a
    manager above them (read-only). Anything else, another tenant's included, is 404."""
    own = Dashboard.objects.filter(tenant=tenant, owner=user, pk=dashboard_id).first()
    if own is not None:
        return own, True
    shared = team_dashboards(tenant=tenant, membership=membership).filter(pk=dashboard_id).first()
    if shared is None:
        raise Http404
    return shared, False


def access_own_dashboard(*, tenant: Tenant, user: Any, dashboard_id: int) -> Dashboard:
    found = Dashboard.objects.filter(tenant=tenant, owner=user, pk=dashboard_id).first()
    if found is None:
        raise Http404
    return found


def widget_context(
    *, tenant: Tenant, user: Any, membership: Membership | None, role: str | None
) -> WidgetContext:
    return WidgetContext(
        tenant=tenant,
        user=user,
        membership=membership,
        role=role,
        language=(get_language() or "ja")[:2],
    )


def visible_widget(key: str, role: str | None) -> Widget:
    """The widget, or 404 for an unknown key or one the role may not see."""
    widget = get_widget(key)
    if widget is None or not has_perm(role, widget.perm):
        raise Http404
    return widget


def widget_payload(widget: Widget, ctx: WidgetContext) -> tuple[dict[str, Any], bool]:
    """(answer, ok). A widget whose data function raises answers an error the card shows,
    and the traceback goes to the log: one broken widget never breaks the dashboard."""
    head = {"key": widget.key, "kind": widget.kind, "title": str(widget.title)}
    try:
        payload = widget.data(ctx)
    except Exception:  # noqa: BLE001 - any widget bug becomes an error card
        log.exception("dashboard widget %s failed", widget.key)
        return {**head, "error": _("This widget could not be loaded. Try again later.")}, False
    return {**head, "payload": payload}, True
