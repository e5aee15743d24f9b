"""OpenAPI schema (/api/schema/) and the Swagger UI page (/api/docs/)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.test import Client


@pytest.mark.django_db
def test_the_schema_lists_the_contacts_api_and_both_ways_in() -> None:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert "/api/v1/contacts/" in schema["paths"]
    assert "/api/v1/contacts/{id}/" in schema["paths"]
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiKeyAuth"]["type"] == "http" and schemes["apiKeyAuth"]["scheme"] == "bearer"
    assert schemes["cookieAuth"] == {
        **schemes["cookieAuth"],
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
    }
    operation = schema["paths"]["/api/v1/contacts/"]["get"]
    assert {"apiKeyAuth": []} in operation["security"]
    assert {"cookieAuth": []} in operation["security"]
    (param,) = [
        p
        for p in schema["paths"]["/api/v1/contacts/{id}/"]["get"]["parameters"]
        if p["in"] == "path"
    ]
    assert param["name"] == "id" and param["schema"]["type"] == "integer"
    assert "For DRF views" not in response.content.decode()  # no developer notes leak


def test_the_schema_generates_without_a_single_warning(tmp_path: Path) -> None:
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/contacts/" in out.read_text()
