from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Contact
from crm.core.context import tenant_context
from crm.core.models import AuditLog, Membership, Tenant, User
from crm.core.roles import Role

pytestmark = pytest.mark.django_db


def test_create_tenant_makes_a_tenant_with_its_owner() -> None:
    out = StringIO()
    call_command(
        "create_tenant",
        slug="acme",
        name="株式会社アクメ",
        owner_email="Owner@Acme.example",
        owner_password="a-long-password-1",
        stdout=out,
    )
    tenant = Tenant.objects.get(slug="acme")
    user = User.objects.get(email="owner@acme.example")
    assert user.check_password("a-long-password-1")
    with tenant_context(tenant):
        assert Membership.objects.get(user=user).role == Role.OWNER
        assert AuditLog.objects.filter(object_type="core.tenant").exists()
    assert "acme" in out.getvalue()


def test_create_tenant_refuses_a_taken_slug_and_changes_nothing(tenant) -> None:
    users_before = User.objects.count()
    with pytest.raises(CommandError, match="alpha"):
        call_command(
            "create_tenant",
            slug="alpha",
            name="Other",
            owner_email="new@x.example",
            owner_password="a-long-password-1",
        )
    assert Tenant.objects.filter(slug="alpha").count() == 1
    assert User.objects.count() == users_before  # the new owner was rolled back too


@pytest.mark.parametrize(
    ("slug", "email"), [("bad slug!", "ok@x.example"), ("fine", "not-an-email")]
)
def test_create_tenant_rejects_bad_arguments(slug, email) -> None:
    with pytest.raises(CommandError):
        call_command(
            "create_tenant",
            slug=slug,
            name="X",
            owner_email=email,
            owner_password="a-long-password-1",
        )
    assert not Tenant.objects.exists()


def test_seed_demo_fills_the_tenant_deterministically(tenant, other_tenant) -> None:
    call_command("seed_demo", tenant="alpha", contacts=30, stdout=StringIO())
    with tenant_context(tenant):
        first = list(Contact.objects.order_by("id").values_list("last_name", "email"))
    assert len(first) == 30
    with tenant_context(other_tenant):
        assert Contact.objects.count() == 0  # only the named tenant


def test_seed_demo_names_an_unknown_tenant() -> None:
    with pytest.raises(CommandError, match="nosuch"):
        call_command("seed_demo", tenant="nosuch")


def test_setup_demo_creates_the_demo_tenant_once() -> None:
    call_command("setup_demo", stdout=StringIO())
    demo = Tenant.objects.get(slug="demo")
    with tenant_context(demo):
        roles = set(Membership.objects.values_list("role", flat=True))
        count = Contact.objects.count()
    assert roles == {Role.OWNER, Role.MANAGER, Role.SALES, Role.MARKETER, Role.SUPPORT}
    assert count > 0
    call_command("setup_demo", stdout=StringIO())  # again: keeps what is there
    with tenant_context(demo):
        assert Contact.objects.count() == count
