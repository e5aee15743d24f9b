from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from .models import Membership, Tenant


class TenantRequest(HttpRequest):
    """What TenantMiddleware adds to a request (for annotations only)."""

    tenant: Tenant
    membership: Membership
    crm_memberships: list[Membership]


class TenantAPIMixin:
    """For DRF views: the tenant the request was authenticated into."""

    request: Any

    @property
    def tenant(self) -> Tenant:
        return self.request._request.tenant
