"""Deal links follow a contact merge (no second link to the same deal) and a purge."""

from __future__ import annotations

import datetime as dt

import pytest

from contacts.dedupe.services import contact_merge
from contacts.services import (
    company_create,
    company_soft_delete,
    contact_soft_delete,
    purge_deleted,
)
from crm.core.context import tenant_context
from sales.models import Deal, DealContact, Pipeline, Stage
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def make_deal(tenant, name, **extra):
    pipeline, _ = Pipeline.objects.get_or_create(tenant=tenant, name="P")
    stage, _ = Stage.objects.get_or_create(tenant=tenant, pipeline=pipeline, name="提案")
    return Deal.objects.create(tenant=tenant, name=name, pipeline=pipeline, stage=stage, **extra)


def test_merge_moves_deal_links_and_keeps_one_per_deal(tenant) -> None:
    survivor = make_contact(tenant, last_name="佐藤")
    other = make_contact(tenant, last_name="佐藤")
    with tenant_context(tenant):
        shared, own = make_deal(tenant, "共通"), make_deal(tenant, "別件")
        for deal, contact in ((shared, survivor), (shared, other), (own, other)):
            DealContact.objects.create(tenant=tenant, deal=deal, contact=contact)
        contact_merge(tenant=tenant, actor=None, survivor=survivor, other=other)
        links = sorted(DealContact.objects.values_list("deal__name", "contact_id"))
    assert links == sorted([("共通", survivor.pk), ("別件", survivor.pk)])


def test_purge_drops_links_of_purged_contacts_and_keeps_deals_of_purged_companies(tenant) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="青空商事")
        deal = make_deal(tenant, "商談", company=company)
        DealContact.objects.create(tenant=tenant, deal=deal, contact=contact)
        contact_soft_delete(tenant=tenant, contact=contact)
        company_soft_delete(tenant=tenant, company=company)
        # (a zero timedelta would mean the default 30 days)
        purged = purge_deleted(tenant=tenant, older_than=dt.timedelta(seconds=-1))
        assert purged == {"contacts": 1, "companies": 1}
        deal.refresh_from_db()
        assert deal.company_id is None
        assert not DealContact.objects.exists()


def _order(tenant, **customer):
    from sales.catalog.models import Product
    from sales.catalog.services import order_create

    product, _ = Product.objects.get_or_create(
        tenant=tenant, code="P-1", defaults={"name": "商品", "unit_price": 1000}
    )
    return order_create(
        tenant=tenant, lines=[{"product": product, "quantity": 1, "unit_price": 1000}], **customer
    )


def test_merge_moves_orders_to_the_survivor(tenant) -> None:
    survivor, other = make_contact(tenant), make_contact(tenant)
    with tenant_context(tenant):
        order = _order(tenant, contact=other)
        contact_merge(tenant=tenant, actor=None, survivor=survivor, other=other)
        order.refresh_from_db()
    assert order.contact_id == survivor.pk


def test_purge_keeps_orders_without_the_purged_customer(tenant) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="青空商事")
        order = _order(tenant, contact=contact, company=company)
        contact_soft_delete(tenant=tenant, contact=contact)
        company_soft_delete(tenant=tenant, company=company)
        purge_deleted(tenant=tenant, older_than=dt.timedelta(seconds=-1))
        order.refresh_from_db()
    assert (order.contact_id, order.company_id) == (None, None)


def _activity(tenant, owner, **extra):
    from django.utils import timezone

    from sales.activities.models import Activity

    return Activity.objects.create(
        tenant=tenant, kind="visit", subject="訪問", starts_at=timezone.now(), owner=owner, **extra
    )


def test_activities_follow_a_merge_and_outlive_a_purge(tenant, member) -> None:
    from sales.activities.models import Activity, ActivityAttendee

    survivor = make_contact(tenant, last_name="佐藤")
    other = make_contact(tenant, last_name="佐藤")
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="青空商事")
        visit = _activity(tenant, member, contact=other, company=company)
        both = _activity(tenant, member)
        for activity, contact in ((visit, other), (both, survivor), (both, other)):
            ActivityAttendee.objects.create(tenant=tenant, activity=activity, contact=contact)
        contact_merge(tenant=tenant, actor=None, survivor=survivor, other=other)
        visit.refresh_from_db()
        assert visit.contact_id == survivor.pk
        assert sorted(ActivityAttendee.objects.values_list("activity_id", "contact_id")) == sorted(
            [(visit.pk, survivor.pk), (both.pk, survivor.pk)]
        )
        contact_soft_delete(tenant=tenant, contact=survivor)
        company_soft_delete(tenant=tenant, company=company)
        purge_deleted(tenant=tenant, older_than=dt.timedelta(seconds=-1))
        visit.refresh_from_db()
        assert (visit.contact_id, visit.company_id) == (None, None)
        assert Activity.objects.count() == 2 and not ActivityAttendee.objects.exists()
