"""Import pages: upload -> mapping -> preview -> run (progress) -> result (+ error report,
undo). Views parse, check, call a service, render."""

from __future__ import annotations

import csv
import io
import itertools

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.core import normalize
from crm.core.customfields import definitions_for
from crm.core.forms import StyledFormMixin
from crm.core.http import TenantRequest
from crm.core.models import ObjectType
from crm.core.permissions import require_perm

from . import mapping, readers, services
from .models import ImportJob, ImportStatus
from .readers import ImportFileError

RECENT_JOBS = 10
EXAMPLE_ROWS = 3  # values shown beside each column on the mapping page
# The preview shows the first rows, and below them the rows with problems found further down
# (a list's bad rows are rarely among its first twenty): it reads this many rows for that.
PREVIEW_SCAN_ROWS = 1000
PREVIEW_PROBLEM_ROWS = 20
PHONE_TARGETS = ("phone", "mobile")
REPORT_LINES_SHOWN = 10  # error report lines on the result page (the CSV has them all)
FIND_SCAN_ROWS = 20_000  # how far into the file the result page looks to link a warning


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or Shift_JIS), TSV or Excel (.xlsx). The first row must name the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["file"].help_text = (
            str(self.fields["file"].help_text)
            + " "
            + _("Up to %(limit)s.") % {"limit": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES)}
        )


def access_job(*, request: TenantRequest, job_id: int) -> ImportJob:
    """Another tenant's import is not found (404)."""
    return get_object_or_404(ImportJob.objects.filter(tenant=request.tenant), pk=job_id)


