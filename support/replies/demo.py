"""seed_demo's part for support.replies: a few shared reply templates (once), and the
similar-inquiries index rebuilt for the tickets the demo loaded in bulk (the bulk seeder
writes tickets set-based, past the ticket hooks that keep the index)."""

from __future__ import annotations

from typing import Any

from crm.core.models import Tenant

from .models import ReplyTemplate, TemplateScope
from .services import similar_rebuild, template_create

DEMO_TEMPLATES = (
    (
        "返品・交換のご案内",
        "/henpin",
        "{{contact.last_name}} 様\n\nお問い合わせありがとうございます。{{tenant.name}}の"
        "{{agent.name}}です。\n商品到着後7日以内であれば、返品・交換を承ります。\n"
        "お手数ですが、注文番号を添えてご返信ください。\n\n（問い合わせ番号 #{{ticket.number}}）",
    ),
    (
        "請求書の再発行",
        "/seikyu",
        "{{contact.last_name}} 様\n\n請求書を再発行し、{{contact.email}} 宛にお送りしました。\n"
        "ご確認のほどよろしくお願いいたします。\n\n{{tenant.name}} {{agent.name}}",
    ),
    (
        "お問い合わせのお礼（受付）",
        "/orei",
        "{{contact.last_name}} 様\n\nお問い合わせいただきありがとうございます。\n"
        "内容を確認のうえ、担当者よりご連絡いたします。",
    ),
)


def seed_replies(*, tenant: Tenant, tickets: int | None = None, **_: Any) -> None:
    if not ReplyTemplate.objects.filter(tenant=tenant, scope=TemplateScope.SHARED).exists():
        for name, shortcut, body in DEMO_TEMPLATES:
            template_create(tenant=tenant, actor=None, name=name, body=body, shortcut=shortcut)
    if tickets:
        similar_rebuild(tenant=tenant)
