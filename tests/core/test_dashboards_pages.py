"""The dashboard pages: the home page draws the viewer's default dashboard, edit mode saves a
validated layout, managers publish to their team, widgets answer JSON for the viewer."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.dashboards import default_layout
from crm.core.dashboards.models import Dashboard
from crm.core.dashboards.services import MAX_WIDGETS
from crm.core.roles import Role
from tests.core.test_dashboards_helpers import client_for, registered, team, widget
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def dashboards_of(tenant: Any, user: Any) -> list[Dashboard]:
    with tenant_context(tenant):
        return list(Dashboard.objects.filter(owner=user).order_by("id"))


def save(c: Any, dashboard: Dashboard, body: Any) -> Any:
    return c.post(
        reverse("dashboards:save", args=[dashboard.pk]),
        data=json.dumps(body) if not isinstance(body, bytes) else body,
        content_type="application/json",
    )


def test_a_new_rep_gets_the_default_dashboard_of_their_role(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    page = c.get("/")
    assert page.status_code == 200
    body = page.content.decode()
    (dashboard,) = dashboards_of(tenant, rep)
    assert dashboard.is_default
    assert [item["key"] for item in dashboard.layout] == default_layout(Role.SALES)
    assert 'data-key="sales.open_deals_by_stage"' in body
    assert 'data-key="sales.deals_closing_this_month"' in body
    assert 'data-key="sales.kpis"' not in body  # a rep adds the tiles themselves
    assert "/static/vendor/chartjs/chart.umd.min.js" in body
    assert "/static/js/dashboard.js" in body
    c.get("/")
    assert len(dashboards_of(tenant, rep)) == 1  # created once


def test_the_home_page_keeps_the_shell_tests_promises(member_client) -> None:
    body = member_client.get("/").content.decode()
    assert "<script>" not in body and "<script type" not in body
    assert 'id="dash-catalogue-data" type="application/json"' in body


def test_the_page_costs_the_same_queries_with_many_dashboards(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    c.get("/")
    with CaptureQueriesContext(connection) as few:
        assert c.get("/").status_code == 200
    for n in range(6):
        c.post(reverse("dashboards:create"), {"name": f"Board {n}"})
    with CaptureQueriesContext(connection) as many:
        assert c.get("/").status_code == 200
    assert len(many) == len(few)


def test_a_widget_answers_its_payload_for_the_viewer(tenant) -> None:
    def greet(ctx: Any) -> dict[str, Any]:
        return {"items": [{"title": f"hello {ctx.user.email}", "url": "/"}], "empty": ""}

    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    with registered(widget("probe.greet", greet)):
        answer = client_for(rep).get(reverse("dashboards:widget_data", args=["probe.greet"]))
    assert answer.status_code == 200
    data = answer.json()
    assert data["kind"] == "list" and data["key"] == "probe.greet"
    assert data["payload"]["items"][0]["title"] == "hello rep@alpha.example.com"


def test_an_unknown_widget_or_one_the_role_may_not_see_is_not_found(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    assert c.get(reverse("dashboards:widget_data", args=["nope.nothing"])).status_code == 404
    secret = widget("probe.analytics", lambda ctx: {"tiles": []}, kind="kpi", perm="analytics.view")
    with registered(secret):
        assert c.get(reverse("dashboards:widget_data", args=["probe.analytics"])).status_code == 404
        marketer = client_for(make_member(tenant, Role.MARKETER))
        ok = marketer.get(reverse("dashboards:widget_data", args=["probe.analytics"]))
        assert ok.status_code == 200
        # ...and it cannot be put on a dashboard by hand either
        c.get("/")
        (dashboard,) = dashboards_of(tenant, rep)
        response = save(c, dashboard, {"layout": [{"key": "probe.analytics", "size": "s"}]})
        assert response.status_code == 400


def test_a_failing_widget_shows_an_error_and_the_page_still_works(tenant, caplog) -> None:
    def broken(ctx: Any) -> dict[str, Any]:
        raise RuntimeError("widget bug")

    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    with registered(widget("probe.broken", broken)):
        c.get("/")
        (dashboard,) = dashboards_of(tenant, rep)
        assert (
            save(c, dashboard, {"layout": [{"key": "probe.broken", "size": "m"}]}).status_code
            == 200
        )
        assert c.get("/").status_code == 200
        with caplog.at_level(logging.ERROR, logger="crm.core.dashboards.selectors"):
            answer = c.get(reverse("dashboards:widget_data", args=["probe.broken"]))
    assert answer.status_code == 500
    assert "could not be loaded" in answer.json()["error"]
    assert "widget bug" not in answer.content.decode()  # the traceback goes to the log only
    assert any("probe.broken" in r.getMessage() for r in caplog.records)


def test_saving_a_layout_stores_order_and_sizes(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    c.get("/")
    (dashboard,) = dashboards_of(tenant, rep)
    layout = [
        {"key": "sales.kpis", "size": "l"},
        {"key": "sales.deals_closing_this_month", "size": "s"},
    ]
    response = save(c, dashboard, {"layout": layout, "name": "営業ボード"})
    assert response.status_code == 200
    (dashboard,) = dashboards_of(tenant, rep)
    assert dashboard.layout == layout and dashboard.name == "営業ボード"
    body = c.get("/").content.decode()
    assert body.index('data-key="sales.kpis"') < body.index(
        'data-key="sales.deals_closing_this_month"'
    )
    assert "dash-size-l" in body


@pytest.mark.parametrize(
    "body, message",
    [
        ({"layout": "sales.kpis"}, "list of widgets"),
        ({"layout": [{"key": "nope.widget"}]}, "no widget nope.widget"),
        ({"layout": [{"key": "sales.kpis"}, {"key": "sales.kpis"}]}, "twice"),
        ({"layout": [{"key": "sales.kpis", "size": "xl"}]}, "s, m or l"),
        ({"layout": [{"size": "m"}]}, "key and a size"),
        ({"layout": ["sales.kpis"] * (MAX_WIDGETS + 1)}, f"at most {MAX_WIDGETS}"),
        ({"layout": [], "name": "  "}, "Give the dashboard a name"),
        ({"name": "no layout"}, "Send JSON with the layout"),
        (b"{not json", "Send JSON with the layout"),
    ],
)
def test_a_bad_layout_is_refused_with_a_clear_error_and_nothing_is_saved(
    tenant, body, message
) -> None:
    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    c.get("/")
    (before,) = dashboards_of(tenant, rep)
    response = save(c, before, body)
    assert response.status_code == 400
    assert message in json.dumps(response.json()["errors"], ensure_ascii=False)
    (after,) = dashboards_of(tenant, rep)
    assert (after.layout, after.name, after.updated_at) == (
        before.layout,
        before.name,
        before.updated_at,
    )


def test_create_rename_switch_make_default_and_delete(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    c.get("/")
    response = c.post(reverse("dashboards:create"), {"name": "Second"})
    first, second = dashboards_of(tenant, rep)
    assert response["Location"] == reverse("dashboards:view", args=[second.pk])
    assert not second.is_default and second.layout == first.layout
    assert "Second" in c.get(reverse("dashboards:view", args=[second.pk])).content.decode()
    # the same name twice is refused, with a message, and nothing is created
    c.post(reverse("dashboards:create"), {"name": "Second"})
    assert len(dashboards_of(tenant, rep)) == 2
    c.post(reverse("dashboards:rename", args=[second.pk]), {"name": "Visits"})
    c.post(reverse("dashboards:default", args=[second.pk]))
    first, second = dashboards_of(tenant, rep)
    assert second.name == "Visits" and second.is_default and not first.is_default
    assert 'data-testid="dashboard-name">Visits<' in c.get("/").content.decode()
    c.post(reverse("dashboards:delete", args=[second.pk]))
    (left,) = dashboards_of(tenant, rep)
    assert left.pk == first.pk and left.is_default  # the default moved to the one left
    c.post(reverse("dashboards:delete", args=[left.pk]))
    assert c.get("/").status_code == 200  # a fresh default again
    assert len(dashboards_of(tenant, rep)) == 1


def test_a_delete_asks_for_confirmation(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    body = client_for(rep).get("/").content.decode()
    assert 'data-confirm="Delete the dashboard' in body


def test_a_manager_publishes_and_the_team_sees_it_read_only(tenant) -> None:
    people = team(tenant)
    boss = client_for(people["manager"])
    boss.get("/")
    boss.post(reverse("dashboards:create"), {"name": "Team view"})
    published = dashboards_of(tenant, people["manager"])[-1]
    assert (
        'data-testid="dashboard-publish"'
        in boss.get(reverse("dashboards:view", args=[published.pk])).content.decode()
    )
    boss.post(reverse("dashboards:publish", args=[published.pk]), {"published": "1"})
    assert dashboards_of(tenant, people["manager"])[-1].published_to_team

    rep = client_for(people["rep"])
    home = rep.get("/").content.decode()
    assert "Team dashboards" in home and "Team view" in home
    page = rep.get(reverse("dashboards:view", args=[published.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The widgets show your own data" in text
    assert 'id="dash-toolbar"' not in text and "data-save-url" not in text
    # read-only: the rep can neither save nor delete it
    assert save(rep, published, {"layout": []}).status_code == 404
    assert rep.post(reverse("dashboards:delete", args=[published.pk])).status_code == 404
    # ...but can copy it as their own
    rep.post(reverse("dashboards:copy", args=[published.pk]))
    copies = [d for d in dashboards_of(tenant, people["rep"]) if d.name == "Team view"]
    assert len(copies) == 1 and copies[0].layout == published.layout

    # another manager's rep does not see it
    other = client_for(people["other_rep"])
    assert "Team view" not in other.get("/").content.decode()
    assert other.get(reverse("dashboards:view", args=[published.pk])).status_code == 404
    assert other.post(reverse("dashboards:copy", args=[published.pk])).status_code == 404

    boss.post(reverse("dashboards:publish", args=[published.pk]), {"published": "0"})
    assert rep.get(reverse("dashboards:view", args=[published.pk])).status_code == 404


def test_a_rep_cannot_publish(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    body = c.get("/").content.decode()
    assert 'data-testid="dashboard-publish"' not in body
    (dashboard,) = dashboards_of(tenant, rep)
    response = c.post(
        reverse("dashboards:publish", args=[dashboard.pk]), {"published": "1"}, follow=True
    )
    assert "Only managers can publish" in response.content.decode()
    assert not dashboards_of(tenant, rep)[0].published_to_team


def test_another_users_dashboard_is_not_found(tenant) -> None:
    rep, rep2 = make_member(tenant, Role.SALES), make_member(tenant, Role.SALES)
    client_for(rep).get("/")
    (dashboard,) = dashboards_of(tenant, rep)
    other = client_for(rep2)
    assert other.get(reverse("dashboards:view", args=[dashboard.pk])).status_code == 404
    assert save(other, dashboard, {"layout": []}).status_code == 404


def test_another_tenants_dashboard_is_not_found(tenant, member_client, outsider_client) -> None:
    member_client.get("/")
    with tenant_context(tenant):
        dashboard = Dashboard.objects.get()
    assert outsider_client.get(reverse("dashboards:view", args=[dashboard.pk])).status_code == 404
    assert save(outsider_client, dashboard, {"layout": []}).status_code == 404
    assert outsider_client.post(reverse("dashboards:copy", args=[dashboard.pk])).status_code == 404


@pytest.mark.parametrize(
    "key", ["sales.kpis", "sales.open_deals_by_stage", "sales.deals_closing_this_month"]
)
def test_a_widget_endpoint_costs_the_same_queries_with_many_deals(tenant, key) -> None:
    from django.utils import timezone

    from tests.sales.helpers import default_pipeline, make_deal

    rep = make_member(tenant, Role.SALES)
    c = client_for(rep)
    url = reverse("dashboards:widget_data", args=[key])
    with tenant_context(tenant):
        pipeline, _stages = default_pipeline(tenant)
        make_deal(tenant, pipeline=pipeline, owner=rep, expected_close_date=timezone.localdate())
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    with tenant_context(tenant):
        for n in range(20):
            make_deal(
                tenant,
                name=f"Deal {n}",
                pipeline=pipeline,
                owner=rep,
                expected_close_date=timezone.localdate(),
            )
    with CaptureQueriesContext(connection) as many:
        assert c.get(url).status_code == 200
    assert len(many) == len(few)
