"""Duplicate pages and API: list with reasons (constant queries), merge page defaults and
choices, "not a duplicate", refusals with clear messages, 404 across tenants."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import Contact, Interaction
from contacts.services import contact_soft_delete, timeline_add
from crm.core.context import tenant_context
from crm.core.roles import Role
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    """Messages are asserted in English (the catalogues are filled by a later pass)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def pair(tenant):
    a = make_contact(
        tenant, last_name="佐藤", first_name="花子", email="Hanako@Example.com", title="課長"
    )
    b = make_contact(
        tenant, last_name="佐藤", first_name="花子", email="hanako@example.com", title="部長"
    )
    return a, b


def test_the_list_shows_pairs_with_reasons_in_constant_queries(
    member_client, tenant, pair, django_assert_max_num_queries
) -> None:
    for i in range(10):
        make_contact(tenant, last_name=f"別{i}", first_name="x", phone=f"03-1234-56{i:02d}")
        make_contact(tenant, last_name=f"他{i}", first_name="y", mobile=f"03-1234-56{i:02d}")
    url = reverse("contacts:duplicates")
    member_client.get(url)  # warm caches (session, membership)
    with django_assert_max_num_queries(12) as small:
        response = member_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="duplicate-pair"') == 11
    assert "Same e-mail" in body and "Same name and company" in body
    for i in range(10, 30):
        make_contact(tenant, last_name=f"追{i}", first_name="z", email=f"more{i}@example.com")
        make_contact(tenant, last_name=f"加{i}", first_name="w", email=f"MORE{i}@example.com")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert member_client.get(url).content.decode().count('data-testid="duplicate-pair"') == 31


def test_the_contact_list_links_to_duplicates(member_client) -> None:
    body = member_client.get(reverse("contacts:list")).content.decode()
    assert reverse("contacts:duplicates") in body


def test_the_merge_page_defaults_to_the_older_record_and_newer_values(member_client, pair) -> None:
    a, b = pair
    response = member_client.get(reverse("contacts:duplicate_merge", args=[a.pk, b.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="survivor" value="a" id="keep-a" checked' in body
    assert 'name="f_title" value="b" id="f-title-b" checked' in body  # the newer value
    assert "data-confirm=" in body


def test_merging_on_the_page_keeps_the_picked_values_and_redirects(
    member_client, tenant, pair
) -> None:
    a, b = pair
    with tenant_context(tenant):
        timeline_add(
            tenant=tenant, contact=b, kind="note", occurred_at=timezone.now(), subject="b note"
        )
    url = reverse("contacts:duplicate_merge", args=[a.pk, b.pk])
    response = member_client.post(url, {"survivor": "b", "f_title": "a"})
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[b.pk])
    with tenant_context(tenant):
        kept = Contact.objects.get(pk=b.pk)
        gone = Contact.objects.get(pk=a.pk)
        assert Interaction.objects.filter(contact=kept, subject="b note").exists()
    assert kept.title == "課長" and gone.deleted_at is not None and gone.merged_into_id == b.pk
    assert (
        member_client.get(reverse("contacts:duplicates"))
        .content.decode()
        .count('data-testid="duplicate-pair"')
        == 0
    )


def test_a_failed_merge_says_why_and_changes_nothing(member_client, tenant, pair) -> None:
    a, b = pair
    leaver = make_member(tenant, Role.SALES)
    with tenant_context(tenant):
        Contact.objects.filter(pk=b.pk).update(owner=leaver)
        from crm.core.models import Membership

        Membership.objects.filter(user=leaver).update(is_active=False)
    response = member_client.post(
        reverse("contacts:duplicate_merge", args=[a.pk, b.pk]), {"survivor": "a", "f_owner": "b"}
    )
    assert response.status_code == 400
    assert "active member" in response.content.decode()
    with tenant_context(tenant):
        assert Contact.objects.get(pk=b.pk).deleted_at is None
        assert Contact.objects.get(pk=a.pk).owner_id is None


def test_not_a_duplicate_hides_the_pair(member_client, pair) -> None:
    a, b = pair
    response = member_client.post(reverse("contacts:duplicate_dismiss", args=[b.pk, a.pk]))
    assert response.status_code == 302
    body = member_client.get(reverse("contacts:duplicates")).content.decode()
    assert 'data-testid="no-duplicates"' in body


def test_pages_answer_404_for_other_tenants_and_deleted_contacts(
    outsider_client, member_client, tenant, pair
) -> None:
    a, b = pair
    url = reverse("contacts:duplicate_merge", args=[a.pk, b.pk])
    assert outsider_client.get(url).status_code == 404
    with tenant_context(tenant):
        contact_soft_delete(tenant=tenant, contact=b)
    assert member_client.get(url).status_code == 404


def test_a_viewer_cannot_open_duplicates(client, tenant) -> None:
    client.force_login(make_member(tenant, Role.VIEWER))
    assert client.get(reverse("contacts:duplicates")).status_code == 403


# --- API --------------------------------------------------------------------------------------
def test_the_api_lists_pairs(api_client, pair) -> None:
    a, b = pair
    response = api_client.get("/api/v1/contacts/duplicates/")
    assert response.status_code == 200
    [found] = response.json()["results"]
    assert (found["a"]["id"], found["b"]["id"]) == (a.pk, b.pk)
    assert found["reasons"] == ["email", "name"] and found["score"] == 90


def test_the_api_merges_and_answers_the_survivor(api_client, tenant, pair) -> None:
    a, b = pair
    response = api_client.post(
        f"/api/v1/contacts/{a.pk}/merge/",
        {"other": b.pk, "choices": {"title": "survivor"}},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == a.pk and response.json()["title"] == "課長"
    assert api_client.get(f"/api/v1/contacts/{b.pk}/").status_code == 404


def test_the_api_refuses_with_clear_messages(api_client, other_api_client, tenant, pair) -> None:
    a, b = pair
    url = f"/api/v1/contacts/{a.pk}/merge/"
    itself = api_client.post(url, {"other": a.pk}, format="json")
    assert itself.status_code == 400
    assert "cannot be merged with itself" in str(itself.json())
    bad = api_client.post(url, {"other": b.pk, "choices": {"title": "both"}}, format="json")
    assert bad.status_code == 400 and "choices" in bad.json()["error"]["fields"]
    assert other_api_client.post(url, {"other": b.pk}, format="json").status_code == 404
    stranger = make_contact(
        __import__("tests.factories", fromlist=["x"]).make_tenant("Gamma", slug="gamma")
    )
    assert api_client.post(url, {"other": stranger.pk}, format="json").status_code == 404
    with tenant_context(tenant):
        contact_soft_delete(tenant=tenant, contact=b)
    deleted = api_client.post(url, {"other": b.pk}, format="json")
    assert deleted.status_code == 400 and "Restore it before merging" in str(deleted.json())
