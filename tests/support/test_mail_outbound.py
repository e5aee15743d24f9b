"""Outbound mail: the outbox, replies with threading headers, retries. Real SMTP to the
`inbox` fixture; the job path through a real Celery worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from crm.core.context import tenant_context
from support.mail import services
from support.mail.models import OutboundMail, OutboundStatus
from support.tickets.models import MessageKind, TicketMessage
from tests.conftest import free_port, wait_until
from tests.support.helpers import make_message, make_ticket


def _configure(tenant: Any, **values: Any) -> None:
    with tenant_context(tenant):
        services.mail_settings_update(
            tenant=tenant,
            support_address="support@alpha.example.jp",
            from_name="Alpha サポート",
            signature="Alpha 株式会社 サポート窓口",
            **values,
        )


@pytest.mark.django_db(transaction=True)
def test_a_reply_goes_out_through_the_worker_with_threading_headers(
    tenant: Any, inbox: Any, celery_worker: Any, settings: Any
) -> None:
    settings.SUPPORT_INBOUND_DOMAIN = "inbound.localhost"
    _configure(tenant)
    ticket = make_ticket(tenant, message_id="<first-1@example.jp>")
    reply = make_message(tenant, ticket, body="再発行して本日お送りしました。")

    mail = inbox.wait_for("customer@example.jp")
    assert mail["Subject"] == f"Re: [#{ticket.number}] 請求書の再発行について"
    assert "support@alpha.example.jp" in str(mail["From"])
    assert mail["In-Reply-To"] == "<first-1@example.jp>"
    assert "<first-1@example.jp>" in mail["References"]
    assert mail["Reply-To"] == f"alpha+{ticket.mail_key}@inbound.localhost"
    expected_id = f"<t{ticket.number}.{reply.pk}.{ticket.mail_key}@inbound.localhost>"
    assert mail["Message-ID"] == expected_id
    body = inbox.body(mail)
    assert "再発行して本日お送りしました。" in body and "Alpha 株式会社 サポート窓口" in body
    with tenant_context(tenant):
        stored = TicketMessage.objects.get(pk=reply.pk)
        assert stored.message_id == expected_id
        assert stored.in_reply_to == "<first-1@example.jp>"
        row = wait_until(
            lambda: OutboundMail.objects.filter(
                tenant=tenant, message=reply, status=OutboundStatus.SENT
            ).first()
        )
    assert row.attempts == 1 and row.sent_at is not None


@pytest.mark.django_db
def test_notes_and_system_messages_send_nothing(tenant: Any) -> None:
    ticket = make_ticket(tenant)
    make_message(tenant, ticket, kind=MessageKind.NOTE, body="社内メモ")
    make_message(tenant, ticket, kind=MessageKind.SYSTEM, body="自動")
    with tenant_context(tenant):
        assert not OutboundMail.objects.filter(tenant=tenant).exists()


@pytest.mark.django_db
def test_a_reply_without_any_address_is_not_queued(tenant: Any) -> None:
    ticket = make_ticket(tenant, requester_email="", create_contact=False)
    make_message(tenant, ticket)
    with tenant_context(tenant):
        assert not OutboundMail.objects.filter(tenant=tenant).exists()


@pytest.mark.django_db
def test_one_dedupe_key_is_one_mail(tenant: Any) -> None:
    ticket = make_ticket(tenant)
    with tenant_context(tenant):
        first = services.mail_to_customer(
            tenant=tenant, ticket=ticket, subject="a", body="b", kind="csat", dedupe_key="csat:1"
        )
        again = services.mail_to_customer(
            tenant=tenant, ticket=ticket, subject="a", body="b", kind="csat", dedupe_key="csat:1"
        )
        assert first is not None and again is not None and first.pk == again.pk
        assert OutboundMail.objects.filter(tenant=tenant, dedupe_key="csat:1").count() == 1


@pytest.mark.django_db
def test_a_failed_send_backs_off_and_the_due_scan_sends_it_later(
    tenant: Any, inbox: Any, settings: Any
) -> None:
    ticket = make_ticket(tenant)
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nothing listens there
    with tenant_context(tenant):
        row = services.mail_to_customer(
            tenant=tenant, ticket=ticket, subject="件名", body="本文", kind="test"
        )
        assert row is not None
        assert services.outbox_send(tenant=tenant) == 0
        row.refresh_from_db()
        assert row.status == OutboundStatus.PENDING and row.attempts == 1
        assert "Error" in row.last_error or "refused" in row.last_error.lower()
        assert row.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
        # not due yet: the scan leaves it alone
        settings.EMAIL_PORT = real_port
        assert services.outbox_send(tenant=tenant) == 0
        OutboundMail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        assert services.outbox_send(tenant=tenant) == 1
        row.refresh_from_db()
    assert row.status == OutboundStatus.SENT and row.attempts == 2 and row.last_error == ""
    assert inbox.wait_for("customer@example.jp")["Subject"] == "件名"


@pytest.mark.django_db
def test_a_row_failing_every_time_ends_failed(tenant: Any, settings: Any) -> None:
    ticket = make_ticket(tenant)
    settings.EMAIL_PORT = free_port()
    with tenant_context(tenant):
        row = services.mail_to_customer(
            tenant=tenant, ticket=ticket, subject="s", body="b", kind="test"
        )
        assert row is not None
        OutboundMail.objects.filter(pk=row.pk).update(attempts=services.MAX_ATTEMPTS - 1)
        services.outbox_send(tenant=tenant)
        row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED and row.last_error


@pytest.mark.django_db
def test_a_claimed_row_is_not_claimed_again_until_its_lease_lapses(tenant: Any) -> None:
    ticket = make_ticket(tenant)
    with tenant_context(tenant):
        row = services.mail_to_customer(
            tenant=tenant, ticket=ticket, subject="s", body="b", kind="test"
        )
        assert row is not None
        now = timezone.now()
        assert [r.pk for r in services._claim(tenant, mail_id=None, now=now)] == [row.pk]
        assert services._claim(tenant, mail_id=None, now=now) == []
        later = now + services.CLAIM_LEASE + dt.timedelta(seconds=1)
        assert [r.pk for r in services._claim(tenant, mail_id=None, now=later)] == [row.pk]


@pytest.mark.django_db
def test_the_auto_acknowledgement_renders_only_the_allowed_merge_fields(tenant: Any) -> None:
    _configure(
        tenant,
        auto_ack_enabled=True,
        auto_ack_subject_ja="受付 #{{ticket.number}} {{ticket.subject}}",
        auto_ack_body_ja="{{contact.last_name}} 様 {{ticket.requester_email}} {{ settings }}",
    )
    ticket = make_ticket(tenant, language="ja")
    with tenant_context(tenant):
        ack = services.auto_ack_send(tenant=tenant, ticket=ticket)
        again = services.auto_ack_send(tenant=tenant, ticket=ticket)
    assert ack is not None and again is not None and ack.pk == again.pk
    assert ack.subject == f"受付 #{ticket.number} 請求書の再発行について"
    assert ack.body.startswith("山田 様 {{ticket.requester_email}} {{ settings }}")
    assert ack.headers["Auto-Submitted"] == "auto-replied"


@pytest.mark.django_db
def test_the_ticket_page_shows_where_replies_go_and_how_they_fared(
    member_client: Any, tenant: Any
) -> None:
    ticket = make_ticket(tenant)
    make_message(tenant, ticket)
    response = member_client.get(f"/support/tickets/{ticket.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="mail-panel"' in html and "customer@example.jp" in html
    assert f"alpha+{ticket.mail_key}@" in html
    assert 'data-status="pending"' in html


@pytest.mark.django_db(transaction=True)
def test_the_beat_scan_through_the_worker_sends_a_due_retry(
    tenant: Any, inbox: Any, celery_worker: Any
) -> None:
    from support.mail.tasks import send_due_outbound_all_tenants

    ticket = make_ticket(tenant)
    with tenant_context(tenant):
        row = OutboundMail.objects.create(
            tenant=tenant,
            ticket=ticket,
            kind="test",
            to_address="retry@example.jp",
            subject="再送",
            body="本文",
            message_id_header=f"<retry.{ticket.mail_key}@inbound.localhost>",
            attempts=1,
            last_error="SMTPServerDisconnected: earlier",
            next_attempt_at=timezone.now() - dt.timedelta(seconds=1),
        )
    send_due_outbound_all_tenants.apply_async()
    assert inbox.wait_for("retry@example.jp")["Subject"] == "再送"
    with tenant_context(tenant):
        sent = wait_until(
            lambda: OutboundMail.objects.filter(pk=row.pk, status=OutboundStatus.SENT).first()
        )
    assert sent.attempts == 2 and sent.last_error == ""
