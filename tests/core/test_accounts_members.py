"""Users and roles: the member list, role and manager changes, deactivation, and the rules
that keep a tenant from losing its last owner."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.models import AuditLog, Membership, Tenant, User
from crm.core.roles import Role
from crm.core.services import accounts as svc
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def ms(tenant: Tenant, user: User) -> Membership:
    with tenant_context(tenant):
        return Membership.objects.select_related("user", "manager").get(user=user)


def test_the_list_shows_each_member_with_role_manager_status_and_last_login(
    member_client, tenant, member
) -> None:
    sales = make_member(tenant, Role.SALES, email="sato@alpha.example.com")
    with tenant_context(tenant):
        svc.membership_set_manager(
            tenant=tenant, membership=ms(tenant, sales), actor=member, manager=ms(tenant, member)
        )
    body = member_client.get(reverse("settings:users")).content.decode()
    row = body[body.index('data-testid="member-sato@alpha.example.com"') :]
    row = row[: row.index("</tr>")]
    assert "sato@alpha.example.com" in row
    assert "Sales" in row and "Alice" in row and "Active" in row and "Never" in row


def test_the_list_runs_a_constant_number_of_queries(
    member_client, tenant, member, django_assert_num_queries
) -> None:
    make_member(tenant, Role.SALES)
    url = reverse("settings:users")
    member_client.get(url)
    with CaptureQueriesContext(connection) as few:
        member_client.get(url)
    for role in [Role.SALES, Role.MANAGER, Role.VIEWER, Role.SUPPORT, Role.ADMIN]:
        user = make_member(tenant, role)
        with tenant_context(tenant):
            svc.membership_set_manager(
                tenant=tenant, membership=ms(tenant, user), actor=member, manager=ms(tenant, member)
            )
            svc.invitation_create(
                tenant=tenant,
                email=f"x-{role}@example.jp",
                role=Role.SALES,
                actor=member,
                base_url="http://testserver",
            )
    expected = len(few.captured_queries)  # before the next request resets the query log
    member_client.get(url)  # warm: new members dropped the cached lists (crm.core.tenantcache)
    with django_assert_num_queries(expected):
        member_client.get(url)


def test_an_admin_changes_a_role_and_manager_and_it_is_audited(client, tenant, member) -> None:
    admin = make_member(tenant, Role.ADMIN)
    rep = make_member(tenant, Role.SALES)
    client.force_login(admin)
    url = reverse("settings:member_edit", args=[ms(tenant, rep).pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"role": Role.MANAGER, "manager": ms(tenant, member).pk})
    assert response.status_code == 302
    updated = ms(tenant, rep)
    assert updated.role == Role.MANAGER
    assert updated.manager_id == ms(tenant, member).pk
    with tenant_context(tenant):
        entry = AuditLog.objects.filter(object_type="core.membership").latest("id")
    assert entry.actor_id == admin.pk
    assert entry.changes["role"] == [Role.SALES, Role.MANAGER]


def test_the_last_owner_cannot_be_demoted_or_deactivated(member_client, tenant, member) -> None:
    mine = ms(tenant, member)
    response = member_client.post(
        reverse("settings:member_edit", args=[mine.pk]), {"role": Role.ADMIN, "manager": ""}
    )
    assert response.status_code == 200
    assert "only owner" in response.content.decode()
    assert "is-invalid" in response.content.decode()
    response = member_client.post(
        reverse("settings:member_deactivate", args=[mine.pk]), follow=True
    )
    assert "only owner" in response.content.decode()
    mine = ms(tenant, member)
    assert mine.role == Role.OWNER and mine.is_active


def test_an_owner_can_step_down_once_there_is_another_owner(member_client, tenant, member):
    second = make_member(tenant, Role.ADMIN)
    member_client.post(
        reverse("settings:member_edit", args=[ms(tenant, second).pk]),
        {"role": Role.OWNER, "manager": ""},
    )
    assert ms(tenant, second).role == Role.OWNER
    response = member_client.post(
        reverse("settings:member_edit", args=[ms(tenant, member).pk]),
        {"role": Role.ADMIN, "manager": ""},
    )
    assert response.status_code == 302
    assert ms(tenant, member).role == Role.ADMIN


def test_an_admin_cannot_touch_owners(client, tenant, member) -> None:
    admin = make_member(tenant, Role.ADMIN)
    rep = make_member(tenant, Role.SALES)
    client.force_login(admin)
    response = client.post(
        reverse("settings:member_edit", args=[ms(tenant, rep).pk]),
        {"role": Role.OWNER, "manager": ""},
    )
    assert response.status_code == 200
    assert ms(tenant, rep).role == Role.SALES
    client.post(reverse("settings:member_deactivate", args=[ms(tenant, member).pk]))
    assert ms(tenant, member).is_active


def test_a_manager_loop_is_refused(member_client, tenant, member) -> None:
    boss = make_member(tenant, Role.MANAGER)
    rep = make_member(tenant, Role.SALES)
    member_client.post(
        reverse("settings:member_edit", args=[ms(tenant, rep).pk]),
        {"role": Role.SALES, "manager": ms(tenant, boss).pk},
    )
    response = member_client.post(
        reverse("settings:member_edit", args=[ms(tenant, boss).pk]),
        {"role": Role.MANAGER, "manager": ms(tenant, rep).pk},
    )
    assert response.status_code == 200
    assert "already reports to" in response.content.decode()
    assert ms(tenant, boss).manager_id is None


def test_a_deactivated_member_loses_access_and_can_be_reactivated(member_client, tenant) -> None:
    rep = make_member(tenant, Role.SALES)
    rep_client = Client()
    rep_client.force_login(rep)
    assert rep_client.get("/").status_code == 200
    page = member_client.get(reverse("settings:users")).content.decode()
    assert "data-confirm=" in page
    url = reverse("settings:member_deactivate", args=[ms(tenant, rep).pk])
    assert member_client.get(url).status_code == 405
    assert member_client.post(url).status_code == 302
    assert not ms(tenant, rep).is_active
    response = rep_client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("no_tenant")
    member_client.post(reverse("settings:member_reactivate", args=[ms(tenant, rep).pk]))
    assert rep_client.get("/").status_code == 200


def test_an_owner_may_leave_when_another_owner_remains(client, tenant, member) -> None:
    other_owner = make_member(tenant, Role.ADMIN)
    with tenant_context(tenant):
        svc.membership_update_role(
            tenant=tenant, membership=ms(tenant, other_owner), actor=member, role=Role.OWNER
        )
        svc.membership_deactivate(tenant=tenant, membership=ms(tenant, member), actor=member)
        assert not ms(tenant, member).is_active
        # ...but the remaining owner cannot then leave the tenant ownerless.
        with pytest.raises(svc.AccountError):
            svc.membership_deactivate(
                tenant=tenant, membership=ms(tenant, other_owner), actor=other_owner
            )
