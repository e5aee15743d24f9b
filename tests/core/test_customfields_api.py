"""/api/v1/custom-fields/: definitions over the API, with the service's rules as 400s."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from crm.core.context import tenant_context
from crm.core.models import CustomFieldDefinition
from crm.core.roles import Role
from tests.factories import make_api_key

pytestmark = pytest.mark.django_db
URL = "/api/v1/custom-fields/"
RANK = {
    "object_type": "contact",
    "key": "rank",
    "label": "ランク",
    "label_en": "Rank",
    "field_type": "select",
    "choices": ["ゴールド", "シルバー"],
    "required": True,
}


def stored(tenant: Any) -> list[str]:
    with tenant_context(tenant):
        return list(CustomFieldDefinition.objects.values_list("key", flat=True))


def test_it_creates_lists_and_reads_a_definition(api_client, tenant) -> None:
    response = api_client.post(URL, RANK, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    for name in (
        "id",
        "object_type",
        "key",
        "label",
        "label_en",
        "field_type",
        "required",
        "unique",
        "choices",
        "min",
        "max",
        "regex",
        "error_message",
        "order",
    ):
        assert name in body
    assert body["choices"] == ["ゴールド", "シルバー"] and body["order"] == 0
    listed = api_client.get(URL, {"object_type": "contact"}).json()["results"]
    assert [d["key"] for d in listed] == ["rank"]
    assert api_client.get(URL, {"object_type": "deal"}).json()["results"] == []


def test_bounds_are_numbers_or_dates_as_strings(api_client, tenant) -> None:
    response = api_client.post(
        URL,
        {
            "object_type": "contact",
            "key": "since",
            "label": "開始日",
            "field_type": "date",
            "min": "2020-01-01",
            "max": "2030-12-31",
        },
        format="json",
    )
    assert (response.json()["min"], response.json()["max"]) == ("2020-01-01", "2030-12-31")
    response = api_client.post(
        URL,
        {
            "object_type": "contact",
            "key": "score",
            "label": "点",
            "field_type": "decimal",
            "min": 0.5,
            "max": "100",
        },
        format="json",
    )
    assert (response.json()["min"], response.json()["max"]) == ("0.5", "100")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"regex": "([a-z", "field_type": "text", "choices": []}, "regex"),
        ({"choices": []}, "choices"),
        ({"field_type": "integer", "choices": [], "min": 5, "max": 1}, "max"),
        ({"key": "Rank!"}, "key"),
        ({"field_type": "colour"}, "field_type"),
        ({"default": "ブロンズ"}, "default"),
    ],
)
def test_a_bad_definition_is_a_400_with_field_errors(api_client, tenant, change, field) -> None:
    response = api_client.post(URL, {**RANK, **change}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"][field][0]
    assert stored(tenant) == []


def test_a_duplicate_key_is_a_400(api_client, tenant) -> None:
    api_client.post(URL, RANK, format="json")
    response = api_client.post(URL, RANK, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "already uses the key" in response.json()["error"]["fields"]["key"][0]
    assert stored(tenant) == ["rank"]


def test_it_updates_renames_and_deletes(api_client, tenant) -> None:
    pk = api_client.post(URL, RANK, format="json").json()["id"]
    response = api_client.patch(f"{URL}{pk}/", {"key": "level", "choices": ["金"]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["key"] == "level" and response.json()["choices"] == ["金"]
    response = api_client.patch(f"{URL}{pk}/", {"field_type": "text"}, format="json")
    assert response.status_code == 400 and "field_type" in response.json()["error"]["fields"]
    assert api_client.delete(f"{URL}{pk}/").status_code == 204
    assert stored(tenant) == []


def test_a_viewer_key_may_read_but_not_change(tenant) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant, role=Role.VIEWER)}")
    assert client.get(URL).status_code == 200
    assert client.post(URL, RANK, format="json").status_code == 403
    assert stored(tenant) == []


def test_another_tenants_definition_is_not_found(api_client, other_api_client, tenant) -> None:
    pk = api_client.post(URL, RANK, format="json").json()["id"]
    assert other_api_client.get(f"{URL}{pk}/").status_code == 404
    assert other_api_client.patch(f"{URL}{pk}/", {"label": "x"}, format="json").status_code == 404
    assert other_api_client.delete(f"{URL}{pk}/").status_code == 404
    assert other_api_client.get(URL).json()["results"] == []
    assert stored(tenant) == ["rank"]
