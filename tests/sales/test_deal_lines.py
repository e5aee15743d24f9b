"""Deal line items (products on a deal): set in the browser and the API, the deal's amount
follows, bad lines are refused with what to fix and nothing changes, a won deal's lines are
fixed, and the won deal's order is made from them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.core.context import tenant_context
from sales.catalog import services
from sales.deals.services import deal_move_stage
from sales.models import DealLine, Order
from tests.factories import make_contact

from .catalog_helpers import make_product
from .helpers import default_pipeline, make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tenant, member):
    with tenant_context(tenant):
        _pipeline, stages = default_pipeline(tenant)
        contact = make_contact(tenant, last_name="佐藤")
        deal = make_deal(tenant, amount=1, contacts=[contact.pk], owner=member.pk)
        a = make_product(tenant, "P-100", unit_price=Decimal("100000"))
        b = make_product(tenant, "P-200", unit_price=Decimal("2500"), tax_rate="8")
    return {"deal": deal, "a": a, "b": b, "stages": stages, "contact": contact}


def _lines(tenant, deal):
    with tenant_context(tenant):
        return list(
            DealLine.objects.filter(deal=deal)
            .order_by("position")
            .values_list("product__code", "quantity", "unit_price", "discount", "tax_rate")
        )


def test_lines_replace_and_the_amount_follows(tenant, setup) -> None:
    deal, a, b = setup["deal"], setup["a"], setup["b"]
    with tenant_context(tenant):
        services.deal_lines_set(
            tenant=tenant,
            deal=deal,
            lines=[
                {"product": a.pk, "quantity": "2"},
                {"product": b.pk, "quantity": "4", "unit_price": "2000", "discount": "500"},
            ],
        )
        deal.refresh_from_db()
    assert deal.amount == Decimal("207500")  # 200,000 + 8,000 - 500, before tax
    assert _lines(tenant, deal) == [
        ("P-100", Decimal("2.00"), Decimal("100000.00"), Decimal("0.00"), "10"),
        ("P-200", Decimal("4.00"), Decimal("2000.00"), Decimal("500.00"), "8"),
    ]
    with tenant_context(tenant):
        services.deal_lines_set(tenant=tenant, deal=deal, lines=[])
        deal.refresh_from_db()
    assert _lines(tenant, deal) == [] and deal.amount == Decimal("207500")  # kept


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"quantity": "-1"}, "quantity must be above zero"),
        ({"quantity": "1", "discount": "999999"}, "discount is larger"),
        ({"quantity": "abc"}, "must be numbers"),
    ],
)
def test_bad_lines_are_refused_and_nothing_changes(tenant, setup, line, message) -> None:
    deal, a = setup["deal"], setup["a"]
    with tenant_context(tenant):
        services.deal_lines_set(tenant=tenant, deal=deal, lines=[{"product": a.pk, "quantity": 1}])
        deal.refresh_from_db()
        before = (_lines(tenant, deal), deal.amount)
        with pytest.raises(ValidationError) as exc:
            services.deal_lines_set(
                tenant=tenant,
                deal=deal,
                lines=[{"product": a.pk, "quantity": "1"}, {"product": a.pk, **line}],
            )
        deal.refresh_from_db()
    assert message in " ".join(exc.value.messages) and "Line 2" in " ".join(exc.value.messages)
    assert (_lines(tenant, deal), deal.amount) == before


def test_a_deleted_product_and_a_won_deal_are_refused(tenant, setup) -> None:
    deal, a, b, stages = setup["deal"], setup["a"], setup["b"], setup["stages"]
    with tenant_context(tenant):
        services.product_soft_delete(tenant=tenant, product=b)
        with pytest.raises(ValidationError, match="was deleted"):
            services.deal_lines_set(
                tenant=tenant, deal=deal, lines=[{"product": b.pk, "quantity": 1}]
            )
        services.deal_lines_set(tenant=tenant, deal=deal, lines=[{"product": a.pk, "quantity": 3}])
        deal_move_stage(tenant=tenant, deal=deal, stage=stages["Won"])
        order = Order.objects.get(deal=deal)
        assert order.subtotal == Decimal("300000") and order.contact_id == setup["contact"].pk
        with pytest.raises(ValidationError, match="is won"):
            services.deal_lines_set(tenant=tenant, deal=deal, lines=[])
    assert len(_lines(tenant, deal)) == 1


def test_the_page_edits_lines_by_product_code(member_client, tenant, setup) -> None:
    deal = setup["deal"]
    url = reverse("sales:deal_lines", kwargs={"deal_id": deal.pk})
    detail = member_client.get(reverse("sales:deal_detail", kwargs={"deal_id": deal.pk}))
    assert 'data-testid="lines-empty"' in detail.content.decode()
    assert url in detail.content.decode()
    response = member_client.post(
        url,
        {
            "line_product": ["P-100", "P-404"],
            "line_quantity": ["1", "2"],
            "line_unit_price": ["", ""],
            "line_discount": ["", ""],
        },
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "P-404" in page and 'value="P-100"' in page  # what was typed stays
    assert _lines(tenant, deal) == []
    response = member_client.post(
        url,
        {
            "line_product": ["P-100", "P-200"],
            "line_quantity": ["1", "2"],
            "line_unit_price": ["", "3000"],
            "line_discount": ["", ""],
        },
    )
    assert response.status_code == 302
    assert [row[0] for row in _lines(tenant, deal)] == ["P-100", "P-200"]
    again = member_client.get(url).content.decode()
    assert 'value="P-200"' in again and 'value="3000"' in again
    detail = member_client.get(reverse("sales:deal_detail", kwargs={"deal_id": deal.pk}))
    assert 'data-testid="deal-lines"' in detail.content.decode()
    assert "106,000" in detail.content.decode()  # the amount: 100,000 + 2 x 3,000


def test_the_api_reads_and_replaces_lines(api_client, tenant, setup) -> None:
    deal, a = setup["deal"], setup["a"]
    url = reverse("deal-lines", kwargs={"pk": deal.pk})
    assert api_client.get(url).json() == []
    response = api_client.put(url, [{"product": a.pk, "quantity": "2"}], format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body[0]["product_code"] == "P-100" and body[0]["unit_price"] == "100000.00"
    bad = api_client.put(url, [{"product": a.pk, "quantity": "0"}], format="json")
    assert bad.status_code == 400 and "above zero" in str(bad.json())
    assert len(api_client.get(url).json()) == 1
    deal_url = reverse("deal-detail", kwargs={"pk": deal.pk})
    assert api_client.get(deal_url).json()["amount"] == "200000.00"


def test_another_tenants_deal_is_not_found(outsider_client, other_api_client, setup) -> None:
    deal = setup["deal"]
    page = outsider_client.get(reverse("sales:deal_lines", kwargs={"deal_id": deal.pk}))
    assert page.status_code == 404
    api = other_api_client.put(reverse("deal-lines", kwargs={"pk": deal.pk}), [], format="json")
    assert api.status_code == 404
