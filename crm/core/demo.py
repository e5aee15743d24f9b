"""Demo data: each app registers a seeder; `seed_demo` runs them in dependency order.

Registering (in an AppConfig.ready) keeps the dependency direction: crm never imports the
domain apps, they hook themselves in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import Tenant

Seeder = Callable[..., None]
_SEEDERS: list[tuple[int, str, Seeder]] = []

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published demo credentials, printed by make run


def register_seeder(name: str, seeder: Seeder, *, order: int = 100) -> None:
    if all(existing != name for _, existing, _ in _SEEDERS):
        _SEEDERS.append((order, name, seeder))


def run_seeders(*, tenant: Tenant, **options: Any) -> list[str]:
    ran = []
    for _, name, seeder in sorted(_SEEDERS, key=lambda item: (item[0], item[1])):
        seeder(tenant=tenant, **options)
        ran.append(name)
    return ran
