"""Issue 3, "done means": the import tried as a new user would, with the CP932 list an old
system produced (shared/data/sample_contacts_cp932.csv): find Import from the empty contact
list, upload, check the auto-matched columns, see the per-cell warnings in the preview, run it
on the real worker with a progress bar, check the counts and the error report, fix a contact
whose impossible date was left empty, and undo a second import from its result page. Bad files
get a clear message (English and Japanese) and store nothing; the pages work at 375 px."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from playwright.sync_api import Browser, Page, expect

from contacts.importers.models import ImportJob
from contacts.models import Contact
from crm.core.context import tenant_context
from tests.conftest import ARTIFACTS, ROOT
from tests.e2e.conftest import _new_page, login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# CI checks the shared folder out beside the clone (../shared), as it sits here.
SAMPLE = ROOT.parent / "shared" / "data" / "sample_contacts_cp932.csv"
SHOTS = ARTIFACTS / "import-flow"
# contacts.importers.services takes this advisory lock per tenant for the merge step, so two
# imports of one tenant take turns; holding it keeps a started import visibly in progress.
IMPORT_LOCK = 7301


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def narrow_page(browser: Browser, request: Any) -> Iterator[Page]:
    """The smallest common phone (iPhone SE / mini width)."""
    yield from _new_page(
        browser, request, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )


def _sample_rows() -> list[list[str]]:
    with open(SAMPLE, encoding="cp932", newline="") as fh:
        return list(csv.reader(fh))


def _report_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _stored_files(tenant: Any) -> set[str]:
    root = f"imports/{tenant.pk}"
    found: set[str] = set()

    def walk(path: str) -> None:
        if not default_storage.exists(path):
            return
        dirs, files = default_storage.listdir(path)
        found.update(f"{path}/{f}" for f in files)
        for d in dirs:
            walk(f"{path}/{d}")

    walk(root)
    return found


def test_a_new_user_imports_a_cp932_list_fixes_a_warning_and_undoes_an_import(
    live_server, page: Page, tenant, member, celery_worker, tmp_path: Path
) -> None:
    base = live_server.url
    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))

    # 1. The empty contact list leads to the import page, which has no imports yet.
    page.goto(f"{base}/contacts/")
    page.get_by_test_id("empty-import-link").click()
    expect(page).to_have_url(re.compile(r"/contacts/import/$"))
    shot(page, "01-upload-empty")
    expect(page.locator(".empty-state")).to_be_visible()

    # 2. Upload the old system's CP932 file: the recognized headers come pre-selected.
    page.set_input_files("input[name=file]", str(SAMPLE))
    page.get_by_test_id("import-upload-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("mapping-form")).to_be_visible()
    shot(page, "02-mapping")
    header = _sample_rows()[0]
    expected = {
        "会社名": "company",
        "氏名": "full_name",
        "フリガナ": "full_kana",
        "メールアドレス": "email",
        "電話番号": "phone",
        "郵便番号": "postal_code",
        "住所": "address",
        "生年月日": "birth_date",
        "車種": "",
        "車検日": "",
        "備考": "",
    }
    for index, name in enumerate(header):
        expect(page.get_by_test_id(f"map-{index}")).to_have_value(expected[name])
    # an unrecognized column shows what it holds, to decide what to do with it
    expect(page.get_by_test_id(f"map-examples-{header.index('車種')}")).to_contain_text("ヤリス")
    page.get_by_test_id("mapping-form").locator("button[type=submit]").click()

    # 3. The preview: the first rows as they will be saved, invalid cells marked with why.
    table = page.get_by_test_id("preview-table")
    expect(table).to_be_visible()
    shot(page, "03-preview")
    expect(page.get_by_test_id("preview-summary")).to_be_visible()
    # The first rows, and the rows with problems further down: each bad cell says why.
    expect(table.locator("tbody tr")).to_have_count(20)
    expect(table).to_contain_text("070-9549-2224")  # shown as the contact page will show it
    problems = page.get_by_test_id("preview-problems")
    warnings = problems.get_by_test_id("preview-warning")
    assert warnings.count() > 0
    expect(warnings.first.locator("div")).not_to_have_text("")
    expect(page.get_by_test_id("preview-rejected").first).to_be_visible()
    with tenant_context(tenant):
        assert Contact.objects.count() == 0  # nothing saved yet

    # 4. Run it on the worker: while another import of the tenant holds the merge lock, the
    # page shows the bar in progress; then it moves on to done by itself.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [IMPORT_LOCK, tenant.pk])
    try:
        page.get_by_test_id("start-import").click()
        bar = page.get_by_test_id("import-progress").get_by_role("progressbar")
        expect(bar).to_have_attribute("aria-valuenow", "80", timeout=60_000)
        shot(page, "04-progress")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK, tenant.pk])
    expect(page.get_by_test_id("import-counts")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("import-progress")).to_have_count(0)
    shot(page, "05-result")

    # 5. The counts add up to the file's data rows.
    data_rows = [r for r in _sample_rows()[1:] if any(cell.strip() for cell in r)]

    def count(name: str) -> int:
        return int(page.get_by_test_id(f"count-{name}").inner_text())

    assert count("rows") == len(data_rows)
    assert count("created") + count("updated") + count("rejected") == count("rows")
    assert count("rejected") > 0 and count("warnings") > 0

    # 6. The error report: one line per warning and per rejected row, with row and column.
    with page.expect_download() as download_info:
        page.get_by_test_id("error-report").click()
    download = download_info.value
    assert download.suggested_filename == "sample_contacts_cp932-errors.csv"
    report = _report_rows(Path(download.path()).read_bytes())
    lines = report[1:]
    assert len(lines) == count("warnings") + count("rejected")
    assert all(line[0].isdigit() and 2 <= int(line[0]) <= len(data_rows) + 1 for line in lines)

    # 7. Fix a warning: a birth date that does not exist was left empty. The result page
    # lists it with a link to find that contact; open it and type the right date.
    birth_col = header.index("生年月日")
    email_col = header.index("メールアドレス")
    bad_dates = [line for line in lines if line[1] == "生年月日"]
    assert bad_dates, report
    row_number = int(bad_dates[0][0])
    source = _sample_rows()[row_number - 1]
    assert source[birth_col] == bad_dates[0][2]
    email = source[email_col].strip()
    line = page.locator(f"[data-testid=report-line][data-row='{row_number}']")
    expect(line).to_contain_text(bad_dates[0][2])
    line.get_by_test_id("find-contact").click()
    expect(page.get_by_test_id("contact-row")).to_have_count(1)
    page.get_by_test_id("contact-row").first.locator("a").first.click()
    page.locator("main a[href$='/edit/']").first.click()
    expect(page.locator("input[name=birth_date]")).to_have_value("")
    page.fill("input[name=birth_date]", "昭和60年4月1日")
    page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text("1985")
    with tenant_context(tenant):
        fixed = Contact.objects.get(email_key=email.lower())
    assert str(fixed.birth_date) == "1985-04-01"

    # 8. A second, small import, undone from its result page: its contacts are gone.
    second = tmp_path / "展示会リスト.csv"
    second.write_bytes(
        "氏名,メールアドレス,電話番号\r\n"
        "展示 一郎,ichiro@tenji.example.com,03-1111-2222\r\n"
        "展示 二郎,jiro@tenji.example.com,03-3333-4444\r\n".encode()
    )
    page.goto(f"{base}/contacts/import/")
    page.set_input_files("input[name=file]", str(second))
    page.get_by_test_id("import-upload-form").locator("button[type=submit]").click()
    page.get_by_test_id("mapping-form").locator("button[type=submit]").click()
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("count-created")).to_have_text("2", timeout=60_000)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("undo-import").click()
    expect(page.get_by_test_id("import-status")).to_have_text(re.compile("."))
    shot(page, "06-undone")
    page.goto(f"{base}/contacts/?q=tenji.example.com")
    expect(page.get_by_test_id("contact-row")).to_have_count(0)
    with tenant_context(tenant):
        assert not Contact.objects.filter(email_key__endswith="@tenji.example.com").exists()
        jobs = list(ImportJob.objects.order_by("id").values_list("status", flat=True))
    assert jobs == ["done", "undone"]

    # 9. The first import cannot be undone any more (a contact changed since): it says why.
    page.goto(f"{base}/contacts/import/")
    page.get_by_test_id("import-jobs").get_by_role("link", name="sample_contacts_cp932.csv").click()
    expect(page.get_by_test_id("undo-blocked")).to_be_visible()
    shot(page, "07-undo-blocked")


@pytest.fixture
def english_page(browser: Browser, request: Any) -> Iterator[Page]:
    ctx = browser.new_context(
        locale="en-US", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    yield page
    ctx.close()


def _upload(page: Page, base: str, path: Path) -> None:
    page.goto(f"{base}/contacts/import/")
    page.set_input_files("input[name=file]", str(path))
    page.get_by_test_id("import-upload-form").locator("button[type=submit]").click()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def test_bad_files_get_a_clear_message_in_the_users_language_and_nothing_is_stored(
    live_server, english_page: Page, page: Page, tenant, member, tmp_path: Path
) -> None:
    base = live_server.url
    photo = tmp_path / "名刺.png"
    photo.write_bytes(PNG)
    garbage = tmp_path / "export.csv"
    garbage.write_bytes(b"\x81\x20\xff\xfe\xfd" * 200)  # neither UTF-8 nor CP932
    no_header = tmp_path / "list.csv"
    no_header.write_bytes("山田 太郎,taro@example.com,03-1234-5678\r\n".encode("cp932"))
    before = _stored_files(tenant)

    login(english_page, base, member.email, PASSWORD)
    expect(english_page).to_have_url(re.compile(r"/$"))
    cases = [
        (photo, "This is not a CSV or Excel file (it contains binary data)"),
        (garbage, "The file is neither UTF-8 nor Shift_JIS (CP932) text"),
        (no_header, "No column of the first row was recognized"),
    ]
    for path, message in cases:
        _upload(english_page, base, path)
        error = english_page.get_by_test_id("error-file")
        expect(error).to_contain_text(message)
        expect(error).to_contain_text(path.name)  # which file was refused
        # still on the upload page, with the file input there to choose another file
        expect(english_page).to_have_url(re.compile(r"/contacts/import/$"))
        expect(english_page.locator("input[name=file]")).to_be_visible()
    expect(english_page.get_by_test_id("error-file")).to_contain_text("氏名, メールアドレス")
    shot(english_page, "10-no-header-en")

    # The same mistake in Japanese (the browser asks for Japanese).
    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    _upload(page, base, no_header)
    expect(page.get_by_test_id("error-file")).to_contain_text("1行目の列名を認識できませんでした")
    _upload(page, base, garbage)
    expect(page.get_by_test_id("error-file")).to_contain_text(
        "このファイルはUTF-8でもShift_JIS（CP932）でもありません"
    )
    shot(page, "11-garbage-ja")

    with tenant_context(tenant):
        assert ImportJob.objects.count() == 0
        assert Contact.objects.count() == 0
    assert _stored_files(tenant) == before  # the refused uploads were not kept


def test_the_import_pages_fit_a_375px_phone(
    live_server, narrow_page: Page, tenant, member, celery_worker, tmp_path: Path
) -> None:
    page = narrow_page
    base = live_server.url
    small = tmp_path / "顧客.csv"
    small.write_bytes(
        "会社名,氏名,メールアドレス,電話番号,生年月日,備考\r\n"
        "株式会社みらい,中村 太郎,taro@mirai.example.com,"
        "０７０（９５４９）２２２４,2023/2/30,DM希望\r\n"
        ",,,,,メモだけ\r\n".encode("cp932")
    )

    def fits(name: str) -> None:
        shot(page, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375

    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/contacts/import/")
    fits("20-phone-upload")
    page.set_input_files("input[name=file]", str(small))
    page.get_by_test_id("import-upload-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("map-1")).to_have_value("full_name")
    fits("21-phone-mapping")
    page.get_by_test_id("mapping-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("preview-warning")).to_have_count(1)
    expect(page.get_by_test_id("preview-rejected")).to_have_count(1)
    fits("22-phone-preview")
    page.get_by_test_id("start-import").click()
    expect(page.get_by_test_id("count-created")).to_have_text("1", timeout=60_000)
    expect(page.get_by_test_id("report-lines").locator("tbody tr")).to_have_count(2)
    fits("23-phone-result")
    with tenant_context(tenant):
        assert Contact.objects.get().phone == "+817095492224"
