"""What support.insights plugs into at app start (ticket hooks, widgets, panels, seeders)."""


def register() -> None:
    from crm.core.demo import register_seeder

    # The rollup's tables (support/models.py should import this module with the other
    # parts' models; importing it here registers them when it does not yet).
    from . import (
        models,  # noqa: F401
        tasks,  # noqa: F401  (Celery finds the tasks through this import)
        widgets,
    )
    from .demo import seed_tickets

    widgets.register()
    register_seeder("support_tickets", seed_tickets, order=60)
