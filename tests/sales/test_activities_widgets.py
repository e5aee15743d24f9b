"""Dashboard widgets of activities: payload shape, the viewer's own items, constant queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.core.context import tenant_context
from crm.core.dashboards import WidgetContext, default_layout, get_widget
from crm.core.models import Membership
from crm.core.roles import Role
from sales.activities import selectors, services
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db


def _ctx(tenant: Any, user: Any) -> WidgetContext:
    membership = Membership.objects.get(tenant=tenant, user=user)
    return WidgetContext(tenant=tenant, user=user, membership=membership, role=membership.role)


def test_my_tasks_today_lists_open_tasks_overdue_first(tenant, member) -> None:
    widget = get_widget("sales.my_tasks_today")
    assert widget is not None and widget.kind == "list"
    assert "sales.my_tasks_today" in default_layout(Role.SALES)
    assert "sales.my_tasks_today" in default_layout(Role.MANAGER)
    other = make_member(tenant, Role.SALES)
    with tenant_context(tenant):
        start, _end = selectors.day_bounds(tenant, selectors.today(tenant))
        for subject, when, owner in (
            ("昨日の宿題", start - dt.timedelta(hours=5), member),
            ("今日の作業", start + dt.timedelta(hours=23), member),
            ("他人の作業", start + dt.timedelta(hours=10), other),
        ):
            services.activity_create(
                tenant=tenant, actor=owner, kind="task", subject=subject, starts_at=when
            )
        payload = widget.data(_ctx(tenant, member))
    titles = [item["title"] for item in payload["items"]]
    assert titles == ["昨日の宿題", "今日の作業"]
    assert payload["items"][0]["tone"] == "danger" and payload["items"][0]["badge"]
    assert payload["items"][0]["url"].startswith("/sales/activities/")
    assert payload["empty"] and payload["more_url"] == "/sales/my-day/"


def test_upcoming_visits_shows_the_next_seven_days(tenant, member) -> None:
    widget = get_widget("sales.upcoming_visits")
    assert widget is not None
    now = timezone.now()
    with tenant_context(tenant):
        contact = make_contact(tenant, last_name="川口")
        for subject, days in (("来週の訪問", 3), ("再来月の訪問", 60)):
            services.activity_create(
                tenant=tenant,
                actor=member,
                kind="visit",
                subject=subject,
                starts_at=now + dt.timedelta(days=days),
                contact=contact.pk,
            )
        payload = widget.data(_ctx(tenant, member))
    assert [item["title"] for item in payload["items"]] == ["来週の訪問"]
    assert "川口" in payload["items"][0]["meta"]


@pytest.mark.parametrize("key", ["sales.my_tasks_today", "sales.upcoming_visits"])
def test_the_widgets_answer_in_constant_queries(tenant, member, key) -> None:
    widget = get_widget(key)
    assert widget is not None
    now = timezone.now()
    with tenant_context(tenant):
        contact = make_contact(tenant, last_name="数")
        ctx = _ctx(tenant, member)

        def add(n: int) -> None:
            for i in range(n):
                services.activity_create(
                    tenant=tenant,
                    actor=member,
                    kind="task" if key.endswith("today") else "visit",
                    subject=f"件 {i}",
                    starts_at=now + dt.timedelta(minutes=5 + i),
                    contact=contact.pk,
                )

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                widget.data(ctx)
            return len(captured.captured_queries)

        add(1)
        few = queries()
        add(8)
        assert queries() == few
