from __future__ import annotations

from typing import Any

from django import template

from crm.core.normalize import format_phone

register = template.Library()

KIND_ICONS = {
    "note": "bi-journal-text",
    "call": "bi-telephone",
    "meeting": "bi-people",
    "email": "bi-envelope",
    "task": "bi-check2-square",
    "deal": "bi-briefcase",
    "ticket": "bi-life-preserver",
    "purchase": "bi-bag",
    "field_change": "bi-pencil",
    "import": "bi-upload",
}


@register.filter
def phone_display(value: str) -> str:
    """E.164 as people read it: 03-1234-5678 (international format outside Japan)."""
    return format_phone(value or "")


@register.filter
def kind_icon(kind: str) -> str:
    return KIND_ICONS.get(kind, "bi-dot")


@register.filter
def timeline_changes(data: Any) -> list[tuple[str, Any, Any]]:
    changes = (data or {}).get("changes") or {}
    return [(name, pair[0], pair[1]) for name, pair in changes.items() if len(pair) == 2]
