"""The definitions service: every bad definition is refused with a message on the right
field, and nothing stored changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from crm.core.context import tenant_context
from crm.core.models import AuditLog, CustomFieldDefinition
from crm.core.services.customfields import (
    customfield_create,
    customfield_delete,
    customfield_move,
    customfield_update,
)
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def create(tenant: Any, **kw: Any) -> CustomFieldDefinition:
    kw.setdefault("object_type", "contact")
    kw.setdefault("key", "rank")
    kw.setdefault("label", "ランク")
    kw.setdefault("field_type", "text")
    with tenant_context(tenant):
        return customfield_create(tenant=tenant, **kw)


def refused(tenant: Any, **kw: Any) -> dict[str, list[str]]:
    with tenant_context(tenant):
        before = CustomFieldDefinition.objects.count()
    with pytest.raises(ValidationError) as info:
        create(tenant, **kw)
    with tenant_context(tenant):
        assert CustomFieldDefinition.objects.count() == before, "nothing may be stored"
    return info.value.message_dict


def test_it_creates_a_definition_and_audits_it(tenant) -> None:
    d = create(tenant, field_type="select", choices=["金", "銀"], label_en="Rank")
    assert d.choices == ["金", "銀"] and d.order == 0
    second = create(tenant, key="code")
    assert second.order == 1
    with tenant_context(tenant):
        entry = AuditLog.objects.get(
            object_type="core.customfielddefinition", object_id=str(d.pk), action="create"
        )
    assert entry.changes["key"] == [None, "rank"]


def test_it_refuses_a_bad_regex(tenant) -> None:
    errors = refused(tenant, regex="([A-Z")
    assert "not a valid regular expression" in errors["regex"][0]


def test_it_refuses_a_regex_that_can_take_forever(tenant) -> None:
    errors = refused(tenant, regex="(a+)+b")
    assert "repeats a repetition" in errors["regex"][0]


def test_it_refuses_a_regex_on_a_number_field(tenant) -> None:
    assert "regex" in refused(tenant, field_type="integer", regex=r"\d+")


def test_it_refuses_a_duplicate_key(tenant) -> None:
    create(tenant)
    errors = refused(tenant, label="別のランク")
    assert "already uses the key" in errors["key"][0]


def test_the_same_key_is_fine_in_another_tenant_or_object_type(tenant, other_tenant) -> None:
    create(tenant)
    create(other_tenant)
    create(tenant, object_type="deal")


@pytest.mark.parametrize("key", ["Rank", "1rank", "rank-code", "rank__code", "rank_", "ランク", ""])
def test_it_refuses_a_key_that_is_not_a_lowercase_slug(tenant, key) -> None:
    assert "key" in refused(tenant, key=key)


def test_it_refuses_a_select_without_choices(tenant) -> None:
    errors = refused(tenant, field_type="select", choices=[])
    assert "at least one option" in errors["choices"][0]


def test_it_refuses_duplicate_choices(tenant) -> None:
    errors = refused(tenant, field_type="multi_select", choices=["金", "銀", "金 "])
    assert "listed twice" in errors["choices"][0]


def test_it_refuses_choices_on_a_text_field(tenant) -> None:
    assert "choices" in refused(tenant, choices=["a"])


def test_it_refuses_min_greater_than_max(tenant) -> None:
    errors = refused(tenant, field_type="integer", min="10", max="5")
    assert "must not be smaller" in errors["max"][0]


def test_it_refuses_min_and_max_on_a_yes_no_field(tenant) -> None:
    assert "min" in refused(tenant, field_type="boolean", min=1)


def test_date_bounds_are_entered_as_dates(tenant) -> None:
    d = create(tenant, field_type="date", min="2024-01-01", max="令和7年3月31日")
    from crm.core.customfields import bound_display

    assert bound_display(d, d.min) == "2024-01-01"
    assert bound_display(d, d.max) == "2025-03-31"
    assert "max" in refused(tenant, key="other", field_type="date", max="someday")


def test_it_refuses_a_default_that_breaks_the_fields_rules(tenant) -> None:
    errors = refused(tenant, field_type="integer", min=1, max=5, default=9)
    assert "own rules" in errors["default"][0]
    errors = refused(tenant, field_type="select", choices=["a"], default="b")
    assert "default" in errors


def test_it_refuses_a_default_on_a_unique_field(tenant) -> None:
    assert "default" in refused(tenant, unique=True, default="x")


def test_it_refuses_unique_on_a_yes_no_field(tenant) -> None:
    assert "unique" in refused(tenant, field_type="boolean", unique=True)


def test_the_type_and_object_cannot_change(tenant) -> None:
    d = create(tenant)
    with tenant_context(tenant), pytest.raises(ValidationError) as info:
        customfield_update(tenant=tenant, definition=d, field_type="integer")
    assert "field_type" in info.value.message_dict
    with tenant_context(tenant):
        assert CustomFieldDefinition.objects.get(pk=d.pk).field_type == "text"


def test_a_failed_update_changes_nothing(tenant) -> None:
    d = create(tenant, field_type="integer", min=1, max=5)
    with tenant_context(tenant), pytest.raises(ValidationError):
        customfield_update(tenant=tenant, definition=d, label="新", min=10)
    with tenant_context(tenant):
        d.refresh_from_db()
    assert d.label == "ランク" and d.min == 1


def test_it_refuses_to_make_a_field_unique_while_records_share_a_value(tenant) -> None:
    d = create(tenant, key="code")
    make_contact(tenant, custom_fields={"code": "A1"})
    make_contact(tenant, custom_fields={"code": "A1"})
    with tenant_context(tenant), pytest.raises(ValidationError) as info:
        customfield_update(tenant=tenant, definition=d, unique=True)
    assert "share a value" in info.value.message_dict["unique"][0]


def test_a_key_with_values_still_waiting_to_be_cleaned_up_cannot_be_reused(tenant) -> None:
    d = create(tenant, key="code")
    make_contact(tenant, custom_fields={"code": "A1"})
    with tenant_context(tenant):
        # Deleted, but the background task has not run in this test: values are still there.
        customfield_delete(tenant=tenant, definition=d)
    errors = refused(tenant, key="code")
    assert "being cleaned up" in errors["key"][0]


def test_removed_options_stay_on_records_and_are_reported_in_the_audit(tenant) -> None:
    d = create(tenant, field_type="select", choices=["金", "銀"])
    contact = make_contact(tenant, custom_fields={"rank": "銀"})
    with tenant_context(tenant):
        customfield_update(tenant=tenant, definition=d, choices=["金"])
        contact.refresh_from_db()
        entry = AuditLog.objects.filter(
            object_type="core.customfielddefinition", object_id=str(d.pk), action="update"
        ).latest("id")
    assert contact.custom_fields == {"rank": "銀"}
    assert entry.changes["removed_choices_still_in_use"][0] == {"銀": 1}


def test_moving_up_and_down_reorders_the_fields(tenant) -> None:
    a, b, c = (create(tenant, key=k) for k in ("a", "b", "c"))
    with tenant_context(tenant):
        customfield_move(tenant=tenant, definition=c, direction="up")
        keys = list(CustomFieldDefinition.objects.order_by("order").values_list("key", flat=True))
        assert keys == ["a", "c", "b"]
        customfield_move(tenant=tenant, definition=a, direction="up")  # already first: no-op
        customfield_move(tenant=tenant, definition=a, direction="down")
        keys = list(CustomFieldDefinition.objects.order_by("order").values_list("key", flat=True))
    assert keys == ["c", "a", "b"]
