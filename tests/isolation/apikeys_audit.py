from __future__ import annotations

from typing import Any

from tests.factories import make_api_key

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from crm.core.models import ApiKey

    make_api_key(tenant, name=f"{MARKER} revocable key")
    ns.revocable_api_key = ApiKey.objects.get(name=f"{MARKER} revocable key")


ROUTES = {
    "settings:apikey_revoke": lambda ns: {"key_id": ns.revocable_api_key.pk},
}
