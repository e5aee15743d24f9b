"""Settings → Audit log: newest first, keyset pages, filters, readable changes, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from contacts.services import contact_update
from crm.core.context import tenant_context
from crm.core.models import AuditLog
from crm.core.roles import Role
from crm.core.selectors_audit import AUDIT_PAGE_SIZE
from crm.core.services.audit import audit_record
from crm.core.views.settings_apikeys_audit import csv_safe
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db

URL = "/settings/audit/"
EXPORT_URL = "/settings/audit/export.csv"


def _ids(response) -> list[int]:
    return [entry.pk for entry in response.context["entries"]]


def _csv(response) -> list[list[str]]:
    assert response.streaming
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_routes_are_where_the_navigation_expects_them() -> None:
    assert reverse("settings:audit") == URL
    assert reverse("settings:audit_export") == EXPORT_URL


def test_it_lists_newest_first_with_readable_changes(tenant, member, member_client) -> None:
    contact = make_contact(tenant, last_name="佐藤", email="sato@example.jp")
    with tenant_context(tenant):
        contact_update(tenant=tenant, contact=contact, actor=member, last_name="鈴木")
    response = member_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [e.pk for e in entries] == sorted((e.pk for e in entries), reverse=True)
    update = entries[0]
    assert update.action == "update" and update.object_repr == "鈴木 太郎"
    rows = [(r.field, r.before, r.after) for r in update.change_rows]
    assert rows == [("Last name", "佐藤", "鈴木")]
    body = response.content.decode()
    assert "鈴木 太郎" in body and "Alice" in body
    # on phones the changes fold away behind a button
    assert f'data-bs-target="#changes-{update.pk}"' in body
    assert f'id="changes-{update.pk}"' in body


def test_it_shows_choice_labels_custom_field_labels_and_dashes_for_empty(
    tenant, member, member_client
) -> None:
    from crm.core.models import CustomFieldDefinition

    with tenant_context(tenant):
        CustomFieldDefinition.objects.create(
            tenant=tenant,
            object_type="contact",
            key="rank",
            label="ランク",
            label_en="Rank",
            field_type="text",
        )
        audit_record(
            tenant=tenant,
            action="update",
            object_type="contacts.contact",
            object_id="1",
            object_repr="x",
            changes={"custom_fields.rank": [None, "A"], "email": ["", "a@example.jp"]},
            actor=member,
        )
        audit_record(
            tenant=tenant,
            action="create",
            object_type="core.apikey",
            object_id="9",
            object_repr="key",
            changes={"role": [None, "viewer"]},
            actor=member,
        )
    response = member_client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    by_type = {e.object_type: e for e in response.context["entries"]}
    contact_rows = {r.field: (r.before, r.after) for r in by_type["contacts.contact"].change_rows}
    assert contact_rows == {"Rank": ("—", "A"), "E-mail": ("—", "a@example.jp")}
    key_rows = [(r.field, r.before, r.after) for r in by_type["core.apikey"].change_rows]
    assert key_rows == [("Role", "—", "Viewer")]


def test_it_pages_with_a_before_cursor(tenant, member, member_client) -> None:
    with tenant_context(tenant):
        for n in range(AUDIT_PAGE_SIZE + 5):
            audit_record(tenant=tenant, action="other", object_type="x", object_repr=f"n{n}")
    first = member_client.get(URL)
    ids = _ids(first)
    assert len(ids) == AUDIT_PAGE_SIZE
    next_before = first.context["next_before"]
    assert next_before == ids[-1]
    second = member_client.get(URL, {"before": next_before})
    more = _ids(second)
    assert more and max(more) < min(ids)
    assert second.context["next_before"] is None
    with tenant_context(tenant):
        assert len(ids) + len(more) == AuditLog.objects.count()


def test_the_list_runs_a_constant_number_of_queries(
    tenant, member, member_client, django_assert_num_queries
) -> None:
    def page_queries() -> int:
        from django.test.utils import CaptureQueriesContext

        member_client.get(URL)  # warm: the per-tenant lists come from the cache after it
        with CaptureQueriesContext(connection) as ctx:
            assert member_client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    make_contact(tenant)
    few = page_queries()
    for n in range(30):
        make_contact(tenant, last_name=f"N{n}", email=f"n{n}@example.jp")
    with django_assert_num_queries(few):
        assert member_client.get(URL).status_code == 200


def test_it_filters_by_actor_action_type_object_and_text(tenant, member, member_client) -> None:
    colleague = make_member(tenant, Role.SALES, email="carol@alpha.example.com")
    mine = make_contact(tenant, last_name="Mine")
    theirs = make_contact(tenant, last_name="Theirs")
    with tenant_context(tenant):
        contact_update(tenant=tenant, contact=mine, actor=member, first_name="M")
        contact_update(tenant=tenant, contact=theirs, actor=colleague, first_name="T")
        entries = {(e.object_id, e.action): e.pk for e in AuditLog.objects.all()}

    def ids(**params) -> set[int]:
        response = member_client.get(URL, params)
        assert response.status_code == 200
        return set(_ids(response))

    assert ids(actor=colleague.pk) == {entries[(str(theirs.pk), "update")]}
    assert ids(action="update") == {
        entries[(str(mine.pk), "update")],
        entries[(str(theirs.pk), "update")],
    }
    assert ids(object_type="contacts.contact", object_id=str(mine.pk)) == {
        entries[(str(mine.pk), "create")],
        entries[(str(mine.pk), "update")],
    }
    assert ids(q="theirs", action="update") == {entries[(str(theirs.pk), "update")]}
    # entries with no person behind them (factories run as "system")
    assert entries[(str(mine.pk), "create")] in ids(actor="system")
    assert ids(actor="system") & ids(actor=member.pk) == set()


def test_the_date_range_is_read_in_the_tenants_time_zone(tenant, member, member_client) -> None:
    with tenant_context(tenant):
        entry = audit_record(tenant=tenant, action="other", object_type="x", object_repr="late")
    # Entries cannot be back-dated (append-only, `at` is set on insert), so we take the day
    # the entry fell on in the tenant's zone and filter around it.
    local_day = entry.at.astimezone(ZoneInfo(tenant.time_zone)).date()
    assert entry.pk in _ids(member_client.get(URL, {"date_from": local_day}))
    assert entry.pk in _ids(member_client.get(URL, {"date_to": local_day}))
    assert entry.pk not in _ids(
        member_client.get(URL, {"date_from": local_day + dt.timedelta(days=1)})
    )
    assert entry.pk not in _ids(
        member_client.get(URL, {"date_to": local_day - dt.timedelta(days=1)})
    )


def test_a_day_boundary_follows_the_tenant_zone_not_utc(tenant) -> None:
    from crm.core.selectors_audit import AuditFilters, _start_of_day

    start = _start_of_day(dt.date(2026, 4, 1), tenant.zone)
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.UTC)
    assert AuditFilters().date_from is None


def test_a_reversed_date_range_is_explained_next_to_the_field(member_client) -> None:
    response = member_client.get(URL, {"date_from": "2026-04-02", "date_to": "2026-04-01"})
    assert response.status_code == 200
    assert response.context["entries"] == []
    assert 'data-testid="error-date_to"' in response.content.decode()


def test_people_without_audit_view_are_refused(tenant) -> None:
    sales = make_member(tenant, Role.SALES)
    c = Client()
    c.force_login(sales)
    assert c.get(URL).status_code == 403
    assert c.get(EXPORT_URL).status_code == 403


def test_the_csv_export_has_a_bom_the_changes_and_follows_the_filter(
    tenant, member, member_client
) -> None:
    contact = make_contact(tenant, last_name="山田")
    make_contact(tenant, last_name="Other")
    with tenant_context(tenant):
        contact_update(tenant=tenant, contact=contact, actor=member, first_name="花子")
    response = member_client.get(
        EXPORT_URL,
        {"object_type": "contacts.contact", "object_id": str(contact.pk)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert len(header) == 11
    assert all(row[5] == str(contact.pk) for row in body)
    update_rows = [row for row in body if row[7] == "First name"]
    assert [(row[8], row[9]) for row in update_rows if row[9] == "花子"] == [("太郎", "花子")]
    assert any(row[6] == "山田 花子" for row in body)
    assert not any("Other" in cell for row in body for cell in row)


def test_the_csv_export_defuses_spreadsheet_formulas(tenant, member, member_client) -> None:
    make_contact(tenant, last_name='=HYPERLINK("http://evil")', first_name="+1", email="")
    rows = _csv(member_client.get(EXPORT_URL, {"object_type": "contacts.contact"}))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert "'+1" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert [csv_safe(v) for v in ["=1", "+1", "-1", "@x", "\tx", "ok", None, 5]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@x",
        "'\tx",
        "ok",
        "",
        "5",
    ]


def test_the_csv_export_streams_inside_its_own_tenant(
    tenant, other_tenant, outsider_client, member_client
) -> None:
    """The generator runs after the middleware has left the tenant: it enters it itself
    (else the fail-closed manager would raise), and it is the requester's tenant."""
    make_contact(tenant, last_name="AlphaOnly")
    make_contact(other_tenant, last_name="BetaOnly")
    alpha = [c for row in _csv(member_client.get(EXPORT_URL)) for c in row]
    beta = [c for row in _csv(outsider_client.get(EXPORT_URL)) for c in row]
    assert any("AlphaOnly" in c for c in alpha) and not any("BetaOnly" in c for c in alpha)
    assert any("BetaOnly" in c for c in beta) and not any("AlphaOnly" in c for c in beta)
