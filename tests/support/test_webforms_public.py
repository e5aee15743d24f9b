"""The public form: what a submission creates (contact, ticket or lead, submission row,
notifications), the spam protection, validation in the form's language, and escaping."""

from __future__ import annotations

import contextlib
import time

import pytest
from django.urls import NoReverseMatch, reverse

from contacts.models import Company, Contact
from crm.core.context import tenant_context
from crm.core.models import Notification
from support.tickets.models import Ticket
from support.webforms import services
from support.webforms.models import FormSubmission
from tests.factories import make_contact

from .helpers import make_category, make_team
from .webforms_helpers import CONTACT_FIELDS, GOOD, keys, make_form, post_data

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'


def _url(tenant, form, name="portal:form"):
    return reverse(name, kwargs={"tenant_slug": tenant.slug, "key": form.key})


def _counts(tenant):
    with tenant_context(tenant):
        return (
            FormSubmission.objects.count(),
            Ticket.objects.count(),
            Contact.objects.count(),
        )


def test_the_public_page_renders_in_the_forms_language_and_may_be_framed(client, tenant) -> None:
    form = make_form(tenant, language="ja")
    response = client.get(_url(tenant, form))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in body and "送信" in body
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    assert 'name="website"' in body and 'name="form_token"' in body


def test_an_unpublished_form_is_not_found(client, tenant) -> None:
    form = make_form(tenant, published=False)
    assert client.get(_url(tenant, form)).status_code == 404


def test_tenant_as_form_under_tenant_bs_slug_is_not_found(client, tenant, other_tenant) -> None:
    form = make_form(tenant)
    url = reverse("portal:form", kwargs={"tenant_slug": other_tenant.slug, "key": form.key})
    assert client.get(url).status_code == 404
    assert client.post(url, post_data(tenant, form, GOOD)).status_code == 404
    api = reverse("public-form", kwargs={"tenant_slug": other_tenant.slug, "key": form.key})
    assert client.get(api).status_code == 404
    assert _counts(tenant)[0] == 0


def test_an_inquiry_creates_the_contact_and_opens_a_web_ticket(client, tenant) -> None:
    category = make_category(tenant, "配送")
    team = make_team(tenant, "一次対応")
    form = make_form(
        tenant, default_category=category.pk, default_team=team.pk, default_priority="high"
    )
    response = client.post(_url(tenant, form), post_data(tenant, form, GOOD))
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    with tenant_context(tenant):
        ticket = Ticket.objects.get()
        contact = Contact.objects.get()
        submission = FormSubmission.objects.get()
        company = Company.objects.get()
    assert ticket.channel == "web" and ticket.subject == "注文した商品が届きません"
    assert ticket.body.startswith("注文番号 A-100") and "ご購入店: 通販" in ticket.body
    assert (ticket.category_id, ticket.team_id, ticket.priority) == (category.pk, team.pk, "high")
    assert ticket.contact_id == contact.pk and ticket.language == "ja"
    assert (contact.last_name, contact.first_name) == ("山田", "太郎")
    assert ticket.requester_name == "山田 太郎"
    assert contact.email == "Taro@example.jp" and contact.phone == "+81312345678"
    assert contact.company_id == company.pk and company.name == "山田商事"
    assert contact.source == "web form: お問い合わせ"
    assert submission.ticket_id == ticket.pk and submission.contact_id == contact.pk
    assert submission.receipt == f"#{ticket.number}"
    assert submission.receipt in thanks.content.decode()
    assert len(submission.ip_hash) == 64 and "127.0.0.1" not in str(submission.data)


def test_a_known_customer_is_updated_with_the_non_empty_values(client, tenant) -> None:
    with tenant_context(tenant):
        existing = make_contact(
            tenant, last_name="山田", email="taro@example.jp", department="営業部", source="import"
        )
    form = make_form(tenant)
    values = {**GOOD, "電話": "", "会社名": ""}
    assert client.post(_url(tenant, form), post_data(tenant, form, values)).status_code == 302
    with tenant_context(tenant):
        contact = Contact.objects.get()
        ticket = Ticket.objects.get()
    assert contact.pk == existing.pk and ticket.contact_id == existing.pk
    assert (contact.last_name, contact.first_name) == ("山田", "太郎")
    assert contact.department == "営業部" and contact.phone == ""
    assert contact.source == "import"


