"""allauth glue: sign-up creates a tenant and makes the new user its owner."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import User
from .services.tenants import tenant_create


class TenantSignupForm(SignupForm):
    company_name = forms.CharField(
        label=_("Company or team name"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 株式会社サンプル")}),
    )
    display_name = forms.CharField(label=_("Your name"), max_length=100, required=False)

    field_order = ["company_name", "display_name", "email", "password1", "password2"]

    def save(self, request: HttpRequest) -> User:
        user = super().save(request)
        user.display_name = self.cleaned_data.get("display_name", "")
        user.save(update_fields=["display_name"])
        tenant_create(name=self.cleaned_data["company_name"], owner=user)
        return user


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def get_login_redirect_url(self, request: HttpRequest) -> Any:
        return super().get_login_redirect_url(request)
