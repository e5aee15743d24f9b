"""/api/v1/dashboards/: the caller's own dashboards (CRUD), the widget catalogue and a
widget's data; the same validation as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from crm.core.context import tenant_context
from crm.core.dashboards.models import Dashboard
from crm.core.roles import Role
from tests.core.test_dashboards_helpers import registered, widget
from tests.factories import make_api_key, make_member

pytestmark = pytest.mark.django_db


def api_for(user: Any) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


def test_crud_of_my_dashboards(tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    c = api_for(rep)
    created = c.post(
        "/api/v1/dashboards/",
        {"name": "API board", "layout": [{"key": "sales.kpis", "size": "l"}]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["layout"] == [{"key": "sales.kpis", "size": "l"}] and body["is_default"]
    listed = c.get("/api/v1/dashboards/").json()
    assert [d["name"] for d in listed["results"]] == ["API board"]
    changed = c.patch(f"/api/v1/dashboards/{body['id']}/", {"name": "Renamed"}, format="json")
    assert changed.status_code == 200 and changed.json()["name"] == "Renamed"
    assert c.delete(f"/api/v1/dashboards/{body['id']}/").status_code == 204
    assert c.get("/api/v1/dashboards/").json()["results"] == []


def test_a_new_dashboard_without_layout_starts_with_the_role_defaults(tenant) -> None:
    from crm.core.dashboards import default_layout

    c = api_for(make_member(tenant, Role.SALES))
    body = c.post("/api/v1/dashboards/", {"name": "Fresh"}, format="json").json()
    assert [i["key"] for i in body["layout"]] == default_layout(Role.SALES)


def test_a_bad_layout_is_a_400_in_the_api_error_format_and_nothing_changes(tenant) -> None:
    c = api_for(make_member(tenant, Role.SALES))
    body = c.post("/api/v1/dashboards/", {"name": "Keep"}, format="json").json()
    response = c.patch(
        f"/api/v1/dashboards/{body['id']}/",
        {"name": "Changed", "layout": [{"key": "sales.kpis"}, {"key": "sales.kpis"}]},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and "twice" in error["fields"]["layout"][0]
    assert c.get(f"/api/v1/dashboards/{body['id']}/").json()["name"] == "Keep"
    unknown = c.post("/api/v1/dashboards/", {"name": "X", "layout": ["a.b"]}, format="json")
    assert unknown.status_code == 400
    assert c.get("/api/v1/dashboards/").json()["results"][0]["name"] == "Keep"


def test_only_managers_publish_through_the_api(tenant) -> None:
    rep = api_for(make_member(tenant, Role.SALES))
    body = rep.post("/api/v1/dashboards/", {"name": "Mine"}, format="json").json()
    refused = rep.patch(
        f"/api/v1/dashboards/{body['id']}/", {"published_to_team": True}, format="json"
    )
    assert refused.status_code == 400
    boss = api_for(make_member(tenant, Role.MANAGER))
    made = boss.post(
        "/api/v1/dashboards/", {"name": "Team", "published_to_team": True}, format="json"
    )
    assert made.status_code == 201 and made.json()["published_to_team"] is True


def test_the_catalogue_lists_what_the_role_may_use(tenant) -> None:
    secret = widget(
        "probe.analytics_only", lambda ctx: {"tiles": []}, kind="kpi", perm="analytics.view"
    )
    with registered(secret):
        rep = api_for(make_member(tenant, Role.SALES)).get("/api/v1/dashboards/widgets/").json()
        marketer = api_for(make_member(tenant, Role.MARKETER)).get("/api/v1/dashboards/widgets/")
    keys = {w["key"] for w in rep}
    assert "sales.kpis" in keys and "probe.analytics_only" not in keys
    assert "probe.analytics_only" in {w["key"] for w in marketer.json()}
    kpis = next(w for w in rep if w["key"] == "sales.kpis")
    assert (
        kpis["kind"] == "kpi" and kpis["data_url"] == "/api/v1/dashboards/widgets/sales.kpis/data/"
    )


def test_widget_data_through_the_api(tenant) -> None:
    c = api_for(make_member(tenant, Role.SALES))
    answer = c.get("/api/v1/dashboards/widgets/sales.kpis/data/")
    assert answer.status_code == 200
    assert len(answer.json()["payload"]["tiles"]) == 4
    assert c.get("/api/v1/dashboards/widgets/nope.none/data/").status_code == 404


def test_an_api_key_acts_as_the_user_who_made_it(tenant, member) -> None:
    from crm.core.services.apikeys import api_key_create

    with tenant_context(tenant):
        _key, raw = api_key_create(tenant=tenant, name="alice's", role=Role.ADMIN, actor=member)
        Dashboard.objects.create(tenant=tenant, owner=member, name="Alice board", is_default=True)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [d["name"] for d in c.get("/api/v1/dashboards/").json()["results"]] == ["Alice board"]
    # a key made by no user has no dashboards and cannot make one
    orphan = APIClient()
    orphan.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant)}")
    assert orphan.get("/api/v1/dashboards/").json()["results"] == []
    assert orphan.post("/api/v1/dashboards/", {"name": "x"}, format="json").status_code == 400


def test_another_users_or_tenants_dashboard_is_404(tenant, other_tenant, outsider) -> None:
    rep = make_member(tenant, Role.SALES)
    body = api_for(rep).post("/api/v1/dashboards/", {"name": "Private"}, format="json").json()
    url = f"/api/v1/dashboards/{body['id']}/"
    assert api_for(make_member(tenant, Role.SALES)).get(url).status_code == 404
    assert api_for(outsider).get(url).status_code == 404
    assert api_for(outsider).delete(url).status_code == 404
