"""Settings → Custom fields (/settings/custom-fields/): list by object type, create, edit,
delete (with the number of records holding a value), reorder, and a live preview of the
form field a definition builds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import customfields as cf
from ..forms import StyledFormMixin
from ..http import TenantRequest
from ..models import CustomFieldDefinition, FieldType, ObjectType, Tenant
from ..permissions import require_perm
from ..services import customfields as services

PERM = "customfields.manage"


def access_definition(*, tenant: Tenant, field_id: int) -> CustomFieldDefinition:
    """Another tenant's definition is not found (404), never forbidden."""
    return get_object_or_404(CustomFieldDefinition.objects.filter(tenant=tenant), pk=field_id)


def _object_type(value: str | None) -> str:
    return value if value in ObjectType.values else ObjectType.CONTACT


def _list_url(object_type: str) -> str:
    return f"{reverse('settings:customfields')}?type={object_type}"


class _DefinitionFields(forms.Form):
    """Shapes the input; the service decides what is valid (and its errors land here)."""

    object_type = forms.ChoiceField(label=gettext_lazy("Record"), choices=ObjectType.choices)
    label = forms.CharField(label=gettext_lazy("Label (Japanese)"), max_length=100)
    label_en = forms.CharField(
        label=gettext_lazy("Label (English)"), max_length=100, required=False
    )
    key = forms.CharField(
        label=gettext_lazy("Key"),
        max_length=63,
        help_text=gettext_lazy(
            "Used in the API, imports and filters (?cf_key=). Lowercase letters, digits and "
            "underscores, starting with a letter."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    field_type = forms.ChoiceField(
        label=gettext_lazy("Type"),
        choices=FieldType.choices,
        help_text=gettext_lazy("Cannot be changed later."),
    )
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    unique = forms.BooleanField(
        label=gettext_lazy("Unique (no two records may share a value)"), required=False
    )
    choices = forms.CharField(
        label=gettext_lazy("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One option per line."),
    )
    min = forms.CharField(
        label=gettext_lazy("Minimum"),
        required=False,
        help_text=gettext_lazy("Length for text, value for numbers, a date for dates."),
    )
    max = forms.CharField(label=gettext_lazy("Maximum"), required=False)
    regex = forms.CharField(
        label=gettext_lazy("Pattern (regular expression)"),
        required=False,
        help_text=gettext_lazy("The whole value must match, e.g. [A-Z]{2}-\\d{4}."),
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    error_message = forms.CharField(
        label=gettext_lazy("Error message (Japanese)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Shown when a value breaks the pattern or the minimum/maximum."),
    )
    error_message_en = forms.CharField(
        label=gettext_lazy("Error message (English)"), required=False, max_length=200
    )
    default = forms.CharField(
        label=gettext_lazy("Default"),
        required=False,
        help_text=gettext_lazy(
            "Filled in for new records. Yes/no: enter yes or no; multiple select: separate "
            "options with commas."
        ),
    )

    def __init__(self, *args: Any, definition: CustomFieldDefinition | None = None, **kw: Any):
        if definition is not None:
            kw.setdefault("initial", self.initial_for(definition))
        super().__init__(*args, **kw)
        if definition is not None:
            for name in ("object_type", "field_type"):
                self.fields[name].disabled = True
        for name in ("choices", "min", "max", "regex", "error_message", "error_message_en"):
            self.fields[name].widget.attrs["data-cf-rule"] = name
        self.fields["field_type"].widget.attrs["data-cf-type"] = "1"

    @staticmethod
    def initial_for(definition: CustomFieldDefinition) -> dict[str, Any]:
        default = definition.default
        if isinstance(default, list):
            default = ", ".join(default)
        elif isinstance(default, bool):
            default = "yes" if default else "no"
        return {
            "object_type": definition.object_type,
            "label": definition.label,
            "label_en": definition.label_en,
            "key": definition.key,
            "field_type": definition.field_type,
            "required": definition.required,
            "unique": definition.unique,
            "choices": "\n".join(definition.choices or []),
            "min": cf.bound_display(definition, definition.min) or "",
            "max": cf.bound_display(definition, definition.max) or "",
            "regex": definition.regex,
            "error_message": definition.error_message,
            "error_message_en": definition.error_message_en,
            "default": "" if default is None else default,
        }

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["choices"] = (data.get("choices") or "").splitlines()
        for name in ("min", "max", "default"):
            data[name] = data.get(name) or None
        return data


class DefinitionForm(StyledFormMixin, _DefinitionFields):
    """(StyledFormMixin validates while styling, so the fields are settled before it runs.)"""


@require_perm(PERM)
def customfield_list(request: TenantRequest) -> HttpResponse:
    object_type = _object_type(request.GET.get("type"))
    counts = dict(
        CustomFieldDefinition.objects.filter(tenant=request.tenant)
        .values_list("object_type")
        .annotate(n=Count("id"))
        .values_list("object_type", "n")
    )
    definitions = cf.definitions_for(tenant=request.tenant, object_type=object_type)
    tabs = [
        {
            "value": value,
            "label": label,
            "count": counts.get(value, 0),
            "active": value == object_type,
        }
        for value, label in ObjectType.choices
    ]
    rows = [
        {
            "definition": d,
            "label": cf.label_for(d),
            "type_label": FieldType(d.field_type).label,
            "rules": _rules_summary(d),
        }
        for d in definitions
    ]
    return render(
        request,
        "settings/customfields/list.html",
        {
            "tabs": tabs,
            "object_type": object_type,
            "object_label": ObjectType(object_type).label,
            "rows": rows,
            "available": cf.custom_field_model(object_type) is not None,
        },
    )


def _rules_summary(definition: CustomFieldDefinition) -> list[str]:
    rules = []
    if definition.required:
        rules.append(_("required"))
    if definition.unique:
        rules.append(_("unique"))
    if definition.choices:
        rules.append(_("%(n)s options") % {"n": len(definition.choices)})
    low = cf.bound_display(definition, definition.min)
    high = cf.bound_display(definition, definition.max)
    if low is not None or high is not None:
        rules.append(f"{low or ''}–{high or ''}")
    if definition.regex:
        rules.append(_("pattern"))
    return rules


@require_perm(PERM)
def customfield_create(request: TenantRequest) -> HttpResponse:
    object_type = _object_type(request.GET.get("type") or request.POST.get("object_type"))
    form = DefinitionForm(request.POST or None, initial={"object_type": object_type})
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.customfield_create(
                tenant=request.tenant, actor=request.user, **form.service_values()
            )
        except ValidationError as exc:
            cf.add_errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Custom field “%(label)s” added.") % {"label": cf.label_for(definition)},
            )
            return redirect(_list_url(definition.object_type))
    return render(
        request,
        "settings/customfields/form.html",
        {"form": form, "object_type": object_type, "preview": _preview_context(request.POST)},
    )


@require_perm(PERM)
def customfield_edit(request: TenantRequest, field_id: int) -> HttpResponse:
    definition = access_definition(tenant=request.tenant, field_id=field_id)
    form = DefinitionForm(request.POST or None, definition=definition)
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        old_key = definition.key
        removed = [c for c in definition.choices or [] if c not in values["choices"]]
        try:
            in_use = services.customfield_choice_usage(
                tenant=request.tenant, definition=definition, choices=removed
            )
            definition = services.customfield_update(
                tenant=request.tenant, definition=definition, actor=request.user, **values
            )
        except ValidationError as exc:
            cf.add_errors_to_form(form, exc)
        else:
            messages.success(
                request, _("Custom field “%(label)s” saved.") % {"label": cf.label_for(definition)}
            )
            if definition.key != old_key:
                messages.info(
                    request,
                    _(
                        "Stored values are being moved from “%(old)s” to “%(new)s” in the "
                        "background; the API and imports use the new key from now on."
                    )
                    % {"old": old_key, "new": definition.key},
                )
            for choice, count in in_use.items():
                messages.warning(
                    request,
                    _(
                        "%(count)s records still hold the removed option “%(choice)s”. They keep "
                        "it until someone edits them and picks a current option."
                    )
                    % {"count": count, "choice": choice},
                )
            return redirect(_list_url(definition.object_type))
    return render(
        request,
        "settings/customfields/form.html",
        {
            "form": form,
            "definition": definition,
            "object_type": definition.object_type,
            "preview": _preview_context(request.POST or form.initial, definition=definition),
        },
    )


@require_perm(PERM)
def customfield_delete(request: TenantRequest, field_id: int) -> HttpResponse:
    definition = access_definition(tenant=request.tenant, field_id=field_id)
    if request.method == "POST":
        services.customfield_delete(
            tenant=request.tenant, definition=definition, actor=request.user
        )
        messages.success(
            request,
            _("Custom field “%(label)s” deleted; its values are being removed in the background.")
            % {"label": cf.label_for(definition)},
        )
        return redirect(_list_url(definition.object_type))
    count = services.customfield_value_count(tenant=request.tenant, definition=definition)
    return render(
        request,
        "settings/customfields/delete.html",
        {"definition": definition, "label": cf.label_for(definition), "count": count},
    )


@require_POST
@require_perm(PERM)
def customfield_move(request: TenantRequest, field_id: int) -> HttpResponse:
    definition = access_definition(tenant=request.tenant, field_id=field_id)
    try:
        services.customfield_move(
            tenant=request.tenant,
            definition=definition,
            direction=request.POST.get("direction", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_list_url(definition.object_type))


def _preview_definition(params: Any, definition: CustomFieldDefinition | None = None) -> Any:
    """A throwaway definition from the form's current values, as far as they make sense
    (the preview shows the field; saving is what checks the definition)."""
    field_type = definition.field_type if definition else params.get("field_type")
    if field_type not in FieldType.values:
        field_type = FieldType.TEXT
    ignored: dict[str, list[str]] = {}
    probe = CustomFieldDefinition(
        object_type=_object_type(params.get("object_type")),
        key=params.get("key") or "preview",
        label=params.get("label") or _("(no label yet)"),
        label_en=params.get("label_en") or "",
        field_type=field_type,
        required=str(params.get("required", "")).lower() in ("on", "true", "1"),
        choices=[c.strip() for c in str(params.get("choices") or "").splitlines() if c.strip()],
        error_message=params.get("error_message") or "",
        error_message_en=params.get("error_message_en") or "",
    )
    probe.min = services._parse_bound(field_type, params.get("min"), "min", ignored)
    probe.max = services._parse_bound(field_type, params.get("max"), "max", ignored)
    regex = str(params.get("regex") or "")
    if regex and field_type in cf.TEXT_LIKE:
        try:
            if not services._nested_repeat(services.sre_parse.parse(regex)):
                probe.regex = regex
        except Exception:  # noqa: BLE001 - an unfinished pattern just is not previewed
            probe.regex = ""
    try:
        probe.default = cf.to_json(probe, cf.coerce(probe, params.get("default")))
    except ValidationError:
        probe.default = None
    return probe


def _preview_context(params: Any, definition: CustomFieldDefinition | None = None) -> dict:
    probe = _preview_definition(params, definition)
    form = forms.Form(
        data={"preview_value": params.get("preview_value")}
        if params.get("preview_value")
        else None,
        initial={"preview_value": probe.default},
    )
    form.fields["preview_value"] = cf.build_form_field(probe)
    widget = form.fields["preview_value"].widget
    css = (
        "d-flex flex-wrap gap-3"
        if isinstance(widget, cf.CheckboxList)
        else "form-check-input"
        if isinstance(widget, forms.CheckboxInput)
        else "form-select"
        if isinstance(widget, forms.Select)
        else "form-control"
    )
    widget.attrs["class"] = css
    widget.attrs["id"] = "cf-preview-input"
    accepted = form.is_bound and form.is_valid()
    return {"preview_form": form, "preview_field": form["preview_value"], "accepted": accepted}


@require_perm(PERM)
def customfield_preview(request: TenantRequest) -> HttpResponse:
    """The field as people will see it, rebuilt as the admin edits the definition (htmx);
    a value typed into it is checked against the rules."""
    definition = None
    field_id = request.GET.get("field_id", "")
    if field_id.isdigit():
        definition = access_definition(tenant=request.tenant, field_id=int(field_id))
    return render(
        request,
        "settings/customfields/partials/preview.html",
        _preview_context(request.GET, definition),
    )


urlpatterns = [
    path("", customfield_list, name="customfields"),
    path("new/", customfield_create, name="customfield_create"),
    path("preview/", customfield_preview, name="customfield_preview"),
    path("<int:field_id>/edit/", customfield_edit, name="customfield_edit"),
    path("<int:field_id>/delete/", customfield_delete, name="customfield_delete"),
    path("<int:field_id>/move/", customfield_move, name="customfield_move"),
]
