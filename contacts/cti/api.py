"""CTI endpoints under /api/v1/cti/.

- calls/ : the telephony system's webhook. Public in the walker's sense (no session, no API
  key): it proves who it is with an HMAC signature made with the tenant's secret, and runs
  inside that tenant only.
- pops/ and pops/<id>/... : the browser's poller and the pop's buttons (session, or an API
  key, which sees no pops: a key has no extension).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from contacts.services import CALL_OUTCOMES
from crm.core.context import tenant_context
from crm.core.http import TenantAPIMixin

from . import selectors, services
from .models import CallState

MAX_BODY = 64 * 1024


class WebhookThrottle(SimpleRateThrottle):
    """Per claimed tenant (or per address when none is claimed): a misbehaving sender cannot
    flood the endpoint. Generous: a call centre sends a few events per call."""

    rate = "1200/min"

    def get_rate(self) -> str:
        return self.rate

    def get_cache_key(self, request: Request, view: Any) -> str:
        claimed = request.META.get("HTTP_X_CRM_TENANT", "")[:63]
        return f"throttle:cti:{claimed or self.get_ident(request)}"


class CallEventSerializer(serializers.Serializer):
    call_id = serializers.CharField(max_length=100)
    event = serializers.ChoiceField(choices=CallState.values)
    to = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    extension = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    duration = serializers.IntegerField(
        min_value=0, max_value=86400, required=False, allow_null=True, default=None
    )
    occurred_at = serializers.CharField(required=False, allow_blank=True, default="")
    direction = serializers.ChoiceField(
        choices=["inbound", "outbound"], required=False, default="inbound"
    )

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        caller = data.get("from", "") if isinstance(data, dict) else ""
        if caller is not None and not isinstance(caller, str | int):
            raise serializers.ValidationError({"from": [_("Send the caller's number as text.")]})
        value["from"] = str(caller or "")[:64]
        return value

    def validate_occurred_at(self, raw: str) -> dt.datetime:
        if not raw:
            return timezone.now()
        parsed = parse_datetime(raw)
        if parsed is None:
            raise serializers.ValidationError(
                _("Send an ISO 8601 time like 2024-04-01T09:30:00+09:00.")
            )
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed


def _extension_of(data: dict[str, Any]) -> str:
    """`extension`, else `to` when it looks like an extension rather than a full number."""
    raw = data.get("extension") or data.get("to") or ""
    try:
        return services.clean_extension(str(raw))
    except ValidationError:
        return ""


class CtiCallWebhook(APIView):
    """The telephony system reports call events here (contract: docs/cti.md)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [WebhookThrottle]
    is_public = True  # tests/routes.py: no session or key; the HMAC signature is the check

    def get_authenticate_header(self, request: Request) -> str:
        # Makes a refused signature a 401 (DRF turns it into 403 without a challenge).
        return 'CRM-Signature realm="cti"'

    @extend_schema(request=CallEventSerializer, responses={200: dict}, auth=[])
    def post(self, request: Request) -> Response:
        raw = request._request.body
        if len(raw) > MAX_BODY:
            raise exceptions.ValidationError({"non_field_errors": [_("The body is too large.")]})
        try:
            tenant = services.verify_signature(
                tenant_slug=request.META.get("HTTP_X_CRM_TENANT", "").strip(),
                timestamp=request.META.get("HTTP_X_CRM_TIMESTAMP", "").strip(),
                signature=request.META.get("HTTP_X_CRM_SIGNATURE", ""),
                body=raw,
            )
        except services.SignatureError as exc:
            raise exceptions.AuthenticationFailed(exc.message, code=exc.code) from None
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise exceptions.ValidationError(
                {"non_field_errors": [_("The body is not JSON. Send a JSON object.")]}
            ) from None
        if not isinstance(payload, dict):
            raise exceptions.ValidationError(
                {"non_field_errors": [_("The body is not JSON. Send a JSON object.")]}
            )
        serializer = CallEventSerializer(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event = services.CallEvent(
            call_id=data["call_id"],
            event=data["event"],
            caller=data["from"],
            extension=_extension_of(data),
            occurred_at=data["occurred_at"],
            duration_seconds=data["duration"],
            direction=data["direction"],
        )
        with tenant_context(tenant):
            call, applied = services.cti_call_event_record(tenant=tenant, event=event)
        return Response(
            {
                "call": call.call_id,
                "state": call.state,
                "duplicate": not applied,
                "contact": call.contact_id,
                "agent_notified": call.agent_id is not None,
            }
        )


def _user_id(request: Request) -> int | None:
    return getattr(request.user, "pk", None)


class PopListView(TenantAPIMixin, APIView):
    """The poller: the member's open pops, each with its HTML (rendered here, escaped by the
    template engine) and a version that changes when the pop should be redrawn."""

    perm_view = "contacts.view"
    perm_edit = "contacts.edit"

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        pops = selectors.pops_for(
            tenant=self.tenant,
            membership=getattr(request._request, "membership", None),
            user_id=_user_id(request),
        )
        return Response(
            {
                "pops": [
                    {
                        "id": pop.call.pk,
                        "call_id": pop.call.call_id,
                        "state": pop.call.state,
                        "version": pop.version,
                        "contact": pop.contact.pk if pop.contact else None,
                        "html": render_to_string(
                            "cti/pop.html",
                            {"pop": pop, "outcomes": _outcome_choices()},
                            request=request._request,
                        ),
                    }
                    for pop in pops
                ]
            },
            headers={"Cache-Control": "no-store"},
        )


def _outcome_choices() -> list[tuple[str, str]]:
    from contacts.forms import CALL_OUTCOME_CHOICES

    return [(value, str(label)) for value, label in CALL_OUTCOME_CHOICES if value in CALL_OUTCOMES]


class _PopAction(TenantAPIMixin, APIView):
    perm_view = "contacts.view"
    perm_edit = "contacts.edit"

    def call(self, request: Request, pk: int) -> Any:
        return selectors.access_open_call(tenant=self.tenant, user_id=_user_id(request), call_id=pk)


class PopOutcomeView(_PopAction):
    """Second click of the pop: the chosen outcome (and an optional note) is logged."""

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        call = self.call(request, pk)
        data = request.data if isinstance(request.data, dict) else {}
        outcome = str(data.get("outcome", ""))
        body = str(data.get("body", ""))
        call = services.cti_call_log_outcome(
            tenant=self.tenant, call=call, actor=request.user, outcome=outcome, body=body
        )
        return Response(
            {
                "id": call.pk,
                "outcome": call.outcome,
                "message": _("Call logged."),
                "contact_url": reverse("contacts:detail", kwargs={"contact_id": call.contact_id}),
            }
        )


class PopCreateContactView(_PopAction):
    """Unknown caller: save the number as a new contact and open it for editing."""

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        call = self.call(request, pk)
        contact = services.cti_call_create_contact(
            tenant=self.tenant, call=call, actor=request.user
        )
        return Response(
            {
                "contact": contact.pk,
                "edit_url": reverse("contacts:edit", kwargs={"contact_id": contact.pk}),
            }
        )


class PopDismissView(_PopAction):
    perm_edit = "contacts.view"  # closing one's own pop changes no customer data

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, pk: int) -> Response:
        call = self.call(request, pk)
        services.cti_call_dismiss(tenant=self.tenant, call=call)
        return Response(status=204)
