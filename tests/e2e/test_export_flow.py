"""In the browser: a user searches the contact list, clicks Export, picks CSV, watches the
job's progress (a real Celery worker) and downloads the file, which holds the search's
contacts only, in UTF-8 with a BOM."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from crm.core.context import tenant_context
from crm.core.services.customfields import customfield_create
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_contact

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_user_exports_the_searched_list_as_csv(
    live_server, page: Page, tenant, member, celery_worker
) -> None:
    base = live_server.url
    with tenant_context(tenant):
        customfield_create(
            tenant=tenant, object_type="contact", key="rank", field_type="text", label="ランク"
        )
    make_contact(
        tenant,
        last_name="佐藤",
        first_name="花子",
        email="hanako@example.com",
        custom_fields={"rank": "ゴールド"},
    )
    make_contact(tenant, last_name="佐藤", first_name="=1+1")
    make_contact(tenant, last_name="山田", first_name="太郎", email="taro@example.com")
    login(page, base, member.email, PASSWORD)

    page.goto(f"{base}/contacts/?q=佐藤")
    expect(page.get_by_test_id("contact-row")).to_have_count(2)
    page.get_by_test_id("export-link").click()
    expect(page.get_by_test_id("export-form")).to_be_visible()
    page.check("input[name=kind][value=csv]")
    page.get_by_test_id("export-submit").click()

    # the status page polls the job (htmx) and turns into the download link when done
    expect(page.get_by_test_id("export-download")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("export-status")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_test_id("export-download").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted(r["first_name"] for r in rows) == ["'=1+1", "花子"]
    assert {r["last_name"] for r in rows} == {"佐藤"}
    assert next(r for r in rows if r["first_name"] == "花子")["rank"] == "ゴールド"
