from __future__ import annotations

from typing import Any

from django.utils import timezone

from tests.factories import make_contact

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from contacts.services import company_create, contact_soft_delete, timeline_add

    ns.company = company_create(tenant=tenant, name=f"{MARKER} 株式会社")
    ns.contact = make_contact(
        tenant,
        last_name=MARKER,
        first_name="太郎",
        email=f"{MARKER.lower()}@alpha.example.com",
        company=ns.company.pk,
    )
    timeline_add(
        tenant=tenant,
        contact=ns.contact,
        kind="note",
        occurred_at=timezone.now(),
        subject=MARKER,
        body=MARKER,
    )
    ns.deleted_contact = make_contact(tenant, last_name=f"{MARKER} deleted")
    contact_soft_delete(tenant=tenant, contact=ns.deleted_contact)
    ns.deleted_company = company_create(tenant=tenant, name=f"{MARKER} deleted company")
    from contacts.services import company_soft_delete

    company_soft_delete(tenant=tenant, company=ns.deleted_company)


ROUTES = {
    "contacts:detail": lambda ns: {"contact_id": ns.contact.pk},
    "contacts:edit": lambda ns: {"contact_id": ns.contact.pk},
    "contacts:delete": lambda ns: {"contact_id": ns.contact.pk},
    "contacts:restore": lambda ns: {"contact_id": ns.deleted_contact.pk},
    "contacts:note": lambda ns: {"contact_id": ns.contact.pk},
    "contacts:call": lambda ns: {"contact_id": ns.contact.pk},
    "contacts:company_detail": lambda ns: {"company_id": ns.company.pk},
    "contacts:company_edit": lambda ns: {"company_id": ns.company.pk},
    "contacts:company_delete": lambda ns: {"company_id": ns.company.pk},
    "contacts:company_restore": lambda ns: {"company_id": ns.deleted_company.pk},
    "contact-detail": lambda ns: {"pk": ns.contact.pk},
    "contact-timeline": lambda ns: {"pk": ns.contact.pk},
    "contact-restore": lambda ns: {"pk": ns.deleted_contact.pk},
    "company-detail": lambda ns: {"pk": ns.company.pk},
    "company-timeline": lambda ns: {"pk": ns.company.pk},
}
