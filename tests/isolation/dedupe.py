from __future__ import annotations

from typing import Any

from tests.factories import make_contact

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    ns.dup_a = make_contact(
        tenant, last_name=MARKER, first_name="重複", email=f"dup.{MARKER.lower()}@alpha.example.com"
    )
    ns.dup_b = make_contact(
        tenant, last_name=MARKER, first_name="重複", email=f"DUP.{MARKER}@alpha.example.com"
    )


ROUTES = {
    "contacts:duplicate_merge": lambda ns: {"a_id": ns.dup_a.pk, "b_id": ns.dup_b.pk},
    "contacts:duplicate_dismiss": lambda ns: {"a_id": ns.dup_a.pk, "b_id": ns.dup_b.pk},
    "contact-dedupe-merge": lambda ns: {"pk": ns.dup_a.pk},
}
