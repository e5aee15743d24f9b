"""CSAT over the API: list and read the surveys, the summary; another tenant's is 404."""

from __future__ import annotations

from typing import Any

import pytest

from crm.core.context import tenant_context
from support.csat import services
from support.csat.models import CsatRequest
from support.tickets import services as ticket_services
from support.tickets.models import Status
from tests.support.helpers import make_agent, make_ticket


@pytest.fixture
def survey(tenant: Any) -> CsatRequest:
    agent = make_agent(tenant, "api-agent@example.jp")
    ticket = make_ticket(tenant, assignee=agent)
    with tenant_context(tenant):
        ticket_services.ticket_update(tenant=tenant, ticket=ticket, status=Status.RESOLVED)
        request = CsatRequest.objects.get(tenant=tenant, ticket=ticket)
        CsatRequest.objects.filter(pk=request.pk).update(token_hash=services.token_hash("t"))
        services.csat_submit(tenant=tenant, token="t", rating=5, comment="とても良い")
        request.refresh_from_db()
    return request


def test_it_lists_and_reads_surveys(api_client: Any, survey: CsatRequest) -> None:
    body = api_client.get("/api/v1/csat-surveys/", {"rated": "true"}).json()
    assert [r["id"] for r in body["results"]] == [survey.pk]
    assert body["results"][0]["rating"] == 5
    assert api_client.get("/api/v1/csat-surveys/", {"rated": "false"}).json()["results"] == []
    one = api_client.get(f"/api/v1/csat-surveys/{survey.pk}/").json()
    assert (one["comment"], one["agent"]) == ("とても良い", survey.agent_id)


def test_the_summary_has_the_analytics_figures(api_client: Any, survey: CsatRequest) -> None:
    body = api_client.get("/api/v1/csat-surveys/summary/").json()
    assert (body["rated"], body["average"], body["distribution"]) == (1, 5.0, [0, 0, 0, 0, 1])
    bad = api_client.get("/api/v1/csat-surveys/summary/", {"start": "x"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()


def test_it_is_read_only(api_client: Any, survey: CsatRequest) -> None:
    response = api_client.patch(f"/api/v1/csat-surveys/{survey.pk}/", {"rating": 1})
    assert response.status_code == 405


def test_another_tenants_survey_is_not_found(other_api_client: Any, survey: CsatRequest) -> None:
    assert other_api_client.get(f"/api/v1/csat-surveys/{survey.pk}/").status_code == 404
    assert other_api_client.get("/api/v1/csat-surveys/").json()["results"] == []
