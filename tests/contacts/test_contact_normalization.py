"""Japanese normalization on every way in: the service, the form and the API store the same
canonical values, and bad values come back next to their field with nothing stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contacts.models import Company, Contact
from contacts.services import company_create, company_update, contact_create, contact_update
from crm.core.context import tenant_context
from crm.core.models import AuditLog
from crm.core.services.customfields import customfield_create
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings) -> None:
    """Messages are asserted in English (the catalogues are filled by a later pass)."""
    settings.LANGUAGE_CODE = "en"


TYPED = {
    "last_name": " 山田　",
    "first_name": "太郎",
    "last_name_kana": "やまだ",
    "first_name_kana": "ﾀﾛｳ",
    "email": " Ｔａｒｏ@Example.CO.JP ",
    "phone": "０３ー１２３４ー５６７８",
    "mobile": "090‐1234‐5678",
    "postal_code": "〒１００－０００１",
    "birth_date": "昭和60年4月1日",
    "customer_code": "ＣＵ－００１",
    "tags": "VIP、展示会 , VIP",
}


def stored(tenant: Any) -> list[Contact]:
    with tenant_context(tenant):
        return list(Contact.objects.order_by("id"))


def check_canonical(contact: Contact) -> None:
    assert contact.last_name == "山田"
    assert contact.last_name_kana == "ヤマダ"
    assert contact.first_name_kana == "タロウ"
    assert contact.email == "Taro@example.co.jp"
    assert contact.email_key == "taro@example.co.jp"
    assert contact.phone == "+81312345678"
    assert contact.mobile == "+819012345678"
    assert contact.postal_code == "100-0001"
    # filled from Japan Post's data because they were left empty
    assert contact.prefecture == "東京都"
    assert contact.address.startswith("千代田区")
    assert contact.birth_date == dt.date(1985, 4, 1)
    assert contact.customer_code == "CU-001"
    assert contact.tags == ["VIP", "展示会"]


def test_the_service_stores_canonical_values_and_the_search_text(tenant) -> None:
    contact = make_contact(tenant, **TYPED)
    check_canonical(contact)
    assert "0312345678" in contact.search_text
    assert "09012345678" in contact.search_text
    assert "ヤマダ" in contact.search_text and "taro@example.co.jp" in contact.search_text
    assert "cu-001" in contact.search_text


def test_the_form_stores_the_same_canonical_values(member_client, tenant) -> None:
    response = member_client.post(reverse("contacts:create"), TYPED)
    assert response.status_code == 302, response.content.decode()[:3000]
    (contact,) = stored(tenant)
    check_canonical(contact)


def test_the_api_stores_the_same_canonical_values(api_client, tenant) -> None:
    payload = {**TYPED, "tags": ["VIP", "展示会", "VIP"]}
    response = api_client.post("/api/v1/contacts/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+81312345678"
    assert body["phone_display"] == "03-1234-5678"
    assert body["birth_date"] == "1985-04-01"
    (contact,) = stored(tenant)
    check_canonical(contact)


def test_it_keeps_a_prefecture_and_address_that_were_typed(tenant) -> None:
    contact = make_contact(tenant, postal_code="1000001", prefecture="大阪", address="北区梅田1-1")
    assert (contact.prefecture, contact.address) == ("大阪府", "北区梅田1-1")


BAD = [
    ("phone", "03-1234", "not a valid phone number"),
    ("email", "taro.example.com", "needs an @"),
    ("postal_code", "12-34", "seven digits"),
    ("birth_date", "2023年2月30日", "not a date that exists"),
    ("birth_date", "2999-01-01", "future"),
    ("last_name_kana", "山田", "katakana"),
    ("prefecture", "東京市", "not a Japanese prefecture"),
    ("gender", "robot", "robot"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD)
def test_the_service_refuses_a_bad_value_next_to_its_field(tenant, field, value, message) -> None:
    with tenant_context(tenant), pytest.raises(ValidationError) as caught:
        contact_create(tenant=tenant, last_name="山田", **{field: value})
    assert field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])
    assert stored(tenant) == []


@pytest.mark.parametrize(("field", "value", "message"), BAD[:6])
def test_the_form_shows_a_bad_value_next_to_its_field_and_keeps_the_input(
    member_client, tenant, field, value, message
) -> None:
    response = member_client.post(
        reverse("contacts:create"), {"last_name": "山田", "first_name": "太郎", field: value}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-testid="error-{field}"' in html
    assert 'value="太郎"' in html  # nothing typed is thrown away
    assert stored(tenant) == []


@pytest.mark.parametrize(("field", "value", "message"), BAD[:6])
def test_the_api_answers_a_bad_value_with_the_field(api_client, tenant, field, value, message):
    response = api_client.post(
        "/api/v1/contacts/", {"last_name": "山田", field: value}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["fields"]
    assert message in " ".join(error["fields"][field])
    assert stored(tenant) == []


def test_a_contact_needs_a_name_an_email_or_a_phone(tenant) -> None:
    with tenant_context(tenant), pytest.raises(ValidationError) as caught:
        contact_create(tenant=tenant, department="営業部")
    assert "last_name" in caught.value.message_dict
    only_phone = make_contact(tenant, last_name="", first_name="", phone="0312345678")
    assert only_phone.phone == "+81312345678"


def test_a_customer_code_is_unique_per_tenant_only(tenant, other_tenant) -> None:
    make_contact(tenant, customer_code="C-1")
    with tenant_context(tenant), pytest.raises(ValidationError) as caught:
        contact_create(tenant=tenant, last_name="別人", customer_code="Ｃ－１")
    assert "customer_code" in caught.value.message_dict
    make_contact(other_tenant, customer_code="C-1")  # another tenant may use it
    make_contact(tenant, last_name="コードなし")  # blank codes never clash
    make_contact(tenant, last_name="コードなし2")


def test_the_form_shows_a_duplicate_customer_code_next_to_the_field(member_client, tenant):
    make_contact(tenant, customer_code="C-1")
    response = member_client.post(
        reverse("contacts:create"), {"last_name": "別人", "customer_code": "C-1"}
    )
    assert response.status_code == 200
    assert 'data-testid="error-customer_code"' in response.content.decode()
    assert len(stored(tenant)) == 1


def test_an_update_normalizes_and_records_a_field_change_on_the_timeline(tenant, member):
    contact = make_contact(tenant, phone="03-1234-5678")
    with tenant_context(tenant, actor=member):
        contact = contact_update(
            tenant=tenant, contact=contact, actor=member, phone="+81 6 1234 5678"
        )
        entry = contact.interactions.get(kind="field_change")
        audit = AuditLog.objects.filter(action="update", object_id=str(contact.pk)).get()
    assert contact.phone == "+81612345678"
    assert "0612345678" in contact.search_text and "0312345678" not in contact.search_text
    assert entry.data["changes"]["phone"] == ["+81312345678", "+81612345678"]
    assert entry.actor == member
    assert audit.changes == {"phone": ["+81312345678", "+81612345678"]}


def test_text_custom_fields_and_the_company_name_are_searchable(tenant, member) -> None:
    with tenant_context(tenant):
        customfield_create(
            tenant=tenant, object_type="contact", key="memo", field_type="text", label="メモ"
        )
        company = company_create(tenant=tenant, name="青空商事株式会社")
    contact = make_contact(tenant, company=company.pk, custom_fields={"memo": "ゴルフ好き"})
    assert "青空商事株式会社" in contact.search_text and "ゴルフ好き" in contact.search_text
    with tenant_context(tenant):
        company_update(tenant=tenant, company=company, name="青空ホールディングス")
        contact.refresh_from_db()
    assert "青空ホールディングス" in contact.search_text


# --- companies --------------------------------------------------------------------------------
def test_a_company_is_normalized_and_its_corporate_number_checked(tenant) -> None:
    with tenant_context(tenant):
        company = company_create(
            tenant=tenant,
            name="トヨタ自動車株式会社",
            name_kana="とよたじどうしゃ",
            corporate_number="１１８０－３０１０－１８７７１",
            phone="0565-28-2121",
            postal_code="4718571",
            website="global.toyota",
        )
        assert company.corporate_number == "1180301018771"
        assert company.name_kana == "トヨタジドウシャ"
        assert company.phone == "+81565282121"
        assert company.prefecture == "愛知県"
        assert company.website == "https://global.toyota"
        with pytest.raises(ValidationError) as caught:
            company_create(tenant=tenant, name="偽物", corporate_number="1180301018772")
        assert "corporate_number" in caught.value.message_dict
        assert Company.objects.count() == 1


def test_the_company_api_refuses_a_bad_check_digit(api_client, tenant) -> None:
    response = api_client.post(
        "/api/v1/companies/", {"name": "偽物", "corporate_number": "1180301018772"}, format="json"
    )
    assert response.status_code == 400
    assert "check digit" in " ".join(response.json()["error"]["fields"]["corporate_number"])


def test_an_owner_must_be_a_member_of_the_tenant(tenant, other_tenant, outsider) -> None:
    rep = make_member(tenant)
    assert make_contact(tenant, owner=rep.pk).owner == rep
    with tenant_context(tenant), pytest.raises(ValidationError) as caught:
        contact_create(tenant=tenant, last_name="山田", owner=outsider.pk)
    assert "owner" in caught.value.message_dict


def test_a_customer_code_held_by_a_deleted_contact_says_how_to_get_it_back(tenant) -> None:
    from contacts.services import contact_soft_delete

    old = make_contact(tenant, customer_code="C-9")
    with tenant_context(tenant):
        contact_soft_delete(tenant=tenant, contact=old)
        with pytest.raises(ValidationError) as caught:
            contact_create(tenant=tenant, last_name="新規", customer_code="C-9")
    assert "Recently deleted" in " ".join(caught.value.message_dict["customer_code"])
