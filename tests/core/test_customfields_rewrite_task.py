"""Renaming a key or deleting a field rewrites stored values in the background, set-based
and in batches, only in the field's tenant."""

from __future__ import annotations

from typing import Any

import pytest

from contacts.models import Contact
from crm.core.context import tenant_context
from crm.core.services.customfields import (
    customfield_create,
    customfield_delete,
    customfield_update,
)
from crm.core.tasks_customfields import customfield_rewrite_values
from tests.conftest import wait_until

ROWS = 3000


def seed(tenant: Any, rows: int = ROWS, **values: Any) -> None:
    with tenant_context(tenant):
        Contact.objects.bulk_create(
            [
                Contact(tenant=tenant, last_name=f"顧客{i}", custom_fields=dict(values))
                for i in range(rows)
            ],
            batch_size=1000,
        )


def rank_field(tenant: Any) -> Any:
    with tenant_context(tenant):
        return customfield_create(
            tenant=tenant,
            object_type="contact",
            key="rank",
            label="ランク",
            field_type="select",
            choices=["gold", "silver"],
        )


def holding(tenant: Any, key: str) -> int:
    with tenant_context(tenant):
        return Contact.objects.filter(custom_fields__has_key=key).count()


@pytest.mark.django_db(transaction=True)
def test_the_worker_moves_values_to_a_renamed_key(celery_worker, tenant) -> None:
    definition = rank_field(tenant)
    seed(tenant, rank="gold", other=1)
    with tenant_context(tenant):
        customfield_update(tenant=tenant, definition=definition, key="level")
    assert wait_until(lambda: holding(tenant, "level") == ROWS, timeout=60)
    assert holding(tenant, "rank") == 0
    with tenant_context(tenant):
        sample = Contact.objects.order_by("?").first()
    assert sample is not None and sample.custom_fields == {"level": "gold", "other": 1}


@pytest.mark.django_db(transaction=True)
def test_the_worker_removes_the_values_of_a_deleted_field(celery_worker, tenant) -> None:
    definition = rank_field(tenant)
    seed(tenant, rank="gold", other=1)
    with tenant_context(tenant):
        customfield_delete(tenant=tenant, definition=definition)
    assert wait_until(lambda: holding(tenant, "rank") == 0, timeout=60)
    assert holding(tenant, "other") == ROWS


@pytest.mark.django_db
def test_the_rewrite_runs_in_batches_and_stays_in_its_tenant(tenant, other_tenant) -> None:
    definition = rank_field(tenant)
    seed(tenant, rank="gold")
    seed(other_tenant, rows=10, rank="silver")
    with tenant_context(tenant):
        customfield_update(tenant=tenant, definition=definition, key="level")
        # Edited after the rename, before the task ran: the new value must survive.
        edited = Contact.objects.order_by("id").first()
        assert edited is not None
        Contact.objects.filter(pk=edited.pk).update(
            custom_fields={"rank": "gold", "level": "silver"}
        )
    result = customfield_rewrite_values(
        tenant_id=tenant.pk,
        object_type="contact",
        old_key="rank",
        definition_id=definition.pk,
        batch_size=700,
    )
    assert result["rows"] == ROWS and result["batches"] == 5
    assert holding(tenant, "rank") == 0 and holding(tenant, "level") == ROWS
    with tenant_context(tenant):
        edited.refresh_from_db()
    assert edited.custom_fields == {"level": "silver"}
    assert holding(other_tenant, "rank") == 10  # another tenant's "rank" is not ours


@pytest.mark.django_db
def test_a_rename_chain_ends_under_the_current_key_whatever_order_tasks_run(tenant) -> None:
    definition = rank_field(tenant)
    seed(tenant, rows=20, rank="gold")
    with tenant_context(tenant):
        customfield_update(tenant=tenant, definition=definition, key="level")
    with tenant_context(tenant):
        customfield_update(tenant=tenant, definition=definition, key="tier")
    # the second task (level → tier) runs first, then the first one (rank → …)
    customfield_rewrite_values(
        tenant_id=tenant.pk, object_type="contact", old_key="level", definition_id=definition.pk
    )
    customfield_rewrite_values(
        tenant_id=tenant.pk, object_type="contact", old_key="rank", definition_id=definition.pk
    )
    assert holding(tenant, "tier") == 20
    assert holding(tenant, "rank") == holding(tenant, "level") == 0
