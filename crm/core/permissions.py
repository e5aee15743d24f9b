"""Page-level access: every view declares the permission it needs (or that it is public).

The declaration is an attribute on the view, so the role x endpoint matrix test can read
what each route demands and check that the server enforces exactly that."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .roles import has_perm


def request_role(request: HttpRequest) -> str | None:
    membership = getattr(request, "membership", None)
    return membership.role if membership is not None else None


def require_perm(perm: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect(f"/accounts/login/?next={request.get_full_path()}")
            if getattr(request, "tenant", None) is None:
                return redirect("no_tenant")
            if not has_perm(request_role(request), perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_perm = perm  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    view.is_public = True  # type: ignore[attr-defined]
    return view


def login_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Needs a logged-in user but no tenant (choosing or leaving tenants)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.get_full_path()}")
        return view(request, *args, **kwargs)

    wrapped.login_only = True  # type: ignore[attr-defined]
    return wrapped
