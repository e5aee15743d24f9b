"""Duplicate pages: the list of likely pairs, the side-by-side merge page, "not a
duplicate". They parse, check access (both contacts through access_contact: another
tenant's, a deleted or a hidden one is 404), call contacts.dedupe.services, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.customfields import definitions_for, display, label_for
from crm.core.http import TenantRequest
from crm.core.models import ObjectType
from crm.core.permissions import require_perm

from ..models import Contact
from ..selectors import access_contact
from . import selectors, services


def _value_text(contact: Contact, name: str, definitions: dict[str, Any]) -> str:
    if name.startswith(services.CUSTOM_PREFIX):
        key = name.removeprefix(services.CUSTOM_PREFIX)
        return display(definitions[key], (contact.custom_fields or {}).get(key))
    value = getattr(contact, name)
    if value is None or value == "":
        return ""
    if name in ("gender", "lifecycle_stage"):
        return str(getattr(contact, f"get_{name}_display")())
    if name in ("phone", "mobile"):
        from crm.core.normalize import format_phone

        return format_phone(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "birth_date":
        return date_format(value, "Y-m-d")
    if name == "tags":
        return ", ".join(value)
    return str(value)


def _label(name: str, definitions: dict[str, Any]) -> str:
    if name.startswith(services.CUSTOM_PREFIX):
        return label_for(definitions[name.removeprefix(services.CUSTOM_PREFIX)])
    return str(getattr(Contact._meta.get_field(name), "verbose_name", name)).capitalize()


@require_perm("contacts.edit")
def duplicate_list(request: TenantRequest) -> HttpResponse:
    reason = request.GET.get("reason", "")
    reason = reason if reason in selectors.REASONS else ""
    pairs, next_before = selectors.duplicate_pairs(
        tenant=request.tenant,
        membership=request.membership,
        before=request.GET.get("before", ""),
        reason=reason,
    )
    return render(
        request,
        "contacts/dedupe/list.html",
        {
            "pairs": pairs,
            "next_before": next_before,
            "reason": reason,
            "reasons": [(key, str(label)) for key, label in selectors.REASONS.items()],
            "paged": bool(request.GET.get("before")),
        },
    )


def _pair(request: TenantRequest, a_id: int, b_id: int) -> tuple[Contact, Contact]:
    first = access_contact(tenant=request.tenant, contact_id=a_id, membership=request.membership)
    second = access_contact(tenant=request.tenant, contact_id=b_id, membership=request.membership)
    return first, second


@require_perm("contacts.edit")
def duplicate_merge(request: TenantRequest, a_id: int, b_id: int) -> HttpResponse:
    """Two records side by side, a choice per differing field. The older record is the
    default survivor; each field defaults to the newer non-empty value."""
    a, b = _pair(request, a_id, b_id)
    if a.pk == b.pk:
        messages.error(request, _("A contact cannot be merged with itself."))
        return redirect("contacts:duplicates")
    tenant = request.tenant
    definitions = {d.key: d for d in definitions_for(tenant=tenant, object_type=ObjectType.CONTACT)}
    by_key = {"a": a, "b": b}
    errors: list[str] = []
    keep = (
        request.POST.get("survivor", "a")
        if request.method == "POST"
        else ("a" if a.pk < b.pk else "b")
    )
    keep = keep if keep in by_key else "a"
    survivor, other = (a, b) if keep == "a" else (b, a)
    defaults = services.default_choices(tenant, survivor, other)
    # Per field, which record's value: 'a' or 'b' (the page does not care which survives).
    side_of = {services.SURVIVOR: keep, services.OTHER: "b" if keep == "a" else "a"}
    picked = {name: side_of[choice] for name, choice in defaults.items()}
    if request.method == "POST":
        for name in picked:
            if request.POST.get(f"f_{name}") in by_key:
                picked[name] = request.POST[f"f_{name}"]
        choices = {
            name: services.SURVIVOR if side == keep else services.OTHER
            for name, side in picked.items()
        }
        try:
            merged = services.contact_merge(
                tenant=tenant, actor=request.user, survivor=survivor, other=other, choices=choices
            )
        except ValidationError as exc:
            errors = [
                f"{_label(k, definitions) if k in picked else ''} {m}".strip()
                for k, ms in (
                    exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
                )
                for m in ms
            ]
        else:
            messages.success(
                request,
                _("Merged %(other)s into %(survivor)s.") % {"other": other, "survivor": merged},
            )
            return redirect("contacts:detail", contact_id=merged.pk)
    rows = [
        {
            "name": name,
            "label": _label(name, definitions),
            "a": _value_text(a, name, definitions),
            "b": _value_text(b, name, definitions),
            "picked": picked[name],
        }
        for name in picked
    ]
    same = [
        {"label": _label(name, definitions), "value": _value_text(a, name, definitions)}
        for name in services.MERGE_FIELDS
        if name not in picked and _value_text(a, name, definitions)
    ]
    tags = list(a.tags) + [t for t in b.tags if t not in a.tags]
    return render(
        request,
        "contacts/dedupe/merge.html",
        {
            "a": a,
            "b": b,
            "keep": keep,
            "rows": rows,
            "same": same,
            "tags": tags,
            "reasons": [
                selectors.REASONS[r] for r in selectors.pair_reasons(tenant=tenant, a=a, b=b)
            ],
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_POST
@require_perm("contacts.edit")
def duplicate_dismiss(request: TenantRequest, a_id: int, b_id: int) -> HttpResponse:
    a, b = _pair(request, a_id, b_id)
    try:
        services.duplicate_dismiss(tenant=request.tenant, actor=request.user, first=a, second=b)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(a)s and %(b)s will no longer be shown as duplicates.") % {"a": a, "b": b},
        )
    return redirect("contacts:duplicates")
