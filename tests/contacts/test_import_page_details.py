"""What the import pages show to help a user through a messy file (without a browser; the
whole flow in Chromium is tests/e2e/test_import_flow.py): example values on the mapping page,
the rows with problems further down in the preview, the result page's problem lines with a
link to each contact, and a refused upload naming the file."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.importers.models import ImportJob
from crm.core.context import tenant_context
from tests.contacts.import_helpers import csv_bytes, run_import

pytestmark = pytest.mark.django_db

CSV = csv_bytes(
    "氏名,Eメール,TEL,生年月日,車種\n"
    "山田 太郎,taro@example.com,０３（１２３４）５６７８,1980/1/2,ヤリス\n"
    "佐藤 花子,hanako@example.com,,1990/1/2,フィット\n"
    "鈴木 一郎,ichiro@example.com,,2023/2/30,アクア\n"
    ",,,,only a car\n"
)


def _upload(client, data: bytes = CSV, name: str = "list.csv"):
    return client.post(reverse("contacts:import_upload"), {"file": SimpleUploadedFile(name, data)})


def _job(tenant) -> ImportJob:
    with tenant_context(tenant):
        return ImportJob.objects.get()


def test_the_mapping_page_shows_example_values_of_each_column(member_client, tenant) -> None:
    _upload(member_client)
    job = _job(tenant)
    html = member_client.get(reverse("contacts:import_mapping", args=[job.pk])).content.decode()
    assert 'data-testid="map-examples-4"' in html
    assert "ヤリス · フィット · アクア" in html  # the unrecognized column, told apart by its values


def test_the_preview_adds_the_rows_with_problems_further_down(
    member_client, tenant, settings
) -> None:
    settings.IMPORT_PREVIEW_ROWS = 1
    _upload(member_client)
    job = _job(tenant)
    html = member_client.get(reverse("contacts:import_preview", args=[job.pk])).content.decode()
    first, problems = html.split('data-testid="preview-problems"')
    assert "山田 太郎" in first and "03-1234-5678" in first  # national format, as shown later
    assert "鈴木 一郎" in problems and "佐藤 花子" not in html  # only rows with problems
    assert problems.count('data-testid="preview-warning"') == 1
    assert problems.count('data-testid="preview-rejected"') == 1
    assert "We checked all 4 rows of the file." in first
    assert "1 value will be left empty;" in first and "1 row will not be imported." in first


def test_the_result_page_lists_problems_with_a_link_to_the_contact(member_client, tenant) -> None:
    job = run_import(tenant, CSV)
    assert (job.warnings, job.rejected) == (1, 1)
    html = member_client.get(reverse("contacts:import_status", args=[job.pk])).content.decode()
    assert html.count('data-testid="report-line"') == 2
    find = f"{reverse('contacts:list')}?q={quote('ichiro@example.com')}"
    assert f'href="{find}" data-testid="find-contact"' in html
    assert html.count('data-testid="find-contact"') == 1  # a row not imported has no contact


def test_a_refused_upload_names_the_file(member_client, tenant) -> None:
    response = _upload(member_client, csv_bytes("a,b\n1,2\n"), "顧客一覧.csv")
    html = response.content.decode()
    assert "“顧客一覧.csv”: No column of the first row was recognized" in html
    with tenant_context(tenant):
        assert ImportJob.objects.count() == 0
