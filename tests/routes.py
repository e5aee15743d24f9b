"""Enumerates every URL pattern of the project, with what each one demands for access."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from crm.core.roles import has_perm

# Views that do their own authentication (allauth) or are framework plumbing.
EXEMPT_MODULE_PREFIXES = ("allauth.", "django.views.i18n", "django.views.static")


@dataclass
class Route:
    name: str  # "namespace:name"
    pattern: str
    callback: Any
    params: list[str] = field(default_factory=list)

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/v1/")

    @property
    def drf_view(self) -> Any:
        return getattr(self.callback, "cls", None)

    @property
    def exempt(self) -> bool:
        module = getattr(self.callback, "__module__", "") or ""
        view_class = getattr(self.callback, "view_class", None)
        if view_class is not None:
            module = view_class.__module__
        return module.startswith(EXEMPT_MODULE_PREFIXES)

    @property
    def is_public(self) -> bool:
        # A DRF view declares it on the class (as_view() does not copy class attributes).
        return bool(getattr(self.callback, "is_public", False)) or bool(
            getattr(self.drf_view, "is_public", False)
        )

    @property
    def login_only(self) -> bool:
        return bool(getattr(self.callback, "login_only", False))

    def perm_for(self, method: str) -> str | None:
        """The permission this route demands for `method`, as the view declares it."""
        if self.drf_view is not None:
            actions = getattr(self.callback, "actions", None) or {}
            action = actions.get(method.lower())
            declared = getattr(self.drf_view, "required_perms", {})
            if action in declared:
                return declared[action]
            if method in ("GET", "HEAD", "OPTIONS"):
                return self.drf_view.perm_view
            return self.drf_view.perm_edit
        return getattr(self.callback, "required_perm", None)

    def allowed(self, role: str, method: str) -> bool:
        perm = self.perm_for(method)
        return perm is not None and has_perm(role, perm)


def _params(entry: URLPattern | URLResolver) -> list[str]:
    regex = getattr(entry.pattern, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def _walk(patterns: list[Any], prefix: str, namespace: str, params: list[str]) -> list[Route]:
    routes: list[Route] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += _walk(
                entry.url_patterns, prefix + str(entry.pattern), ns, params + _params(entry)
            )
        elif isinstance(entry, URLPattern):
            routes.append(
                Route(
                    name=f"{namespace}{entry.name}" if entry.name else "",
                    pattern=prefix + str(entry.pattern),
                    callback=entry.callback,
                    params=params + _params(entry),
                )
            )
    return routes


def all_routes() -> list[Route]:
    return _walk(get_resolver().url_patterns, "", "", [])
