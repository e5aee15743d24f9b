"""Factories for tests: plain functions over the services, so tests build data the way the
app does."""

from __future__ import annotations

import itertools
from typing import Any

from crm.core.context import tenant_context
from crm.core.models import Membership, Tenant, User
from crm.core.roles import Role
from crm.core.services.tenants import membership_add, tenant_create

PASSWORD = "correct-horse-battery-staple"
_seq = itertools.count(1)


def make_user(email: str | None = None, *, verified: bool = True, **extra: Any) -> User:
    from allauth.account.models import EmailAddress

    email = email or f"user{next(_seq)}@example.com"
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    if verified:
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_tenant(name: str, *, owner: User | None = None, slug: str | None = None) -> Tenant:
    owner = owner or make_user()
    return tenant_create(name=name, owner=owner, slug=slug)


def make_member(tenant: Tenant, role: str = Role.SALES, *, email: str | None = None) -> User:
    user = make_user(email)
    membership_add(tenant=tenant, user=user, role=role)
    return user


def owner_of(tenant: Tenant) -> User:
    with tenant_context(tenant):
        return Membership.objects.get(role=Role.OWNER).user


def make_contact(tenant: Tenant, **data: Any) -> Any:
    from contacts.services import contact_create

    data.setdefault("last_name", "山田")
    data.setdefault("first_name", "太郎")
    with tenant_context(tenant):
        return contact_create(tenant=tenant, **data)


def make_api_key(tenant: Tenant, role: str = Role.ADMIN, name: str = "test key") -> str:
    from crm.core.services.apikeys import api_key_create

    with tenant_context(tenant):
        _key, raw = api_key_create(tenant=tenant, name=name, role=role)
    return raw
