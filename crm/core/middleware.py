from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from . import context
from .models import Membership

SESSION_TENANT_KEY = "crm_tenant_id"


def client_ip(request: HttpRequest) -> str | None:
    # Behind the docker-compose proxy the real address is the first X-Forwarded-For entry;
    # we only trust it when told to (TRUST_X_FORWARDED_FOR), else anyone could forge it.
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


def resolve_membership(request: HttpRequest) -> Membership | None:
    """The membership the logged-in user acts through: the tenant chosen in the session if
    they still belong to it, else their first one."""
    memberships = list(
        Membership.all_tenants.filter(user=request.user, is_active=True)  # type: ignore[misc]
        .select_related("tenant")
        .order_by("id")
    )
    request.crm_memberships = memberships  # type: ignore[attr-defined]
    chosen = request.session.get(SESSION_TENANT_KEY)
    for membership in memberships:
        if membership.tenant_id == chosen:
            return membership
    return memberships[0] if memberships else None


class TenantMiddleware:
    """Resolves the tenant once per request and holds it in the context variables.

    The whole request runs inside `contextvars.copy_context()`: whatever is set during it
    (here, or by the API-key authentication) is gone when it returns or raises, so nothing
    carries over to the next request on this thread or connection."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return contextvars.copy_context().run(self._handle, request)

    def _handle(self, request: HttpRequest) -> HttpResponse:
        meta = context.RequestMeta(
            ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300]
        )
        request.tenant = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        request.crm_memberships = []  # type: ignore[attr-defined]
        with context.request_meta(meta):
            if not request.user.is_authenticated:
                return self.get_response(request)
            with context.user_context(request.user.pk):
                membership = resolve_membership(request)
                if membership is None:
                    return self.get_response(request)
                request.membership = membership  # type: ignore[attr-defined]
                request.tenant = membership.tenant  # type: ignore[attr-defined]
                with context.tenant_context(membership.tenant, actor=request.user):
                    return self.get_response(request)


class RequireTwoFactorMiddleware:
    """When a tenant requires 2FA, members without a TOTP authenticator can only reach the
    pages that let them set one up (and log out)."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/healthz", "/api/", "/dev/mail")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if (
            tenant is not None
            and tenant.require_2fa
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not _has_totp(request.user.pk or 0)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _has_totp(user_id: int) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).exists()


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
