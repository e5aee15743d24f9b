"""What catalog plugs into other parts at start-up (called from sales/apps.py ready()):
the won-deal hook that makes the order, and the purchases panel on contacts and companies."""

from __future__ import annotations

from typing import Any


def purchases_panel(*, tenant: Any, membership: Any, obj: Any) -> dict[str, Any]:
    from contacts.models import Contact

    from .selectors import customer_purchases

    if isinstance(obj, Contact):
        found = customer_purchases(tenant=tenant, contact_id=obj.pk)
        return {**found, "orders_query": f"contact={obj.pk}", "new_query": f"contact={obj.pk}"}
    found = customer_purchases(tenant=tenant, company_id=obj.pk)
    return {**found, "orders_query": f"company={obj.pk}", "new_query": f"company={obj.pk}"}


def won_deal_order(*, tenant: Any, deal: Any, actor: Any = None) -> list[str]:
    """The won-deal hook: the order from the deal's lines, and what to tell the mover."""
    from django.utils.translation import gettext as _

    from .models import OrderStatus
    from .services import order_create_from_deal

    order = order_create_from_deal(tenant=tenant, deal=deal, actor=actor)
    if order is None:
        return []
    reasons = " ".join(getattr(order, "warnings", []))
    if order.status == OrderStatus.DRAFT:
        return [
            _(
                "Order %(number)s was saved as a draft: %(reason)s Confirm it on the order's "
                "page once the stock is in."
            )
            % {"number": order.order_number, "reason": reasons}
        ]
    created = _("Order %(number)s created from the deal's line items.") % {
        "number": order.order_number
    }
    return [created, reasons] if reasons else [created]


def register() -> None:
    from contacts.panels import register_detail_panel
    from crm.core.jobs import register_job
    from sales.deals.hooks import register_won_hook

    from . import tasks  # noqa: F401  (registers the import task with Celery)
    from .models import OrderImportJob

    register_job(
        "sales.order_import",
        OrderImportJob,
        running=OrderImportJob.Status.RUNNING,
        failed=OrderImportJob.Status.FAILED,
    )
    register_won_hook(won_deal_order)
    for on in ("contact", "company"):
        register_detail_panel(
            on=on,  # type: ignore[arg-type]
            key="purchases",
            template="sales/partials/purchases_panel.html",
            context=purchases_panel,
            perm="sales.view",
            order=30,
        )
