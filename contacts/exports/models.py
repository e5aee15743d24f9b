"""Export job tables (imported by contacts/models.py so Django finds them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned

__all__ = ["ExportEncoding", "ExportFormat", "ExportJob", "ExportStatus"]


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel (.xlsx)")
    JSONL = "jsonl", _("JSON Lines")


class ExportEncoding(models.TextChoices):
    UTF8 = "utf-8", _("UTF-8 (with BOM)")
    CP932 = "cp932", _("Shift_JIS (CP932, Excel in Japanese)")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("File deleted")


class ExportJob(TenantOwned):
    """One export of the contact list as it was filtered when it was asked for: `query` is
    the list's query string (search, filters, custom-field filters), re-read by the worker
    through the same selectors the list uses."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    file_format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    encoding = models.CharField(
        _("encoding"), max_length=16, choices=ExportEncoding.choices, default=ExportEncoding.UTF8
    )
    query = models.TextField(blank=True)
    # The role the export reads with: the member's, or an API key's (which may be narrower
    # than its creator's), applied to record visibility when the worker runs.
    role = models.CharField(max_length=16, blank=True)
    # Column headers and dates are written in the requester's language and the tenant's zone.
    language = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    # CP932 only: cells holding characters Shift_JIS cannot store (written as '?').
    replaced_cells = models.PositiveIntegerField(default=0)
    # Storage name (MEDIA_ROOT-relative), under exports/<tenant_id>/<token>/.
    file_path = models.CharField(max_length=500, blank=True)
    file_size = models.BigIntegerField(default=0)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "contacts"
        indexes = [models.Index(fields=["tenant", "-id"], name="exportjob_tenant_id_desc")]
        verbose_name = _("contact export")

    def __str__(self) -> str:
        return self.download_name

    @property
    def is_active(self) -> bool:
        return self.status in (ExportStatus.PENDING, ExportStatus.RUNNING)

    @property
    def progress(self) -> int:
        """Percent done (100 once finished)."""
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def download_name(self) -> str:
        stamp = self.created_at.strftime("%Y%m%d-%H%M") if self.created_at else "export"
        return f"contacts-{stamp}.{self.file_format or 'csv'}"


# The worker's autodiscovery looks at <app>.tasks only; loading the task with the models
# registers it in every process that loads the app (web, worker, commands).
from . import tasks as _tasks  # noqa: E402, F401
