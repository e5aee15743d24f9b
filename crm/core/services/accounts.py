"""People in a tenant: invitations, memberships (role, manager, active), login history and
the tenant's own settings.

Every write is one transaction and one audit entry per change. Rules that protect a tenant
from locking itself out live here, not in views, so the API and commands get them too:
a tenant always keeps at least one active owner, and only an owner can make or unmake one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import context
from ..models import AuditLog, Invitation, LoginEvent, Membership, Tenant, User
from ..roles import Role
from .audit import audit_record, diff, snapshot

INVITATION_VALID_FOR = dt.timedelta(days=7)


class AccountError(ValueError):
    """A change refused for a reason the person can fix; the message says how."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvitationError(AccountError):
    pass


def hash_token(raw: str) -> str:
    """Only this is stored; the raw token exists in the invitation mail alone."""
    return hashlib.sha256(raw.encode()).hexdigest()


def _actor_role(tenant: Tenant, actor: Any) -> str | None:
    if getattr(actor, "pk", None) is None:
        return None
    membership = Membership.objects.filter(tenant=tenant, user_id=actor.pk, is_active=True).first()
    return membership.role if membership is not None else None


def _active_owner_count(tenant: Tenant) -> int:
    return Membership.objects.filter(tenant=tenant, role=Role.OWNER, is_active=True).count()


