"""Settings pages of the accounts area: users and roles, invitations, login history, tenant
settings. Included under /settings/ (namespace "settings")."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..accounts import SESSION_INVITATION_KEY
from ..forms_accounts import InviteForm, LoginFilterForm, MemberForm, TenantSettingsForm
from ..http import TenantRequest
from ..middleware import SESSION_TENANT_KEY
from ..models import User
from ..permissions import public, require_perm
from ..roles import Role
from ..services import accounts as svc

MEMBERS_PAGE_SIZE = 100
LOGINS_PAGE_SIZE = 50


def _base_url(request: TenantRequest) -> str:
    return request.build_absolute_uri("/")


def _is_owner(request: TenantRequest) -> bool:
    return request.membership.role == Role.OWNER


def _before(request: TenantRequest) -> int | None:
    before = request.GET.get("before", "")
    return int(before) if before.isdigit() else None


@require_perm("users.manage")
def users(request: TenantRequest) -> HttpResponse:
    qs = svc.membership_list(tenant=request.tenant)
    before = _before(request)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: MEMBERS_PAGE_SIZE + 1])
    next_before = rows[MEMBERS_PAGE_SIZE - 1].pk if len(rows) > MEMBERS_PAGE_SIZE else None
    members = rows[:MEMBERS_PAGE_SIZE]
    invitations = list(svc.invitation_pending_list(tenant=request.tenant))
    for invitation in invitations:
        invitation.state = svc.invitation_state(invitation)  # type: ignore[attr-defined]
    return render(
        request,
        "settings/accounts/users.html",
        {
            "members": members,
            "me": request.membership.pk,
            "invitations": invitations,
            "next_before": next_before,
            "invite_form": InviteForm(actor_is_owner=_is_owner(request)),
        },
    )


@require_perm("users.manage")
def invite(request: TenantRequest) -> HttpResponse:
    form = InviteForm(request.POST or None, actor_is_owner=_is_owner(request))
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _raw = svc.invitation_create(
                tenant=request.tenant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                base_url=_base_url(request),
            )
        except svc.InvitationError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link is valid for 7 days.")
                % {"email": invitation.email},
            )
            return redirect("settings:users")
    return render(request, "settings/accounts/invite.html", {"form": form})


@require_perm("users.manage")
@require_POST
def invitation_resend(request: TenantRequest, invitation_id: int) -> HttpResponse:
    invitation = svc.access_invitation(tenant=request.tenant, invitation_id=invitation_id)
    try:
        svc.invitation_resend(
            tenant=request.tenant,
            invitation=invitation,
            actor=request.user,
            base_url=_base_url(request),
        )
    except svc.InvitationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("A new link was sent to %(email)s; the previous one no longer works.")
            % {"email": invitation.email},
        )
    return redirect("settings:users")


@require_perm("users.manage")
@require_POST
def invitation_revoke(request: TenantRequest, invitation_id: int) -> HttpResponse:
    invitation = svc.access_invitation(tenant=request.tenant, invitation_id=invitation_id)
    try:
        svc.invitation_revoke(tenant=request.tenant, invitation=invitation, actor=request.user)
    except svc.InvitationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Invitation for %(email)s withdrawn.") % {"email": invitation.email}
        )
    return redirect("settings:users")


@require_perm("users.manage")
def member_edit(request: TenantRequest, membership_id: int) -> HttpResponse:
    membership = svc.access_membership(tenant=request.tenant, membership_id=membership_id)
    form = MemberForm(
        request.POST or None,
        membership=membership,
        actor_is_owner=_is_owner(request),
        initial={"role": membership.role, "manager": membership.manager_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            svc.membership_update(
                tenant=request.tenant,
                membership=membership,
                actor=request.user,
                role=form.cleaned_data["role"],
                manager=form.cleaned_data["manager"],
            )
        except svc.AccountError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": membership.user})
            return redirect("settings:users")
    return render(
        request, "settings/accounts/member_form.html", {"form": form, "membership": membership}
    )


@require_perm("users.manage")
@require_POST
def member_deactivate(request: TenantRequest, membership_id: int) -> HttpResponse:
    membership = svc.access_membership(tenant=request.tenant, membership_id=membership_id)
    try:
        svc.membership_deactivate(tenant=request.tenant, membership=membership, actor=request.user)
    except svc.AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s was deactivated and can no longer use this tenant.")
            % {"name": membership.user},
        )
    return redirect("settings:users")


@require_perm("users.manage")
@require_POST
def member_reactivate(request: TenantRequest, membership_id: int) -> HttpResponse:
    membership = svc.access_membership(tenant=request.tenant, membership_id=membership_id)
    try:
        svc.membership_reactivate(tenant=request.tenant, membership=membership, actor=request.user)
    except svc.AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s is active again.") % {"name": membership.user})
    return redirect("settings:users")


# --- the invitation link (public: the invitee may not have an account yet) -------------------
def _invitation_page(
    request: HttpRequest, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, "settings/accounts/invitation.html", context, status=status)


@public
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    token_hash = svc.hash_token(token)
    found = svc.invitation_find(token_hash=token_hash)
    if found is None:
        return _invitation_page(
            request,
            {
                "error": _(
                    "This invitation link is not valid. Check that you opened the whole link "
                    "from the e-mail."
                )
            },
            status=404,
        )
    invitation, tenant = found.invitation, found.tenant
    user = request.user if request.user.is_authenticated else None
    ctx: dict[str, Any] = {
        "invitation": invitation,
        "tenant": tenant,
        "role": Role(invitation.role).label,
    }
    if user is not None and found.state == "accepted":
        joined = next(
            (m for m in getattr(request, "crm_memberships", []) if m.tenant_id == tenant.pk), None
        )
        if joined is not None:
            request.session[SESSION_TENANT_KEY] = tenant.pk
            messages.info(
                request, _("You are already a member of %(name)s.") % {"name": tenant.name}
            )
            return redirect("home")
    try:
        svc.invitation_check(invitation=invitation, user=user)  # type: ignore[arg-type]
    except svc.InvitationError as exc:
        ctx["error"] = exc.message
        ctx["wrong_account"] = user is not None and found.state == "pending"
        return _invitation_page(request, ctx, status=403 if ctx["wrong_account"] else 410)
    if user is None:
        # Remember the invitation for the sign-up form (fixed address, no new tenant).
        request.session[SESSION_INVITATION_KEY] = token_hash
        ctx["has_account"] = User.objects.filter(email__iexact=invitation.email).exists()
        return _invitation_page(request, ctx)
    if request.method == "POST":
        try:
            membership = svc.invitation_accept(token_hash=token_hash, user=user)  # type: ignore[arg-type]
        except svc.InvitationError as exc:
            ctx["error"] = exc.message
            return _invitation_page(request, ctx, status=410)
        request.session[SESSION_TENANT_KEY] = membership.tenant_id
        request.session.pop(SESSION_INVITATION_KEY, None)
        messages.success(
            request,
            _("Welcome to %(name)s. You joined as %(role)s.")
            % {"name": tenant.name, "role": Role(membership.role).label},
        )
        return redirect("home")
    return _invitation_page(request, ctx)


@require_perm("audit.view")
def logins(request: TenantRequest) -> HttpResponse:
    form = LoginFilterForm(request.GET or None, tenant_id=request.tenant.pk)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        membership = form.cleaned_data.get("user")
        if membership is not None:
            filters["user_id"] = membership.user_id
        success = form.cleaned_data.get("success")
        if success:
            filters["success"] = success == "yes"
        filters["since"], filters["until"] = form.bounds(request.tenant.zone)
    qs = svc.login_event_list(tenant=request.tenant, **filters)
    before = _before(request)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: LOGINS_PAGE_SIZE + 1])
    next_before = rows[LOGINS_PAGE_SIZE - 1].pk if len(rows) > LOGINS_PAGE_SIZE else None
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "settings/accounts/logins.html",
        {
            "form": form,
            "events": rows[:LOGINS_PAGE_SIZE],
            "next_before": next_before,
            "query": query.urlencode(),
            "filtered": any(v not in (None, "") for v in request.GET.dict().values()),
        },
    )


@require_perm("settings.manage")
def tenant_settings(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    form = TenantSettingsForm(
        request.POST or None,
        initial={
            "name": tenant.name,
            "time_zone": tenant.time_zone,
            "language": tenant.language,
            "require_2fa": tenant.require_2fa,
            "record_visibility": tenant.record_visibility,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            svc.tenant_update_settings(tenant=tenant, actor=request.user, **form.cleaned_data)
        except svc.AccountError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("Tenant settings saved."))
            return redirect("settings:tenant")
    return render(request, "settings/accounts/tenant.html", {"form": form})


urlpatterns = [
    path("users/", users, name="users"),
    path("users/invite/", invite, name="invite"),
    path("users/<int:membership_id>/", member_edit, name="member_edit"),
    path("users/<int:membership_id>/deactivate/", member_deactivate, name="member_deactivate"),
    path("users/<int:membership_id>/reactivate/", member_reactivate, name="member_reactivate"),
    path("invitations/<int:invitation_id>/resend/", invitation_resend, name="invitation_resend"),
    path("invitations/<int:invitation_id>/revoke/", invitation_revoke, name="invitation_revoke"),
    path("logins/", logins, name="logins"),
    path("tenant/", tenant_settings, name="tenant"),
]
