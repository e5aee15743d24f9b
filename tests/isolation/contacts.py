from __future__ import annotations

from typing import Any

from tests.factories import make_contact

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    ns.contact = make_contact(
        tenant, last_name=MARKER, first_name="太郎", email=f"{MARKER.lower()}@alpha.example.com"
    )


ROUTES = {
    "contacts:detail": lambda ns: {"contact_id": ns.contact.pk},
    "contacts:edit": lambda ns: {"contact_id": ns.contact.pk},
    "contact-detail": lambda ns: {"pk": ns.contact.pk},
}
