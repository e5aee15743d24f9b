from __future__ import annotations

from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from crm.core.services.customfields import customfield_create

    ns.customfield = customfield_create(
        tenant=tenant,
        object_type="contact",
        key="alpha_rank",
        label=f"{MARKER} rank",
        field_type="select",
        choices=[f"{MARKER} gold", "silver"],
    )


ROUTES = {
    "settings:customfield_edit": lambda ns: {"field_id": ns.customfield.pk},
    "settings:customfield_delete": lambda ns: {"field_id": ns.customfield.pk},
    "settings:customfield_move": lambda ns: {"field_id": ns.customfield.pk},
    "customfield-detail": lambda ns: {"pk": ns.customfield.pk},
}
