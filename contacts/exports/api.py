"""/api/v1/contacts/exports/: POST {format, encoding, query} -> a job that runs on a worker;
GET a job for its status; GET .../download/ for the file once it is done."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from crm.core.api.records import api_membership
from crm.core.http import TenantAPIMixin
from crm.core.models import Membership

from . import selectors, services
from .models import ExportEncoding, ExportFormat, ExportJob, ExportStatus


class ExportJobSerializer(serializers.ModelSerializer):
    format = serializers.CharField(source="file_format")
    progress = serializers.IntegerField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "status",
            "format",
            "encoding",
            "query",
            "progress",
            "rows_done",
            "rows_total",
            "replaced_cells",
            "error_message",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportStatus.DONE or not job.file_path:
            return None
        return reverse("contact-export-download", kwargs={"pk": job.pk})


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    encoding = serializers.ChoiceField(
        choices=ExportEncoding.choices, default=ExportEncoding.UTF8, required=False
    )
    query = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The contact list's filters as a query string, e.g. 'q=佐藤&tag=vip' "
        "(the same parameters as GET /api/v1/contacts/).",
    )


class ExportViewSet(TenantAPIMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contact exports. POST to start one; GET it to follow it; download the file when done.
    A job is visible to whoever asked for it (the same user) and to admins."""

    serializer_class = ExportJobSerializer
    perm_view = "contacts.edit"
    perm_edit = "contacts.edit"

    def _membership(self) -> Membership:
        membership = api_membership(self.request)
        if membership is None:  # pragma: no cover - a tenant request always has one
            raise Http404
        return membership

    def get_object(self) -> ExportJob:
        return selectors.access_export_job(
            tenant=self.tenant, membership=self._membership(), job_id=int(self.kwargs["pk"])
        )

    @extend_schema(request=ExportRequestSerializer, responses={201: ExportJobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ExportRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            job = services.export_job_create(
                tenant=self.tenant,
                membership=self._membership(),
                fmt=given.validated_data["format"],
                encoding=given.validated_data["encoding"],
                query=given.validated_data["query"],
            )
        except services.ExportError as exc:
            raise serializers.ValidationError({"query": [str(exc)]}) from None
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> Any:
        job = self.get_object()
        if (
            job.status != ExportStatus.DONE
            or not job.file_path
            or not default_storage.exists(job.file_path)
        ):
            raise Http404
        return FileResponse(
            default_storage.open(job.file_path, "rb"),
            as_attachment=True,
            filename=job.download_name,
            content_type=services.CONTENT_TYPES[ExportFormat(job.file_format)],
        )
