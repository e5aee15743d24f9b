"""allauth glue.

Sign-up creates a tenant and makes the new user its owner, unless the person arrived through
an invitation link: then the address is fixed to the invited one, no tenant is created, and
the invitation is accepted as part of the sign-up (the link itself proved the address, so it
counts as verified).

The adapter also records login history (successes, wrong passwords, refused-while-locked) and
every allauth form gets Bootstrap's classes (see `bootstrap`)."""

from __future__ import annotations

from typing import Any

from allauth.account import forms as account_forms
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.recovery_codes import forms as mfa_recovery_forms
from allauth.mfa.totp import forms as mfa_totp_forms
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import context
from .forms_accounts import BootstrapFormMixin
from .middleware import SESSION_TENANT_KEY, client_ip
from .models import User
from .services.accounts import (
    InvitationError,
    InvitationLookup,
    invitation_accept,
    invitation_check,
    invitation_find,
    login_event_record,
)
from .services.tenants import tenant_create

SESSION_INVITATION_KEY = "crm_invitation_hash"


def bootstrap(form_class: type) -> type:
    return type(form_class.__name__, (BootstrapFormMixin, form_class), {})


# ACCOUNT_FORMS / MFA_FORMS in settings point at these.
LoginForm = bootstrap(account_forms.LoginForm)
AddEmailForm = bootstrap(account_forms.AddEmailForm)
ChangePasswordForm = bootstrap(account_forms.ChangePasswordForm)
SetPasswordForm = bootstrap(account_forms.SetPasswordForm)
ResetPasswordForm = bootstrap(account_forms.ResetPasswordForm)
ResetPasswordKeyForm = bootstrap(account_forms.ResetPasswordKeyForm)
ReauthenticateForm = bootstrap(account_forms.ReauthenticateForm)
MfaAuthenticateForm = bootstrap(mfa_base_forms.AuthenticateForm)
MfaReauthenticateForm = bootstrap(mfa_base_forms.ReauthenticateForm)
ActivateTOTPForm = bootstrap(mfa_totp_forms.ActivateTOTPForm)
DeactivateTOTPForm = bootstrap(mfa_totp_forms.DeactivateTOTPForm)
GenerateRecoveryCodesForm = bootstrap(mfa_recovery_forms.GenerateRecoveryCodesForm)


def pending_invitation(request: HttpRequest | None) -> InvitationLookup | None:
    """The invitation whose link this browser opened (kept in the session until used)."""
    if request is None or not hasattr(request, "session"):
        return None
    found = invitation_find(token_hash=request.session.get(SESSION_INVITATION_KEY, ""))
    if found is None or found.state != "pending":
        return None
    return found


class TenantSignupForm(BootstrapFormMixin, account_forms.SignupForm):
    company_name = forms.CharField(
        label=_("Company or team name"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 株式会社サンプル")}),
    )
    display_name = forms.CharField(label=_("Your name"), max_length=100, required=False)

    field_order = ["company_name", "display_name", "email", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = pending_invitation(allauth_context.request)
        if self.invitation is not None:
            # Joining an existing tenant: nothing to name, and the address is the invited one.
            del self.fields["company_name"]
            email = self.fields["email"]
            email.initial = self.invitation.invitation.email
            email.widget.attrs["readonly"] = True
            email.help_text = _("You were invited with this address.")

    def clean_email(self) -> str:
        value = super().clean_email()
        if self.invitation is not None and value != self.invitation.invitation.email.lower():
            raise ValidationError(
                _("This invitation is for %(email)s; sign up with that address."),
                params={"email": self.invitation.invitation.email},
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.invitation is not None:
            try:
                invitation_check(invitation=self.invitation.invitation, user=None)
            except InvitationError as exc:
                raise ValidationError(exc.message) from None
        return cleaned

    def save(self, request: HttpRequest) -> User:
        with transaction.atomic():
            if self.invitation is not None:
                from allauth.account.adapter import get_adapter

                # The invitation link reached this address: allauth then creates the
                # e-mail address as verified and logs the person straight in.
                get_adapter(request).stash_verified_email(request, self.invitation.invitation.email)
            user = super().save(request)
            user.display_name = self.cleaned_data.get("display_name", "")
            user.save(update_fields=["display_name"])
            if self.invitation is not None:
                membership = invitation_accept(
                    token_hash=self.invitation.invitation.token_hash, user=user
                )
                request.session[SESSION_TENANT_KEY] = membership.tenant_id
                request.session.pop(SESSION_INVITATION_KEY, None)
            else:
                tenant = tenant_create(name=self.cleaned_data["company_name"], owner=user)
                request.session[SESSION_TENANT_KEY] = tenant.pk
        return user


def _meta(request: HttpRequest | None) -> context.RequestMeta:
    if request is None:
        return context.RequestMeta()
    return context.RequestMeta(
        ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300]
    )


def _record_failure(request: HttpRequest | None, email: str, reason: str) -> None:
    email = (email or "").strip().lower()
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is None:
        return  # nobody's history to add to; unknown addresses are not tenant data
    login_event_record(user=user, email=email, success=False, reason=reason, meta=_meta(request))


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def login(self, request: HttpRequest, user: Any) -> None:
        """Called once the whole login (password and, when enabled, the TOTP code) passed."""
        super().login(request, user)
        login_event_record(
            user=user, email=user.email, success=True, reason="", meta=_meta(request)
        )

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        super().authentication_failed(request, **credentials)
        _record_failure(request, credentials.get("email", ""), "wrong_password")

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            _record_failure(request, credentials.get("email", ""), "locked")
            raise
