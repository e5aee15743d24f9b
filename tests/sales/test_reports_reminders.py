"""Reminders for missing daily reports, run by a real Celery worker and mailed through the
SMTP sink: after the tenant's reminder time on a working day, each member who must write
and has not submitted gets one notification and one e-mail; never on a Saturday, a public
holiday (2026-11-03 文化の日) or before the time; never twice for the same day.

The worker runs one task at a time in queue order, so once the mail of the last task
queued has arrived, every task queued before it has finished: what did not happen can be
asserted without waiting on a clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crm.core.context import tenant_context
from crm.core.models import Notification
from sales.reports import services
from sales.reports.models import ReportSettings
from sales.reports.tasks import remind_missing_reports, remind_missing_reports_all_tenants
from tests.conftest import wait_until

from .test_reports_helpers import make_team

pytestmark = pytest.mark.django_db(transaction=True)


def at(day: str, time: str) -> str:
    return f"{day}T{time}:00+09:00"


def run(tenant: Any, now: str) -> None:
    remind_missing_reports.apply_async(kwargs={"tenant_id": tenant.pk, "now": now})


def test_reminders_go_out_once_on_working_days_after_the_time(tenant, celery_worker, inbox) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        services.report_create(
            tenant=tenant,
            author=team.other_rep,
            date="2026-11-04",
            did="訪問",
            plan_tomorrow="電話",
            submit=True,
        )
    run(tenant, at("2026-11-04", "17:59"))  # Wednesday, before 18:00
    run(tenant, at("2026-11-07", "19:00"))  # Saturday
    run(tenant, at("2026-11-03", "19:00"))  # 文化の日
    run(tenant, at("2026-11-04", "18:15"))
    run(tenant, at("2026-11-04", "18:30"))  # the next beat run the same evening
    run(tenant, at("2026-11-05", "18:00"))  # the marker: the last task queued

    def marker_mail() -> Any:
        # The marker task mails both reps, one after the other: wait for both.
        return all(
            any("2026-11-05" in str(m["Subject"]) for m in inbox.to(user.email))
            for user in (team.rep, team.other_rep)
        )

    wait_until(marker_mail)
    to_rep = inbox.to(team.rep.email)
    # In Japanese: the reps set no language and the tenant's default is Japanese.
    assert sorted(str(m["Subject"]).strip() for m in to_rep) == [
        "[Alpha 株式会社] 2026-11-04 の日報がまだ提出されていません",
        "[Alpha 株式会社] 2026-11-05 の日報がまだ提出されていません",
    ]
    assert "/sales/reports/write/?date=2026-11-04" in inbox.body(to_rep[0]) + inbox.body(to_rep[1])
    # the other rep submitted on the 4th: reminded for the 5th only
    assert [str(m["Subject"]).strip() for m in inbox.to(team.other_rep.email)] == [
        "[Alpha 株式会社] 2026-11-05 の日報がまだ提出されていません"
    ]
    assert inbox.to(team.manager.email) == []  # managers do not write by default
    with tenant_context(tenant):
        keys = sorted(
            Notification.objects.filter(user=team.rep, kind="sales.report_reminder").values_list(
                "dedupe_key", flat=True
            )
        )
    assert keys == [
        f"sales.report_reminder:{team.rep.pk}:2026-11-04",
        f"sales.report_reminder:{team.rep.pk}:2026-11-05",
    ]


def test_the_tenants_own_time_and_roles_decide(tenant, celery_worker, inbox) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        services.report_settings_update(
            tenant=tenant,
            reminders_enabled=True,
            remind_at=dt.time(20, 0),
            required_roles=["manager"],
        )
    run(tenant, at("2026-11-04", "19:00"))  # before this tenant's 20:00
    run(tenant, at("2026-11-04", "20:05"))
    mail = inbox.wait_for(team.manager.email)
    assert "2026-11-04" in str(mail["Subject"])
    assert inbox.to(team.rep.email) == []  # sales no longer required
    with tenant_context(tenant):
        assert Notification.objects.filter(kind="sales.report_reminder").count() == 1


def test_the_beat_entry_point_enqueues_each_tenant(tenant, celery_worker, inbox) -> None:
    """Real clock: today is reminded if (and only if) it is a working day in Tokyo."""
    team = make_team(tenant)
    with tenant_context(tenant):
        ReportSettings.objects.create(tenant=tenant, remind_at=dt.time(0, 0))
        today = services.tenant_today(tenant)
    # Beat's call, made here so the per-tenant tasks it queues come before the marker.
    assert remind_missing_reports_all_tenants() >= 1
    run(tenant, at("2026-11-06", "23:00"))
    wait_until(lambda: [m for m in inbox.to(team.rep.email) if "2026-11-06" in str(m["Subject"])])
    with tenant_context(tenant):
        reminded_today = Notification.objects.filter(
            user=team.rep, dedupe_key=f"sales.report_reminder:{team.rep.pk}:{today.isoformat()}"
        ).exists()
    assert reminded_today == services.is_working_day(today)
