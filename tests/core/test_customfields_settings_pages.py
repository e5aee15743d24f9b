"""Settings → Custom fields pages: list by object type, create, edit, delete with the count
of records holding a value, reorder, preview."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.models import CustomFieldDefinition
from crm.core.roles import Role
from crm.core.services.customfields import customfield_create
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db
FORM = {
    "object_type": "contact",
    "label": "会員ランク",
    "label_en": "Membership rank",
    "key": "membership_rank",
    "field_type": "select",
    "choices": "ゴールド\nシルバー",
}


def field(tenant: Any, key: str = "rank", **kw: Any) -> CustomFieldDefinition:
    kw.setdefault("field_type", "text")
    with tenant_context(tenant):
        return customfield_create(tenant=tenant, object_type="contact", key=key, label=key, **kw)


def keys(tenant: Any) -> list[str]:
    with tenant_context(tenant):
        return list(CustomFieldDefinition.objects.order_by("order").values_list("key", flat=True))


def test_the_list_is_grouped_by_object_type_with_an_empty_state(member_client, tenant) -> None:
    field(tenant, "code")
    with tenant_context(tenant):
        customfield_create(
            tenant=tenant, object_type="deal", key="stage_note", label="メモ", field_type="text"
        )
    html = member_client.get(reverse("settings:customfields")).content.decode()
    assert 'data-testid="cf-row-code"' in html and "stage_note" not in html
    assert 'data-testid="cf-tab-deal"' in html
    html = member_client.get(reverse("settings:customfields"), {"type": "ticket"}).content.decode()
    assert 'data-testid="cf-empty"' in html


def test_an_admin_adds_a_field_and_it_appears_on_the_contact_form(member_client, tenant) -> None:
    response = member_client.post(reverse("settings:customfield_create"), FORM)
    assert response.status_code == 302
    with tenant_context(tenant):
        d = CustomFieldDefinition.objects.get()
    assert (d.key, d.choices, d.label_en) == (
        "membership_rank",
        ["ゴールド", "シルバー"],
        "Membership rank",
    )
    html = member_client.get(reverse("contacts:create")).content.decode()
    assert 'name="cf_membership_rank"' in html


@pytest.mark.parametrize(
    ("change", "field_name", "message"),
    [
        ({"field_type": "text", "choices": "", "regex": "([A-Z"}, "regex", "not a valid regular"),
        ({"choices": ""}, "choices", "at least one option"),
        ({"field_type": "integer", "choices": "", "min": "9", "max": "1"}, "max", "not be smaller"),
    ],
)
def test_a_bad_definition_is_explained_next_to_its_field(
    member_client, tenant, change, field_name, message
) -> None:
    response = member_client.post(
        reverse("settings:customfield_create"), {**FORM, **change}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-testid="error-{field_name}">' in html and message in html
    assert 'value="会員ランク"' in html  # nothing typed is lost
    assert keys(tenant) == []


def test_a_duplicate_key_is_explained_next_to_the_key(member_client, tenant) -> None:
    field(tenant, "membership_rank")
    response = member_client.post(
        reverse("settings:customfield_create"), FORM, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert 'data-testid="error-key">Another field already uses the key' in response.content.decode()
    assert keys(tenant) == ["membership_rank"]


def test_editing_keeps_the_type_and_warns_about_removed_options_in_use(member_client, tenant):
    d = field(tenant, "rank", field_type="select", choices=["金", "銀"])
    make_contact(tenant, custom_fields={"rank": "銀"})
    url = reverse("settings:customfield_edit", args=[d.pk])
    html = member_client.get(url).content.decode()
    assert "disabled" in html and "金\n銀" in html
    response = member_client.post(
        url,
        {"label": "ランク", "key": "rank", "choices": "金", "field_type": "text"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "1 records still hold the removed option “銀”" in response.content.decode()
    with tenant_context(tenant):
        d.refresh_from_db()
    assert (d.field_type, d.choices, d.label) == ("select", ["金"], "ランク")


def test_the_delete_page_says_how_many_records_hold_a_value(member_client, tenant) -> None:
    d = field(tenant, "code")
    make_contact(tenant, custom_fields={"code": "A"})
    make_contact(tenant, custom_fields={"code": "B"})
    make_contact(tenant)
    url = reverse("settings:customfield_delete", args=[d.pk])
    html = member_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 records hold a value for this field" in html
    assert "data-confirm=" in html
    assert keys(tenant) == ["code"]
    assert member_client.post(url).status_code == 302
    assert keys(tenant) == []


def test_fields_move_up_and_down(member_client, tenant) -> None:
    field(tenant, "a")
    b = field(tenant, "b")
    move = reverse("settings:customfield_move", args=[b.pk])
    assert member_client.get(move).status_code == 405
    member_client.post(move, {"direction": "up"})
    assert keys(tenant) == ["b", "a"]
    member_client.post(move, {"direction": "sideways"})
    assert keys(tenant) == ["b", "a"]


def test_the_preview_builds_the_field_and_checks_a_value(member_client, tenant) -> None:
    member_client.cookies["django_language"] = "ja"  # the admin's Japanese message
    url = reverse("settings:customfield_preview")
    params = {
        "label": "コード",
        "field_type": "text",
        "regex": r"C\d{3}",
        "error_message": "Cと数字3桁",
    }
    html = member_client.get(url, params).content.decode()
    assert 'name="preview_value"' in html and "コード" in html
    html = member_client.get(url, {**params, "preview_value": "X"}).content.decode()
    assert "Cと数字3桁" in html
    html = member_client.get(url, {**params, "preview_value": "C123"}).content.decode()
    assert 'data-testid="cf-preview-ok"' in html
    html = member_client.get(url, {"field_type": "date"}).content.decode()
    assert 'type="date"' in html


def test_only_admins_manage_custom_fields(tenant) -> None:
    d = field(tenant, "code")
    client = Client()
    client.force_login(make_member(tenant, Role.MANAGER))
    assert client.get(reverse("settings:customfields")).status_code == 403
    assert client.post(reverse("settings:customfield_delete", args=[d.pk])).status_code == 403
    assert keys(tenant) == ["code"]


def test_another_tenants_field_is_not_found(outsider_client, tenant) -> None:
    d = field(tenant, "code")
    for name in ("customfield_edit", "customfield_delete"):
        assert outsider_client.get(reverse(f"settings:{name}", args=[d.pk])).status_code == 404
    for name in ("customfield_delete", "customfield_move"):
        response = outsider_client.post(
            reverse(f"settings:{name}", args=[d.pk]), {"direction": "up"}
        )
        assert response.status_code == 404
    assert (
        outsider_client.get(reverse("settings:customfield_preview"), {"field_id": d.pk}).status_code
        == 404
    )
    assert keys(tenant) == ["code"]
