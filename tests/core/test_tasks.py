from __future__ import annotations

import pytest

from crm.core import context
from crm.core.context import NoTenantError, tenant_context
from crm.core.tasks import whoami


@pytest.mark.django_db
def test_a_task_without_tenant_id_fails_instead_of_inheriting(tenant) -> None:
    # a tenant is active in the calling context, but the task was given none: it must fail
    with tenant_context(tenant), pytest.raises(NoTenantError):
        whoami()


@pytest.mark.django_db
def test_a_task_runs_in_the_tenant_it_is_given(tenant, other_tenant) -> None:
    with tenant_context(tenant):
        assert whoami(tenant_id=other_tenant.pk) == other_tenant.pk
    assert context.current_tenant() is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_task_in_its_tenant(celery_worker, tenant) -> None:
    """Through Redis and a real worker process: the task sees its own tenant's rows."""
    from contacts.models import Contact
    from crm.core.models import AuditLog
    from tests.conftest import wait_until
    from tests.factories import make_contact

    contact = make_contact(tenant, last_name="鈴木")
    from crm.core.tasks import audit_ping

    audit_ping.delay(tenant_id=tenant.pk, contact_id=contact.pk)

    def logged() -> bool:
        with tenant_context(tenant):
            return AuditLog.objects.filter(action="other", object_id=str(contact.pk)).exists()

    assert wait_until(logged)
    with tenant_context(tenant):
        assert Contact.objects.count() == 1


def test_every_scheduled_task_exists() -> None:
    """A typo in a beat entry would fail silently every minute in production."""
    from django.conf import settings

    from crm.celery import app

    app.loader.import_default_modules()
    missing = [
        (key, entry["task"])
        for key, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] not in app.tasks
    ]
    assert not missing
