"""Contact export: `contact_export` writes the list (as filtered, and as the member may see
it) to a binary file; jobs run it in a worker and keep the file for download.

Memory and queries stay flat whatever the size: rows are read in keyset chunks of
EXPORT_CHUNK_ROWS (one SELECT per chunk with company and owner joined; custom fields are in
the row's JSONB column), turned into API representations by the API serializer in one go
per chunk, and written straight to the file."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contacts.api.serializers import ContactSerializer
from contacts.models import Contact
from crm.core.jobs import heartbeat
from crm.core.models import AuditLog, CustomFieldDefinition, Membership, Tenant, User
from crm.core.services.audit import audit_record
from crm.core.tasks import enqueue_on_commit

from . import writers
from .models import ExportEncoding, ExportFormat, ExportJob, ExportStatus
from .selectors import export_params, export_selection

logger = logging.getLogger(__name__)

# JSON Lines keys and the CSV/xlsx columns: the API's own field list.
API_FIELDS: tuple[str, ...] = tuple(ContactSerializer.Meta.fields)
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.JSONL: "application/x-ndjson",
}


class ExportError(ValueError):
    """Something the user can fix (a filter that cannot be read, a format we do not
    write); the message says what."""


@dataclass
class ExportResult:
    rows: int
    replaced_cells: int


# What the serializer and the writers read of a contact, its company and its owner: the
# search columns (the n-gram tsvector is the widest of the row) and the bookkeeping ones are
# not fetched, and a company or an owner is just its name.
EXPORT_COLUMNS: tuple[str, ...] = (
    *(name for name in API_FIELDS if name not in {"company", "owner", "phone_display"}),
    "tenant_id",
    "company__id",
    "company__name",
    *(f"owner__{name}" for name in User.NAME_FIELDS),
)


def chunk_rows() -> int:
    return int(settings.EXPORT_CHUNK_ROWS)


def keep_days() -> int:
    return int(settings.EXPORT_KEEP_DAYS)


def check_format(fmt: str, encoding: str) -> None:
    if fmt not in ExportFormat.values:
        raise ExportError(
            _("“%(format)s” is not an export format; choose csv, xlsx or jsonl.") % {"format": fmt}
        )
    if encoding not in ExportEncoding.values:
        raise ExportError(
            _("“%(encoding)s” is not an encoding we write; choose utf-8 or cp932.")
            % {"encoding": encoding}
        )
    if encoding == ExportEncoding.CP932 and fmt != ExportFormat.CSV:
        raise ExportError(_("CP932 (Shift_JIS) is for CSV files only."))


def _filter_message(errors: Mapping[str, list[str]]) -> str:
    parts = [f"{name}: {' '.join(messages)}" for name, messages in errors.items()]
    return _("These filters could not be read; fix them and try again: %(errors)s") % {
        "errors": "; ".join(parts)
    }


def _chunks(qs: QuerySet[Contact], size: int) -> Iterator[list[Contact]]:
    """Keyset chunks on the list's own order (-id): one SELECT per chunk, no long-lived
    cursor, each row read once."""
    last_id: int | None = None
    while True:
        page = qs if last_id is None else qs.filter(id__lt=last_id)
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last_id = rows[-1].pk


def _writer(fmt: str, encoding: str, out: IO[bytes]) -> writers.Writer:
    if fmt == ExportFormat.XLSX:
        return writers.XlsxWriter(out, sheet_title="contacts")
    if fmt == ExportFormat.JSONL:
        return writers.JsonLinesWriter(out)
    return writers.CsvWriter(out, encoding)


def contact_export(
    *,
    tenant: Tenant,
    membership: Membership | None,
    query: str | Mapping[str, Any] = "",
    fmt: str,
    encoding: str = ExportEncoding.UTF8,
    out: IO[bytes],
    on_progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the contacts the list shows for `query` (its query string or parameters) to
    `out`. `membership` None is a system export: everything, unless the tenant limits
    record visibility (then nothing, as for any reader without a membership)."""
    check_format(fmt, encoding)
    selection = export_selection(tenant=tenant, membership=membership, query=query)
    if selection.errors:
        raise ExportError(_filter_message(selection.errors))
    definitions: list[CustomFieldDefinition] = selection.definitions
    context = {"custom_field_definitions": lambda: definitions}
    writer = _writer(fmt, encoding, out)
    writer.write_header(writers.header(API_FIELDS, definitions))
    rows = 0
    # Dates and times as the tenant reads them (the API does the same per request).
    with timezone.override(tenant.zone):
        for chunk in _chunks(selection.contacts.only(*EXPORT_COLUMNS), chunk_rows()):
            records = ContactSerializer(chunk, many=True, context=context).data
            if fmt == ExportFormat.JSONL:
                writer.write_records(records)
            else:
                writer.write_rows(
                    writers.flat_row(
                        API_FIELDS, definitions, record, str(c.owner) if c.owner_id else ""
                    )
                    for c, record in zip(chunk, records, strict=True)
                )
            rows += len(chunk)
            if on_progress is not None:
                on_progress(rows)
    writer.close()
    return ExportResult(rows=rows, replaced_cells=writer.replaced_cells)


# --- jobs -----------------------------------------------------------------------------------
def _job_dir(tenant: Tenant) -> str:
    # Paths carry the tenant (DESIGN: file paths carry the tenant) and an unguessable token.
    return f"exports/{tenant.pk}/{secrets.token_hex(12)}"


