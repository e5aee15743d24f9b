"""The bell (count, latest ten, mark all read), the notifications page (keyset pages), and
following a notification (marked read; only links on this site are followed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.dashboards.views import safe_local_url
from crm.core.models import Notification
from crm.core.roles import Role
from crm.core.services.notifications import notify
from tests.core.test_dashboards_helpers import client_for
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def send(tenant: Any, user: Any, n: int = 1, **extra: Any) -> list[Notification]:
    with tenant_context(tenant):
        return [
            notify(
                tenant=tenant,
                user=user,
                kind="sales.reminder",
                title=extra.get("title", f"Visit #{i}"),
                url=extra.get("url", "/sales/deals/"),
            )
            for i in range(n)
        ]


def unread(tenant: Any, user: Any) -> int:
    with tenant_context(tenant):
        return Notification.objects.filter(user=user, read_at__isnull=True).count()


def test_every_page_has_the_bell_loading_its_count(member_client) -> None:
    body = member_client.get("/").content.decode()
    assert 'data-testid="bell"' in body
    assert f'hx-get="{reverse("dashboards:notifications_badge")}"' in body
    assert f'hx-get="{reverse("dashboards:notifications_menu")}"' in body


def test_the_badge_counts_unread_and_caps_at_99(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    assert "bell-count" not in c.get(reverse("dashboards:notifications_badge")).content.decode()
    send(tenant, rep, 3)
    assert ">3<" in c.get(reverse("dashboards:notifications_badge")).content.decode()
    send(tenant, rep, 100)
    with CaptureQueriesContext(connection) as queries:
        body = c.get(reverse("dashboards:notifications_badge")).content.decode()
    assert "99+" in body
    counting = [q for q in queries if "core_notification" in q["sql"]]
    assert len(counting) == 1 and "LIMIT 100" in counting[0]["sql"]


def test_the_menu_shows_the_latest_ten_in_a_fixed_number_of_queries(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    empty = c.get(reverse("dashboards:notifications_menu")).content.decode()
    assert "No notifications yet" in empty
    send(tenant, rep, 2)
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("dashboards:notifications_menu"))
    send(tenant, rep, 20)
    with CaptureQueriesContext(connection) as many:
        body = c.get(reverse("dashboards:notifications_menu")).content.decode()
    assert len(many) == len(few)
    assert body.count('data-testid="bell-item"') == 10
    assert "Visit #19" in body  # newest first


def test_mark_all_read_from_the_menu_clears_the_count(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    send(tenant, rep, 4)
    c = client_for(rep)
    response = c.post(reverse("dashboards:notifications_read_all"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "crm:notifications-changed"
    assert unread(tenant, rep) == 0
    assert "bell-count" not in c.get(reverse("dashboards:notifications_badge")).content.decode()


def test_opening_one_marks_it_read_and_follows_its_link(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    first, second = send(tenant, rep, 2, url="/sales/deals/?owner=me")
    c = client_for(rep)
    response = c.post(reverse("dashboards:notification_open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/sales/deals/?owner=me"
    assert unread(tenant, rep) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/",
        "//evil.example.com/x",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "",
    ],
)
def test_a_link_off_this_site_is_not_followed(tenant, url) -> None:
    rep = make_member(tenant, Role.SALES)
    (notification,) = send(tenant, rep, url=url)
    response = client_for(rep).post(reverse("dashboards:notification_open", args=[notification.pk]))
    assert response["Location"] == reverse("dashboards:notifications")
    assert unread(tenant, rep) == 0


def test_safe_local_url_keeps_paths_only() -> None:
    assert safe_local_url("/contacts/1/") == "/contacts/1/"
    assert safe_local_url(" /x/?a=1#b ") == "/x/?a=1#b"
    for bad in ("http://x/", "//x", "/\\x", "x/y", "/a\nb"):
        assert safe_local_url(bad) == ""


def test_someone_elses_notification_is_not_found(tenant) -> None:
    rep, other = make_member(tenant, Role.SALES), make_member(tenant, Role.SALES)
    (notification,) = send(tenant, rep)
    response = client_for(other).post(
        reverse("dashboards:notification_open", args=[notification.pk])
    )
    assert response.status_code == 404
    assert unread(tenant, rep) == 1


def test_the_notifications_page_pages_by_keyset(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    assert "No notifications yet" in c.get(reverse("dashboards:notifications")).content.decode()
    sent = send(tenant, rep, 35)
    with CaptureQueriesContext(connection) as first_page:
        page = c.get(reverse("dashboards:notifications")).content.decode()
    assert page.count('data-testid="notification-item"') == 30
    assert "Visit #34" in page and "Visit #4<" not in page
    oldest_shown = sent[5].pk
    assert f"?before={oldest_shown}" in page
    with CaptureQueriesContext(connection) as second_page:
        rest = c.get(
            reverse("dashboards:notifications") + f"?before={oldest_shown}"
        ).content.decode()
    assert rest.count('data-testid="notification-item"') == 5
    assert "Visit #0" in rest and "Visit #34" not in rest
    assert "notifications-older" not in rest
    assert len(second_page) == len(first_page)


def test_mark_all_read_on_the_page(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    send(tenant, rep, 3)
    c = client_for(rep)
    response = c.post(reverse("dashboards:notifications_read_all"), {"next": "https://evil/"})
    assert response["Location"] == reverse("dashboards:notifications")
    assert unread(tenant, rep) == 0


def test_another_tenants_notifications_stay_there(
    tenant, other_tenant, outsider, outsider_client, member
) -> None:
    (notification,) = send(tenant, member, title="Alpha only")
    assert (
        "Alpha only"
        not in outsider_client.get(reverse("dashboards:notifications")).content.decode()
    )
    assert (
        "Alpha only"
        not in outsider_client.get(reverse("dashboards:notifications_menu")).content.decode()
    )
    assert (
        outsider_client.post(
            reverse("dashboards:notification_open", args=[notification.pk])
        ).status_code
        == 404
    )
    outsider_client.post(reverse("dashboards:notifications_read_all"))
    assert unread(tenant, member) == 1
