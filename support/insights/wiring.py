"""What support.insights plugs into at app start (ticket hooks, widgets, panels, seeders)."""


def register() -> None:
    from crm.core.demo import register_seeder

    from . import widgets
    from .demo import seed_tickets

    widgets.register()
    register_seeder("support_tickets", seed_tickets, order=60)
