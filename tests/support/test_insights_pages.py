"""The analytics page, its JSON per section, CSV per section, widgets, tenancy."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.dashboards import get_widget
from crm.core.dashboards.selectors import widget_context
from crm.core.models import Membership
from support.insights import selectors
from support.tickets.models import Status, Ticket
from tests.support.helpers import make_agent, make_ticket

DATA = reverse("support:insights_data")
EXPORT = reverse("support:insights_export")


def test_the_page_shows_every_section_with_its_csv_link(member_client: Any) -> None:
    response = member_client.get(reverse("support:insights"))
    assert response.status_code == 200
    html = response.content.decode()
    for section in selectors.SECTIONS:
        assert f'data-testid="section-{section}"' in html
        assert f'data-testid="export-{section}"' in html
    assert "vendor/chartjs/chart.umd.js" in html


def test_bad_filters_say_what_to_fix(member_client: Any) -> None:
    response = member_client.get(reverse("support:insights"), {"start": "yesterday"})
    assert response.status_code == 200
    assert "is not a date; enter it as YYYY-MM-DD" in response.content.decode()
    data = member_client.get(DATA, {"section": "volume", "start": "2020-01-01"}).json()
    assert "longer than a year" in data["errors"]["start"]


def test_each_section_answers_json(member_client: Any, tenant: Any) -> None:
    make_ticket(tenant, subject="JSONの確認")
    for section in selectors.SECTIONS:
        response = member_client.get(DATA, {"section": section})
        assert response.status_code == 200, section
        body = response.json()
        assert body["section"] == section and "tables" in body and "charts" in body
    volume = member_client.get(DATA, {"section": "volume"}).json()
    assert volume["data"]["total"] == 1 and volume["empty"] == ""
    assert member_client.get(DATA, {"section": "nope"}).status_code == 400


def test_empty_sections_say_what_to_do(member_client: Any) -> None:
    body = member_client.get(DATA, {"section": "workload"}).json()
    assert body["empty"].startswith("No assigned inquiries")


def test_csv_has_a_bom_and_guards_formulas(member_client: Any, tenant: Any) -> None:
    make_ticket(tenant, subject='=HYPERLINK("http://evil.example","x")')
    response = member_client.get(EXPORT, {"section": "long_running"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw[1:])))
    assert rows[0][:2] == ["Number", "Subject"]
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[1][0].startswith("#")


def test_csv_of_a_section_with_several_tables_titles_each(member_client: Any, tenant: Any) -> None:
    make_ticket(tenant)
    raw = member_client.get(EXPORT, {"section": "volume"}).content.decode("utf-8")
    assert "By channel" in raw and "By category" in raw and "By day" in raw


def test_another_tenant_sees_none_of_it(
    member_client: Any, outsider_client: Any, tenant: Any
) -> None:
    make_ticket(tenant, subject="アルファ社の秘密")
    mine = member_client.get(DATA, {"section": "long_running"}).json()
    assert mine["tables"][0]["rows"]
    theirs = outsider_client.get(DATA, {"section": "long_running"}).content.decode()
    assert "アルファ社の秘密" not in theirs
    csv_theirs = outsider_client.get(EXPORT, {"section": "long_running"}).content.decode()
    assert "アルファ社の秘密" not in csv_theirs
    assert outsider_client.get(DATA, {"section": "volume"}).json()["data"]["total"] == 0


def test_a_category_of_another_tenant_is_refused(outsider_client: Any, tenant: Any) -> None:
    from tests.support.helpers import make_category

    theirs = make_category(tenant, "A社の分類")
    body = outsider_client.get(DATA, {"section": "volume", "category": theirs.pk}).json()
    assert "category" in body["errors"]


def test_the_json_answers_in_a_fixed_number_of_queries(
    member_client: Any, tenant: Any, django_assert_num_queries: Any
) -> None:
    def count(section: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert member_client.get(DATA, {"section": section}).status_code == 200
        return len(ctx)

    agent = make_agent(tenant, "w@example.jp")
    make_ticket(tenant, assignee=agent)
    before = {s: count(s) for s in selectors.SECTIONS}
    for i in range(5):
        make_ticket(tenant, assignee=make_agent(tenant, f"w{i}@example.jp"), subject=f"件名{i}")
    after = {s: count(s) for s in selectors.SECTIONS}
    assert before == after
    with django_assert_num_queries(before["long_running"]):
        member_client.get(DATA, {"section": "long_running"})


def test_my_open_inquiries_widget(tenant: Any) -> None:
    agent = make_agent(tenant, "me@example.jp")
    mine = make_ticket(tenant, assignee=agent, subject="私の担当")
    make_ticket(tenant, subject="誰のでもない")
    done = make_ticket(tenant, assignee=agent, subject="解決済み")
    with tenant_context(tenant):
        Ticket.objects.filter(pk=done.pk).update(status=Status.RESOLVED)
        membership = Membership.objects.get(tenant=tenant, user=agent)
        ctx = widget_context(tenant=tenant, user=agent, membership=membership, role=membership.role)
        widget = get_widget("support.my_open_inquiries")
        assert widget is not None
        payload = widget.data(ctx)
    assert [i["title"] for i in payload["items"]] == [f"#{mine.number} 私の担当"]
    assert payload["items"][0]["url"] == reverse(
        "support:ticket_detail", kwargs={"ticket_id": mine.pk}
    )


def test_support_backlog_widget(tenant: Any, member: Any) -> None:
    make_ticket(tenant)
    with tenant_context(tenant):
        membership = Membership.objects.get(tenant=tenant, user=member)
        ctx = widget_context(
            tenant=tenant, user=member, membership=membership, role=membership.role
        )
        widget = get_widget("support.backlog")
        assert widget is not None and widget.kind == "chart"
        payload = widget.data(ctx)
    assert len(payload["labels"]) == 14
    assert payload["datasets"][0]["data"][-1] == 1


@pytest.mark.parametrize("section", ["volume", "csat"])
def test_viewer_role_may_read_analytics(client: Any, tenant: Any, section: str) -> None:
    from tests.factories import make_member

    viewer = make_member(tenant, "viewer")
    client.force_login(viewer)
    assert client.get(DATA, {"section": section}).status_code == 200
