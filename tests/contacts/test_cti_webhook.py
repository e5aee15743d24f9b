"""The inbound call webhook: signatures, replays, idempotency, matching the caller."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from contacts.cti import services
from contacts.cti.models import CtiCall, CtiEvent
from contacts.models import Interaction
from crm.core.context import tenant_context
from tests.contacts.cti_helpers import post_event
from tests.factories import make_contact, make_member, owner_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(tenant: Any) -> str:
    with tenant_context(tenant):
        return services.cti_secret_rotate(tenant=tenant).secret


@pytest.fixture
def agent(tenant: Any) -> Any:
    user = make_member(tenant, "support", email="agent@alpha.example.com")
    with tenant_context(tenant):
        services.cti_extension_set(tenant=tenant, user_id=user.pk, extension="201")
    return user


def ringing(call_id: str = "c-1", caller: str = "03-1234-5678", **extra: Any) -> dict:
    return {"call_id": call_id, "from": caller, "to": "201", "event": "ringing", **extra}


def stored(tenant: Any) -> tuple[int, int, int]:
    with tenant_context(tenant):
        return (CtiCall.objects.count(), CtiEvent.objects.count(), Interaction.objects.count())


def test_it_accepts_a_correctly_signed_event_and_logs_the_call(tenant, secret, agent) -> None:
    contact = make_contact(tenant, last_name="佐藤", phone="03-1234-5678")
    response = post_event(Client(), "alpha", secret, ringing())
    assert response.status_code == 200, response.content
    assert response.json()["contact"] == contact.pk
    assert response.json()["agent_notified"] is True
    with tenant_context(tenant):
        call = CtiCall.objects.get()
        entry = Interaction.objects.get(contact=contact, kind="call")
    assert call.agent_id == agent.pk and call.state == "ringing"
    assert entry.data["direction"] == "inbound" and entry.data["call_id"] == "c-1"
    assert entry.actor_id == agent.pk


@pytest.mark.parametrize(
    "override",
    [
        {"X-CRM-Signature": "sha256=" + "0" * 64},
        {"X-CRM-Signature": ""},
        {"X-CRM-Tenant": "no-such-tenant"},
    ],
    ids=["wrong_signature", "no_signature", "unknown_tenant"],
)
def test_it_refuses_a_bad_signature_and_stores_nothing(tenant, secret, agent, override) -> None:
    make_contact(tenant, phone="03-1234-5678")
    before = stored(tenant)
    response = post_event(Client(), "alpha", secret, ringing(), **override)
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"]
    assert body["error"]["code"] in {"invalid_signature", "missing_signature"}
    assert stored(tenant) == before


def test_it_refuses_a_body_signed_with_another_tenants_secret(
    tenant, other_tenant, secret, agent
) -> None:
    with tenant_context(other_tenant):
        other_secret = services.cti_secret_rotate(tenant=other_tenant).secret
    before = stored(tenant)
    response = post_event(Client(), "alpha", other_secret, ringing())
    assert response.status_code == 401
    assert stored(tenant) == before


def test_it_refuses_a_tampered_body(tenant, secret, agent) -> None:
    from tests.contacts.cti_helpers import signed_headers

    body = b'{"call_id": "c-1", "from": "0312345678", "to": "201", "event": "ringing"}'
    headers = signed_headers("alpha", secret, body)
    tampered = body.replace(b"0312345678", b"0399999999")
    response = Client().generic(
        "POST",
        "/api/v1/cti/calls/",
        tampered,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )
    assert response.status_code == 401
    assert stored(tenant) == (0, 0, 0)


# "future" leaves a minute for the request itself: on a slow machine a second may pass
# between the stamp and the check, and 301 s ahead would then be within the 300 s allowed.
@pytest.mark.parametrize("age", [301, -360, 3600], ids=["stale", "future", "an_hour_old"])
def test_it_refuses_a_stale_timestamp_even_when_correctly_signed(
    tenant, secret, agent, age
) -> None:
    response = post_event(Client(), "alpha", secret, ringing(), timestamp=int(time.time()) - age)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "stale_timestamp"
    assert stored(tenant) == (0, 0, 0)


def test_a_replayed_delivery_changes_nothing_and_answers_200(tenant, secret, agent) -> None:
    make_contact(tenant, phone="03-1234-5678")
    client = Client()
    stamp = int(time.time())
    first = post_event(client, "alpha", secret, ringing(), timestamp=stamp)
    after_first = stored(tenant)
    again = post_event(client, "alpha", secret, ringing(), timestamp=stamp)
    assert first.status_code == again.status_code == 200
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    assert stored(tenant) == after_first == (1, 1, 1)


def test_answered_and_ended_update_the_same_timeline_entry(tenant, secret, agent) -> None:
    contact = make_contact(tenant, phone="03-1234-5678")
    client = Client()
    post_event(client, "alpha", secret, ringing(occurred_at="2024-04-01T09:00:00+09:00"))
    post_event(
        client,
        "alpha",
        secret,
        {
            "call_id": "c-1",
            "from": "0312345678",
            "event": "answered",
            "occurred_at": "2024-04-01T09:00:05+09:00",
        },
    )
    response = post_event(
        client,
        "alpha",
        secret,
        {"call_id": "c-1", "from": "0312345678", "event": "ended", "duration": 125},
    )
    assert response.status_code == 200
    again = post_event(
        client,
        "alpha",
        secret,
        {"call_id": "c-1", "from": "0312345678", "event": "ended", "duration": 999},
    )
    assert again.json()["duplicate"] is True
    with tenant_context(tenant):
        entries = list(Interaction.objects.filter(contact=contact, kind="call"))
        call = CtiCall.objects.get()
    assert len(entries) == 1
    assert call.state == "ended" and call.duration_seconds == 125
    assert entries[0].data["state"] == "ended"
    assert entries[0].data["duration_seconds"] == 125
    assert entries[0].data["duration_minutes"] == 3


def test_a_late_ringing_event_does_not_move_the_call_backwards(tenant, secret, agent) -> None:
    make_contact(tenant, phone="03-1234-5678")
    client = Client()
    post_event(client, "alpha", secret, {**ringing(), "event": "ended", "duration": 10})
    post_event(client, "alpha", secret, ringing())
    with tenant_context(tenant):
        assert CtiCall.objects.get().state == "ended"


@pytest.mark.parametrize(
    "caller",
    ["0312345678", "03-1234-5678", "+81 3 1234 5678", "０３－１２３４－５６７８", "(03) 1234-5678"],
)
def test_it_finds_the_contact_by_the_callers_number_in_any_format(
    tenant, secret, agent, caller
) -> None:
    contact = make_contact(tenant, last_name="佐藤", phone="+81312345678")
    response = post_event(Client(), "alpha", secret, ringing(caller=caller))
    assert response.json()["contact"] == contact.pk


def test_it_matches_the_mobile_number_too(tenant, secret, agent) -> None:
    contact = make_contact(tenant, last_name="鈴木", mobile="090-1111-2222")
    response = post_event(Client(), "alpha", secret, ringing(caller="09011112222"))
    assert response.json()["contact"] == contact.pk


def test_several_matches_pick_the_most_recently_updated_and_keep_the_others(
    tenant, secret, agent
) -> None:
    from contacts.services import contact_update

    older = make_contact(tenant, last_name="古い", phone="03-1234-5678")
    newer = make_contact(tenant, last_name="新しい", mobile="03-1234-5678")
    with tenant_context(tenant):
        contact_update(tenant=tenant, contact=older, title="部長")  # now the latest updated
    response = post_event(Client(), "alpha", secret, ringing())
    assert response.json()["contact"] == older.pk
    with tenant_context(tenant):
        assert CtiCall.objects.get().matched_contact_ids == [older.pk, newer.pk]


def test_an_unknown_caller_is_recorded_without_a_contact(tenant, secret, agent) -> None:
    make_contact(tenant, phone="03-1234-5678")
    response = post_event(Client(), "alpha", secret, ringing(caller="06-9876-5432"))
    assert response.status_code == 200
    assert response.json()["contact"] is None
    with tenant_context(tenant):
        call = CtiCall.objects.get()
        assert call.caller_number == "+81698765432"
        assert not Interaction.objects.filter(kind="call").exists()


def test_a_withheld_number_matches_nobody(tenant, secret, agent) -> None:
    make_contact(tenant, phone="03-1234-5678")
    response = post_event(Client(), "alpha", secret, ringing(caller="anonymous"))
    assert response.status_code == 200 and response.json()["contact"] is None


def test_it_never_matches_another_tenants_contact(tenant, other_tenant, secret, agent) -> None:
    make_contact(other_tenant, last_name="ベータ", phone="03-1234-5678")
    response = post_event(Client(), "alpha", secret, ringing())
    assert response.json()["contact"] is None


def test_a_deleted_contact_is_not_matched(tenant, secret, agent) -> None:
    from contacts.services import contact_soft_delete

    contact = make_contact(tenant, phone="03-1234-5678")
    with tenant_context(tenant):
        contact_soft_delete(tenant=tenant, contact=contact)
    assert post_event(Client(), "alpha", secret, ringing()).json()["contact"] is None


def test_invalid_fields_get_field_messages_and_nothing_is_stored(tenant, secret, agent) -> None:
    response = post_event(
        Client(), "alpha", secret, {"call_id": "", "event": "exploded", "duration": -1}
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"call_id", "event", "duration"} <= set(fields)
    assert stored(tenant) == (0, 0, 0)


def test_a_body_that_is_not_json_is_refused(tenant, secret) -> None:
    from tests.contacts.cti_helpers import signed_headers

    body = b"call_id=1"
    headers = signed_headers("alpha", secret, body)
    response = Client().generic(
        "POST",
        "/api/v1/cti/calls/",
        body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )
    assert response.status_code == 400
    assert stored(tenant) == (0, 0, 0)


def test_an_extension_of_a_removed_member_pops_for_nobody(tenant, secret, agent) -> None:
    from crm.core.models import Membership

    with tenant_context(tenant):
        Membership.objects.filter(user=agent).update(is_active=False)
    response = post_event(Client(), "alpha", secret, ringing())
    assert response.json()["agent_notified"] is False


def test_rotating_the_secret_stops_the_old_one_at_once(tenant, secret, agent) -> None:
    with tenant_context(tenant):
        new = services.cti_secret_rotate(tenant=tenant, actor=owner_of(tenant)).secret
    assert post_event(Client(), "alpha", secret, ringing()).status_code == 401
    assert post_event(Client(), "alpha", new, ringing()).status_code == 200


def test_the_webhook_needs_no_csrf_token_or_session(tenant, secret, agent) -> None:
    client = Client(enforce_csrf_checks=True)
    assert post_event(client, "alpha", secret, ringing()).status_code == 200


def test_get_is_not_allowed(tenant) -> None:
    assert Client().get("/api/v1/cti/calls/").status_code == 405
