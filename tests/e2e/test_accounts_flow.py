"""The accounts journey in real Chromium: a company signs up and verifies its address from the
real mail, its owner turns on two-factor authentication with a computed TOTP code and
invites a colleague, who opens the invitation in another browser, signs up and lands in the
same tenant with the invited role."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator

from crm.core.context import tenant_context
from crm.core.models import Membership, Tenant, User
from crm.core.roles import Role

pytestmark = pytest.mark.e2e

PASSWORD = "matcha-latte-osaka-2026"
OWNER = "founder@yamato.example.jp"
COLLEAGUE = "colleague@yamato.example.jp"


def totp(secret: str) -> str:
    """RFC 6238, computed here rather than with the code under test. Near the end of a
    30-second step we wait for the next one, as a person reading a fresh code would: a code
    typed in one step and checked in the next is refused (no tolerance configured)."""
    left = 30 - time.time() % 30
    if left < 6:
        time.sleep(left + 0.1)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time() // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def link_in(inbox: Any, address: str, pattern: str) -> str:
    body = inbox.body(inbox.wait_for(address))
    match = re.search(pattern, body)
    assert match, body
    return match.group(0)


def submit(page: Any) -> None:
    """The page's own form button (the navbar's language and logout forms are not in main)."""
    page.locator("main form button[type=submit]").first.click()


@pytest.mark.django_db(transaction=True)
def test_a_company_signs_up_secures_its_account_and_invites_a_colleague(
    live_server: Any, page: Any, browser: Any, inbox: Any
) -> None:
    base = live_server.url
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # 1. Sign up a new company; the verification mail really goes out.
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=company_name]", "大和テック株式会社")
    page.fill("input[name=display_name]", "大和 花子")
    page.fill("input[name=email]", OWNER)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    submit(page)
    page.wait_for_url(f"{base}/accounts/confirm-email/")
    confirm = link_in(inbox, OWNER, r"http://\S+/accounts/confirm-email/\S+/")
    page.goto(confirm)
    submit(page)
    page.wait_for_url(f"{base}/")
    assert "大和テック株式会社" in page.content()

    # 2. Two-factor authentication from the user menu, with a computed code.
    page.get_by_test_id("user-menu").click()
    page.locator("a[href='/accounts/2fa/']").click()
    page.wait_for_url(f"{base}/accounts/2fa/")
    page.locator("main a[href='/accounts/2fa/totp/activate/']").click()
    if "/accounts/reauthenticate/" in page.url:  # allauth confirms the password first
        page.fill("input[name=password]", PASSWORD)
        submit(page)
    page.wait_for_url(re.compile(r".*/accounts/2fa/totp/activate/$"))
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", totp(secret))
    submit(page)
    page.wait_for_url(re.compile(r".*/accounts/2fa/(recovery-codes/)?$"))
    owner = User.objects.get(email=OWNER)
    assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()

    # 3. Invite a colleague as a manager.
    page.goto(f"{base}/settings/users/")
    page.get_by_test_id("invite-button").click()
    page.fill("input[name=email]", COLLEAGUE)
    page.select_option("select[name=role]", Role.MANAGER.value)
    submit(page)
    page.wait_for_url(f"{base}/settings/users/")
    assert page.get_by_test_id(f"invitation-{COLLEAGUE}").count() == 1
    accept = link_in(inbox, COLLEAGUE, r"http://\S+/invitations/[\w-]+/")

    # 4. The colleague, in a browser of their own, accepts by signing up.
    tenants_before = Tenant.objects.count()
    other = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    try:
        colleague = other.new_page()
        colleague.on("pageerror", lambda e: errors.append(str(e)))
        colleague.goto(accept)
        assert "大和テック株式会社" in colleague.content()
        colleague.get_by_test_id("invitation-signup").click()
        colleague.wait_for_url(f"{base}/accounts/signup/")
        email = colleague.locator("input[name=email]")
        assert email.input_value() == COLLEAGUE
        assert email.get_attribute("readonly") is not None
        assert colleague.locator("input[name=company_name]").count() == 0
        colleague.fill("input[name=display_name]", "同僚 次郎")
        colleague.fill("input[name=password1]", PASSWORD)
        colleague.fill("input[name=password2]", PASSWORD)
        submit(colleague)
        colleague.wait_for_url(f"{base}/")
        assert "大和テック株式会社" in colleague.content()
    finally:
        other.close()

    assert Tenant.objects.count() == tenants_before
    tenant = Tenant.objects.get(name="大和テック株式会社")
    with tenant_context(tenant):
        joined = Membership.objects.get(user__email=COLLEAGUE)
    assert joined.role == Role.MANAGER
    assert errors == []
