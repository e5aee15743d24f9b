from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from .permissions import request_role
from .roles import has_perm

# (label, url name, permission). Apps add their entries here as they arrive.
NAV: list[tuple[Any, str, str]] = [
    (_("Home"), "home", "app.use"),
    (_("Contacts"), "contacts:list", "contacts.view"),
    (_("Companies"), "contacts:company_list", "contacts.view"),
    (_("My day"), "sales:my_day", "sales.view"),
    (_("Calendar"), "sales:calendar", "sales.view"),
    (_("Deals"), "sales:deal_board", "sales.view"),
    (_("Daily reports"), "sales:report_list", "sales.view"),
    (_("Forecast"), "sales:forecast", "sales.view"),
    (_("Products"), "sales:product_list", "sales.view"),
    (_("Orders"), "sales:order_list", "sales.view"),
    (_("Inquiries"), "support:queue", "support.view"),
    (_("Reply templates"), "support:template_list", "support.view"),
    (_("FAQ"), "support:article_list", "support.view"),
    (_("Support analytics"), "support:insights", "support.view"),
]
SETTINGS_NAV: list[tuple[Any, str, str]] = [
    (_("Users and roles"), "settings:users", "users.manage"),
    (_("Custom fields"), "settings:customfields", "customfields.manage"),
    (_("API keys"), "settings:apikeys", "apikeys.manage"),
    (_("Audit log"), "settings:audit", "audit.view"),
    (_("Login history"), "settings:logins", "audit.view"),
    (_("Tenant settings"), "settings:tenant", "settings.manage"),
    (_("Phone system (CTI)"), "settings:cti", "settings.manage"),
    (_("Pipelines"), "sales:pipeline_settings", "settings.manage"),
    (_("Sales settings"), "sales:sales_settings", "settings.manage"),
    (_("Daily report settings"), "sales:report_settings", "settings.manage"),
    (_("Inquiry categories and teams"), "support:category_settings", "settings.manage"),
    (_("Support mail"), "support:mail_settings", "settings.manage"),
    (_("SLA policies and business hours"), "support:sla_settings", "settings.manage"),
    (_("Inquiry forms"), "support:form_list", "settings.manage"),
]


@lru_cache(maxsize=256)
def _nav_url(name: str, prefix: str) -> str:
    """A menu entry's URL: the URL patterns never change while the process runs, so each
    is reversed once per script prefix ('' when the page is not built yet), instead of
    some 30 reverse() calls on every page."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _links(request: HttpRequest, items: list[tuple[Any, str, str]]) -> list[dict[str, Any]]:
    role = request_role(request)
    prefix = get_script_prefix()
    links = []
    for label, name, perm in items:
        if not has_perm(role, perm):
            continue
        url = _nav_url(name, prefix)
        if not url:
            continue  # the page is not built yet
        links.append(
            {
                "label": label,
                "url": url,
                "active": request.path.startswith(url) and (url != "/" or request.path == "/"),
            }
        )
    return links


def shell(request: HttpRequest) -> dict[str, Any]:
    if getattr(request, "tenant", None) is None:
        return {"nav": [], "settings_nav": []}
    return {
        "nav": _links(request, NAV),
        "settings_nav": _links(request, SETTINGS_NAV),
        "current_role": request_role(request),
    }
