"""The support mail settings page (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.core.http import TenantRequest
from crm.core.permissions import require_perm

from . import selectors, services
from .forms import MailSettingsForm


@require_perm("settings.manage")
def mail_settings(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    current = services.mail_settings(tenant=tenant)
    new_token = ""
    status = 200
    if request.method == "POST" and request.POST.get("action") == "regenerate":
        # Shown in this response only: never stored in plain text, never in a redirect.
        new_token = services.webhook_token_regenerate(tenant=tenant, actor=request.user)
        current = services.mail_settings(tenant=tenant)
        form = MailSettingsForm(instance=current)
    elif request.method == "POST":
        form = MailSettingsForm(request.POST, instance=services.mail_settings(tenant=tenant))
        if form.is_valid():
            services.mail_settings_update(
                tenant=tenant,
                actor=request.user,
                **{name: form.cleaned_data[name] for name in form.Meta.fields},
            )
            messages.success(request, _("Support mail settings saved."))
            return redirect("support:mail_settings")
        status = 400
    else:
        form = MailSettingsForm(instance=current)
    return render(
        request,
        "support/mail/settings.html",
        {
            "form": form,
            "current": current,
            "new_token": new_token,
            "inbound_address": services.inbound_address(tenant=tenant),
            "example_address": services.inbound_address(tenant=tenant, mail_key="…"),
            "webhook_url": request.build_absolute_uri(reverse("support-inbound-mail")),
            "smtp_port": services.smtp_port(),
            "outbox": selectors.outbox_recent(tenant=tenant),
        },
        status=status,
    )
