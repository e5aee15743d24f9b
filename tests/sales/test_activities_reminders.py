"""Reminders: beat's entry point, a real Celery worker and a real SMTP exchange. Each due
reminder notifies the owner and user attendees once, mails them in their own language, and
a second run sends nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crm.core.context import tenant_context
from crm.core.models.notifications import Notification
from crm.core.roles import Role
from crm.core.services.tenants import membership_add
from sales.activities import services
from sales.activities.models import Activity
from sales.activities.tasks import send_due_reminders_all_tenants
from tests.factories import make_user


def _due(tenant, owner, subject: str, **extra) -> Activity:
    with tenant_context(tenant):
        return services.activity_create(
            tenant=tenant,
            actor=owner,
            kind="visit",
            subject=subject,
            starts_at=timezone.now() + dt.timedelta(minutes=5),
            remind_before_minutes=10,  # due five minutes ago
            place="大阪市北区",
            **extra,
        )


@pytest.mark.django_db(transaction=True)
def test_the_worker_reminds_each_recipient_once_in_their_language(
    celery_worker, inbox, tenant, member, other_tenant, outsider
) -> None:
    colleague = make_user("ken@alpha.example.com", display_name="Ken", language="en")
    membership_add(tenant=tenant, user=colleague, role=Role.SALES)
    activity = _due(tenant, member, "大和製作所 訪問", attendee_users=[colleague.pk])
    with tenant_context(tenant):
        later = services.activity_create(
            tenant=tenant,
            actor=member,
            subject="来週の準備",
            starts_at=timezone.now() + dt.timedelta(days=7),
            remind_before_minutes=60,
        )

    send_due_reminders_all_tenants.delay()
    to_alice = inbox.wait_for(member.email)
    to_ken = inbox.wait_for(colleague.email)
    # Alice has no language of her own: the tenant's default (Japanese) is used.
    assert "大和製作所 訪問" in str(to_alice["Subject"])
    assert "日時" in inbox.body(to_alice) and "大阪市北区" in inbox.body(to_alice)
    assert f"/sales/activities/{activity.pk}/" in inbox.body(to_alice)
    # Ken chose English.
    assert "Reminder" in str(to_ken["Subject"])
    assert "When:" in inbox.body(to_ken)

    with tenant_context(tenant):
        activity.refresh_from_db()
        later.refresh_from_db()
        assert activity.reminded_at is not None
        assert later.reminded_at is None  # not due yet
        notes = list(Notification.objects.filter(kind="activity_reminder"))
        assert sorted(n.user_id for n in notes) == sorted([member.pk, colleague.pk])
        assert all(n.url == f"/sales/activities/{activity.pk}/" for n in notes)

    # A second run: tenant A has nothing due any more. Tenant B (enqueued after A on the same
    # queue, one worker process) gets a reminder, so its mail proves A's run has finished.
    _due(other_tenant, outsider, "Beta の訪問")
    send_due_reminders_all_tenants.delay()
    inbox.wait_for(outsider.email)
    assert len(inbox.to(member.email)) == 1
    assert len(inbox.to(colleague.email)) == 1
    with tenant_context(tenant):
        assert Notification.objects.filter(kind="activity_reminder").count() == 2


@pytest.mark.django_db
def test_a_done_activity_or_one_without_reminder_is_not_reminded(tenant, member, inbox) -> None:
    done = _due(tenant, member, "済んだ訪問")
    with tenant_context(tenant):
        services.activity_complete(tenant=tenant, activity=done, actor=member)
        services.activity_create(
            tenant=tenant, actor=member, subject="通知なし", starts_at=timezone.now()
        )
        assert services.send_due_reminders(tenant=tenant) == 0
        assert not Notification.objects.filter(kind="activity_reminder").exists()


@pytest.mark.django_db
def test_a_reminder_moved_later_fires_again_with_a_new_notification(
    tenant, member, inbox, django_capture_on_commit_callbacks
) -> None:
    activity = _due(tenant, member, "再調整の訪問")
    with tenant_context(tenant):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.send_due_reminders(tenant=tenant) == 1
            assert services.send_due_reminders(tenant=tenant) == 0
        services.activity_update(
            tenant=tenant,
            activity=activity,
            actor=member,
            starts_at=timezone.now() + dt.timedelta(minutes=8),
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert services.send_due_reminders(tenant=tenant) == 1
        assert Notification.objects.filter(kind="activity_reminder", user=member).count() == 2
    assert len(inbox.to(member.email)) == 2
