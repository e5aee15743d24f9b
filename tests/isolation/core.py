from __future__ import annotations

from typing import Any

from crm.core.roles import Role
from tests.factories import make_api_key, make_member

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from crm.core.models import ApiKey, Membership

    colleague = make_member(tenant, Role.SALES, email=f"{MARKER.lower()}@alpha.example.com")
    ns.membership = Membership.objects.get(user=colleague)
    make_api_key(tenant, name=f"{MARKER} key")
    ns.api_key = ApiKey.objects.get(name=f"{MARKER} key")


ROUTES: dict = {}
