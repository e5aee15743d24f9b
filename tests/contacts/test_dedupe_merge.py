"""contact_merge: chosen values, tags union, custom fields per key, timeline and references
moved set-based through the hook registry, soft delete with merged_into, audit, refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from contacts.dedupe import hooks
from contacts.dedupe.services import contact_merge, default_choices
from contacts.importers.models import ImportChange, ImportJob
from contacts.models import Contact, Interaction
from contacts.services import contact_soft_delete, timeline_add
from crm.core.context import tenant_context
from crm.core.models import AuditLog, CustomFieldDefinition
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def note(tenant, contact, text):
    return timeline_add(
        tenant=tenant, contact=contact, kind="note", occurred_at=timezone.now(), subject=text
    )


def test_it_keeps_the_chosen_values_and_moves_the_timeline(tenant, member) -> None:
    survivor = make_contact(
        tenant, last_name="佐藤", first_name="花子", email="hanako@example.com", tags=["vip"]
    )
    other = make_contact(
        tenant,
        last_name="佐藤",
        first_name="はなこ",
        email="HANAKO@example.com",
        phone="03-1234-5678",
        title="部長",
        tags=["seminar", "vip"],
        customer_code="C-1",
    )
    with tenant_context(tenant):
        note(tenant, survivor, "survivor's note")
        note(tenant, other, "other's note")
        job = ImportJob.objects.create(tenant=tenant, file_name="old.csv")
        ImportChange.objects.create(tenant=tenant, job=job, kind="created", object_id=other.pk)
        merged = contact_merge(
            tenant=tenant,
            actor=member,
            survivor=survivor,
            other=other,
            choices={"first_name": "survivor", "title": "other", "customer_code": "other"},
        )
        subjects = set(Interaction.objects.filter(contact=merged).values_list("subject", flat=True))
        gone = Contact.objects.get(pk=other.pk)
        change = ImportChange.objects.get(job=job)
        audit = AuditLog.objects.filter(action="merge", object_id=str(survivor.pk)).get()
        update = AuditLog.objects.filter(action="update", object_id=str(survivor.pk)).get()
    assert merged.pk == survivor.pk
    assert (merged.first_name, merged.title, merged.phone) == ("花子", "部長", "+81312345678")
    assert merged.customer_code == "C-1" and gone.customer_code == ""
    assert merged.tags == ["vip", "seminar"]
    assert {"survivor's note", "other's note"} <= subjects
    assert any(s.startswith("Merged with") and f"#{other.pk}" in s for s in subjects)
    assert gone.deleted_at is not None and gone.merged_into_id == survivor.pk
    assert change.object_id == survivor.pk
    assert audit.changes["merged_contact_id"] == [other.pk, survivor.pk]
    assert audit.changes["moved"]["contacts.interaction.contact"] == 1
    assert update.changes["title"] == ["", "部長"]
    assert update.changes["customer_code"] == ["", "C-1"]


def test_custom_fields_are_chosen_per_key(tenant, member) -> None:
    with tenant_context(tenant):
        for key in ("rank", "memo"):
            CustomFieldDefinition.objects.create(
                tenant=tenant,
                object_type="contact",
                key=key,
                label=key,
                field_type="text",
            )
    survivor = make_contact(tenant, custom_fields={"rank": "A", "memo": "old"})
    other = make_contact(tenant, first_name="次郎", custom_fields={"rank": "B", "memo": "new"})
    with tenant_context(tenant):
        merged = contact_merge(
            tenant=tenant,
            actor=member,
            survivor=survivor,
            other=other,
            choices={"custom_fields.rank": "survivor", "custom_fields.memo": "other"},
        )
    assert merged.custom_fields == {"rank": "A", "memo": "new"}


def test_defaults_take_the_newer_non_empty_value(tenant) -> None:
    older = make_contact(tenant, title="課長", department="営業部", do_not_email=True)
    newer = make_contact(tenant, first_name="次郎", title="部長", department="")
    with tenant_context(tenant):
        choices = default_choices(tenant, older, newer)
    assert choices["title"] == "other"  # newer and non-empty
    assert choices["department"] == "survivor"  # newer is empty
    assert choices["first_name"] == "other"
    assert choices["do_not_email"] == "survivor"  # a set flag is kept


def test_it_refuses_itself_deleted_contacts_and_other_tenants(tenant, other_tenant, member) -> None:
    a = make_contact(tenant)
    b = make_contact(tenant, first_name="次郎")
    stranger = make_contact(other_tenant)
    with tenant_context(tenant):
        with pytest.raises(ValidationError, match="cannot be merged with itself"):
            contact_merge(tenant=tenant, actor=member, survivor=a, other=a)
        with pytest.raises(Http404):
            contact_merge(tenant=tenant, actor=member, survivor=a, other=stranger)
        contact_soft_delete(tenant=tenant, contact=b)
        with pytest.raises(ValidationError, match="was deleted. Restore it before merging"):
            contact_merge(tenant=tenant, actor=member, survivor=a, other=b)
        assert not AuditLog.objects.filter(action="merge").exists()


def test_a_bad_choice_changes_nothing(tenant, member) -> None:
    a = make_contact(tenant, title="課長")
    b = make_contact(tenant, first_name="次郎", title="部長")
    with tenant_context(tenant):
        note(tenant, b, "keep me here")
        with pytest.raises(ValidationError, match="cannot be chosen in a merge"):
            contact_merge(tenant=tenant, actor=member, survivor=a, other=b, choices={"id": "other"})
        with pytest.raises(ValidationError, match="choose “survivor” or “other”"):
            contact_merge(
                tenant=tenant, actor=member, survivor=a, other=b, choices={"title": "both"}
            )
        b.refresh_from_db()
        assert b.deleted_at is None and b.interactions.count() == 1


def test_other_apps_rows_follow_through_a_registered_hook(tenant, member) -> None:
    """A hook stands in for a future app (deals): it gets the tenant and both ids, inside
    the merge's transaction, and what it returns is recorded in the audit entry."""
    calls = []

    def move_deals(ctx: hooks.MergeContext) -> int:
        calls.append((ctx.tenant.pk, ctx.survivor_id, ctx.other_id))
        return 3

    hooks.register_merge_hook(move_deals, name="tests.deal.contact", covers=["tests.deal.contact"])
    try:
        a = make_contact(tenant)
        b = make_contact(tenant, first_name="次郎")
        with tenant_context(tenant):
            contact_merge(tenant=tenant, actor=member, survivor=a, other=b)
            audit = AuditLog.objects.get(action="merge", object_id=str(a.pk))
    finally:
        hooks.unregister_merge_hook("tests.deal.contact")
    assert calls == [(tenant.pk, a.pk, b.pk)]
    assert audit.changes["moved"]["tests.deal.contact"] == 3


