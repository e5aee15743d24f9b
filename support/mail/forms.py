"""The mail settings form (the service stores; the form says what to fix)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MailSettings

MERGE_FIELDS = ("{{ticket.number}}", "{{ticket.subject}}", "{{contact.last_name}}")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def _check_merge_fields(value: str) -> str:
    unknown = sorted(
        {
            match.group(0)
            for match in _PLACEHOLDER.finditer(value or "")
            if "{{" + match.group(1) + "}}" not in MERGE_FIELDS
        }
    )
    if unknown:
        raise forms.ValidationError(
            _("Unknown merge field %(fields)s. You can use %(allowed)s."),
            params={"fields": ", ".join(unknown), "allowed": ", ".join(MERGE_FIELDS)},
        )
    return value


class MailSettingsForm(forms.ModelForm):
    class Meta:
        model = MailSettings
        fields = [
            "support_address",
            "from_name",
            "signature",
            "auto_ack_enabled",
            "auto_ack_subject_ja",
            "auto_ack_body_ja",
            "auto_ack_subject_en",
            "auto_ack_body_en",
            "max_attachment_mb",
        ]
        widgets = {
            "signature": forms.Textarea(attrs={"rows": 4}),
            "auto_ack_body_ja": forms.Textarea(attrs={"rows": 6}),
            "auto_ack_body_en": forms.Textarea(attrs={"rows": 6}),
            "max_attachment_mb": forms.NumberInput(attrs={"min": 1, "max": 40}),
        }
        error_messages = {
            "support_address": {"invalid": _("Enter an e-mail address like support@example.jp.")},
            "max_attachment_mb": {"invalid": _("Enter a whole number of megabytes, like 10.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-check-input" if name == "auto_ack_enabled" else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["max_attachment_mb"].help_text = _(
            "Larger files are not stored; a note on the inquiry says which file (1–40 MB)."
        )
        self.fields["auto_ack_body_ja"].help_text = _("Merge fields: %(fields)s") % {
            "fields": ", ".join(MERGE_FIELDS)
        }

    def clean_max_attachment_mb(self) -> int:
        value = self.cleaned_data["max_attachment_mb"]
        if value is None or not 1 <= value <= 40:
            raise forms.ValidationError(_("Choose between 1 and 40 MB."))
        return value

    def clean_auto_ack_subject_ja(self) -> str:
        return _check_merge_fields(self.cleaned_data["auto_ack_subject_ja"])

    def clean_auto_ack_body_ja(self) -> str:
        return _check_merge_fields(self.cleaned_data["auto_ack_body_ja"])

    def clean_auto_ack_subject_en(self) -> str:
        return _check_merge_fields(self.cleaned_data["auto_ack_subject_en"])

    def clean_auto_ack_body_en(self) -> str:
        return _check_merge_fields(self.cleaned_data["auto_ack_body_en"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("auto_ack_enabled") and not data.get("support_address"):
            self.add_error(
                "support_address",
                _("Enter the support address: acknowledgements are sent from it."),
            )
        return data
