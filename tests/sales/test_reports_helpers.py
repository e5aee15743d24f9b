"""Builders shared by the daily report tests (no tests here): a team of a manager and two
reps, activities of a day, and the tenant's local times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from crm.core.context import tenant_context
from crm.core.models import Membership, User
from crm.core.roles import Role
from crm.core.services.accounts import membership_update
from sales.activities.models import Activity
from sales.reports import services
from tests.factories import make_member, owner_of


@dataclass
class Team:
    owner: User
    manager: User
    rep: User  # reports to the manager
    other_rep: User  # reports to nobody


def make_team(tenant: Any) -> Team:
    manager = make_member(tenant, Role.MANAGER, email="manager@alpha.example.com")
    rep = make_member(tenant, Role.SALES, email="rep@alpha.example.com")
    other = make_member(tenant, Role.SALES, email="other@alpha.example.com")
    owner = owner_of(tenant)
    with tenant_context(tenant):
        manager.display_name, rep.display_name, other.display_name = (
            "課長 佐藤",
            "営業 鈴木",
            "営業 田中",
        )
        for user in (manager, rep, other):
            user.save(update_fields=["display_name"])
        boss = Membership.objects.get(tenant=tenant, user=manager)
        membership_update(
            tenant=tenant,
            membership=Membership.objects.get(tenant=tenant, user=rep),
            actor=owner,
            role=Role.SALES,
            manager=boss,
        )
    return Team(owner=owner, manager=manager, rep=rep, other_rep=other)


def local(tenant: Any, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tenant.zone)


def today(tenant: Any) -> dt.date:
    return services.tenant_today(tenant)


def add_activity(tenant: Any, owner: User, kind: str, when: dt.datetime, **extra: Any) -> Activity:
    extra.setdefault("subject", "定例訪問")
    return Activity.objects.create(tenant=tenant, owner=owner, kind=kind, starts_at=when, **extra)
