"""seed_demo's contacts part: realistic, already-normalized, deterministic, repeatable."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from contacts import selectors
from contacts.cleaning import PREFECTURES
from contacts.models import Company, Contact
from crm.core.context import tenant_context
from crm.core.normalize import normalize_phone, phone_search_key

pytestmark = pytest.mark.django_db


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
