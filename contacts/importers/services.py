"""Import services: create a job from an upload, preview, start, run (synchronously: the
Celery task and the command both call `import_run`), undo.

Memory stays flat whatever the file size: rows are read as a stream, normalized and COPYed
in chunks of settings.IMPORT_CHUNK_ROWS, warnings go straight to the error report file, and
duplicates are resolved by PostgreSQL (loader.py)."""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.core.customfields import TEXT_TYPES, definitions_for
from crm.core.jobs import heartbeat
from crm.core.models import AuditLog, CustomFieldDefinition, ObjectType, Tenant
from crm.core.services.audit import audit_record
from crm.core.tasks import enqueue_on_commit

from . import loader, mapping, pipeline, readers
from .models import ImportJob, ImportStatus
from .readers import ImportFileError
from .rows import Issue, RowNormalizer

logger = logging.getLogger(__name__)

# Share of the progress bar for reading + staging; the SQL merge takes the rest.
STAGE_SHARE = 80


class ImportUndoError(ValueError):
    pass


def _definitions(tenant: Tenant) -> list[CustomFieldDefinition]:
    return definitions_for(tenant=tenant, object_type=ObjectType.CONTACT)


def _job_dir(tenant: Tenant) -> str:
    # Paths carry the tenant (DESIGN: file paths carry the tenant) and an unguessable token.
    return f"imports/{tenant.pk}/{secrets.token_hex(12)}"


def _extension(file_name: str) -> str:
    suffix = PurePosixPath(file_name.replace("\\", "/")).suffix.lower()
    return suffix if suffix in (".csv", ".tsv", ".txt", ".tab", ".xlsx", ".xlsm") else ".dat"


