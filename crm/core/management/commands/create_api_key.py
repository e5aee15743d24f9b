"""`manage.py create_api_key --tenant SLUG --name NAME [--role ROLE]`

Prints a line about the key, then the key itself alone on the last line, so scripts can take
it with `| tail -n 1`. The key is shown this once; only its hash is stored."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crm.core.context import tenant_context
from crm.core.models import Tenant
from crm.core.roles import Role
from crm.core.services.apikeys import ApiKeyError, api_key_create


class Command(BaseCommand):
    help = "Create an API key for a tenant and print it (once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", required=True, help="the tenant's slug")
        parser.add_argument("--name", required=True, help="what the key is for, e.g. 'ERP sync'")
        parser.add_argument(
            "--role",
            default=Role.VIEWER.value,
            help=f"the role the key acts with: {', '.join(Role.values)} (default: viewer)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        slug = opts["tenant"].strip()
        role = opts["role"].strip().lower()
        if role not in Role.values:
            raise CommandError(
                f"Unknown role {opts['role']!r}. Choose one of: {', '.join(Role.values)}."
            )
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            raise CommandError(
                f"No tenant with the slug {slug!r}. Check the slug (it is the short name in "
                "the tenant settings), or create the tenant with `create_tenant`."
            )
        try:
            with tenant_context(tenant):
                key, raw = api_key_create(tenant=tenant, name=opts["name"], role=role)
        except ApiKeyError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Created API key “{key.name}” ({key.prefix}…, role {key.role}) for tenant "
            f"{tenant.slug}. Store it now; it is not shown again:"
        )
        self.stdout.write(raw)
