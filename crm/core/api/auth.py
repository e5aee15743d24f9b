from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .. import context
from ..models import ApiKey


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _local(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


@dataclass
class ApiKeyPrincipal:
    """Stands in for a user when a request is authenticated by an API key."""

    key: ApiKey
    pk: None = None
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_active: bool = True

    def __str__(self) -> str:
        return f"API key {self.key.name}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace")
        parts = header.split()
        # The scheme name is case-insensitive (RFC 7235), the key itself is not.
        if not parts or parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as 'Authorization: Bearer <key>'.")
            )
        digest = hash_key(parts[1])
        # The key's row is readable by whoever holds the key (RLS policy on core_apikey).
        with context.lookup_by_secret(digest):
            key = ApiKey.all_tenants.select_related("tenant").filter(key_hash=digest).first()
        if key is None:
            raise exceptions.AuthenticationFailed(
                _("This API key is not valid. Check that you copied the whole key."),
                code="invalid_api_key",
            )
        if key.revoked_at is not None:
            # Only the holder of the key learns that it existed: the lookup above needs it.
            raise exceptions.AuthenticationFailed(
                _(
                    "This API key was revoked on %(date)s. Ask an administrator of your "
                    "tenant for a new key."
                )
                % {"date": _local(key.revoked_at, key.tenant.zone)},
                code="api_key_revoked",
            )
        principal = ApiKeyPrincipal(key=key)
        context.activate_for_request(key.tenant, actor=principal)
        request._request.tenant = key.tenant  # type: ignore[attr-defined]
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return principal, key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TenantSessionAuthentication(authentication.SessionAuthentication):
    """Browser session; the tenant was already entered by TenantMiddleware."""
