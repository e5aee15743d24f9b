"""What support.sla plugs into at app start: the ticket hook that runs the SLA clock and
the timer in the ticket detail header."""

from __future__ import annotations

from typing import Any


def register() -> None:
    from support.tickets.hooks import on_ticket_event
    from support.tickets.panels import register_ticket_panel

    from . import selectors, services, tasks  # noqa: F401  (Celery finds the tasks so)

    _cached_calendars_follow_changes()
    # Early (order 10): the other parts' listeners see the due times already set.
    on_ticket_event(services.on_ticket_event, order=10, key="support.sla")
    register_ticket_panel(
        key="sla_timer",
        place="header",
        template="support/sla/partials/timer_panel.html",
        context=selectors.timer_panel_context,
        order=10,
    )


def _cached_calendars_follow_changes() -> None:
    """Saving or deleting a calendar, a block or a holiday, or saving the tenant (its time
    zone), drops the tenant's cached calendars (selectors.display_calendars)."""
    from django.db.models.signals import post_delete, post_save

    from crm.core.models import Tenant

    from .models import BusinessBlock, BusinessCalendar, BusinessHoliday
    from .selectors import forget_calendars

    def changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        tenant_id = instance.pk if sender is Tenant else instance.tenant_id
        if tenant_id is not None:
            forget_calendars(tenant_id)

    for model in (BusinessCalendar, BusinessBlock, BusinessHoliday):
        post_save.connect(changed, sender=model, dispatch_uid=f"sla-calendars-{model}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"sla-calendars-d{model}")
    post_save.connect(changed, sender=Tenant, dispatch_uid="sla-calendars-tenant")
