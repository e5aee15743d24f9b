"""Tenant A's analytics data for the isolation walker: an open inquiry (long-running list,
workload) whose subject carries MARKER. The analytics routes take no URL parameters; the
walker visits them as tenant B and checks MARKER never shows."""

from __future__ import annotations

from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from support.tickets import services

    ns.insights_ticket = services.ticket_create(
        tenant=tenant,
        subject=f"{MARKER} 長期未解決",
        body=f"{MARKER} 本文",
        requester_email="insights-isolation@example.jp",
    )


ROUTES: dict = {}
