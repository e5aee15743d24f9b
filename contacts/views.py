from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.core.http import TenantRequest
from crm.core.permissions import require_perm

from . import selectors, services
from .forms import ContactForm

PAGE_SIZE = 50


@require_perm("contacts.view")
def contact_list(request: TenantRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    qs = selectors.contact_list(tenant=request.tenant, q=q)
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(id__lt=int(before))
    rows = list(qs[: PAGE_SIZE + 1])
    next_before = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return render(
        request,
        "contacts/list.html",
        {"contacts": rows[:PAGE_SIZE], "q": q, "next_before": next_before},
    )


@require_perm("contacts.view")
def contact_detail(request: TenantRequest, contact_id: int) -> HttpResponse:
    contact = selectors.access_contact(tenant=request.tenant, contact_id=contact_id)
    return render(request, "contacts/detail.html", {"contact": contact})


@require_perm("contacts.edit")
def contact_create(request: TenantRequest) -> HttpResponse:
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = services.contact_create(
            tenant=request.tenant,
            actor=request.user,
            **form.cleaned_data,
        )
        messages.success(request, _("Contact created."))
        return redirect("contacts:detail", contact_id=contact.pk)
    return render(request, "contacts/form.html", {"form": form})


@require_perm("contacts.edit")
def contact_edit(request: TenantRequest, contact_id: int) -> HttpResponse:
    contact = selectors.access_contact(tenant=request.tenant, contact_id=contact_id)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        services.contact_update(
            tenant=request.tenant,
            contact=contact,
            actor=request.user,
            **form.cleaned_data,
        )
        messages.success(request, _("Contact saved."))
        return redirect("contacts:detail", contact_id=contact.pk)
    return render(request, "contacts/form.html", {"form": form, "contact": contact})
