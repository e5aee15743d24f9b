"""/healthz: database, Redis and worker, as JSON; 200 only when all are up; cheap."""

from __future__ import annotations

import signal
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

URL = "/healthz"


def test_it_is_healthy_when_database_redis_and_a_worker_answer(celery_worker: Any) -> None:
    response = Client().get(URL)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "worker": "ok"}
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_it_reports_the_worker_down_when_no_worker_answers(celery_worker: Any) -> None:
    """The test worker is frozen (SIGSTOP), so no worker process answers the ping."""
    celery_worker.send_signal(signal.SIGSTOP)
    try:
        response = Client().get(URL)
    finally:
        celery_worker.send_signal(signal.SIGCONT)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["worker"].startswith("down")
    assert body["database"] == "ok" and body["redis"] == "ok"


def test_it_finds_the_worker_again_once_it_answers(celery_worker: Any) -> None:
    celery_worker.send_signal(signal.SIGSTOP)
    celery_worker.send_signal(signal.SIGCONT)
    assert Client().get(URL).status_code == 200


def test_a_probe_costs_one_query_and_no_session(celery_worker: Any) -> None:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]
    assert not response.cookies


def test_a_probe_with_a_session_cookie_writes_nothing(celery_worker: Any, member: Any) -> None:
    client = Client()
    client.force_login(member)
    key = client.session.session_key
    expires = Session.objects.get(session_key=key).expire_date
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert "sessionid" not in response.cookies
    assert Session.objects.get(session_key=key).expire_date == expires


def test_it_answers_without_login_or_tenant(celery_worker: Any) -> None:
    from tests.routes import all_routes

    (route,) = [r for r in all_routes() if r.name == "healthz"]
    assert route.is_public
