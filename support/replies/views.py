"""Reply template pages under /support/templates/: the list (search, shared/personal tabs),
create / edit / delete (with a confirmation page), a preview against a sample or real
inquiry, and the JSON the reply tools fetch to insert a rendered template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.core.http import TenantRequest
from crm.core.permissions import require_perm
from crm.core.roles import has_perm
from support.tickets.models import Ticket

from . import merge, selectors, services
from .forms import TemplateForm
from .models import ReplyTemplate, TemplateScope

TABS = ("all", TemplateScope.SHARED, TemplateScope.PERSONAL)


def _can_edit(request: TenantRequest) -> bool:
    return has_perm(request.membership.role, "support.edit")


@require_GET
@require_perm("support.view")
def template_list(request: TenantRequest) -> HttpResponse:
    tab = request.GET.get("tab", "all")
    tab = tab if tab in TABS else "all"
    q = request.GET.get("q", "").strip()
    qs = selectors.template_search(
        tenant=request.tenant, user=request.user, q=q, scope="" if tab == "all" else tab
    )
    rows, cursor = selectors.page_of(qs, request.GET.get("after", ""))
    return render(
        request,
        "support/replies/list.html",
        {
            "templates": rows,
            "next_cursor": cursor,
            "q": q,
            "tab": tab,
            "tabs": [
                ("all", _("All")),
                (TemplateScope.SHARED, _("Shared")),
                (TemplateScope.PERSONAL, _("Personal")),
            ],
            "can_edit": _can_edit(request),
        },
    )


def _save(request: TenantRequest, template: ReplyTemplate | None) -> HttpResponse:
    tenant = request.tenant
    if request.method == "POST":
        form = TemplateForm(request.POST, tenant=tenant)
        if form.is_valid():
            data = {
                "name": form.cleaned_data["name"],
                "body": form.cleaned_data["body"],
                "scope": form.cleaned_data["scope"],
                "category": form.cleaned_data["category"],
                "shortcut": form.cleaned_data["shortcut"],
            }
            try:
                if template is None:
                    template = services.template_create(tenant=tenant, actor=request.user, **data)
                    messages.success(request, _("Template created."))
                else:
                    template = services.template_update(
                        tenant=tenant, template=template, actor=request.user, **data
                    )
                    messages.success(request, _("Template saved."))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                return redirect(f"{_list_url()}?tab={template.scope}")
    elif template is not None:
        form = TemplateForm(
            initial={
                "name": template.name,
                "body": template.body,
                "scope": template.scope,
                "category": template.category_id,
                "shortcut": template.shortcut,
            },
            tenant=tenant,
        )
    else:
        form = TemplateForm(
            initial={"scope": request.GET.get("scope", TemplateScope.SHARED)}, tenant=tenant
        )
    return render(
        request,
        "support/replies/form.html",
        {"form": form, "template_obj": template, "fields": merge.FIELDS},
        status=400 if form.errors else 200,
    )


def _list_url() -> str:
    return reverse("support:template_list")


@require_http_methods(["GET", "POST"])
@require_perm("support.edit")
def template_create(request: TenantRequest) -> HttpResponse:
    return _save(request, None)


@require_http_methods(["GET", "POST"])
@require_perm("support.edit")
def template_edit(request: TenantRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(
        tenant=request.tenant, user=request.user, template_id=template_id
    )
    return _save(request, template)


@require_http_methods(["GET", "POST"])
@require_perm("support.edit")
def template_delete(request: TenantRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(
        tenant=request.tenant, user=request.user, template_id=template_id
    )
    if request.method == "POST":
        services.template_delete(tenant=request.tenant, template=template, actor=request.user)
        messages.success(request, _("Template deleted."))
        return redirect(_list_url())
    return render(request, "support/replies/confirm_delete.html", {"template_obj": template})


@require_POST
@require_perm("support.edit")
def template_preview(request: TenantRequest) -> HttpResponse:
    """The unsaved text rendered against inquiry #n (when given and found) or a sample;
    unknown fields are reported, missing values shown as 【field】."""
    tenant = request.tenant
    body = request.POST.get("body", "")
    number = request.POST.get("ticket_number", "").strip().lstrip("#")
    ticket: Any = None
    note = ""
    if number.isdigit():
        ticket = (
            Ticket.objects.filter(tenant=tenant, number=int(number))
            .select_related("contact__company", "company", "category")
            .first()
        )
        if ticket is None:
            note = _("No inquiry #%(number)s; showing a sample inquiry.") % {"number": number}
    if ticket is None:
        ticket = merge.sample_ticket()
    error = ""
    try:
        merge.check_body(body)
    except ValidationError as exc:
        error = " ".join(exc.message_dict["body"])
    text = services.template_render(
        tenant=tenant, template=body, ticket=ticket, agent=request.user, marker=True
    )
    return render(
        request,
        "support/replies/partials/preview.html",
        {"text": text, "error": error, "note": note, "ticket": ticket},
    )


@require_GET
@require_perm("support.view")
def template_render(request: TenantRequest, template_id: int, ticket_id: int) -> JsonResponse:
    """{"text": …} for the reply editor; `?use=1` counts the use."""
    template = selectors.template_get(
        tenant=request.tenant, user=request.user, template_id=template_id
    )
    ticket = selectors.ticket_get(tenant=request.tenant, ticket_id=ticket_id)
    text = services.template_render(
        tenant=request.tenant,
        template=template,
        ticket=ticket,
        agent=request.user,
        count_use=request.GET.get("use") == "1",
    )
    return JsonResponse({"text": text})


@require_GET
@require_perm("support.view")
def ticket_similar(request: TenantRequest, ticket_id: int) -> HttpResponse:
    """The similar-inquiries list of the ticket page's side panel (loaded by htmx)."""
    ticket = selectors.ticket_get(tenant=request.tenant, ticket_id=ticket_id)
    return render(
        request,
        "support/replies/partials/similar_list.html",
        {"similar": selectors.similar_tickets(tenant=request.tenant, ticket=ticket)},
    )
