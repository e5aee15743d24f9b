"""/api/v1/contacts/imports/: upload a file (multipart, optional `mapping` as a JSON list,
one target per column) -> a job that runs on a worker; GET a job for its status and result."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.http import TenantAPIMixin

from . import services
from .models import ImportJob
from .readers import ImportFileError


class ImportJobSerializer(serializers.ModelSerializer):
    error_report_url = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "file_name",
            "status",
            "progress",
            "rows",
            "created",
            "updated",
            "rejected",
            "warnings",
            "header",
            "mapping",
            "error_message",
            "error_report_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_error_report_url(self, job: ImportJob) -> str | None:
        if not job.error_report_path:
            return None
        return reverse("contacts:import_errors", kwargs={"job_id": job.pk})


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    mapping = serializers.CharField(
        required=False,
        help_text="JSON list with one target per column: a field name, 'cf:<key>' or ''.",
    )

    def validate_mapping(self, value: str) -> list[str]:
        try:
            parsed = json.loads(value)
        except ValueError:
            raise serializers.ValidationError(_("Send the mapping as a JSON list.")) from None
        if not isinstance(parsed, list) or not all(isinstance(v, str) for v in parsed):
            raise serializers.ValidationError(
                _("Send the mapping as a JSON list of strings, one per column.")
            )
        return parsed


class ImportViewSet(
    TenantAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Contact imports. POST a file to start one; GET it to follow its progress."""

    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    perm_view = "contacts.edit"
    perm_edit = "contacts.edit"

    def get_queryset(self) -> Any:
        return ImportJob.objects.filter(tenant=self.tenant).order_by("-id")

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportJobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            job = services.import_job_create(
                tenant=self.tenant,
                actor=request.user,
                file=file,
                file_name=file.name,
                size=file.size,
                mapping_override=upload.validated_data.get("mapping"),
            )
            job = services.import_job_start(
                tenant=self.tenant, job=job, mapping_list=job.mapping, actor=request.user
            )
        except ImportFileError as exc:
            raise serializers.ValidationError({"file": [str(exc)]}) from None
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)
