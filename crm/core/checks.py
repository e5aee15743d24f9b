"""System check: every concrete model with a tenant column uses the fail-closed manager."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks


@checks.register()
def tenant_owned_models_fail_closed(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from .models import TenantManager

    errors = []
    for model in apps.get_models():
        has_tenant = any(f.name == "tenant" for f in model._meta.concrete_fields)
        if has_tenant and not isinstance(model._default_manager, TenantManager):
            errors.append(
                checks.Error(
                    f"{model._meta.label} has a tenant but its default manager is not "
                    "TenantManager",
                    hint="Inherit crm.core.models.TenantOwned.",
                    id="crm.E001",
                )
            )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def site_url_for_mail_links(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Mails sent by beat and the worker (reminders, CSAT links) have no request to take the
    host from: without CRM_SITE_URL their links would be relative and useless in a mail."""
    from django.conf import settings

    if settings.SITE_URL:
        return []
    return [
        checks.Warning(
            "CRM_SITE_URL is not set: links in reminder and CSAT mails will have no host.",
            hint="Set CRM_SITE_URL to the address users open, e.g. https://crm.example.jp",
            id="crm.W001",
        )
    ]
