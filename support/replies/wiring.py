"""What support.replies plugs into at app start (ticket hooks, widgets, panels, seeders)."""


def register() -> None:
    from crm.core.demo import register_seeder
    from support.tickets.hooks import on_ticket_event
    from support.tickets.panels import register_ticket_panel

    from . import panels, services
    from .demo import seed_replies

    # After the demo tickets (support_tickets, order 60): their index is built set-based.
    register_seeder("support_replies", seed_replies, order=70)

    # Late in the order: after the ticket's own writes, inside the same transaction.
    on_ticket_event(services.on_ticket_event, order=80, key="support.replies.similar_index")
    register_ticket_panel(
        key="reply_templates",
        place="reply_tools",
        template="support/replies/panels/reply_tools.html",
        context=panels.reply_tools_context,
        order=10,
    )
    register_ticket_panel(
        key="similar_inquiries",
        place="side",
        template="support/replies/panels/similar.html",
        context=panels.similar_context,
        order=50,
    )
