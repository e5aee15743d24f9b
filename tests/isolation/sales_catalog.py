from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sales.catalog import services
    from sales.catalog.import_jobs import import_job_create
    from tests.factories import make_contact

    ns.supplier = services.supplier_create(tenant=tenant, name=f"{MARKER} 仕入先")
    ns.product = services.product_create(
        tenant=tenant,
        code=f"{MARKER}-P",
        name=f"{MARKER} 商品",
        unit_price=Decimal(100),
        supplier=ns.supplier,
    )
    services.stock_move(tenant=tenant, product=ns.product, kind="in", quantity=5, reason=MARKER)
    buyer = make_contact(
        tenant, last_name=MARKER, email=f"{MARKER.lower()}-buyer@alpha.example.com"
    )
    ns.order = services.order_create(
        tenant=tenant,
        contact=buyer,
        notes=MARKER,
        lines=[{"product": ns.product.pk, "quantity": 1}],
    )
    upload = SimpleUploadedFile(
        f"{MARKER}.csv",
        f"受注番号,商品コード,数量,メールアドレス\n{MARKER}-1,{MARKER}-P,1,a@b.jp\n".encode(),
    )
    ns.order_import = import_job_create(
        tenant=tenant, actor=None, upload=upload, create_customers=False
    )


ROUTES = {
    "sales:product_detail": lambda ns: {"product_id": ns.product.pk},
    "sales:product_edit": lambda ns: {"product_id": ns.product.pk},
    "sales:product_stock": lambda ns: {"product_id": ns.product.pk},
    "sales:product_delete": lambda ns: {"product_id": ns.product.pk},
    "sales:supplier_edit": lambda ns: {"supplier_id": ns.supplier.pk},
    "sales:supplier_delete": lambda ns: {"supplier_id": ns.supplier.pk},
    "sales:order_detail": lambda ns: {"order_id": ns.order.pk},
    "sales:order_status": lambda ns: {"order_id": ns.order.pk},
    "sales:order_import_mapping": lambda ns: {"job_id": ns.order_import.pk},
    "sales:order_import_status": lambda ns: {"job_id": ns.order_import.pk},
    "supplier-detail": lambda ns: {"pk": ns.supplier.pk},
    "product-detail": lambda ns: {"pk": ns.product.pk},
    "order-detail": lambda ns: {"pk": ns.order.pk},
    "order-set-status": lambda ns: {"pk": ns.order.pk},
}
