"""Jobs whose worker died are failed by the reaper instead of staying "running" forever;
live ones (heartbeat in Redis) and finished ones are left alone; tenants stay apart."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from contacts.exports.models import ExportJob, ExportStatus
from contacts.importers.models import ImportJob, ImportStatus
from crm.core import jobs
from crm.core.context import tenant_context
from crm.core.tasks import reap_stalled_jobs
from sales.catalog.models import OrderImportJob
from tests.conftest import wait_until
from tests.factories import make_contact

pytestmark = pytest.mark.django_db(transaction=True)


def _import_job(tenant, status=ImportStatus.RUNNING, language="ja") -> ImportJob:
    with tenant_context(tenant):
        return ImportJob.objects.create(
            tenant=tenant, file_name="list.csv", status=status, language=language
        )


def _status(tenant, model, pk) -> tuple[str, str]:
    with tenant_context(tenant):
        job = model.objects.get(pk=pk)
    return job.status, job.error_message


def test_a_running_job_without_heartbeat_is_failed_by_the_worker(
    tenant, other_tenant, member, member_client, celery_worker
) -> None:
    dead = _import_job(tenant)
    done = _import_job(tenant, ImportStatus.DONE)
    elsewhere = _import_job(other_tenant)
    with tenant_context(tenant):
        export = ExportJob.objects.create(
            tenant=tenant, requested_by=member, file_format="csv", status=ExportStatus.RUNNING
        )
        orders = OrderImportJob.objects.create(
            tenant=tenant, file_name="o.csv", source_path="x", status=OrderImportJob.Status.RUNNING
        )

    reap_stalled_jobs.apply_async(kwargs={"tenant_id": tenant.pk})
    wait_until(lambda: _status(tenant, OrderImportJob, orders.pk)[0] == "failed", timeout=30)
    wait_until(lambda: _status(tenant, ExportJob, export.pk)[0] == "failed", timeout=30)
    status, message = _status(tenant, ImportJob, dead.pk)
    assert status == "failed" and "ワーカーが停止" in message  # the uploader's language
    english = _import_job(tenant, language="en")
    with tenant_context(tenant):
        assert jobs.reap_stalled(tenant=tenant) == {"contacts.import": 1}
    assert "worker running it went away" in _status(tenant, ImportJob, english.pk)[1]
    assert _status(tenant, ExportJob, export.pk)[0] == "failed"
    assert _status(tenant, OrderImportJob, orders.pk)[0] == "failed"
    assert _status(tenant, ImportJob, done.pk) == ("done", "")
    assert _status(other_tenant, ImportJob, elsewhere.pk)[0] == "running"  # not this tenant's

    # The user sees why on the job's page.
    page = member_client.get(
        reverse("contacts:import_status", kwargs={"job_id": dead.pk}), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    assert "ワーカーが停止" in page


def test_a_job_with_a_live_heartbeat_is_left_running_until_it_stops(tenant) -> None:
    job = _import_job(tenant)
    with jobs.heartbeat("contacts.import", tenant_id=tenant.pk, job_id=job.pk):
        with tenant_context(tenant):
            assert jobs.reap_stalled(tenant=tenant) == {}
        assert _status(tenant, ImportJob, job.pk)[0] == "running"
    assert cache.get(jobs.heartbeat_key("contacts.import", tenant.pk, job.pk)) is None
    with tenant_context(tenant):
        assert jobs.reap_stalled(tenant=tenant) == {"contacts.import": 1}


def test_a_job_that_finishes_while_the_reaper_looks_is_not_failed(tenant) -> None:
    """The reaper's UPDATE re-checks the status: a job marked done after the reaper read
    its id keeps its result."""
    job = _import_job(tenant)
    real_get_many = cache.get_many

    def finish_then_answer(keys):
        with tenant_context(tenant):
            ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE)
        return real_get_many(keys)

    cache.get_many = finish_then_answer  # type: ignore[method-assign]
    try:
        with tenant_context(tenant):
            assert jobs.reap_stalled(tenant=tenant) == {}
    finally:
        cache.get_many = real_get_many  # type: ignore[method-assign]
    assert _status(tenant, ImportJob, job.pk) == ("done", "")


def test_a_real_export_run_leaves_no_heartbeat_behind(member_client, tenant, celery_worker) -> None:
    make_contact(tenant, last_name="山田", email="yamada@example.com")
    response = member_client.post(reverse("contacts:export"), {"kind": "csv"})
    assert response.status_code == 302
    with tenant_context(tenant):
        job = ExportJob.objects.get()

    def finished():
        with tenant_context(tenant):
            job.refresh_from_db()
        return job.status == "done"

    wait_until(finished, timeout=60)
    assert cache.get(jobs.heartbeat_key("contacts.export", tenant.pk, job.pk)) is None


def test_an_unregistered_job_kind_is_refused() -> None:
    with pytest.raises(KeyError), jobs.heartbeat("nope.job", tenant_id=1, job_id=1):
        pass
