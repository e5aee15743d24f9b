"""Company pages (lighter than contacts: list, detail with contacts and timeline, form)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.customfields import (
    CustomFieldFilter,
    add_errors_to_form,
    definitions_for,
    display_rows,
)
from crm.core.http import TenantRequest
from crm.core.models import ObjectType
from crm.core.permissions import require_perm
from crm.core.roles import has_perm

from . import selectors, services
from .forms import TIMELINE_KIND_CHOICES, CompanyForm
from .models import InteractionKind
from .panels import detail_panels

PAGE_SIZE = 50


@require_perm("contacts.view")
def company_list(request: TenantRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    tag = request.GET.get("tag", "").strip()
    definitions = definitions_for(tenant=request.tenant, object_type=ObjectType.COMPANY)
    cf_filter = CustomFieldFilter(definitions, request.GET)
    qs = selectors.company_list(tenant=request.tenant, membership=request.membership, q=q, tag=tag)
    qs = cf_filter.apply(qs)
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(id__lt=int(before))
    rows = list(qs[: PAGE_SIZE + 1])
    companies = rows[:PAGE_SIZE]
    next_before = companies[-1].pk if len(rows) > PAGE_SIZE else None
    return render(
        request,
        "companies/list.html",
        {
            "companies": companies,
            "q": q,
            "tag": tag,
            "next_before": next_before,
            "cf_filter": cf_filter,
            "querystring": cf_filter.querystring(),
            "filtered": bool(q or tag or cf_filter.is_active),
        },
    )


@require_perm("contacts.view")
def company_detail(request: TenantRequest, company_id: int) -> HttpResponse:
    tenant = request.tenant
    company = selectors.access_company(
        tenant=tenant, company_id=company_id, membership=request.membership
    )
    definitions = definitions_for(tenant=tenant, object_type=ObjectType.COMPANY)
    kind = request.GET.get("kind", "")
    if kind not in InteractionKind.values:
        kind = ""
    entries, cursor = selectors.company_timeline(
        tenant=tenant,
        company=company,
        membership=request.membership,
        kind=kind,
        before=request.GET.get("before", ""),
    )
    contacts = list(
        selectors.contact_list(tenant=tenant, membership=request.membership).filter(
            company=company
        )[:100]
    )
    return render(
        request,
        "companies/detail.html",
        {
            "company": company,
            "contacts": contacts,
            "custom_field_rows": display_rows(definitions, company.custom_fields),
            "entries": entries,
            "next_cursor": cursor,
            "kind": kind,
            "kind_choices": TIMELINE_KIND_CHOICES,
            "can_edit": has_perm(request.membership.role, "contacts.edit"),
            "can_delete": has_perm(request.membership.role, "contacts.delete"),
            "panels": detail_panels(
                on="company", tenant=tenant, membership=request.membership, obj=company
            ),
        },
    )


@require_perm("contacts.edit")
def company_create(request: TenantRequest) -> HttpResponse:
    definitions = definitions_for(tenant=request.tenant, object_type=ObjectType.COMPANY)
    form = CompanyForm(
        request.POST or None, tenant=request.tenant, custom_field_definitions=definitions
    )
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(
                tenant=request.tenant, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Company created."))
            return redirect("contacts:company_detail", company_id=company.pk)
    return render(request, "companies/form.html", {"form": form})


@require_perm("contacts.edit")
def company_edit(request: TenantRequest, company_id: int) -> HttpResponse:
    company = selectors.access_company(
        tenant=request.tenant, company_id=company_id, membership=request.membership
    )
    definitions = definitions_for(tenant=request.tenant, object_type=ObjectType.COMPANY)
    form = CompanyForm(
        request.POST or None,
        instance=company,
        tenant=request.tenant,
        custom_field_definitions=definitions,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update(
                tenant=request.tenant, company=company, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Company saved."))
            return redirect("contacts:company_detail", company_id=company.pk)
    return render(request, "companies/form.html", {"form": form, "company": company})


@require_POST
@require_perm("contacts.delete")
def company_delete(request: TenantRequest, company_id: int) -> HttpResponse:
    company = selectors.access_company(
        tenant=request.tenant, company_id=company_id, membership=request.membership
    )
    services.company_soft_delete(tenant=request.tenant, company=company, actor=request.user)
    messages.success(
        request,
        _("Company deleted. You can restore it from “Recently deleted” for %(days)d days.")
        % {"days": services.RESTORE_DAYS},
    )
    return redirect("contacts:company_list")


@require_POST
@require_perm("contacts.delete")
def company_restore(request: TenantRequest, company_id: int) -> HttpResponse:
    company = selectors.access_deleted_company(
        tenant=request.tenant, company_id=company_id, membership=request.membership
    )
    services.company_restore(tenant=request.tenant, company=company, actor=request.user)
    messages.success(request, _("Company restored."))
    return redirect("contacts:company_detail", company_id=company.pk)
