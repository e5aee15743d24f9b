"""Background jobs that must not stay "running" forever when their worker dies.

A job's run holds a heartbeat key in Redis while it works (`with heartbeat(...)`: a daemon
thread refreshes it every HEARTBEAT_EVERY seconds, with a TTL of HEARTBEAT_TTL). A worker
killed mid-run (OOM, deploy, power) stops refreshing, the key expires, and the beat task
`reap_stalled` marks the job failed with a message telling the user to start it again.
The work itself is transactional (imports load in one transaction; exports save their file
last), so a dead run changed nothing.

Apps register their job models once (`register_job`); the reaper needs a status field with a
running and a failed value, `error_message` and `finished_at`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 20.0  # seconds between refreshes
HEARTBEAT_TTL = 90  # seconds a key outlives its last refresh

STALLED_MESSAGE = _(
    "This job stopped because the worker running it went away. Nothing was changed; start it again."
)


@dataclass(frozen=True)
class JobKind:
    name: str  # "contacts.import", stable: part of the heartbeat key
    model: Any
    running: str
    failed: str


_KINDS: dict[str, JobKind] = {}


def register_job(name: str, model: Any, *, running: str, failed: str) -> None:
    _KINDS[name] = JobKind(name=name, model=model, running=running, failed=failed)


def registered_jobs() -> list[JobKind]:
    return list(_KINDS.values())


def heartbeat_key(name: str, tenant_id: int, job_id: int) -> str:
    return f"crm:job-heartbeat:{name}:{tenant_id}:{job_id}"


@contextmanager
def heartbeat(name: str, *, tenant_id: int, job_id: int) -> Iterator[None]:
    """Enter BEFORE the job is marked running, leave after it is marked done or failed."""
    if name not in _KINDS:
        raise KeyError(f"job kind {name!r} is not registered")
    key = heartbeat_key(name, tenant_id, job_id)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_EVERY):
            try:
                cache.set(key, 1, timeout=HEARTBEAT_TTL)
            except Exception:  # Redis away for a moment: the next beat tries again
                logger.warning("job heartbeat %s could not be written", key, exc_info=True)

    cache.set(key, 1, timeout=HEARTBEAT_TTL)
    thread = threading.Thread(target=beat, name=f"heartbeat-{name}-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        cache.delete(key)


def reap_stalled(*, tenant: Any) -> dict[str, int]:
    """Fails this tenant's running jobs whose heartbeat is gone, with the reason in the
    language the job was started in. The UPDATE re-checks the status, so a job that finished
    between the read and the write is left alone."""
    reaped: dict[str, int] = {}
    for kind in registered_jobs():
        has_language = any(f.name == "language" for f in kind.model._meta.concrete_fields)
        fields = ("pk", "language") if has_language else ("pk",)
        rows = list(
            kind.model.objects.filter(tenant=tenant, status=kind.running).values_list(*fields)
        )
        if not rows:
            continue
        alive = cache.get_many([heartbeat_key(kind.name, tenant.pk, row[0]) for row in rows])
        by_language: dict[str, list[int]] = {}
        for row in rows:
            if heartbeat_key(kind.name, tenant.pk, row[0]) not in alive:
                language = (row[1] if has_language else "") or settings.LANGUAGE_CODE
                by_language.setdefault(language, []).append(row[0])
        count = 0
        for language, dead in by_language.items():
            with translation.override(language):
                message = str(STALLED_MESSAGE)
            count += kind.model.objects.filter(
                tenant=tenant, pk__in=dead, status=kind.running
            ).update(status=kind.failed, error_message=message, finished_at=timezone.now())
        if count:
            logger.warning("tenant %s: %s stalled %s job(s) failed", tenant.pk, count, kind.name)
            reaped[kind.name] = count
    return reaped
