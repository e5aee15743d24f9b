"""FAQ search on stock PostgreSQL: two-character Japanese queries, ranking (title over body),
suggestions from a long inquiry, related articles; drafts never come back to the portal."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from crm.core.context import tenant_context
from support.kb import selectors, services

from .kb_helpers import make_article, make_kb_category

pytestmark = pytest.mark.django_db


def _titles(rows: list[Any]) -> list[str]:
    return [a.title_ja or a.title_en for a in rows]


def test_a_two_character_japanese_query_finds_the_article(tenant: Any) -> None:
    make_article(tenant, title_ja="返品について")
    make_article(tenant, title_ja="請求書の再発行", body_ja="<p>マイページから再発行できます。</p>")
    with tenant_context(tenant):
        found = selectors.article_search(tenant=tenant, q="返品", language="ja", limit=10)
    assert _titles(found) == ["返品について"]


def test_every_word_must_match_and_substrings_are_exact(tenant: Any) -> None:
    make_article(tenant, title_ja="返品について", body_ja="<p>送料はお客様負担です。</p>")
    make_article(tenant, title_ja="返金の時期", body_ja="<p>品について</p>")
    with tenant_context(tenant):
        assert _titles(selectors.article_search(tenant=tenant, q="返品 送料", language="ja")) == [
            "返品について"
        ]
        assert selectors.article_search(tenant=tenant, q="返品 ポイント", language="ja") == []
        # 返品 and 品に are both in 返金の時期's text, but not 返品に as one string
        assert _titles(selectors.article_search(tenant=tenant, q="返品に", language="ja")) == [
            "返品について"
        ]


def test_a_title_match_ranks_above_a_body_match(tenant: Any) -> None:
    make_article(tenant, title_ja="配送について", body_ja="<p>返品の場合も配送業者が伺います。</p>")
    make_article(tenant, title_ja="返品の方法", body_ja="<p>フォームからお申し込みください。</p>")
    with tenant_context(tenant):
        found = selectors.article_search(tenant=tenant, q="返品", language="ja")
    assert _titles(found) == ["返品の方法", "配送について"]


def test_english_words_match_by_prefix_and_case(tenant: Any) -> None:
    make_article(
        tenant,
        title_ja="",
        body_ja="",
        title_en="Returns policy",
        body_en="<p>Send items back within 30 days.</p>",
    )
    with tenant_context(tenant):
        assert len(selectors.article_search(tenant=tenant, q="RETURN", language="en")) == 1
        assert len(selectors.article_search(tenant=tenant, q="ｒｅｔｕｒｎｓ", language="en")) == 1
        assert selectors.article_search(tenant=tenant, q="refund", language="en") == []


def test_drafts_are_not_found_on_the_portal_but_agents_find_them(tenant: Any) -> None:
    make_article(tenant, status="draft", title_ja="返品の下書き")
    with tenant_context(tenant):
        assert selectors.article_search(tenant=tenant, q="返品", language="ja") == []
        agent = selectors.article_search(
            tenant=tenant, q="返品", language="ja", published_only=False
        )
    assert _titles(agent) == ["返品の下書き"]


def test_html_is_not_searched(tenant: Any) -> None:
    make_article(
        tenant, title_ja="リンク", body_ja='<p><a href="https://strong.example">サイト</a></p>'
    )
    with tenant_context(tenant):
        assert selectors.article_search(tenant=tenant, q="strong", language="ja") == []
        assert len(selectors.article_search(tenant=tenant, q="サイト", language="ja")) == 1


def test_an_edit_rebuilds_the_index(tenant: Any) -> None:
    article = make_article(tenant, title_ja="返品について")
    with tenant_context(tenant):
        services.article_update(
            tenant=tenant, article=article, title_ja="交換について", body_ja="<p>交換できます。</p>"
        )
        assert selectors.article_search(tenant=tenant, q="返品", language="ja") == []
        assert len(selectors.article_search(tenant=tenant, q="交換", language="ja")) == 1


def test_suggest_picks_the_distinctive_words_of_a_long_inquiry(tenant: Any) -> None:
    make_article(
        tenant, title_ja="返品について", body_ja="<p>到着から30日以内なら返品できます。</p>"
    )
    make_article(
        tenant, title_ja="パスワードの再設定", body_ja="<p>ログイン画面から再設定できます。</p>"
    )
    make_article(
        tenant, title_ja="領収書の発行", body_ja="<p>注文履歴から領収書を発行できます。</p>"
    )
    inquiry = (
        "いつもお世話になっております。先週注文した商品が届いたのですが、サイズが合わなかったので"
        "返品したいと考えています。返品の手続きはどのようにすればよいでしょうか。"
        "お手数ですがよろしくお願いいたします。"
    )
    with tenant_context(tenant):
        suggestions = selectors.article_suggest(tenant=tenant, text=inquiry, language="ja")
    assert [s["title"] for s in suggestions][:1] == ["返品について"]
    assert "パスワードの再設定" not in [s["title"] for s in suggestions]


def test_suggest_of_a_short_query_is_the_search(tenant: Any) -> None:
    make_article(tenant, title_ja="返品について")
    with tenant_context(tenant):
        rows = selectors.article_suggest(tenant=tenant, text="返品", language="ja")
    assert [r["title"] for r in rows] == ["返品について"]


def test_related_articles_share_a_category_or_words(tenant: Any) -> None:
    orders = make_kb_category(tenant)
    base = make_article(tenant, title_ja="返品について", category=orders)
    same_category = make_article(
        tenant,
        title_ja="注文のキャンセル",
        body_ja="<p>発送前ならキャンセルできます。</p>",
        category=orders,
    )
    shared_words = make_article(
        tenant, title_ja="返品送料", body_ja="<p>返品の送料はお客様負担です。</p>"
    )
    make_article(tenant, title_ja="パスワードの再設定", body_ja="<p>ログイン画面から。</p>")
    with tenant_context(tenant):
        related = selectors.article_related(tenant=tenant, article=base)
    assert {a.pk for a in related} == {same_category.pk, shared_words.pk}


def test_the_search_uses_the_gin_index_under_rls(tenant: Any, other_tenant: Any) -> None:
    filler = make_article(tenant, title_ja="記事", body_ja="<p>本文です。</p>")
    mine = make_article(tenant, title_ja="返品について")
    make_article(other_tenant, title_ja="返品について")
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO support_article (tenant_id, status, slug, title_ja, body_ja, title_en,"
            " body_en, helpful_yes, helpful_no, views, created_at, updated_at, search_text,"
            " search_vector) SELECT tenant_id, status, slug || '-' || n, title_ja, body_ja,"
            " title_en, body_en, 0, 0, 0, now(), now(), search_text, search_vector"
            " FROM support_article, generate_series(1, 3000) n WHERE id = %s",
            [filler.pk],
        )
        cursor.execute("SELECT gin_clean_pending_list('kb_article_search_gin')")
        cursor.execute("ANALYZE support_article")
        qs = selectors.article_search_qs(tenant=tenant, q="返品", language="ja")
        plan = qs.explain()
        assert [a.pk for a in qs] == [mine.pk]
    assert "kb_article_search_gin" in plan, plan
    assert "app.tenant_id" in plan, plan


def test_slugs_are_unique_per_tenant_and_stable(tenant: Any, other_tenant: Any) -> None:
    first = make_article(tenant, title_ja="返品について")
    second = make_article(tenant, title_ja="返品について")
    elsewhere = make_article(other_tenant, title_ja="返品について")
    assert first.slug == "返品について" and second.slug == "返品について-2"
    assert elsewhere.slug == "返品について"
    with tenant_context(tenant):
        edited = services.article_update(tenant=tenant, article=first, title_ja="返品と交換")
    assert edited.slug == "返品について"


def test_the_demo_faq_is_seeded_once_and_searchable(tenant: Any) -> None:
    from support.kb.demo import ARTICLES, seed_faq
    from support.kb.models import Article

    with tenant_context(tenant):
        seed_faq(tenant=tenant)
        seed_faq(tenant=tenant)
        assert Article.objects.count() == len(ARTICLES)
        found = selectors.article_search(tenant=tenant, q="返品", language="ja")
    assert found[0].title_ja == "返品について"
