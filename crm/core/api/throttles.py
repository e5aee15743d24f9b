"""Rate limits: one bucket per API key and one per tenant (all its keys and browser sessions
together), so one busy integration cannot starve the rest of its tenant, and one tenant
cannot starve the others. Counters live in the cache (Redis), shared by every web process.

Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] ("api_key", "tenant"). DRF copies
that dict onto the class once, at import time (`SimpleRateThrottle.THROTTLE_RATES`); we read
the live setting on every request instead, so a changed setting (a test's `settings`
fixture, or a deployment that reloads settings) takes effect without restarting anything.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from ..models import ApiKey


class _LiveRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        # api_settings is reloaded by DRF on `setting_changed`; the class attribute is not.
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No DEFAULT_THROTTLE_RATES entry for scope {self.scope!r}")
        rate = rates[self.scope]
        return None if rate is None else str(rate)


class ApiKeyThrottle(_LiveRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiKey):
            return None
        return f"throttle:key:{request.auth.pk}"


class TenantThrottle(_LiveRateThrottle):
    scope = "tenant"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        tenant = getattr(request._request, "tenant", None)
        if tenant is None:
            return None
        return f"throttle:tenant:{tenant.pk}"