@transaction.atomic
def import_job_create(
    *,
    tenant: Tenant,
    actor: Any,
    file: IO[bytes],
    file_name: str,
    size: int | None = None,
    mapping_override: list[str] | None = None,
    require_valid_mapping: bool = True,
) -> ImportJob:
    """Store the upload, read its header and propose a mapping. Raises ImportFileError
    (and stores nothing) for files we cannot or will not read, and — unless the caller
    lets the user fix the mapping next (the browser) — for a mapping that cannot run."""
    if size is not None:
        readers.check_size(size)  # before writing anything to disk
    file_name = os.path.basename(file_name.replace("\\", "/"))[:255] or "import.csv"
    name = default_storage.save(f"{_job_dir(tenant)}/source{_extension(file_name)}", File(file))
    try:
        with default_storage.open(name, "rb") as fh:
            info = readers.inspect(fh, file_name)
            header, _sample = readers.read_header_and_sample(fh, info, 1)
        definitions = _definitions(tenant)
        proposed = mapping.auto_mapping(header, definitions)
        chosen = mapping_override if mapping_override is not None else proposed
        if mapping_override is not None or require_valid_mapping:
            mapping.validate_mapping(header, chosen, definitions)
        elif not any(proposed):
            mapping.validate_mapping(header, proposed, definitions)  # raises: no header known
    except ImportFileError:
        default_storage.delete(name)
        raise
    job = ImportJob.objects.create(
        tenant=tenant,
        file_name=file_name,
        source_path=name,
        file_size=info.size,
        file_format=info.format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        header=header,
        mapping=chosen,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return job


def _open_rows(
    job: ImportJob, progress: readers.Progress | None = None
) -> Iterator[tuple[int, list[str]]]:
    """Data rows with their row number (the header is row 1, as a spreadsheet counts);
    blank rows are skipped and not counted."""
    info = readers.SourceInfo(
        format=job.file_format,
        encoding=job.encoding,
        delimiter=job.delimiter or ",",
        size=job.file_size,
    )
    with default_storage.open(job.source_path, "rb") as fh:
        seen_header = False
        for number, cells in enumerate(readers.iter_rows(fh, info, progress), start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if not seen_header:
                seen_header = True
                continue
            yield number, cells


@dataclass
class PreviewRow:
    number: int
    cells: list[tuple[str, str, str]]  # (text, level "", "warning" or "error", message)
    rejected: str


def import_preview(
    *, tenant: Tenant, job: ImportJob, mapping_list: list[str], limit: int | None = None
) -> tuple[list[str], list[PreviewRow]]:
    """The first rows as they would be imported, with per-cell validation: (column labels,
    rows). Raises ImportFileError when the mapping itself is wrong."""
    definitions = _definitions(tenant)
    mapping.validate_mapping(job.header, mapping_list, definitions)
    normalizer = RowNormalizer(job.header, mapping_list, definitions)
    targets = [t for t in mapping_list if t]
    by_key = {d.key: d for d in definitions}
    labels = [mapping.target_label(t, by_key) for t in targets]
    shown = _preview_fields(targets)
    rows: list[PreviewRow] = []
    limit = limit or settings.IMPORT_PREVIEW_ROWS
    for number, cells in _open_rows(job):
        result = normalizer.normalize(cells, number)
        issues = {issue.column: issue for issue in result.issues if issue.level == "warning"}
        rejected = next((i.message for i in result.issues if i.level == "error"), "")
        out = []
        for target in targets:
            column = normalizer.column_label(target)
            text = " ".join(result.cells.get(f, "") for f in shown[target]).strip()
            issue = issues.get(column)
            out.append((text, "warning" if issue else "", issue.message if issue else ""))
        rows.append(PreviewRow(number, out, rejected))
        if len(rows) >= limit:
            break
    return labels, rows


def _preview_fields(targets: list[str]) -> dict[str, list[str]]:
    split = {
        "full_name": ["last_name", "first_name"],
        "full_kana": ["last_name_kana", "first_name_kana"],
        "company": ["company_name"],
    }
    return {t: split.get(t, [t]) for t in targets}


@transaction.atomic
def import_job_start(
    *, tenant: Tenant, job: ImportJob, mapping_list: list[str], actor: Any = None
) -> ImportJob:
    """Validate the mapping and queue the job for a worker (on commit)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk, tenant=tenant)
    if job.status != ImportStatus.PENDING or job.started_at is not None:
        raise ImportFileError(_("This import has already been started."))
    job.mapping = mapping.validate_mapping(job.header, mapping_list, _definitions(tenant))
    job.started_at = timezone.now()
    job.save(update_fields=["mapping", "started_at"])
    from .tasks import import_contacts_job

    enqueue_on_commit(import_contacts_job, tenant_id=tenant.pk, job_id=job.pk)
    return job


def _set_progress(job: ImportJob, **fields: Any) -> None:
    for key, value in fields.items():
        setattr(job, key, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


class _Report:
    """The error report, written as issues arrive (a temp file, then into storage)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed in save()
        self.text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.text)
        self.writer.writerow([_("Row"), _("Column"), _("Value"), _("Message"), _("Result")])
        self.warnings = 0
        self.errors = 0

    def add(self, issue: Issue) -> None:
        if issue.level == "warning":
            self.warnings += 1
            outcome = _("imported without this value")
        else:
            self.errors += 1
            outcome = _("row not imported")
        self.writer.writerow([issue.row, issue.column, issue.value, issue.message, outcome])

    def save(self, job: ImportJob) -> str:
        self.text.flush()
        self.file.seek(0)
        directory = str(PurePosixPath(job.source_path).parent)
        name = default_storage.save(f"{directory}/errors.csv", File(self.file))
        self.text.close()
        return name


def import_run(*, tenant: Tenant, job_id: int) -> ImportJob:
    """Do the import now. Idempotent for a job already done; a failure leaves contacts as
    they were and the job `failed` with the reason. Runs in the uploader's language."""
    job = ImportJob.objects.get(pk=job_id, tenant=tenant)
    with (
        heartbeat("contacts.import", tenant_id=tenant.pk, job_id=job.pk),
        translation.override(job.language or settings.LANGUAGE_CODE),
    ):
        return _import_run(tenant, job)


def _import_run(tenant: Tenant, job: ImportJob) -> ImportJob:
    if job.status not in (ImportStatus.PENDING,):
        return job
    _set_progress(job, status=ImportStatus.RUNNING, progress=0, started_at=timezone.now())
    definitions = _definitions(tenant)
    normalizer = RowNormalizer(job.header, job.mapping, definitions)
    staging = loader.Staging(job_id=job.pk, custom_keys=[d.key for d in normalizer.custom])
    report = _Report()
    rows = rejected = 0
    try:
        t0 = time.monotonic()
        staging.create()
        progress = readers.Progress(job.file_size)
        parallel = getattr(settings, "IMPORT_PARALLEL", True)
        for result in pipeline.normalized_chunks(
            normalizer, _open_rows(job, progress), settings.IMPORT_CHUNK_ROWS, parallel=parallel
        ):
            rows += result.rows
            rejected += result.rejected
            for issue in result.issues:
                report.add(issue)
            if result.staged:
                staging.copy_rows(tenant.pk, result.staged)
            _set_progress(job, progress=int(progress.fraction * STAGE_SHARE), rows=rows)
        _set_progress(job, progress=STAGE_SHARE, rows=rows)
        staged_at = time.monotonic()
        logger.info("import %s: read and staged %s rows in %.1fs", job.pk, rows, staged_at - t0)
        text_definitions = [d for d in definitions if d.field_type in TEXT_TYPES]
        with transaction.atomic():
            # One import per tenant at a time: two would race on the same customer codes.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, tenant.pk])
            loaded = loader.load(
                staging=staging,
                tenant_id=tenant.pk,
                job_id=job.pk,
                text_definitions=text_definitions,
            )
            finished = timezone.now()
            logger.info("import %s: merged in %.1fs", job.pk, time.monotonic() - staged_at)
            report_name = report.save(job)
            _set_progress(
                job,
                status=ImportStatus.DONE,
                progress=100,
                rows=rows,
                created=loaded.created,
                updated=loaded.updated_rows,
                rejected=rejected,
                warnings=report.warnings,
                error_report_path=report_name,
                finished_at=finished,
            )
            audit_record(
                tenant=tenant,
                action=AuditLog.Action.OTHER,
                obj=job,
                object_repr=_("Import of %(file)s") % {"file": job.file_name},
                actor=job.created_by,
                changes={
                    "import": [
                        None,
                        {
                            "rows": rows,
                            "created": loaded.created,
                            "updated": loaded.updated_rows,
                            "rejected": rejected,
                            "warnings": report.warnings,
                        },
                    ]
                },
            )
    except ImportFileError as exc:
        _fail(job, str(exc))
    except Exception as exc:
        _fail(job, _("The import failed and nothing was changed (%(error)s).") % {"error": exc})
        raise
    finally:
        # The connection may be gone (and the temp table with it).
        with contextlib.suppress(Exception):
            staging.drop()
    return job


def _fail(job: ImportJob, message: str) -> None:
    _set_progress(
        job,
        status=ImportStatus.FAILED,
        error_message=message,
        finished_at=timezone.now(),
    )


def undo_problem(*, tenant: Tenant, job: ImportJob) -> str:
    """Why this import cannot be undone now ('' when it can)."""
    if job.status != ImportStatus.DONE or job.finished_at is None:
        return _("Only a finished import can be undone.")
    blockers = loader.undo_blockers(tenant_id=tenant.pk, job_id=job.pk, finished_at=job.finished_at)
    if blockers:
        return _(
            "%(count)s of the records this import wrote were changed or deleted since, so it "
            "can no longer be undone as a whole."
        ) % {"count": blockers}
    return ""


def import_undo(*, tenant: Tenant, job: ImportJob, actor: Any = None) -> dict[str, int]:
    """Delete what the import created and put back what it updated; audited. Refused
    when any of its records changed after it."""
    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job.pk, tenant=tenant)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, tenant.pk])
            problem = undo_problem(tenant=tenant, job=job)
            if problem:
                raise ImportUndoError(problem)
            outcome = loader.undo(tenant_id=tenant.pk, job_id=job.pk)
            job.status = ImportStatus.UNDONE
            job.undone_at = timezone.now()
            job.save(update_fields=["status", "undone_at"])
            audit_record(
                tenant=tenant,
                action=AuditLog.Action.OTHER,
                obj=job,
                object_repr=_("Undo of the import of %(file)s") % {"file": job.file_name},
                actor=actor,
                changes={"undo": [None, outcome]},
            )
    except IntegrityError:
        raise ImportUndoError(
            _(
                "Other records (timeline entries, deals, …) now refer to contacts this import "
                "created, so it can no longer be undone."
            )
        ) from None
    return outcome
