"""The browser's order import: upload (stored under the tenant's folder), mapping, then a
Celery job on the imports queue that calls importers.import_orders and records the result."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contacts.importers.readers import ImportFileError, check_size, inspect, read_header_and_sample
from crm.core.jobs import heartbeat
from crm.core.models import Tenant
from crm.core.tasks import enqueue_on_commit

from . import importers
from .models import OrderImportJob


def _folder(tenant: Tenant) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "order_imports" / str(tenant.pk)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def import_job_create(
    *, tenant: Tenant, actor: Any, upload: Any, create_customers: bool
) -> OrderImportJob:
    check_size(upload.size)
    path = _folder(tenant) / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()[:6]}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        with path.open("rb") as fh:
            info = inspect(fh, upload.name)
            header, _sample = read_header_and_sample(fh, info, 5)
    except ImportFileError:
        path.unlink(missing_ok=True)
        raise
    return OrderImportJob.objects.create(
        tenant=tenant,
        file_name=upload.name[:255],
        source_path=str(path),
        header=header,
        mapping=importers.auto_mapping(header),
        create_customers=create_customers,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


def access_import_job(*, tenant: Tenant, job_id: int) -> OrderImportJob:
    job = OrderImportJob.objects.filter(tenant=tenant, pk=job_id).first()
    if job is None:
        raise Http404
    return job


def import_job_start(*, tenant: Tenant, job: OrderImportJob, mapping: list[str]) -> None:
    from .tasks import import_orders_job

    OrderImportJob.objects.filter(tenant=tenant, pk=job.pk).update(
        mapping=mapping, status=OrderImportJob.Status.QUEUED
    )
    enqueue_on_commit(import_orders_job, tenant_id=tenant.pk, job_id=job.pk)


def import_job_run(*, tenant: Tenant, job_id: int) -> OrderImportJob:
    """Idempotent: a job that already ran is left alone (a redelivered task does nothing)."""
    job = access_import_job(tenant=tenant, job_id=job_id)
    with heartbeat("sales.order_import", tenant_id=tenant.pk, job_id=job.pk):
        return _import_job_run(tenant, job)


def _import_job_run(tenant: Tenant, job: OrderImportJob) -> OrderImportJob:
    if job.status not in (OrderImportJob.Status.QUEUED,):
        return job
    OrderImportJob.objects.filter(pk=job.pk).update(
        status=OrderImportJob.Status.RUNNING, progress=5
    )

    def progress(percent: int) -> None:
        OrderImportJob.objects.filter(pk=job.pk).update(progress=percent)

    try:
        with (
            translation.override(job.language or settings.LANGUAGE_CODE),
            open(job.source_path, "rb") as fh,
        ):
            result = importers.import_orders(
                tenant=tenant,
                fh=fh,
                file_name=job.file_name,
                mapping=job.mapping,
                create_customers=job.create_customers,
                actor=job.created_by,
                progress=progress,
            )
    except ImportFileError as exc:
        OrderImportJob.objects.filter(pk=job.pk).update(
            status=OrderImportJob.Status.FAILED, error_message=str(exc), finished_at=timezone.now()
        )
    except Exception:
        OrderImportJob.objects.filter(pk=job.pk).update(
            status=OrderImportJob.Status.FAILED,
            error_message=_(
                "The import stopped because of an error on our side. Nothing was "
                "imported; try again, and tell us if it happens again."
            ),
            finished_at=timezone.now(),
        )
        raise
    else:
        OrderImportJob.objects.filter(pk=job.pk).update(
            status=OrderImportJob.Status.DONE,
            progress=100,
            result={**result.counts(), "problems": result.problems[:200]},
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job