# --- reads -----------------------------------------------------------------------------------
def access_membership(*, tenant: Tenant, membership_id: int) -> Membership:
    """Another tenant's membership answers 404, like a missing one."""
    membership = (
        Membership.objects.filter(tenant=tenant, pk=membership_id)
        .select_related("user", "manager__user")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def access_invitation(*, tenant: Tenant, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.filter(tenant=tenant, pk=invitation_id).first()
    if invitation is None:
        raise Http404
    return invitation


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(tenant=tenant)
        .select_related("user", "manager__user")
        .order_by("-id")
    )


def invitation_pending_list(*, tenant: Tenant) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(tenant=tenant, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-id")
    )


def login_event_list(
    *,
    tenant: Tenant,
    user_id: int | None = None,
    success: bool | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[LoginEvent]:
    qs = LoginEvent.objects.filter(tenant=tenant).select_related("user").order_by("-id")
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if success is not None:
        qs = qs.filter(success=success)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return qs


# --- invitations -----------------------------------------------------------------------------
@dataclass(frozen=True)
class InvitationLookup:
    """What the holder of an invitation link may learn about it (before any tenant is
    active): the row and its tenant, or None for an unknown token."""

    invitation: Invitation
    tenant: Tenant

    @property
    def state(self) -> str:
        return invitation_state(self.invitation)


def invitation_state(invitation: Invitation) -> str:
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "pending"


def invitation_find(*, token_hash: str) -> InvitationLookup | None:
    """The invitation whose token hashes to `token_hash`, from any tenant. Row-level security
    shows the row only to whoever presents that hash (crm.core.db EXTRA_POLICY)."""
    if not token_hash:
        return None
    with context.lookup_by_secret(token_hash):
        invitation = (
            Invitation.all_tenants.select_related("tenant", "invited_by")  # type: ignore[misc]
            .filter(token_hash=token_hash)
            .first()
        )
    if invitation is None:
        return None
    return InvitationLookup(invitation=invitation, tenant=invitation.tenant)


def invitation_error_message(invitation: Invitation) -> str:
    state = invitation_state(invitation)
    if state == "revoked":
        return _(
            "This invitation was withdrawn by an administrator. Ask them to send a new one "
            "if you still need access."
        )
    if state == "accepted":
        return _("This invitation has already been used. Log in with the invited address.")
    if state == "expired":
        return _(
            "This invitation expired on %(date)s. Ask an administrator of %(tenant)s to send "
            "you a new one."
        ) % {
            "date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
            "tenant": invitation.tenant.name,
        }
    return ""


def _accept_url(base_url: str, raw_token: str) -> str:
    return base_url.rstrip("/") + reverse("invitation_accept", kwargs={"token": raw_token})


def _send_invitation_mail(invitation: Invitation, raw_token: str, base_url: str) -> None:
    tenant = invitation.tenant
    language = tenant.language if tenant.language in dict(settings.LANGUAGES) else "ja"
    with translation.override(language):
        ctx = {
            "tenant": tenant,
            "invitation": invitation,
            "inviter": invitation.invited_by,
            "role": Role(invitation.role).label,
            "accept_url": _accept_url(base_url, raw_token),
            "expires_at": timezone.localtime(invitation.expires_at, tenant.zone),
        }
        subject = render_to_string("mail/invitation_subject.txt", ctx).strip()
        body = render_to_string("mail/invitation_message.txt", ctx)
    send_mail(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
    )


@transaction.atomic
def invitation_create(
    *, tenant: Tenant, email: str, role: str, actor: Any, base_url: str
) -> tuple[Invitation, str]:
    """Creates the invitation and mails its link. Returns the row and the raw token (which
    only the mail carries; nothing stores it). If the mail cannot be sent the whole thing
    rolls back, so the list never shows an invitation nobody received."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvitationError(
            _("Enter a valid e-mail address, like name@example.com."), field="email"
        ) from None
    if role not in Role.values:
        raise InvitationError(_("Choose one of the listed roles."), field="role")
    if role == Role.OWNER and _actor_role(tenant, actor) != Role.OWNER:
        raise InvitationError(_("Only an owner can invite another owner."), field="role")
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email, is_active=True).exists():
        raise InvitationError(
            _("%(email)s is already a member of this tenant.") % {"email": email}, field="email"
        )
    if (
        invitation_pending_list(tenant=tenant)
        .filter(email__iexact=email, expires_at__gt=timezone.now())
        .exists()
    ):
        raise InvitationError(
            _(
                "%(email)s has already been invited. Use “Resend” in the list of pending "
                "invitations to send the link again."
            )
            % {"email": email},
            field="email",
        )
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        tenant=tenant,
        email=email,
        role=role,
        token_hash=hash_token(raw),
        invited_by=actor if getattr(actor, "pk", None) else None,
        expires_at=timezone.now() + INVITATION_VALID_FOR,
    )
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.CREATE,
        obj=invitation,
        object_repr=email,
        actor=actor,
        changes={"email": [None, email], "role": [None, role]},
    )
    _send_invitation_mail(invitation, raw, base_url)
    return invitation, raw


@transaction.atomic
def invitation_resend(
    *, tenant: Tenant, invitation: Invitation, actor: Any, base_url: str
) -> tuple[Invitation, str]:
    """A new link (the old one stops working: we cannot re-send a token we never stored)
    valid for another seven days."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationError(invitation_error_message(invitation))
    raw = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(raw)
    invitation.expires_at = timezone.now() + INVITATION_VALID_FOR
    invitation.save(update_fields=["token_hash", "expires_at"])
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.UPDATE,
        obj=invitation,
        object_repr=invitation.email,
        actor=actor,
        changes={"resent": [None, True], "expires_at": [None, invitation.expires_at]},
    )
    _send_invitation_mail(invitation, raw, base_url)
    return invitation, raw


@transaction.atomic
def invitation_revoke(*, tenant: Tenant, invitation: Invitation, actor: Any) -> Invitation:
    if invitation.accepted_at is not None:
        raise InvitationError(
            _("This invitation has already been accepted; deactivate the member instead.")
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.UPDATE,
            obj=invitation,
            object_repr=invitation.email,
            actor=actor,
            changes={"revoked_at": [None, invitation.revoked_at]},
        )
    return invitation


def _user_emails(user: User) -> set[str]:
    from allauth.account.models import EmailAddress

    emails = {user.email.lower()}
    emails |= {
        e.lower()
        for e in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }
    return emails


def invitation_check(*, invitation: Invitation, user: User | None) -> None:
    """Raises InvitationError with the message to show when `user` (None: not logged in yet)
    cannot accept `invitation`."""
    message = invitation_error_message(invitation)
    if message:
        raise InvitationError(message)
    if user is not None and invitation.email.lower() not in _user_emails(user):
        raise InvitationError(
            _(
                "This invitation was sent to %(invited)s, but you are logged in as %(current)s. "
                "Log out and open the link again, then log in or sign up with %(invited)s."
            )
            % {"invited": invitation.email, "current": user.email}
        )


def invitation_accept(*, token_hash: str, user: User) -> Membership:
    """Makes `user` a member of the inviting tenant with the invited role, once."""
    found = invitation_find(token_hash=token_hash)
    if found is None:
        raise InvitationError(
            _("This invitation link is not valid. Check that you opened the whole link.")
        )
    tenant = found.tenant
    with context.tenant_context(tenant, actor=user), transaction.atomic():
        # Lock the row so two tabs accepting at once make one membership and one audit entry.
        invitation = Invitation.objects.select_for_update().get(pk=found.invitation.pk)
        invitation_check(invitation=invitation, user=user)
        membership = Membership.objects.filter(tenant=tenant, user=user).first()
        if membership is None:
            membership = Membership.objects.create(tenant=tenant, user=user, role=invitation.role)
            audit_record(
                tenant=tenant,
                action=AuditLog.Action.CREATE,
                obj=membership,
                actor=user,
                changes={
                    "user": [None, user.email],
                    "role": [None, invitation.role],
                    "invitation": [None, invitation.pk],
                },
            )
        elif not membership.is_active or membership.role != invitation.role:
            before = snapshot(membership, ["role", "is_active"])
            membership.is_active = True
            membership.role = invitation.role
            membership.save(update_fields=["is_active", "role"])
            audit_record(
                tenant=tenant,
                action=AuditLog.Action.UPDATE,
                obj=membership,
                actor=user,
                changes={
                    **diff(before, snapshot(membership, ["role", "is_active"])),
                    "invitation": [None, invitation.pk],
                },
            )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.UPDATE,
            obj=invitation,
            object_repr=invitation.email,
            actor=user,
            changes={"accepted_at": [None, invitation.accepted_at]},
        )
    return membership


