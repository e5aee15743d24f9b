"""/api/v1/contacts/exports/: start a job, follow it on a real worker, download the file;
an API key's role narrows what its export holds, as it narrows the list; another tenant's
job is 404."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from contacts.exports.models import ExportJob
from crm.core.context import tenant_context
from crm.core.models import Membership, Tenant
from crm.core.roles import Role
from crm.core.services.apikeys import api_key_create
from tests.conftest import wait_until
from tests.factories import make_contact, make_member, owner_of


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db(transaction=True)
def test_the_api_starts_an_export_and_serves_the_file(api_client, tenant, celery_worker):
    make_contact(tenant, last_name="佐藤", email="sato@example.com")
    make_contact(tenant, last_name="山田")
    response = api_client.post(
        reverse("contact-export-list"), {"format": "jsonl", "query": "q=佐藤"}, format="json"
    )
    assert response.status_code == 201, response.content
    detail = reverse("contact-export-detail", kwargs={"pk": response.json()["id"]})

    def done():
        data = api_client.get(detail).json()
        return data if data["status"] == "done" else None

    result = wait_until(done, timeout=60)
    assert (result["rows_done"], result["progress"], result["format"]) == (1, 100, "jsonl")
    lines = _body(api_client.get(result["download_url"])).decode().splitlines()
    assert [json.loads(line)["email"] for line in lines] == ["sato@example.com"]


@pytest.mark.django_db
def test_the_api_refuses_what_it_cannot_export(api_client, tenant) -> None:
    url = reverse("contact-export-list")
    assert api_client.post(url, {"format": "pdf"}, format="json").status_code == 400
    response = api_client.post(url, {"format": "csv", "query": "owner=x"}, format="json")
    assert response.status_code == 400 and "owner" in str(response.json())
    response = api_client.post(url, {"format": "xlsx", "encoding": "cp932"}, format="json")
    assert response.status_code == 400
    with tenant_context(tenant):
        assert ExportJob.objects.count() == 0


@pytest.mark.django_db
def test_a_sales_keys_export_holds_only_its_creators_records(tenant) -> None:
    from contacts.exports.services import export_run

    rep = make_member(tenant, Role.SALES)
    make_contact(tenant, last_name="mine", owner=rep.pk)
    make_contact(tenant, last_name="others", owner=owner_of(tenant).pk)
    with tenant_context(tenant):
        Tenant.objects.filter(pk=tenant.pk).update(record_visibility="own_team")
        # the rep is an admin when the key is made; the key itself has the sales role
        Membership.objects.filter(user=rep).update(role=Role.ADMIN)
        _key, raw = api_key_create(tenant=tenant, name="rep key", role=Role.SALES, actor=rep)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post(reverse("contact-export-list"), {"format": "jsonl"}, format="json")
    assert response.status_code == 201, response.content
    with tenant_context(tenant):
        job = export_run(tenant=Tenant.objects.get(pk=tenant.pk), job_id=response.json()["id"])
    body = _body(client.get(reverse("contact-export-download", kwargs={"pk": job.pk})))
    assert [json.loads(line)["last_name"] for line in body.decode().splitlines()] == ["mine"]


@pytest.mark.django_db
def test_another_tenants_export_is_not_found_through_the_api(
    api_client, tenant, other_api_client
) -> None:
    make_contact(tenant, last_name="佐藤")
    response = api_client.post(reverse("contact-export-list"), {"format": "csv"}, format="json")
    pk = response.json()["id"]
    for name in ("contact-export-detail", "contact-export-download"):
        assert other_api_client.get(reverse(name, kwargs={"pk": pk})).status_code == 404
