"""Agent pages of the FAQ: list (filters, empty state, constant queries), editor (bad input
keeps what was typed and stores nothing), publish/unpublish, delete after confirmation,
categories, and a resolved inquiry's answer turned into a draft."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.roles import Role
from support.kb import wiring
from support.kb.models import Article, ArticleCategory
from support.tickets import services as tickets
from support.tickets.models import MessageKind, Status
from support.tickets.panels import ticket_panels
from tests.factories import make_member

from .helpers import make_message, make_ticket
from .kb_helpers import make_article, make_kb_category

pytestmark = pytest.mark.django_db


def _articles(tenant: Any) -> list[Article]:
    with tenant_context(tenant):
        return list(Article.objects.order_by("id"))


def test_the_list_shows_an_empty_state(member_client: Client, tenant: Any) -> None:
    body = member_client.get(reverse("support:article_list")).content.decode()
    assert 'data-testid="article-empty"' in body and "New article" in body


def test_the_list_runs_a_constant_number_of_queries(
    member_client: Client, tenant: Any, django_assert_num_queries: Any
) -> None:
    cat = make_kb_category(tenant)
    make_article(tenant, category=cat)
    member_client.get(reverse("support:article_list"))  # warm the session/membership caches
    with CaptureQueriesContext(connection) as few:
        member_client.get(reverse("support:article_list"))
    for i in range(10):
        make_article(tenant, title_ja=f"記事{i}", category=cat)
    with django_assert_num_queries(len(few.captured_queries)):
        response = member_client.get(reverse("support:article_list"))
    assert response.content.decode().count('data-testid="article-row"') == 11


def test_the_list_filters_and_searches(member_client: Client, tenant: Any) -> None:
    cat = make_kb_category(tenant)
    make_article(tenant, title_ja="返品について", category=cat)
    make_article(
        tenant,
        status="draft",
        title_ja="",
        body_ja="",
        title_en="Draft in English",
        body_en="<p>x</p>",
    )
    url = reverse("support:article_list")
    body = member_client.get(url, {"q": "返品"}).content.decode()
    assert "返品について" in body and "Draft in English" not in body
    body = member_client.get(url, {"status": "draft"}).content.decode()
    assert "Draft in English" in body and "返品について" not in body
    body = member_client.get(url, {"language": "en"}).content.decode()
    assert "Draft in English" in body and "返品について" not in body
    body = member_client.get(url, {"category": cat.pk}).content.decode()
    assert "返品について" in body and "Draft in English" not in body
    bad = member_client.get(url, {"status": "archived"}).content.decode()
    assert "Choose draft or published." in bad


def test_an_agent_writes_a_draft_and_publishes_it(member_client: Client, tenant: Any) -> None:
    response = member_client.post(
        reverse("support:article_new"),
        {
            "title_ja": "返品について",
            "body_ja": '<p onclick="x()">30日以内<script>alert(1)</script></p>',
            "title_en": "",
            "body_en": "<p><br></p>",
            "category": "",
            "slug": "",
            "action": "save",
        },
    )
    assert response.status_code == 302
    [article] = _articles(tenant)
    assert article.status == "draft" and article.body_ja == "<p>30日以内</p>"
    assert article.body_en == "" and article.languages == ["ja"]
    edit = reverse("support:article_edit", kwargs={"article_id": article.pk})
    member_client.post(
        edit, {"title_ja": "返品について", "body_ja": "<p>30日以内</p>", "action": "publish"}
    )
    [article] = _articles(tenant)
    assert article.status == "published" and article.published_at is not None
    member_client.post(
        reverse("support:article_status", kwargs={"article_id": article.pk}), {"status": "draft"}
    )
    assert _articles(tenant)[0].status == "draft"


def test_bad_input_keeps_what_was_typed_and_stores_nothing(
    member_client: Client, tenant: Any
) -> None:
    response = member_client.post(
        reverse("support:article_new"),
        {
            "title_ja": "",
            "body_ja": "<p>本文だけ<b>太字</b></p>",
            "category": "999999",
            "action": "save",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Give this language&#x27;s version a title." in body or "Give this language" in body
    assert "Choose one of this FAQ" in body
    assert "本文だけ<b>太字</b>" in body  # kept, sanitized
    assert _articles(tenant) == []


def test_an_edit_that_fails_changes_nothing(member_client: Client, tenant: Any) -> None:
    article = make_article(tenant, title_ja="返品について")
    response = member_client.post(
        reverse("support:article_edit", kwargs={"article_id": article.pk}),
        {"title_ja": "", "body_ja": "<p>新しい本文</p>", "title_en": "x" * 301, "action": "save"},
    )
    assert response.status_code == 400
    [stored] = _articles(tenant)
    assert stored.title_ja == "返品について" and "新しい本文" not in stored.body_ja


def test_the_preview_shows_a_draft_to_agents(member_client: Client, tenant: Any) -> None:
    article = make_article(tenant, status="draft", body_ja="<p>下書きの本文</p>")
    body = member_client.get(
        reverse("support:article_preview", kwargs={"article_id": article.pk})
    ).content.decode()
    assert "下書きの本文" in body and "not on the portal" in body


def test_delete_asks_first(member_client: Client, tenant: Any) -> None:
    article = make_article(tenant)
    url = reverse("support:article_delete", kwargs={"article_id": article.pk})
    page = member_client.get(url)
    assert page.status_code == 200 and 'data-testid="confirm-delete"' in page.content.decode()
    assert len(_articles(tenant)) == 1
    assert member_client.post(url).status_code == 302
    assert _articles(tenant) == []


def test_a_viewer_cannot_edit(client: Client, tenant: Any) -> None:
    viewer = make_member(tenant, Role.SALES)
    client.force_login(viewer)
    article = make_article(tenant)
    assert client.get(reverse("support:article_list")).status_code == 200
    assert client.get(reverse("support:article_new")).status_code == 403
    assert (
        client.post(
            reverse("support:article_delete", kwargs={"article_id": article.pk})
        ).status_code
        == 403
    )


def test_categories_are_managed(member_client: Client, tenant: Any) -> None:
    url = reverse("support:kb_categories")
    assert (
        member_client.post(url, {"name_ja": "", "name_en": "", "position": "0"}).status_code == 400
    )
    member_client.post(url, {"name_ja": "注文", "name_en": "Orders", "position": "2"})
    with tenant_context(tenant):
        cat = ArticleCategory.objects.get()
    article = make_article(tenant, category=cat)
    member_client.post(
        reverse("support:kb_category_edit", kwargs={"category_id": cat.pk}),
        {"name_ja": "注文と返品", "name_en": "Orders", "position": "1"},
    )
    with tenant_context(tenant):
        cat.refresh_from_db()
    assert cat.name_ja == "注文と返品"
    delete = reverse("support:kb_category_delete", kwargs={"category_id": cat.pk})
    assert member_client.get(delete).status_code == 200
    member_client.post(delete)
    with tenant_context(tenant):
        assert not ArticleCategory.objects.exists()
        assert Article.objects.get(pk=article.pk).category_id is None


def _resolved_ticket(
    tenant: Any, reply: str = "返品はマイページから申請できます。\n\n送料は無料です。"
) -> Any:
    ticket = make_ticket(tenant, subject="返品の方法を教えてください")
    make_message(tenant, ticket, kind=MessageKind.REPLY, body="最初の返信")
    make_message(tenant, ticket, kind=MessageKind.REPLY, body=reply)
    make_message(tenant, ticket, kind=MessageKind.NOTE, body="社内メモ")
    with tenant_context(tenant):
        return tickets.ticket_update(tenant=tenant, ticket=ticket, status=Status.RESOLVED)


def test_a_resolved_inquiry_becomes_a_draft(member_client: Client, tenant: Any) -> None:
    ticket = _resolved_ticket(tenant, reply="返品は<マイページ>から。\n\n送料は無料です。")
    response = member_client.post(
        reverse("support:ticket_to_article", kwargs={"ticket_id": ticket.pk})
    )
    [article] = _articles(tenant)
    assert response["Location"] == reverse(
        "support:article_edit", kwargs={"article_id": article.pk}
    )
    assert article.status == "draft" and article.created_from_ticket_id == ticket.pk
    assert article.title_ja == "返品の方法を教えてください"
    assert article.body_ja == "<p>返品は&lt;マイページ&gt;から。</p><p>送料は無料です。</p>"


def test_an_open_inquiry_does_not_become_a_draft(member_client: Client, tenant: Any) -> None:
    ticket = make_ticket(tenant)
    make_message(tenant, ticket)
    member_client.post(reverse("support:ticket_to_article", kwargs={"ticket_id": ticket.pk}))
    assert _articles(tenant) == []


def test_the_ticket_panel_shows_on_done_tickets_for_editors(tenant: Any, member: Any) -> None:
    wiring.register()
    ticket = _resolved_ticket(tenant)
    open_ticket = make_ticket(tenant)
    with tenant_context(tenant):
        from crm.core.models import Membership

        membership = Membership.objects.get(tenant=tenant, user=member)
        done = ticket_panels(tenant=tenant, membership=membership, ticket=ticket)["side"]
        not_done = ticket_panels(tenant=tenant, membership=membership, ticket=open_ticket)["side"]
        viewer = Membership(tenant=tenant, role=Role.SALES)
        hidden = ticket_panels(tenant=tenant, membership=viewer, ticket=ticket)["side"]
    panel = next(p for p in done if p["key"] == "kb_to_article")
    assert panel["kb_done"] is True
    assert next(p for p in not_done if p["key"] == "kb_to_article")["kb_done"] is False
    assert all(p["key"] != "kb_to_article" for p in hidden)
