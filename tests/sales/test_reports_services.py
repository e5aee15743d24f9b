"""Daily report services without HTTP: drafts and submits, the refusals (future day, a
second report of a day, an empty submit, someone else's report), edits after submitting,
the pulled-in snapshot, comments with their notification, read marks, working days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Interaction
from contacts.services import company_create, contact_log_call
from crm.core.context import tenant_context
from crm.core.models import AuditLog, Notification
from sales.activities.models import ActivityKind
from sales.reports import services
from sales.reports.models import DailyReport, DailyReportRead, ReportStatus
from tests.factories import make_contact

from .helpers import default_pipeline, make_deal
from .test_reports_helpers import add_activity, local, make_team, today

pytestmark = pytest.mark.django_db


def test_a_draft_is_saved_then_submitted_once(tenant) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        day = today(tenant)
        report = services.report_create(
            tenant=tenant, author=team.rep, date=day, did="顧客訪問 3件", minutes_spent="7:30"
        )
        assert report.status == ReportStatus.DRAFT and report.minutes_spent == 450
        report = services.report_update(
            tenant=tenant, report=report, actor=team.rep, plan_tomorrow="見積提出", submit=True
        )
        assert report.status == ReportStatus.SUBMITTED and report.submitted_at is not None
        assert report.edited_after_submit_at is None
        assert AuditLog.objects.filter(object_type__icontains="dailyreport").count() == 2


def test_a_future_day_is_refused_and_nothing_is_stored(tenant) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        tomorrow = today(tenant) + dt.timedelta(days=1)
        with pytest.raises(ValidationError) as caught:
            services.report_create(
                tenant=tenant, author=team.rep, date=tomorrow, did="x", plan_tomorrow="y"
            )
        assert "is in the future" in caught.value.message_dict["date"][0]
        assert tomorrow.isoformat() in caught.value.message_dict["date"][0]
        assert not DailyReport.objects.exists()


def test_the_future_is_the_tenants_day_not_the_servers(tenant) -> None:
    """23:30 UTC on 30 Nov is already 1 Dec in Tokyo: a report for 1 Dec is allowed."""
    team = make_team(tenant)
    now = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
    with tenant_context(tenant):
        report = services.report_create(
            tenant=tenant, author=team.rep, date="2026-12-01", now=now, did="朝一訪問"
        )
        assert report.date == dt.date(2026, 12, 1)
        with pytest.raises(ValidationError):
            services.report_create(tenant=tenant, author=team.rep, date="2026-12-02", now=now)


def test_a_second_report_for_the_same_day_is_refused(tenant) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        day = today(tenant)
        services.report_create(tenant=tenant, author=team.rep, date=day, did="first")
        with pytest.raises(ValidationError) as caught:
            services.report_create(tenant=tenant, author=team.rep, date=day, did="second")
        assert "already have a daily report" in caught.value.message_dict["date"][0]
        assert list(DailyReport.objects.values_list("did", flat=True)) == ["first"]
        # another rep's report of that day is fine
        services.report_create(tenant=tenant, author=team.other_rep, date=day, did="mine")


def test_an_empty_submit_says_which_fields_to_fill_and_stores_nothing(tenant) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        with pytest.raises(ValidationError) as caught:
            services.report_create(
                tenant=tenant, author=team.rep, date=today(tenant), results="受注1件", submit=True
            )
        errors = caught.value.message_dict
        assert set(errors) == {"did", "plan_tomorrow"}
        assert errors["did"] == ["Write what you did before submitting."]
        assert errors["plan_tomorrow"] == ["Write tomorrow's plan before submitting."]
        assert not DailyReport.objects.exists()


def test_bad_minutes_are_refused_with_the_expected_format(tenant) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        for bad in ("abc", "2000", "-5", "25:00"):
            with pytest.raises(ValidationError) as caught:
                services.report_create(
                    tenant=tenant, author=team.rep, date=today(tenant), minutes_spent=bad
                )
            assert "minutes (0–1440)" in caught.value.message_dict["minutes_spent"][0]
        assert not DailyReport.objects.exists()
        ok = services.report_create(
            tenant=tenant, author=team.rep, date=today(tenant), minutes_spent="４８０"
        )
        assert ok.minutes_spent == 480


def test_only_the_author_edits_and_edits_after_submit_are_recorded(tenant) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        report = services.report_create(
            tenant=tenant,
            author=team.rep,
            date=today(tenant),
            did="訪問",
            plan_tomorrow="電話",
            submit=True,
        )
        with pytest.raises(ValidationError):
            services.report_update(tenant=tenant, report=report, actor=team.manager, did="改ざん")
        assert DailyReport.objects.get().did == "訪問"
        report = services.report_update(
            tenant=tenant, report=report, actor=team.rep, did="訪問（追記あり）"
        )
        assert report.status == ReportStatus.SUBMITTED
        assert report.edited_after_submit_at is not None
        entry = AuditLog.objects.filter(action=AuditLog.Action.UPDATE).latest("id")
        assert entry.changes["did"] == ["訪問", "訪問（追記あり）"]
        assert entry.changes["after_submit"] == [False, True]
        with pytest.raises(ValidationError) as caught:
            services.report_update(tenant=tenant, report=report, actor=team.rep, did="")
        assert "did" in caught.value.message_dict
        assert DailyReport.objects.get().did == "訪問（追記あり）"


def test_the_days_visits_calls_and_deal_moves_are_pulled_in_and_kept(tenant) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        day = today(tenant)
        company = company_create(tenant=tenant, name="東海精機株式会社")
        contact = make_contact(tenant, last_name="山本", company=company.pk)
        visit = add_activity(
            tenant,
            team.rep,
            ActivityKind.VISIT,
            local(tenant, day, 10),
            company=company,
            subject="新製品の提案",
            outcome="好感触",
        )
        add_activity(
            tenant, team.rep, ActivityKind.TASK, local(tenant, day, 11), subject="見積作成"
        )
        add_activity(
            tenant, team.rep, ActivityKind.VISIT, local(tenant, day - dt.timedelta(days=1), 10)
        )
        add_activity(tenant, team.other_rep, ActivityKind.VISIT, local(tenant, day, 10))
        contact_log_call(tenant=tenant, contact=contact, actor=team.rep, outcome="connected")
        # At the day's first minute: the deal below is created "now", which can be any time
        # of the tenant's day (the suite also runs after midnight in Tokyo).
        Interaction.objects.filter(kind="call").update(occurred_at=local(tenant, day, 0))
        _pipeline, stages = default_pipeline(tenant)
        deal = make_deal(tenant, name="生産管理システム", owner=team.rep.pk, actor=team.rep)
        from sales.deals.services import deal_move_stage

        deal_move_stage(tenant=tenant, deal=deal, stage=stages["Proposal"], actor=team.rep)
        report = services.report_create(
            tenant=tenant, author=team.rep, date=day, did="x", plan_tomorrow="y", submit=True
        )
        kinds = [item["kind"] for item in report.pulled_items]
        assert kinds[0] == "call" and "visit" in kinds
        assert sorted(kinds) == ["call", "deal_created", "deal_move", "visit"]
        visit_item = next(i for i in report.pulled_items if i["kind"] == "visit")
        assert visit_item["title"] == "新製品の提案" and visit_item["party"] == "東海精機株式会社"
        assert visit_item["detail"] == "好感触"
        move = next(i for i in report.pulled_items if i["kind"] == "deal_move")
        assert move["detail"] == "Lead → Proposal" and move["url"].endswith(f"/deals/{deal.pk}/")
        # The submitted report keeps what it said, whatever happens to the visit later.
        visit.subject = "変更後"
        visit.save()
        services.report_update(tenant=tenant, report=report, actor=team.rep, results="追記")
        report.refresh_from_db()
        assert (
            next(i for i in report.pulled_items if i["kind"] == "visit")["title"] == "新製品の提案"
        )


def test_a_comment_notifies_the_author_and_marks_it_read(tenant) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        report = services.report_create(
            tenant=tenant,
            author=team.rep,
            date=today(tenant),
            did="訪問",
            plan_tomorrow="電話",
            submit=True,
        )
        with pytest.raises(ValidationError) as caught:
            services.comment_add(tenant=tenant, report=report, author=team.manager, body="  ")
        assert caught.value.message_dict["body"] == ["Write the comment before sending it."]
        services.comment_add(
            tenant=tenant, report=report, author=team.manager, body="よくできました"
        )
        note = Notification.objects.get(user=team.rep)
        assert (
            note.kind == "sales.report_comment" and "commented on your daily report" in note.title
        )
        assert note.url == f"/sales/reports/{report.pk}/"
        assert DailyReportRead.objects.filter(report=report, reader=team.manager).exists()
        # the rep answers: the manager is told
        services.comment_add(
            tenant=tenant, report=report, author=team.rep, body="ありがとうございます"
        )
        assert (
            Notification.objects.filter(user=team.manager, kind="sales.report_comment").count() == 1
        )
        assert Notification.objects.filter(user=team.rep).count() == 1


def test_a_report_is_marked_read_once_and_never_by_its_author(tenant) -> None:
    team = make_team(tenant)
    with tenant_context(tenant):
        draft = services.report_create(tenant=tenant, author=team.rep, date=today(tenant), did="x")
        assert services.report_mark_read(tenant=tenant, report=draft, reader=team.manager) is False
        report = services.report_update(
            tenant=tenant, report=draft, actor=team.rep, plan_tomorrow="y", submit=True
        )
        assert services.report_mark_read(tenant=tenant, report=report, reader=team.rep) is False
        assert services.report_mark_read(tenant=tenant, report=report, reader=team.manager) is True
        assert services.report_mark_read(tenant=tenant, report=report, reader=team.manager) is False
        assert DailyReportRead.objects.count() == 1


def test_working_days_skip_weekends_and_japanese_holidays() -> None:
    assert services.is_working_day(dt.date(2026, 11, 2))  # Monday
    assert not services.is_working_day(dt.date(2026, 11, 3))  # 文化の日
    assert services.holiday_name(dt.date(2026, 11, 3)) == "文化の日"
    assert not services.is_working_day(dt.date(2026, 11, 7))  # Saturday
    assert not services.is_working_day(dt.date(2026, 11, 8))  # Sunday
    assert not services.is_working_day(dt.date(2026, 11, 23))  # 勤労感謝の日
