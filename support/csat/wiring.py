"""What support.csat plugs into at app start (ticket hooks, widgets, panels, seeders)."""


def register() -> None:
    from support.tickets.hooks import on_ticket_event

    from .services import on_ticket_changed

    on_ticket_event(on_ticket_changed, order=80, key="support.csat.resolution")
