from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiKey


class ApiKeyThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return f"throttle:key:{request.auth.pk}"


class TenantThrottle(SimpleRateThrottle):
    scope = "tenant"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        tenant = getattr(request._request, "tenant", None)
        if tenant is None:
            return None
        return f"throttle:tenant:{tenant.pk}"
