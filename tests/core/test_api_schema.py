"""OpenAPI schema (/api/schema/) and the Swagger UI page (/api/docs/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from tests.e2e.conftest import browser  # noqa: F401  (the Playwright/Chromium fixture)


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


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_under_our_content_security_policy(
    live_server: Any,
    browser: Any,  # noqa: F811 - the fixture imported above
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    try:
        response = page.goto(f"{live_server.url}/api/docs/")
        assert response is not None and response.status == 200
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp
        page.wait_for_selector("#operations-contacts-contacts_list", timeout=15_000)
        assert page.locator(".opblock-tag", has_text="contacts").count() == 1
        assert page.locator("button.authorize").count() == 1
    finally:
        page.close()
    assert problems == []
    assert all(url.startswith(live_server.url) for url in requested), "no CDN, nothing remote"
