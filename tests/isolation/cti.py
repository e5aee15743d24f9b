from __future__ import annotations

from typing import Any

from django.utils import timezone

from tests.factories import make_contact, owner_of

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from contacts.cti import services

    alice = owner_of(tenant)
    services.cti_secret_rotate(tenant=tenant)
    ns.cti_extension = services.cti_extension_set(tenant=tenant, user_id=alice.pk, extension="201")
    ns.cti_contact = make_contact(tenant, last_name=f"{MARKER} caller", phone="03-5555-0101")
    ns.cti_call, _applied = services.cti_call_event_record(
        tenant=tenant,
        event=services.CallEvent(
            call_id=f"{MARKER}-call",
            event="ringing",
            caller="03-5555-0101",
            extension="201",
            occurred_at=timezone.now(),
        ),
    )


ROUTES = {
    "cti-pop-outcome": lambda ns: {"pk": ns.cti_call.pk},
    "cti-pop-contact": lambda ns: {"pk": ns.cti_call.pk},
    "cti-pop-dismiss": lambda ns: {"pk": ns.cti_call.pk},
    "settings:cti_extension_delete": lambda ns: {"extension_id": ns.cti_extension.pk},
}
