"""Issue 3, "done means": answer a popped-up call. An agent is on the contact list; the
phone system reports a ringing call to their extension; the pop appears with the caller's
name; two clicks log the outcome; the contact's timeline shows the call."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from contacts.cti import services
from crm.core.context import tenant_context
from tests.contacts.cti_helpers import WEBHOOK, signed_headers
from tests.e2e.conftest import login
from tests.factories import PASSWORD, make_contact, make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def send(base: str, secret: str, payload: dict) -> dict:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        base + WEBHOOK, data=body, headers=signed_headers("alpha", secret, body), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - live_server
        assert response.status == 200
        return json.loads(response.read())


def test_an_agent_answers_a_popped_up_call_and_logs_it_in_two_clicks(
    live_server, page: Page, tenant
) -> None:
    base = live_server.url
    agent = make_member(tenant, "support", email="agent@alpha.example.com")
    with tenant_context(tenant):
        secret = services.cti_secret_rotate(tenant=tenant).secret
        services.cti_extension_set(tenant=tenant, user_id=agent.pk, extension="201")
    contact = make_contact(tenant, last_name="佐藤", first_name="花子", phone="03-1234-5678")

    login(page, base, agent.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"{base}/contacts/")
    expect(page.get_by_test_id("cti-pop")).to_have_count(0)

    answer = send(
        base,
        secret,
        {"call_id": "e2e-1", "from": "+81 3 1234 5678", "to": "201", "event": "ringing"},
    )
    assert answer["contact"] == contact.pk

    pop = page.get_by_test_id("cti-pop")
    expect(pop).to_be_visible(timeout=10_000)  # the poller asks every 3 s
    expect(pop.get_by_test_id("cti-contact")).to_have_text("佐藤 花子")

    send(base, secret, {"call_id": "e2e-1", "from": "0312345678", "to": "201", "event": "answered"})
    expect(pop).to_have_attribute("data-version", re.compile(r"^answered:"), timeout=10_000)

    pop.locator("[data-cti-choice=connected]").click()  # click 1: how it went
    pop.get_by_test_id("cti-log").click()  # click 2: log it
    expect(page.get_by_test_id("cti-logged")).to_be_visible()

    page.goto(f"{base}/contacts/{contact.pk}/")
    call_entry = page.locator("[data-testid=timeline-entry][data-kind=call]")
    expect(call_entry).to_have_count(1)
    expect(page.get_by_test_id("cti-pop")).to_have_count(0)  # logged: no pop any more
    # The phone number on the contact page is a tel: link.
    expect(page.get_by_test_id("tel-link").first).to_have_attribute("href", "tel:+81312345678")
