"""Issue 5, web forms: an admin builds an inquiry form in the browser (adds fields from the
palette, configures them in the side panel, reorders by drag and by the arrow buttons,
meets a validation message, removes and undoes, publishes, copies the public URL); a
customer on a phone opens the form, forgets the consent, fixes it and submits; the inquiry
is in the queue."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from playwright.sync_api import Browser, Page, expect

from crm.core.context import tenant_context
from support.tickets.models import Ticket
from support.webforms.models import FormField, FormSubmission, InquiryForm
from tests.e2e.conftest import login
from tests.factories import PASSWORD

from ..support.kb_helpers import make_article

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _labels(page: Page) -> list[str]:
    return [
        t.strip().rstrip("*").strip() for t in page.get_by_test_id("field-label").all_inner_texts()
    ]


def test_an_admin_builds_and_publishes_a_form_and_a_customer_submits_it_on_a_phone(
    live_server, browser: Browser, page: Page, tenant, member, settings
) -> None:
    settings.SUPPORT_FORM_MIN_SECONDS = 1
    make_article(
        tenant,
        title_ja="電源が入らないときは",
        body_ja="<p>電源ボタンを10秒長押ししてください。</p>",
    )
    base = live_server.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    login(page, base, member.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))

    # the empty list says what to do; create a form
    page.goto(f"{base}/support/forms/")
    expect(page.get_by_test_id("forms-empty")).to_be_visible()
    page.fill("#id_name", "製品お問い合わせ")
    page.get_by_test_id("form-create-submit").click()
    expect(page.get_by_test_id("field-list")).to_be_visible()
    expect(page.get_by_test_id("field-item")).to_have_count(4)  # the starter fields

    # add a phone field from the palette and configure it in the side panel
    page.get_by_test_id("field-item").nth(1).click()  # after the e-mail field
    page.get_by_test_id("palette-phone").click()
    expect(page.get_by_test_id("field-item")).to_have_count(5)
    page.get_by_test_id("panel-label").fill("電話番号")
    page.get_by_test_id("panel-mapping").select_option("contact.phone")
    expect(page.get_by_test_id("preview")).to_contain_text("電話番号")

    # a drop-down at the end, first without choices
    page.get_by_test_id("field-item").last.click()
    page.get_by_test_id("palette-select").click()
    page.get_by_test_id("panel-label").fill("ご用件")
    page.get_by_test_id("builder-save").click()
    expect(page.get_by_test_id("builder-errors")).to_be_visible()
    expect(page.get_by_test_id("builder-error")).to_have_count(1)
    with tenant_context(tenant):
        form = InquiryForm.objects.get()
        assert FormField.objects.filter(form=form).count() == 4  # nothing saved half-way
    page.get_by_test_id("panel-choices").fill("製品について\n請求について")

    # reorder: the drop-down up one with the arrow button (keyboard), then drag it to the top
    item = page.get_by_test_id("field-item").last
    item.get_by_test_id("field-up").click()
    assert _labels(page)[-2] == "ご用件"
    expect(page.get_by_test_id("field-item").nth(4).get_by_test_id("field-up")).to_be_focused()
    page.keyboard.press("Enter")  # the focused ↑ moves it once more
    assert _labels(page)[3] == "ご用件"
    page.get_by_test_id("field-item").nth(3).drag_to(page.get_by_test_id("field-item").first)
    assert _labels(page)[0] == "ご用件"

    # remove with undo
    page.get_by_test_id("field-item").first.get_by_test_id("field-remove").click()
    expect(page.get_by_test_id("field-item")).to_have_count(5)
    expect(page.get_by_test_id("undo-bar")).to_be_visible()
    page.get_by_test_id("undo").click()
    expect(page.get_by_test_id("field-item")).to_have_count(6)
    assert _labels(page)[0] == "ご用件"

    page.get_by_test_id("builder-save").click()
    expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    expect(page.get_by_test_id("builder-errors")).to_be_hidden()

    # publish, then copy the public URL
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("form-status")).to_have_attribute("data-status", "published")
    page.get_by_test_id("tab-share").click()
    public_url = page.get_by_test_id("public-url").input_value()
    assert re.search(r"/portal/alpha/forms/[a-z0-9]+/$", public_url)
    page.get_by_test_id("copy-url").click()
    expect(page.get_by_test_id("copy-status")).not_to_be_empty()
    assert page.evaluate("navigator.clipboard.readText()") == public_url
    expect(page.get_by_test_id("embed-script")).to_have_value(re.compile("support_form_embed"))

    with tenant_context(tenant):
        fields = {f.mapping or f.label: f.key for f in FormField.objects.filter(form=form)}

    # the customer, on a phone
    phone_ctx = browser.new_context(
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
    )
    phone_ctx.set_default_timeout(15_000)
    phone = phone_ctx.new_page()
    try:
        phone.goto(public_url)
        expect(phone.get_by_test_id("public-form")).to_be_visible()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.locator(f"#id_{fields['ご用件']}").select_option("製品について")
        phone.locator(f"#id_{fields['contact.full_name']}").fill("佐藤 花子")
        phone.locator(f"#id_{fields['contact.email']}").fill("hanako@example.jp")
        phone.locator(f"#id_{fields['contact.phone']}").fill("090-1234-5678")
        phone.locator(f"#id_{fields['ticket.subject']}").fill("<b>電源が入りません</b>")
        phone.locator(f"#id_{fields['ticket.body']}").fill("昨日届いた製品の電源が入りません。")
        # the FAQ suggests an article before the customer sends
        expect(phone.get_by_test_id("suggestions")).to_be_visible()
        expect(phone.get_by_test_id("suggestions")).to_contain_text("電源が入らないときは")
        phone.get_by_test_id("public-submit").tap()
        expect(phone.get_by_test_id("error-consent")).to_be_visible()  # consent forgotten
        expect(phone.locator(f"#id_{fields['ticket.body']}")).to_have_value(
            "昨日届いた製品の電源が入りません。"
        )
        phone.locator("#id_consent").check()
        phone.get_by_test_id("public-submit").tap()
        expect(phone.get_by_test_id("thanks")).to_be_visible()
        receipt = phone.get_by_test_id("receipt").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        phone_ctx.close()

    with tenant_context(tenant):
        ticket = Ticket.objects.select_related("contact").get()
        submission = FormSubmission.objects.get()
    assert ticket.channel == "web" and receipt == f"#{ticket.number}"
    assert submission.ticket_id == ticket.pk and ticket.contact.email == "hanako@example.jp"
    assert "ご用件: 製品について" in ticket.body

    # the inquiry is in the agents' queue, its subject shown as text
    page.goto(f"{base}/support/")
    expect(page.locator("body")).to_contain_text("<b>電源が入りません</b>")

    # the builder is usable at phone width too
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{base}/support/forms/{form.pk}/")
    expect(page.get_by_test_id("field-item").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_script_snippet_embeds_the_form_and_resizes_its_frame(
    live_server, page: Page, tenant
) -> None:
    from tests.support.webforms_helpers import make_form

    form = make_form(tenant, language="en")
    url = f"{live_server.url}/portal/{tenant.slug}/forms/{form.key}/"
    script = f"{live_server.url}/static/js/support_form_embed.js"
    html = (
        f'<html><body><h1>Shop</h1><script src="{script}" data-crm-form="{url}"></script>'
        "</body></html>"
    )
    # the customer's own site: a page on another loopback origin, served by a tiny server
    body = html.encode()

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        _check_embed(page)
    finally:
        server.shutdown()
        server.server_close()


def _check_embed(page: Page) -> None:
    frame = page.locator("iframe[data-crm-form-frame]")
    expect(frame).to_have_count(1)
    inner = page.frame_locator("iframe[data-crm-form-frame]")
    expect(inner.get_by_test_id("public-form")).to_be_visible()
    # the frame takes the form's height (the default is 600px)
    page.wait_for_function(
        "() => document.querySelector('iframe[data-crm-form-frame]').style.height !== '600px'"
    )
    height = page.evaluate("document.querySelector('iframe[data-crm-form-frame]').offsetHeight")
    form_frame = next(f for f in page.frames if "/forms/" in f.url)
    assert "embed=1" in form_frame.url
    assert abs(height - form_frame.evaluate("document.documentElement.scrollHeight")) <= 2


def test_an_admin_adds_a_file_field_and_sets_its_allowed_types(
    live_server, page: Page, tenant, member
) -> None:
    from ..support.webforms_helpers import make_form

    form = make_form(tenant, name="添付つき", published=False)
    login(page, live_server.url, member.email, PASSWORD)
    page.goto(f"{live_server.url}/support/forms/{form.pk}/")
    page.get_by_test_id("field-item").last.click()
    page.get_by_test_id("palette-file").click()
    preview = page.get_by_test_id("preview-file")
    expect(preview).to_have_attribute("type", "file")  # not a text input
    expect(preview).to_have_attribute("accept", re.compile(r"^\.pdf,\.jpg,"))  # the defaults
    expect(page.get_by_test_id("panel-file-types")).to_have_attribute(
        "placeholder", re.compile("^pdf, jpg")
    )

    page.get_by_test_id("panel-file-types").fill("PDF, setup.exe")
    page.get_by_test_id("builder-save").click()
    expect(page.get_by_test_id("panel-file-types-error")).to_contain_text("setup.exe")
    page.get_by_test_id("panel-file-types").fill("PDF, .png")
    expect(preview).to_have_attribute("accept", ".pdf,.png")
    expect(page.get_by_test_id("preview-file-hint")).to_contain_text("pdf, png")
    page.get_by_test_id("builder-save").click()
    expect(page.get_by_test_id("save-status")).to_have_attribute("data-state", "saved")
    expect(page.get_by_test_id("panel-file-types")).to_have_value("pdf, png")
    with tenant_context(tenant):
        saved = FormField.objects.get(form=form, field_type="file")
    assert saved.choices == ["pdf", "png"] and saved.mapping == ""
