"""/api/v1/contacts/ and /api/v1/companies/: CRUD, filters, search, soft delete, timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Company, Contact
from contacts.services import company_create, timeline_add
from crm.core.context import tenant_context
from crm.core.services.customfields import customfield_create
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    """Messages are asserted in English (the catalogues are filled by a later pass)."""
    settings.LANGUAGE_CODE = "en"


URL = "/api/v1/contacts/"


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_it_creates_reads_updates_and_soft_deletes_a_contact(api_client, tenant) -> None:
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="青空商事")
    created = api_client.post(
        URL,
        {"last_name": "佐藤", "first_name": "花子", "company": company.pk, "tags": ["VIP"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["company"] == {"id": company.pk, "name": "青空商事"}
    assert body["lifecycle_stage"] == "lead"
    for name in (
        "last_name_kana",
        "first_name_kana",
        "email",
        "phone",
        "phone_display",
        "mobile",
        "postal_code",
        "prefecture",
        "address",
        "birth_date",
        "gender",
        "source",
        "customer_code",
        "owner",
        "custom_fields",
        "created_at",
        "updated_at",
    ):
        assert name in body
    url = f"{URL}{body['id']}/"
    patched = api_client.patch(url, {"lifecycle_stage": "customer", "company": None}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["lifecycle_stage"] == "customer"
    assert patched.json()["company"] is None
    assert api_client.delete(url).status_code == 204
    assert api_client.get(url).status_code == 404
    with tenant_context(tenant):
        assert Contact.objects.get(pk=body["id"]).deleted_at is not None  # soft


def test_it_refuses_a_company_of_another_tenant(api_client, tenant, other_tenant) -> None:
    with tenant_context(other_tenant):
        theirs = company_create(tenant=other_tenant, name="他社")
    response = api_client.post(URL, {"last_name": "佐藤", "company": theirs.pk}, format="json")
    assert response.status_code == 400
    assert "company" in response.json()["error"]["fields"]


@pytest.fixture
def people(tenant) -> dict[str, Any]:
    rep = make_member(tenant)
    with tenant_context(tenant):
        customfield_create(
            tenant=tenant, object_type="contact", key="rank", field_type="text", label="ランク"
        )
    return {
        "rep": rep,
        "sato": make_contact(
            tenant,
            last_name="佐藤",
            email="Sato@Example.jp",
            phone="03-1234-5678",
            customer_code="C-1",
            tags=["VIP"],
            custom_fields={"rank": "gold"},
        ),
        "suzuki": make_contact(
            tenant,
            last_name="鈴木",
            last_name_kana="スズキ",
            mobile="090-1111-2222",
            owner=rep.pk,
            lifecycle_stage="customer",
        ),
    }


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("email=SATO@example.JP", "sato"),
        ("phone=0312345678", "sato"),
        ("phone=%2B81-3-1234-5678", "sato"),
        ("phone=０９０（１１１１）２２２２", "suzuki"),
        ("customer_code=C-1", "sato"),
        ("lifecycle_stage=customer", "suzuki"),
        ("tag=VIP", "sato"),
        ("cf_rank=gold", "sato"),
        ("q=すずき", "suzuki"),
        ("q=03-1234", "sato"),
        ("q=佐藤", "sato"),
    ],
)
def test_each_filter_finds_the_right_contact(api_client, people, query, who) -> None:
    assert ids(api_client.get(f"{URL}?{query}")) == [people[who].pk]


def test_the_owner_and_updated_since_filters(api_client, people, tenant) -> None:
    assert ids(api_client.get(f"{URL}?owner={people['rep'].pk}")) == [people["suzuki"].pk]
    with tenant_context(tenant):
        Contact.objects.filter(pk=people["sato"].pk).update(
            updated_at=timezone.now() - dt.timedelta(days=10)
        )
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert ids(api_client.get(URL, {"updated_since": since})) == [people["suzuki"].pk]


def test_a_filter_it_cannot_read_is_a_400_that_names_it(api_client, people) -> None:
    response = api_client.get(f"{URL}?updated_since=yesterday&phone=12")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"updated_since", "phone"}


def test_the_list_runs_a_constant_number_of_queries(api_client, tenant) -> None:
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="青空商事")
    make_contact(tenant, company=company.pk)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first request of a key also records its last use
    few = count()
    rep = make_member(tenant)
    for i in range(15):
        with tenant_context(tenant):
            other = company_create(tenant=tenant, name=f"会社{i}")
        make_contact(tenant, company=other.pk, owner=rep.pk)
    assert count() == few


def test_the_timeline_endpoint_is_newest_first_and_filters_by_kind(api_client, tenant) -> None:
    contact = make_contact(tenant)
    now = timezone.now()
    with tenant_context(tenant):
        for minutes, kind in ((3, "note"), (2, "call"), (1, "note")):
            timeline_add(
                tenant=tenant,
                contact=contact,
                kind=kind,
                occurred_at=now - dt.timedelta(minutes=minutes),
                subject=f"{kind}{minutes}",
            )
    body = api_client.get(f"{URL}{contact.pk}/timeline/").json()
    assert [e["subject"] for e in body["results"]] == ["note1", "call2", "note3"]
    notes = api_client.get(f"{URL}{contact.pk}/timeline/?kind=note").json()
    assert [e["subject"] for e in notes["results"]] == ["note1", "note3"]


def test_another_tenants_contact_is_not_found(other_api_client, tenant) -> None:
    contact = make_contact(tenant)
    assert other_api_client.get(f"{URL}{contact.pk}/").status_code == 404
    assert other_api_client.get(f"{URL}{contact.pk}/timeline/").status_code == 404
    assert other_api_client.delete(f"{URL}{contact.pk}/").status_code == 404
    assert ids(other_api_client.get(URL)) == []


def test_the_company_api_crud_and_search(api_client, tenant) -> None:
    created = api_client.post(
        "/api/v1/companies/",
        {"name": "株式会社ミドリ", "name_kana": "みどり", "phone": "06-1234-5678", "size": "10-49"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["phone"] == "+81612345678" and body["phone_display"] == "06-1234-5678"
    assert body["name_kana"] == "ミドリ"
    assert ids(api_client.get("/api/v1/companies/?q=ミドリ")) == [body["id"]]
    url = f"/api/v1/companies/{body['id']}/"
    assert api_client.patch(url, {"size": "huge"}, format="json").status_code == 400
    assert api_client.delete(url).status_code == 204
    with tenant_context(tenant):
        assert Company.objects.get(pk=body["id"]).deleted_at is not None
    assert api_client.get(url).status_code == 404


def test_the_company_timeline_shows_its_live_contacts_entries(api_client, tenant) -> None:
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="青空商事")
    kept = make_contact(tenant, company=company.pk)
    gone = make_contact(tenant, company=company.pk)
    with tenant_context(tenant):
        for contact, subject in ((kept, "kept"), (gone, "gone")):
            timeline_add(
                tenant=tenant,
                contact=contact,
                kind="meeting",
                occurred_at=timezone.now(),
                subject=subject,
            )
        timeline_add(
            tenant=tenant, company=company, kind="deal", occurred_at=timezone.now(), subject="deal"
        )
    assert api_client.delete(f"{URL}{gone.pk}/").status_code == 204
    body = api_client.get(f"/api/v1/companies/{company.pk}/timeline/").json()
    assert {e["subject"] for e in body["results"]} == {"kept", "deal"}
    bad = api_client.get(f"/api/v1/companies/{company.pk}/timeline/?kind=party")
    assert bad.status_code == 400 and "kind" in bad.json()["error"]["fields"]
