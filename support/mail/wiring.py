"""What support.mail plugs into at app start (ticket hooks, widgets, panels, seeders)."""


def register() -> None:
    from support.tickets.hooks import on_ticket_event

    from . import services, tasks  # noqa: F401  (Celery finds the tasks through this import)

    # After the SLA part (order 50 by default): the reply mail goes out whatever SLA did.
    on_ticket_event(services.on_ticket_event, order=60, key="support.mail.reply")
