from __future__ import annotations

from typing import Any

from crm.core.roles import Role
from tests.factories import make_member

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from crm.core.models import Invitation, Membership
    from crm.core.services.accounts import invitation_create

    teammate = make_member(tenant, Role.SALES, email=f"{MARKER.lower()}.team@alpha.example.com")
    ns.accounts_membership = Membership.objects.get(user=teammate)
    invitation_create(
        tenant=tenant,
        email=f"{MARKER.lower()}.invitee@alpha.example.com",
        role=Role.SALES,
        actor=None,
        base_url="http://testserver",
    )
    ns.invitation = Invitation.objects.get(email__startswith=MARKER.lower())


ROUTES = {
    "settings:member_edit": lambda ns: {"membership_id": ns.accounts_membership.pk},
    "settings:member_deactivate": lambda ns: {"membership_id": ns.accounts_membership.pk},
    "settings:member_reactivate": lambda ns: {"membership_id": ns.accounts_membership.pk},
    "settings:invitation_resend": lambda ns: {"invitation_id": ns.invitation.pk},
    "settings:invitation_revoke": lambda ns: {"invitation_id": ns.invitation.pk},
}
