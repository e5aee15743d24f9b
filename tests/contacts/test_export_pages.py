"""The export in the browser: the list's Export button carries the query string, the
format choice, the job on a real Celery worker with htmx progress, the download (the
requester's or an admin's only; another tenant's is 404), empty and error states."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from contacts.exports.models import ExportJob
from contacts.exports.services import export_delete_expired, export_job_create, export_run
from crm.core.context import tenant_context
from crm.core.models import Membership, Tenant
from crm.core.roles import Role
from tests.conftest import wait_until
from tests.factories import make_contact, make_member


def _jobs(tenant: Any) -> list[ExportJob]:
    with tenant_context(tenant):
        return list(ExportJob.objects.order_by("id"))


def run_export_job(tenant: Any, user: Any, fmt: str = "csv", query: str = "", **kw: Any) -> Any:
    """Create a job the way the page does and run it here (no worker)."""
    with tenant_context(tenant):
        tenant = Tenant.objects.get(pk=tenant.pk)
        membership = Membership.objects.select_related("user").get(user=user)
        job = export_job_create(tenant=tenant, membership=membership, fmt=fmt, query=query, **kw)
        return export_run(tenant=tenant, job_id=job.pk)


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_the_lists_export_button_carries_the_search(member_client, tenant) -> None:
    make_contact(tenant, last_name="佐藤")
    html = member_client.get(reverse("contacts:list") + "?q=佐藤&before=99").content.decode()
    assert 'data-testid="export-link"' in html
    assert reverse("contacts:export") + "?q=%E4%BD%90%E8%97%A4" in html
    page = member_client.get(reverse("contacts:export") + "?q=佐藤").content.decode()
    assert 'data-testid="export-form"' in page and "q=佐藤" in page


@pytest.mark.django_db
def test_an_empty_list_has_nothing_to_export(member_client, tenant) -> None:
    make_contact(tenant, last_name="佐藤")
    url = reverse("contacts:export") + "?q=存在しない"
    html = member_client.get(url).content.decode()
    assert 'data-testid="export-empty"' in html and 'data-testid="export-form"' not in html
    response = member_client.post(
        reverse("contacts:export"), {"kind": "csv", "query": "q=存在しない"}
    )
    assert response.status_code == 400
    assert _jobs(tenant) == []


@pytest.mark.django_db
def test_a_filter_that_cannot_be_read_is_explained_and_nothing_starts(member_client, tenant):
    make_contact(tenant, last_name="佐藤")
    response = member_client.post(reverse("contacts:export"), {"kind": "csv", "query": "owner=x"})
    assert response.status_code == 400
    assert 'data-testid="export-filter-errors"' in response.content.decode()
    assert _jobs(tenant) == []
    response = member_client.post(reverse("contacts:export"), {"kind": "pdf", "query": ""})
    assert response.status_code == 400 and 'data-testid="error-kind"' in response.content.decode()
    assert _jobs(tenant) == []


@pytest.mark.django_db(transaction=True)
def test_the_export_runs_as_a_job_with_progress_and_a_download(
    member_client, tenant, celery_worker
) -> None:
    make_contact(tenant, last_name="佐藤", first_name="花子", email="hanako@example.com")
    make_contact(tenant, last_name="山田", first_name="太郎")
    response = member_client.post(reverse("contacts:export"), {"kind": "xlsx", "query": "q=佐藤"})
    (job,) = _jobs(tenant)
    status_url = reverse("contacts:export_status", kwargs={"job_id": job.pk})
    assert response.url == status_url
    progress_url = reverse("contacts:export_progress", kwargs={"job_id": job.pk})

    def finished() -> Any:
        response = member_client.get(progress_url)
        return response if response.status_code == 204 else None

    done = wait_until(finished, timeout=60)
    assert done["HX-Redirect"] == status_url
    (job,) = _jobs(tenant)
    assert (job.status, job.rows_done, job.rows_total, job.progress) == ("done", 1, 1, 100)
    assert job.file_path.startswith(f"exports/{tenant.pk}/")
    html = member_client.get(status_url).content.decode()
    assert 'data-testid="export-download"' in html
    download = member_client.get(reverse("contacts:export_download", kwargs={"job_id": job.pk}))
    assert download["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(_body(download)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 2 and "hanako@example.com" in rows[1]


@pytest.mark.django_db
def test_cp932_replacements_are_reported_on_the_result_page(member_client, member, tenant):
    make_contact(tenant, last_name="𠮷野")
    job = run_export_job(tenant, member, encoding="cp932")
    assert job.replaced_cells == 1
    html = member_client.get(reverse("contacts:export_status", kwargs={"job_id": job.pk}))
    assert 'data-testid="export-replaced"' in html.content.decode()
    body = _body(member_client.get(reverse("contacts:export_download", kwargs={"job_id": job.pk})))
    assert "?野".encode("cp932") in body


@pytest.mark.django_db
def test_only_the_requester_or_an_admin_gets_the_file(tenant, member) -> None:
    rep = make_member(tenant, Role.SALES)
    colleague = make_member(tenant, Role.SALES)
    admin = make_member(tenant, Role.ADMIN)
    make_contact(tenant, last_name="佐藤", owner=rep.pk)
    job = run_export_job(tenant, rep)
    url = reverse("contacts:export_download", kwargs={"job_id": job.pk})
    for user, status in ((rep, 200), (admin, 200), (colleague, 404)):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status
        status_url = reverse("contacts:export_status", kwargs={"job_id": job.pk})
        assert client.get(status_url).status_code == status


@pytest.mark.django_db
def test_another_tenants_export_is_not_found(tenant, member, outsider_client) -> None:
    make_contact(tenant, last_name="佐藤")
    job = run_export_job(tenant, member)
    for name in ("contacts:export_status", "contacts:export_progress", "contacts:export_download"):
        assert outsider_client.get(reverse(name, kwargs={"job_id": job.pk})).status_code == 404


@pytest.mark.django_db
def test_a_failed_export_says_why(member_client, member, tenant) -> None:
    make_contact(tenant, last_name="佐藤")
    job = run_export_job(tenant, member)
    with tenant_context(tenant):
        ExportJob.objects.filter(pk=job.pk).update(status="pending", query="owner=x")
        job = export_run(tenant=tenant, job_id=job.pk)  # e.g. a filter that no longer reads
    html = member_client.get(reverse("contacts:export_status", kwargs={"job_id": job.pk}))
    assert job.status == "failed" and 'data-testid="export-failure"' in html.content.decode()
    assert "owner" in job.error_message
    url = reverse("contacts:export_download", kwargs={"job_id": job.pk})
    assert member_client.get(url).status_code == 404


@pytest.mark.django_db
def test_old_files_are_deleted_and_the_job_says_so(member_client, member, tenant) -> None:
    from django.core.files.storage import default_storage

    make_contact(tenant, last_name="佐藤")
    job = run_export_job(tenant, member)
    assert default_storage.exists(job.file_path)
    with tenant_context(tenant):
        assert export_delete_expired(tenant=tenant, days=1) == 0
        assert export_delete_expired(tenant=tenant, days=0) == 1
    assert not default_storage.exists(job.file_path)
    html = member_client.get(reverse("contacts:export_status", kwargs={"job_id": job.pk}))
    assert 'data-testid="export-expired"' in html.content.decode()


@pytest.mark.django_db(transaction=True)
def test_beat_deletes_old_files_tenant_by_tenant_on_the_worker(
    member, tenant, settings, celery_worker
) -> None:
    import datetime as dt

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from contacts.exports.tasks import delete_old_exports_all_tenants

    assert "contacts-delete-old-exports" in settings.CELERY_BEAT_SCHEDULE
    make_contact(tenant, last_name="佐藤")
    old, fresh = run_export_job(tenant, member), run_export_job(tenant, member)
    with tenant_context(tenant):
        days = settings.EXPORT_KEEP_DAYS + 1
        ExportJob.objects.filter(pk=old.pk).update(
            finished_at=timezone.now() - dt.timedelta(days=days)
        )
    assert delete_old_exports_all_tenants() >= 1

    def expired() -> bool:
        return [j.status for j in _jobs(tenant)] == ["expired", "done"]

    wait_until(expired, timeout=60)
    assert not default_storage.exists(old.file_path)
    assert default_storage.exists(fresh.file_path)