def test_every_foreign_key_to_contact_is_covered_by_a_merge_hook() -> None:
    """A new model pointing at contacts must register a merge hook (contacts.dedupe)."""
    from django.apps import apps

    import contacts.dedupe.services  # noqa: F401  (registers the contacts app's own hooks)

    exempt = {
        "contacts.contact.merged_into",  # the merge's own pointer
        "contacts.duplicatedismissal.contact_a",  # pairs of a merged contact lapse with it
        "contacts.duplicatedismissal.contact_b",
    }
    covered = hooks.covered_references() | exempt
    missing = [
        f"{model._meta.label_lower}.{f.name}"
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if f.is_relation
        and f.related_model is Contact
        and f"{model._meta.label_lower}.{f.name}" not in covered
    ]
    assert missing == []


def test_a_merged_contact_gives_up_its_customer_code_so_imports_cannot_revive_it(tenant) -> None:
    from tests.contacts.import_helpers import csv_bytes, run_import

    survivor = make_contact(tenant, last_name="佐藤", customer_code="C-KEEP")
    other = make_contact(tenant, last_name="佐藤", customer_code="C-OLD")
    with tenant_context(tenant):
        contact_merge(
            tenant=tenant,
            actor=None,
            survivor=survivor,
            other=other,
            choices={"customer_code": "survivor"},
        )
    with tenant_context(tenant):
        gone = Contact.all_tenants.get(pk=other.pk)
        assert gone.customer_code == "" and gone.deleted_at is not None
        audit = AuditLog.objects.filter(object_id=str(other.pk), action=AuditLog.Action.MERGE).get()
    assert audit.changes["customer_code"] == ["C-OLD", None]

    run_import(tenant, csv_bytes("顧客コード,氏名\nC-OLD,佐藤 花子\n"))
    with tenant_context(tenant):
        gone.refresh_from_db()
        assert gone.deleted_at is not None  # still merged, not brought back
        assert Contact.objects.filter(customer_code="C-OLD", deleted_at__isnull=True).count() == 1
