"""Tenant A's FAQ (a category, a published article, a resolved inquiry with a reply) for
the isolation walker and the role matrix. The portal pages are public (by tenant slug) and
are tested in tests/support/test_kb_portal.py: tenant B's slug never shows A's article."""

from __future__ import annotations

from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from support.kb import services
    from support.tickets import services as tickets
    from support.tickets.models import MessageKind, Status

    ns.kb_category = services.category_create(tenant=tenant, name_ja=f"{MARKER} 分類")
    ns.kb_article = services.article_create(
        tenant=tenant,
        status="published",
        category=ns.kb_category,
        title_ja=f"{MARKER} 返品について",
        body_ja=f"<p>{MARKER} 返品は30日以内</p>",
    )
    ticket = tickets.ticket_create(
        tenant=tenant,
        subject=f"{MARKER} 返品したい",
        body=f"{MARKER} 返品の方法は？",
        requester_email="kb-isolation@example.jp",
    )
    tickets.ticket_message_add(
        tenant=tenant, ticket=ticket, kind=MessageKind.REPLY, body=f"{MARKER} 返品はこちら"
    )
    ns.kb_ticket = tickets.ticket_update(tenant=tenant, ticket=ticket, status=Status.RESOLVED)


ROUTES = {
    "support:article_edit": lambda ns: {"article_id": ns.kb_article.pk},
    "support:article_preview": lambda ns: {"article_id": ns.kb_article.pk},
    "support:article_status": lambda ns: {"article_id": ns.kb_article.pk},
    "support:article_delete": lambda ns: {"article_id": ns.kb_article.pk},
    "support:kb_category_edit": lambda ns: {"category_id": ns.kb_category.pk},
    "support:kb_category_delete": lambda ns: {"category_id": ns.kb_category.pk},
    "support:ticket_to_article": lambda ns: {"ticket_id": ns.kb_ticket.pk},
    "faq-article-detail": lambda ns: {"pk": ns.kb_article.pk},
    "faq-category-detail": lambda ns: {"pk": ns.kb_category.pk},
}
