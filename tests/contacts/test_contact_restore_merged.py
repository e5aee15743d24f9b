"""A contact that was merged into another cannot be restored from "Recently deleted" (its
history lives on the survivor now): the service refuses with the survivor's name, the page
shows it as merged with a link to the survivor, the API answers 409."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from contacts.dedupe.services import contact_merge
from contacts.models import Contact
from contacts.services import RestoreRefused, contact_restore, contact_soft_delete
from crm.core.context import tenant_context
from crm.core.models import AuditLog
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


def _merged_pair(tenant: Any, member: Any) -> tuple[Contact, Contact]:
    survivor = make_contact(tenant, last_name="高橋", first_name="健一", email="ken@example.com")
    other = make_contact(tenant, last_name="高橋", first_name="健", email="KEN@example.com")
    with tenant_context(tenant):
        contact_merge(
            tenant=tenant,
            actor=member,
            survivor=survivor,
            other=other,
            choices={"first_name": "survivor"},
        )
        other.refresh_from_db()
    return survivor, other


def _reload(tenant: Any, contact: Contact) -> Contact:
    with tenant_context(tenant):
        return Contact.objects.get(pk=contact.pk)


def test_the_service_refuses_to_restore_a_merged_contact(tenant, member) -> None:
    survivor, other = _merged_pair(tenant, member)
    with tenant_context(tenant), pytest.raises(RestoreRefused) as refused:
        contact_restore(tenant=tenant, contact=other, actor=member)
    assert refused.value.survivor is not None and refused.value.survivor.pk == survivor.pk
    assert f"merged into 高橋 健一 (#{survivor.pk})" in refused.value.messages[0]
    assert "Open 高橋 健一" in refused.value.messages[0]
    after = _reload(tenant, other)
    assert after.deleted_at is not None and after.merged_into_id == survivor.pk
    with tenant_context(tenant):
        assert not AuditLog.objects.filter(action="restore", object_id=str(other.pk)).exists()


def test_a_chain_of_merges_points_at_the_last_survivor(tenant, member) -> None:
    first = make_contact(tenant, last_name="一郎", email="a@example.com")
    second = make_contact(tenant, last_name="二郎", email="b@example.com")
    third = make_contact(tenant, last_name="三郎", email="c@example.com")
    with tenant_context(tenant):
        contact_merge(tenant=tenant, actor=member, survivor=second, other=first)
        contact_merge(tenant=tenant, actor=member, survivor=third, other=second)
        first.refresh_from_db()
        with pytest.raises(RestoreRefused) as refused:
            contact_restore(tenant=tenant, contact=first)
    assert refused.value.survivor is not None and refused.value.survivor.pk == third.pk


def test_a_survivor_deleted_later_is_named_as_the_one_to_restore(tenant, member) -> None:
    survivor, other = _merged_pair(tenant, member)
    with tenant_context(tenant):
        contact_soft_delete(tenant=tenant, contact=survivor)
        with pytest.raises(RestoreRefused) as refused:
            contact_restore(tenant=tenant, contact=other)
    assert "restore 高橋 健一 instead" in refused.value.messages[0]


def test_an_ordinary_deleted_contact_is_still_restored(tenant, member) -> None:
    contact = make_contact(tenant, last_name="普通")
    with tenant_context(tenant):
        contact_soft_delete(tenant=tenant, contact=contact)
        contact_restore(tenant=tenant, contact=contact, actor=member)
    assert _reload(tenant, contact).deleted_at is None


def test_the_deleted_list_shows_merged_contacts_with_their_survivor(
    member_client, tenant, member
) -> None:
    survivor, other = _merged_pair(tenant, member)
    plain = make_contact(tenant, last_name="削除済み")
    with tenant_context(tenant):
        contact_soft_delete(tenant=tenant, contact=plain)
    page = member_client.get(reverse("contacts:deleted")).content.decode()
    assert 'data-testid="merged-badge"' in page
    survivor_url = reverse("contacts:detail", args=[survivor.pk])
    assert f'href="{survivor_url}" data-testid="merged-survivor">Open 高橋 健一<' in page
    assert reverse("contacts:restore", args=[other.pk]) not in page
    assert reverse("contacts:restore", args=[plain.pk]) in page


def test_posting_restore_for_a_merged_contact_is_refused_and_leads_to_the_survivor(
    member_client, tenant, member
) -> None:
    survivor, other = _merged_pair(tenant, member)
    response = member_client.post(reverse("contacts:restore", args=[other.pk]))
    assert response.status_code == 302
    assert response.url == reverse("contacts:detail", args=[survivor.pk])
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(f"merged into 高橋 健一 (#{survivor.pk}) and cannot be restored" in m for m in shown)
    assert _reload(tenant, other).deleted_at is not None


def test_the_api_refuses_to_restore_a_merged_contact(api_client, tenant, member) -> None:
    survivor, other = _merged_pair(tenant, member)
    response = api_client.post(reverse("contact-restore", kwargs={"pk": other.pk}))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "merged" and error["merged_into"] == survivor.pk
    assert "高橋 健一" in error["message"]
    assert _reload(tenant, other).deleted_at is not None


def test_the_api_restores_a_deleted_contact(api_client, tenant) -> None:
    contact = make_contact(tenant, last_name="戻す", email="back@example.com")
    with tenant_context(tenant):
        contact_soft_delete(tenant=tenant, contact=contact)
    response = api_client.post(reverse("contact-restore", kwargs={"pk": contact.pk}))
    assert response.status_code == 200, response.content
    assert response.json()["email"] == "back@example.com"
    assert _reload(tenant, contact).deleted_at is None
    live = make_contact(tenant, last_name="生存")
    assert api_client.post(reverse("contact-restore", kwargs={"pk": live.pk})).status_code == 404
