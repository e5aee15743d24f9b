"""Import jobs and what each one changed (for undo). Registered in the contacts app through
the import at the bottom of contacts/models.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class ImportJob(TenantOwned):
    file_name = models.CharField(_("file name"), max_length=255)
    # Storage names (MEDIA_ROOT-relative), under imports/<tenant_id>/<job token>/.
    source_path = models.CharField(max_length=500, blank=True)
    error_report_path = models.CharField(max_length=500, blank=True)
    file_size = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=8, blank=True)
    encoding = models.CharField(max_length=16, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    header = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)  # percent
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    error_message = models.TextField(blank=True)
    # The uploader's language: the worker writes warnings and the error report in it.
    language = models.CharField(max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "contacts"
        indexes = [models.Index(fields=["tenant", "-id"], name="importjob_tenant_id_desc")]
        verbose_name = _("contact import")

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_active(self) -> bool:
        return self.status in (ImportStatus.PENDING, ImportStatus.RUNNING)


class ImportChangeKind(models.TextChoices):
    CREATED = "created", _("Created")
    # The contacts an import creates are recorded as runs of consecutive ids (object_id ..
    # last_id, every id in between is the import's): one row per run instead of one per
    # contact. Single `created` rows remain for imports made before.
    CREATED_RANGE = "created_range", _("Created (id range)")
    UPDATED = "updated", _("Updated")
    COMPANY_CREATED = "company_created", _("Company created")


class ImportChange(TenantOwned):
    """What an import created or updated: a contact it updated (`before` is the whole row as
    it was, to_jsonb of contacts_contact, so undo can put it back in one UPDATE), a company
    it created, or a run of contacts it created (object_id .. last_id)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=ImportChangeKind.choices)
    # Not foreign keys: the records may be deleted later, and undo must then say so.
    object_id = models.BigIntegerField()
    last_id = models.BigIntegerField(null=True, blank=True)  # created_range: the run's last id
    before = models.JSONField(null=True, blank=True)

    class Meta:
        app_label = "contacts"
        indexes = [models.Index(fields=["tenant", "job", "kind"], name="importchange_job_kind")]


# The worker's autodiscovery looks at <app>.tasks only; loading the task with the models
# registers it in every process that loads the app (web, worker, commands).
from . import tasks as _tasks  # noqa: E402, F401
