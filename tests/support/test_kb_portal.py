"""The public FAQ portal: by tenant slug only, published articles only, the visitor's
language with a fallback, "was this helpful?" once per browser, suggestions and deflections."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.core.context import tenant_context
from support.kb import selectors
from support.kb.models import Article, Deflection

from .kb_helpers import make_article, make_kb_category

pytestmark = pytest.mark.django_db


def _url(name: str, tenant: Any, **kw: Any) -> str:
    return reverse(f"portal:{name}", kwargs={"tenant_slug": tenant.slug, **kw})


def _article_url(tenant: Any, article: Any) -> str:
    return _url("kb_article", tenant, article_slug=article.slug)


def test_the_home_lists_categories_and_popular_articles(client: Client, tenant: Any) -> None:
    orders = make_kb_category(tenant, "注文と返品", name_en="Orders")
    make_article(tenant, title_ja="返品について", category=orders)
    make_article(tenant, status="draft", title_ja="下書きの記事")
    response = client.get(_url("kb_home", tenant) + "?lang=ja")
    body = response.content.decode()
    assert response.status_code == 200
    assert "注文と返品" in body and "返品について" in body and tenant.name in body
    assert "下書きの記事" not in body


def test_a_draft_is_not_public(client: Client, tenant: Any) -> None:
    draft = make_article(tenant, status="draft", title_ja="下書き")
    assert client.get(_article_url(tenant, draft)).status_code == 404
    assert client.get(_url("kb_deflect", tenant, article_id=draft.pk)).status_code == 404
    found = client.get(_url("kb_search", tenant) + "?q=下書き").content.decode()
    assert 'data-testid="portal-article-link"' not in found


def test_an_unknown_tenant_slug_is_404(client: Client, tenant: Any) -> None:
    response = client.get(reverse("portal:kb_home", kwargs={"tenant_slug": "no-such-tenant"}))
    assert response.status_code == 404


def test_tenant_b_slug_never_shows_tenant_a_articles(
    client: Client, tenant: Any, other_tenant: Any
) -> None:
    article = make_article(tenant, title_ja="アルファ社の返品規定")
    b_url = reverse(
        "portal:kb_article", kwargs={"tenant_slug": other_tenant.slug, "article_slug": article.slug}
    )
    assert client.get(b_url).status_code == 404
    assert (
        client.get(
            reverse(
                "portal:kb_deflect",
                kwargs={"tenant_slug": other_tenant.slug, "article_id": article.pk},
            )
        ).status_code
        == 404
    )
    for name in ("kb_home", "kb_search"):
        page = client.get(_url(name, other_tenant) + "?q=返品").content.decode()
        assert "アルファ社" not in page
    suggest = client.get(_url("kb_suggest", other_tenant) + "?q=返品").json()
    assert suggest == {"results": []}


def test_the_article_is_shown_in_the_visitors_language(client: Client, tenant: Any) -> None:
    article = make_article(
        tenant,
        title_ja="返品について",
        body_ja="<p>30日以内に返品できます。</p>",
        title_en="Returns",
        body_en="<p>Return within 30 days.</p>",
    )
    ja = client.get(_article_url(tenant, article) + "?lang=ja").content.decode()
    en = client.get(_article_url(tenant, article) + "?lang=en").content.decode()
    assert "30日以内に返品できます。" in ja and "Return within 30 days." not in ja
    assert "Return within 30 days." in en and "Was this helpful?" in en
    assert 'data-testid="portal-fallback"' not in en
    browser_en = client.get(_article_url(tenant, article), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Return within 30 days." in browser_en.content.decode()


def test_an_article_in_one_language_falls_back_with_a_note(client: Client, tenant: Any) -> None:
    article = make_article(tenant, title_ja="返品について", body_ja="<p>日本語だけの記事</p>")
    body = client.get(_article_url(tenant, article) + "?lang=en").content.decode()
    assert "日本語だけの記事" in body
    assert 'data-testid="portal-fallback"' in body
    assert "not available in your language" in body


def test_helpful_is_counted_once_per_browser(client: Client, tenant: Any) -> None:
    article = make_article(tenant)
    vote = _url("kb_vote", tenant, article_slug=article.slug)
    first = client.post(vote, {"helpful": "yes", "lang": "ja"})
    assert first.status_code == 302
    client.post(vote, {"helpful": "yes", "lang": "ja"})
    client.post(vote, {"helpful": "no", "lang": "ja"})
    page = client.get(_article_url(tenant, article)).content.decode()
    assert 'data-testid="portal-voted"' in page and 'data-testid="vote-yes"' not in page
    other_browser = Client()
    other_browser.post(vote, {"helpful": "no"})
    with tenant_context(tenant):
        article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 1)


def test_a_forged_vote_cookie_is_ignored(client: Client, tenant: Any) -> None:
    article = make_article(tenant)
    client.cookies[f"kb_votes_{tenant.pk}"] = str(article.pk)  # unsigned: not ours
    client.post(_url("kb_vote", tenant, article_slug=article.slug), {"helpful": "yes"})
    with tenant_context(tenant):
        article.refresh_from_db()
    assert article.helpful_yes == 1


def test_a_vote_without_an_answer_changes_nothing(client: Client, tenant: Any) -> None:
    article = make_article(tenant)
    client.post(_url("kb_vote", tenant, article_slug=article.slug), {"helpful": "maybe"})
    with tenant_context(tenant):
        article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (0, 0)
    page = client.get(_article_url(tenant, article)).content.decode()
    assert 'data-testid="vote-yes"' in page


def test_views_are_counted_and_related_articles_shown(client: Client, tenant: Any) -> None:
    orders = make_kb_category(tenant)
    article = make_article(tenant, title_ja="返品について", category=orders)
    make_article(tenant, title_ja="返品の送料", body_ja="<p>返品の送料について</p>")
    body = client.get(_article_url(tenant, article)).content.decode()
    assert 'data-testid="portal-related"' in body and "返品の送料" in body
    with tenant_context(tenant):
        assert Article.objects.get(pk=article.pk).views == 1


def test_search_finds_a_two_character_japanese_word(client: Client, tenant: Any) -> None:
    make_article(tenant, title_ja="返品について")
    body = client.get(_url("kb_search", tenant) + "?q=返品&lang=ja").content.decode()
    assert "返品について" in body
    empty = client.get(_url("kb_search", tenant) + "?q=存在しない言葉&lang=en").content.decode()
    assert 'data-testid="portal-empty"' in empty and "two characters are enough" in empty


def test_suggest_answers_json_with_deflection_links(client: Client, tenant: Any) -> None:
    article = make_article(tenant, title_ja="返品について", title_en="Returns")
    data = client.get(_url("kb_suggest", tenant) + "?q=返品&lang=en&source=form").json()
    assert data["results"] == [
        {
            "title": "Returns",
            "url": _url("kb_deflect", tenant, article_id=article.pk) + "?source=form&lang=en",
        }
    ]
    assert client.get(_url("kb_suggest", tenant) + "?q=").json() == {"results": []}


def test_a_suggestion_click_is_a_counted_deflection(client: Client, tenant: Any) -> None:
    article = make_article(tenant)
    response = client.get(
        _url("kb_deflect", tenant, article_id=article.pk) + "?source=form&lang=ja"
    )
    assert response.status_code == 302
    assert response["Location"].startswith(_article_url(tenant, article))
    client.get(_url("kb_deflect", tenant, article_id=article.pk) + "?source=portal")
    client.get(_url("kb_deflect", tenant, article_id=article.pk) + "?source=<script>")
    now = timezone.now()
    with tenant_context(tenant):
        assert Deflection.objects.count() == 3
        counts = selectors.deflection_counts(
            tenant=tenant, start=now - dt.timedelta(hours=1), end=now + dt.timedelta(hours=1)
        )
        before = selectors.deflection_counts(
            tenant=tenant, start=now - dt.timedelta(days=2), end=now - dt.timedelta(days=1)
        )
    assert counts["total"] == 3
    assert counts["by_source"] == {"form": 1, "portal": 2}
    assert counts["by_article"] == [{"article_id": article.pk, "title": "返品について", "count": 3}]
    assert before["total"] == 0


def test_article_html_is_rendered_sanitized(client: Client, tenant: Any) -> None:
    article = make_article(
        tenant, body_ja='<p>手順<script>alert(1)</script><a href="javascript:x()">リンク</a></p>'
    )
    body = client.get(_article_url(tenant, article)).content.decode()
    assert "alert(1)" not in body and "javascript:x()" not in body
    assert '<p>手順<a rel="nofollow">リンク</a></p>' in body


def test_the_article_page_runs_a_constant_number_of_queries(client: Client, tenant: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    orders = make_kb_category(tenant)
    article = make_article(tenant, title_ja="返品について", category=orders)
    make_article(tenant, title_ja="返品の送料", category=orders)
    url = _article_url(tenant, article)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        make_article(tenant, title_ja=f"返品の例{i}", category=orders)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert body.count('data-testid="portal-article-link"') == 5  # related, capped
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_category_page_lists_its_published_articles(client: Client, tenant: Any) -> None:
    orders = make_kb_category(tenant, "注文", name_en="Orders")
    make_article(tenant, title_ja="返品について", category=orders)
    make_article(tenant, status="draft", title_ja="下書き", category=orders)
    body = client.get(
        _url("kb_category", tenant, category_id=orders.pk) + "?lang=en"
    ).content.decode()
    assert "Orders" in body and "返品について" in body and "下書き" not in body
