"""Saved views: named contact list conditions per user, optionally shared with the tenant.
Service CRUD (validated, audited, nothing half-changed), the list page's "Save as view",
opening one, rename / share, replacing the conditions, delete after confirmation, and the
API (/api/v1/contacts/views/ and ?view=<id> on /api/v1/contacts/). Another tenant's view
and another user's private view are 404 everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from contacts.models import SavedView
from contacts.savedviews import services
from crm.core.context import tenant_context
from crm.core.models import AuditLog
from crm.core.roles import Role
from tests.factories import make_contact, make_member, owner_of

pytestmark = pytest.mark.django_db

API = "/api/v1/contacts/views/"


def create(tenant: Any, owner: Any, name: str = "展示会のリード", **kw: Any) -> SavedView:
    kw.setdefault("params", {"tag": ["展示会"], "lifecycle_stage": ["lead"]})
    with tenant_context(tenant):
        return services.saved_view_create(tenant=tenant, owner=owner, name=name, **kw)


def views_of(tenant: Any) -> list[SavedView]:
    with tenant_context(tenant):
        return list(SavedView.objects.order_by("id"))


def fresh(tenant: Any, view: SavedView) -> SavedView:
    with tenant_context(tenant):
        return SavedView.objects.get(pk=view.pk)


def audit(tenant: Any, action: str) -> list[AuditLog]:
    with tenant_context(tenant):
        return list(
            AuditLog.objects.filter(object_type="contacts.savedview", action=action).order_by("id")
        )


@pytest.fixture
def contacts(tenant) -> dict[str, Any]:
    return {
        "lead": make_contact(tenant, last_name="見込", tags=["展示会"], lifecycle_stage="lead"),
        "customer": make_contact(
            tenant, last_name="顧客", tags=["展示会"], lifecycle_stage="customer"
        ),
        "other": make_contact(tenant, last_name="他", lifecycle_stage="lead"),
    }


# --- services -------------------------------------------------------------------------------
def test_create_rename_update_and_delete_are_audited(tenant, member) -> None:
    view = create(tenant, member, params={"tag": "展示会", "junk": "x", "owner": ""})
    assert view.params == {"tag": ["展示会"]}  # only the list's conditions, no empties
    assert [a.changes["name"] for a in audit(tenant, "create")] == [[None, "展示会のリード"]]
    with tenant_context(tenant):
        services.saved_view_rename(tenant=tenant, view=view, name="  展示会  2024 ", actor=member)
        services.saved_view_update_conditions(
            tenant=tenant, view=view, params={"lifecycle_stage": ["lead", "prospect"]}
        )
        services.saved_view_update(tenant=tenant, view=view, is_shared=True)
    view = fresh(tenant, view)
    assert (view.name, view.params, view.is_shared) == (
        "展示会 2024",
        {"lifecycle_stage": ["lead", "prospect"]},
        True,
    )
    updates = audit(tenant, "update")
    assert [set(a.changes) for a in updates] == [{"name"}, {"params"}, {"is_shared"}]
    assert updates[0].actor_id == member.pk
    with tenant_context(tenant):
        services.saved_view_delete(tenant=tenant, view=view, actor=member)
    assert views_of(tenant) == []
    assert audit(tenant, "delete")[0].changes["name"] == ["展示会 2024", None]


def test_a_name_is_unique_per_owner_only(tenant, member) -> None:
    create(tenant, member, name="A")
    with pytest.raises(ValidationError) as info:
        create(tenant, member, name="A")
    assert info.value.message_dict["name"] == ["You already have a view with this name."]
    someone = make_member(tenant, Role.SALES)
    create(tenant, someone, name="A")
    assert len(views_of(tenant)) == 2


def test_a_rename_onto_a_taken_name_changes_nothing(tenant, member) -> None:
    create(tenant, member, name="A")
    b = create(tenant, member, name="B")
    with tenant_context(tenant), pytest.raises(ValidationError):
        services.saved_view_update(tenant=tenant, view=b, name="A", is_shared=True)
    b = fresh(tenant, b)
    assert (b.name, b.is_shared) == ("B", False)
    assert audit(tenant, "update") == []


def test_conditions_the_list_cannot_read_are_refused(tenant, member) -> None:
    with pytest.raises(ValidationError) as info:
        create(tenant, member, params={"created_from": "2024/2/30"})
    assert "Fix the conditions before saving them" in info.value.messages[0]
    with pytest.raises(ValidationError):
        create(tenant, member, params={"cf_nope": "1"})
    with pytest.raises(ValidationError) as info:
        create(tenant, member, name=" ")
    assert info.value.message_dict["name"] == ["Give the view a name."]
    assert views_of(tenant) == []


# --- pages ----------------------------------------------------------------------------------
def test_save_as_view_from_the_list_and_open_it(member_client, tenant, member, contacts) -> None:
    page = member_client.get(reverse("contacts:list"), {"tag": "展示会", "lifecycle_stage": "lead"})
    assert (
        page.context["conditions_querystring"]
        == "tag=%E5%B1%95%E7%A4%BA%E4%BC%9A&lifecycle_stage=lead"
    )
    response = member_client.post(
        reverse("contacts:savedview_create"),
        {"name": "展示会のリード", "conditions": page.context["conditions_querystring"]},
    )
    view = views_of(tenant)[0]
    assert response.status_code == 302 and response["Location"] == f"/contacts/?view={view.pk}"
    assert view.owner_id == member.pk and not view.is_shared
    opened = member_client.get(response["Location"])
    assert [c.last_name for c in opened.context["contacts"]] == ["見込"]
    html = opened.content.decode()
    assert 'data-testid="active-view"' in html and "展示会のリード" in html
    assert 'data-testid="saved-view-link"' in html


def test_a_refused_save_keeps_the_conditions_and_the_name(member_client, tenant) -> None:
    response = member_client.post(
        reverse("contacts:savedview_create"), {"name": "", "conditions": "tag=VIP"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?tag=VIP&save_name="
    page = member_client.get(response["Location"]).content.decode()
    assert "Give the view a name." in page and views_of(tenant) == []


def test_parameters_next_to_a_view_replace_its_own(member_client, tenant, member, contacts):
    view = create(tenant, member)
    response = member_client.get(
        reverse("contacts:list"), {"view": view.pk, "lifecycle_stage": "customer"}
    )
    assert [c.last_name for c in response.context["contacts"]] == ["顧客"]


def test_the_list_shows_my_views_and_shared_ones_not_others_private(
    member_client, tenant, member
) -> None:
    colleague = make_member(tenant, Role.SALES)
    mine = create(tenant, member, name="私の")
    shared = create(tenant, colleague, name="共有", is_shared=True)
    private = create(tenant, colleague, name="内緒")
    page = member_client.get(reverse("contacts:list"))
    assert [v.pk for v in page.context["saved_views"]] == [shared.pk, mine.pk]
    # a shared view opens, but only its owner may change it
    opened = member_client.get(reverse("contacts:list"), {"view": shared.pk})
    assert opened.status_code == 200 and 'data-testid="savedview-edit-link"' not in (
        opened.content.decode()
    )
    assert member_client.get(reverse("contacts:list"), {"view": private.pk}).status_code == 404
    for name in ("contacts:savedview_edit", "contacts:savedview_delete"):
        assert member_client.get(reverse(name, args=[shared.pk])).status_code == 404
    response = member_client.post(
        reverse("contacts:savedview_update", args=[shared.pk]), {"conditions": "tag=x"}
    )
    assert response.status_code == 404
    assert views_of(tenant)[1].params == {"tag": ["展示会"], "lifecycle_stage": ["lead"]}


def test_rename_and_share_from_the_edit_page(member_client, tenant, member) -> None:
    view = create(tenant, member)
    create(tenant, member, name="taken")
    url = reverse("contacts:savedview_edit", args=[view.pk])
    assert member_client.get(url).status_code == 200
    refused = member_client.post(url, {"name": "taken", "is_shared": "on"})
    assert refused.status_code == 400
    assert "You already have a view with this name." in refused.content.decode()
    assert 'value="taken"' in refused.content.decode()  # what was typed stays
    view = fresh(tenant, view)
    assert (view.name, view.is_shared) == ("展示会のリード", False)
    assert member_client.post(url, {"name": "新しい名前", "is_shared": "on"}).status_code == 302
    view = fresh(tenant, view)
    assert (view.name, view.is_shared) == ("新しい名前", True)


def test_save_the_current_conditions_into_a_view(member_client, tenant, member) -> None:
    view = create(tenant, member)
    response = member_client.post(
        reverse("contacts:savedview_update", args=[view.pk]),
        {"conditions": "lifecycle_stage=customer&gender=female"},
    )
    assert response.status_code == 302
    view = fresh(tenant, view)
    assert view.params == {"lifecycle_stage": ["customer"], "gender": ["female"]}


def test_delete_asks_first(member_client, tenant, member) -> None:
    view = create(tenant, member)
    url = reverse("contacts:savedview_delete", args=[view.pk])
    confirm = member_client.get(url)
    assert confirm.status_code == 200
    assert 'data-testid="savedview-delete-confirm"' in confirm.content.decode()
    assert len(views_of(tenant)) == 1  # asking deleted nothing
    assert member_client.post(url).status_code == 302
    assert views_of(tenant) == []


def test_another_tenants_view_is_not_found_on_any_page(outsider_client, tenant, member) -> None:
    view = create(tenant, member, is_shared=True)
    assert outsider_client.get(reverse("contacts:list"), {"view": view.pk}).status_code == 404
    for name in ("contacts:savedview_edit", "contacts:savedview_delete"):
        assert outsider_client.get(reverse(name, args=[view.pk])).status_code == 404
        assert outsider_client.post(reverse(name, args=[view.pk])).status_code == 404
    assert len(views_of(tenant)) == 1


# --- API ------------------------------------------------------------------------------------
@pytest.fixture
def api(tenant, member) -> APIClient:
    """An API key made by alice: the views it keeps are hers."""
    from crm.core.services.apikeys import api_key_create

    with tenant_context(tenant):
        _key, raw = api_key_create(tenant=tenant, name="alice", role=Role.ADMIN, actor=member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_api_crud(api, tenant, member, contacts) -> None:
    created = api.post(
        API,
        {"name": "展示会", "params": {"tag": ["展示会"], "lifecycle_stage": ["lead"]}},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["owner"] == member.pk and body["is_mine"] and not body["is_shared"]
    view_id = body["id"]
    assert [v["id"] for v in api.get(API).json()] == [view_id]
    assert api.get(f"{API}{view_id}/").json()["name"] == "展示会"
    applied = api.get("/api/v1/contacts/", {"view": view_id})
    assert [r["last_name"] for r in applied.json()["results"]] == ["見込"]
    patched = api.patch(f"{API}{view_id}/", {"name": "改名", "is_shared": True}, format="json")
    assert patched.status_code == 200 and patched.json()["is_shared"]
    assert patched.json()["params"] == {"tag": ["展示会"], "lifecycle_stage": ["lead"]}
    put = api.put(f"{API}{view_id}/", {"name": "改名", "params": {"tag": ["なし"]}}, format="json")
    assert put.status_code == 200 and put.json()["params"] == {"tag": ["なし"]}
    assert api.delete(f"{API}{view_id}/").status_code == 204
    assert views_of(tenant) == []


def test_the_api_explains_refusals(api, tenant, member) -> None:
    create(tenant, member, name="A")
    taken = api.post(API, {"name": "A", "params": {}}, format="json")
    assert taken.status_code == 400
    assert taken.json()["error"]["fields"]["name"] == ["You already have a view with this name."]
    bad = api.post(API, {"name": "B", "params": {"birth_to": ["2024-02-30"]}}, format="json")
    assert bad.status_code == 400 and "params" in bad.json()["error"]["fields"]
    assert len(views_of(tenant)) == 1


def test_a_key_without_a_user_cannot_keep_views(api_client, tenant) -> None:
    response = api_client.post(API, {"name": "A", "params": {}}, format="json")
    assert response.status_code == 400
    assert views_of(tenant) == []


def test_the_api_hides_others_private_views_and_protects_shared_ones(api, tenant) -> None:
    colleague = make_member(tenant, Role.SALES)
    private = create(tenant, colleague, name="内緒")
    shared = create(tenant, colleague, name="共有", is_shared=True)
    listed = api.get(API).json()
    assert [(v["id"], v["is_mine"]) for v in listed] == [(shared.pk, False)]
    assert api.get(f"{API}{private.pk}/").status_code == 404
    assert api.get("/api/v1/contacts/", {"view": private.pk}).status_code == 404
    assert api.get("/api/v1/contacts/", {"view": shared.pk}).status_code == 200
    assert api.patch(f"{API}{shared.pk}/", {"name": "x"}, format="json").status_code == 404
    assert api.delete(f"{API}{shared.pk}/").status_code == 404
    assert {v.name for v in views_of(tenant)} == {"内緒", "共有"}


def test_another_tenants_view_id_is_404_in_the_api(other_api_client, tenant) -> None:
    view = create(tenant, owner_of(tenant), is_shared=True)
    assert other_api_client.get(f"{API}{view.pk}/").status_code == 404
    assert other_api_client.get("/api/v1/contacts/", {"view": view.pk}).status_code == 404
    assert other_api_client.delete(f"{API}{view.pk}/").status_code == 404
    assert other_api_client.get(API).json() == []
    assert len(views_of(tenant)) == 1


def test_a_viewer_can_keep_views(client, tenant) -> None:
    viewer = make_member(tenant, Role.VIEWER)
    client.force_login(viewer)
    response = client.post(
        reverse("contacts:savedview_create"), {"name": "見るだけ", "conditions": "tag=a"}
    )
    assert response.status_code == 302 and views_of(tenant)[0].owner_id == viewer.pk
