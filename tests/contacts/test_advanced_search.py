"""Advanced contact search: every condition narrows the list (page and API, same parameter
names), conditions AND together and with q=, record visibility still applies, the page runs
a constant number of queries, and input it cannot read is explained, not applied, and kept."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact
from contacts.services import company_create, contact_bulk_change_stage, timeline_add
from crm.core.context import tenant_context
from crm.core.models import Tenant
from crm.core.roles import Role
from crm.core.services.customfields import customfield_create
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
URL = "/api/v1/contacts/"


def at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=TOKYO)


@pytest.fixture
def people(tenant, member) -> dict[str, Any]:
    """Four contacts that differ in every condition the advanced search has."""
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    with tenant_context(tenant):
        customfield_create(
            tenant=tenant,
            object_type="contact",
            key="rank",
            field_type="select",
            label="ランク",
            choices=["gold", "silver"],
        )
        customfield_create(
            tenant=tenant, object_type="contact", key="score", field_type="integer", label="点"
        )
        aozora = company_create(tenant=tenant, name="青空商事", name_kana="アオゾラショウジ")
        midori = company_create(tenant=tenant, name="緑化学")
    sato = make_contact(
        tenant,
        last_name="佐藤",
        first_name="花子",
        last_name_kana="サトウ",
        first_name_kana="ハナコ",
        email="hanako@aozora.example.jp",
        phone="03-1234-5678",
        company=aozora.pk,
        prefecture="東京都",
        customer_code="C-001",
        source="展示会2024",
        owner=member.pk,
        lifecycle_stage="lead",
        tags=["展示会", "VIP"],
        gender="female",
        birth_date="1980-05-01",
        do_not_email=True,
        custom_fields={"rank": "gold", "score": 80},
    )
    suzuki = make_contact(
        tenant,
        last_name="鈴木",
        first_name="一郎",
        last_name_kana="スズキ",
        first_name_kana="イチロウ",
        email="ichiro@midori.example.jp",
        phone="06-1111-2222",
        company=midori.pk,
        prefecture="大阪府",
        customer_code="C-002",
        source="Web",
        owner=rep.pk,
        lifecycle_stage="customer",
        tags=["Web"],
        gender="male",
        birth_date="1990-01-15",
        do_not_call=True,
        custom_fields={"rank": "silver", "score": 40},
    )
    tanaka = make_contact(
        tenant,
        last_name="田中",
        first_name="次郎",
        email="jiro@example.jp",
        lifecycle_stage="prospect",
        tags=["VIP"],
        do_not_mail=True,
    )
    ito = make_contact(tenant, last_name="伊藤", first_name="三郎", lifecycle_stage="churned")
    with tenant_context(tenant):
        for contact, created in (
            (sato, "2024-04-01"),
            (suzuki, "2024-05-15"),
            (tanaka, "2024-06-30"),
            (ito, "2023-12-31"),
        ):
            Contact.objects.filter(pk=contact.pk).update(created_at=at(created, 9))
        timeline_add(
            tenant=tenant, contact=sato, kind="call", occurred_at=at("2024-07-01"), subject="電話"
        )
        timeline_add(
            tenant=tenant, contact=suzuki, kind="note", occurred_at=at("2024-03-01"), subject="メモ"
        )
    return {"sato": sato, "suzuki": suzuki, "tanaka": tanaka, "ito": ito, "rep": rep}


def page_names(client: Any, params: dict[str, Any]) -> set[str]:
    response = client.get(reverse("contacts:list"), params)
    assert response.status_code == 200
    return {c.last_name for c in response.context["contacts"]}


def api_names(api_client: Any, params: dict[str, Any]) -> set[str]:
    response = api_client.get(URL, params)
    assert response.status_code == 200, response.content
    return {row["last_name"] for row in response.json()["results"]}


CASES = [
    ({"name": "佐藤"}, {"佐藤"}),
    ({"name": "藤花"}, {"佐藤"}),  # across family and given name
    ({"name": "すずき"}, {"鈴木"}),  # hiragana finds the katakana reading
    ({"email": "HANAKO@aozora.example.jp"}, {"佐藤"}),
    ({"phone": "０６（１１１１）２２２２"}, {"鈴木"}),
    ({"company_name": "青空"}, {"佐藤"}),
    ({"company_name": "あおぞら"}, {"佐藤"}),
    ({"prefecture": "大阪"}, {"鈴木"}),
    ({"customer_code": "Ｃ-００２"}, {"鈴木"}),
    ({"source": "展示会"}, {"佐藤"}),
    ({"tag": "VIP"}, {"佐藤", "田中"}),
    ({"tag": "VIP,展示会"}, {"佐藤"}),  # all of
    ({"tag": ["VIP", "展示会"]}, {"佐藤"}),
    ({"tag_any": "Web,展示会"}, {"佐藤", "鈴木"}),  # any of
    ({"lifecycle_stage": ["lead", "customer"]}, {"佐藤", "鈴木"}),
    ({"lifecycle_stage": "prospect,churned"}, {"田中", "伊藤"}),
    ({"owner": "unassigned"}, {"田中", "伊藤"}),
    ({"owner": "me"}, {"佐藤"}),
    ({"gender": "female"}, {"佐藤"}),
    ({"gender": "unspecified"}, {"田中", "伊藤"}),
    ({"created_from": "2024-04-01", "created_to": "2024-05-15"}, {"佐藤", "鈴木"}),
    ({"created_from": "令和6年5月1日"}, {"鈴木", "田中"}),
    ({"created_to": "R5.12.31"}, {"伊藤"}),
    ({"last_activity_from": "2024/6/1"}, {"佐藤"}),
    ({"last_activity_to": "2024年3月1日"}, {"鈴木"}),
    ({"birth_from": "1985-01-01"}, {"鈴木"}),
    ({"birth_to": "平成元年1月8日"}, {"佐藤"}),
    ({"do_not_email": "yes"}, {"佐藤"}),
    ({"do_not_call": "yes"}, {"鈴木"}),
    ({"do_not_mail": "yes"}, {"田中"}),
    ({"do_not_email": "no", "do_not_call": "no", "do_not_mail": "no"}, {"伊藤"}),
    ({"cf_rank": "silver"}, {"鈴木"}),
    ({"cf_score__gte": "50"}, {"佐藤"}),
    # conditions AND together, and with q=
    ({"tag": "VIP", "lifecycle_stage": "prospect"}, {"田中"}),
    ({"q": "佐藤", "tag": "Web"}, set()),
    ({"q": "example.jp", "prefecture": "東京都", "created_from": "2024-01-01"}, {"佐藤"}),
]


@pytest.mark.parametrize(("params", "expected"), CASES, ids=[str(p) for p, _e in CASES])
def test_each_condition_narrows_the_list_page(member_client, people, params, expected) -> None:
    assert page_names(member_client, params) == expected


@pytest.mark.parametrize(("params", "expected"), CASES, ids=[str(p) for p, _e in CASES])
def test_the_api_takes_the_same_conditions(member, people, params, expected) -> None:
    # A session client: "me" is the signed-in member in the API too.
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(member)
    assert api_names(client, params) == expected


def test_an_owner_id_narrows_and_me_is_the_api_keys_maker(api_client, people, tenant) -> None:
    assert api_names(api_client, {"owner": people["rep"].pk}) == {"鈴木"}
    # The tenant's admin key in the fixture has no maker: "me" cannot be resolved.
    response = api_client.get(URL, {"owner": "me"})
    assert response.status_code == 400
    assert "owner" in response.json()["error"]["fields"]


def test_day_ranges_are_the_tenants_calendar_days(member_client, people, tenant) -> None:
    # 2024-04-01 00:30 in Tokyo is still 2024-03-31 in UTC.
    with tenant_context(tenant):
        Contact.objects.filter(pk=people["ito"].pk).update(created_at=at("2024-04-01", 0))
    assert page_names(
        member_client, {"created_from": "2024-04-01", "created_to": "2024-04-01"}
    ) == {
        "佐藤",
        "伊藤",
    }
    assert "伊藤" not in page_names(member_client, {"created_to": "2024-03-31"})


def test_record_visibility_still_applies(client, people, tenant) -> None:
    """A rep outside the team sees none of the matches, whatever the conditions."""
    with tenant_context(tenant):
        Tenant.objects.filter(pk=tenant.pk).update(record_visibility="own_team")
    outsider_rep = make_member(tenant, Role.SALES)
    client.force_login(outsider_rep)
    assert page_names(client, {"tag": "VIP"}) == set()
    assert page_names(client, {"owner": "unassigned"}) == set()
    client.force_login(people["rep"])
    assert page_names(client, {"tag_any": "Web,展示会"}) == {"鈴木"}


# --- last activity ----------------------------------------------------------------------------
def test_last_activity_is_the_newest_timeline_entry(tenant, people) -> None:
    sato = people["sato"]
    with tenant_context(tenant):
        timeline_add(
            tenant=tenant, contact=sato, kind="note", occurred_at=at("2024-01-01"), subject="古い"
        )
        assert Contact.objects.get(pk=sato.pk).last_activity_at == at("2024-07-01")
        timeline_add(
            tenant=tenant, contact=sato, kind="note", occurred_at=at("2024-08-01"), subject="新"
        )
        assert Contact.objects.get(pk=sato.pk).last_activity_at == at("2024-08-01")
        assert Contact.objects.get(pk=people["ito"].pk).last_activity_at is None


def test_a_bulk_stage_change_is_activity_too(tenant, people) -> None:
    with tenant_context(tenant):
        contact_bulk_change_stage(
            tenant=tenant, contacts=Contact.objects.filter(pk=people["ito"].pk), stage="lead"
        )
        assert Contact.objects.get(pk=people["ito"].pk).last_activity_at is not None


def test_the_migration_back_fills_last_activity_set_based(tenant, people, other_tenant) -> None:
    import importlib

    backfill = importlib.import_module("contacts.migrations.0009_saved_views").BACKFILL
    theirs = make_contact(other_tenant, last_name="他社")
    with tenant_context(other_tenant):
        timeline_add(
            tenant=other_tenant,
            contact=theirs,
            kind="note",
            occurred_at=at("2024-02-02"),
            subject="x",
        )
    Contact.all_tenants.update(last_activity_at=None)
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    with tenant_context(tenant):
        got = dict(Contact.objects.values_list("last_name", "last_activity_at"))
    assert got == {"佐藤": at("2024-07-01"), "鈴木": at("2024-03-01"), "田中": None, "伊藤": None}
    with tenant_context(other_tenant):
        assert Contact.objects.get(pk=theirs.pk).last_activity_at == at("2024-02-02")


# --- bad input ------------------------------------------------------------------------------
def test_bad_conditions_are_explained_and_kept_while_the_rest_apply(member_client, people):
    response = member_client.get(
        reverse("contacts:list"),
        {
            "created_from": "2024/2/30",
            "owner": "999999",
            "cf_score__gte": "many",
            "tag": "VIP",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="filter-errors"' in page and 'data-testid="cf-filter-errors"' in page
    assert "“2024/2/30” is not a date that exists." in page
    assert "No member of this tenant has the user id 999999." in page
    assert "Enter a whole number" in page
    # what was typed is still in the form, the panel is open, the good condition applied
    assert 'value="2024/2/30"' in page and 'value="many"' in page
    assert 'data-testid="advanced-search" open' in page
    assert {c.last_name for c in response.context["contacts"]} == {"佐藤", "田中"}


def test_a_reversed_range_and_unknown_values_are_explained(member_client, people) -> None:
    response = member_client.get(
        reverse("contacts:list"),
        {
            "birth_from": "2000-01-01",
            "birth_to": "1990-01-01",
            "lifecycle_stage": "vip",
            "gender": "x",
            "do_not_call": "maybe",
            "prefecture": "東東京",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The end date is before the start date." in page
    assert "Unknown stage “vip”." in page and "Unknown gender “x”." in page
    assert "Use “yes” or “no”." in page and "“東東京” is not a prefecture." in page
    assert len(response.context["contacts"]) == 4


def test_the_message_is_in_the_users_language(member_client, people) -> None:
    response = member_client.get(
        reverse("contacts:list"), {"created_from": "2024/2/30"}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    from django.utils import translation

    from crm.core import normalize

    with translation.override("ja"):
        try:
            normalize.parse_date("2024/2/30")
        except normalize.NormalizationError as exc:
            expected = str(exc)
    assert expected != "“2024/2/30” is not a date that exists."
    assert expected in response.content.decode()


def test_the_api_answers_400_naming_each_bad_condition(api_client, people) -> None:
    response = api_client.get(
        URL,
        {
            "created_to": "2024-13-01",
            "owner": "999999",
            "cf_score__gte": "many",
            "lifecycle_stage": "vip",
        },
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "created_to",
        "owner",
        "cf_score__gte",
        "lifecycle_stage",
    }


# --- the page -------------------------------------------------------------------------------
def test_active_conditions_show_as_removable_chips(member_client, people) -> None:
    response = member_client.get(
        reverse("contacts:list"), {"tag": "VIP", "lifecycle_stage": ["lead", "prospect"]}
    )
    chips = {(c.label, c.value): c.remove_querystring for c in response.context["chips"]}
    assert set(chips) == {("Tags (all of)", "VIP"), ("Stage", "Lead"), ("Stage", "Prospect")}
    assert chips[("Stage", "Lead")] == "tag=VIP&lifecycle_stage=prospect"
    assert chips[("Tags (all of)", "VIP")] == "lifecycle_stage=lead&lifecycle_stage=prospect"
    page = response.content.decode()
    assert 'data-testid="clear-all"' in page
    assert page.count('data-testid="chip-remove"') == 3


def test_the_next_page_keeps_the_advanced_conditions(member_client, tenant, monkeypatch):
    monkeypatch.setattr("contacts.views.PAGE_SIZE", 2)
    made = [make_contact(tenant, last_name=f"人{i}", gender="male") for i in range(5)]
    make_contact(tenant, last_name="別人", gender="female")
    first = member_client.get(reverse("contacts:list"), {"gender": "male"}).content.decode()
    assert f"before={made[3].pk}" in first and "gender=male" in first
    second = member_client.get(reverse("contacts:list"), {"gender": "male", "before": made[3].pk})
    assert [c.last_name for c in second.context["contacts"]] == ["人2", "人1"]


def test_the_page_runs_a_constant_number_of_queries_with_every_condition(
    member_client, people, tenant, member, django_assert_num_queries
) -> None:
    params = {
        "name": "佐",
        "tag_any": "VIP,Web,展示会",
        "lifecycle_stage": ["lead", "prospect", "customer"],
        "owner": str(member.pk),
        "created_from": "2020-01-01",
        "created_to": "2099-01-01",
        "last_activity_from": "2000-01-01",
        "do_not_call": "no",
        "cf_score__gte": "1",
        "source": "展",
    }
    url = reverse("contacts:list")
    member_client.get(url, params)  # warm the session
    with CaptureQueriesContext(connection) as few:
        response = member_client.get(url, params)
    assert len(response.context["contacts"]) == 1
    for i in range(12):
        with tenant_context(tenant):
            company = company_create(tenant=tenant, name=f"会社{i}")
        made = make_contact(
            tenant,
            last_name=f"佐{i}",
            company=company.pk,
            owner=member.pk,
            tags=["VIP"],
            source="展示会",
            custom_fields={"score": i + 1},
        )
        with tenant_context(tenant):
            timeline_add(
                tenant=tenant, contact=made, kind="note", occurred_at=at("2024-01-01"), subject="x"
            )
    with django_assert_num_queries(len(few.captured_queries)):
        response = member_client.get(url, params)
    assert len(response.context["contacts"]) == 13
