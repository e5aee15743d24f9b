"""Background rewrites of stored custom field values after a key is renamed or a field is
deleted. Set-based: one UPDATE per batch of rows, looped until nothing is left, so a tenant
with millions of records never holds long locks or one giant transaction.

Idempotent and order-proof: the task looks the definition up when it runs and moves the
values under `old_key` to the definition's *current* key (a rename a→b→c moves a's values to
c whichever task runs first); when the definition is gone, it removes them."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import connection

from . import context
from .customfields import custom_field_model
from .models import CustomFieldDefinition
from .tasks import TenantTask

BATCH_SIZE = 5000

MOVE_SQL = """
UPDATE {table} SET custom_fields =
    jsonb_build_object(%(new)s, custom_fields -> %(old)s) || (custom_fields - %(old)s)
WHERE tenant_id = %(tenant)s AND custom_fields ? %(old)s AND id IN (
    SELECT id FROM {table} WHERE tenant_id = %(tenant)s AND custom_fields ? %(old)s
    ORDER BY id LIMIT %(limit)s)
"""
# A value already stored under the new key (someone edited the record after the rename) wins
# over the moved one: in `a || b` the right-hand side wins, and the record's own keys are on
# the right.

REMOVE_SQL = """
UPDATE {table} SET custom_fields = custom_fields - %(old)s
WHERE tenant_id = %(tenant)s AND custom_fields ? %(old)s AND id IN (
    SELECT id FROM {table} WHERE tenant_id = %(tenant)s AND custom_fields ? %(old)s
    ORDER BY id LIMIT %(limit)s)
"""


@shared_task(name="crm.core.tasks_customfields.customfield_rewrite_values", base=TenantTask)
def customfield_rewrite_values(
    *,
    tenant_id: int,
    object_type: str,
    old_key: str,
    definition_id: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> dict[str, Any]:
    tenant = context.require_tenant()
    model = custom_field_model(object_type)
    if model is None:
        return {"rows": 0, "batches": 0}
    definition = (
        CustomFieldDefinition.objects.filter(
            tenant=tenant, pk=definition_id, object_type=object_type
        ).first()
        if definition_id is not None
        else None
    )
    new_key = definition.key if definition is not None else None
    if new_key == old_key:
        return {"rows": 0, "batches": 0}  # renamed back before we ran: nothing to move
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (MOVE_SQL if new_key else REMOVE_SQL).format(table=table)
    params = {"new": new_key, "old": old_key, "tenant": tenant.pk, "limit": batch_size}
    rows = batches = 0
    while True:
        # Each batch is its own transaction (autocommit), so locks are held briefly.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            changed = cursor.rowcount
        if changed <= 0:
            break
        rows += changed
        batches += 1
    return {"rows": rows, "batches": batches, "new_key": new_key}
