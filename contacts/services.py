from __future__ import annotations

from typing import Any

from django.db import transaction

from crm.core.customfields import save_custom_fields
from crm.core.models import AuditLog, ObjectType, Tenant
from crm.core.services.audit import audit_record, diff, snapshot

from .models import Contact

EDITABLE = (
    "last_name",
    "first_name",
    "last_name_kana",
    "first_name_kana",
    "email",
    "phone",
    "owner",
    "custom_fields",
)


@transaction.atomic
def contact_create(*, tenant: Tenant, actor: Any = None, **data: Any) -> Contact:
    contact = Contact(tenant=tenant, **{k: v for k, v in data.items() if k in EDITABLE})
    # Every way in (form, API, import) goes through the definitions' rules here.
    contact.custom_fields = save_custom_fields(
        tenant=tenant, object_type=ObjectType.CONTACT, data=data.get("custom_fields"), creating=True
    )
    contact.full_clean(exclude=["tenant", "owner"])
    contact.save()
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.CREATE,
        obj=contact,
        actor=actor,
        changes=diff({}, snapshot(contact)),
    )
    return contact


@transaction.atomic
def contact_update(*, tenant: Tenant, contact: Contact, actor: Any = None, **data: Any) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk, tenant=tenant)
    before = snapshot(contact)
    for key, value in data.items():
        if key in EDITABLE and key != "custom_fields":
            setattr(contact, key, value)
    if "custom_fields" in data:
        contact.custom_fields = save_custom_fields(
            tenant=tenant,
            object_type=ObjectType.CONTACT,
            data=data["custom_fields"],
            existing=before["custom_fields"],
            instance_pk=contact.pk,
            creating=False,
        )
    contact.full_clean(exclude=["tenant", "owner"])
    contact.save()
    changes = diff(before, snapshot(contact))
    if changes:
        audit_record(
            tenant=tenant, action=AuditLog.Action.UPDATE, obj=contact, actor=actor, changes=changes
        )
    return contact


@transaction.atomic
def contact_delete(*, tenant: Tenant, contact: Contact, actor: Any = None) -> None:
    before = snapshot(contact)
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.DELETE,
        obj=contact,
        actor=actor,
        changes=diff(before, {}),
    )
    Contact.objects.filter(pk=contact.pk, tenant=tenant).delete()
