"""What support.mail plugs into at app start (ticket hooks, widgets, panels, seeders)."""


def register() -> None:
    from support.tickets.hooks import on_ticket_event
    from support.tickets.panels import register_ticket_panel

    from . import services, tasks  # noqa: F401  (Celery finds the tasks through this import)
    from .panels import mail_panel_context

    # After the SLA part (order 50 by default): the reply mail goes out whatever SLA did.
    on_ticket_event(services.on_ticket_event, order=60, key="support.mail.reply")
    register_ticket_panel(
        key="mail",
        place="side",
        template="support/mail/panel.html",
        context=mail_panel_context,
        order=80,
    )
