from __future__ import annotations

import contextvars
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import context
from .models import Membership, User

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
                    # Dates and times show in the tenant's zone for the whole request.
                    timezone.activate(membership.tenant.zone)
                    try:
                        return self.get_response(request)
                    finally:
                        timezone.deactivate()


class UserLanguageMiddleware:
    """A logged-in user's saved language (User.language) wins over the browser's; choosing a
    language in the switcher (Django's set_language view, which sets the cookie) also saves
    it to the user, so the switcher keeps working and the choice follows them to other
    devices. Runs after AuthenticationMiddleware (LocaleMiddleware runs before it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        languages = dict(settings.LANGUAGES)
        if request.method == "POST" and request.path == reverse("set_language"):
            response = self.get_response(request)
            chosen = request.POST.get("language", "")
            if response.status_code < 400 and chosen in languages and chosen != user.language:
                User.objects.filter(pk=user.pk).update(language=chosen)
            return response
        if user.language in languages:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language  # type: ignore[attr-defined]
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """When a tenant requires 2FA, members without a TOTP authenticator can only reach the
    pages that let them set one up (and log out), accept an invitation or switch to another
    tenant. The session API is refused too (API keys never reach this: they carry no
    session tenant)."""

    ALLOWED_PREFIXES = (
        "/accounts/",
        "/static/",
        "/i18n/",
        "/healthz",
        "/dev/mail",
        "/invitations/",
        "/tenants/switch/",
    )

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
            if request.path.startswith("/api/"):
                message = _("This tenant requires two-factor authentication. Set it up first.")
                return JsonResponse(
                    {"error": {"code": "two_factor_required", "message": message, "fields": {}}},
                    status=403,
                )
            messages.info(
                request,
                _(
                    "%(tenant)s requires two-factor authentication. Set up an authenticator "
                    "app to continue."
                )
                % {"tenant": tenant.name},
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _has_totp(user_id: int) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).exists()


class SessionIdleRefreshMiddleware:
    """Restarts a logged-in session's idle clock at most once every SESSION_REFRESH_SECONDS:
    the session is marked modified (so SessionMiddleware, which runs after this on the way
    out, saves it with a new expiry and re-sends the cookie) only when its last refresh is
    older than that. Requests without a session key (anonymous visitors, the public portal)
    and probes that detach the session (healthz) are left alone: nothing is created."""

    KEY = "_refreshed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.modified:
            return response
        now = int(time.time())
        if now - int(session.get(self.KEY, 0)) >= settings.SESSION_REFRESH_SECONDS:
            session[self.KEY] = now
        return response


def session_refreshed_on_login(sender: object, request: HttpRequest, **kwargs: object) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session[SessionIdleRefreshMiddleware.KEY] = int(time.time())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
