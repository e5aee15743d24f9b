"""Settings → CTI (/settings/cti/, namespace "settings"): the webhook's signing secret and
the members' extensions. Admins only (settings.manage)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from crm.core.forms import StyledFormMixin
from crm.core.http import TenantRequest
from crm.core.models import Membership, Tenant
from crm.core.permissions import require_perm

from . import selectors, services


class _ExtensionFields(forms.Form):
    user = forms.TypedChoiceField(label=gettext_lazy("Member"), coerce=int)
    extension = forms.CharField(
        label=gettext_lazy("Extension"),
        max_length=40,
        help_text=gettext_lazy(
            "The number the phone system sends as “to” / “extension” when this member's "
            "phone rings, e.g. 201."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = (
            Membership.objects.filter(tenant=tenant, is_active=True)
            .select_related("user")
            .order_by("user__email")
        )
        self.fields["user"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (m.user_id, str(m.user)) for m in members
        ]


class ExtensionForm(StyledFormMixin, _ExtensionFields):
    pass


def _page(request: TenantRequest, form: ExtensionForm, secret: str = "") -> HttpResponse:
    tenant = request.tenant
    return render(
        request,
        "cti/settings.html",
        {
            "settings_row": selectors.cti_settings(tenant=tenant),
            "extensions": selectors.extension_list(tenant=tenant),
            "form": form,
            "secret": secret,
            "webhook_url": request.build_absolute_uri(reverse("cti-calls")),
        },
    )


@require_perm("settings.manage")
@never_cache  # may carry the revealed secret
def cti_settings(request: TenantRequest) -> HttpResponse:
    form = ExtensionForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.cti_extension_set(
                tenant=request.tenant,
                user_id=form.cleaned_data["user"],
                extension=form.cleaned_data["extension"],
                actor=request.user,
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        else:
            messages.success(
                request,
                _("Extension %(ext)s now rings for %(user)s.")
                % {"ext": row.extension, "user": row.user},
            )
            return redirect("settings:cti")
    return _page(request, form)


@require_POST
@require_perm("settings.manage")
@never_cache
def cti_secret(request: TenantRequest) -> HttpResponse:
    """Generate / rotate (action=rotate) or reveal (action=reveal) the signing secret. The
    secret is shown in this response only, never put in a message or the session."""
    action = request.POST.get("action", "")
    form = ExtensionForm(tenant=request.tenant)
    if action == "rotate":
        row = services.cti_secret_rotate(tenant=request.tenant, actor=request.user)
        messages.success(
            request,
            _(
                "New signing secret created. Put it into your phone system now: the old one no "
                "longer works."
            ),
        )
        return _page(request, form, secret=row.secret)
    if action == "reveal":
        try:
            secret = services.cti_secret_reveal(tenant=request.tenant, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("settings:cti")
        return _page(request, form, secret=secret)
    messages.error(request, _("Choose to reveal or to rotate the secret."))
    return redirect("settings:cti")


@require_POST
@require_perm("settings.manage")
def cti_extension_delete(request: TenantRequest, extension_id: int) -> HttpResponse:
    row = selectors.access_extension(tenant=request.tenant, extension_id=extension_id)
    services.cti_extension_remove(tenant=request.tenant, row=row, actor=request.user)
    messages.success(
        request,
        _("Extension %(ext)s removed: %(user)s gets no more screen pops.")
        % {"ext": row.extension, "user": row.user},
    )
    return redirect("settings:cti")
