"""What support.kb plugs into at app start: the "turn this answer into an FAQ draft" panel
on resolved and closed inquiries, and the demo FAQ for `seed_demo`."""

from __future__ import annotations

from typing import Any


def _panel_context(*, tenant: Any, membership: Any, ticket: Any) -> dict[str, Any]:
    """At most one query (the drafts already made from this inquiry), only when it is done."""
    from support.tickets.models import DONE_STATUSES

    from .models import Article

    done = ticket.status in DONE_STATUSES
    made = (
        list(
            Article.objects.filter(tenant=tenant, created_from_ticket=ticket)
            .only("id", "title_ja", "title_en", "status")
            .order_by("-id")[:3]
        )
        if done
        else []
    )
    return {"kb_done": done, "kb_ticket": ticket, "kb_made": made}


def register() -> None:
    from crm.core.demo import register_seeder
    from support.tickets.panels import register_ticket_panel

    from .demo import seed_faq

    register_seeder("support_faq", seed_faq, order=65)

    register_ticket_panel(
        key="kb_to_article",
        place="side",
        template="support/kb/partials/ticket_panel.html",
        context=_panel_context,
        perm="support.edit",
        order=60,
    )