# --- memberships -----------------------------------------------------------------------------
def _manager_chain_contains(start: Membership | None, target_id: int) -> bool:
    seen: set[int] = set()
    node = start
    while node is not None and node.pk not in seen:
        if node.pk == target_id:
            return True
        seen.add(node.pk)
        node = node.manager
    return False


@transaction.atomic
def membership_update(
    *,
    tenant: Tenant,
    membership: Membership,
    actor: Any,
    role: str,
    manager: Membership | None,
) -> Membership:
    """Changes role and manager together (one form, one audit entry)."""
    membership = Membership.objects.select_for_update().get(tenant=tenant, pk=membership.pk)
    before = snapshot(membership, ["role", "manager_id"])
    if role not in Role.values:
        raise AccountError(_("Choose one of the listed roles."), field="role")
    actor_role = _actor_role(tenant, actor)
    if role != membership.role and Role.OWNER in (role, membership.role):
        if actor_role != Role.OWNER:
            raise AccountError(
                _("Only an owner can make someone an owner or change an owner's role."),
                field="role",
            )
        if (
            membership.role == Role.OWNER
            and membership.is_active
            and _active_owner_count(tenant) <= 1
        ):
            raise AccountError(
                _(
                    "%(name)s is the only owner. Make someone else an owner first, so the "
                    "tenant always has one."
                )
                % {"name": membership.user},
                field="role",
            )
    if manager is not None:
        if manager.tenant_id != tenant.pk:
            raise Http404
        if manager.pk == membership.pk:
            raise AccountError(_("Someone cannot be their own manager."), field="manager")
        if not manager.is_active:
            raise AccountError(_("Choose an active member as manager."), field="manager")
        if _manager_chain_contains(manager, membership.pk):
            raise AccountError(
                _("%(manager)s already reports to %(name)s; choose someone else.")
                % {"manager": manager.user, "name": membership.user},
                field="manager",
            )
    membership.role = role
    membership.manager = manager
    changes = diff(before, snapshot(membership, ["role", "manager_id"]))
    if changes:
        membership.save(update_fields=["role", "manager"])
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.UPDATE,
            obj=membership,
            actor=actor,
            changes=changes,
        )
    return membership


def membership_update_role(
    *, tenant: Tenant, membership: Membership, actor: Any, role: str
) -> Membership:
    return membership_update(
        tenant=tenant, membership=membership, actor=actor, role=role, manager=membership.manager
    )


def membership_set_manager(
    *, tenant: Tenant, membership: Membership, actor: Any, manager: Membership | None
) -> Membership:
    return membership_update(
        tenant=tenant, membership=membership, actor=actor, role=membership.role, manager=manager
    )


