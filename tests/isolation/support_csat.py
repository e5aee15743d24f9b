"""Tenant A's CSAT rating with a MARKER comment (shown in A's analytics only). The rating
page itself is public (tenant by slug, request by the token's hash) and is tested in
tests/support/test_csat_flow.py: tenant B's slug with A's token answers 404."""

from __future__ import annotations

from typing import Any

from . import MARKER


def build(tenant: Any, ns: Any) -> None:
    from support.csat import services
    from support.tickets import services as tickets
    from support.tickets.models import Status

    ticket = tickets.ticket_create(
        tenant=tenant,
        subject=f"{MARKER} 評価",
        body=f"{MARKER} 本文",
        requester_email="csat-isolation@example.jp",
    )
    ticket = tickets.ticket_update(tenant=tenant, ticket=ticket, status=Status.RESOLVED)
    made = services.csat_request_for_resolution(tenant=tenant, ticket=ticket, send=False)
    if made is None:  # the resolution hook asked already: use its request
        from support.csat.models import CsatRequest

        request = CsatRequest.objects.get(tenant=tenant, ticket=ticket)
        token = "isolation-sample-token"
        CsatRequest.objects.filter(pk=request.pk).update(token_hash=services.token_hash(token))
    else:
        token = made[1]
    services.csat_submit(tenant=tenant, token=token, rating=2, comment=f"{MARKER} 遅い")
    ns.csat_token = token
    ns.csat_request = CsatRequestModel().objects.get(tenant=tenant, ticket=ticket)


def CsatRequestModel() -> Any:  # noqa: N802 - the model class, imported late
    from support.csat.models import CsatRequest

    return CsatRequest


ROUTES = {
    "csat-survey-detail": lambda ns: {"pk": ns.csat_request.pk},
}
