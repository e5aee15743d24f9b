"""Export pages: choose a format for the current list -> job with progress -> download.
Views parse, check access, call a service, render."""

from __future__ import annotations

from django import forms
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from crm.core.forms import StyledFormMixin
from crm.core.http import TenantRequest
from crm.core.permissions import require_perm

from . import selectors, services
from .models import ExportEncoding, ExportFormat, ExportStatus

RECENT_JOBS = 10
# What the user picks -> (format, encoding).
KINDS = {
    "csv": (ExportFormat.CSV, ExportEncoding.UTF8),
    "csv_cp932": (ExportFormat.CSV, ExportEncoding.CP932),
    "xlsx": (ExportFormat.XLSX, ExportEncoding.UTF8),
    "jsonl": (ExportFormat.JSONL, ExportEncoding.UTF8),
}


class ExportForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            ("csv", gettext_lazy("CSV (UTF-8)")),
            ("csv_cp932", gettext_lazy("CSV (CP932, for Excel in Japanese)")),
            ("xlsx", gettext_lazy("Excel (.xlsx)")),
            ("jsonl", gettext_lazy("JSON Lines (for programs; the API's field names)")),
        ],
        initial="csv",
        widget=forms.RadioSelect,
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput)


@require_perm("contacts.edit")
def export_start(request: TenantRequest) -> HttpResponse:
    """GET: the choice of format for the list as filtered (the list's query string);
    POST: start the job."""
    tenant, membership = request.tenant, request.membership
    if request.method == "POST":
        form = ExportForm(request.POST)
        query = request.POST.get("query", "")
    else:
        query = selectors.export_params(request.GET).urlencode()
        form = ExportForm(initial={"query": query})
    selection = selectors.export_selection(tenant=tenant, membership=membership, query=query)
    empty = not selection.errors and not selection.contacts.exists()
    if request.method == "POST" and form.is_valid() and not selection.errors and not empty:
        fmt, encoding = KINDS[form.cleaned_data["kind"]]
        try:
            job = services.export_job_create(
                tenant=tenant, membership=membership, fmt=fmt, encoding=encoding, query=query
            )
        except services.ExportError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("contacts:export_status", job_id=job.pk)
    jobs = selectors.export_jobs(tenant=tenant, membership=membership)[:RECENT_JOBS]
    list_url = reverse("contacts:list") + (f"?{query}" if query else "")
    return render(
        request,
        "contacts/export/start.html",
        {
            "form": form,
            "query": query,
            "query_label": services.export_query_label(query),
            "filter_errors": selection.errors,
            "empty": empty,
            "list_url": list_url,
            "jobs": list(jobs),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_perm("contacts.edit")
def export_status(request: TenantRequest, job_id: int) -> HttpResponse:
    job = selectors.access_export_job(
        tenant=request.tenant, membership=request.membership, job_id=job_id
    )
    return render(
        request,
        "contacts/export/status.html",
        {"job": job, "query_label": services.export_query_label(job.query)},
    )


@require_perm("contacts.edit")
def export_progress(request: TenantRequest, job_id: int) -> HttpResponse:
    """The htmx partial polled every second while the job runs; once it has finished it
    sends the browser to the result page."""
    job = selectors.access_export_job(
        tenant=request.tenant, membership=request.membership, job_id=job_id
    )
    if not job.is_active:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("contacts:export_status", kwargs={"job_id": job.pk})
        return response
    return render(request, "contacts/export/partials/progress.html", {"job": job})


@require_perm("contacts.edit")
def export_download(request: TenantRequest, job_id: int) -> HttpResponse:
    """Only the requester (or an admin) gets the file; anyone else, and another tenant,
    gets 404."""
    job = selectors.access_export_job(
        tenant=request.tenant, membership=request.membership, job_id=job_id
    )
    if (
        job.status != ExportStatus.DONE
        or not job.file_path
        or not default_storage.exists(job.file_path)
    ):
        raise Http404
    content_type = services.CONTENT_TYPES[ExportFormat(job.file_format)]
    if job.file_format == ExportFormat.CSV:
        content_type += "; charset=" + ("shift_jis" if job.encoding == "cp932" else "utf-8")
    # A FileResponse streams after the middleware returned: it reads a file, no database.
    response: HttpResponse = FileResponse(  # type: ignore[assignment]
        default_storage.open(job.file_path, "rb"),
        as_attachment=True,
        filename=job.download_name,
        content_type=content_type,
    )
    return response
