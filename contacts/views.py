"""Contact pages. Views parse, check access (through the selectors, which apply tenant and
record visibility), call a service, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.core.customfields import (
    add_errors_to_form,
    definitions_for,
    display,
    display_rows,
    label_for,
    shown_definitions,
)
from crm.core.http import TenantRequest
from crm.core.models import ObjectType, User
from crm.core.normalize import lookup_postal_code
from crm.core.permissions import require_perm
from crm.core.roles import has_perm

from . import selectors, services
from .forms import (
    PREFECTURE_CHOICES,
    TIMELINE_KIND_CHOICES,
    BulkActionForm,
    CallForm,
    ContactForm,
    NoteForm,
    company_options,
    owner_choices,
)
from .models import Gender, InteractionKind, LifecycleStage
from .panels import detail_panels

PAGE_SIZE = 50
# Custom fields shown as list columns (the first ones in display order); all can be filtered.
LIST_CUSTOM_COLUMNS = 5
# The conditions in the list's top row; the rest live in the advanced search panel.
BASIC_PARAMS = ("q", "owner", "tag")


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _querystring(params: QueryDict, *, drop: tuple[str, ...] = ("before",)) -> str:
    kept = params.copy()
    for name in drop:
        kept.pop(name, None)
    return kept.urlencode()


_URL_SENTINEL = 987654321

# The columns a list row shows (contacts_tags.contact_rows; a name is last and first name,
# else e-mail or phone; an owner's display name, else full name, else e-mail). The rest of
# the row (the search text and its n-gram vector, ~670 bytes a contact, the address, flags)
# is not loaded: the 50 rows' model instances were ~10 ms of the page, ~4.5 with these.
LIST_COLUMNS = (
    "id",
    "tenant",
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "email",
    "phone",
    "lifecycle_stage",
    "tags",
    "custom_fields",
    "company",
    "company__name",
    "owner",
    *(f"owner__{name}" for name in User.NAME_FIELDS),
)


def _url_format(name: str) -> str:
    """`reverse(name, args=[pk])` as a format string, reversed once per page."""
    return reverse(name, args=[_URL_SENTINEL]).replace(str(_URL_SENTINEL), "{}")


@require_perm("contacts.view")
def contact_list(request: TenantRequest) -> HttpResponse:
    """The list with its conditions (basic row + the advanced search panel), the saved
    views, keyset pages. A condition that cannot be read is explained next to its input and
    left out; the others still apply and everything typed stays in the form."""
    from .savedviews import conditions
    from .savedviews.selectors import saved_views_for

    tenant = request.tenant
    definitions = shown_definitions(tenant=tenant, object_type=ObjectType.CONTACT)
    filters = selectors.contact_filters(
        tenant=tenant, params=request.GET, membership=request.membership, definitions=definitions
    )
    cf_filter = filters.custom
    qs = selectors.contact_list(tenant=tenant, membership=request.membership, filters=filters)
    before = _int(request.GET.get("before", ""))
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.only(*LIST_COLUMNS)[: PAGE_SIZE + 1])
    contacts = rows[:PAGE_SIZE]
    next_before = contacts[-1].pk if len(rows) > PAGE_SIZE else None
    columns = definitions[:LIST_CUSTOM_COLUMNS]
    # Per-row values the template would otherwise compute 50 times over: two URL reversals
    # and a choices lookup per row were a third of the rendering (docs/benchmarks.md).
    detail_url, company_url = _url_format("contacts:detail"), _url_format("contacts:company_detail")
    stage_labels = {value: str(label) for value, label in LifecycleStage.choices}
    for contact in contacts:
        contact.cf_cells = [display(d, contact.custom_fields.get(d.key)) for d in columns]  # type: ignore[attr-defined]
        contact.detail_url = detail_url.format(contact.pk)  # type: ignore[attr-defined]
        contact.company_url = company_url.format(contact.company_id)  # type: ignore[attr-defined]
        contact.stage_label = stage_labels.get(contact.lifecycle_stage, contact.lifecycle_stage)  # type: ignore[attr-defined]
    owners = owner_choices(tenant)[1:]
    condition_params = conditions.condition_params(filters)
    advanced = set(condition_params) - set(BASIC_PARAMS)
    return render(
        request,
        "contacts/list.html",
        {
            "contacts": contacts,
            "filters": filters,
            "q": filters.q,
            "next_before": next_before,
            "querystring": _querystring(request.GET),
            "conditions_querystring": conditions.querystring(condition_params),
            "chips": conditions.chips(filters, {str(k): v for k, v in owners}),
            "filter_errors": [
                (conditions.LABELS.get(name, name), messages_)
                for name, messages_ in filters.errors.items()
            ],
            "text_inputs": conditions.text_inputs(filters),
            "date_inputs": conditions.date_inputs(filters),
            "flag_inputs": conditions.flag_inputs(filters),
            "prefectures": [value for value, _label in PREFECTURE_CHOICES if value],
            "advanced_open": bool(advanced or filters.all_errors()),
            "cf_headers": [(d.key, label_for(d)) for d in columns],
            "cf_filter": cf_filter,
            "filtered": filters.is_active,
            "owners": owners,
            "stages": LifecycleStage.choices,
            "genders": [(g, label) for g, label in Gender.choices if g],
            "saved_views": list(saved_views_for(tenant=tenant, user_id=request.membership.user_id)),
            "active_view": filters.view,
            "save_name": request.GET.get("save_name", "")[:100],
            "can_delete": has_perm(request.membership.role, "contacts.delete"),
            "can_edit": has_perm(request.membership.role, "contacts.edit"),
        },
    )


@require_POST
@require_perm("contacts.edit")
def contact_bulk(request: TenantRequest) -> HttpResponse:
    """Checked rows + one action; each a set-based service call over the rows this member
    can see (ids of hidden or other tenants' rows simply match nothing)."""
    tenant = request.tenant
    form = BulkActionForm(request.POST, tenant=tenant)
    back = request.POST.get("next", "")
    target = f"{request.path.rsplit('bulk/', 1)[0]}?{back}" if back else "contacts:list"
    ids = services.ids_from(request.POST.getlist("ids"))
    if not form.is_valid() or not ids:
        messages.error(request, _("Tick at least one contact and choose an action."))
        return redirect(target)
    contacts = selectors.visible_contacts(tenant, request.membership).filter(id__in=ids)
    action = form.cleaned_data["action"]
    try:
        if action == "assign_owner":
            count = services.contact_bulk_assign_owner(
                tenant=tenant,
                contacts=contacts,
                owner=form.cleaned_data["owner"] or None,
                actor=request.user,
            )
        elif action == "add_tag":
            count = services.contact_bulk_add_tag(
                tenant=tenant, contacts=contacts, tag=form.cleaned_data["tag"], actor=request.user
            )
        elif action == "change_stage":
            count = services.contact_bulk_change_stage(
                tenant=tenant,
                contacts=contacts,
                stage=form.cleaned_data["stage"],
                actor=request.user,
            )
        else:
            if not has_perm(request.membership.role, "contacts.delete"):
                messages.error(request, _("Your role cannot delete contacts."))
                return redirect(target)
            count = services.contact_bulk_soft_delete(
                tenant=tenant, contacts=contacts, actor=request.user
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(target)
    messages.success(request, _("%(count)d contacts updated.") % {"count": count})
    return redirect(target)


def _timeline_context(request: TenantRequest, entries: Any, cursor: Any, kind: str) -> dict:
    return {
        "entries": entries,
        "next_cursor": cursor,
        "kind": kind,
        "kind_choices": TIMELINE_KIND_CHOICES,
    }


@require_perm("contacts.view")
def contact_detail(request: TenantRequest, contact_id: int) -> HttpResponse:
    tenant = request.tenant
    contact = selectors.access_contact(
        tenant=tenant, contact_id=contact_id, membership=request.membership
    )
    definitions = shown_definitions(tenant=tenant, object_type=ObjectType.CONTACT)
    kind = request.GET.get("kind", "")
    if kind not in InteractionKind.values:
        kind = ""
    entries, cursor = selectors.contact_timeline(
        tenant=tenant, contact=contact, kind=kind, before=request.GET.get("before", "")
    )
    return render(
        request,
        "contacts/detail.html",
        {
            "contact": contact,
            "custom_field_rows": display_rows(definitions, contact.custom_fields),
            "note_form": NoteForm(),
            "call_form": CallForm(),
            "can_edit": has_perm(request.membership.role, "contacts.edit"),
            "can_delete": has_perm(request.membership.role, "contacts.delete"),
            "panels": detail_panels(
                on="contact", tenant=tenant, membership=request.membership, obj=contact
            ),
            **_timeline_context(request, entries, cursor, kind),
        },
    )


@require_perm("contacts.edit")
def contact_create(request: TenantRequest) -> HttpResponse:
    definitions = definitions_for(tenant=request.tenant, object_type=ObjectType.CONTACT)
    initial = {}
    if request.GET.get("company", "").isdigit():
        initial["company"] = request.GET["company"]
    form = ContactForm(
        request.POST or None,
        tenant=request.tenant,
        membership=request.membership,
        initial=initial,
        custom_field_definitions=definitions,
    )
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(
                tenant=request.tenant, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Contact created."))
            return redirect("contacts:detail", contact_id=contact.pk)
    return render(request, "contacts/form.html", {"form": form})


@require_perm("contacts.edit")
def contact_edit(request: TenantRequest, contact_id: int) -> HttpResponse:
    contact = selectors.access_contact(
        tenant=request.tenant, contact_id=contact_id, membership=request.membership
    )
    definitions = definitions_for(tenant=request.tenant, object_type=ObjectType.CONTACT)
    form = ContactForm(
        request.POST or None,
        instance=contact,
        tenant=request.tenant,
        membership=request.membership,
        custom_field_definitions=definitions,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                tenant=request.tenant, contact=contact, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("contacts:detail", contact_id=contact.pk)
    return render(request, "contacts/form.html", {"form": form, "contact": contact})


@require_POST
@require_perm("contacts.delete")
def contact_delete(request: TenantRequest, contact_id: int) -> HttpResponse:
    contact = selectors.access_contact(
        tenant=request.tenant, contact_id=contact_id, membership=request.membership
    )
    services.contact_soft_delete(tenant=request.tenant, contact=contact, actor=request.user)
    messages.success(
        request,
        _("Contact deleted. You can restore it from “Recently deleted” for %(days)d days.")
        % {"days": services.RESTORE_DAYS},
    )
    return redirect("contacts:list")


@require_POST
@require_perm("contacts.delete")
def contact_restore(request: TenantRequest, contact_id: int) -> HttpResponse:
    contact = selectors.access_deleted_contact(
        tenant=request.tenant, contact_id=contact_id, membership=request.membership
    )
    try:
        services.contact_restore(tenant=request.tenant, contact=contact, actor=request.user)
    except services.RestoreRefused as refusal:
        messages.error(request, refusal.messages[0])
        if refusal.survivor is not None and refusal.survivor.deleted_at is None:
            return redirect("contacts:detail", contact_id=refusal.survivor.pk)
        return redirect("contacts:deleted")
    messages.success(request, _("Contact restored."))
    return redirect("contacts:detail", contact_id=contact.pk)


@require_perm("contacts.delete")
def deleted_list(request: TenantRequest) -> HttpResponse:
    membership = request.membership
    contacts = list(selectors.deleted_contacts(tenant=request.tenant, membership=membership)[:200])
    companies = list(
        selectors.deleted_companies(tenant=request.tenant, membership=membership)[:200]
    )
    return render(
        request,
        "contacts/deleted.html",
        {"contacts": contacts, "companies": companies, "days": services.RESTORE_DAYS},
    )


@require_POST
@require_perm("contacts.edit")
def contact_note(request: TenantRequest, contact_id: int) -> HttpResponse:
    contact = selectors.access_contact(
        tenant=request.tenant, contact_id=contact_id, membership=request.membership
    )
    form = NoteForm(request.POST)
    if form.is_valid():
        services.contact_log_note(
            tenant=request.tenant,
            contact=contact,
            actor=request.user,
            body=form.cleaned_data["body"],
        )
        messages.success(request, _("Note added."))
    else:
        messages.error(request, _("Write the note before saving it."))
    return redirect("contacts:detail", contact_id=contact.pk)


@require_POST
@require_perm("contacts.edit")
def contact_call(request: TenantRequest, contact_id: int) -> HttpResponse:
    """Logging a call is two clicks: an outcome button on the contact page submits this."""
    contact = selectors.access_contact(
        tenant=request.tenant, contact_id=contact_id, membership=request.membership
    )
    form = CallForm(request.POST)
    if form.is_valid():
        services.contact_log_call(
            tenant=request.tenant,
            contact=contact,
            actor=request.user,
            outcome=form.cleaned_data["outcome"],
            duration_minutes=form.cleaned_data["duration_minutes"],
            body=form.cleaned_data["body"],
        )
        messages.success(request, _("Call logged."))
    else:
        errors = "; ".join(
            f"{form.fields[n].label}: {' '.join(str(m) for m in e)}" for n, e in form.errors.items()
        )
        messages.error(request, _("The call was not logged. %(errors)s") % {"errors": errors})
    return redirect("contacts:detail", contact_id=contact.pk)


@require_GET
@require_perm("contacts.view")
def postal_lookup(request: TenantRequest) -> HttpResponse:
    """htmx: answers the postal code input with out-of-band replacements of the prefecture
    and address inputs, filled from Japan Post's data where they are still empty."""
    found = lookup_postal_code(request.GET.get("postal_code", ""))
    prefecture = request.GET.get("prefecture", "")
    address = request.GET.get("address", "")
    fill_prefecture = found is not None and not prefecture
    fill_address = found is not None and not address
    context: dict[str, Any] = {"found": found}
    if fill_prefecture and found is not None:
        context["prefecture_input"] = forms.Select(choices=PREFECTURE_CHOICES).render(
            "prefecture",
            found.prefecture,
            attrs={"id": "id_prefecture", "class": "form-select", "hx-swap-oob": "true"},
        )
    if fill_address and found is not None:
        context["address_input"] = forms.TextInput().render(
            "address",
            f"{found.city}{found.town}",
            attrs={
                "id": "id_address",
                "class": "form-control",
                "maxlength": "300",
                "hx-swap-oob": "true",
            },
        )
    return render(request, "contacts/partials/postal_fill.html", context)


@require_GET
@require_perm("contacts.view")
def company_options_view(request: TenantRequest) -> HttpResponse:
    """htmx: the company select's options for what was typed in "Find a company" (the first
    match is selected, so typing is often all it takes)."""
    search = request.GET.get("company_search", "").strip()
    options = company_options(request.tenant, request.membership, search=search)
    return render(
        request,
        "contacts/partials/company_options.html",
        {"options": options, "select_first": bool(search)},
    )
