"""A deal's events on the timelines: field changes that matter are written once (deal,
contact, company) and an event shows once on a company even with two of its people on the
deal."""

from __future__ import annotations

import datetime as dt

import pytest

from contacts.models import Interaction
from contacts.services import company_create
from crm.core.context import tenant_context
from sales.deals import selectors, services
from tests.factories import make_contact

from .helpers import default_pipeline, make_deal

pytestmark = pytest.mark.django_db


def test_a_field_change_is_one_entry_on_the_deal_contact_and_company(tenant, member) -> None:
    with tenant_context(tenant):
        default_pipeline(tenant)
        company = company_create(tenant=tenant, name="東海精機株式会社")
        contact = make_contact(tenant, last_name="田中", company=company.pk)
        deal = make_deal(tenant, amount=1_000_000, contacts=[contact.pk], company=company.pk)
        services.deal_update(
            tenant=tenant,
            deal=deal,
            actor=member,
            amount=1_200_000,
            expected_close_date=dt.date(2026, 12, 15),
        )
        entries = Interaction.objects.filter(kind="field_change", ref_id=str(deal.pk))
        assert entries.count() == 1
        entry = entries.get()
        assert (entry.contact_id, entry.company_id, entry.actor_id) == (
            contact.pk,
            company.pk,
            member.pk,
        )
        assert "Amount: ¥1,000,000 → ¥1,200,000" in entry.body
        assert "Expected close date: — → 2026-12-15" in entry.body
        assert entry in selectors.deal_timeline(tenant=tenant, deal=deal)
        # Tags alone are not worth a timeline entry (the audit log has them).
        services.deal_update(tenant=tenant, deal=deal, actor=member, tags=["vip"])
        assert Interaction.objects.filter(kind="field_change").count() == 1


def test_two_people_of_one_company_put_an_event_once_on_the_company(tenant) -> None:
    with tenant_context(tenant):
        default_pipeline(tenant)
        company = company_create(tenant=tenant, name="中部電装株式会社")
        first = make_contact(tenant, last_name="佐藤", company=company.pk)
        second = make_contact(tenant, last_name="鈴木", company=company.pk)
        other_company = company_create(tenant=tenant, name="岐阜物産")
        third = make_contact(tenant, last_name="高橋", company=other_company.pk)
        deal = make_deal(tenant, contacts=[first.pk, second.pk, third.pk], company=company.pk)
        on_company = Interaction.objects.filter(company=company, ref_id=str(deal.pk))
        assert on_company.count() == 1
        assert Interaction.objects.filter(contact=second, ref_id=str(deal.pk)).count() == 1
        # A contact of another company still puts the event on that company.
        assert Interaction.objects.filter(company=other_company, ref_id=str(deal.pk)).count() == 1
