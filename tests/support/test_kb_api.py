"""/api/v1/faq-articles/ and /api/v1/faq-categories/: CRUD for support.edit, reading for
support.view, ?q= search, bodies sanitized, another tenant's ids 404."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from crm.core.context import tenant_context
from crm.core.roles import Role
from support.kb.models import Article
from tests.factories import make_api_key

from .kb_helpers import make_article, make_kb_category

pytestmark = pytest.mark.django_db
URL = "/api/v1/faq-articles/"


def _client(tenant: Any, role: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant, role)}")
    return c


def test_create_sanitizes_and_read_back(api_client: APIClient, tenant: Any) -> None:
    cat = make_kb_category(tenant)
    response = api_client.post(
        URL,
        {
            "title_ja": "返品について",
            "body_ja": '<p>本文<img src=x onerror="alert(1)"><a href="javascript:x()">a</a></p>',
            "category": cat.pk,
            "status": "published",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["body_ja"] == '<p>本文<a rel="nofollow">a</a></p>'
    assert data["status"] == "published" and data["category"] == cat.pk
    assert data["portal_url"].startswith(f"/portal/{tenant.slug}/faq/a/")
    assert api_client.get(f"{URL}{data['id']}/").json()["title_ja"] == "返品について"


def test_bad_input_is_a_400_naming_the_field(api_client: APIClient, tenant: Any) -> None:
    response = api_client.post(URL, {"body_ja": "<p>本文</p>"}, format="json")
    assert response.status_code == 400
    assert "title_ja" in response.json()["error"]["fields"] or "title_ja" in str(response.json())
    with tenant_context(tenant):
        assert not Article.objects.exists()


def test_update_publish_and_delete(api_client: APIClient, tenant: Any) -> None:
    article = make_article(tenant, status="draft")
    response = api_client.patch(
        f"{URL}{article.pk}/",
        {"title_en": "Returns", "body_en": "<p>OK</p>", "status": "published"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published" and response.json()["title_en"] == "Returns"
    assert api_client.delete(f"{URL}{article.pk}/").status_code == 204
    with tenant_context(tenant):
        assert not Article.objects.exists()


def test_list_search_and_filters(api_client: APIClient, tenant: Any) -> None:
    make_article(tenant, title_ja="返品について")
    make_article(tenant, status="draft", title_ja="請求書", body_ja="<p>再発行できます。</p>")
    assert [a["title_ja"] for a in api_client.get(URL, {"q": "返品"}).json()] == ["返品について"]
    listed = api_client.get(URL, {"status": "draft"}).json()["results"]
    assert [a["title_ja"] for a in listed] == ["請求書"]
    assert api_client.get(URL, {"language": "fr"}).status_code == 400


def test_a_viewer_reads_but_cannot_write(tenant: Any) -> None:
    make_article(tenant)
    viewer = _client(tenant, Role.SALES)
    assert viewer.get(URL).status_code == 200
    assert viewer.post(URL, {"title_ja": "x"}, format="json").status_code == 403


def test_another_tenants_ids_are_404(
    api_client: APIClient, other_api_client: APIClient, tenant: Any
) -> None:
    article = make_article(tenant)
    cat = make_kb_category(tenant)
    assert other_api_client.get(f"{URL}{article.pk}/").status_code == 404
    assert (
        other_api_client.patch(f"{URL}{article.pk}/", {"title_ja": "x"}, format="json").status_code
        == 404
    )
    assert other_api_client.get(f"/api/v1/faq-categories/{cat.pk}/").status_code == 404
    assert other_api_client.get(URL).json()["results"] == []


def test_categories_crud(api_client: APIClient, tenant: Any) -> None:
    response = api_client.post(
        "/api/v1/faq-categories/", {"name_ja": "注文", "name_en": "Orders"}, format="json"
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert (
        api_client.patch(f"/api/v1/faq-categories/{pk}/", {"position": 3}, format="json").json()[
            "position"
        ]
        == 3
    )
    assert api_client.post("/api/v1/faq-categories/", {}, format="json").status_code == 400
    assert api_client.delete(f"/api/v1/faq-categories/{pk}/").status_code == 204


def test_another_tenants_category_is_refused(
    api_client: APIClient, tenant: Any, other_tenant: Any
) -> None:
    theirs = make_kb_category(other_tenant, "他社の分類")
    response = api_client.post(
        URL, {"title_ja": "返品について", "category": theirs.pk}, format="json"
    )
    assert response.status_code == 400
    assert "category" in str(response.json())
    with tenant_context(tenant):
        assert not Article.objects.exists()
