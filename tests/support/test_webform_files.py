"""File fields: the builder's rules for them, and a customer's file attached to the
inquiry like a mail's attachment; a file too large or of a type the form does not accept
is refused in the form's language, and nothing else the customer typed is lost."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.core.context import tenant_context
from support.mail import services as mail_services
from support.tickets.models import Ticket, TicketAttachment
from support.webforms import services
from support.webforms.models import FormSubmission

from .webforms_helpers import CONTACT_FIELDS, GOOD, INQUIRY_FIELDS, keys, make_form, post_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 a small manual"
FILE_FIELD = {"label": "添付ファイル", "field_type": "file", "choices": ["pdf", ".PNG"]}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def _url(tenant, form):
    return reverse("portal:form", kwargs={"tenant_slug": tenant.slug, "key": form.key})


def _with_file(tenant, form, upload, values=None):
    data = post_data(tenant, form, values or GOOD)
    data[keys(tenant, form)["添付ファイル"]] = upload
    return data


def _stored(tenant):
    with tenant_context(tenant):
        return (
            FormSubmission.objects.count(),
            Ticket.objects.count(),
            TicketAttachment.objects.count(),
        )


def test_a_file_field_keeps_its_types_as_extensions_and_gets_defaults(tenant) -> None:
    form = make_form(
        tenant,
        published=False,
        fields=[*INQUIRY_FIELDS, FILE_FIELD, {"label": "写真", "field_type": "file"}],
    )
    with tenant_context(tenant):
        by_label = {f["label"]: f for f in services.form_definition(form=form)["fields"]}
    assert by_label["添付ファイル"]["choices"] == ["pdf", "png"]
    assert by_label["写真"]["choices"] == services.DEFAULT_FILE_TYPES


def test_allowed_types_may_come_separated_by_commas_as_the_builder_sends_them(tenant) -> None:
    field = {**FILE_FIELD, "choices": ["pdf, .PNG、*.jpg; txt", "pdf"]}
    with tenant_context(tenant):
        clean = services.form_definition_clean(
            tenant=tenant, data={"name": "x", "fields": [*INQUIRY_FIELDS, field]}
        )
    assert clean["fields"][-1]["choices"] == ["pdf", "png", "jpg", "txt"]


@pytest.mark.parametrize(
    ("field", "place", "expected"),
    [
        ({**FILE_FIELD, "choices": ["pdf", "setup.exe"]}, "choices", "not extensions: setup"),
        ({**FILE_FIELD, "choices": ["pdf, ワード"]}, "choices", "separated by commas"),
        ({**FILE_FIELD, "mapping": "contact.title"}, "mapping", "attached to the inquiry"),
    ],
)
def test_a_file_fields_mistakes_are_refused(tenant, field, place, expected) -> None:
    with tenant_context(tenant), pytest.raises(services.FormDefinitionError) as info:
        services.form_definition_clean(
            tenant=tenant, data={"name": "x", "fields": [*INQUIRY_FIELDS, field]}
        )
    index = len(INQUIRY_FIELDS)
    assert expected in " ".join(info.value.errors[f"fields.{index}.{place}"])


def test_a_lead_form_cannot_take_files(tenant) -> None:
    with tenant_context(tenant), pytest.raises(services.FormDefinitionError) as info:
        services.form_definition_clean(
            tenant=tenant,
            data={"name": "x", "kind": "lead", "fields": [*CONTACT_FIELDS, FILE_FIELD]},
        )
    assert "inquiry forms" in info.value.errors[f"fields.{len(CONTACT_FIELDS)}.field_type"][0]


def test_a_customers_file_is_attached_to_the_inquiry_and_shown_on_it(
    client, member_client, tenant
) -> None:
    form = make_form(tenant, fields=[*INQUIRY_FIELDS, FILE_FIELD])
    page = client.get(_url(tenant, form)).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'accept=".pdf,.png"' in page
    upload = SimpleUploadedFile("../../取扱説明書.pdf", PDF, content_type="text/html")
    response = client.post(_url(tenant, form), _with_file(tenant, form, upload))
    assert response.status_code == 302
    with tenant_context(tenant):
        ticket = Ticket.objects.get()
        stored = TicketAttachment.objects.get()
        submission = FormSubmission.objects.get()
        assert stored.message.ticket_id == ticket.pk and stored.message.kind == "customer"
        assert stored.file.name.startswith(f"tenants/{tenant.pk}/support/")
        assert stored.file.read() == PDF
    assert stored.filename == "取扱説明書.pdf" and stored.size == len(PDF)
    assert stored.content_type == "application/pdf"  # from the name, not the sender's claim
    assert submission.data[keys(tenant, form)["添付ファイル"]].startswith("取扱説明書.pdf (")
    detail = member_client.get(reverse("support:ticket_detail", kwargs={"ticket_id": ticket.pk}))
    assert "取扱説明書.pdf" in detail.content.decode()


def test_an_optional_file_field_left_empty_is_fine(client, tenant) -> None:
    form = make_form(tenant, fields=[*INQUIRY_FIELDS, FILE_FIELD])
    assert client.post(_url(tenant, form), post_data(tenant, form, GOOD)).status_code == 302
    assert _stored(tenant) == (1, 1, 0)


def test_a_required_file_field_says_so(client, tenant) -> None:
    form = make_form(
        tenant, language="en", fields=[*INQUIRY_FIELDS, {**FILE_FIELD, "required": True}]
    )
    response = client.post(_url(tenant, form), post_data(tenant, form, GOOD))
    assert response.status_code == 400
    assert "Choose a file to send." in response.content.decode()
    assert _stored(tenant) == (0, 0, 0)


def test_a_forbidden_type_is_refused_in_the_forms_language_and_keeps_the_rest(
    client, tenant
) -> None:
    form = make_form(tenant, language="en", fields=[*INQUIRY_FIELDS, FILE_FIELD])
    upload = SimpleUploadedFile("setup.exe", b"MZ...", content_type="application/pdf")
    response = client.post(_url(tenant, form), _with_file(tenant, form, upload))
    body = response.content.decode()
    key = keys(tenant, form)["添付ファイル"]
    assert response.status_code == 400
    assert f'data-testid="error-{key}"' in body
    assert "“setup.exe” is not a type this form accepts" in body and "pdf, png" in body
    assert "注文番号 A-100 の商品がまだ届きません。" in body and "山田 太郎" in body
    assert f'data-testid="file-again-{key}"' in body  # asked to choose the file again
    assert _stored(tenant) == (0, 0, 0)


def test_an_oversized_file_is_refused_with_the_tenants_limit(client, tenant) -> None:
    with tenant_context(tenant):
        mail_services.mail_settings_update(tenant=tenant, max_attachment_mb=1)
    form = make_form(tenant, language="en", fields=[*INQUIRY_FIELDS, FILE_FIELD])
    assert "Up to 1 MB." in client.get(_url(tenant, form)).content.decode()
    upload = SimpleUploadedFile(
        "scan.pdf", b"%PDF" + b"x" * (1024 * 1024), content_type="application/pdf"
    )
    response = client.post(_url(tenant, form), _with_file(tenant, form, upload))
    body = response.content.decode()
    assert response.status_code == 400
    assert "“scan.pdf” is too large (1.0\xa0MB). Files of up to 1 MB can be sent" in body
    assert "注文番号 A-100" in body
    assert _stored(tenant) == (0, 0, 0)


def test_a_file_error_in_a_japanese_form_is_shown_next_to_the_field(client, tenant) -> None:
    form = make_form(tenant, language="ja", fields=[*INQUIRY_FIELDS, FILE_FIELD])
    upload = SimpleUploadedFile("setup.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(_url(tenant, form), _with_file(tenant, form, upload))
    body = response.content.decode()
    assert response.status_code == 400 and '<html lang="ja">' in body
    assert (
        f'data-testid="error-{keys(tenant, form)["添付ファイル"]}"' in body and "setup.exe" in body
    )
    assert _stored(tenant) == (0, 0, 0)


def test_the_public_api_takes_a_file_as_multipart(client, tenant) -> None:
    form = make_form(tenant, language="en", fields=[*INQUIRY_FIELDS, FILE_FIELD])
    definition = client.get(
        reverse("public-form", kwargs={"tenant_slug": tenant.slug, "key": form.key})
    ).json()
    assert definition["max_file_mb"] == 10
    assert any(
        f["field_type"] == "file" and f["choices"] == ["pdf", "png"] for f in definition["fields"]
    )
    url = reverse("public-form-submit", kwargs={"tenant_slug": tenant.slug, "key": form.key})
    data = _with_file(
        tenant, form, SimpleUploadedFile("a.png", b"\x89PNG...", content_type="image/png")
    )
    data[services.TOKEN] = services.form_token(form=form, at=time.time() - 10)
    response = client.post(url, data)  # multipart
    assert response.status_code == 201, response.content
    with tenant_context(tenant):
        assert TicketAttachment.objects.get().filename == "a.png"


def test_another_tenants_ticket_with_an_attachment_is_not_found(
    client, tenant, other_tenant, outsider_client
) -> None:
    form = make_form(tenant, fields=[*INQUIRY_FIELDS, FILE_FIELD])
    upload = SimpleUploadedFile("secret.pdf", PDF, content_type="application/pdf")
    assert client.post(_url(tenant, form), _with_file(tenant, form, upload)).status_code == 302
    with tenant_context(tenant):
        ticket = Ticket.objects.get()
    response = outsider_client.get(
        reverse("support:ticket_detail", kwargs={"ticket_id": ticket.pk})
    )
    assert response.status_code == 404 and b"secret.pdf" not in response.content