def test_a_lead_form_records_the_lead_without_a_ticket(client, tenant) -> None:
    form = make_form(tenant, name="資料請求", kind="lead", fields=CONTACT_FIELDS)
    values = {"お名前": "佐藤 花子", "メール": "hanako@example.jp"}
    response = client.post(_url(tenant, form), post_data(tenant, form, values))
    assert response.status_code == 302
    with tenant_context(tenant):
        contact = Contact.objects.get()
        submission = FormSubmission.objects.get()
        assert not Ticket.objects.exists()
        notes = list(contact.interactions.values_list("subject", flat=True))
    assert contact.lifecycle_stage == "lead" and contact.source == "web form: 資料請求"
    assert submission.ticket_id is None and submission.receipt.startswith("L-")
    assert any("資料請求" in s for s in notes)


def test_the_honeypot_answers_thanks_and_stores_nothing(client, tenant) -> None:
    form = make_form(tenant)
    response = client.post(
        _url(tenant, form), post_data(tenant, form, GOOD, website="http://spam.example")
    )
    assert response.status_code == 302
    assert _counts(tenant) == (0, 0, 0)


def test_a_submission_under_three_seconds_is_refused_and_keeps_the_data(client, tenant) -> None:
    form = make_form(tenant, language="en")
    data = post_data(tenant, form, GOOD)
    data[services.TOKEN] = services.form_token(form=form, at=time.time() - 1)
    response = client.post(_url(tenant, form), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="form-notice"' in body and "very quickly" in body
    assert "注文番号 A-100 の商品がまだ届きません。" in body
    assert _counts(tenant) == (0, 0, 0)


def test_a_forged_token_is_refused(client, tenant) -> None:
    form = make_form(tenant)
    response = client.post(_url(tenant, form), post_data(tenant, form, GOOD, form_token="x:y:z"))
    assert b'data-testid="form-notice"' in response.content
    assert _counts(tenant) == (0, 0, 0)


def test_more_than_five_posts_from_one_address_get_429_in_the_forms_language(
    client, tenant
) -> None:
    form = make_form(tenant, language="ja")
    statuses = []
    for n in range(6):
        values = {**GOOD, "メール": f"r{n}@example.jp"}
        statuses.append(client.post(_url(tenant, form), post_data(tenant, form, values)))
    assert [r.status_code for r in statuses] == [302] * 5 + [429]
    limited = statuses[-1].content.decode()
    assert '<html lang="ja">' in limited and 'data-testid="rate-limited"' in limited
    assert _counts(tenant)[0] == 5
    # another address is still welcome
    values = {**GOOD, "メール": "other@example.jp"}
    other = client.post(_url(tenant, form), post_data(tenant, form, values), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_consent_is_required(client, tenant) -> None:
    form = make_form(tenant, language="en")
    data = post_data(tenant, form, GOOD)
    del data[services.CONSENT]
    response = client.post(_url(tenant, form), data)
    assert response.status_code == 400
    assert b'data-testid="error-consent"' in response.content
    assert _counts(tenant) == (0, 0, 0)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "is not a valid e-mail address"), ("ja", "正しいメールアドレスではありません")],
)
def test_a_bad_email_is_explained_in_the_forms_language(client, tenant, language, expected) -> None:
    form = make_form(tenant, language=language)
    values = {**GOOD, "メール": "taro@@example"}
    response = client.post(_url(tenant, form), post_data(tenant, form, values))
    body = response.content.decode()
    key = keys(tenant, form)["メール"]
    assert response.status_code == 400
    assert f'data-testid="error-{key}"' in body and expected in body
    assert "注文番号 A-100" in body  # what they typed stays
    assert _counts(tenant) == (0, 0, 0)


def test_contacts_normalization_errors_reach_the_field(client, tenant) -> None:
    form = make_form(tenant, language="en")
    values = {**GOOD, "電話": "12"}
    response = client.post(_url(tenant, form), post_data(tenant, form, values))
    key = keys(tenant, form)["電話"]
    assert response.status_code == 400
    assert f'data-testid="error-{key}"' in response.content.decode()
    assert "phone number" in response.content.decode()


def test_a_required_field_and_a_wrong_choice_are_named(client, tenant) -> None:
    form = make_form(tenant, language="en")
    values = {**GOOD, "件名": "", "ご購入店": "どこか"}
    response = client.post(_url(tenant, form), post_data(tenant, form, values))
    body = response.content.decode()
    by_label = keys(tenant, form)
    assert "This field is required." in body and "Choose one of the options." in body
    assert f'data-testid="error-{by_label["件名"]}"' in body
    assert f'data-testid="error-{by_label["ご購入店"]}"' in body


