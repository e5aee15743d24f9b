from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from crm.core.context import tenant_context
from crm.core.demo import DEMO_PASSWORD
from crm.core.models import Tenant, User
from crm.core.roles import Role
from crm.core.services.tenants import membership_add, tenant_create

from .create_tenant import _verified_email

DEMO_USERS = [
    ("owner@demo.example.jp", "山田 太郎", Role.OWNER),
    ("manager@demo.example.jp", "佐藤 花子", Role.MANAGER),
    ("sales@demo.example.jp", "鈴木 一郎", Role.SALES),
    ("marketer@demo.example.jp", "高橋 美咲", Role.MARKETER),
    ("support@demo.example.jp", "田中 健太", Role.SUPPORT),
]


class Command(BaseCommand):
    help = "Create the demo tenant and its users if missing (used by `make run`)."

    def handle(self, *args: Any, **opts: Any) -> None:
        if Tenant.objects.filter(slug="demo").exists():
            self.stdout.write("demo tenant exists; keeping its data")
            return
        with transaction.atomic():
            users = {}
            for email, name, _role in DEMO_USERS:
                user = User.objects.filter(email=email).first() or User.objects.create_user(
                    email=email, password=DEMO_PASSWORD, display_name=name
                )
                _verified_email(user)
                users[email] = user
            owner = users[DEMO_USERS[0][0]]
            tenant = tenant_create(name="デモ株式会社", owner=owner, slug="demo")
            with tenant_context(tenant, actor=owner):
                for email, _name, role in DEMO_USERS[1:]:
                    membership_add(tenant=tenant, user=users[email], role=role, actor=owner)
        call_command("seed_demo", tenant="demo", tickets=60, stdout=self.stdout)
