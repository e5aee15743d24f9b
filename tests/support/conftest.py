"""Fixtures of the support tests.

`inbound_smtp`: support's own inbound SMTP server (support.mail.smtpd's handler in an
aiosmtpd Controller) on a free loopback port, with SUPPORT_INBOUND_DOMAIN set to
"inbound.localhost". Send to it with tests.support.mail_helpers.smtp_send. Outbound mail
goes to the project-wide `inbox` fixture (tests/conftest.py)."""

from tests.support.mail_helpers import inbound_smtp  # noqa: F401
