"""Helpers for the support mail tests: the inbound SMTP server on a free loopback port
(aiosmtpd's Controller running OUR handler, support.mail.smtpd.InboundHandler), mail
builders and a sender that talks real SMTP to it with smtplib."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest

from tests.conftest import free_port

DOMAIN = "inbound.localhost"


@pytest.fixture
def inbound_smtp(settings: Any) -> Iterator[Any]:
    """Our inbound server on 127.0.0.1:<free port>; yields the Controller (.port).
    Tests that use it need `django_db(transaction=True)`: the server stores mail from its
    own threads, which see committed rows only."""
    from support.mail.smtpd import controller

    settings.SUPPORT_INBOUND_DOMAIN = DOMAIN
    server = controller(host="127.0.0.1", port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.handler.executor.shutdown(wait=True)


def build_mail(
    *,
    sender: str = "山田 太郎 <customer@example.jp>",
    to: str = f"alpha@{DOMAIN}",
    subject: str = "注文した商品が届きません",
    body: str = "先週注文した商品がまだ届いていません。確認をお願いします。",
    html: str = "",
    message_id: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
) -> EmailMessage:
    msg = EmailMessage()
    if sender:
        msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.jp")
    for name, value in (headers or {}).items():
        msg[name] = value
    if html and not body:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(body)
        if html:
            msg.add_alternative(html, subtype="html")
    for filename, data, content_type in attachments:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def smtp_send(server: Any, msg: EmailMessage, *, rcpt: str = "", mail_from: str = "") -> Any:
    """One real SMTP exchange with our server; returns smtplib's refusal dict ({} = all
    accepted). Raises smtplib's errors for refused recipients or data."""
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
        return client.send_message(
            msg,
            from_addr=mail_from or "bounce@example.jp",
            to_addrs=[rcpt or str(msg["To"])],
        )
