"""REST API for inquiry forms.

- /api/v1/forms/ — definitions with their fields (admins: settings.manage). The body is the
  builder's definition (`name`, `kind`, `language`, ..., `fields: [...]`); a write replaces
  the whole definition or, with errors, changes nothing (400, messages by place such as
  `fields.2.choices`). `published: true|false` publishes or unpublishes.
- /api/v1/public/forms/<tenant_slug>/<key>/ — no auth: the published definition and a time
  token; POST …/submit/ with the values by field key, `consent`, `form_token` → 201 with the
  receipt number, 400 with field errors in the form's language, 429 over the per-IP limit.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.core import context
from crm.core.http import TenantAPIMixin
from crm.core.middleware import client_ip

from . import selectors, services
from .models import InquiryForm

PERM = "settings.manage"
PUBLIC_FIELD_ATTRS = ("key", "label", "help_text", "required", "field_type", "choices")


def _publish_flag(data: Any) -> bool | None:
    if not isinstance(data, dict) or "published" not in data:
        return None
    value = data.get("published")
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


class InquiryFormDefinitionSerializer(serializers.Serializer):
    """A form definition as `support.webforms.services.form_definition` writes it (name, kind,
    language, texts, fields with their mapping, public_url); documented as an object."""


class InquiryFormViewSet(
    TenantAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Inquiry form definitions (問い合わせフォーム) with their fields."""

    perm_view = PERM
    perm_edit = PERM
    lookup_value_regex = r"\d+"
    serializer_class = InquiryFormDefinitionSerializer

    def get_queryset(self) -> QuerySet[InquiryForm]:
        return (
            InquiryForm.objects.filter(tenant=self.tenant)
            .prefetch_related("fields")
            .order_by("-id")
        )

    def _out(self, form: InquiryForm) -> dict[str, Any]:
        data = services.form_definition(form=form, fields=list(form.fields.all()))
        data["public_url"] = self.request.build_absolute_uri(
            reverse("portal:form", kwargs={"tenant_slug": self.tenant.slug, "key": form.key})
        )
        return data

    @extend_schema(responses=InquiryFormDefinitionSerializer(many=True))
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = [self._out(form) for form in (page if page is not None else self.get_queryset())]
        if page is not None:
            return self.get_paginated_response(rows)
        return Response(rows)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._out(self.get_object()))

    def _write(self, request: Request, form: InquiryForm | None, partial: bool) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        if partial and form is not None:
            data = {**services.form_definition(form=form), **data}
        try:
            saved = services.form_save(tenant=self.tenant, form=form, data=dict(data))
            flag = _publish_flag(data)
            if flag is not None and flag != saved.published:
                saved = services.form_publish(tenant=self.tenant, form=saved, published=flag)
        except services.FormDefinitionError as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        saved = self.get_queryset().get(pk=saved.pk)
        body = self._out(saved)
        # Not refusals: what the form will do that the admin may not expect (required
        # custom fields it does not ask for). Only on writes, so the list stays one query.
        body["warnings"] = services.form_warnings(tenant=self.tenant, definition=body)
        return Response(
            body, status=status.HTTP_201_CREATED if form is None else status.HTTP_200_OK
        )

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, None, partial=False)

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, self.get_object(), partial=False)

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._write(request, self.get_object(), partial=True)

    def perform_destroy(self, instance: InquiryForm) -> None:
        services.form_delete(tenant=self.tenant, form=instance)


class _PublicFormView(APIView):
    """No authentication, no session: the tenant comes from the slug only."""

    is_public = True
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # the per-IP limit of the form services applies instead


class PublicFormDefinitionView(_PublicFormView):
    @extend_schema(responses=OpenApiTypes.OBJECT, auth=[])
    def get(self, request: Request, tenant_slug: str, key: str) -> Response:
        """The published form (title, texts, fields) and a time token for the submit."""
        tenant = selectors.public_tenant(slug=tenant_slug)
        with context.tenant_context(tenant):
            form = selectors.public_form(tenant=tenant, key=key)
            definition = services.form_definition(form=form)
            body = {
                name: definition[name]
                for name in (
                    "key",
                    "kind",
                    "language",
                    "title",
                    "intro",
                    "thank_you",
                    "privacy_notice",
                    "privacy_url",
                )
            }
            body["title"] = form.display_title
            body["fields"] = [{k: f[k] for k in PUBLIC_FIELD_ATTRS} for f in definition["fields"]]
            body["form_token"] = services.form_token(form=form)
            body["min_seconds"] = services.min_seconds()
            body["max_file_mb"] = services.file_limit_bytes(tenant=tenant) // (1024 * 1024)
            response = Response(body)
            response["Cache-Control"] = "no-store"
            return response


class PublicFormSubmitView(_PublicFormView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, auth=[])
    def post(self, request: Request, tenant_slug: str, key: str) -> Response:
        """Submit values by field key, with `consent: true` and the `form_token`. Forms with
        file fields take multipart/form-data (the file under its field key)."""
        tenant = selectors.public_tenant(slug=tenant_slug)
        with context.tenant_context(tenant):
            form = selectors.public_form(tenant=tenant, key=key)
            data = request.data if isinstance(request.data, dict) else {}
            if isinstance(data.get(services.CONSENT), bool):
                data = {**data, services.CONSENT: "1" if data[services.CONSENT] else ""}
            ip = client_ip(request._request)
            with translation.override(form.language):
                outcome = services.form_submit_public(
                    tenant=tenant,
                    form=form,
                    data=data,
                    ip=ip,
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    files=request.FILES,
                )
                if outcome.status == "limited":
                    return Response(
                        {
                            "detail": _(
                                "We received several messages from your connection in a "
                                "short time. Please wait about ten minutes and send the "
                                "form again."
                            )
                        },
                        status=status.HTTP_429_TOO_MANY_REQUESTS,
                    )
                if outcome.status == "silent":
                    return Response({"receipt": ""}, status=status.HTTP_201_CREATED)
                if outcome.status == "refused":
                    return Response(
                        {"errors": {services.TOKEN: [outcome.message]}},
                        status=status.HTTP_400_BAD_REQUEST,
                    )
                if outcome.submission is None:
                    return Response({"errors": outcome.errors}, status=status.HTTP_400_BAD_REQUEST)
                return Response(
                    {"receipt": outcome.submission.receipt, "message": form.thank_you},
                    status=status.HTTP_201_CREATED,
                )
