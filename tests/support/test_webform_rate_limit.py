"""The per-address limit counts accepted submissions only: a customer who gets an error,
sends too fast, or a bot caught by the honeypot uses up nothing. A far higher ceiling on
every post stops a script hammering the page."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings
from django.urls import reverse

from crm.core.context import tenant_context
from support.webforms import services
from support.webforms.models import FormSubmission

from .webforms_helpers import GOOD, make_form, post_data

pytestmark = pytest.mark.django_db


def _url(tenant, form):
    return reverse("portal:form", kwargs={"tenant_slug": tenant.slug, "key": form.key})


def _good(tenant, form, n):
    return post_data(tenant, form, {**GOOD, "メール": f"r{n}@example.jp"})


def _stored(tenant):
    with tenant_context(tenant):
        return FormSubmission.objects.count()


def test_posts_refused_for_errors_do_not_count(client, tenant) -> None:
    form = make_form(tenant, language="ja")
    for _ in range(5):
        bad = post_data(tenant, form, {**GOOD, "メール": "taro@@example"})
        assert client.post(_url(tenant, form), bad).status_code == 400
    codes = [client.post(_url(tenant, form), _good(tenant, form, n)).status_code for n in range(6)]
    assert codes == [302] * 5 + [429]
    assert _stored(tenant) == 5


def test_posts_refused_by_the_time_token_or_the_honeypot_do_not_count(client, tenant) -> None:
    form = make_form(tenant, language="en")
    for _ in range(3):
        fast = _good(tenant, form, 0)
        fast[services.TOKEN] = services.form_token(form=form, at=time.time() - 1)
        assert b'data-testid="form-notice"' in client.post(_url(tenant, form), fast).content
        bot = post_data(tenant, form, GOOD, website="http://spam.example")
        assert client.post(_url(tenant, form), bot).status_code == 302
    codes = [client.post(_url(tenant, form), _good(tenant, form, n)).status_code for n in range(6)]
    assert codes == [302] * 5 + [429]
    assert _stored(tenant) == 5


def test_a_refused_submission_after_the_limit_is_reached_still_gets_429(client, tenant) -> None:
    form = make_form(tenant, language="ja")
    for n in range(5):
        assert client.post(_url(tenant, form), _good(tenant, form, n)).status_code == 302
    bad = post_data(tenant, form, {**GOOD, "メール": "taro@@example"})
    assert client.post(_url(tenant, form), bad).status_code == 429


@override_settings(SUPPORT_FORM_ATTEMPT_LIMIT=(4, 600))
def test_the_ceiling_on_all_posts_stops_hammering(client, tenant) -> None:
    form = make_form(tenant, language="ja")
    bad = post_data(tenant, form, {**GOOD, "メール": "taro@@example"})
    codes = [client.post(_url(tenant, form), bad).status_code for _ in range(5)]
    assert codes == [400] * 4 + [429]
    # other addresses are not affected
    other = client.post(_url(tenant, form), _good(tenant, form, 1), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_the_limit_is_per_tenant(client, tenant, other_tenant) -> None:
    form = make_form(tenant, language="ja")
    theirs = make_form(other_tenant, language="ja")
    for n in range(5):
        assert client.post(_url(tenant, form), _good(tenant, form, n)).status_code == 302
    assert client.post(_url(tenant, form), _good(tenant, form, 9)).status_code == 429
    response = client.post(_url(other_tenant, theirs), _good(other_tenant, theirs, 9))
    assert response.status_code == 302


def test_the_api_counts_the_same_way(client, tenant) -> None:
    form = make_form(tenant, language="en")
    url = reverse("public-form-submit", kwargs={"tenant_slug": tenant.slug, "key": form.key})
    bad = {**post_data(tenant, form, {**GOOD, "メール": "x@@y"}), "consent": True}
    for _ in range(3):
        assert client.post(url, bad, content_type="application/json").status_code == 400
    codes = [
        client.post(
            url, {**_good(tenant, form, n), "consent": True}, content_type="application/json"
        ).status_code
        for n in range(6)
    ]
    assert codes == [201] * 5 + [429]


def test_the_429_page_is_the_form_again_with_what_was_typed(client, tenant) -> None:
    form = make_form(tenant, language="en")
    for n in range(5):
        assert client.post(_url(tenant, form), _good(tenant, form, n)).status_code == 302
    response = client.post(_url(tenant, form), _good(tenant, form, 9))
    body = response.content.decode()
    assert response.status_code == 429
    assert 'data-testid="rate-limited"' in body and "wait about ten minutes" in body
    assert "注文番号 A-100 の商品がまだ届きません。" in body and "r9@example.jp" in body
    assert 'data-testid="public-form"' in body
