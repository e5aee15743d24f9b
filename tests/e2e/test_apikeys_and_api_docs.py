"""Browser tests of the API area: creating an API key at phone width (shown once, the copy
button puts exactly that key on the clipboard; static/js/apikeys.js, no inline script), and
Swagger UI at /api/docs/ rendering under our Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

from crm.core.context import tenant_context
from crm.core.models import ApiKey
from tests.factories import PASSWORD


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_admin_creates_a_key_and_copies_it_on_a_phone(
    live_server: Any,
    browser: Any,
    tenant: Any,
    member: Any,
) -> None:
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-US"
    )
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    try:
        # (tests/e2e/conftest.py's login() clicks the first submit button on the page, which
        # is now the language switcher's; we submit the login form itself)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", member.email)
        page.fill("input[name=password]", PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/settings/api-keys/")
        page.fill("input[name=name]", "スマホ連携")
        page.select_option("select[name=role]", "sales")
        page.get_by_role("button", name="Create key").click()
        raw = page.get_by_test_id("raw-key").input_value()
        assert raw.startswith("crm_")
        page.get_by_test_id("copy-key").click()
        page.get_by_test_id("copy-key").get_by_text("Copied").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == raw
        page.goto(f"{live_server.url}/settings/api-keys/")
        assert page.get_by_test_id("raw-key").count() == 0
        assert "スマホ連携" in page.content()
    finally:
        ctx.close()
    assert errors == []
    with tenant_context(tenant):
        assert ApiKey.objects.get(name="スマホ連携").role == "sales"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_under_our_content_security_policy(
    live_server: Any,
    browser: Any,
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
        # Swagger UI renders a long API as a virtual list: only what is in view is in the DOM,
        # so scroll down to the contacts section like a reader would.
        page.wait_for_selector(".opblock-tag", timeout=15_000)
        operation = page.locator("#operations-contacts-contacts_list")
        for _ in range(60):
            if operation.count():
                break
            page.mouse.wheel(0, 600)
            page.wait_for_timeout(100)
        operation.wait_for(state="visible", timeout=5_000)
        assert page.locator(".opblock-tag", has_text="contacts").count() == 1
        assert page.locator("button.authorize").count() == 1
    finally:
        page.close()
    assert problems == []
    assert all(url.startswith(live_server.url) for url in requested), "no CDN, nothing remote"
