"""timeline_add_many: the bulk door to the timeline keeps timeline_add's rules in a fixed
number of queries, and writes nothing when one entry names another tenant's record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contacts.models import Company, Interaction
from contacts.services import TimelineEntry, company_create, timeline_add_many
from crm.core.context import tenant_context
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _entries(contact_ids, company_id=None, *, days=0):
    return [
        TimelineEntry(
            kind="purchase",
            occurred_at=NOW - dt.timedelta(days=days, minutes=i),
            subject=f"Order {i}",
            contact_id=cid,
            company_id=company_id,
            ref_type="order",
            ref_id=str(i),
        )
        for i, cid in enumerate(contact_ids)
    ]


def test_entries_land_on_the_contact_and_its_company_and_move_last_activity(tenant) -> None:
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="東海精機株式会社")
        contact = make_contact(tenant, last_name="山田", company=company)
        loner = make_contact(tenant, last_name="佐藤")
        assert timeline_add_many(tenant=tenant, entries=_entries([contact.pk, loner.pk])) == 2
        only_company = _entries([None], company.pk)
        assert timeline_add_many(tenant=tenant, entries=only_company) == 1
        entry = Interaction.objects.get(contact=contact)
        assert entry.company_id == company.pk  # a contact's entry shows on its company too
        assert Interaction.objects.filter(company=company).count() == 2
        contact.refresh_from_db()
        assert contact.last_activity_at == NOW
        # A back-dated entry leaves the newest activity alone.
        timeline_add_many(tenant=tenant, entries=_entries([contact.pk], days=30))
        contact.refresh_from_db()
        assert contact.last_activity_at == NOW


def test_queries_do_not_grow_with_the_number_of_entries(tenant) -> None:
    with tenant_context(tenant):
        contacts = [make_contact(tenant, last_name=f"顧客{i}").pk for i in range(40)]
        with CaptureQueriesContext(connection) as few:
            timeline_add_many(tenant=tenant, entries=_entries(contacts[:4]))
        with CaptureQueriesContext(connection) as many:
            timeline_add_many(tenant=tenant, entries=_entries(contacts))
    assert len(many) == len(few)


def test_another_tenants_contact_writes_nothing(tenant, other_tenant) -> None:
    with tenant_context(other_tenant):
        foreign = make_contact(other_tenant, last_name="他社")
    with tenant_context(tenant):
        mine = make_contact(tenant, last_name="自社")
        with pytest.raises(ValueError):
            timeline_add_many(tenant=tenant, entries=_entries([mine.pk, foreign.pk]))
        assert Interaction.objects.count() == 0
        with pytest.raises(ValueError):
            timeline_add_many(tenant=tenant, entries=[*_entries([mine.pk]), *_entries([None])])
        assert Interaction.objects.count() == 0
        assert Company.objects.count() == 0
