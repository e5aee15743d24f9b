"""Inbound mail through a real SMTP exchange with our server (support.mail.smtpd) on
loopback: new tickets, threading, HTML, attachments, loops, bad senders, duplicates."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest

from crm.core.context import tenant_context
from support.mail import services
from support.mail.models import MailSettings, OutboundMail
from support.tickets.models import (
    Channel,
    MessageKind,
    Status,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketMessage,
)
from tests.support.helpers import make_message, make_ticket
from tests.support.mail_helpers import DOMAIN, build_mail, smtp_send

pytestmark = pytest.mark.django_db(transaction=True)


def _tickets(tenant: Any) -> list[Ticket]:
    with tenant_context(tenant):
        return list(Ticket.objects.filter(tenant=tenant).order_by("id"))


def _messages(tenant: Any, ticket: Ticket) -> list[TicketMessage]:
    with tenant_context(tenant):
        return list(TicketMessage.objects.filter(tenant=tenant, ticket=ticket).order_by("id"))


def test_a_new_mail_opens_an_email_ticket_with_a_contact(tenant: Any, inbound_smtp: Any) -> None:
    msg = build_mail(message_id="<new-1@example.jp>")
    assert smtp_send(inbound_smtp, msg) == {}
    [ticket] = _tickets(tenant)
    assert ticket.channel == Channel.EMAIL
    assert ticket.subject == "注文した商品が届きません"
    assert ticket.requester_email == "customer@example.jp"
    assert ticket.language == "ja"
    with tenant_context(tenant):
        assert ticket.contact is not None and ticket.contact.email == "customer@example.jp"
    [first] = _messages(tenant, ticket)
    assert first.kind == MessageKind.CUSTOMER and first.message_id == "<new-1@example.jp>"
    assert "まだ届いていません" in first.body and not first.is_auto


def test_an_unknown_tenant_is_refused_at_rcpt(tenant: Any, inbound_smtp: Any) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp_send(inbound_smtp, build_mail(to=f"nosuch@{DOMAIN}"))
    code, text = refused.value.recipients[f"nosuch@{DOMAIN}"]
    assert code == 550 and b"unknown tenant" in text
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        smtp_send(inbound_smtp, build_mail(to="alpha@elsewhere.example"))
    assert _tickets(tenant) == []


@pytest.mark.parametrize("sender", ["", "not an address", "<@>", "山田 <yamada@>"])
def test_a_mail_without_a_readable_sender_is_refused_and_nothing_stored(
    tenant: Any, inbound_smtp: Any, sender: str
) -> None:
    with pytest.raises(smtplib.SMTPDataError) as refused:
        smtp_send(inbound_smtp, build_mail(sender=sender))
    assert refused.value.smtp_code == 550
    assert b"sender address missing or unreadable" in refused.value.smtp_error
    assert _tickets(tenant) == []


def test_the_customers_answer_threads_by_in_reply_to(tenant: Any, inbound_smtp: Any) -> None:
    ticket = make_ticket(tenant)
    reply = make_message(tenant, ticket, body="ご確認ください。")
    with tenant_context(tenant):
        reply.refresh_from_db()
    assert reply.message_id.endswith(f"@{DOMAIN}>")
    answer = build_mail(
        subject="Re: 全然違う件名",
        body="確認しました。",
        headers={"In-Reply-To": reply.message_id, "References": reply.message_id},
    )
    smtp_send(inbound_smtp, answer)
    assert [t.pk for t in _tickets(tenant)] == [ticket.pk]
    last = _messages(tenant, ticket)[-1]
    assert last.kind == MessageKind.CUSTOMER and last.body == "確認しました。"
    assert last.in_reply_to == reply.message_id


def test_an_answer_to_the_acknowledgement_threads_by_our_message_id(
    tenant: Any, inbound_smtp: Any
) -> None:
    ticket = make_ticket(tenant)
    ours = f"<t{ticket.number}.m99.{ticket.mail_key}@{DOMAIN}>"
    smtp_send(inbound_smtp, build_mail(subject="追記", headers={"In-Reply-To": ours}))
    assert [t.pk for t in _tickets(tenant)] == [ticket.pk]


def test_the_plus_address_threads_without_headers(tenant: Any, inbound_smtp: Any) -> None:
    ticket = make_ticket(tenant)
    smtp_send(
        inbound_smtp,
        build_mail(to=f"alpha+{ticket.mail_key}@{DOMAIN}", subject="件名なしの追記"),
    )
    assert [t.pk for t in _tickets(tenant)] == [ticket.pk]
    assert _messages(tenant, ticket)[-1].body.startswith("先週注文した")


def test_the_subject_token_threads_only_for_the_same_requester(
    tenant: Any, inbound_smtp: Any
) -> None:
    ticket = make_ticket(tenant)
    smtp_send(inbound_smtp, build_mail(subject=f"Re: [#{ticket.number}] 請求書"))
    assert [t.pk for t in _tickets(tenant)] == [ticket.pk]
    smtp_send(
        inbound_smtp,
        build_mail(sender="other@example.net", subject=f"Re: [#{ticket.number}] 請求書"),
    )
    tickets = _tickets(tenant)
    assert len(tickets) == 2 and tickets[1].requester_email == "other@example.net"


def test_a_resolved_ticket_reopens_on_the_customers_answer(tenant: Any, inbound_smtp: Any) -> None:
    ticket = make_ticket(tenant, status=Status.RESOLVED)
    smtp_send(inbound_smtp, build_mail(to=f"alpha+{ticket.mail_key}@{DOMAIN}"))
    with tenant_context(tenant):
        ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_the_same_mail_twice_is_one_message(tenant: Any, inbound_smtp: Any) -> None:
    msg = build_mail(message_id="<twice@example.jp>")
    smtp_send(inbound_smtp, msg)
    smtp_send(inbound_smtp, msg)
    [ticket] = _tickets(tenant)
    assert len(_messages(tenant, ticket)) == 1


def test_html_only_mail_is_stored_as_text(tenant: Any, inbound_smtp: Any) -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>お世話になっております。</p><p>在庫は<b>ありますか</b>&amp;納期は？</p>"
        "<img src=x onerror=alert(1)></body></html>"
    )
    smtp_send(inbound_smtp, build_mail(body="", html=html))
    [ticket] = _tickets(tenant)
    body = _messages(tenant, ticket)[0].body
    assert "お世話になっております。" in body and "在庫はありますか&納期は？" in body
    assert "<" not in body and "alert" not in body and "color" not in body


def test_attachments_are_stored_per_tenant_and_an_oversized_one_is_noted(
    tenant: Any, inbound_smtp: Any, inbox: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    with tenant_context(tenant):
        services.mail_settings_update(
            tenant=tenant,
            support_address="support@alpha.example.jp",
            auto_ack_enabled=True,
            max_attachment_mb=1,
        )
    big = b"x" * (1024 * 1024 + 10)
    msg = build_mail(
        attachments=[
            ("見積書.pdf", b"%PDF-1.4 small", "application/pdf"),
            ("video.mp4", big, "video/mp4"),
        ]
    )
    smtp_send(inbound_smtp, msg)
    [ticket] = _tickets(tenant)
    first, note = _messages(tenant, ticket)
    with tenant_context(tenant):
        [stored] = TicketAttachment.objects.filter(tenant=tenant, message=first)
        assert stored.filename == "見積書.pdf" and stored.size == len(b"%PDF-1.4 small")
        assert stored.file.name.startswith(f"tenants/{tenant.pk}/support/")
        assert stored.file.read() == b"%PDF-1.4 small"
        # the customer gets nothing automatic: no acknowledgement either
        assert not OutboundMail.objects.filter(tenant=tenant).exists()
    assert note.kind == MessageKind.SYSTEM
    assert "video.mp4" in note.body and "1 MB" in note.body


def test_an_auto_reply_is_kept_but_reopens_nothing_and_is_counted(
    tenant: Any, inbound_smtp: Any
) -> None:
    ticket = make_ticket(tenant, status=Status.RESOLVED)
    smtp_send(
        inbound_smtp,
        build_mail(
            to=f"alpha+{ticket.mail_key}@{DOMAIN}",
            subject="Out of office",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    with tenant_context(tenant):
        ticket.refresh_from_db()
        last = TicketMessage.objects.filter(tenant=tenant, ticket=ticket).order_by("-id")[0]
        assert MailSettings.objects.get(tenant=tenant).loops_detected == 1
        assert TicketEvent.objects.filter(tenant=tenant, ticket=ticket, kind="mail_loop").exists()
    assert ticket.status == Status.RESOLVED
    assert last.is_auto and last.from_address == "customer@example.jp"


@pytest.mark.parametrize(
    "headers,sender",
    [
        ({"Precedence": "bulk"}, "customer@example.jp"),
        ({"X-Autoreply": "yes"}, "customer@example.jp"),
        ({"X-Auto-Response-Suppress": "All"}, "customer@example.jp"),
        ({}, "MAILER-DAEMON@mx.example.jp"),
        ({}, "noreply@example.jp"),
    ],
)
def test_automatic_mail_opens_no_acknowledged_ticket(
    tenant: Any, inbound_smtp: Any, headers: dict[str, str], sender: str
) -> None:
    with tenant_context(tenant):
        services.mail_settings_update(
            tenant=tenant, support_address="support@alpha.example.jp", auto_ack_enabled=True
        )
    smtp_send(inbound_smtp, build_mail(sender=sender, headers=headers))
    [ticket] = _tickets(tenant)
    assert _messages(tenant, ticket)[0].is_auto
    with tenant_context(tenant):
        assert not OutboundMail.objects.filter(tenant=tenant).exists()
        assert ticket.contact_id is None  # a robot is not added as a contact


def test_mail_carrying_our_own_message_id_is_a_loop(tenant: Any, inbound_smtp: Any) -> None:
    ticket = make_ticket(tenant)
    smtp_send(
        inbound_smtp,
        build_mail(
            to=f"alpha+{ticket.mail_key}@{DOMAIN}",
            message_id=f"<t{ticket.number}.5.{ticket.mail_key}@{DOMAIN}>",
        ),
    )
    assert _messages(tenant, ticket)[-1].is_auto


def test_the_sixth_mail_in_ten_minutes_from_one_sender_is_a_loop(
    tenant: Any, inbound_smtp: Any
) -> None:
    ticket = make_ticket(tenant)
    for n in range(6):
        smtp_send(inbound_smtp, build_mail(to=f"alpha+{ticket.mail_key}@{DOMAIN}", body=f"{n}"))
    flags = [m.is_auto for m in _messages(tenant, ticket)]
    # the ticket's first message + 4 more make five; the sixth and seventh are automatic
    assert flags == [False, False, False, False, False, True, True]


def test_a_new_mail_gets_one_acknowledgement_in_the_senders_language(
    tenant: Any, inbound_smtp: Any, inbox: Any
) -> None:
    with tenant_context(tenant):
        services.mail_settings_update(
            tenant=tenant, support_address="support@alpha.example.jp", auto_ack_enabled=True
        )
    msg = build_mail(
        sender="Smith <jane@example.com>", subject="Broken login", body="I cannot log in."
    )
    smtp_send(inbound_smtp, msg)
    smtp_send(inbound_smtp, msg)  # a retry by the sender's server
    [ticket] = _tickets(tenant)
    with tenant_context(tenant):
        [ack] = OutboundMail.objects.filter(tenant=tenant, kind="ack")
    assert ticket.language == "en"
    assert ack.subject == f"[#{ticket.number}] We received your inquiry: Broken login"
    assert ack.headers["Auto-Submitted"] == "auto-replied"
    assert ack.headers["In-Reply-To"] == str(msg["Message-ID"])
    assert ack.to_address == "jane@example.com"
    assert "Dear Smith" in ack.body


def test_a_mail_to_two_tenants_lands_in_each_separately(
    tenant: Any, other_tenant: Any, inbound_smtp: Any
) -> None:
    msg = build_mail(to=f"alpha@{DOMAIN}, beta@{DOMAIN}")
    with smtplib.SMTP("127.0.0.1", inbound_smtp.port) as client:
        client.send_message(msg, to_addrs=[f"alpha@{DOMAIN}", f"beta@{DOMAIN}"])
    assert len(_tickets(tenant)) == 1
    assert len(_tickets(other_tenant)) == 1


def test_the_same_mail_delivered_twice_at_once_is_one_message(
    tenant: Any, inbound_smtp: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    msg = build_mail(message_id="<race@example.jp>")
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda _: smtp_send(inbound_smtp, msg), range(3)))
    [ticket] = _tickets(tenant)
    assert len(_messages(tenant, ticket)) == 1
