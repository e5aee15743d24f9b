"""/api/v1/forms/ (definitions, admins) and the public definition + submit endpoints."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.roles import Role
from support.tickets.models import Ticket
from support.webforms import services
from support.webforms.models import FormSubmission, InquiryForm
from tests.factories import make_api_key

from .webforms_helpers import GOOD, INQUIRY_FIELDS, keys, make_form

pytestmark = pytest.mark.django_db

LIST = "/api/v1/forms/"


def _detail(form):
    return reverse("inquiry-form-detail", kwargs={"pk": form.pk})


def test_an_admin_creates_and_publishes_a_form_through_the_api(api_client, tenant) -> None:
    body = {"name": "API form", "language": "en", "fields": INQUIRY_FIELDS, "published": True}
    response = api_client.post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["published"] is True and len(data["fields"]) == len(INQUIRY_FIELDS)
    assert data["public_url"].endswith(f"/portal/{tenant.slug}/forms/{data['key']}/")
    listed = api_client.get(LIST).json()
    assert [row["id"] for row in listed["results"]] == [data["id"]]


def test_a_bad_definition_answers_400_by_place_and_changes_nothing(api_client, tenant) -> None:
    form = make_form(tenant)
    fields = [
        {"label": "メール", "field_type": "email", "mapping": "contact.email"},
        {"label": "種別", "field_type": "select", "choices": []},
    ]
    response = api_client.put(_detail(form), {"name": "x", "fields": fields}, format="json")
    assert response.status_code == 400
    assert "fields.1.choices" in response.json()["errors"]
    with tenant_context(tenant):
        form.refresh_from_db()
        assert form.fields.count() == len(INQUIRY_FIELDS) and form.name == "お問い合わせ"


def test_patch_changes_only_what_is_sent(api_client, tenant) -> None:
    form = make_form(tenant)
    response = api_client.patch(_detail(form), {"title": "新しい題名"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "新しい題名"
    assert len(response.json()["fields"]) == len(INQUIRY_FIELDS)


def test_delete_removes_the_form(api_client, tenant) -> None:
    form = make_form(tenant)
    assert api_client.delete(_detail(form)).status_code == 204
    with tenant_context(tenant):
        assert not InquiryForm.objects.exists()


def test_a_sales_key_may_not_read_forms(tenant) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant, Role.SALES)}")
    assert client.get(LIST).status_code == 403


def test_another_tenants_form_is_not_found(other_api_client, tenant) -> None:
    form = make_form(tenant)
    assert other_api_client.get(_detail(form)).status_code == 404
    assert other_api_client.get(LIST).json()["results"] == []


# --- public -----------------------------------------------------------------------------------
def _public(tenant, form, submit=False):
    name = "public-form-submit" if submit else "public-form"
    return reverse(name, kwargs={"tenant_slug": tenant.slug, "key": form.key})


def _payload(tenant, form, values, **extra):
    by_label = keys(tenant, form)
    body = {by_label[k]: v for k, v in values.items()}
    body.update({"consent": True, **extra})
    return body


def test_the_public_definition_gives_fields_and_a_token(client, tenant) -> None:
    form = make_form(tenant, notify_emails=["desk@example.jp"])
    response = client.get(_public(tenant, form))
    data = response.json()
    assert response.status_code == 200
    assert [f["label"] for f in data["fields"]] == [f["label"] for f in INQUIRY_FIELDS]
    assert "mapping" not in data["fields"][0] and "notify_emails" not in data
    assert data["form_token"] and data["min_seconds"] == 3


def test_the_public_submit_opens_a_ticket_and_returns_the_receipt(client, tenant) -> None:
    form = make_form(tenant)
    token = services.form_token(form=form, at=time.time() - 5)
    response = client.post(
        _public(tenant, form, submit=True),
        _payload(tenant, form, GOOD, form_token=token),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    with tenant_context(tenant):
        ticket = Ticket.objects.get()
    assert response.json()["receipt"] == f"#{ticket.number}"


def test_the_public_submit_answers_errors_in_the_forms_language(client, tenant) -> None:
    form = make_form(tenant, language="ja")
    token = services.form_token(form=form, at=time.time() - 5)
    response = client.post(
        _public(tenant, form, submit=True),
        _payload(tenant, form, {**GOOD, "メール": "bad@@x"}, form_token=token, consent=False),
        content_type="application/json",
    )
    errors = response.json()["errors"]
    assert response.status_code == 400
    assert "メールアドレス" in errors[keys(tenant, form)["メール"]][0]
    assert "consent" in errors
    with tenant_context(tenant):
        assert not FormSubmission.objects.exists()


def test_the_public_submit_refuses_a_fresh_token_and_limits_per_address(client, tenant) -> None:
    form = make_form(tenant, language="en")
    url = _public(tenant, form, submit=True)
    fresh = client.post(
        url,
        _payload(tenant, form, GOOD, form_token=services.form_token(form=form)),
        content_type="application/json",
    )
    assert fresh.status_code == 400 and "form_token" in fresh.json()["errors"]
    old = services.form_token(form=form, at=time.time() - 5)
    codes = [
        client.post(
            url,
            _payload(tenant, form, {**GOOD, "メール": f"a{n}@example.jp"}, form_token=old),
            content_type="application/json",
        ).status_code
        for n in range(6)
    ]
    assert codes == [201, 201, 201, 201, 201, 429]  # the refused fresh one did not count
