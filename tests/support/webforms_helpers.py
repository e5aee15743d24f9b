"""Builders for the web form tests: a published form through the services, and a valid
POST body (with a time token old enough to pass the minimum time)."""

from __future__ import annotations

import time
from typing import Any

from crm.core.context import tenant_context
from support.webforms import services
from support.webforms.models import FormField, InquiryForm

CONTACT_FIELDS = [
    {"label": "お名前", "field_type": "text", "required": True, "mapping": "contact.full_name"},
    {"label": "メール", "field_type": "email", "required": True, "mapping": "contact.email"},
    {"label": "電話", "field_type": "phone", "mapping": "contact.phone"},
    {"label": "会社名", "field_type": "text", "mapping": "contact.company_name"},
]
INQUIRY_FIELDS = [
    *CONTACT_FIELDS,
    {"label": "件名", "field_type": "text", "required": True, "mapping": "ticket.subject"},
    {"label": "内容", "field_type": "long_text", "required": True, "mapping": "ticket.body"},
    {"label": "ご購入店", "field_type": "select", "choices": ["本店", "通販"]},
]


def make_form(
    tenant: Any,
    *,
    name: str = "お問い合わせ",
    kind: str = "inquiry",
    language: str = "ja",
    fields: list[dict[str, Any]] | None = None,
    published: bool = True,
    **extra: Any,
) -> InquiryForm:
    if fields is None:
        fields = INQUIRY_FIELDS if kind == "inquiry" else CONTACT_FIELDS
    with tenant_context(tenant):
        form = services.form_save(
            tenant=tenant,
            data={"name": name, "kind": kind, "language": language, "fields": fields, **extra},
        )
        if published:
            form = services.form_publish(tenant=tenant, form=form, published=True)
        return form


def keys(tenant: Any, form: InquiryForm) -> dict[str, str]:
    """Field key by label."""
    with tenant_context(tenant):
        return {f.label: f.key for f in FormField.objects.filter(tenant=tenant, form=form)}


def post_data(tenant: Any, form: InquiryForm, values: dict[str, str], **extra: Any) -> dict:
    """A submission by label: the token is 10 s old, consent given."""
    by_label = keys(tenant, form)
    data = {by_label[label]: value for label, value in values.items()}
    data[services.TOKEN] = services.form_token(form=form, at=time.time() - 10)
    data[services.CONSENT] = "1"
    data.update(extra)
    return data


GOOD = {
    "お名前": "山田 太郎",
    "メール": "Taro@Example.JP",
    "電話": "０３－１２３４－５６７８",
    "会社名": "山田商事",
    "件名": "注文した商品が届きません",
    "内容": "注文番号 A-100 の商品がまだ届きません。",
    "ご購入店": "通販",
}
