"""seed_demo's contacts part: realistic, already-normalized, deterministic, repeatable."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from contacts import selectors
from contacts.cleaning import PREFECTURES
from contacts.models import Company, Contact
from crm.core.context import tenant_context
from crm.core.normalize import normalize_phone, phone_search_key

pytestmark = pytest.mark.django_db
SEARCHED = (
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "email",
    "phone",
    "mobile",
    "customer_code",
)


def snapshot(tenant) -> list[tuple]:
    with tenant_context(tenant):
        return list(
            Contact.objects.order_by("id").values_list(
                "last_name", "first_name", "phone", "mobile", "postal_code", "customer_code"
            )
        )


def test_it_seeds_companies_and_contacts_with_normalized_values(tenant) -> None:
    call_command("seed_demo", tenant=tenant.slug, contacts=300)
    with tenant_context(tenant):
        contacts = list(Contact.objects.select_related("company"))
        assert len(contacts) == 300
        assert Company.objects.count() == 15
        for c in contacts[:100]:
            assert normalize_phone(c.phone) == c.phone
            assert c.prefecture in PREFECTURES and len(c.postal_code) == 8
            assert phone_search_key(c.phone) in c.search_text
            assert c.email_key == c.email.lower()
            if c.company:
                assert c.company.name.lower() in c.search_text
        codes = [c.customer_code for c in contacts if c.customer_code]
        assert len(codes) == len(set(codes))
        # found by the same search the pages use
        sample = contacts[0]
        found = selectors.contact_list(tenant=tenant, q=phone_search_key(sample.phone))
        assert sample in list(found)


def test_it_is_deterministic_and_can_run_again(tenant) -> None:
    call_command("seed_demo", tenant=tenant.slug, contacts=50)
    first = snapshot(tenant)
    with tenant_context(tenant):
        Contact.objects.all().delete()
        Company.objects.all().delete()
    call_command("seed_demo", tenant=tenant.slug, contacts=50)
    assert [row[:5] for row in snapshot(tenant)] == [row[:5] for row in first]
    call_command("seed_demo", tenant=tenant.slug, contacts=50)  # no clash of customer codes
    assert len(snapshot(tenant)) == 100


def test_every_seeded_value_is_stored_as_the_services_store_it(tenant) -> None:
    from contacts import cleaning
    from crm.core.normalize import (
        email_match_key,
        lookup_postal_code,
        normalize_kana,
        normalize_postal_code,
    )

    call_command("seed_demo", tenant=tenant.slug, contacts=400)
    with tenant_context(tenant):
        contacts = list(Contact.objects.select_related("company").order_by("id"))
        assert len(contacts) == 400 and Company.objects.count() == 20
        for c in contacts:
            assert normalize_phone(c.phone) == c.phone
            assert not c.mobile or normalize_phone(c.mobile) == c.mobile
            assert normalize_postal_code(c.postal_code) == c.postal_code
            place = lookup_postal_code(c.postal_code)
            assert place is not None and place.prefecture == c.prefecture
            assert c.address.startswith(place.city)
            assert normalize_kana(c.last_name_kana) == c.last_name_kana
            assert normalize_kana(c.first_name_kana) == c.first_name_kana
            assert c.email_key == email_match_key(c.email)
            assert c.search_text == cleaning.search_text(
                fields={f: getattr(c, f) for f in SEARCHED},
                company_name=c.company.name if c.company else "",
                custom_fields={},
                definitions=[],
            )
            assert bool(c.company) == bool(c.department)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), count(*) FILTER (WHERE search_vector IS NOT DISTINCT FROM"
                " contacts_search_vector(search_text)) FROM contacts_contact WHERE tenant_id = %s",
                [tenant.pk],
            )
            assert cursor.fetchone() == (400, 400)
        for company in Company.objects.all():
            assert normalize_phone(company.phone) == company.phone
            assert "株式会社" in company.name and "株式会社" not in company.name_kana
        assert len({c.email for c in contacts}) == 400
        # varied: names, places and companies spread over the lists
        assert len({(c.last_name, c.first_name) for c in contacts}) > 200
        assert len({c.prefecture for c in contacts}) >= 10
        assert len({c.company_id for c in contacts if c.company_id}) == 20
        assert 0.75 < sum(1 for c in contacts if c.company_id) / 400 < 0.95


def test_each_tenant_gets_its_own_data(tenant, other_tenant) -> None:
    call_command("seed_demo", tenant=tenant.slug, contacts=40)
    call_command("seed_demo", tenant=other_tenant.slug, contacts=40)
    ours, theirs = snapshot(tenant), snapshot(other_tenant)
    assert len(ours) == len(theirs) == 40
    assert [row[:4] for row in ours] != [row[:4] for row in theirs]
