"""Invitations: created by an admin, mailed, accepted by the invitee logged in, logged out
with a new account, or logged out with an existing one; and every way a link can be stale."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.core.context import tenant_context
from crm.core.middleware import SESSION_TENANT_KEY
from crm.core.models import AuditLog, Invitation, Membership, Tenant, User
from crm.core.roles import Role
from crm.core.services import accounts as svc
from tests.factories import PASSWORD, make_member, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def invite(client: Client, email: str, role: str = Role.SALES) -> Any:
    return client.post(reverse("settings:invite"), {"email": email, "role": role})


def accept_path(inbox: Any, address: str) -> str:
    body = inbox.body(inbox.wait_for(address))
    match = re.search(r"https?://testserver(/invitations/[\w-]+/)", body)
    assert match, body
    return match.group(1)


def invitations(tenant: Tenant) -> list[Invitation]:
    with tenant_context(tenant):
        return list(Invitation.objects.order_by("id"))


def membership_of(tenant: Tenant, user: User) -> Membership | None:
    with tenant_context(tenant):
        return Membership.objects.filter(user=user).first()


def test_inviting_mails_a_link_and_stores_only_a_hash(member_client, tenant, inbox) -> None:
    response = invite(member_client, "Hanako@Example.jp", Role.MARKETER)
    assert response.status_code == 302
    path = accept_path(inbox, "hanako@example.jp")
    token = path.rstrip("/").rsplit("/", 1)[1]
    [invitation] = invitations(tenant)
    assert invitation.email == "hanako@example.jp"
    assert invitation.role == Role.MARKETER
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with tenant_context(tenant):
        assert token not in str(list(Invitation.objects.values_list()))
        assert AuditLog.objects.filter(
            object_type="core.invitation", action=AuditLog.Action.CREATE
        ).exists()
    assert (
        dt.timedelta(days=6, hours=23)
        < invitation.expires_at - timezone.now()
        <= dt.timedelta(days=7)
    )
    page = member_client.get(reverse("settings:users")).content.decode()
    assert "hanako@example.jp" in page


def test_it_refuses_to_invite_a_bad_address_or_a_member(member_client, tenant, inbox) -> None:
    response = invite(member_client, "not-an-address")
    assert response.status_code == 200
    assert "valid email" in response.content.decode().lower()
    response = invite(member_client, "alice@alpha.example.com")
    assert response.status_code == 200
    assert "already a member" in response.content.decode()
    assert invitations(tenant) == []
    assert inbox.messages == []


def test_an_admin_cannot_invite_an_owner(client, tenant, inbox) -> None:
    admin = make_member(tenant, Role.ADMIN)
    client.force_login(admin)
    response = invite(client, "boss@example.jp", Role.OWNER)
    assert response.status_code == 200
    assert invitations(tenant) == []
    with tenant_context(tenant), pytest.raises(svc.InvitationError):
        svc.invitation_create(
            tenant=tenant, email="boss@example.jp", role=Role.OWNER, actor=admin, base_url="/"
        )


def test_a_logged_in_invitee_accepts_and_lands_in_the_tenant(
    member_client, tenant, other_tenant, outsider, inbox
) -> None:
    invite(member_client, outsider.email, Role.MANAGER)
    path = accept_path(inbox, outsider.email)
    bob = Client()
    bob.force_login(outsider)
    page = bob.get(path)
    assert page.status_code == 200
    assert "Alpha 株式会社" in page.content.decode()
    assert membership_of(tenant, outsider) is None  # a GET changes nothing

    response = bob.post(path)
    assert response.status_code == 302
    assert membership_of(tenant, outsider).role == Role.MANAGER  # type: ignore[union-attr]
    assert bob.session[SESSION_TENANT_KEY] == tenant.pk
    home = bob.get("/")
    assert "Alpha 株式会社" in home.content.decode()
    with tenant_context(tenant):
        assert Invitation.objects.get().accepted_at is not None
        assert AuditLog.objects.filter(
            object_type="core.membership", actor_id=outsider.pk, action=AuditLog.Action.CREATE
        ).exists()
    # bob still belongs to his own tenant too
    assert membership_of(other_tenant, outsider) is not None

    again = bob.post(path)
    assert again.status_code == 302  # already a member: sent home, no second membership
    with tenant_context(tenant):
        assert Membership.objects.filter(user=outsider).count() == 1


def test_a_new_invitee_signs_up_without_creating_a_tenant(member_client, tenant, inbox) -> None:
    invite(member_client, "newbie@example.jp", Role.SUPPORT)
    path = accept_path(inbox, "newbie@example.jp")
    inbox.messages.clear()
    tenants_before = Tenant.objects.count()

    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert reverse("account_signup") in page.content.decode()

    form = visitor.get(reverse("account_signup")).content.decode()
    assert "company_name" not in form  # joining, not founding
    assert 'value="newbie@example.jp"' in form and "readonly" in form

    # A changed address in the POST is refused: the invitation is for one address only.
    response = visitor.post(
        reverse("account_signup"),
        {"email": "other@example.jp", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="other@example.jp").exists()

    response = visitor.post(
        reverse("account_signup"),
        {
            "email": "newbie@example.jp",
            "display_name": "Newbie",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert Tenant.objects.count() == tenants_before
    user = User.objects.get(email="newbie@example.jp")
    assert membership_of(tenant, user).role == Role.SUPPORT  # type: ignore[union-attr]
    # The link proved the address: logged straight in, no verification mail.
    home = visitor.get("/")
    assert home.status_code == 200
    assert "Alpha 株式会社" in home.content.decode()
    assert inbox.to("newbie@example.jp") == []


def test_an_invitee_with_an_account_logs_in_then_accepts(member_client, tenant, inbox) -> None:
    carol = make_user("carol@example.jp")
    invite(member_client, "carol@example.jp", Role.VIEWER)
    path = accept_path(inbox, "carol@example.jp")
    visitor = Client()
    page = visitor.get(path).content.decode()
    assert "Log in to accept" in page
    response = visitor.post(
        f"{reverse('account_login')}?next={path}",
        {"login": "carol@example.jp", "password": PASSWORD},
    )
    assert response["Location"] == path
    assert visitor.post(path).status_code == 302
    assert membership_of(tenant, carol).role == Role.VIEWER  # type: ignore[union-attr]
    assert visitor.session[SESSION_TENANT_KEY] == tenant.pk


def test_a_link_opened_in_the_wrong_account_says_so(member_client, tenant, inbox) -> None:
    invite(member_client, "dave@example.jp")
    path = accept_path(inbox, "dave@example.jp")
    mallory = Client()
    mallory.force_login(make_user("mallory@example.jp"))
    for response in (mallory.get(path), mallory.post(path)):
        assert response.status_code == 403
        body = response.content.decode()
        assert "dave@example.jp" in body and "mallory@example.jp" in body
        assert "Log out" in body
    assert Membership.all_tenants.filter(user__email="mallory@example.jp").count() == 0
    with tenant_context(tenant):
        assert Invitation.objects.get().accepted_at is None


def test_expired_revoked_used_and_unknown_links_say_why(member_client, tenant, inbox) -> None:
    invite(member_client, "exp@example.jp")
    expired = accept_path(inbox, "exp@example.jp")
    invite(member_client, "rev@example.jp")
    revoked = accept_path(inbox, "rev@example.jp")
    with tenant_context(tenant):
        Invitation.objects.filter(email="exp@example.jp").update(
            expires_at=timezone.now() - dt.timedelta(minutes=1)
        )
        revoke_id = Invitation.objects.get(email="rev@example.jp").pk
    # Revoking asks for confirmation in the page and needs a POST.
    users_page = member_client.get(reverse("settings:users")).content.decode()
    assert "data-confirm=" in users_page
    assert (
        member_client.get(reverse("settings:invitation_revoke", args=[revoke_id])).status_code
        == 405
    )
    member_client.post(reverse("settings:invitation_revoke", args=[revoke_id]))

    visitor = Client()
    body = visitor.get(expired).content.decode()
    assert "expired" in body
    body = visitor.get(revoked).content.decode()
    assert "withdrawn" in body
    response = visitor.get("/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert "not valid" in response.content.decode()

    # An expired invitation cannot be used to sign up either.
    response = visitor.post(
        reverse("account_signup"),
        {"email": "exp@example.jp", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not Membership.all_tenants.filter(user__email="exp@example.jp").exists()

    invite(member_client, "used@example.jp")
    used = accept_path(inbox, "used@example.jp")
    frank = make_user("used@example.jp")
    c = Client()
    c.force_login(frank)
    c.post(used)
    body = Client().get(used).content.decode()
    assert "already been used" in body


def test_resending_replaces_the_link(member_client, tenant, inbox) -> None:
    invite(member_client, "gina@example.jp")
    first = accept_path(inbox, "gina@example.jp")
    inbox.messages.clear()
    [invitation] = invitations(tenant)
    response = member_client.post(reverse("settings:invitation_resend", args=[invitation.pk]))
    assert response.status_code == 302
    second = accept_path(inbox, "gina@example.jp")
    assert first != second
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200


def test_inviting_twice_points_to_resend(member_client, tenant, inbox) -> None:
    invite(member_client, "hiro@example.jp")
    response = invite(member_client, "hiro@example.jp")
    assert response.status_code == 200
    assert "Resend" in response.content.decode()
    assert len(invitations(tenant)) == 1
