"""Two saves of the same unique custom field value at the same moment: exactly one wins."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from contacts.models import Contact
from contacts.services import contact_create
from crm.core.context import tenant_context
from crm.core.services.customfields import customfield_create
from tests.conftest import wait_until


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_of_a_unique_value_cannot_both_win(tenant) -> None:
    with tenant_context(tenant):
        customfield_create(
            tenant=tenant,
            object_type="contact",
            key="member_no",
            label="会員番号",
            field_type="text",
            unique=True,
        )
    first_saved, release_first = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        try:
            with tenant_context(tenant), transaction.atomic():
                contact_create(tenant=tenant, last_name="一", custom_fields={"member_no": "M1"})
                first_saved.set()
                release_first.wait(30)  # still uncommitted: the second save must wait for us
        finally:
            connections.close_all()

    def second() -> None:
        try:
            with tenant_context(tenant):
                contact_create(tenant=tenant, last_name="二", custom_fields={"member_no": "M1"})
            outcome["second"] = "saved"
        except ValidationError as exc:
            outcome["second"] = exc.message_dict
        finally:
            connections.close_all()

    a = threading.Thread(target=first)
    a.start()
    assert first_saved.wait(30)
    b = threading.Thread(target=second)
    b.start()

    def second_is_waiting_for_the_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            return cursor.fetchone()[0] > 0

    try:
        assert wait_until(second_is_waiting_for_the_lock, timeout=15)
    finally:
        release_first.set()
        a.join(30)
        b.join(30)
    assert "cf_member_no" in outcome["second"]
    with tenant_context(tenant):
        assert list(Contact.objects.values_list("last_name", flat=True)) == ["一"]
