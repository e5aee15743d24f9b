"""Tenant A's inquiry form (with a submission) for the isolation walker and the role matrix.
The public routes (portal:form, the public API) are checked by tests/support/
test_webforms_public.py: tenant A's form under tenant B's slug answers 404."""

from __future__ import annotations

from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from support.webforms import services
    from support.webforms.models import FormSubmission

    ns.inquiry_form = services.form_save(
        tenant=tenant,
        data={
            "name": f"{MARKER} form",
            "title": f"{MARKER} title",
            "fields": [
                {"label": f"{MARKER} mail", "field_type": "email", "mapping": "contact.email"}
            ],
        },
    )
    FormSubmission.objects.create(
        tenant=tenant, form=ns.inquiry_form, data={"x": f"{MARKER} value"}, receipt="L-1"
    )


ROUTES = {
    "support:form_edit": lambda ns: {"form_id": ns.inquiry_form.pk},
    "support:form_save": lambda ns: {"form_id": ns.inquiry_form.pk},
    "support:form_publish": lambda ns: {"form_id": ns.inquiry_form.pk},
    "support:form_delete": lambda ns: {"form_id": ns.inquiry_form.pk},
    "support:form_submissions": lambda ns: {"form_id": ns.inquiry_form.pk},
    "inquiry-form-detail": lambda ns: {"pk": ns.inquiry_form.pk},
}
