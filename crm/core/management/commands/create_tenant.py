from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug
from django.db import transaction

from crm.core.models import User
from crm.core.services.tenants import TenantError, tenant_create


class Command(BaseCommand):
    help = "Create a tenant with its owner."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            validate_slug(opts["slug"])
            validate_email(opts["owner_email"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        email = opts["owner_email"].strip().lower()
        try:
            with transaction.atomic():
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(email=email, password=opts["owner_password"])
                    _verified_email(user)
                tenant = tenant_create(name=opts["name"], owner=user, slug=opts["slug"])
        except TenantError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"created tenant {tenant.slug} (id {tenant.pk}) owned by {email}")


def _verified_email(user: User) -> None:
    """Accounts made by an operator on the command line need no confirmation mail."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
