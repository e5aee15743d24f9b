"""Activity pages: My day (order, overdue, empty state, quick add with errors, one-tap
complete), the calendar (month/week, holidays, owner filter, constant queries), activity
form/detail/delete, the deal/contact/company Activities sections, record visibility."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contacts.models import Interaction
from crm.core.context import tenant_context
from crm.core.models import Membership, Tenant
from crm.core.roles import Role
from sales.activities import selectors, services
from sales.activities.models import Activity
from tests.factories import make_contact, make_member

from .helpers import make_deal as _make_deal

pytestmark = pytest.mark.django_db


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(
        day, dt.time(hour, minute), tzinfo=dt.timezone(dt.timedelta(hours=9))
    )


def add(tenant: Any, owner: Any, subject: str, starts_at: Any, **data: Any) -> Activity:
    with tenant_context(tenant):
        return services.activity_create(
            tenant=tenant, actor=owner, subject=subject, starts_at=starts_at, **data
        )


def make_deal(tenant: Any, **data: Any) -> Any:
    with tenant_context(tenant):
        return _make_deal(tenant, **data)


def today(tenant: Any) -> dt.date:
    return selectors.today(tenant)


def test_my_day_lists_overdue_first_then_the_day_in_time_order(
    member_client, tenant, member
) -> None:
    day = today(tenant)
    add(tenant, member, "午後の訪問", local(day, 15), kind="visit", place="京都市")
    add(tenant, member, "朝の電話", local(day, 9), kind="call")
    add(tenant, member, "先週の宿題", local(day - dt.timedelta(days=3), 10))
    add(tenant, member, "明日の件", local(day + dt.timedelta(days=1), 10))
    page = member_client.get(reverse("sales:my_day")).content.decode()
    assert page.index("先週の宿題") < page.index("朝の電話") < page.index("午後の訪問")
    assert "明日の件" not in page
    assert 'data-testid="overdue"' in page and "京都市" in page


def test_an_empty_day_says_what_to_do(member_client) -> None:
    page = member_client.get(reverse("sales:my_day")).content.decode()
    assert 'data-testid="my-day-empty"' in page
    assert "Nothing planned for this day." in page


def test_quick_add_creates_and_a_bad_one_keeps_the_input_and_saves_nothing(
    member_client, tenant, member
) -> None:
    day = today(tenant)
    with tenant_context(tenant):
        contact = make_contact(tenant, last_name="森")
    response = member_client.post(
        reverse("sales:activity_quick_add"),
        {
            "kind": "visit",
            "subject": "森様 訪問",
            "date": day.isoformat(),
            "time": "11:00",
            "duration_minutes": "90",
            "place": "神戸市",
            "contact": contact.pk,
            "remind_before_minutes": "30",
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant):
        activity = Activity.objects.get(subject="森様 訪問")
    assert activity.contact_id == contact.pk and activity.duration_minutes == 90
    assert timezone.localtime(activity.starts_at).time() == dt.time(11, 0)
    assert activity.owner_id == member.pk

    bad = member_client.post(
        reverse("sales:activity_quick_add"),
        {"kind": "visit", "subject": "", "date": day.isoformat(), "time": "13:00", "place": "姫路"},
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "Enter a subject" in body and 'value="姫路"' in body
    with tenant_context(tenant):
        assert Activity.objects.count() == 1


def test_quick_add_refuses_another_tenants_contact(member_client, tenant, other_tenant) -> None:
    with tenant_context(other_tenant):
        theirs = make_contact(other_tenant, last_name="他社")
    response = member_client.post(
        reverse("sales:activity_quick_add"),
        {
            "kind": "visit",
            "subject": "訪問",
            "date": today(tenant).isoformat(),
            "contact": theirs.pk,
        },
    )
    assert response.status_code == 400
    assert "That contact does not exist" in response.content.decode()
    with tenant_context(tenant):
        assert Activity.objects.count() == 0


def test_one_tap_complete_returns_the_row_and_logs_the_timeline(
    member_client, tenant, member
) -> None:
    with tenant_context(tenant):
        contact = make_contact(tenant, last_name="堀")
    activity = add(
        tenant, member, "堀様 訪問", local(today(tenant), 10), kind="visit", contact=contact.pk
    )
    response = member_client.post(
        reverse("sales:activity_complete", kwargs={"activity_id": activity.pk}),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-testid="done-badge"' in response.content.decode()
    with tenant_context(tenant):
        assert Interaction.objects.filter(contact=contact, ref_type="activity").count() == 1
    timeline = member_client.get(reverse("contacts:detail", kwargs={"contact_id": contact.pk}))
    assert "Visit done: 堀様 訪問" in timeline.content.decode()
    reopened = member_client.post(
        reverse("sales:activity_reopen", kwargs={"activity_id": activity.pk}),
        HTTP_HX_REQUEST="true",
    )
    assert f'data-testid="complete-{activity.pk}"' in reopened.content.decode()


def test_a_viewer_sees_my_day_but_cannot_change_anything(tenant, member) -> None:
    viewer = make_member(tenant, Role.VIEWER)
    activity = add(tenant, viewer, "閲覧者の予定", local(today(tenant), 10))
    client = Client()
    client.force_login(viewer)
    page = client.get(reverse("sales:my_day")).content.decode()
    assert "閲覧者の予定" in page and 'data-testid="quick-add"' not in page
    url = reverse("sales:activity_complete", kwargs={"activity_id": activity.pk})
    assert client.post(url).status_code == 403


def test_activity_form_detail_and_delete_with_confirmation(member_client, tenant, member) -> None:
    day = today(tenant)
    page = member_client.get(reverse("sales:activity_create") + f"?date={day}&kind=meeting")
    assert page.status_code == 200
    response = member_client.post(
        reverse("sales:activity_create"),
        {
            "kind": "meeting",
            "subject": "社内定例",
            "date": day.isoformat(),
            "time": "17:00",
            "duration_minutes": "30",
            "owner": member.pk,
            "notes": "議題: 予実",
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant):
        activity = Activity.objects.get(subject="社内定例")
    detail = member_client.get(
        reverse("sales:activity_detail", kwargs={"activity_id": activity.pk})
    )
    assert "17:00 – 17:30" in detail.content.decode()
    bad = member_client.post(
        reverse("sales:activity_edit", kwargs={"activity_id": activity.pk}),
        {"kind": "meeting", "subject": "社内定例", "date": "", "owner": member.pk},
    )
    assert bad.status_code == 400 and "Enter the date and time." in bad.content.decode()
    delete_url = reverse("sales:activity_delete", kwargs={"activity_id": activity.pk})
    confirm = member_client.get(delete_url)
    assert confirm.status_code == 200 and 'data-testid="confirm-delete"' in confirm.content.decode()
    with tenant_context(tenant):
        assert Activity.objects.filter(pk=activity.pk).exists()
    assert member_client.post(delete_url).status_code == 302
    with tenant_context(tenant):
        assert not Activity.objects.filter(pk=activity.pk).exists()


def test_month_and_week_views_show_activities_and_holidays(member_client, tenant, member) -> None:
    add(tenant, member, "年始の挨拶回り", local(dt.date(2027, 1, 5), 10), kind="visit")
    month = member_client.get(reverse("sales:calendar") + "?view=month&date=2027-01-15")
    body = month.content.decode()
    assert "年始の挨拶回り" in body
    assert 'data-testid="holiday-2027-01-01"' in body and "元日" in body
    assert 'data-testid="day-2026-12-27"' in body  # the grid starts on the Sunday before
    week = member_client.get(reverse("sales:calendar") + "?view=week&date=2027-01-06")
    body = week.content.decode()
    assert "年始の挨拶回り" in body and 'data-testid="week-view"' in body
    assert 'data-testid="day-2027-01-03"' in body and 'data-testid="day-2027-01-09"' in body
    assert 'data-prev-url="/sales/calendar/?view=week&amp;date=2026-12-27"' in body


@pytest.mark.parametrize("url_name", ["sales:calendar", "sales:my_day"])
def test_the_calendar_and_my_day_answer_in_constant_queries(
    member_client, tenant, member, url_name
) -> None:
    day = today(tenant)
    deal = make_deal(tenant)
    with tenant_context(tenant):
        contact = make_contact(tenant, last_name="数")

    def queries() -> int:
        member_client.get(reverse(url_name))  # warm: the per-tenant lists come from the cache
        with CaptureQueriesContext(connection) as ctx:
            assert member_client.get(reverse(url_name)).status_code == 200
        return len(ctx.captured_queries)

    for i in range(2):
        add(tenant, member, f"少数 {i}", local(day, 9 + i), contact=contact.pk, deal=deal.pk)
    few = queries()
    for i in range(20):
        add(tenant, member, f"多数 {i}", local(day, 8, i), contact=contact.pk, deal=deal.pk)
    assert queries() == few


def test_a_manager_filters_by_team_and_a_rep_sees_only_their_own(tenant, member) -> None:
    manager = make_member(tenant, Role.MANAGER)
    rep = make_member(tenant, Role.SALES)
    outsider_rep = make_member(tenant, Role.SALES)
    with tenant_context(tenant):
        Tenant.objects.filter(pk=tenant.pk).update(record_visibility="own_team")
        lead = Membership.objects.get(user=manager)
        Membership.objects.filter(user=rep).update(manager=lead)
    day = today(tenant)
    mine = add(tenant, rep, "部下の訪問", local(day, 10), kind="visit")
    hidden = add(tenant, outsider_rep, "他チームの訪問", local(day, 11), kind="visit")
    client = Client()
    client.force_login(manager)
    team = client.get(
        reverse("sales:calendar") + f"?view=week&owner=team&date={day}"
    ).content.decode()
    assert "部下の訪問" in team and "他チームの訪問" not in team
    not_allowed = client.get(
        reverse("sales:calendar") + f"?view=week&owner={outsider_rep.pk}&date={day}"
    ).content.decode()
    assert "他チームの訪問" not in not_allowed
    rep_client = Client()
    rep_client.force_login(rep)
    assert (
        'data-testid="cal-owner"' not in rep_client.get(reverse("sales:calendar")).content.decode()
    )
    detail = "sales:activity_detail"
    assert rep_client.get(reverse(detail, kwargs={"activity_id": hidden.pk})).status_code == 404
    assert rep_client.get(reverse(detail, kwargs={"activity_id": mine.pk})).status_code == 200


def test_deal_contact_and_company_pages_show_their_activities(
    member_client, tenant, member
) -> None:
    from contacts.services import company_create

    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="西日本電機")
        contact = make_contact(tenant, last_name="岡田", company=company.pk)
    deal = make_deal(tenant, name="更新案件", contacts=[contact.pk])
    add(
        tenant,
        member,
        "更新の打合せ",
        local(today(tenant), 14),
        kind="meeting",
        deal=deal.pk,
        contact=contact.pk,
    )
    deal_page = member_client.get(reverse("sales:deal_detail", kwargs={"deal_id": deal.pk}))
    assert (
        reverse("sales:deal_activities", kwargs={"deal_id": deal.pk}) in deal_page.content.decode()
    )
    section = member_client.get(reverse("sales:deal_activities", kwargs={"deal_id": deal.pk}))
    assert "更新の打合せ" in section.content.decode()
    assert f"deal={deal.pk}" in section.content.decode()  # the add buttons carry the deal
    for url in (
        reverse("contacts:detail", kwargs={"contact_id": contact.pk}),
        reverse("contacts:company_detail", kwargs={"company_id": company.pk}),
    ):
        body = member_client.get(url).content.decode()
        assert 'data-testid="activities-panel"' in body and "更新の打合せ" in body


def test_related_options_search_contacts_and_deals(member_client, tenant) -> None:
    with tenant_context(tenant):
        make_contact(tenant, last_name="長谷川", first_name="花子")
    make_deal(tenant, name="倉庫管理システム")
    url = reverse("sales:activity_related_options")
    contacts = member_client.get(
        url, {"which": "contact", "contact_search": "長谷"}
    ).content.decode()
    assert "長谷川" in contacts and "selected" in contacts
    deals = member_client.get(url, {"which": "deal", "deal_search": "倉庫"}).content.decode()
    assert "倉庫管理システム" in deals


def test_the_form_sets_colleagues_attending_and_they_see_it(member_client, tenant, member) -> None:
    colleague = make_member(tenant, Role.SALES)
    day = today(tenant)
    response = member_client.post(
        reverse("sales:activity_create"),
        {
            "kind": "meeting",
            "subject": "同行訪問の打合せ",
            "date": day.isoformat(),
            "time": "16:00",
            "owner": member.pk,
            "attendee_users": [colleague.pk],
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant):
        activity = Activity.objects.get(subject="同行訪問の打合せ")
        assert list(activity.attendees.values_list("user_id", flat=True)) == [colleague.pk]
    edit = member_client.get(reverse("sales:activity_edit", kwargs={"activity_id": activity.pk}))
    assert f'<option value="{colleague.pk}" selected>' in edit.content.decode()
    client = Client()
    client.force_login(colleague)
    assert "同行訪問の打合せ" in client.get(reverse("sales:my_day")).content.decode()


def test_the_form_sets_customers_attending_and_keeps_them_on_edit(
    member_client, tenant, member
) -> None:
    with tenant_context(tenant):
        guest = make_contact(tenant, last_name="小野寺", first_name="誠")
        other = make_contact(tenant, last_name="大河内", first_name="隆")
    url = reverse("sales:activity_related_options")
    options = member_client.get(
        url,
        {
            "which": "attendee_contacts",
            "attendee_contacts_search": "大河",
            "attendee_contacts": [guest.pk],
        },
    ).content.decode()
    assert f'<option value="{guest.pk}" selected>' in options
    assert f'<option value="{other.pk}">' in options  # a match is offered, not chosen for you
    response = member_client.post(
        reverse("sales:activity_create"),
        {
            "kind": "visit",
            "subject": "工場見学のご案内",
            "date": today(tenant).isoformat(),
            "time": "10:00",
            "owner": member.pk,
            "attendee_contacts": [guest.pk, other.pk],
        },
    )
    assert response.status_code == 302
    with tenant_context(tenant):
        activity = Activity.objects.get(subject="工場見学のご案内")
        assert sorted(activity.attendees.values_list("contact_id", flat=True)) == sorted(
            [guest.pk, other.pk]
        )
    edit = member_client.get(
        reverse("sales:activity_edit", kwargs={"activity_id": activity.pk})
    ).content.decode()
    assert f'<option value="{guest.pk}" selected>' in edit
    detail = member_client.get(
        reverse("sales:activity_detail", kwargs={"activity_id": activity.pk})
    ).content.decode()
    assert "小野寺" in detail and "大河内" in detail


def test_another_tenants_contact_as_attendee_is_refused_and_nothing_saved(
    member_client, tenant, other_tenant, member
) -> None:
    with tenant_context(other_tenant):
        stranger = make_contact(other_tenant, last_name="他社", first_name="太郎")
    response = member_client.post(
        reverse("sales:activity_create"),
        {
            "kind": "visit",
            "subject": "他社の人を招待",
            "date": today(tenant).isoformat(),
            "time": "10:00",
            "owner": member.pk,
            "attendee_contacts": [stranger.pk],
        },
    )
    assert response.status_code == 400  # the form again, with the error on the field
    assert response.context["form"].errors.get("attendee_contacts")
    with tenant_context(tenant):
        assert not Activity.objects.filter(subject="他社の人を招待").exists()
