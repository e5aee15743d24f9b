"""The 30-day purge runs the purge hooks (contacts/purge.py) before its set-based DELETEs:
rows of other models pointing at purged contacts, companies or their timeline are deleted or
detached as their hook says, and a model pointing at them without a hook fails this file."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from contacts import purge
from contacts.models import Company, Contact, CtiCall, DuplicateDismissal, Interaction
from contacts.services import company_create, purge_deleted, timeline_add
from crm.core.context import tenant_context
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

LONG_AGO = dt.timedelta(days=31)


def _age(model: Any, *objs: Any) -> None:
    model.objects.filter(pk__in=[o.pk for o in objs]).update(deleted_at=timezone.now() - LONG_AGO)


def test_every_foreign_key_to_contact_company_or_timeline_is_covered_by_a_purge_hook() -> None:
    """A new model pointing at contacts, companies or timeline entries must register a purge
    hook (contacts.purge): the purge deletes with raw SQL, without Django's cascade."""
    from django.apps import apps

    exempt = {
        # No database constraint, on purpose: a merged contact keeps pointing at a purged
        # survivor, so it stays "merged" and can never be restored as a hollow duplicate.
        "contacts.contact.merged_into",
    }
    covered = purge.covered_references() | exempt
    targets = (Contact, Company, Interaction)
    missing = [
        f"{model._meta.label_lower}.{f.name}"
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if f.is_relation
        and f.related_model in targets
        and f"{model._meta.label_lower}.{f.name}" not in covered
    ]
    assert missing == []


def test_a_registered_hook_runs_inside_the_purge_with_the_purged_rows(tenant) -> None:
    seen: list[tuple[int, list[str], list[str]]] = []

    def remember(ctx: purge.PurgeContext) -> int:
        contacts = sorted(ctx.contacts.values_list("last_name", flat=True))
        companies = sorted(ctx.companies.values_list("name", flat=True))
        seen.append((ctx.tenant.pk, contacts, companies))
        return 7

    purge.register_purge_hook(remember, name="tests.remember", covers=["tests.thing.contact"])
    try:
        old = make_contact(tenant, last_name="古い")
        make_contact(tenant, last_name="生きている")
        with tenant_context(tenant):
            company = company_create(tenant=tenant, name="古い会社")
            _age(Contact, old)
            _age(Company, company)
            counts = purge_deleted(tenant=tenant)
            assert "tests.thing.contact" in purge.covered_references()
    finally:
        purge.unregister_purge_hook("tests.remember")
    assert seen == [(tenant.pk, ["古い"], ["古い会社"])]
    assert counts == {"contacts": 1, "companies": 1}


def test_no_hook_runs_when_nothing_is_due(tenant, django_assert_num_queries) -> None:
    calls: list[int] = []
    purge.register_purge_hook(lambda ctx: calls.append(1), name="tests.count")
    try:
        make_contact(tenant)
        # the two locking counts only (plus the savepoint of the transaction)
        with tenant_context(tenant), django_assert_num_queries(4):
            assert purge_deleted(tenant=tenant) == {"contacts": 0, "companies": 0}
    finally:
        purge.unregister_purge_hook("tests.count")
    assert calls == []


def test_calls_and_duplicate_pairs_of_purged_contacts_do_not_block_the_purge(tenant) -> None:
    old = make_contact(tenant, last_name="古い", phone="0312345678")
    other = make_contact(tenant, last_name="別人")
    with tenant_context(tenant):
        entry = timeline_add(
            tenant=tenant, contact=old, kind="call", occurred_at=timezone.now(), subject="着信"
        )
        call = CtiCall.objects.create(
            tenant=tenant,
            call_id="c-1",
            caller_number="+81312345678",
            contact=old,
            interaction=entry,
            started_at=timezone.now(),
        )
        a, b = sorted((old.pk, other.pk))
        DuplicateDismissal.objects.create(tenant=tenant, contact_a_id=a, contact_b_id=b)
        _age(Contact, old)
        counts = purge_deleted(tenant=tenant)
        call.refresh_from_db()
        assert (call.contact_id, call.interaction_id) == (None, None)  # the call log stays
        assert call.caller_number == "+81312345678"
        assert not DuplicateDismissal.objects.exists()
        assert not Interaction.objects.filter(pk=entry.pk).exists()
        assert Contact.objects.filter(pk=other.pk).exists()
    assert counts == {"contacts": 1, "companies": 0}


def test_a_purged_company_takes_its_own_entries_and_leaves_its_contacts(tenant) -> None:
    contact = make_contact(tenant, last_name="社員")
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="消える会社")
        Contact.objects.filter(pk=contact.pk).update(company=company)
        own = timeline_add(
            tenant=tenant, company=company, kind="note", occurred_at=timezone.now(), subject="会社"
        )
        shared = timeline_add(
            tenant=tenant,
            contact=contact,
            company=company,
            kind="note",
            occurred_at=timezone.now(),
            subject="社員の記録",
        )
        _age(Company, company)
        assert purge_deleted(tenant=tenant) == {"contacts": 0, "companies": 1}
        assert not Interaction.objects.filter(pk=own.pk).exists()
        kept = Interaction.objects.get(pk=shared.pk)
        assert (kept.contact_id, kept.company_id) == (contact.pk, None)
        assert Contact.objects.get(pk=contact.pk).company_id is None


def test_the_purge_stays_inside_its_tenant(tenant, other_tenant) -> None:
    mine = make_contact(tenant, last_name="A社の古い")
    theirs = make_contact(other_tenant, last_name="B社の古い")
    with tenant_context(other_tenant):
        _age(Contact, theirs)
        entry = timeline_add(
            tenant=other_tenant,
            contact=theirs,
            kind="note",
            occurred_at=timezone.now(),
            subject="x",
        )
    with tenant_context(tenant):
        _age(Contact, mine)
        assert purge_deleted(tenant=tenant) == {"contacts": 1, "companies": 0}
    with tenant_context(other_tenant):
        assert Contact.objects.filter(pk=theirs.pk).exists()
        assert Interaction.objects.filter(pk=entry.pk).exists()
