"""Tenant A's mail settings and an outbox row for the isolation walker and the role
matrix. support.mail's routes take no URL parameters (the settings page, the webhook),
so ROUTES is empty; the samples make sure tenant B's pages never show A's mail data."""

from __future__ import annotations

from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from support.mail import services
    from support.tickets.services import ticket_create

    services.mail_settings_update(
        tenant=tenant,
        support_address="support@alpha.example.jp",
        signature=f"{MARKER} signature",
        from_name=f"{MARKER} support",
    )
    ticket = ticket_create(
        tenant=tenant,
        subject=f"{MARKER} mail sample",
        body=f"{MARKER} body",
        channel="email",
        requester_email="mail-sample@example.jp",
        create_contact=False,
    )
    ns.outbound_mail = services.mail_to_customer(
        tenant=tenant, ticket=ticket, subject=f"{MARKER} subject", body=f"{MARKER}", kind="test"
    )


ROUTES: dict = {}
