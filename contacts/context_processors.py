from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def cti(request: HttpRequest) -> dict[str, Any]:
    """`cti_pops`: whether base.html loads the screen pop script (the member has an
    extension in this tenant)."""
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if tenant is None or user is None or not user.is_authenticated:
        return {"cti_pops": False}
    from .cti.selectors import extension_users

    return {"cti_pops": user.pk in extension_users(tenant=tenant)}
