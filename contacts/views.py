from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.core.customfields import (
    CustomFieldFilter,
    add_errors_to_form,
    definitions_for,
    display,
    display_rows,
    label_for,
)
from crm.core.http import TenantRequest
from crm.core.models import ObjectType
from crm.core.permissions import require_perm

from . import selectors, services
from .forms import ContactForm

PAGE_SIZE = 50
# Custom fields shown as list columns (the first ones in display order); all can be filtered.
LIST_CUSTOM_COLUMNS = 5


@require_perm("contacts.view")
def contact_list(request: TenantRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    definitions = definitions_for(tenant=request.tenant, object_type=ObjectType.CONTACT)
    cf_filter = CustomFieldFilter(definitions, request.GET)
    qs = cf_filter.apply(selectors.contact_list(tenant=request.tenant, q=q))
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(id__lt=int(before))
    rows = list(qs[: PAGE_SIZE + 1])
    next_before = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    columns = definitions[:LIST_CUSTOM_COLUMNS]
    contacts = rows[:PAGE_SIZE]
    for contact in contacts:
        contact.cf_cells = [display(d, contact.custom_fields.get(d.key)) for d in columns]  # type: ignore[attr-defined]
    return render(
        request,
        "contacts/list.html",
        {
            "contacts": contacts,
            "q": q,
            "next_before": next_before,
            "cf_headers": [(d.key, label_for(d)) for d in columns],
            "cf_filter": cf_filter,
        },
    )


@require_perm("contacts.view")
def contact_detail(request: TenantRequest, contact_id: int) -> HttpResponse:
    contact = selectors.access_contact(tenant=request.tenant, contact_id=contact_id)
    definitions = definitions_for(tenant=request.tenant, object_type=ObjectType.CONTACT)
    return render(
        request,
        "contacts/detail.html",
        {"contact": contact, "custom_field_rows": display_rows(definitions, contact.custom_fields)},
    )


@require_perm("contacts.edit")
def contact_create(request: TenantRequest) -> HttpResponse:
    definitions = definitions_for(tenant=request.tenant, object_type=ObjectType.CONTACT)
    form = ContactForm(request.POST or None, custom_field_definitions=definitions)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(
                tenant=request.tenant,
                actor=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:  # e.g. a unique custom field value already used
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Contact created."))
            return redirect("contacts:detail", contact_id=contact.pk)
    return render(request, "contacts/form.html", {"form": form})


@require_perm("contacts.edit")
def contact_edit(request: TenantRequest, contact_id: int) -> HttpResponse:
    contact = selectors.access_contact(tenant=request.tenant, contact_id=contact_id)
    definitions = definitions_for(tenant=request.tenant, object_type=ObjectType.CONTACT)
    form = ContactForm(request.POST or None, instance=contact, custom_field_definitions=definitions)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                tenant=request.tenant,
                contact=contact,
                actor=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("contacts:detail", contact_id=contact.pk)
    return render(request, "contacts/form.html", {"form": form, "contact": contact})
