"""Settings: API keys (settings:apikeys) and the audit log (settings:audit)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ..context import tenant_context
from ..forms import StyledFormMixin
from ..http import TenantRequest
from ..models import AuditLog, CustomFieldDefinition, Tenant
from ..permissions import require_perm
from ..roles import Role
from ..selectors_audit import (
    AuditFilters,
    access_api_key,
    api_key_list,
    audit_actor_choices,
    audit_list,
    audit_page,
    audited_object_types,
    object_type_label,
)
from ..services.apikeys import ApiKeyError, api_key_create, api_key_revoke, api_key_roles_for

# --- API keys -------------------------------------------------------------------------------


class _ApiKeyCreateFields(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the key is for, e.g. “ERP sync” or “BI dashboard”."),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        help_text=gettext_lazy(
            "The key can do what a member with this role can do. Give it the least it needs."
        ),
    )

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [(r, labels[r]) for r in roles]  # type: ignore[attr-defined]
        self.fields["role"].initial = Role.VIEWER


# StyledFormMixin reads `self.errors` (which validates) in its __init__, so the choices must
# be in place before it runs: they are set by the base form, which the mixin's super() calls.
class ApiKeyCreateForm(StyledFormMixin, _ApiKeyCreateFields):
    pass


@require_perm("apikeys.manage")
@never_cache  # the page may carry a freshly created key: never keep it in a cache
def apikeys(request: TenantRequest) -> HttpResponse:
    """The list of keys and the form to create one. After a successful POST the page shows
    the new key once, in this response only: it is not stored anywhere we could show it
    from again (not in the session, not in a message)."""
    roles = api_key_roles_for(tenant=request.tenant, actor=request.user)
    form = ApiKeyCreateForm(request.POST or None, roles=roles)
    created = raw_key = None
    if request.method == "POST" and form.is_valid():
        try:
            created, raw_key = api_key_create(
                tenant=request.tenant,
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except ApiKeyError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            form = ApiKeyCreateForm(roles=roles)
    keys = list(api_key_list(tenant=request.tenant))
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "settings/apikeys/list.html",
        {"keys": keys, "form": form, "created": created, "raw_key": raw_key},
        status=status,
    )


@require_perm("apikeys.manage")
@require_POST
def apikey_revoke(request: TenantRequest, key_id: int) -> HttpResponse:
    key = access_api_key(tenant=request.tenant, key_id=key_id)
    if key.revoked_at is not None:
        messages.info(request, _("The key “%(name)s” was already revoked.") % {"name": key.name})
    else:
        api_key_revoke(tenant=request.tenant, key=key, actor=request.user)
        messages.success(
            request,
            _("Revoked the key “%(name)s”. Requests with it are now refused.") % {"name": key.name},
        )
    return redirect("settings:apikeys")


# --- audit log --------------------------------------------------------------------------------

SYSTEM_ACTOR = "system"


class _AuditFilterFields(forms.Form):
    actor = forms.ChoiceField(label=gettext_lazy("Who"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    object_type = forms.ChoiceField(label=gettext_lazy("Object type"), required=False)
    object_id = forms.CharField(label=gettext_lazy("Object id"), required=False, max_length=64)
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    q = forms.CharField(
        label=gettext_lazy("Object contains"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everyone = [("", _("Anyone"))]
        self.fields["actor"].choices = [  # type: ignore[attr-defined]
            *everyone,
            (SYSTEM_ACTOR, _("No person (API keys, system)")),
            *((str(pk), label) for pk, label in audit_actor_choices(tenant=tenant)),
        ]
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", _("Any action")),
            *AuditLog.Action.choices,
        ]
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            ("", _("Any type")),
            *((label, object_type_label(label)) for label in audited_object_types()),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        actor = data.get("actor") or ""
        return AuditFilters(
            actor=int(actor) if actor.isdigit() else None,
            system_actor=actor == SYSTEM_ACTOR,
            action=data.get("action") or "",
            object_type=data.get("object_type") or "",
            object_id=(data.get("object_id") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            q=(data.get("q") or "").strip(),
        )


class AuditFilterForm(StyledFormMixin, _AuditFilterFields):
    pass


@dataclass
class ChangeRow:
    field: str
    before: str
    after: str


def _custom_field_labels(tenant: Tenant) -> dict[tuple[str, str], str]:
    """(model name, key) -> the custom field's label, in one query for the whole page."""
    definitions = CustomFieldDefinition.objects.filter(tenant=tenant).only(
        "object_type", "key", "label", "label_en"
    )
    english = (get_language() or "ja").startswith("en")
    return {
        (d.object_type, d.key): (d.label_en if english and d.label_en else d.label)
        for d in definitions
    }


