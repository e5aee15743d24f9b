"""One error format for the whole API:

{"error": {"code": "validation_error", "message": "...", "fields": {"email": ["..."]}}}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) if isinstance(item, dict | list) else str(item) for item in detail]
    return [str(detail)]


def exception_handler(exc: Exception, ctx: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_handler(exc, ctx)
    if response is None:
        return None
    body: dict[str, Any]
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields}
        body = {
            "code": "validation_error",
            "message": _("Some values are not valid. See the fields for what to fix."),
            "fields": fields,
        }
    elif isinstance(exc, Http404):
        body = {"code": "not_found", "message": _("Not found.")}
    elif isinstance(exc, PermissionDenied):
        body = {"code": "permission_denied", "message": _("You do not have permission to do this.")}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        detail = exc.detail
        body = {
            "code": codes if isinstance(codes, str) else "error",
            "message": str(detail if not isinstance(detail, list | dict) else exc.default_detail),
        }
    else:
        body = {"code": "error", "message": str(exc)}
    response.data = {"error": body}
    return response
