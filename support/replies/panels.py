"""The two ticket panels of support.replies: the template picker above the reply editor and
the similar past inquiries in the side column. Each context runs a fixed number of queries
(picker: one; similar: none, its list is fetched after the page loads, four queries)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from crm.core.models import Membership, Tenant

from . import selectors


def reply_tools_context(*, tenant: Tenant, membership: Membership, ticket: Any) -> dict[str, Any]:
    templates = selectors.picker_templates(tenant=tenant, user=membership.user_id, ticket=ticket)
    for item in templates:
        item["url"] = reverse(
            "support:template_render",
            kwargs={"template_id": item["id"], "ticket_id": ticket.pk},
        )
    return {
        "picker_templates": templates,
        "picker_data_id": f"reply-templates-{ticket.pk}",
        "ticket": ticket,
    }


def similar_context(*, tenant: Tenant, membership: Membership, ticket: Any) -> dict[str, Any]:
    """No query here: the list loads after the page (htmx, `support:ticket_similar`), so the
    ticket page's own time does not include the similarity search."""
    return {"ticket": ticket}
