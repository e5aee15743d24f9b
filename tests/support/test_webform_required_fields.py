"""A required custom field that the form does not ask for: the customer's contact is
created without it and the submission stored (the required rule is for people editing in
the app); the builder warns at once, on publishing and through the API, in the admin's
language. A rule that still refuses the contact (a unique clash) loses nothing either."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contacts.models import Company, Contact
from crm.core.context import tenant_context
from crm.core.models import CustomFieldDefinition, ObjectType
from support.tickets.models import Ticket
from support.webforms import services
from support.webforms.models import FormSubmission
from tests.factories import make_contact

from .webforms_helpers import CONTACT_FIELDS, GOOD, INQUIRY_FIELDS, keys, make_form, post_data

pytestmark = pytest.mark.django_db


def _required(tenant, key="member_no", label="会員番号", label_en="Member number", **extra):
    with tenant_context(tenant):
        return CustomFieldDefinition.objects.create(
            tenant=tenant,
            object_type=extra.pop("object_type", ObjectType.CONTACT),
            key=key,
            label=label,
            label_en=label_en,
            field_type="text",
            required=True,
            **extra,
        )


def _url(tenant, form):
    return reverse("portal:form", kwargs={"tenant_slug": tenant.slug, "key": form.key})


def _speaks(user, language):
    user.language = language
    user.save(update_fields=["language"])


def test_a_new_customer_gets_a_contact_without_a_required_field_the_form_does_not_ask(
    client, tenant
) -> None:
    _required(tenant)
    form = make_form(tenant, language="en")
    response = client.post(_url(tenant, form), post_data(tenant, form, GOOD))
    assert response.status_code == 302
    with tenant_context(tenant):
        submission = FormSubmission.objects.get()
        ticket = Ticket.objects.get()
        contact = Contact.objects.get()
        assert Company.objects.get().name == "山田商事"
    assert "member_no" not in contact.custom_fields
    assert contact.email == "Taro@example.jp" and contact.source == f"web form: {form.name}"
    assert submission.contact_id == contact.pk and ticket.contact_id == contact.pk
    assert services.NO_CONTACT not in submission.data
    assert submission.receipt == f"#{ticket.number}"


def test_a_required_field_still_applies_to_people_editing_in_the_app(tenant) -> None:
    from contacts.services import contact_create

    _required(tenant)
    with tenant_context(tenant), pytest.raises(ValidationError) as refused:
        contact_create(tenant=tenant, last_name="山田", email="x@example.jp")
    assert "cf_member_no" in refused.value.message_dict


def _unique(tenant) -> None:
    with tenant_context(tenant):
        CustomFieldDefinition.objects.create(
            tenant=tenant, object_type=ObjectType.CONTACT, key="member_no", label="会員番号",
            label_en="Member number", field_type="text", unique=True,
        )  # fmt: skip
        make_contact(tenant, last_name="佐藤", email="sato@example.jp",
                     custom_fields={"member_no": "M-1"})  # fmt: skip


MEMBER_FIELDS = [
    *INQUIRY_FIELDS,
    {"label": "会員番号", "field_type": "text", "mapping": "contact.cf.member_no"},
]


def test_a_unique_clash_stores_the_inquiry_without_a_contact(client, tenant) -> None:
    _unique(tenant)
    form = make_form(tenant, language="en", fields=MEMBER_FIELDS)
    data = post_data(tenant, form, {**GOOD, "会員番号": "M-1"})
    assert client.post(_url(tenant, form), data).status_code == 302
    with tenant_context(tenant):
        submission = FormSubmission.objects.get()
        ticket = Ticket.objects.get()
        assert Contact.objects.count() == 1  # only 佐藤
        assert not Company.objects.exists()  # the savepoint took the company back
    key = keys(tenant, form)["会員番号"]
    assert submission.contact_id is None and ticket.contact_id is None
    assert list(submission.data[services.NO_CONTACT]) == [key]
    assert submission.data[key] == "M-1" and ticket.requester_email == "Taro@example.jp"


def test_a_unique_clash_links_the_known_customer_without_updating_it(client, tenant) -> None:
    _unique(tenant)
    with tenant_context(tenant):
        known = make_contact(tenant, last_name="山田", email="taro@example.jp")
    form = make_form(tenant, language="en", fields=MEMBER_FIELDS)
    data = post_data(tenant, form, {**GOOD, "会員番号": "M-1"})
    assert client.post(_url(tenant, form), data).status_code == 302
    with tenant_context(tenant):
        submission = FormSubmission.objects.get()
        ticket = Ticket.objects.get()
        known.refresh_from_db()
    assert submission.contact_id == known.pk and ticket.contact_id == known.pk
    assert submission.data[services.CONTACT_NOT_UPDATED] and not known.phone


def test_an_existing_customer_is_updated_as_before(client, tenant) -> None:
    with tenant_context(tenant):
        known = make_contact(tenant, last_name="山田", email="taro@example.jp")
        CustomFieldDefinition.objects.create(
            tenant=tenant,
            object_type=ObjectType.CONTACT,
            key="member_no",
            label="会員番号",
            field_type="text",
            required=True,
        )
    form = make_form(tenant, language="ja")
    assert client.post(_url(tenant, form), post_data(tenant, form, GOOD)).status_code == 302
    with tenant_context(tenant):
        submission = FormSubmission.objects.get()
        known.refresh_from_db()
    assert submission.contact_id == known.pk and services.NO_CONTACT not in submission.data
    assert known.phone  # updated with what the form gave


def test_a_lead_form_creates_the_lead_without_the_required_field(client, tenant) -> None:
    _required(tenant)
    form = make_form(tenant, kind="lead", language="ja", name="資料請求")
    values = {k: v for k, v in GOOD.items() if k in {f["label"] for f in CONTACT_FIELDS}}
    assert client.post(_url(tenant, form), post_data(tenant, form, values)).status_code == 302
    with tenant_context(tenant):
        submission = FormSubmission.objects.get()
        contact = Contact.objects.get()
    assert submission.receipt.startswith("L-") and submission.contact_id == contact.pk
    assert contact.lifecycle_stage == "lead" and services.NO_CONTACT not in submission.data


def test_when_the_form_asks_for_it_the_contact_gets_it(client, tenant) -> None:
    _required(tenant)
    fields = [
        *INQUIRY_FIELDS,
        {
            "label": "会員番号",
            "field_type": "text",
            "required": True,
            "mapping": "contact.cf.member_no",
        },
    ]
    form = make_form(tenant, language="ja", fields=fields)
    with tenant_context(tenant):
        assert (
            services.form_warnings(tenant=tenant, definition=services.form_definition(form=form))
            == []
        )
    data = post_data(tenant, form, {**GOOD, "会員番号": "M-1"})
    assert client.post(_url(tenant, form), data).status_code == 302
    with tenant_context(tenant):
        contact = Contact.objects.get()
    assert contact.custom_fields["member_no"] == "M-1"


def test_a_required_field_with_a_default_is_not_missing(client, tenant) -> None:
    _required(tenant, default="未登録")
    form = make_form(tenant, language="ja")
    with tenant_context(tenant):
        assert (
            services.form_warnings(tenant=tenant, definition=services.form_definition(form=form))
            == []
        )
    assert client.post(_url(tenant, form), post_data(tenant, form, GOOD)).status_code == 302
    with tenant_context(tenant):
        assert Contact.objects.get().custom_fields["member_no"] == "未登録"


def test_a_required_inquiry_field_not_asked_does_not_lose_the_ones_asked(client, tenant) -> None:
    _required(tenant, key="contract", label="契約番号", object_type=ObjectType.TICKET)
    with tenant_context(tenant):
        CustomFieldDefinition.objects.create(
            tenant=tenant, object_type=ObjectType.TICKET, key="order_no", label="注文番号",
            field_type="text",
        )  # fmt: skip
    fields = [
        *INQUIRY_FIELDS,
        {"label": "注文番号", "field_type": "text", "mapping": "ticket.cf.order_no"},
    ]
    form = make_form(tenant, language="ja", fields=fields)
    data = post_data(tenant, form, {**GOOD, "注文番号": "A-1"})
    assert client.post(_url(tenant, form), data).status_code == 302
    with tenant_context(tenant):
        ticket = Ticket.objects.get()
        assert Contact.objects.exists()
    assert ticket.custom_fields == {"order_no": "A-1"}


def test_the_builder_warns_in_english(member_client, member, tenant) -> None:
    _speaks(member, "en")
    _required(tenant)
    form = make_form(tenant, language="ja", published=False)
    page = member_client.get(reverse("support:form_edit", kwargs={"form_id": form.pk}))
    body = page.content.decode()
    assert 'data-testid="builder-warnings"' in body
    assert "“Member number” is required" in body and "created without it" in body
    published = member_client.post(
        reverse("support:form_publish", kwargs={"form_id": form.pk}), {"published": "1"},
        follow=True,
    )  # fmt: skip
    with tenant_context(tenant):
        form.refresh_from_db()
    assert form.published  # a warning, not a refusal
    notes = [str(m) for m in published.context["messages"]]
    assert any("“Member number” is required" in m for m in notes)


def test_the_builder_warns_in_japanese_with_the_fields_japanese_label(
    member_client, member, tenant
) -> None:
    _speaks(member, "ja")
    _required(tenant)
    form = make_form(tenant, language="en", published=False)
    body = member_client.get(reverse("support:form_edit", kwargs={"form_id": form.pk})).content
    text = body.decode()
    assert 'data-testid="builder-warning"' in text and "会員番号" in text
    assert "Member number" not in text


def test_the_save_json_and_the_api_return_the_warnings(member_client, member, tenant) -> None:
    _speaks(member, "en")
    _required(tenant)
    form = make_form(tenant, published=False)
    url = reverse("support:form_save", kwargs={"form_id": form.pk})
    with tenant_context(tenant):
        definition = services.form_definition(form=form)
    saved = member_client.post(url, json.dumps(definition), content_type="application/json")
    assert saved.status_code == 200 and "Member number" in saved.json()["warnings"][0]
    api = member_client.patch(
        reverse("inquiry-form-detail", kwargs={"pk": form.pk}), {"title": "x"},
        content_type="application/json",
    )  # fmt: skip
    assert api.status_code == 200 and "Member number" in api.json()["warnings"][0]


def test_a_required_field_on_the_form_but_optional_there_is_warned_about(tenant) -> None:
    _required(tenant)
    fields = [
        *INQUIRY_FIELDS,
        {"label": "会員番号", "field_type": "text", "mapping": "contact.cf.member_no"},
    ]
    form = make_form(tenant, fields=fields, published=False)
    with tenant_context(tenant):
        warnings = services.form_warnings(
            tenant=tenant, definition=services.form_definition(form=form)
        )
    assert len(warnings) == 1


def test_the_submissions_page_says_why_there_is_no_contact(
    member_client, member, tenant, client
) -> None:
    _speaks(member, "en")
    _unique(tenant)
    form = make_form(tenant, fields=MEMBER_FIELDS)
    data = post_data(tenant, form, {**GOOD, "会員番号": "M-1"})
    assert client.post(_url(tenant, form), data).status_code == 302
    page = member_client.get(reverse("support:form_submissions", kwargs={"form_id": form.pk}))
    body = page.content.decode()
    assert 'data-testid="submission-no-contact"' in body and "No contact was created" in body
    assert "会員番号:" in body  # the field whose value clashed, by its label
    assert services.NO_CONTACT not in body  # the marker is not shown as an answer


def test_the_submissions_page_still_explains_older_rows(member_client, member, tenant) -> None:
    _speaks(member, "en")
    _required(tenant)
    form = make_form(tenant)
    with tenant_context(tenant):
        FormSubmission.objects.create(
            tenant=tenant, form=form, data={services.NO_CONTACT: ["member_no"]}, receipt="#1"
        )
    page = member_client.get(reverse("support:form_submissions", kwargs={"form_id": form.pk}))
    body = page.content.decode()
    assert 'data-testid="submission-no-contact"' in body and "Member number" in body
