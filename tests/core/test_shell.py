from __future__ import annotations

import pytest
from django.test import Client

from crm.core.roles import Role
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_every_page_sends_a_content_security_policy(member_client) -> None:
    response = member_client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp


def test_pages_have_no_inline_scripts(member_client) -> None:
    body = member_client.get("/").content.decode()
    assert "<script>" not in body and "<script type" not in body
    assert 'src="/static/vendor/bootstrap/js/bootstrap.bundle.min.js"' in body


def test_front_end_assets_are_served_locally(member_client) -> None:
    # no CDN: the packages from npm are served by the app itself
    for path in (
        "/static/vendor/bootstrap/css/bootstrap.min.css",
        "/static/vendor/htmx/htmx.min.js",
    ):
        response = member_client.get(path)
        assert response.status_code == 200, path


def test_forms_carry_a_csrf_token(member_client) -> None:
    body = member_client.get("/contacts/new/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in body


def test_navigation_follows_the_role(tenant) -> None:
    viewer = make_member(tenant, Role.VIEWER)
    admin = make_member(tenant, Role.ADMIN)
    c = Client()
    c.force_login(viewer)
    viewer_page = c.get("/").content.decode()
    c.force_login(admin)
    admin_page = c.get("/").content.decode()
    assert 'data-testid="settings-menu"' not in viewer_page
    assert 'data-testid="settings-menu"' in admin_page


def test_a_user_without_a_tenant_is_told_what_to_do(client) -> None:
    from tests.factories import make_user

    client.force_login(make_user())
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].endswith("/welcome/")
    assert "invite" in response.content.decode().lower() or "招待" in response.content.decode()


def test_anonymous_visitors_are_sent_to_login(client) -> None:
    response = client.get("/contacts/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_viewport_is_set_for_phones(member_client) -> None:
    assert 'name="viewport" content="width=device-width' in member_client.get("/").content.decode()