@transaction.atomic
def export_job_create(
    *,
    tenant: Tenant,
    membership: Membership,
    fmt: str,
    encoding: str = ExportEncoding.UTF8,
    query: str = "",
) -> ExportJob:
    """Check the choice and the filters, record the job and queue it (on commit). The
    worker applies the requester's record visibility when it runs."""
    check_format(fmt, encoding)
    params = export_params(query)
    selection = export_selection(tenant=tenant, membership=membership, query=params)
    if selection.errors:
        raise ExportError(_filter_message(selection.errors))
    job = ExportJob.objects.create(
        tenant=tenant,
        requested_by_id=membership.user_id,
        role=membership.role,
        file_format=fmt,
        encoding=encoding,
        query=params.urlencode(),
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    from .tasks import export_contacts_job

    enqueue_on_commit(export_contacts_job, tenant_id=tenant.pk, job_id=job.pk)
    return job


def _set(job: ExportJob, **fields: Any) -> None:
    for key, value in fields.items():
        setattr(job, key, value)
    ExportJob.objects.filter(pk=job.pk, tenant_id=job.tenant_id).update(**fields)


def _requester_membership(tenant: Tenant, job: ExportJob) -> Membership:
    """The membership the export reads as, with the role it was asked with (an API key's
    role, as contacts.api.views.api_membership does; never saved). A key made by nobody
    reads as its role alone."""
    if job.requested_by_id is None:
        return Membership(tenant=tenant, role=job.role)
    membership = Membership.objects.filter(
        tenant=tenant, user_id=job.requested_by_id, is_active=True
    ).first()
    if membership is None:
        raise ExportError(_("The member who asked for this export no longer has access."))
    if job.role:
        membership.role = job.role
    return membership


def export_run(*, tenant: Tenant, job_id: int) -> ExportJob:
    """Do the export now. Idempotent: a job that is not pending is left as it is. A failure
    leaves the job `failed` with the reason and no file."""
    job = ExportJob.objects.get(pk=job_id, tenant=tenant)
    with heartbeat("contacts.export", tenant_id=tenant.pk, job_id=job.pk):
        return _export_run(tenant, job)


def _export_run(tenant: Tenant, job: ExportJob) -> ExportJob:
    if job.status != ExportStatus.PENDING:
        return job
    _set(job, status=ExportStatus.RUNNING, started_at=timezone.now())
    name = ""
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            membership = _requester_membership(tenant, job)
            selection = export_selection(tenant=tenant, membership=membership, query=job.query)
            # Once per job, for the progress bar (a page never counts a long list).
            _set(job, rows_total=selection.contacts.count())
            with tempfile.TemporaryFile() as tmp:
                result = contact_export(
                    tenant=tenant,
                    membership=membership,
                    query=job.query,
                    fmt=job.file_format,
                    encoding=job.encoding,
                    out=tmp,
                    on_progress=lambda rows: _set(job, rows_done=rows),
                )
                size = tmp.tell()
                tmp.seek(0)
                name = default_storage.save(f"{_job_dir(tenant)}/{job.download_name}", File(tmp))
            _set(
                job,
                status=ExportStatus.DONE,
                rows_done=result.rows,
                rows_total=result.rows,
                replaced_cells=result.replaced_cells,
                file_path=name,
                file_size=size,
                finished_at=timezone.now(),
            )
            audit_record(
                tenant=tenant,
                action=AuditLog.Action.OTHER,
                obj=job,
                object_repr=_("Export of contacts (%(format)s)") % {"format": job.file_format},
                actor=job.requested_by,
                changes={"export": [None, {"rows": result.rows, "query": job.query}]},
            )
        except ExportError as exc:
            _fail(job, str(exc), name)
        except Http404:
            # A saved view the query names was deleted or unshared since the job was asked.
            _fail(
                job,
                _(
                    "A saved view this export was filtered by is gone or no longer shared "
                    "with you. Open the list again and export from there."
                ),
                name,
            )
        except Exception as exc:
            _fail(job, _("The export failed (%(error)s). Try again.") % {"error": exc}, name)
            raise
    return job


def _fail(job: ExportJob, message: str, name: str) -> None:
    if name:
        with contextlib.suppress(Exception):
            default_storage.delete(name)
    _set(
        job,
        status=ExportStatus.FAILED,
        error_message=message,
        file_path="",
        finished_at=timezone.now(),
    )


def export_delete_expired(*, tenant: Tenant, days: int | None = None) -> int:
    """Delete the files of this tenant's exports finished more than `days` ago (default
    EXPORT_KEEP_DAYS); the jobs stay, marked `expired`. Returns how many files went."""
    cutoff = timezone.now() - dt.timedelta(days=keep_days() if days is None else days)
    old = ExportJob.objects.filter(
        tenant=tenant, status=ExportStatus.DONE, finished_at__lt=cutoff
    ).only("id", "tenant_id", "file_path")
    deleted = 0
    for job in old:
        if job.file_path:
            with contextlib.suppress(FileNotFoundError):
                default_storage.delete(job.file_path)
        _set(job, status=ExportStatus.EXPIRED, file_path="")
        deleted += 1
    return deleted


def export_query_label(query: str) -> str:
    """The filters of a job in words for its page ('' when it is the whole list)."""
    params = QueryDict(query)
    return ", ".join(f"{key}={value}" for key, value in params.items() if value)
