"""Product, order and import pages: forms call the services, lists keep a constant number of
queries, the contact page shows the purchases panel, the import job runs on the real worker."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.core.context import tenant_context
from sales.models import Order, OrderImportJob, Product
from tests.factories import make_contact
from tests.sales.catalog_helpers import make_product, stock_in


@pytest.mark.django_db
def test_product_form_creates_and_the_stock_form_records(member_client, tenant) -> None:
    response = member_client.post(
        reverse("sales:product_create"),
        {"code": "TEA-1", "name": "緑茶", "unit_price": "540", "tax_rate": "8", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(tenant):
        product = Product.objects.get(code="TEA-1")
    url = reverse("sales:product_stock", kwargs={"product_id": product.pk})
    assert (
        member_client.post(url, {"kind": "in", "quantity": "4", "reason": "入荷"}).status_code
        == 302
    )
    refused = member_client.post(url, {"kind": "out", "quantity": "9", "reason": ""})
    assert refused.status_code == 400 and "below zero" in refused.content.decode()
    page = member_client.get(reverse("sales:product_detail", kwargs={"product_id": product.pk}))
    assert 'data-testid="stock-on-hand">4<' in page.content.decode()
    again = member_client.post(
        reverse("sales:product_create"),
        {"code": "TEA-1", "name": "x", "unit_price": "1", "tax_rate": "10"},
    )
    assert again.status_code == 200 and "already has this code" in again.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 30])
def test_list_pages_run_a_constant_number_of_queries(
    member_client, tenant, count, django_assert_max_num_queries
) -> None:
    contact = make_contact(tenant)
    with tenant_context(tenant):
        for i in range(count):
            product = make_product(tenant, f"P{i}")
            from sales.catalog.services import order_create

            order_create(
                tenant=tenant, contact=contact, lines=[{"product": product.pk, "quantity": 1}]
            )
    member_client.get(reverse("sales:product_list"))  # warm the session
    with django_assert_max_num_queries(12):
        assert member_client.get(reverse("sales:product_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert member_client.get(reverse("sales:order_list")).status_code == 200


@pytest.mark.django_db
def test_an_order_entered_by_hand_shows_on_the_contacts_purchases_panel(
    member_client, tenant
) -> None:
    contact = make_contact(tenant, customer_code="C001")
    with tenant_context(tenant):
        product = make_product(tenant, "CUP", unit_price=Decimal("1200"))
        stock_in(tenant, product, 10)
    form_url = reverse("sales:order_create") + f"?contact={contact.pk}"
    assert member_client.get(form_url).status_code == 200
    response = member_client.post(
        form_url,
        {
            "contact": contact.pk,
            "order_date": "2024-04-01",
            "channel": "store",
            "status": "confirmed",
            "line_product": ["CUP", ""],
            "line_quantity": ["2", "1"],
            "line_unit_price": ["", ""],
            "line_discount": ["", ""],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with tenant_context(tenant):
        order = Order.objects.get()
        assert (order.total, order.status) == (Decimal("2640.00"), "confirmed")
        assert Product.objects.get(pk=product.pk).stock_on_hand == 8
    page = member_client.get(
        reverse("contacts:detail", kwargs={"contact_id": contact.pk})
    ).content.decode()
    assert 'data-testid="purchases-count">1<' in page
    assert "¥2,640" in page and order.order_number in page
    bad = member_client.post(
        form_url,
        {
            "contact": contact.pk,
            "order_date": "2024-04-01",
            "channel": "store",
            "status": "draft",
            "line_product": ["NOPE"],
            "line_quantity": ["1"],
            "line_unit_price": [""],
            "line_discount": [""],
        },
    )
    assert bad.status_code == 400 and "NOPE" in bad.content.decode()
    assert 'value="NOPE"' in bad.content.decode()  # what was typed stays


@pytest.mark.django_db
def test_product_search_returns_options(member_client, tenant) -> None:
    with tenant_context(tenant):
        make_product(tenant, "TEA-1", name="緑茶")
    html = member_client.get(reverse("sales:product_search") + "?q=tea").content.decode()
    assert '<option value="TEA-1">緑茶' in html


@pytest.mark.django_db(transaction=True)
def test_the_order_import_runs_as_a_job_on_the_worker(member_client, tenant, celery_worker) -> None:
    make_contact(tenant, customer_code="C001")
    with tenant_context(tenant):
        make_product(tenant, "TEA")
    body = (
        "注文番号,注文日,顧客コード,商品コード,数量\n"
        "B-1,2024/4/1,C001,TEA,2\nB-2,2024/4/1,C404,TEA,1\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("受注.csv", body.encode("cp932"), content_type="text/csv")
    response = member_client.post(reverse("sales:order_import"), {"file": upload})
    assert response.status_code == 302
    with tenant_context(tenant):
        job = OrderImportJob.objects.get()
    assert job.mapping == [
        "order_number",
        "order_date",
        "customer_code",
        "product_code",
        "quantity",
    ]
    mapping_url = reverse("sales:order_import_mapping", kwargs={"job_id": job.pk})
    response = member_client.post(mapping_url, {f"col_{i}": t for i, t in enumerate(job.mapping)})
    assert response.status_code == 302
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            job.refresh_from_db()
        if job.status in ("done", "failed"):
            break
        time.sleep(0.3)
    assert job.status == "done", job.error_message
    assert {k: job.result[k] for k in ("rows", "orders", "lines", "rejected")} == {
        "rows": 2,
        "orders": 1,
        "lines": 1,
        "rejected": 1,
    }
    html = member_client.get(
        reverse("sales:order_import_status", kwargs={"job_id": job.pk})
    ).content.decode()
    assert "unknown customer" in html and 'data-testid="order-import-counts"' in html


@pytest.mark.django_db
def test_a_mapping_without_the_needed_columns_is_refused(member_client, tenant) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("x.csv", "名前,住所\n佐藤,東京\n".encode(), content_type="text/csv")
    member_client.post(reverse("sales:order_import"), {"file": upload})
    with tenant_context(tenant):
        job = OrderImportJob.objects.get()
    response = member_client.post(
        reverse("sales:order_import_mapping", kwargs={"job_id": job.pk}), {}
    )
    assert response.status_code == 400 and "Choose a column" in response.content.decode()
