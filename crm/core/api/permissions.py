from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import permissions
from rest_framework.request import Request

from ..models import ApiKey
from ..roles import has_perm

SAFE = ("GET", "HEAD", "OPTIONS")


def api_role(request: Request) -> str | None:
    if isinstance(request.auth, ApiKey):
        return request.auth.role
    membership = getattr(request._request, "membership", None)
    return membership.role if membership is not None else None


def required_perm(view: Any, method: str) -> str:
    """Views declare `perm_view` and `perm_edit` (or `required_perms` per action)."""
    action = getattr(view, "action", None)
    per_action = getattr(view, "required_perms", {})
    if action in per_action:
        return per_action[action]
    return view.perm_view if method in SAFE else view.perm_edit


class HasRolePermission(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(request._request, "tenant", None) is None:
            # authenticated, but in no tenant: nothing here is theirs
            raise Http404
        return has_perm(api_role(request), required_perm(view, request.method or "GET"))
