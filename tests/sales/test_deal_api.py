"""/api/v1/pipelines/, /api/v1/stages/ and /api/v1/deals/: CRUD, filters, move-stage with
its refusals, custom fields, another tenant's ids answering 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.services.customfields import customfield_create
from sales.deals import services
from sales.deals.models import Deal, DealStageChange, Stage
from tests.factories import make_contact

from .helpers import default_pipeline, make_deal

pytestmark = pytest.mark.django_db


def fields(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


def test_pipelines_list_with_their_stages_in_order(api_client: Any, tenant: Any) -> None:
    response = api_client.get("/api/v1/pipelines/")
    assert response.status_code == 200, response.content
    [pipeline] = response.json()["results"]
    assert pipeline["is_default"] is True
    assert [s["name_en"] for s in pipeline["stages"]] == [
        "Lead",
        "Proposal",
        "Quote",
        "Negotiation",
        "Won",
        "Lost",
    ]
    stages = api_client.get(f"/api/v1/stages/?pipeline={pipeline['id']}").json()["results"]
    assert len(stages) == 6


def test_stages_are_created_and_refused_with_messages(api_client: Any, tenant: Any) -> None:
    with tenant_context(tenant):
        pipeline, _stages = default_pipeline(tenant)
    created = api_client.post(
        "/api/v1/stages/",
        {"pipeline_id": pipeline.pk, "name": "デモ", "name_en": "Demo", "probability": 40},
        format="json",
    )
    assert created.status_code == 201, created.content
    duplicate = api_client.post(
        "/api/v1/stages/", {"pipeline_id": pipeline.pk, "name": "デモ"}, format="json"
    )
    assert "name" in fields(duplicate)


def test_it_creates_reads_updates_and_soft_deletes_a_deal(api_client: Any, tenant: Any) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        company = company_create(tenant=tenant, name="青空商事")
        contact = make_contact(tenant, last_name="佐藤", company=company.pk)
    created = api_client.post(
        "/api/v1/deals/",
        {
            "name": "ERP更新",
            "amount": "3000000",
            "company": company.pk,
            "contacts": [contact.pk],
            "expected_close_date": "2026-03-31",
            "tags": ["展示会"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["stage"] == stages["Lead"].pk and body["currency"] == "JPY"
    assert body["contacts"] == [contact.pk] and body["weighted_amount"] == "300000.00"
    url = f"/api/v1/deals/{body['id']}/"
    updated = api_client.patch(url, {"probability": 25, "next_step": "見積提出"}, format="json")
    assert updated.status_code == 200, updated.content
    assert updated.json()["weighted_amount"] == "750000.00"
    refused = api_client.patch(url, {"stage": stages["Quote"].pk}, format="json")
    assert "move-stage" in fields(refused)["stage"][0]
    assert api_client.delete(url).status_code == 204
    assert api_client.get(url).status_code == 404
    with tenant_context(tenant):
        assert Deal.objects.get(pk=body["id"]).deleted_at is not None


def test_move_stage_moves_and_refuses_another_pipelines_stage(api_client: Any, tenant: Any) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        other = services.pipeline_create(tenant=tenant, name="代理店", with_default_stages=True)
        foreign = Stage.objects.filter(pipeline=other).first()
        deal = make_deal(tenant)
    url = f"/api/v1/deals/{deal.pk}/move-stage/"
    refused = api_client.post(url, {"stage": foreign.pk}, format="json")
    assert "another pipeline" in fields(refused)["stage"][0]
    no_reason = api_client.post(url, {"stage": stages["Lost"].pk}, format="json")
    assert "lost_reason" in fields(no_reason)
    with tenant_context(tenant):
        assert DealStageChange.objects.filter(deal=deal).count() == 1
    moved = api_client.post(url, {"stage": stages["Lost"].pk, "lost_reason": "予算"}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["lost_reason"] == "予算" and moved.json()["closed_at"]


def test_the_deal_list_filters(api_client: Any, tenant: Any) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        march = make_deal(tenant, name="三月", expected_close_date=dt.date(2026, 3, 3), tags=["A"])
        april = make_deal(tenant, name="四月", expected_close_date=dt.date(2026, 4, 3))
        services.deal_move_stage(tenant=tenant, deal=april, stage=stages["Quote"])

    def ids(query: str) -> set[int]:
        response = api_client.get(f"/api/v1/deals/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("close_month=2026-03") == {march.pk}
    assert ids("tag=A") == {march.pk}
    assert ids(f"stage={stages['Quote'].pk}") == {april.pk}
    assert ids("owner=unassigned") == {march.pk, april.pk}
    assert ids("updated_since=2000-01-01T00:00:00Z") == {march.pk, april.pk}
    bad = api_client.get("/api/v1/deals/?close_month=March")
    assert "close_month" in fields(bad)


def test_deal_custom_fields_through_the_api(api_client: Any, tenant: Any) -> None:
    with tenant_context(tenant):
        default_pipeline(tenant)
        customfield_create(
            tenant=tenant,
            object_type="deal",
            key="budget_code",
            label="予算コード",
            field_type="text",
        )
    created = api_client.post(
        "/api/v1/deals/", {"name": "CF", "custom_fields": {"budget_code": "B-1"}}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["custom_fields"] == {"budget_code": "B-1"}
    unknown = api_client.post(
        "/api/v1/deals/", {"name": "CF2", "custom_fields": {"nope": 1}}, format="json"
    )
    assert unknown.status_code == 400


def test_another_tenants_deal_is_not_found(
    api_client: Any, other_api_client: Any, tenant: Any
) -> None:
    with tenant_context(tenant):
        default_pipeline(tenant)
        deal = make_deal(tenant)
    assert other_api_client.get(f"/api/v1/deals/{deal.pk}/").status_code == 404
    moved = other_api_client.post(f"/api/v1/deals/{deal.pk}/move-stage/", {"stage": 1})
    assert moved.status_code == 404
