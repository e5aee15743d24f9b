"""Product, supplier, stock and order pages. Thin: parse, check access, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.http import TenantRequest
from crm.core.normalize import email_match_key
from crm.core.permissions import require_perm

from . import importers, selectors, services
from .forms import (
    ImportUploadForm,
    OrderHeaderForm,
    ProductForm,
    SalesSettingsForm,
    StockMoveForm,
    SupplierForm,
)
from .models import OrderChannel, OrderImportJob, OrderStatus


def _errors_to_form(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- suppliers -------------------------------------------------------------------------------
@require_perm("sales.view")
def supplier_list(request: TenantRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    page = selectors.keyset(
        selectors.supplier_list(tenant=request.tenant, q=q), after=request.GET.get("after")
    )
    return render(request, "sales/supplier_list.html", {"page": page, "q": q})


@require_perm("sales.edit")
def supplier_create(request: TenantRequest) -> HttpResponse:
    return _supplier_form(request, None)


@require_perm("sales.edit")
def supplier_edit(request: TenantRequest, supplier_id: int) -> HttpResponse:
    return _supplier_form(
        request, selectors.access_supplier(tenant=request.tenant, supplier_id=supplier_id)
    )


def _supplier_form(request: TenantRequest, supplier: Any) -> HttpResponse:
    form = SupplierForm(request.POST or None, instance=supplier)
    if request.method == "POST" and form.is_valid():
        try:
            if supplier is None:
                services.supplier_create(
                    tenant=request.tenant, actor=request.user, **form.cleaned_data
                )
            else:
                services.supplier_update(
                    tenant=request.tenant,
                    supplier=supplier,
                    actor=request.user,
                    **form.cleaned_data,
                )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Supplier saved."))
            return redirect("sales:supplier_list")
    return render(
        request,
        "sales/form.html",
        {"form": form, "title": _("Supplier"), "cancel": "sales:supplier_list"},
    )


@require_perm("sales.edit")
@require_POST
def supplier_delete(request: TenantRequest, supplier_id: int) -> HttpResponse:
    supplier = selectors.access_supplier(tenant=request.tenant, supplier_id=supplier_id)
    services.supplier_soft_delete(tenant=request.tenant, supplier=supplier, actor=request.user)
    messages.success(request, _("Supplier deleted."))
    return redirect("sales:supplier_list")


# --- products --------------------------------------------------------------------------------
@require_perm("sales.view")
def product_list(request: TenantRequest, low_stock: bool = False) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    category = request.GET.get("category", "").strip()
    qs = selectors.product_list(tenant=request.tenant, q=q, category=category, low_stock=low_stock)
    page = selectors.keyset(qs, after=request.GET.get("after"))
    return render(
        request,
        "sales/product_list.html",
        {
            "page": page,
            "q": q,
            "category": category,
            "categories": selectors.product_categories(tenant=request.tenant),
            "low_stock": low_stock,
        },
    )


@require_perm("sales.view")
def product_low_stock(request: TenantRequest) -> HttpResponse:
    return product_list.__wrapped__(request, low_stock=True)  # type: ignore[attr-defined]


@require_perm("sales.view")
def product_search(request: TenantRequest) -> HttpResponse:
    """The order form's product picker: <option>s for a datalist, as you type (the line's
    own input sends its value as line_product)."""
    q = (request.GET.get("q") or request.GET.get("line_product") or "").strip()
    products = (
        list(selectors.product_list(tenant=request.tenant, q=q).order_by("code")[:20]) if q else []
    )
    return render(request, "sales/partials/product_options.html", {"products": products})


@require_perm("sales.edit")
def product_create(request: TenantRequest) -> HttpResponse:
    return _product_form(request, None)


@require_perm("sales.edit")
def product_edit(request: TenantRequest, product_id: int) -> HttpResponse:
    return _product_form(
        request, selectors.access_product(tenant=request.tenant, product_id=product_id)
    )


def _product_form(request: TenantRequest, product: Any) -> HttpResponse:
    form = ProductForm(request.POST or None, instance=product, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            if product is None:
                product = services.product_create(
                    tenant=request.tenant, actor=request.user, **form.cleaned_data
                )
            else:
                services.product_update(
                    tenant=request.tenant, product=product, actor=request.user, **form.cleaned_data
                )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Product saved."))
            return redirect("sales:product_detail", product.pk)
    return render(
        request,
        "sales/form.html",
        {"form": form, "title": _("Product"), "cancel": "sales:product_list"},
    )


@require_perm("sales.view")
def product_detail(request: TenantRequest, product_id: int) -> HttpResponse:
    product = selectors.access_product(tenant=request.tenant, product_id=product_id)
    movements = selectors.keyset(
        selectors.stock_movements(tenant=request.tenant, product=product),
        after=request.GET.get("after"),
    )
    return render(
        request,
        "sales/product_detail.html",
        {"product": product, "movements": movements, "stock_form": StockMoveForm()},
    )


@require_perm("sales.edit")
@require_POST
def product_stock(request: TenantRequest, product_id: int) -> HttpResponse:
    product = selectors.access_product(tenant=request.tenant, product_id=product_id)
    form = StockMoveForm(request.POST)
    if form.is_valid():
        try:
            result = services.stock_move(
                tenant=request.tenant, product=product, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            for warning in result.warnings:
                messages.warning(request, warning)
            messages.success(request, _("Stock recorded."))
            return redirect("sales:product_detail", product.pk)
    movements = selectors.keyset(
        selectors.stock_movements(tenant=request.tenant, product=product), after=None
    )
    return render(
        request,
        "sales/product_detail.html",
        {"product": product, "movements": movements, "stock_form": form},
        status=400,
    )


@require_perm("sales.edit")
@require_POST
def product_delete(request: TenantRequest, product_id: int) -> HttpResponse:
    product = selectors.access_product(tenant=request.tenant, product_id=product_id)
    services.product_soft_delete(tenant=request.tenant, product=product, actor=request.user)
    messages.success(request, _("Product deleted."))
    return redirect("sales:product_list")


# --- orders ----------------------------------------------------------------------------------
@require_perm("sales.view")
def order_list(request: TenantRequest) -> HttpResponse:
    filters = selectors.order_filters(request.GET)
    page = selectors.keyset(
        selectors.order_list(tenant=request.tenant, filters=filters), after=request.GET.get("after")
    )
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "sales/order_list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": OrderStatus.choices,
            "channels": OrderChannel.choices,
            "querystring": query.urlencode(),
        },
    )


@require_perm("sales.view")
def order_detail(request: TenantRequest, order_id: int) -> HttpResponse:
    order = selectors.access_order(tenant=request.tenant, order_id=order_id)
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "lines": selectors.order_lines(tenant=request.tenant, order=order),
            "next_statuses": [
                (s, OrderStatus(s).label) for s in sorted(services.TRANSITIONS[order.status])
            ],
        },
    )


@require_perm("sales.edit")
@require_POST
def order_status(request: TenantRequest, order_id: int) -> HttpResponse:
    order = selectors.access_order(tenant=request.tenant, order_id=order_id)
    try:
        result = services.order_set_status(
            tenant=request.tenant,
            order=order,
            status=request.POST.get("status", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        for warning in result.warnings:
            messages.warning(request, warning)
        messages.success(request, _("Status changed."))
    return redirect("sales:order_detail", order.pk)


def _customer(request: TenantRequest, data: Any) -> tuple[Any, Any, str]:
    """The order's customer: a contact or company id from the page, or a customer code or
    e-mail typed in the form (read through contacts.selectors)."""
    from contacts import selectors as contact_selectors

    contact = company = None
    contact_id, company_id = data.get("contact", ""), data.get("company", "")
    if str(contact_id).isdigit():
        contact = (
            contact_selectors.contact_list(tenant=request.tenant, membership=request.membership)
            .filter(pk=contact_id)
            .first()
        )
    if str(company_id).isdigit():
        company = (
            contact_selectors.company_list(tenant=request.tenant, membership=request.membership)
            .filter(pk=company_id)
            .first()
        )
    typed = (data.get("customer") or "").strip()
    if contact is None and company is None and typed:
        key = email_match_key(typed)
        contact = (
            contact_selectors.contact_list(tenant=request.tenant, membership=request.membership)
            .filter(Q(customer_code=typed) | (Q(email_key=key) if key else Q(pk__in=[])))
            .first()
        )
    label = str(contact or company or "")
    return contact, company, label


EMPTY_LINE = {"product": "", "quantity": "1", "unit_price": "", "discount": ""}


def _posted_lines(request: TenantRequest) -> list[dict[str, str]]:
    """The line rows of an order or deal-lines form (product code, quantity, price,
    discount), leaving out rows left as the form offered them."""
    return [
        {"product": code, "quantity": q, "unit_price": p, "discount": d}
        for code, q, p, d in zip(
            request.POST.getlist("line_product"),
            request.POST.getlist("line_quantity"),
            request.POST.getlist("line_unit_price"),
            request.POST.getlist("line_discount"),
            strict=False,
        )
        if code.strip() or q.strip() not in ("", "1")
    ]


def _product_ids(
    request: TenantRequest, lines: list[dict[str, str]]
) -> tuple[dict[str, int], list[str]]:
    """Product ids by the codes typed, and the codes no product has."""
    products = {
        p.code: p.pk
        for p in selectors.product_list(tenant=request.tenant).filter(
            code__in=[ln["product"].strip() for ln in lines]
        )
    }
    unknown = [
        ln["product"]
        for ln in lines
        if ln["product"].strip() and ln["product"].strip() not in products
    ]
    return products, unknown


def _unknown_codes(unknown: list[str]) -> str:
    return _("No product has the code %(codes)s. Pick products from the list.") % {
        "codes": ", ".join(unknown)
    }


@require_perm("sales.edit")
def deal_lines(request: TenantRequest, deal_id: int) -> HttpResponse:
    """The deal's line items (products): edit them all at once; the deal's amount follows."""
    from sales.deals.selectors import access_deal

    deal = access_deal(tenant=request.tenant, deal_id=deal_id, membership=request.membership)
    errors: list[str] = []
    if request.method == "POST":
        lines = _posted_lines(request)
        products, unknown = _product_ids(request, lines)
        if unknown:
            errors.append(_unknown_codes(unknown))
        else:
            try:
                services.deal_lines_set(
                    tenant=request.tenant,
                    deal=deal,
                    actor=request.user,
                    lines=[{**ln, "product": products.get(ln["product"].strip())} for ln in lines],
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("Line items saved."))
                return redirect("sales:deal_detail", deal.pk)
        lines = lines or [dict(EMPTY_LINE)]
    else:
        lines = [
            {
                "product": line.product.code,
                "quantity": f"{line.quantity.normalize():f}",
                "unit_price": f"{line.unit_price.normalize():f}",
                "discount": f"{line.discount.normalize():f}" if line.discount else "",
            }
            for line in deal.lines.select_related("product").order_by("position", "id")
        ] or [dict(EMPTY_LINE)]
    return render(
        request,
        "sales/deal_lines.html",
        {"deal": deal, "lines": lines, "errors": errors},
        status=400 if errors else 200,
    )


@require_perm("sales.edit")
def order_create(request: TenantRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    contact, company, customer_label = _customer(request, source)
    initial = {
        "order_date": timezone.localdate(),
        "channel": OrderChannel.SALES,
        "status": OrderStatus.CONFIRMED,
    }
    form = OrderHeaderForm(
        request.POST or None,
        initial={
            **initial,
            "contact": getattr(contact, "pk", None),
            "company": getattr(company, "pk", None),
        },
    )
    lines: list[dict[str, str]] = [dict(EMPTY_LINE)]
    if request.method == "POST":
        lines = _posted_lines(request) or lines
        if form.is_valid():
            products, unknown = _product_ids(request, lines)
            if unknown:
                form.add_error(None, _unknown_codes(unknown))
            elif contact is None and company is None:
                form.add_error(
                    None,
                    _("Choose the customer: type a customer code or e-mail address of a contact."),
                )
            else:
                try:
                    order = services.order_create(
                        tenant=request.tenant,
                        actor=request.user,
                        contact=contact,
                        company=company,
                        order_date=form.cleaned_data["order_date"],
                        channel=form.cleaned_data["channel"],
                        status=form.cleaned_data["status"],
                        notes=form.cleaned_data["notes"],
                        lines=[
                            {
                                "product": products.get(ln["product"].strip()),
                                "quantity": ln["quantity"],
                                "unit_price": ln["unit_price"],
                                "discount": ln["discount"],
                            }
                            for ln in lines
                        ],
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error(None, message)
                else:
                    for warning in getattr(order, "warnings", []):
                        messages.warning(request, warning)
                    messages.success(
                        request, _("Order %(number)s saved.") % {"number": order.order_number}
                    )
                    return redirect("sales:order_detail", order.pk)
    return render(
        request,
        "sales/order_form.html",
        {
            "form": form,
            "lines": lines,
            "contact": contact,
            "company": company,
            "customer_label": customer_label,
            "customer_typed": source.get("customer", ""),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- settings --------------------------------------------------------------------------------
@require_perm("settings.manage")
def sales_settings(request: TenantRequest) -> HttpResponse:
    current = services.sales_settings_for(tenant=request.tenant)
    form = SalesSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.sales_settings_update(
            tenant=request.tenant, actor=request.user, **form.cleaned_data
        )
        messages.success(request, _("Sales settings saved."))
        return redirect("sales:sales_settings")
    return render(
        request,
        "sales/form.html",
        {"form": form, "title": _("Sales settings"), "cancel": "sales:order_list"},
    )


# --- import ----------------------------------------------------------------------------------
@require_perm("sales.edit")
def order_import(request: TenantRequest) -> HttpResponse:
    from contacts.importers.readers import ImportFileError

    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services_import_start(request, upload, form.cleaned_data["create_customers"])
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("sales:order_import_mapping", job.pk)
    return render(
        request, "sales/import_upload.html", {"form": form}, status=400 if form.errors else 200
    )


def services_import_start(
    request: TenantRequest, upload: Any, create_customers: bool
) -> OrderImportJob:
    from .import_jobs import import_job_create

    return import_job_create(
        tenant=request.tenant, actor=request.user, upload=upload, create_customers=create_customers
    )


@require_perm("sales.edit")
def order_import_mapping(request: TenantRequest, job_id: int) -> HttpResponse:
    from .import_jobs import access_import_job, import_job_start

    job = access_import_job(tenant=request.tenant, job_id=job_id)
    if job.status != OrderImportJob.Status.MAPPING:
        return redirect("sales:order_import_status", job.pk)
    mapping = job.mapping
    errors: list[str] = []
    if request.method == "POST":
        mapping = [request.POST.get(f"col_{i}", "") for i in range(len(job.header))]
        errors = importers.validate_mapping(mapping)
        if not errors:
            import_job_start(tenant=request.tenant, job=job, mapping=mapping)
            return redirect("sales:order_import_status", job.pk)
    return render(
        request,
        "sales/import_mapping.html",
        {
            "job": job,
            "columns": list(zip(job.header, mapping, strict=False)),
            "targets": [(name, importers.target_label(name)) for name in importers.TARGETS],
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_perm("sales.edit")
def order_import_status(request: TenantRequest, job_id: int) -> HttpResponse:
    from .import_jobs import access_import_job

    job = access_import_job(tenant=request.tenant, job_id=job_id)
    template = (
        "sales/partials/import_progress.html"
        if request.headers.get("HX-Request")
        else "sales/import_status.html"
    )
    return render(request, template, {"job": job})
