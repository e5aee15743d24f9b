from __future__ import annotations

from typing import Any

from tests.factories import owner_of

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from contacts.savedviews.services import saved_view_create

    ns.saved_view = saved_view_create(
        tenant=tenant,
        owner=owner_of(tenant),
        name=f"{MARKER} view",
        params={"tag": [MARKER], "lifecycle_stage": ["lead"]},
        is_shared=True,
    )


ROUTES = {
    "contacts:savedview_edit": lambda ns: {"view_id": ns.saved_view.pk},
    "contacts:savedview_update": lambda ns: {"view_id": ns.saved_view.pk},
    "contacts:savedview_delete": lambda ns: {"view_id": ns.saved_view.pk},
    "contact-savedview-detail": lambda ns: {"pk": ns.saved_view.pk},
}
