"""The inbound-mail webhook: mail providers (SendGrid/Mailgun raw-MIME style) or a
relay post one raw RFC 822 message; it goes through the same code path as SMTP."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from . import inbound, services

MAX_BODY = 50 * 1024 * 1024


class InboundMailError(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_mail"


class _AnyBody(BaseParser):
    """Accepts any content type; the view reads the raw body itself."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return {}


class InboundMailThrottle(SimpleRateThrottle):
    rate = "600/min"

    def get_rate(self) -> str:
        return self.rate

    def get_cache_key(self, request: Request, view: Any) -> str:
        ident = self.get_ident(request)
        return self.cache_format % {"scope": "support-inbound-mail", "ident": ident}


def _token(request: Request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return str(request.query_params.get("token", "")).strip()


class InboundMailWebhook(APIView):
    """POST one raw mail: body `message/rfc822`, or a multipart form with the raw mail in
    the field `email` or `body-mime` (optional field `to` for the envelope recipient)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [InboundMailThrottle]
    parser_classes = [_AnyBody]
    is_public = True  # tests/routes.py: no session or API key; the webhook token is the check

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="support-inbound-mail"'

    @extend_schema(
        request={"message/rfc822": bytes, "multipart/form-data": dict},
        responses={202: dict, 400: dict, 401: dict},
        parameters=[OpenApiParameter("token", str, required=False)],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        raw_request = request._request
        token = _token(request)
        if not token:
            raise exceptions.NotAuthenticated(
                _("Send the tenant's webhook token as 'Authorization: Bearer <token>'.")
            )
        tenant = services.webhook_tenant(token=token)
        if tenant is None:
            raise exceptions.AuthenticationFailed(
                _(
                    "This webhook token is not valid. An administrator finds a new one in "
                    "Settings → Support mail."
                ),
                code="invalid_token",
            )
        content_type = (raw_request.content_type or "").lower()
        recipients: list[str] | None = None
        if content_type.startswith("multipart/") or content_type.startswith(
            "application/x-www-form-urlencoded"
        ):
            upload = raw_request.FILES.get("email") or raw_request.FILES.get("body-mime")
            if upload is not None:
                raw = upload.read(MAX_BODY + 1)
            else:
                text = raw_request.POST.get("email") or raw_request.POST.get("body-mime") or ""
                raw = text.encode("utf-8", errors="surrogateescape")
            to = raw_request.POST.get("to") or raw_request.POST.get("recipient") or ""
            recipients = [a.strip() for a in to.split(",") if a.strip()] or None
        else:
            raw = raw_request.body
        if not raw.strip():
            raise InboundMailError(
                _(
                    "The request has no mail in it. Send the raw message as the body "
                    "(Content-Type: message/rfc822) or in the form field 'email'."
                ),
                code="empty_mail",
            )
        if len(raw) > MAX_BODY:
            raise InboundMailError(_("The mail is larger than 50 MB."), code="too_large")
        try:
            mail = inbound.parse_mail(raw)
            result = inbound.inbound_mail_receive(
                tenant=tenant,
                mail=mail,
                recipients=(recipients or []) + mail.recipients,
            )
        except inbound.InboundRejected as exc:
            raise InboundMailError(exc.message, code=exc.code) from None
        return Response(
            {
                "ticket": result.ticket.number,
                "message": result.message.pk,
                "created": result.created,
                "duplicate": result.duplicate,
                "automatic": result.is_auto,
                "refused_attachments": result.refused_attachments,
            },
            status=status.HTTP_202_ACCEPTED,
        )
