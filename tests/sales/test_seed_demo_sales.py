"""seed_demo's sales part: --deals N and --orders N, set-based, deterministic, repeatable
(each run adds N more, like --contacts), with the board's totals and the tenant's order
numbers right afterwards."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from crm.core.context import tenant_context
from crm.core.models import Membership
from sales.catalog.demo import seed_bulk_orders
from sales.catalog.models import Order, OrderLine, OrderNumberCounter, Product
from sales.catalog.services import order_create, order_totals
from sales.deals.demo import seed_bulk_deals
from sales.deals.models import Deal, DealContact, DealStageChange, StageKind
from tests.factories import make_contact, make_tenant

from .test_board_totals import assert_kept_totals_exact

pytestmark = pytest.mark.django_db


def test_it_seeds_deals_over_stages_owners_and_contacts(tenant: Any, member_client: Any) -> None:
    call_command("seed_demo", tenant=tenant.slug, contacts=60, deals=400)
    with tenant_context(tenant):
        deals = list(Deal.objects.select_related("stage"))
        assert len(deals) == 400
        kinds = Counter(d.stage.kind for d in deals)
        assert 280 < kinds[StageKind.OPEN] < 360 and kinds[StageKind.WON] and kinds[StageKind.LOST]
        assert len({d.stage_id for d in deals if d.stage.kind == StageKind.OPEN}) == 4
        members = set(Membership.objects.filter(is_active=True).values_list("user_id", flat=True))
        assert {d.owner_id for d in deals} == members
        for deal in deals:
            assert (deal.closed_at is None) == (deal.stage.kind == StageKind.OPEN)
            assert bool(deal.lost_reason) == (deal.stage.kind == StageKind.LOST)
            assert deal.amount >= Decimal(300_000) and deal.currency == "JPY"
            assert deal.probability is None or 0 < deal.probability < 100
            assert deal.created_at <= deal.stage_entered_at <= timezone.now()
        assert len({d.name for d in deals}) == 400
        links = list(DealContact.objects.select_related("deal", "contact"))
        assert 0.75 < len(links) / 400 < 0.95
        assert all(link.deal.company_id == link.contact.company_id for link in links)
        assert DealStageChange.objects.filter(from_stage=None).count() == 400
    assert_kept_totals_exact(tenant)
    response = member_client.get(reverse("sales:deal_board"))
    assert response.status_code == 200


def test_it_seeds_orders_with_lines_totals_and_the_tenants_numbers(tenant: Any) -> None:
    call_command("seed_demo", tenant=tenant.slug, contacts=80, orders=300)
    with tenant_context(tenant):
        orders = list(Order.objects.order_by("id"))
        assert len(orders) == 300
        assert [o.order_number for o in orders] == [f"SO-{n:06d}" for n in range(1, 301)]
        lines: dict[int, list[OrderLine]] = {}
        for line in OrderLine.objects.order_by("order_id", "position"):
            lines.setdefault(line.order_id, []).append(line)
        assert Product.objects.count() == 20
        today = timezone.localdate()
        for order in orders:
            mine = lines[order.pk]
            assert 1 <= len(mine) <= 3
            assert [ln.position for ln in mine] == list(range(len(mine)))
            for ln in mine:
                assert ln.amount == ln.quantity * ln.unit_price - ln.discount
            expected = order_totals((ln.amount, ln.tax_rate) for ln in mine)
            assert (order.subtotal, order.tax_total, order.total) == (
                expected["subtotal"],
                expected["tax_total"],
                expected["total"],
            )
            assert order.tax_breakdown == expected["tax_breakdown"]
            assert order.contact_id or order.company_id
            if order.contact_id:
                assert order.company_id == order.contact.company_id
            assert today - dt.timedelta(days=1095) <= order.order_date <= today
            assert not order.stock_applied
        assert len({o.order_date.year for o in orders}) >= 3
        assert len({o.status for o in orders}) >= 2
        assert OrderNumberCounter.objects.get().last_number == 300
        manual = order_create(
            tenant=tenant,
            contact=orders[0].contact or make_contact(tenant),
            lines=[{"product": Product.objects.first(), "quantity": 1}],
        )
        assert manual.order_number == "SO-000301"


def test_a_second_run_adds_more_with_new_numbers(tenant: Any) -> None:
    call_command("seed_demo", tenant=tenant.slug, contacts=40, deals=50, orders=30)
    call_command("seed_demo", tenant=tenant.slug, contacts=0, deals=50, orders=30)
    with tenant_context(tenant):
        assert Deal.objects.count() == 100
        assert Deal.objects.values("name").distinct().count() == 100
        numbers = list(Order.objects.values_list("order_number", flat=True))
        assert len(numbers) == len(set(numbers)) == 60
        assert OrderNumberCounter.objects.get().last_number == 60
        assert Product.objects.count() == 20  # the demo catalogue once
    assert_kept_totals_exact(tenant)


def test_numbers_already_taken_by_an_imported_order_are_skipped(tenant: Any) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        product = Product.objects.create(tenant=tenant, code="X-1", name="品", unit_price=100)
        order_create(
            tenant=tenant,
            contact=contact,
            order_number="SO-000002",
            lines=[{"product": product, "quantity": 1}],
        )
        assert seed_bulk_orders(tenant=tenant, count=5) == 5
        numbers = sorted(Order.objects.values_list("order_number", flat=True))
        assert numbers == [f"SO-{n:06d}" for n in range(1, 7)]
        assert OrderNumberCounter.objects.get().last_number == 6
        after = order_create(
            tenant=tenant, contact=contact, lines=[{"product": product, "quantity": 1}]
        )
        assert after.order_number == "SO-000007"


def test_it_is_deterministic_per_tenant(tenant: Any, other_tenant: Any) -> None:
    call_command("seed_demo", tenant=tenant.slug, contacts=30, deals=0)
    now = timezone.now()

    def snapshot() -> list[tuple[Any, ...]]:
        return list(
            Deal.objects.order_by("id").values_list(
                "name", "stage__name", "amount", "probability", "tags", "stage_entered_at"
            )
        )

    with tenant_context(tenant):
        seed_bulk_deals(tenant=tenant, count=60, now=now)
        first = snapshot()
        Deal.objects.all().delete()
        seed_bulk_deals(tenant=tenant, count=60, now=now)
        assert snapshot() == first
    call_command("seed_demo", tenant=other_tenant.slug, contacts=30, deals=0)
    with tenant_context(other_tenant):
        seed_bulk_deals(tenant=other_tenant, count=60, now=now)
        assert snapshot() != first


def test_orders_without_customers_are_refused(tenant: Any) -> None:
    empty = make_tenant("顧客なし")
    with tenant_context(empty), pytest.raises(ValueError, match="seed contacts first"):
        seed_bulk_orders(tenant=empty, count=10)
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("seed_demo", tenant=tenant.slug, deals=-1)
    with tenant_context(empty):
        assert not Order.objects.exists()
