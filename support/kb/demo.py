"""Demo FAQ for `seed_demo`: two categories and a handful of published articles (some in
Japanese only, to show the portal's language fallback). Idempotent: skipped when the tenant
already has articles."""

from __future__ import annotations

from typing import Any

from crm.core.models import Tenant

from . import services
from .models import Article

CATEGORIES = [
    ("注文と返品", "Orders and returns"),
    ("アカウント", "Your account"),
]
ARTICLES = [
    (
        0,
        "返品について",
        "<p>商品到着から<strong>30日以内</strong>であれば、マイページの注文履歴から返品を申請できます。</p>"
        "<ul><li>未使用・未開封の商品に限ります。</li><li>返品送料は当社が負担します。</li></ul>",
        "Returns",
        "<p>You can return items within <strong>30 days</strong> of delivery from your order"
        " history.</p>",
    ),
    (
        0,
        "注文のキャンセル",
        "<p>発送前の注文はマイページからキャンセルできます。発送後は返品の手続きをご利用ください。</p>",
        "Cancelling an order",
        "<p>Orders not yet shipped can be cancelled from your account page.</p>",
    ),
    (
        0,
        "領収書の発行",
        "<p>注文履歴の「領収書」ボタンからPDFの領収書を発行できます。宛名は発行時に指定できます。</p>",
        "",
        "",
    ),
    (
        1,
        "パスワードの再設定",
        "<p>ログイン画面の「パスワードをお忘れの方」から、登録メールアドレスに再設定のご案内を送ります。</p>",
        "Resetting your password",
        "<p>Use “Forgot your password?” on the sign-in page; we e-mail you a link.</p>",
    ),
    (
        1,
        "メールアドレスの変更",
        "<p>マイページの「登録情報」から変更できます。確認メールのリンクを開くと変更が完了します。</p>",
        "",
        "",
    ),
]


def seed_faq(*, tenant: Tenant, **_: Any) -> None:
    if Article.objects.filter(tenant=tenant).exists():
        return
    cats = [
        services.category_create(tenant=tenant, name_ja=ja, name_en=en, position=i)
        for i, (ja, en) in enumerate(CATEGORIES)
    ]
    for cat, title_ja, body_ja, title_en, body_en in ARTICLES:
        services.article_create(
            tenant=tenant,
            status="published",
            category=cats[cat],
            title_ja=title_ja,
            body_ja=body_ja,
            title_en=title_en,
            body_en=body_en,
        )
