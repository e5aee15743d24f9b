"""Shared fixtures. Personas: alice owns tenant A ("tenant"), bob owns tenant B
("other_tenant"). Real services only: PostgreSQL, Redis, an SMTP server on loopback, a
Celery worker process and Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as django_settings

from crm.core import context
from tests.factories import make_api_key, make_tenant, make_user

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- mail: a real SMTP exchange on loopback -------------------------------------------------
class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, timeout: float = 20.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no mail to {address} within {timeout}s; have {len(self.messages)}")

    @staticmethod
    def body(msg: EmailMessage) -> str:
        part = msg.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, inbox
    controller.stop()


@pytest.fixture(autouse=True)
def _real_smtp(settings: Any, smtp_server: tuple[Controller, Inbox]) -> None:
    # pytest-django switches to the in-memory backend; we want the real protocol.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server[0].port


@pytest.fixture
def inbox(smtp_server: tuple[Controller, Inbox]) -> Inbox:
    smtp_server[1].messages.clear()
    return smtp_server[1]


# --- language -----------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _english_unless_asked(settings: Any) -> Iterator[None]:
    """Tests read English unless they ask for Japanese (Accept-Language, the language cookie
    or translation.override("ja")). The product's default stays Japanese: tests/core/
    test_i18n.py checks the shipped setting and that pages speak Japanese by default."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


# --- tenancy ------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _fresh_context() -> Iterator[None]:
    context.reset_all()
    yield
    context.reset_all()


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from django.core.cache import cache

    # Rate limits and throttles must not leak between tests. Only this run's keys: parallel
    # runs (pytest-xdist workers, test slots) share the Redis database, and their keys and
    # Celery queues carry their own prefix (crm/settings.py `_slot`).
    client = cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
    prefix = django_settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    yield


@pytest.fixture
def member(db: Any) -> Any:
    """alice: owner of tenant A."""
    return make_user("alice@alpha.example.com", display_name="Alice")


@pytest.fixture
def tenant(member: Any) -> Any:
    return make_tenant("Alpha 株式会社", owner=member, slug="alpha")


@pytest.fixture
def outsider(db: Any) -> Any:
    """bob: owner of tenant B, no business in tenant A."""
    return make_user("bob@beta.example.com", display_name="Bob")


@pytest.fixture
def other_tenant(outsider: Any) -> Any:
    return make_tenant("Beta 合同会社", owner=outsider, slug="beta")


@pytest.fixture
def member_client(client: Any, member: Any, tenant: Any) -> Any:
    client.force_login(member)
    return client


@pytest.fixture
def outsider_client(db: Any, outsider: Any, other_tenant: Any) -> Any:
    from django.test import Client

    c = Client()
    c.force_login(outsider)
    return c


@pytest.fixture
def api_client(tenant: Any) -> Any:
    """DRF client authenticated with an admin API key of tenant A."""
    from rest_framework.test import APIClient

    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(tenant)}")
    return c


@pytest.fixture
def other_api_client(other_tenant: Any) -> Any:
    from rest_framework.test import APIClient

    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {make_api_key(other_tenant)}")
    return c


# --- a real Celery worker -----------------------------------------------------------------
@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: Any, django_db_blocker: Any, smtp_server: tuple[Controller, Inbox]
) -> Iterator[subprocess.Popen]:
    """A worker process on the test database and the same Redis; tests that use it need
    `transactional_db` so the worker sees their rows."""
    from crm.celery import app

    env = dict(os.environ)
    env["CRM_DB_NAME"] = django_settings.DATABASES["default"]["NAME"]
    env["EMAIL_HOST"] = "127.0.0.1"
    env["EMAIL_PORT"] = str(smtp_server[0].port)
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"celery-worker{os.environ.get('PYTEST_XDIST_WORKER', '')}.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed at teardown
    app.control.purge()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "--pool",
            "solo",
            "-Q",
            ",".join(django_settings.CELERY_QUEUES_ALL),
            "-n",
            f"test-{os.getpid()}@%h",
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while not app.control.ping(
        timeout=0.5, destination=[f"test-{os.getpid()}@{socket.gethostname()}"]
    ):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"celery worker did not start; see {log_path}")
    yield proc
    proc.terminate()
    proc.wait(20)
    log.close()


def wait_until(predicate: Any, timeout: float = 30.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")
