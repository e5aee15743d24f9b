"""What support.sla plugs into at app start: the ticket hook that runs the SLA clock and
the timer in the ticket detail header."""

from __future__ import annotations


def register() -> None:
    from support.tickets.hooks import on_ticket_event
    from support.tickets.panels import register_ticket_panel

    from . import selectors, services, tasks  # noqa: F401  (Celery finds the tasks so)

    # Early (order 10): the other parts' listeners see the due times already set.
    on_ticket_event(services.on_ticket_event, order=10, key="support.sla")
    register_ticket_panel(
        key="sla_timer",
        place="header",
        template="support/sla/partials/timer_panel.html",
        context=selectors.timer_panel_context,
        order=10,
    )
