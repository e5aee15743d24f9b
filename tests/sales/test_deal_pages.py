"""Deal pages: list with keyset and filters, detail (history, timeline, notes, line items),
the form with its messages, pipeline settings, the open-deals panel, record visibility."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.models import Membership, Tenant
from crm.core.roles import Role
from sales.deals import services
from sales.deals.models import Deal, Pipeline, Stage
from tests.factories import make_contact, make_member

from .helpers import default_pipeline, make_deal

pytestmark = pytest.mark.django_db


def test_the_list_pages_by_keyset_with_a_fixed_query_count(
    tenant: Any, member_client: Any, django_assert_max_num_queries: Any
) -> None:
    with tenant_context(tenant):
        default_pipeline(tenant)
        deals = [make_deal(tenant, name=f"案件{i:02d}") for i in range(55)]
    with django_assert_max_num_queries(12):
        first = member_client.get(reverse("sales:deal_list"))
    body = first.content.decode()
    assert "案件54" in body and "案件04" not in body
    assert f"before={deals[5].pk}" in body
    second = member_client.get(reverse("sales:deal_list") + f"?before={deals[5].pk}").content
    assert "案件04" in second.decode() and "案件05" not in second.decode()


def test_the_detail_page_shows_history_timeline_and_takes_notes(
    tenant: Any, member_client: Any, django_assert_max_num_queries: Any
) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        company = company_create(tenant=tenant, name="北斗物産")
        contact = make_contact(tenant, last_name="鈴木", company=company.pk)
        deal = make_deal(tenant, company=company.pk, contacts=[contact.pk])
        services.deal_move_stage(tenant=tenant, deal=deal, stage=stages["Proposal"])
    url = reverse("sales:deal_detail", kwargs={"deal_id": deal.pk})
    with django_assert_max_num_queries(20):
        body = member_client.get(url).content.decode()
    assert "北斗物産" in body and "鈴木" in body
    assert body.count("<tr><td>") >= 2  # two history rows
    assert "Deal moved" in body
    response = member_client.post(
        reverse("sales:deal_note", kwargs={"deal_id": deal.pk}), {"body": "先方と電話"}
    )
    assert response.status_code == 302
    assert "先方と電話" in member_client.get(url).content.decode()
    contact_page = member_client.get(reverse("contacts:detail", kwargs={"contact_id": contact.pk}))
    text = contact_page.content.decode()
    assert "先方と電話" in text and 'data-testid="open-deals-panel"' in text
    assert deal.name in text


def test_the_form_creates_and_says_what_to_fix(tenant: Any, member_client: Any) -> None:
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
    url = reverse("sales:deal_create")
    assert member_client.get(url).status_code == 200
    refused = member_client.post(
        url, {"name": "失注で作成", "amount": "abc", "currency": "JPY", "stage": stages["Lost"].pk}
    )
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "Enter the amount as a number" in text
    assert 'value="失注で作成"' in text  # what was typed is kept
    with tenant_context(tenant):
        assert not Deal.objects.exists()
    created = member_client.post(
        url, {"name": "新規案件", "amount": "1,500,000", "currency": "JPY"}
    )
    assert created.status_code == 302
    with tenant_context(tenant):
        deal = Deal.objects.get(name="新規案件")
    assert str(deal.amount) == "1500000.00" and deal.stage_id == stages["Lead"].pk
    edited = member_client.post(
        reverse("sales:deal_edit", kwargs={"deal_id": deal.pk}),
        {"name": "新規案件(改)", "amount": "2000000", "currency": "JPY", "probability": "40"},
    )
    assert edited.status_code == 302
    with tenant_context(tenant):
        deal.refresh_from_db()
    assert deal.name == "新規案件(改)" and deal.probability == 40


def test_admins_manage_pipelines_and_stages(tenant: Any, member_client: Any) -> None:
    url = reverse("sales:pipeline_settings")
    assert member_client.get(url).status_code == 200
    assert (
        member_client.post(url, {"name": "代理店販売", "with_default_stages": "1"}).status_code
        == 302
    )
    with tenant_context(tenant):
        pipeline = Pipeline.objects.get(name="代理店販売")
        stage = Stage.objects.filter(pipeline=pipeline).order_by("position").first()
    member_client.post(
        reverse("sales:stage_create", kwargs={"pipeline_id": pipeline.pk}),
        {"name": "デモ", "name_en": "Demo", "probability": "20", "kind": "open"},
    )
    member_client.post(
        reverse("sales:stage_edit", kwargs={"stage_id": stage.pk}), {"action": "down"}
    )
    member_client.post(
        reverse("sales:stage_edit", kwargs={"stage_id": stage.pk}),
        {"action": "save", "name": stage.name, "probability": "15", "kind": "open"},
    )
    with tenant_context(tenant):
        names = list(
            Stage.objects.filter(pipeline=pipeline)
            .order_by("position")
            .values_list("name", flat=True)
        )
        stage.refresh_from_db()
    assert names[:2] == ["提案", "見込み"] and names[-1] == "デモ"
    assert stage.probability == 15


def test_a_rep_sees_only_their_teams_deals_when_the_tenant_says_so(tenant: Any) -> None:
    rep = make_member(tenant, Role.SALES)
    other_rep = make_member(tenant, Role.SALES)
    with tenant_context(tenant):
        default_pipeline(tenant)
        Tenant.objects.filter(pk=tenant.pk).update(record_visibility="own_team")
        mine = make_deal(tenant, name="自分の案件", owner=rep.pk)
        theirs = make_deal(tenant, name="他人の案件", owner=other_rep.pk)
        assert Membership.objects.filter(user=rep).exists()
    client = Client()
    client.force_login(rep)
    board = client.get(reverse("sales:deal_board")).content.decode()
    assert "自分の案件" in board and "他人の案件" not in board
    assert (
        client.get(reverse("sales:deal_detail", kwargs={"deal_id": theirs.pk})).status_code == 404
    )
    assert client.get(reverse("sales:deal_detail", kwargs={"deal_id": mine.pk})).status_code == 200
