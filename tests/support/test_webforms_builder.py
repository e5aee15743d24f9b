"""The form builder: the definition service (validation, all or nothing) and its pages."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.roles import Role
from support.webforms import services
from support.webforms.models import FormField, FormSubmission, InquiryForm
from tests.factories import make_member

from .helpers import make_category, make_team
from .webforms_helpers import GOOD, INQUIRY_FIELDS, make_form, post_data

pytestmark = pytest.mark.django_db


def _errors(tenant, data):
    with tenant_context(tenant), pytest.raises(services.FormDefinitionError) as info:
        services.form_definition_clean(tenant=tenant, data=data)
    return info.value.errors


def test_a_form_saves_with_its_fields_in_order(tenant) -> None:
    form = make_form(tenant, published=False)
    with tenant_context(tenant):
        labels = list(
            FormField.objects.filter(form=form).order_by("position").values_list("label", flat=True)
        )
    assert labels == [f["label"] for f in INQUIRY_FIELDS]
    assert len(form.key) >= 16 and not form.published


def test_two_fields_mapped_to_one_target_are_refused(tenant) -> None:
    fields = [
        {"label": "メール", "field_type": "email", "mapping": "contact.email"},
        {"label": "メール(確認)", "field_type": "email", "mapping": "contact.email"},
    ]
    errors = _errors(tenant, {"name": "x", "fields": fields})
    assert "both saved to" in " ".join(errors["fields.1.mapping"])
    assert "メール(確認)" in errors["fields.1.mapping"][0]


def test_a_select_without_choices_is_refused(tenant) -> None:
    fields = [
        {"label": "メール", "field_type": "email", "mapping": "contact.email"},
        {"label": "種別", "field_type": "select", "choices": ["  ", ""]},
    ]
    errors = _errors(tenant, {"name": "x", "fields": fields})
    assert "needs choices" in errors["fields.1.choices"][0]


def test_an_inquiry_form_without_email_or_phone_is_refused(tenant) -> None:
    fields = [{"label": "内容", "field_type": "long_text", "mapping": "ticket.body"}]
    errors = _errors(tenant, {"name": "x", "kind": "inquiry", "fields": fields})
    assert "could not be answered" in errors["fields"][0]


def test_a_phone_field_is_enough_to_answer(tenant) -> None:
    fields = [{"label": "電話", "field_type": "phone", "mapping": "contact.phone"}]
    with tenant_context(tenant):
        clean = services.form_definition_clean(tenant=tenant, data={"name": "x", "fields": fields})
    assert clean["fields"][0]["mapping"] == "contact.phone"


def test_every_problem_is_reported_at_once_and_nothing_is_saved(tenant) -> None:
    form = make_form(tenant, published=False)
    bad = {
        "name": "",
        "privacy_url": "javascript:alert(1)",
        "notify_emails": ["not-an-address"],
        "fields": [{"label": "", "field_type": "radio", "mapping": "contact.nowhere"}],
    }
    with tenant_context(tenant):
        with pytest.raises(services.FormDefinitionError) as info:
            services.form_save(tenant=tenant, form=form, data=bad)
        form.refresh_from_db()
        count = FormField.objects.filter(form=form).count()
    assert {"name", "privacy_url", "notify_emails", "fields.0.label", "fields.0.choices"} <= set(
        info.value.errors
    )
    assert "fields.0.mapping" in info.value.errors and "fields" in info.value.errors
    assert form.name == "お問い合わせ" and count == len(INQUIRY_FIELDS)


def test_another_tenants_category_team_or_user_is_refused(tenant, other_tenant, outsider) -> None:
    theirs = make_category(other_tenant, "他社")
    team = make_team(other_tenant, "他社チーム")
    fields = [{"label": "メール", "field_type": "email", "mapping": "contact.email"}]
    errors = _errors(
        tenant,
        {
            "name": "x",
            "fields": fields,
            "default_category": theirs.pk,
            "default_team": team.pk,
            "notify_user_ids": [outsider.pk],
        },
    )
    assert {"default_category", "default_team", "notify_user_ids"} <= set(errors)


def test_saving_keeps_field_keys_so_old_submissions_line_up(tenant) -> None:
    form = make_form(tenant, published=False)
    with tenant_context(tenant):
        definition = services.form_definition(form=form)
        before = [f["key"] for f in definition["fields"]]
        definition["fields"].reverse()
        services.form_save(tenant=tenant, form=form, data=definition)
        after = list(
            FormField.objects.filter(form=form).order_by("position").values_list("key", flat=True)
        )
    assert after == list(reversed(before))


def test_publishing_rechecks_the_stored_definition(tenant) -> None:
    form = make_form(tenant, published=False)
    with tenant_context(tenant):
        FormField.objects.filter(form=form, mapping__in=services.REACHABLE).update(mapping="")
        with pytest.raises(services.FormDefinitionError):
            services.form_publish(tenant=tenant, form=form, published=True)
        form.refresh_from_db()
    assert not form.published


# --- pages ----------------------------------------------------------------------------------
def test_the_list_says_what_to_do_when_there_are_no_forms(member_client) -> None:
    response = member_client.get(reverse("support:form_list"))
    assert response.status_code == 200
    assert b'data-testid="forms-empty"' in response.content


def test_an_admin_creates_a_form_with_starter_fields(member_client, tenant) -> None:
    response = member_client.post(
        reverse("support:form_list"), {"name": "資料請求", "kind": "lead", "language": "en"}
    )
    with tenant_context(tenant):
        form = InquiryForm.objects.get(name="資料請求")
        mappings = set(FormField.objects.filter(form=form).values_list("mapping", flat=True))
    assert response.status_code == 302
    assert response["Location"] == reverse("support:form_edit", kwargs={"form_id": form.pk})
    assert form.kind == "lead" and form.language == "en"
    assert mappings == {"contact.full_name", "contact.email"}


def test_creating_without_a_name_says_so(member_client, tenant) -> None:
    response = member_client.post(reverse("support:form_list"), {"name": " ", "kind": "inquiry"})
    assert response.status_code == 400
    assert b'data-testid="error-name"' in response.content
    with tenant_context(tenant):
        assert not InquiryForm.objects.exists()


def test_the_builder_page_shows_the_definition_url_and_snippets(member_client, tenant) -> None:
    form = make_form(tenant, published=False)
    response = member_client.get(reverse("support:form_edit", kwargs={"form_id": form.pk}))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"/portal/{tenant.slug}/forms/{form.key}/" in body
    assert "&lt;iframe" in body and "support_form_embed" in body and 'id="wf-definition"' in body


def test_the_builder_saves_json_and_returns_errors_by_place(member_client, tenant) -> None:
    form = make_form(tenant, published=False)
    url = reverse("support:form_save", kwargs={"form_id": form.pk})
    with tenant_context(tenant):
        definition = services.form_definition(form=form)
    definition["fields"].append({"label": "色", "field_type": "radio", "choices": []})
    response = member_client.post(url, json.dumps(definition), content_type="application/json")
    assert response.status_code == 400
    assert f"fields.{len(INQUIRY_FIELDS)}.choices" in response.json()["errors"]
    definition["fields"][-1]["choices"] = ["赤", "青"]
    response = member_client.post(url, json.dumps(definition), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["definition"]["fields"][-1]["choices"] == ["赤", "青"]


def test_publish_and_unpublish_from_the_page(member_client, tenant, client) -> None:
    form = make_form(tenant, published=False)
    public = reverse("portal:form", kwargs={"tenant_slug": tenant.slug, "key": form.key})
    url = reverse("support:form_publish", kwargs={"form_id": form.pk})
    member_client.post(url, {"published": "1"})
    with tenant_context(tenant):
        form.refresh_from_db()
    assert form.published
    member_client.post(url, {"published": "0"})
    with tenant_context(tenant):
        form.refresh_from_db()
    assert not form.published
    member_client.logout()
    assert client.get(public).status_code == 404


def test_a_sales_rep_cannot_open_the_builder(client, tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    client.force_login(rep)
    assert client.get(reverse("support:form_list")).status_code == 403


def test_the_submission_list_escapes_and_counts_queries(
    member_client, tenant, django_assert_num_queries
) -> None:
    form = make_form(tenant)
    script = "<script>alert(1)</script>"
    url = reverse("support:form_submissions", kwargs={"form_id": form.pk})

    def submit(count: int) -> None:
        with tenant_context(tenant):
            for n in range(count):
                values = {
                    k: f"{script}{v}" if k in ("件名", "内容", "お名前") else v
                    for k, v in GOOD.items()
                }
                values["メール"] = f"c{n}-{count}@example.jp"
                services.form_submit(tenant=tenant, form=form, data=post_data(tenant, form, values))

    submit(1)
    member_client.get(url)  # warm the session and the tenant
    with django_assert_num_queries(5):
        member_client.get(url)
    submit(3)
    with django_assert_num_queries(5):  # the same for four rows as for one
        response = member_client.get(url)
    body = response.content.decode()
    assert body.count('data-testid="submission"') == 4
    assert script not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    with tenant_context(tenant):
        assert FormSubmission.objects.count() == 4


def test_the_form_list_takes_the_same_queries_for_one_form_or_many(
    member_client, tenant, django_assert_num_queries
) -> None:
    url = reverse("support:form_list")
    make_form(tenant, name="一つ目")
    member_client.get(url)
    with django_assert_num_queries(3) as one:
        member_client.get(url)
    for n in range(3):
        make_form(tenant, name=f"追加 {n}")
    with django_assert_num_queries(len(one.captured_queries)):
        response = member_client.get(url)
    assert response.content.decode().count('data-testid="form-link"') == 4


def test_the_builder_page_takes_the_same_queries_for_few_or_many_fields(
    member_client, tenant, django_assert_num_queries
) -> None:
    few = make_form(tenant, name="少ない", published=False)
    many_fields = INQUIRY_FIELDS + [
        {"label": f"質問 {n}", "field_type": "radio", "choices": ["はい", "いいえ"]}
        for n in range(8)
    ]
    many = make_form(tenant, name="多い", fields=many_fields, published=False)
    member_client.get(reverse("support:form_edit", kwargs={"form_id": few.pk}))
    # 12th: the required custom fields to warn of; 13th: the file limit (mail settings)
    with django_assert_num_queries(12) as small:
        member_client.get(reverse("support:form_edit", kwargs={"form_id": few.pk}))
    with django_assert_num_queries(len(small.captured_queries)):
        response = member_client.get(reverse("support:form_edit", kwargs={"form_id": many.pk}))
    assert json.dumps("質問 7")[1:-1] in response.content.decode()  # in the JSON for the script
