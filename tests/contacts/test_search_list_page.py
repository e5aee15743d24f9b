"""The contact list page's rows, as the speed work shaped them (values computed once per page
in the view rather than per row in the template): same links, labels and phone display."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from django.urls import reverse

from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.normalize import format_phone
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_a_row_links_the_contact_and_company_and_shows_stage_and_phone(
    member_client, tenant
) -> None:
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="青空商事")
    contact = make_contact(
        tenant,
        last_name="佐藤",
        phone="03-1234-5678",
        company=company.pk,
        lifecycle_stage="customer",
    )
    page = member_client.get(reverse("contacts:list")).content.decode()
    assert f'href="{reverse("contacts:detail", args=[contact.pk])}"' in page
    assert f'href="{reverse("contacts:company_detail", args=[company.pk])}"' in page
    assert 'href="tel:+81312345678" data-testid="tel-link">03-1234-5678</a>' in page
    assert '<span class="badge text-bg-light">Customer</span>' in page


def test_the_fast_japanese_phone_format_equals_the_library_s() -> None:
    rng = random.Random(7)
    numbers = [
        "+81" + str(rng.randint(1, 9)) + "".join(rng.choices("0123456789", k=rng.choice([8, 9])))
        for _ in range(5000)
    ] + ["+81120123456", "+819012345678", "+81312345678", "+14155550123", "+8101234", "garbage"]
    for number in numbers:
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            assert format_phone(number) == number
            continue
        style = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if parsed.country_code == 81
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        assert format_phone(number) == phonenumbers.format_number(parsed, style), number
