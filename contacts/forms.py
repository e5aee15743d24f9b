from __future__ import annotations

from django import forms

from crm.core.forms import StyledFormMixin

from .models import Contact


class ContactForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["last_name", "first_name", "last_name_kana", "first_name_kana", "email", "phone"]