def test_a_script_in_every_field_is_stored_as_text_and_shown_escaped(
    client, member_client, tenant
) -> None:
    form = make_form(tenant)
    values = {k: f"{SCRIPT}{v}" for k, v in GOOD.items() if k not in ("メール", "電話", "ご購入店")}
    values["メール"] = "xss@example.jp"
    response = client.post(_url(tenant, form), post_data(tenant, form, values))
    assert response.status_code == 302
    with tenant_context(tenant):
        ticket = Ticket.objects.get()
        contact = Contact.objects.get()
        submission = FormSubmission.objects.get()
    assert ticket.subject.startswith(SCRIPT) and contact.last_name.startswith("<script>")
    assert submission.data[keys(tenant, form)["件名"]].startswith(SCRIPT)
    pages = [
        reverse("support:form_submissions", kwargs={"form_id": form.pk}),
        reverse("contacts:detail", kwargs={"contact_id": contact.pk}),
    ]
    with contextlib.suppress(NoReverseMatch):  # the ticket page is another part's
        pages.append(reverse("support:ticket_detail", kwargs={"ticket_id": ticket.pk}))
    for url in pages:
        page = member_client.get(url)
        assert page.status_code == 200, url
        body = page.content.decode()
        assert SCRIPT not in body, url
        assert "&lt;script&gt;" in body, url


def test_members_are_notified_and_addresses_mailed_after_commit(
    client, tenant, member, inbox, django_capture_on_commit_callbacks
) -> None:
    form = make_form(tenant, notify_user_ids=[member.pk], notify_emails=["desk@example.jp"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(tenant, form), post_data(tenant, form, GOOD))
    with tenant_context(tenant):
        note = Notification.objects.get(user=member)
        ticket = Ticket.objects.get()
    assert f"#{ticket.number}" in note.title and note.url
    message = inbox.wait_for("desk@example.jp")
    assert "注文番号 A-100" in inbox.body(message)
    assert ticket.subject in inbox.body(message)


def test_the_thanks_page_needs_a_signed_receipt(client, tenant) -> None:
    form = make_form(tenant, thank_you="ありがとうございました")
    response = client.get(_url(tenant, form, "portal:form_thanks") + "?r=forged")
    body = response.content.decode()
    assert response.status_code == 200 and "ありがとうございました" in body
    assert 'data-testid="receipt"' not in body


def test_a_reshown_form_keeps_the_first_views_token(client, tenant) -> None:
    """Fixing a mistake quickly is not "too fast": the clock runs from the first view."""
    form = make_form(tenant, language="en")
    data = post_data(tenant, form, {**GOOD, "件名": ""})
    first = client.post(_url(tenant, form), data)
    assert first.status_code == 400
    assert f'value="{data[services.TOKEN]}"' in first.content.decode()
    forged = client.post(_url(tenant, form), {**data, services.TOKEN: "bad"})
    assert 'value="bad"' not in forged.content.decode()


def test_custom_fields_are_checked_by_their_definitions_and_saved(client, tenant) -> None:
    from crm.core.models import CustomFieldDefinition, ObjectType

    with tenant_context(tenant):
        CustomFieldDefinition.objects.create(
            tenant=tenant,
            object_type=ObjectType.CONTACT,
            key="employees",
            label="従業員数",
            field_type="integer",
        )
        CustomFieldDefinition.objects.create(
            tenant=tenant,
            object_type=ObjectType.TICKET,
            key="order_no",
            label="注文番号",
            field_type="text",
        )
    fields = [
        *CONTACT_FIELDS,
        {"label": "件名", "field_type": "text", "mapping": "ticket.subject"},
        {"label": "従業員数", "field_type": "text", "mapping": "contact.cf.employees"},
        {"label": "注文番号", "field_type": "text", "mapping": "ticket.cf.order_no"},
    ]
    form = make_form(tenant, language="en", fields=fields)
    base = {"お名前": "山田 太郎", "メール": "taro@example.jp", "件名": "届かない"}
    wrong = {**base, "従業員数": "たくさん", "注文番号": "A-1"}
    bad = client.post(_url(tenant, form), post_data(tenant, form, wrong))
    assert bad.status_code == 400
    assert f'data-testid="error-{keys(tenant, form)["従業員数"]}"' in bad.content.decode()
    assert _counts(tenant) == (0, 0, 0)
    good = client.post(
        _url(tenant, form), post_data(tenant, form, {**base, "従業員数": "120", "注文番号": "A-1"})
    )
    assert good.status_code == 302
    with tenant_context(tenant):
        contact = Contact.objects.get()
        ticket = Ticket.objects.get()
    assert contact.custom_fields["employees"] == 120
    assert ticket.custom_fields["order_no"] == "A-1"
