"""The platform issue's "done means", second half, as an admin does it in the browser:
define a custom field with a validation rule, meet it on the contact form (the admin's own
error message next to the field, nothing typed lost), see the value in the API through a key
made in the browser, and find all of it in the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RULE_MESSAGE = "会員番号は M-1234 の形式で入力してください"


def test_an_admin_adds_a_validated_field_and_sees_it_everywhere(
    live_server, page: Page, tenant, member
) -> None:
    base = live_server.url
    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))

    # 1. the custom field, with a rule and the admin's own message
    page.goto(f"{base}/settings/custom-fields/new/?type=contact")
    page.fill("input[name=label]", "会員番号")
    page.fill("input[name=label_en]", "Member number")
    page.fill("input[name=key]", "member_no")
    page.select_option("select[name=field_type]", "text")
    page.fill("input[name=regex]", r"M-\d{4}")
    page.fill("input[name=error_message]", RULE_MESSAGE)
    page.fill("input[name=error_message_en]", "Enter the member number like M-1234.")
    page.click("#cf-form button[type=submit]")
    expect(page.get_by_test_id("cf-row-member_no")).to_be_visible()

    # 2. it is on the contact form, with the rule enforced and the input kept
    page.goto(f"{base}/contacts/new/")
    page.fill("input[name=last_name]", "山田")
    page.fill("input[name=first_name]", "花子")
    page.get_by_label("会員番号").fill("123")
    page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text(RULE_MESSAGE)
    expect(page.locator("input[name=last_name]")).to_have_value("山田")
    page.get_by_label("会員番号").fill("M-0042")
    page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text("M-0042")
    expect(page.locator("main")).to_contain_text("会員番号")

    # 3. an API key made in the browser, and the field in the API
    page.goto(f"{base}/settings/api-keys/")
    page.fill("input[name=name]", "BI dashboard")
    page.select_option("select[name=role]", "viewer")
    page.click("form:has(input[name=name]) button[type=submit]")
    raw_key = page.get_by_test_id("raw-key").input_value()
    assert raw_key.startswith("crm_")
    api = page.context.request
    headers = {"Authorization": f"Bearer {raw_key}"}
    contacts = api.get(f"{base}/api/v1/contacts/", headers=headers).json()
    assert [c["custom_fields"] for c in contacts["results"]] == [{"member_no": "M-0042"}]
    fields = api.get(f"{base}/api/v1/custom-fields/", headers=headers).json()
    assert [(f["key"], f["regex"]) for f in fields["results"]] == [("member_no", r"M-\d{4}")]
    refused = api.post(
        f"{base}/api/v1/contacts/", headers=headers, data={"last_name": "x"}
    )  # a viewer key may read, not write
    assert refused.status == 403

    # 4. the audit log tells the story
    page.goto(f"{base}/settings/audit/")
    entries = page.get_by_test_id("audit-entries")
    expect(entries).to_contain_text("会員番号")
    expect(entries).to_contain_text("M-0042")
    expect(entries).to_contain_text("BI dashboard")
