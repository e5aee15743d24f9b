"""The per-user iCalendar feed: made and regenerated on its page (only a hash stored), served
publicly by its secret URL with no session, parsed here with `icalendar`."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from crm.core.context import tenant_context
from crm.core.models import Membership
from crm.core.roles import Role
from sales.activities import services
from sales.activities.models import CalendarFeedToken
from tests.factories import make_contact, make_member

pytestmark = pytest.mark.django_db


def _feed_url(client: Client) -> str:
    assert client.post(reverse("sales:calendar_feed_regenerate")).status_code == 302
    page = client.get(reverse("sales:calendar_feed_settings")).content.decode()
    start = page.index('data-testid="feed-url"')
    value = page[page.index('value="', start - 200) + 7 :]
    return value[: value.index('"')]


def _parse(response: Any) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_the_feed_serves_the_users_activities_to_a_client_without_a_session(
    member_client, tenant, member
) -> None:
    member.language = "en"  # the feed speaks the user's language (else the tenant's)
    member.save(update_fields=["language"])
    now = timezone.now()
    day = timezone.localtime(now, tenant.zone).date() + dt.timedelta(days=2)
    with tenant_context(tenant):
        contact = make_contact(tenant, last_name="吉田")
        visit = services.activity_create(
            tenant=tenant,
            actor=member,
            kind="visit",
            subject="吉田様 訪問",
            starts_at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=tenant.zone),
            duration_minutes=90,
            place="福岡市博多区",
            contact=contact.pk,
            notes="見積持参",
        )
        task = services.activity_create(
            tenant=tenant,
            actor=member,
            kind="task",
            subject="提案書を送る",
            starts_at=day + dt.timedelta(days=1),
            all_day=True,
        )
        services.activity_create(
            tenant=tenant,
            actor=member,
            subject="ずっと先",
            starts_at=now + dt.timedelta(days=400),
        )
        colleague = make_member(tenant, Role.SALES)
        services.activity_create(
            tenant=tenant, actor=colleague, subject="同僚の予定", starts_at=now
        )
    url = _feed_url(member_client)
    assert "/sales/calendar/feed/" in url and url.endswith(".ics")
    response = Client().get(url)  # a calendar app: no cookies
    cal = _parse(response)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"Visit: 吉田様 訪問", "Task: 提案書を送る"}
    event = events["Visit: 吉田様 訪問"]
    assert str(event["uid"]) == f"activity-{tenant.pk}-{visit.pk}@crm"
    utc_day = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    assert event["dtstart"].dt == utc_day + dt.timedelta(hours=1)  # 10:00 JST = 01:00 UTC
    assert event["dtend"].dt == utc_day + dt.timedelta(hours=2, minutes=30)
    assert str(event["location"]) == "福岡市博多区"
    assert "吉田" in str(event["description"]) and "見積持参" in str(event["description"])
    assert "dtstamp" in event
    all_day = events["Task: 提案書を送る"]
    assert all_day["dtstart"].dt == day + dt.timedelta(days=1)
    assert str(all_day["uid"]) == f"activity-{tenant.pk}-{task.pk}@crm"
    # The UID stays when the activity moves, so subscribers see it move.
    with tenant_context(tenant):
        services.activity_update(
            tenant=tenant, activity=visit, actor=member, starts_at=f"{day} 16:00"
        )
    moved = {str(e["uid"]): e for e in _parse(Client().get(url)).walk("VEVENT")}
    moved_start = moved[f"activity-{tenant.pk}-{visit.pk}@crm"]["dtstart"].dt
    assert moved_start == utc_day + dt.timedelta(hours=7)


def test_only_a_hash_is_stored_and_a_new_url_retires_the_old_one(
    member_client, tenant, member
) -> None:
    first = _feed_url(member_client)
    raw = first.rsplit("/", 1)[1].removesuffix(".ics")
    with tenant_context(tenant):
        token = CalendarFeedToken.objects.get(user=member)
        assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in token.token_hash
    # shown once: the page no longer shows it on the next visit
    again = member_client.get(reverse("sales:calendar_feed_settings")).content.decode()
    assert raw not in again and 'data-testid="feed-active"' in again
    second = _feed_url(member_client)
    assert second != first
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    member_client.post(reverse("sales:calendar_feed_regenerate"), {"action": "revoke"})
    assert Client().get(second).status_code == 404


def test_unknown_tokens_and_removed_members_get_404(tenant, member) -> None:
    assert Client().get("/sales/calendar/feed/not-a-real-token.ics").status_code == 404
    rep = make_member(tenant, Role.SALES)
    with tenant_context(tenant):
        _token, raw = services.feed_token_create(tenant=tenant, user=rep)
    url = reverse("sales:calendar_feed", kwargs={"token": raw})
    assert Client().get(url).status_code == 200
    with tenant_context(tenant):
        Membership.objects.filter(user=rep).update(is_active=False)
    assert Client().get(url).status_code == 404


def test_each_tenant_feed_shows_only_its_own_rows(tenant, member, other_tenant, outsider) -> None:
    with tenant_context(other_tenant):
        services.activity_create(
            tenant=other_tenant, actor=outsider, subject="Beta の予定", starts_at=timezone.now()
        )
        _t, theirs = services.feed_token_create(tenant=other_tenant, user=outsider)
    with tenant_context(tenant):
        services.activity_create(
            tenant=tenant, actor=member, subject="Alpha の予定", starts_at=timezone.now()
        )
        _t, mine = services.feed_token_create(tenant=tenant, user=member)
    ours = Client().get(reverse("sales:calendar_feed", kwargs={"token": mine})).content.decode()
    assert "Alpha" in ours and "Beta" not in ours
    other = Client().get(reverse("sales:calendar_feed", kwargs={"token": theirs})).content.decode()
    assert "Beta" in other and "Alpha の予定" not in other
