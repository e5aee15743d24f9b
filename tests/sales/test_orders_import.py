"""import_orders: the JSON last line, re-import adds nothing, unknown customers rejected
(or created with --create-customers), CP932 files, bad rows leave their order out whole."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contacts.models import Contact, Interaction
from crm.core.context import tenant_context
from sales.models import Order, OrderLine, Product
from tests.factories import make_contact
from tests.sales.catalog_helpers import make_product

pytestmark = pytest.mark.django_db

HEADER = (
    "受注番号,受注日,顧客コード,メールアドレス,商品コード,数量,単価,値引,税率,チャネル,ステータス\n"
)


def run(tenant, path: Path, *extra: str) -> tuple[dict, str]:
    out = StringIO()
    call_command("import_orders", "--tenant", tenant.slug, str(path), *extra, stdout=out)
    text = out.getvalue()
    last = text.strip().splitlines()[-1]
    return json.loads(last), text


@pytest.fixture
def catalogue(tenant):
    with tenant_context(tenant):
        make_product(tenant, "TEA", unit_price=Decimal("540"), tax_rate="8")
        make_product(tenant, "CUP", unit_price=Decimal("1200"), tax_rate="10")
    make_contact(tenant, last_name="佐藤", customer_code="C001")
    make_contact(tenant, last_name="鈴木", email="Suzuki@Example.JP")


def write(tmp_path: Path, body: str, encoding: str = "utf-8", name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path


def test_it_imports_orders_with_lines_and_prints_json_counts(tenant, catalogue, tmp_path) -> None:
    path = write(
        tmp_path,
        "A-1,2024/4/1,C001,,TEA,2,,,,店舗,納品済\n"
        "A-1,2024/4/1,C001,,CUP,1,1200,200,10%,店舗,納品済\n"
        "A-2,令和6年5月2日,,suzuki@example.jp,TEA,1,,,,オンライン,\n",
    )
    counts, _ = run(tenant, path)
    assert counts == {
        "rows": 3,
        "orders": 2,
        "lines": 3,
        "created_customers": 0,
        "rejected": 0,
        "warnings": 0,
    }
    assert all(isinstance(v, int) for v in counts.values())
    with tenant_context(tenant):
        first = Order.objects.get(order_number="A-1")
        second = Order.objects.get(order_number="A-2")
        assert first.contact.customer_code == "C001" and first.channel == "store"
        assert str(second.order_date) == "2024-05-02" and second.contact.last_name == "鈴木"
        # 8%: 1080 -> 86.4 -> 86; 10%: 1000 -> 100
        assert (first.subtotal, first.tax_total, first.total) == (
            Decimal("2080.00"),
            Decimal("186"),
            Decimal("2266.00"),
        )
        assert Interaction.objects.filter(kind="purchase", ref_type="order").count() == 2
        # history does not move stock
        assert set(Product.objects.values_list("stock_on_hand", flat=True)) == {Decimal(0)}


def test_importing_the_same_rows_twice_adds_nothing(tenant, catalogue, tmp_path) -> None:
    path = write(tmp_path, "A-1,2024/4/1,C001,,TEA,2,,,,,\nA-2,2024/4/2,C001,,CUP,1,,,,,\n")
    run(tenant, path)
    counts, text = run(tenant, path)
    assert (counts["orders"], counts["lines"], counts["warnings"]) == (0, 0, 2)
    assert "already imported" in text
    with tenant_context(tenant):
        assert Order.objects.count() == 2 and OrderLine.objects.count() == 2


def test_an_unknown_customer_is_rejected_with_a_reason_and_nothing_else_changes(
    tenant, catalogue, tmp_path
) -> None:
    path = write(tmp_path, "A-1,2024/4/1,C999,,TEA,1,,,,,\nA-2,2024/4/1,C001,,TEA,1,,,,,\n")
    counts, text = run(tenant, path)
    assert (counts["orders"], counts["rejected"]) == (1, 1)
    assert "row 2: A-1 unknown customer" in text
    with tenant_context(tenant):
        assert list(Order.objects.values_list("order_number", flat=True)) == ["A-2"]
        assert Contact.objects.count() == 2


def test_create_customers_makes_contacts_for_unknown_codes_and_emails(
    tenant, catalogue, tmp_path
) -> None:
    path = write(
        tmp_path,
        "A-1,2024/4/1,C999,new@example.jp,TEA,1,,,,,\nA-2,2024/4/1,C999,,CUP,1,,,,,\n"
        "A-3,2024/4/1,,other@example.jp,CUP,1,,,,,\n",
    )
    counts, _ = run(tenant, path, "--create-customers")
    assert (counts["orders"], counts["created_customers"], counts["rejected"]) == (3, 2, 0)
    with tenant_context(tenant):
        created = Contact.objects.get(customer_code="C999")
        assert Order.objects.filter(contact=created).count() == 2


def test_bad_rows_reject_their_whole_order(tenant, catalogue, tmp_path) -> None:
    with tenant_context(tenant):
        gone = make_product(tenant, "GONE")
        from sales.catalog.services import product_soft_delete

        product_soft_delete(tenant=tenant, product=gone)
    path = write(
        tmp_path,
        "A-1,2024/4/1,C001,,TEA,-1,,,,,\n"  # negative quantity
        "A-1,2024/4/1,C001,,CUP,1,,,,,\n"  # same order: left out too
        "A-2,2024/4/1,C001,,GONE,1,,,,,\n"  # deleted product
        "A-3,2024/4/1,C001,,TEA,1,100,500,,,\n"  # discount over the line
        "A-4,2024/4/1,C001,,TEA,1,,,,,\n",
    )
    counts, text = run(tenant, path)
    assert (counts["rows"], counts["orders"], counts["rejected"]) == (5, 1, 4)
    assert "above zero" in text and "another row of the same order" in text
    assert "no product has this product code" in text and "discount is larger" in text
    with tenant_context(tenant):
        assert list(Order.objects.values_list("order_number", flat=True)) == ["A-4"]


def test_a_cp932_file_is_read(tenant, catalogue, tmp_path) -> None:
    path = write(tmp_path, "受注-1,2024年4月1日,C001,,TEA,3,,,８,営業,確定\n", encoding="cp932")
    counts, _ = run(tenant, path)
    assert (counts["orders"], counts["lines"]) == (1, 1)
    with tenant_context(tenant):
        order = Order.objects.get()
        assert (order.order_number, order.status, order.channel) == ("受注-1", "confirmed", "sales")


def test_a_file_without_the_needed_columns_is_refused(tenant, catalogue, tmp_path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("名前,住所\n佐藤,東京\n", encoding="utf-8")
    with pytest.raises(CommandError, match="order number"):
        run(tenant, path)
    with tenant_context(tenant):
        assert Order.objects.count() == 0
