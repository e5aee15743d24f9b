"""What support.sla plugs into at app start: the ticket hook that runs the SLA clock and
the timer in the ticket detail header."""

from __future__ import annotations


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
    """A change to a calendar, a block, a holiday or the tenant (its time zone) drops the
    tenant's cached calendars (selectors.display_calendars)."""
    from crm.core import tenantcache
    from crm.core.models import Tenant

    from .models import BusinessBlock, BusinessCalendar, BusinessHoliday
    from .selectors import CALENDARS

    tenantcache.register(CALENDARS, BusinessCalendar, BusinessBlock, BusinessHoliday)
    tenantcache.register(CALENDARS, Tenant, tenant_id_of=lambda tenant: tenant.pk)