@require_perm("contacts.edit")
def import_upload(request: TenantRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_job_create(
                tenant=request.tenant,
                actor=request.user,
                file=upload,
                file_name=upload.name,
                size=upload.size,
                require_valid_mapping=False,
            )
        except ImportFileError as exc:
            # The browser cannot keep the chosen file after a refusal: name it in the message.
            form.add_error("file", _("“%(name)s”: %(error)s") % {"name": upload.name, "error": exc})
        else:
            return redirect("contacts:import_mapping", job_id=job.pk)
    jobs = ImportJob.objects.filter(tenant=request.tenant).select_related("created_by")
    return render(
        request,
        "contacts/import/upload.html",
        {"form": form, "jobs": list(jobs.order_by("-id")[:RECENT_JOBS])},
    )


def _source_info(job: ImportJob) -> readers.SourceInfo:
    return readers.SourceInfo(
        format=job.file_format,
        encoding=job.encoding,
        delimiter=job.delimiter or ",",
        size=job.file_size,
    )


def _example_values(job: ImportJob) -> list[list[str]]:
    """The first few values of each column, so a column whose header we did not recognize
    can be told apart by what it holds (a date, a car model, a note...)."""
    info = _source_info(job)
    try:
        with default_storage.open(job.source_path, "rb") as fh:
            _header, sample = readers.read_header_and_sample(fh, info, EXAMPLE_ROWS)
    except (ImportFileError, OSError):
        return []
    return sample


def _mapping_rows(job: ImportJob, chosen: list[str], choices: list[tuple[str, str]]) -> list:
    sample = _example_values(job)
    return [
        {
            "index": i,
            "header": header,
            "value": chosen[i] if i < len(chosen) else "",
            "examples": [row[i].strip() for row in sample if i < len(row) and row[i].strip()],
        }
        for i, header in enumerate(job.header)
    ]


def _posted_mapping(request: TenantRequest, job: ImportJob) -> list[str]:
    return [request.POST.get(f"col_{i}", "") for i in range(len(job.header))]


@require_perm("contacts.edit")
def import_mapping(request: TenantRequest, job_id: int) -> HttpResponse:
    job = access_job(request=request, job_id=job_id)
    if job.started_at is not None:
        return redirect("contacts:import_status", job_id=job.pk)
    definitions = definitions_for(tenant=request.tenant, object_type=ObjectType.CONTACT)
    chosen = job.mapping
    error = ""
    if request.method == "POST":
        chosen = _posted_mapping(request, job)
        try:
            mapping.validate_mapping(job.header, chosen, definitions)
        except ImportFileError as exc:
            error = str(exc)
        else:
            job.mapping = chosen
            job.save(update_fields=["mapping"])
            return redirect("contacts:import_preview", job_id=job.pk)
    choices = mapping.target_choices(definitions)
    return render(
        request,
        "contacts/import/mapping.html",
        {
            "job": job,
            "rows": _mapping_rows(job, chosen, choices),
            "choices": choices,
            "error": error,
        },
        status=400 if error else 200,
    )


@require_perm("contacts.edit")
def import_preview(request: TenantRequest, job_id: int) -> HttpResponse:
    job = access_job(request=request, job_id=job_id)
    if job.started_at is not None:
        return redirect("contacts:import_status", job_id=job.pk)
    if request.method == "POST":
        try:
            services.import_job_start(
                tenant=request.tenant, job=job, mapping_list=job.mapping, actor=request.user
            )
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return redirect("contacts:import_mapping", job_id=job.pk)
        return redirect("contacts:import_status", job_id=job.pk)
    try:
        labels, scanned = services.import_preview(
            tenant=request.tenant, job=job, mapping_list=job.mapping, limit=PREVIEW_SCAN_ROWS
        )
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("contacts:import_mapping", job_id=job.pk)
    _phones_for_people(job.mapping, scanned)
    first = scanned[: settings.IMPORT_PREVIEW_ROWS]
    problems = [row for row in scanned[len(first) :] if _has_problem(row)]
    return render(
        request,
        "contacts/import/preview.html",
        {
            "job": job,
            "labels": labels,
            "rows": first,
            "problem_rows": problems[:PREVIEW_PROBLEM_ROWS],
            "more_problem_rows": max(0, len(problems) - PREVIEW_PROBLEM_ROWS),
            "scanned": len(scanned),
            "scanned_all": len(scanned) < PREVIEW_SCAN_ROWS,
            "scan_limit": PREVIEW_SCAN_ROWS,
            "warning_count": sum(1 for row in scanned for cell in row.cells if cell[1]),
            "rejected_count": sum(1 for row in scanned if row.rejected),
        },
    )


def _has_problem(row: services.PreviewRow) -> bool:
    return bool(row.rejected) or any(level for _text, level, _message in row.cells)


def _phones_for_people(mapping_list: list[str], rows: list[services.PreviewRow]) -> None:
    """Phones are stored as E.164 but shown everywhere in national format (03-1234-5678);
    the preview shows them the way the contact page will."""
    targets = [t for t in mapping_list if t]
    columns = [i for i, target in enumerate(targets) if target in PHONE_TARGETS]
    for row in rows:
        for i in columns:
            text, level, message = row.cells[i]
            if text.startswith("+"):
                row.cells[i] = (normalize.format_phone(text), level, message)


def _report_head(job: ImportJob) -> list[list[str]]:
    """The first lines of the error report (row, column, value, message, result), shown on
    the result page so the problems are visible without opening the CSV."""
    if not (job.rejected or job.warnings) or not job.error_report_path:
        return []
    try:
        with default_storage.open(job.error_report_path, "rb") as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
            lines = list(itertools.islice(csv.reader(text), 1, REPORT_LINES_SHOWN + 1))
    except (OSError, UnicodeDecodeError, csv.Error):
        return []
    return [line for line in lines if len(line) >= 5]


def _find_queries(job: ImportJob, lines: list[list[str]]) -> dict[str, str]:
    """For report lines about imported rows (warnings): what to search the contact list for
    to open that contact (the row's e-mail, else phone, else name, as in the file), so a
    value left empty can be fixed in two clicks. Reads the source file only up to the last
    such row, and not past FIND_SCAN_ROWS."""
    wanted = {int(line[0]) for line in lines if line[1] and line[0].isdigit()}
    wanted = {n for n in wanted if n <= FIND_SCAN_ROWS}
    if not wanted or not job.source_path:
        return {}
    columns = [
        [i for i, target in enumerate(job.mapping) if target == name]
        for name in ("email", "phone", "mobile", "full_name", "last_name")
    ]
    found: dict[str, str] = {}
    try:
        with default_storage.open(job.source_path, "rb") as fh:
            rows = readers.iter_rows(fh, _source_info(job))
            for number, cells in enumerate(itertools.islice(rows, max(wanted)), start=1):
                if number not in wanted:
                    continue
                for indexes in columns:
                    value = next((cells[i].strip() for i in indexes if i < len(cells)), "")
                    if value:
                        found[str(number)] = value
                        break
    except (ImportFileError, OSError):
        return found
    return found


def _status_context(request: TenantRequest, job: ImportJob) -> dict:
    undo_problem = ""
    if job.status == ImportStatus.DONE:
        undo_problem = services.undo_problem(tenant=request.tenant, job=job)
    report_lines = _report_head(job) if job.status == ImportStatus.DONE else []
    queries = _find_queries(job, report_lines)
    list_url = reverse("contacts:list")

    def find_url(line: list[str]) -> str:
        query = queries.get(line[0])
        return f"{list_url}?{urlencode({'q': query})}" if query else ""

    report_lines = [[*line[:5], find_url(line)] for line in report_lines]
    return {
        "job": job,
        "undo_problem": undo_problem,
        "saving_from": services.STAGE_SHARE,
        "report_lines": report_lines,
        "report_more": max(0, job.rejected + job.warnings - len(report_lines)),
    }


@require_perm("contacts.edit")
def import_status(request: TenantRequest, job_id: int) -> HttpResponse:
    job = access_job(request=request, job_id=job_id)
    if job.started_at is None and job.status == ImportStatus.PENDING:
        return redirect("contacts:import_mapping", job_id=job.pk)
    return render(request, "contacts/import/status.html", _status_context(request, job))


@require_perm("contacts.edit")
def import_progress(request: TenantRequest, job_id: int) -> HttpResponse:
    """The htmx partial polled every second while the job runs; once it has finished it
    sends the browser to the result page."""
    job = access_job(request=request, job_id=job_id)
    if not job.is_active:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("contacts:import_status", kwargs={"job_id": job.pk})
        return response
    return render(
        request,
        "contacts/import/partials/progress.html",
        {"job": job, "saving_from": services.STAGE_SHARE},
    )


@require_perm("contacts.edit")
def import_errors(request: TenantRequest, job_id: int) -> HttpResponse:
    job = access_job(request=request, job_id=job_id)
    if not job.error_report_path or not default_storage.exists(job.error_report_path):
        raise Http404
    stem = job.file_name.rsplit(".", 1)[0]
    # A FileResponse streams after the middleware returned: it reads a file, no database.
    response: HttpResponse = FileResponse(  # type: ignore[assignment]
        default_storage.open(job.error_report_path, "rb"),
        as_attachment=True,
        filename=f"{stem}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )
    return response


@require_POST
@require_perm("contacts.edit")
def import_undo(request: TenantRequest, job_id: int) -> HttpResponse:
    job = access_job(request=request, job_id=job_id)
    try:
        outcome = services.import_undo(tenant=request.tenant, job=job, actor=request.user)
    except services.ImportUndoError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Import undone: %(deleted)s contacts deleted, %(restored)s restored.") % outcome,
        )
    return redirect("contacts:import_status", job_id=job.pk)
