"""Daily report pages: write today's report (pulled-in items, draft, autosave, submit, the
refusals), visibility (reps their own, managers their team, admins all; another's report is
404), the team day and week views, detail with comments and read marks, search with keyset
pages, CSV export, the settings page, the widget, and constant query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core.context import tenant_context
from crm.core.dashboards import WidgetContext, get_widget
from crm.core.models import Membership, Notification
from crm.core.roles import Role
from sales.activities.models import ActivityKind
from sales.reports import services
from sales.reports.models import DailyReport, DailyReportComment, DailyReportRead, ReportSettings
from tests.factories import make_member

from .test_reports_helpers import Team, add_activity, local, make_team, today

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def html(response: Any) -> str:
    return response.content.decode()


def submitted(tenant: Any, author: Any, day: dt.date, did: str = "訪問 2件") -> DailyReport:
    with tenant_context(tenant):
        return services.report_create(
            tenant=tenant, author=author, date=day, did=did, plan_tomorrow="電話", submit=True
        )


@pytest.fixture
def team(tenant: Any) -> Team:
    return make_team(tenant)


def test_todays_form_shows_the_pulled_in_visit_and_submits(tenant, team) -> None:
    day = today(tenant)
    with tenant_context(tenant):
        add_activity(
            tenant, team.rep, ActivityKind.VISIT, local(tenant, day, 10), subject="定例訪問"
        )
    rep = client_for(team.rep)
    page = html(rep.get(reverse("sales:report_write")))
    assert 'data-testid="pulled-item"' in page and "定例訪問" in page
    assert "・10:00 Visit 定例訪問" in page  # the line one tap inserts
    response = rep.post(
        reverse("sales:report_write") + f"?date={day.isoformat()}",
        {
            "did": "・10:00 訪問 定例訪問",
            "plan_tomorrow": "見積",
            "minutes_spent": "480",
            "action": "submit",
        },
    )
    with tenant_context(tenant):
        report = DailyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sales/reports/{report.pk}/"
    assert report.is_submitted and report.minutes_spent == 480
    assert report.pulled_items[0]["title"] == "定例訪問"


def test_a_future_date_is_refused_on_the_form_and_nothing_is_saved(tenant, team) -> None:
    tomorrow = today(tenant) + dt.timedelta(days=1)
    response = client_for(team.rep).post(
        reverse("sales:report_write") + f"?date={tomorrow.isoformat()}",
        {"did": "先の予定", "plan_tomorrow": "x", "action": "submit"},
    )
    assert response.status_code == 400
    assert "is in the future" in html(response)
    assert "先の予定" in html(response)  # what was typed is kept
    with tenant_context(tenant):
        assert not DailyReport.objects.exists()


def test_an_empty_submit_names_the_fields_to_fill(tenant, team) -> None:
    response = client_for(team.rep).post(
        reverse("sales:report_write"), {"results": "受注", "action": "submit"}
    )
    assert response.status_code == 400
    page = html(response)
    assert 'data-testid="error-did"' in page and 'data-testid="error-plan_tomorrow"' in page
    assert "受注" in page
    with tenant_context(tenant):
        assert not DailyReport.objects.exists()


def test_the_draft_autosaves_and_a_draft_save_keeps_it_a_draft(tenant, team) -> None:
    rep = client_for(team.rep)
    url = reverse("sales:report_write")
    empty = rep.post(url, {"did": ""}, HTTP_X_AUTOSAVE="1")
    assert empty.json() == {"saved": False}
    saved = rep.post(url, {"did": "午前 訪問"}, HTTP_X_AUTOSAVE="1")
    assert saved.json()["saved"] is True and "Draft saved at" in saved.json()["message"]
    again = rep.post(url, {"did": "午前 訪問、午後 電話", "action": "save"})
    assert again.status_code == 302
    with tenant_context(tenant):
        report = DailyReport.objects.get()
    assert report.did == "午前 訪問、午後 電話" and not report.is_submitted
    bad = rep.post(url, {"minutes_spent": "abc"}, HTTP_X_AUTOSAVE="1")
    assert bad.status_code == 400 and "minutes_spent" in bad.json()["errors"]


def test_autosave_leaves_a_submitted_report_alone(tenant, team) -> None:
    report = submitted(tenant, team.rep, today(tenant), "提出済みの内容")
    rep = client_for(team.rep)
    page = html(rep.get(reverse("sales:report_write")))
    assert "data-autosave-url" not in page and "Save changes" in page
    response = rep.post(reverse("sales:report_write"), {"did": "書きかけ"}, HTTP_X_AUTOSAVE="1")
    assert response.json()["saved"] is False
    with tenant_context(tenant):
        report.refresh_from_db()
    assert report.did == "提出済みの内容" and report.edited_after_submit_at is None


def test_reps_see_only_their_own_reports(tenant, team) -> None:
    day = today(tenant)
    mine = submitted(tenant, team.rep, day, "私の日報")
    theirs = submitted(tenant, team.other_rep, day, "他人の日報")
    rep = client_for(team.rep)
    assert rep.get(reverse("sales:report_detail", args=[mine.pk])).status_code == 200
    assert rep.get(reverse("sales:report_detail", args=[theirs.pk])).status_code == 404
    assert (
        rep.post(reverse("sales:report_comment", args=[theirs.pk]), {"body": "x"}).status_code
        == 404
    )
    found = html(rep.get(reverse("sales:report_search"), {"q": "日報"}))
    assert "私の日報" in found and "他人の日報" not in found
    exported = b"".join(rep.get(reverse("sales:report_export")).streaming_content).decode()
    assert "私の日報" in exported and "他人の日報" not in exported
    assert "The team views are for managers" in html(rep.get(reverse("sales:report_team_day")))


def test_managers_see_their_team_and_admins_see_everyone(tenant, team) -> None:
    day = today(tenant)
    in_team = submitted(tenant, team.rep, day, "チームの日報")
    outside = submitted(tenant, team.other_rep, day, "別チームの日報")
    manager = client_for(team.manager)
    assert manager.get(reverse("sales:report_detail", args=[in_team.pk])).status_code == 200
    assert manager.get(reverse("sales:report_detail", args=[outside.pk])).status_code == 404
    owner = client_for(team.owner)
    assert owner.get(reverse("sales:report_detail", args=[outside.pk])).status_code == 200
    found = html(owner.get(reverse("sales:report_search")))
    assert "チームの日報" in found and "別チームの日報" in found


def test_opening_a_report_marks_it_read_and_the_button_toggles(tenant, team) -> None:
    report = submitted(tenant, team.rep, today(tenant))
    manager = client_for(team.manager)
    page = html(manager.get(reverse("sales:report_detail", args=[report.pk])))
    assert 'data-testid="read-mark"' in page
    with tenant_context(tenant):
        assert DailyReportRead.objects.filter(report=report, reader=team.manager).exists()
    unread = manager.post(
        reverse("sales:report_read", args=[report.pk]), {"action": "unread"}, HTTP_HX_REQUEST="true"
    )
    assert 'data-testid="mark-read"' in html(unread)
    with tenant_context(tenant):
        assert not DailyReportRead.objects.exists()
    manager.post(reverse("sales:report_read", args=[report.pk]))
    with tenant_context(tenant):
        assert DailyReportRead.objects.count() == 1
    # the author opening their own report marks nothing
    client_for(team.rep).get(reverse("sales:report_detail", args=[report.pk]))
    with tenant_context(tenant):
        assert DailyReportRead.objects.count() == 1


def test_a_comment_by_htmx_shows_in_the_list_and_notifies_the_rep(tenant, team) -> None:
    report = submitted(tenant, team.rep, today(tenant))
    manager = client_for(team.manager)
    url = reverse("sales:report_comment", args=[report.pk])
    empty = manager.post(url, {"body": " "}, HTTP_HX_REQUEST="true")
    assert "Write the comment before sending it." in html(empty)
    response = manager.post(url, {"body": "明日の見積、期待しています"}, HTTP_HX_REQUEST="true")
    assert "明日の見積、期待しています" in html(response)
    with tenant_context(tenant):
        assert DailyReportComment.objects.count() == 1
        note = Notification.objects.get(user=team.rep)
    assert note.url == f"/sales/reports/{report.pk}/"


def test_a_comment_on_another_tenants_report_is_404(tenant, other_tenant, outsider, team) -> None:
    report = submitted(tenant, team.rep, today(tenant))
    stranger = client_for(outsider)
    response = stranger.post(reverse("sales:report_comment", args=[report.pk]), {"body": "x"})
    assert response.status_code == 404
    assert stranger.get(reverse("sales:report_detail", args=[report.pk])).status_code == 404
    with tenant_context(tenant):
        assert not DailyReportComment.objects.exists()


def test_the_team_day_shows_who_submitted_who_did_not_and_unread(tenant, team) -> None:
    day = today(tenant)
    with tenant_context(tenant):
        Membership.objects.filter(user=team.other_rep).update(
            manager=Membership.objects.get(user=team.manager)
        )
    report = submitted(tenant, team.rep, day)
    manager = client_for(team.manager)
    page = html(manager.get(reverse("sales:report_team_day"), {"date": day.isoformat()}))
    assert f'data-testid="unread-{team.rep.pk}"' in page
    assert f'data-testid="missing-{team.other_rep.pk}"' in page
    assert "1 of 2 submitted" in page
    manager.get(reverse("sales:report_detail", args=[report.pk]))
    page = html(manager.get(reverse("sales:report_team_day"), {"date": day.isoformat()}))
    assert f'data-testid="read-{team.rep.pk}"' in page


def test_the_team_week_is_a_grid_of_reps_and_days_with_holidays(tenant, team) -> None:
    monday = dt.date(2026, 11, 2)
    with tenant_context(tenant):
        DailyReport.objects.create(
            tenant=tenant, author=team.rep, date=monday, did="x", status="submitted"
        )
    page = html(
        client_for(team.manager).get(reverse("sales:report_team_week"), {"week": "2026-11-04"})
    )
    assert 'data-testid="team-week"' in page
    assert "文化の日" in page  # Tuesday 3 Nov is marked as a holiday
    assert "bi-envelope-fill" in page  # the unread report on Monday


def test_search_filters_by_words_author_and_dates_with_keyset_pages(tenant, team) -> None:
    start = today(tenant) - dt.timedelta(days=40)
    with tenant_context(tenant):
        DailyReport.objects.bulk_create(
            [
                DailyReport(
                    tenant=tenant,
                    author=team.rep,
                    date=start + dt.timedelta(days=i),
                    did=f"訪問 {i}" + (" 佐藤様" if i % 2 else ""),
                    status="submitted",
                )
                for i in range(35)
            ]
        )
    owner = client_for(team.owner)
    first = owner.get(reverse("sales:report_search"), {"q": "佐藤"})
    assert first.status_code == 200 and len(first.context["reports"]) == 17
    assert all("佐藤" in r.did for r in first.context["reports"])
    page1 = owner.get(reverse("sales:report_search"), {"author": team.rep.pk})
    cursor = page1.context["next_cursor"]
    assert len(page1.context["reports"]) == 30 and cursor
    page2 = owner.get(reverse("sales:report_search"), {"author": team.rep.pk, "after": cursor})
    assert len(page2.context["reports"]) == 5 and not page2.context["next_cursor"]
    dates = owner.get(
        reverse("sales:report_search"),
        {"date_from": start.isoformat(), "date_to": (start + dt.timedelta(days=2)).isoformat()},
    )
    assert len(dates.context["reports"]) == 3
    bad = owner.get(reverse("sales:report_search"), {"date_from": "昨日"})
    assert bad.status_code == 400 and "Enter the date like 2026-03-31." in html(bad)


def test_the_csv_export_has_a_bom_and_guards_formulas(tenant, team) -> None:
    with tenant_context(tenant):
        services.report_create(
            tenant=tenant,
            author=team.rep,
            date=today(tenant),
            did='=HYPERLINK("x")',
            results="+81 商談",
            issues="@課題",
            plan_tomorrow="-見積",
            minutes_spent=90,
            submit=True,
        )
    response = client_for(team.manager).get(reverse("sales:report_export"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Author", "Status"]
    assert rows[1][1] == "営業 鈴木" and rows[1][2] == "Submitted"
    assert rows[1][4:9] == ['\'=HYPERLINK("x")', "'+81 商談", "'@課題", "'-見積", "90"]


def test_the_settings_page_saves_time_and_roles(tenant, team) -> None:
    owner = client_for(team.owner)
    assert owner.get(reverse("sales:report_settings")).status_code == 200
    bad = owner.post(
        reverse("sales:report_settings"), {"remind_at": "夜", "required_roles": ["sales"]}
    )
    assert bad.status_code == 400 and "Enter the time like 18:00." in html(bad)
    ok = owner.post(
        reverse("sales:report_settings"),
        {"reminders_enabled": "on", "remind_at": "17:30", "required_roles": ["sales", "manager"]},
    )
    assert ok.status_code == 302
    with tenant_context(tenant):
        config = ReportSettings.objects.get()
    assert config.remind_at == dt.time(17, 30) and config.required_roles == ["manager", "sales"]
    assert client_for(team.rep).get(reverse("sales:report_settings")).status_code == 403


def test_the_widget_lists_the_teams_reports_with_unread_toned(tenant, team) -> None:
    day = today(tenant)
    first = submitted(tenant, team.rep, day - dt.timedelta(days=1))
    submitted(tenant, team.rep, day)
    with tenant_context(tenant):
        services.report_mark_read(tenant=tenant, report=first, reader=team.manager)
        membership = Membership.objects.get(user=team.manager)
        widget = get_widget("sales.recent_daily_reports")
        assert widget is not None and Role.MANAGER in widget.default_for
        ctx = WidgetContext(tenant=tenant, user=team.manager, membership=membership, role="manager")
        with CaptureQueriesContext(connection) as queries:
            data = widget.data(ctx)
    assert len(queries) <= 3
    assert [i["tone"] for i in data["items"]] == ["warning", ""]
    assert data["items"][0]["url"].startswith("/sales/reports/")


def _count(client: Client, url: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx)


def test_list_pages_answer_in_a_constant_number_of_queries(tenant, team) -> None:
    owner = client_for(team.owner)
    manager = client_for(team.manager)
    day = today(tenant)
    submitted(tenant, team.rep, day)
    small = {
        "search": _count(owner, reverse("sales:report_search")),
        "day": _count(manager, reverse("sales:report_team_day")),
        "week": _count(manager, reverse("sales:report_team_week")),
        "mine": _count(client_for(team.rep), reverse("sales:report_list")),
    }
    extra = [make_member(tenant, Role.SALES) for _ in range(5)]
    with tenant_context(tenant):
        boss = Membership.objects.get(user=team.manager)
        Membership.objects.filter(user__in=extra).update(manager=boss)
        for i, user in enumerate(extra):
            DailyReport.objects.create(
                tenant=tenant, author=user, date=day, did="x", status="submitted"
            )
            DailyReport.objects.create(
                tenant=tenant,
                author=team.rep,
                date=day - dt.timedelta(days=i + 1),
                did="y",
                status="submitted",
            )
            DailyReportComment.objects.create(
                tenant=tenant,
                report=DailyReport.objects.filter(author=user).get(),
                author=team.manager,
                body="c",
            )
    large = {
        "search": _count(owner, reverse("sales:report_search")),
        "day": _count(manager, reverse("sales:report_team_day")),
        "week": _count(manager, reverse("sales:report_team_week")),
        "mine": _count(client_for(team.rep), reverse("sales:report_list")),
    }
    assert large == small


def test_the_detail_page_answers_in_a_constant_number_of_queries(tenant, team) -> None:
    report = submitted(tenant, team.rep, today(tenant))
    manager = client_for(team.manager)
    manager.get(reverse("sales:report_detail", args=[report.pk]))
    before = _count(manager, reverse("sales:report_detail", args=[report.pk]))
    with tenant_context(tenant):
        for i in range(5):
            services.comment_add(tenant=tenant, report=report, author=team.owner, body=f"c{i}")
        services.report_mark_read(tenant=tenant, report=report, reader=team.owner)
    assert _count(manager, reverse("sales:report_detail", args=[report.pk])) == before