def _display(value: Any, choices: dict[Any, Any] | None = None) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if choices and not isinstance(value, list | dict) and value in choices:
        return str(choices[value])
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def change_rows(entry: AuditLog, cf_labels: dict[tuple[str, str], str]) -> list[ChangeRow]:
    """An entry's {field: [before, after]} as rows people can read: the field's label
    instead of its column name, choice labels instead of codes, "—" for empty."""
    model = audited_object_types().get(entry.object_type)
    rows = []
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    for name, pair in changes.items():
        before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        label, choices = name, None
        if name.startswith("custom_fields.") and model is not None:
            key = name.split(".", 1)[1]
            label = cf_labels.get((model._meta.model_name, key), key)
        elif model is not None:
            try:
                field = model._meta.get_field(name)
            except Exception:  # noqa: BLE001 - an old entry may name a field that is gone
                field = None
            if field is not None:
                label = capfirst(str(getattr(field, "verbose_name", name)))
                if getattr(field, "choices", None):
                    choices = dict(field.flatchoices)
        rows.append(ChangeRow(label, _display(before, choices), _display(after, choices)))
    return rows


def _parse_before(request: TenantRequest) -> int | None:
    before = request.GET.get("before", "")
    return int(before) if before.isdigit() else None


@require_perm("audit.view")
@require_GET
def audit(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    form = AuditFilterForm(request.GET or None, tenant=tenant)
    entries: list[AuditLog] = []
    next_before = None
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else AuditFilters()
        entries, next_before = audit_page(
            tenant=tenant, filters=filters, before=_parse_before(request)
        )
    zone = tenant.zone
    cf_labels = _custom_field_labels(tenant) if entries else {}
    for entry in entries:
        entry.local_at = timezone.localtime(entry.at, zone)  # type: ignore[attr-defined]
        entry.type_label = object_type_label(entry.object_type)  # type: ignore[attr-defined]
        entry.change_rows = change_rows(entry, cf_labels)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "settings/audit/list.html",
        {
            "form": form,
            "entries": entries,
            "next_before": next_before,
            "paged": _parse_before(request) is not None,
            "filter_query": query.urlencode(),
            "filtered": any(v for k, v in request.GET.items() if k != "before"),
            "time_zone": str(zone),
        },
    )


# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class _Echo:
    """csv.writer wants a file; this one hands each written line back."""

    def write(self, value: str) -> str:
        return value


def audit_csv_rows(*, tenant: Tenant, filters: AuditFilters) -> Iterator[str]:
    """The CSV, line by line. Runs while the response streams, i.e. after TenantMiddleware
    has returned and reset the tenant context: it enters the tenant itself, or the
    fail-closed manager (and row-level security) would see nothing."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # BOM: Excel reads the file as UTF-8 (Japanese intact)
    yield writer.writerow(
        [
            _("Id"),
            _("Time"),
            _("Who"),
            _("Action"),
            _("Object type"),
            _("Object id"),
            _("Object"),
            _("Field"),
            _("Before"),
            _("After"),
            _("IP address"),
        ]
    )
    zone = tenant.zone
    actions = dict(AuditLog.Action.choices)
    with tenant_context(tenant):
        cf_labels = _custom_field_labels(tenant)
        entries: Iterable[AuditLog] = audit_list(tenant=tenant, filters=filters).iterator(
            chunk_size=2000
        )
        for entry in entries:
            head = [
                entry.pk,
                timezone.localtime(entry.at, zone).strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor_label,
                actions.get(entry.action, entry.action),
                entry.object_type,
                entry.object_id,
                entry.object_repr,
            ]
            rows = change_rows(entry, cf_labels) or [ChangeRow("", "", "")]
            for row in rows:
                cells = [*head, row.field, row.before, row.after, entry.ip or ""]
                yield writer.writerow([csv_safe(cell) for cell in cells])


@require_perm("audit.view")
@require_GET
def audit_export(request: TenantRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, tenant=request.tenant)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Fix the filters before exporting."))
        return redirect(f"{reverse('settings:audit')}?{request.GET.urlencode()}")
    filters = form.filters() if form.is_bound else AuditFilters()
    stamp = timezone.localtime(timezone.now(), request.tenant.zone).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(
        audit_csv_rows(tenant=request.tenant, filters=filters),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response  # type: ignore[return-value]  # require_perm's hint predates streaming


urlpatterns = [
    path("api-keys/", apikeys, name="apikeys"),
    path("api-keys/<int:key_id>/revoke/", apikey_revoke, name="apikey_revoke"),
    path("audit/", audit, name="audit"),
    path("audit/export.csv", audit_export, name="audit_export"),
]