@transaction.atomic
def membership_deactivate(*, tenant: Tenant, membership: Membership, actor: Any) -> Membership:
    """The person keeps their history but can no longer act in this tenant."""
    membership = Membership.objects.select_for_update().get(tenant=tenant, pk=membership.pk)
    if not membership.is_active:
        return membership
    if membership.role == Role.OWNER:
        if _actor_role(tenant, actor) != Role.OWNER:
            raise AccountError(_("Only an owner can deactivate another owner."))
        # Lock every owner row so two owners deactivating each other at once cannot both win.
        owners = list(
            Membership.objects.select_for_update()
            .filter(tenant=tenant, role=Role.OWNER, is_active=True)
            .values_list("pk", flat=True)
        )
        if len(owners) <= 1:
            raise AccountError(
                _(
                    "%(name)s is the only owner and cannot be deactivated. Make someone else "
                    "an owner first."
                )
                % {"name": membership.user}
            )
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.UPDATE,
        obj=membership,
        actor=actor,
        changes={"is_active": [True, False]},
    )
    return membership


@transaction.atomic
def membership_reactivate(*, tenant: Tenant, membership: Membership, actor: Any) -> Membership:
    membership = Membership.objects.select_for_update().get(tenant=tenant, pk=membership.pk)
    if membership.is_active:
        return membership
    if membership.role == Role.OWNER and _actor_role(tenant, actor) != Role.OWNER:
        raise AccountError(_("Only an owner can reactivate an owner."))
    membership.is_active = True
    membership.save(update_fields=["is_active"])
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.UPDATE,
        obj=membership,
        actor=actor,
        changes={"is_active": [False, True]},
    )
    return membership


# --- login history ---------------------------------------------------------------------------
def login_event_record(
    *, user: User, email: str, success: bool, reason: str = "", meta: context.RequestMeta
) -> int:
    """One row per tenant the person belongs to (each tenant's admins see their own members'
    logins only). Returns the number of rows written."""
    with context.user_context(user.pk):
        tenants = [
            m.tenant
            for m in Membership.all_tenants.filter(user_id=user.pk)  # type: ignore[misc]
            .select_related("tenant")
            .order_by("id")
        ]
    for tenant in tenants:
        with context.tenant_context(tenant):
            LoginEvent.objects.create(
                tenant=tenant,
                user=user,
                email=email[:254],
                success=success,
                reason=reason[:64],
                ip=meta.ip,
                user_agent=meta.user_agent[:300],
            )
    return len(tenants)


# --- tenant settings -------------------------------------------------------------------------
def _user_has_totp(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user_id=getattr(user, "pk", None), type=Authenticator.Type.TOTP
    ).exists()


@transaction.atomic
def tenant_update_settings(
    *,
    tenant: Tenant,
    actor: Any,
    name: str,
    time_zone: str,
    language: str,
    require_2fa: bool,
    record_visibility: str | None = None,
) -> Tenant:
    name = name.strip()
    if not record_visibility:  # not on the form that sent this: keep what is set
        record_visibility = tenant.record_visibility
    if record_visibility not in Tenant.RecordVisibility.values:
        raise AccountError(
            _("Choose who sees contacts: everyone, or own team only."), field="record_visibility"
        )
    if not name:
        raise AccountError(_("Enter the company or team name."), field="name")
    if time_zone not in zoneinfo.available_timezones():
        raise AccountError(
            _("“%(tz)s” is not a time zone we know. Choose one from the list, e.g. Asia/Tokyo.")
            % {"tz": time_zone},
            field="time_zone",
        )
    if language not in dict(settings.LANGUAGES):
        raise AccountError(_("Choose Japanese or English."), field="language")
    if require_2fa and not tenant.require_2fa and not _user_has_totp(actor):
        raise AccountError(
            _(
                "Turn on two-factor authentication for your own account first (user menu → "
                "Two-factor authentication), so you are not locked out."
            ),
            field="require_2fa",
        )
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    fields = ["name", "time_zone", "language", "require_2fa", "record_visibility"]
    before = snapshot(tenant, fields)
    tenant.name, tenant.time_zone, tenant.language, tenant.require_2fa = (
        name,
        time_zone,
        language,
        require_2fa,
    )
    tenant.record_visibility = record_visibility
    changes = diff(before, snapshot(tenant, fields))
    if changes:
        tenant.save(update_fields=fields)
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.UPDATE,
            obj=tenant,
            object_type="core.tenant",
            actor=actor,
            changes=changes,
        )
    return tenant
