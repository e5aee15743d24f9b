"""Custom fields wired into contacts: form, detail page, list columns and filters, API, and
the service rules every way in shares."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact
from contacts.services import contact_create, contact_update
from crm.core.context import tenant_context
from crm.core.services.customfields import customfield_create
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

BASE = {"last_name": "佐藤", "first_name": "花子"}


def field(tenant: Any, key: str, field_type: str, **kw: Any) -> Any:
    kw.setdefault("label", key)
    with tenant_context(tenant):
        return customfield_create(
            tenant=tenant, object_type="contact", key=key, field_type=field_type, **kw
        )


@pytest.fixture
def code_field(tenant) -> Any:
    return field(
        tenant,
        "customer_code",
        "text",
        label="顧客コード",
        label_en="Customer code",
        regex=r"C\d{5}",
        unique=True,
        error_message="顧客コードはCと数字5桁で入力してください",
        error_message_en="A customer code is C followed by five digits",
    )


@pytest.fixture
def rank_field(tenant) -> Any:
    return field(tenant, "rank", "select", label="ランク", choices=["ゴールド", "シルバー"])


def contacts_in(tenant: Any) -> list[Contact]:
    with tenant_context(tenant):
        return list(Contact.objects.order_by("id"))


# --- form -----------------------------------------------------------------------------------
def test_the_form_shows_custom_fields_after_the_built_in_ones(
    member_client, code_field, rank_field
):
    html = member_client.get(reverse("contacts:create"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'name="cf_customer_code"' in html and 'name="cf_rank"' in html
    assert (
        html.index('name="phone"')
        < html.index('name="cf_customer_code"')
        < html.index('name="cf_rank"')
    )
    assert "顧客コード" in html


def test_the_form_saves_custom_fields(member_client, tenant, code_field, rank_field):
    response = member_client.post(
        reverse("contacts:create"), {**BASE, "cf_customer_code": "C00001", "cf_rank": "ゴールド"}
    )
    assert response.status_code == 302
    (contact,) = contacts_in(tenant)
    assert contact.custom_fields == {"customer_code": "C00001", "rank": "ゴールド"}


def test_the_admins_message_appears_next_to_the_field_in_japanese(
    member_client, tenant, code_field
):
    response = member_client.post(
        reverse("contacts:create"), {**BASE, "cf_customer_code": "X1"}, HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-cf_customer_code">顧客コードはCと数字5桁で入力してください<' in html
    assert 'value="X1"' in html  # what they typed is kept
    assert contacts_in(tenant) == []


def test_the_admins_message_appears_in_english_for_english_users(member_client, tenant, code_field):
    member_client.cookies["django_language"] = "en"
    response = member_client.post(reverse("contacts:create"), {**BASE, "cf_customer_code": "X1"})
    assert "A customer code is C followed by five digits" in response.content.decode()


def test_a_unique_value_already_used_is_refused_in_the_form(member_client, tenant, code_field):
    existing = make_contact(tenant, custom_fields={"customer_code": "C00001"})
    response = member_client.post(
        reverse("contacts:create"),
        {**BASE, "cf_customer_code": "C00001"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert 'data-testid="error-cf_customer_code"' in response.content.decode()
    assert [c.pk for c in contacts_in(tenant)] == [existing.pk]
    # editing the holder itself with its own value is fine
    response = member_client.post(
        reverse("contacts:edit", args=[existing.pk]),
        {"last_name": "山田", "cf_customer_code": "C00001"},
    )
    assert response.status_code == 302


def test_a_required_field_must_be_filled_and_a_default_is_offered(member_client, tenant):
    field(tenant, "area", "select", choices=["東", "西"], required=True, default="東")
    html = member_client.get(reverse("contacts:create")).content.decode()
    assert '<option value="東" selected>' in html
    response = member_client.post(reverse("contacts:create"), {**BASE, "cf_area": ""})
    assert 'data-testid="error-cf_area"' in response.content.decode()
    assert contacts_in(tenant) == []


def test_editing_keeps_values_of_fields_not_on_the_form(member_client, tenant, rank_field):
    contact = make_contact(tenant, custom_fields={"rank": "シルバー"})
    with tenant_context(tenant):  # a value left under a key being renamed in the background
        Contact.objects.filter(pk=contact.pk).update(custom_fields={"rank": "シルバー", "old": 1})
    member_client.post(
        reverse("contacts:edit", args=[contact.pk]), {"last_name": "山田", "cf_rank": "ゴールド"}
    )
    with tenant_context(tenant):
        contact.refresh_from_db()
    assert contact.custom_fields == {"rank": "ゴールド", "old": 1}


def test_multi_select_and_yes_no_fields_round_trip_through_the_form(member_client, tenant):
    field(tenant, "tags", "multi_select", choices=["展示会", "紹介", "Web"])
    field(tenant, "vip", "boolean")
    member_client.post(
        reverse("contacts:create"), {**BASE, "cf_tags": ["展示会", "Web"], "cf_vip": "on"}
    )
    (contact,) = contacts_in(tenant)
    assert contact.custom_fields == {"tags": ["展示会", "Web"], "vip": True}
    html = member_client.get(reverse("contacts:edit", args=[contact.pk])).content.decode()
    assert 'type="checkbox" name="cf_tags" value="Web" class="form-check-input me-1"' in html
    member_client.post(reverse("contacts:edit", args=[contact.pk]), {"last_name": "佐藤"})
    with tenant_context(tenant):
        contact.refresh_from_db()
    assert contact.custom_fields == {"vip": False}


# --- detail and list ------------------------------------------------------------------------
def test_the_detail_page_shows_custom_field_values(member_client, tenant, code_field):
    field(tenant, "budget", "currency", label="予算")
    field(tenant, "site", "url", label="サイト")
    contact = make_contact(
        tenant,
        custom_fields={"customer_code": "C00001", "budget": 1500000, "site": "https://ex.jp"},
    )
    html = member_client.get(
        reverse("contacts:detail", args=[contact.pk]), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    assert 'data-testid="cf-label-budget">予算<' in html
    assert "¥1,500,000" in html
    assert 'href="https://ex.jp"' in html


def test_the_list_has_a_column_per_custom_field(member_client, tenant, code_field, rank_field):
    make_contact(tenant, custom_fields={"customer_code": "C00001", "rank": "ゴールド"})
    html = member_client.get(reverse("contacts:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="cf-column-customer_code">Customer code<' in html
    assert "<td>C00001</td>" in html and "<td>ゴールド</td>" in html


def test_the_list_filters_by_custom_fields(member_client, tenant, rank_field):
    field(tenant, "score", "integer")
    make_contact(tenant, last_name="金田", custom_fields={"rank": "ゴールド", "score": 80})
    make_contact(tenant, last_name="銀田", custom_fields={"rank": "シルバー", "score": 40})
    make_contact(tenant, last_name="無田")
    url = reverse("contacts:list")
    html = member_client.get(url, {"cf_rank": "ゴールド"}).content.decode()
    assert "金田" in html and "銀田" not in html and "無田" not in html
    html = member_client.get(url, {"cf_score__gte": "50"}).content.decode()
    assert "金田" in html and "銀田" not in html
    html = member_client.get(url, {"cf_score__lte": "50", "cf_score__gte": "10"}).content.decode()
    assert "銀田" in html and "金田" not in html


def test_a_bad_filter_is_explained_not_applied(member_client, tenant):
    field(tenant, "score", "integer")
    make_contact(tenant, last_name="金田", custom_fields={"score": 80})
    response = member_client.get(
        reverse("contacts:list"),
        {"cf_score__gte": "many", "cf_nope": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="cf-filter-errors"' in html
    assert "Enter a whole number" in html and "no custom field “nope”" in html
    assert "金田" in html


def test_the_list_runs_a_constant_number_of_queries(
    member_client, tenant, code_field, rank_field, django_assert_num_queries
):
    url = reverse("contacts:list")
    make_contact(tenant, custom_fields={"customer_code": "C00001", "rank": "ゴールド"})
    member_client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one_row:
        member_client.get(url, {"cf_rank": "ゴールド"})
    definition_reads = [
        q for q in one_row.captured_queries if 'FROM "core_customfielddefinition"' in q["sql"]
    ]
    # Once per page at most: the list shows them from the cache (shown_definitions), filled
    # by the first page above.
    assert definition_reads == [], "the definitions come from the cache"
    for i in range(2, 30):
        make_contact(tenant, custom_fields={"customer_code": f"C{i:05d}", "rank": "ゴールド"})
    with django_assert_num_queries(len(one_row.captured_queries)):
        response = member_client.get(url, {"cf_rank": "ゴールド"})
    assert response.content.decode().count("<td>ゴールド</td>") == 29


def test_the_list_shows_a_changed_or_removed_definition_at_once(member_client, tenant, code_field):
    """The list reads the definitions from the cache: a change drops it."""
    from crm.core.services.customfields import customfield_delete, customfield_update

    url = reverse("contacts:list")
    assert "Client number" not in member_client.get(url).content.decode()  # cached now
    with tenant_context(tenant):
        customfield_update(tenant=tenant, definition=code_field, label_en="Client number")
    page = member_client.get(url).content.decode()
    assert "Client number" in page
    with tenant_context(tenant):
        customfield_delete(tenant=tenant, definition=code_field)
    assert "Client number" not in member_client.get(url).content.decode()


# --- API ------------------------------------------------------------------------------------
def test_the_api_validates_custom_fields_and_answers_in_japanese(api_client, tenant, code_field):
    response = api_client.post(
        "/api/v1/contacts/",
        {**BASE, "custom_fields": {"customer_code": "X1"}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["custom_fields"]["customer_code"] == ["顧客コードはCと数字5桁で入力してください"]
    assert contacts_in(tenant) == []


def test_the_api_refuses_an_unknown_custom_field_key(api_client, tenant, code_field):
    response = api_client.post(
        "/api/v1/contacts/",
        {**BASE, "custom_fields": {"shoe_size": 27}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["custom_fields"]["shoe_size"][0]
    assert "no custom field “shoe_size”" in message and "customer_code" in message
    assert contacts_in(tenant) == []


def test_the_api_refuses_a_unique_value_already_used(api_client, tenant, code_field):
    make_contact(tenant, custom_fields={"customer_code": "C00001"})
    response = api_client.post(
        "/api/v1/contacts/", {**BASE, "custom_fields": {"customer_code": "C00001"}}, format="json"
    )
    assert response.status_code == 400
    assert "customer_code" in response.json()["error"]["fields"]["custom_fields"]
    assert len(contacts_in(tenant)) == 1


def test_the_api_coerces_values_applies_defaults_and_merges_on_update(api_client, tenant):
    field(tenant, "score", "decimal")
    field(tenant, "since", "date")
    field(tenant, "area", "select", choices=["東", "西"], default="西")
    response = api_client.post(
        "/api/v1/contacts/",
        {**BASE, "custom_fields": {"score": "１２．５０", "since": "令和6年4月1日"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["custom_fields"] == {"score": "12.5", "since": "2024-04-01", "area": "西"}
    response = api_client.patch(
        f"/api/v1/contacts/{body['id']}/", {"custom_fields": {"score": None}}, format="json"
    )
    assert response.json()["custom_fields"] == {"score": None, "since": "2024-04-01", "area": "西"}


def test_the_api_list_filters_by_custom_fields(api_client, tenant, rank_field):
    field(tenant, "tags", "multi_select", choices=["a", "b"])
    field(tenant, "since", "date")
    make_contact(tenant, last_name="一", custom_fields={"rank": "ゴールド", "tags": ["a", "b"]})
    make_contact(tenant, last_name="二", custom_fields={"rank": "シルバー", "since": "2024-05-01"})

    def names(**params: str) -> list[str]:
        response = api_client.get("/api/v1/contacts/", params)
        assert response.status_code == 200, response.json()
        return [row["last_name"] for row in response.json()["results"]]

    assert names(cf_rank="ゴールド") == ["一"]
    assert names(cf_tags="b") == ["一"]
    assert names(cf_since__gte="2024-04-01") == ["二"]
    assert names(cf_since__lte="2024-04-01") == []
    response = api_client.get("/api/v1/contacts/", {"cf_nope": "1"})
    assert response.status_code == 400
    assert "cf_nope" in response.json()["error"]["fields"]


# --- services (every way in) ------------------------------------------------------------------
def test_the_service_enforces_the_rules_without_any_form_or_api(tenant, code_field):
    with tenant_context(tenant), pytest.raises(ValidationError) as info:
        contact_create(tenant=tenant, last_name="佐藤", custom_fields={"customer_code": "bad"})
    assert "cf_customer_code" in info.value.message_dict
    contact = make_contact(tenant, custom_fields={"customer_code": "C00002"})
    with tenant_context(tenant), pytest.raises(ValidationError):
        contact_update(tenant=tenant, contact=contact, custom_fields={"nope": 1})
    with tenant_context(tenant):
        contact.refresh_from_db()
    assert contact.custom_fields == {"customer_code": "C00002"}


def test_unique_values_are_per_tenant(tenant, other_tenant, code_field):
    with tenant_context(other_tenant):
        customfield_create(
            tenant=other_tenant,
            object_type="contact",
            key="customer_code",
            label="x",
            field_type="text",
            unique=True,
        )
    make_contact(tenant, custom_fields={"customer_code": "C00001"})
    make_contact(other_tenant, custom_fields={"customer_code": "C00001"})


# --- contact_create(require_custom_fields=False): ways in that cannot ask ------------------------
def test_a_way_in_that_cannot_ask_creates_the_contact_without_a_required_field(tenant):
    field(tenant, "member_no", "text", required=True)
    with tenant_context(tenant), pytest.raises(ValidationError) as info:
        contact_create(tenant=tenant, **BASE)  # the app's own rule is unchanged
    assert "cf_member_no" in info.value.message_dict
    with tenant_context(tenant):
        contact = contact_create(tenant=tenant, require_custom_fields=False, **BASE)
    assert contact.custom_fields == {}
    # the required rule still applies to the people editing it in the app
    with tenant_context(tenant), pytest.raises(ValidationError):
        contact_update(tenant=tenant, contact=contact, custom_fields={"member_no": ""})


def test_without_the_required_rule_defaults_values_and_unique_still_apply(tenant, code_field):
    field(tenant, "rank", "select", choices=["ゴールド", "シルバー"], required=True)
    field(tenant, "plan", "text", required=True, default="無料")
    make_contact(tenant, custom_fields={"customer_code": "C00001", "rank": "ゴールド"})
    with tenant_context(tenant):
        contact = contact_create(tenant=tenant, require_custom_fields=False, **BASE)
        assert contact.custom_fields == {"plan": "無料"}
        for bad in ({"customer_code": "C00001"}, {"customer_code": "bad"}, {"rank": "銅"}):
            with pytest.raises(ValidationError) as info:
                contact_create(
                    tenant=tenant, require_custom_fields=False, custom_fields=bad, **BASE
                )
            assert f"cf_{next(iter(bad))}" in info.value.message_dict
    assert [c.custom_fields.get("plan") for c in contacts_in(tenant)] == ["無料", "無料"]
