"""The import in the browser (upload -> mapping -> preview -> job with progress -> result,
error report, undo) and through the API; the job runs on a real Celery worker."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.importers.models import ImportJob
from contacts.models import Contact
from crm.core.context import tenant_context
from tests.conftest import wait_until
from tests.contacts.import_helpers import SAMPLE, csv_bytes, run_import

CSV = csv_bytes(
    "氏名,Eメール,TEL,生年月日,備考\n"
    "山田 太郎,taro@example.com,03-1234-5678,2023/2/30,=1+1\n"
    ",,,,only a note\n"
    "佐藤 花子,hanako@example.com,,1990/1/2,\n"
)


def _upload(client, data: bytes = CSV, name: str = "list.csv"):
    return client.post(reverse("contacts:import_upload"), {"file": SimpleUploadedFile(name, data)})


def _job(tenant) -> ImportJob:
    with tenant_context(tenant):
        return ImportJob.objects.get()


@pytest.mark.django_db
def test_upload_proposes_a_mapping_and_refuses_two_columns_for_one_field(
    member_client, tenant
) -> None:
    response = _upload(member_client)
    job = _job(tenant)
    assert response.url == reverse("contacts:import_mapping", kwargs={"job_id": job.pk})
    page = member_client.get(response.url).content.decode()
    assert '<option value="email" selected>' in page
    assert '<option value="phone" selected>' in page
    bad = {"col_0": "full_name", "col_1": "email", "col_2": "email", "col_3": "", "col_4": ""}
    response = member_client.post(response.url, bad)
    assert response.status_code == 400
    assert "both mapped to" in response.content.decode()
    with tenant_context(tenant):
        job.refresh_from_db()
    assert job.mapping[2] == "phone"  # nothing stored changed


@pytest.mark.django_db
def test_preview_marks_warnings_and_rejected_rows(member_client, tenant) -> None:
    _upload(member_client)
    job = _job(tenant)
    page = member_client.get(reverse("contacts:import_preview", kwargs={"job_id": job.pk}))
    html = page.content.decode()
    assert html.count('data-testid="preview-warning"') == 1  # 2023/2/30
    assert html.count('data-testid="preview-rejected"') == 1
    assert "山田 太郎" in html
    with tenant_context(tenant):
        assert Contact.objects.count() == 0  # a preview saves nothing


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\x81\x20\xff\xff" * 50, "broken.csv", "neither UTF-8 nor Shift_JIS"),
        (csv_bytes("a,b\n1,2\n"), "x.csv", "No column of the first row was recognized"),
    ],
)
def test_a_bad_upload_is_refused_next_to_the_field(member_client, tenant, data, name, message):
    response = _upload(member_client, data, name)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="error-file"' in html and message in html
    with tenant_context(tenant):
        assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_an_upload_over_the_size_limit_is_refused(member_client, tenant, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 50
    response = _upload(member_client)
    assert "largest file you can import" in response.content.decode()
    with tenant_context(tenant):
        assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_the_result_page_offers_the_report_and_undo(member_client, tenant) -> None:
    job = run_import(tenant, CSV)
    page = member_client.get(reverse("contacts:import_status", kwargs={"job_id": job.pk}))
    html = page.content.decode()
    assert 'data-testid="count-created">2<' in html and 'data-testid="count-rejected">1<' in html
    report = member_client.get(reverse("contacts:import_errors", kwargs={"job_id": job.pk}))
    body = b"".join(report.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf") and b"2023/2/30" in body
    assert 'data-testid="undo-import"' in html
    response = member_client.post(reverse("contacts:import_undo", kwargs={"job_id": job.pk}))
    assert response.status_code == 302
    with tenant_context(tenant):
        assert Contact.objects.count() == 0
    assert (
        member_client.get(reverse("contacts:import_undo", kwargs={"job_id": job.pk})).status_code
        == 405
    )


@pytest.mark.django_db(transaction=True)
def test_the_import_runs_as_a_job_with_progress(member_client, tenant, celery_worker) -> None:
    with open(SAMPLE, "rb") as fh:
        _upload(member_client, fh.read(), "顧客一覧.csv")
    job = _job(tenant)
    preview = reverse("contacts:import_preview", kwargs={"job_id": job.pk})
    response = member_client.post(preview)
    status_url = reverse("contacts:import_status", kwargs={"job_id": job.pk})
    assert response.url == status_url
    progress_url = reverse("contacts:import_progress", kwargs={"job_id": job.pk})

    def finished():
        response = member_client.get(progress_url)
        return response if response.status_code == 204 else None

    done = wait_until(finished, timeout=60)
    assert done["HX-Redirect"] == status_url
    with tenant_context(tenant):
        job.refresh_from_db()
    assert (job.status, job.rows, job.rejected) == ("done", 321, 6)
    assert job.created + job.updated + job.rejected == job.rows
    assert job.progress == 100
    html = member_client.get(status_url).content.decode()
    assert f'data-testid="count-created">{job.created}<' in html


@pytest.mark.django_db(transaction=True)
def test_the_api_uploads_and_reports_status(api_client, tenant, celery_worker) -> None:
    url = reverse("contact-import-list")
    response = api_client.post(
        url,
        {"file": SimpleUploadedFile("list.csv", CSV), "mapping": '["full_name","email","","",""]'},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    detail = reverse("contact-import-detail", kwargs={"pk": response.json()["id"]})

    def done():
        data = api_client.get(detail).json()
        return data if data["status"] == "done" else None

    result = wait_until(done, timeout=60)
    assert (result["rows"], result["created"], result["rejected"], result["warnings"]) == (
        3,
        2,
        1,
        0,
    )
    with tenant_context(tenant):
        assert Contact.objects.get(email="taro@example.com").phone == ""  # TEL not mapped


@pytest.mark.django_db
def test_the_api_refuses_a_bad_mapping(api_client, tenant) -> None:
    response = api_client.post(
        reverse("contact-import-list"),
        {"file": SimpleUploadedFile("list.csv", CSV), "mapping": '["email","email","","",""]'},
        format="multipart",
    )
    assert response.status_code == 400
    assert "both mapped to" in str(response.json()["error"])
    with tenant_context(tenant):
        assert ImportJob.objects.count() == 0


@pytest.mark.django_db
def test_another_tenants_import_is_not_found(tenant, other_api_client, outsider_client) -> None:
    job = run_import(tenant, CSV)
    assert (
        other_api_client.get(reverse("contact-import-detail", kwargs={"pk": job.pk})).status_code
        == 404
    )
    assert (
        outsider_client.get(
            reverse("contacts:import_errors", kwargs={"job_id": job.pk})
        ).status_code
        == 404
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_writes_the_report_in_the_uploaders_language(
    member_client, tenant, celery_worker
) -> None:
    """The worker's own default language is English in tests; a Japanese uploader still
    gets Japanese reasons in the error report."""
    member_client.post(
        reverse("contacts:import_upload"),
        {"file": SimpleUploadedFile("list.csv", CSV)},
        HTTP_ACCEPT_LANGUAGE="ja",
    )
    job = _job(tenant)
    assert job.language == "ja"
    member_client.post(reverse("contacts:import_preview", kwargs={"job_id": job.pk}))

    def finished():
        with tenant_context(tenant):
            job.refresh_from_db()
        return job.status == "done"

    wait_until(finished, timeout=60)
    report = member_client.get(reverse("contacts:import_errors", kwargs={"job_id": job.pk}))
    body = b"".join(report.streaming_content).decode("utf-8-sig")
    assert "2023/2/30" in body and "空欄にしました。" in body
    assert "Left empty." not in body
