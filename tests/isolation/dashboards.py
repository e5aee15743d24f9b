"""Tenant A's dashboard and notification for the isolation walker and the role matrix."""

from __future__ import annotations

from typing import Any

from . import MARKER

# Widget keys are code, the same in every tenant, not tenant rows: the walker's rule "another
# tenant's id answers 404" has nothing to bite on there, so it gets a key no app registers.
# That each tenant's widget data holds only its own rows is tested in
# tests/core/test_dashboards_isolation.py.
NO_SUCH_WIDGET = "isolation.no_such_widget"


def build(tenant: Any, ns: Any) -> None:
    from crm.core.dashboards.models import Dashboard
    from crm.core.models import Membership
    from crm.core.roles import Role
    from crm.core.services.notifications import notify

    owner = Membership.objects.filter(role=Role.OWNER).select_related("user").first().user
    ns.dashboard = Dashboard.objects.create(
        tenant=tenant,
        owner=owner,
        name=f"{MARKER} dashboard",
        layout=[{"key": "sales.kpis", "size": "m"}],
        published_to_team=True,
    )
    ns.notification = notify(
        tenant=tenant,
        user=owner,
        kind="sales.reminder",
        title=f"{MARKER} notification",
        url="/sales/deals/",
    )


ROUTES = {
    "dashboards:view": lambda ns: {"dashboard_id": ns.dashboard.pk},
    "dashboards:save": lambda ns: {"dashboard_id": ns.dashboard.pk},
    "dashboards:rename": lambda ns: {"dashboard_id": ns.dashboard.pk},
    "dashboards:publish": lambda ns: {"dashboard_id": ns.dashboard.pk},
    "dashboards:default": lambda ns: {"dashboard_id": ns.dashboard.pk},
    "dashboards:delete": lambda ns: {"dashboard_id": ns.dashboard.pk},
    "dashboards:copy": lambda ns: {"dashboard_id": ns.dashboard.pk},
    "dashboards:widget_data": lambda ns: {"key": NO_SUCH_WIDGET},
    "dashboards:notification_open": lambda ns: {"notification_id": ns.notification.pk},
    "dashboard-detail": lambda ns: {"pk": ns.dashboard.pk},
    "dashboard-widget-data": lambda ns: {"key": NO_SUCH_WIDGET},
}
