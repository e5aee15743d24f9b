from __future__ import annotations

from typing import Any

from django import forms

from crm.core.customfields import CustomFieldsFormMixin, style_custom_widgets
from crm.core.forms import StyledFormMixin

from .models import Contact


class ContactForm(StyledFormMixin, CustomFieldsFormMixin, forms.ModelForm):
    """The built-in fields, then the tenant's contact custom fields in display order
    (pass `custom_field_definitions=definitions_for(tenant=..., object_type="contact")`)."""

    class Meta:
        model = Contact
        fields = ["last_name", "first_name", "last_name_kana", "first_name_kana", "email", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_custom_widgets(self)
