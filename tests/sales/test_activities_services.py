"""Activity services: validation (nothing saved on bad input), derived times, completion on
the timeline (contact, company and deal), audit, reopen and delete."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Interaction
from contacts.services import company_create
from crm.core.context import tenant_context
from crm.core.models import AuditLog
from crm.core.roles import Role
from sales.activities import services
from sales.activities.models import Activity, ActivityAttendee, ActivityKind
from sales.deals.selectors import deal_timeline
from tests.factories import make_contact, make_member

from .helpers import make_deal

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=TOKYO)


def test_it_creates_an_activity_with_end_and_reminder_times(tenant, member) -> None:
    with tenant_context(tenant):
        activity = services.activity_create(
            tenant=tenant,
            actor=member,
            kind=ActivityKind.VISIT,
            subject="田中工業 訪問",
            starts_at=at(10),
            duration_minutes=90,
            remind_before_minutes=30,
            place="名古屋市中区",
        )
        assert activity.owner == member
        assert activity.ends_at == at(11, 30)
        assert activity.remind_at == at(9, 30)
        assert activity.reminded_at is None
        assert AuditLog.objects.filter(
            action=AuditLog.Action.CREATE, object_id=str(activity.pk)
        ).exists()


def test_a_naive_time_is_read_in_the_tenants_zone(tenant, member) -> None:
    with tenant_context(tenant):
        activity = services.activity_create(
            tenant=tenant, actor=member, subject="見積作成", starts_at="2026-12-02 09:00"
        )
        assert activity.starts_at == at(9)


def test_a_visit_without_duration_gets_an_hour(tenant, member) -> None:
    with tenant_context(tenant):
        activity = services.activity_create(
            tenant=tenant, actor=member, kind="visit", subject="訪問", starts_at=at(13)
        )
        assert activity.duration_minutes == 60 and activity.ends_at == at(14)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"kind": "lunch"}, "kind"),
        ({"starts_at": "tomorrow-ish"}, "starts_at"),
        ({"starts_at": ""}, "starts_at"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"ends_at": "2026-12-02 09:00"}, "ends_at"),  # before the 10:00 start
        ({"remind_before_minutes": "soon"}, "remind_before_minutes"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(
    tenant, member, data, field
) -> None:
    values = {"kind": "visit", "subject": "訪問", "starts_at": at(10), **data}
    with tenant_context(tenant):
        with pytest.raises(ValidationError) as caught:
            services.activity_create(tenant=tenant, actor=member, **values)
        assert field in caught.value.message_dict
        assert caught.value.message_dict[field][0]
        assert Activity.objects.count() == 0


def test_end_before_start_says_what_to_fix(tenant, member) -> None:
    with tenant_context(tenant):
        with pytest.raises(ValidationError) as caught:
            services.activity_create(
                tenant=tenant,
                actor=member,
                subject="打合せ",
                starts_at=at(10),
                ends_at=at(9),
            )
        assert caught.value.message_dict["ends_at"] == [
            "The end is before the start; set an end after it."
        ]
        assert Activity.objects.count() == 0


def test_another_tenants_deal_contact_or_owner_is_refused(
    tenant, member, other_tenant, outsider
) -> None:
    with tenant_context(other_tenant):
        their_deal = make_deal(other_tenant, name="他社の商談")
        their_contact = make_contact(other_tenant, last_name="他社")
    with tenant_context(tenant):
        for data, field in (
            ({"deal": their_deal.pk}, "deal"),
            ({"contact": their_contact.pk}, "contact"),
            ({"owner": outsider.pk}, "owner"),
        ):
            with pytest.raises(ValidationError) as caught:
                services.activity_create(
                    tenant=tenant, actor=member, subject="訪問", starts_at=at(10), **data
                )
            assert field in caught.value.message_dict
        assert "does not exist" in str(
            pytest.raises(
                ValidationError,
                services.activity_create,
                tenant=tenant,
                actor=member,
                subject="訪問",
                starts_at=at(10),
                deal=their_deal.pk,
            ).value
        )
        assert Activity.objects.count() == 0


def test_attendees_must_be_members_and_live_contacts(tenant, member, outsider) -> None:
    colleague = make_member(tenant, Role.SALES)
    with tenant_context(tenant):
        contact = make_contact(tenant, last_name="佐藤")
        activity = services.activity_create(
            tenant=tenant,
            actor=member,
            kind="meeting",
            subject="定例",
            starts_at=at(15),
            attendee_users=[colleague.pk],
            attendee_contacts=[contact.pk],
        )
        assert ActivityAttendee.objects.filter(activity=activity).count() == 2
        with pytest.raises(ValidationError):
            services.activity_update(
                tenant=tenant, activity=activity, actor=member, attendee_users=[outsider.pk]
            )
        assert ActivityAttendee.objects.filter(activity=activity).count() == 2


def test_moving_a_reminded_activity_later_reminds_again(tenant, member) -> None:
    with tenant_context(tenant):
        activity = services.activity_create(
            tenant=tenant, actor=member, subject="電話", starts_at=at(10), remind_before_minutes=15
        )
        Activity.objects.filter(pk=activity.pk).update(reminded_at=at(9, 45))
        moved = services.activity_update(
            tenant=tenant, activity=activity, actor=member, starts_at=at(14)
        )
        assert moved.remind_at == at(13, 45) and moved.reminded_at is None
        # a change that does not move it later leaves a sent reminder alone
        Activity.objects.filter(pk=activity.pk).update(reminded_at=at(13, 45))
        same = services.activity_update(
            tenant=tenant, activity=activity, actor=member, subject="電話(再)"
        )
        assert same.reminded_at == at(13, 45)
        off = services.activity_update(
            tenant=tenant, activity=activity, actor=member, remind_before_minutes=None
        )
        assert off.remind_at is None


def test_a_failed_update_changes_nothing(tenant, member) -> None:
    with tenant_context(tenant):
        activity = services.activity_create(
            tenant=tenant, actor=member, subject="訪問", starts_at=at(10), duration_minutes=30
        )
        with pytest.raises(ValidationError):
            services.activity_update(
                tenant=tenant,
                activity=activity,
                actor=member,
                subject="変更後",
                duration_minutes=5000,
            )
        activity.refresh_from_db()
        assert activity.subject == "訪問" and activity.duration_minutes == 30


def test_completing_a_visit_writes_one_meeting_entry_on_the_contact_and_deal(
    tenant, member
) -> None:
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="東海精機株式会社")
        contact = make_contact(tenant, last_name="鈴木", company=company.pk)
        deal = make_deal(tenant, name="生産管理システム", contacts=[contact.pk], company=company)
        before = Interaction.objects.count()
        activity = services.activity_create(
            tenant=tenant,
            actor=member,
            kind="visit",
            subject="導入提案",
            starts_at=at(10),
            contact=contact.pk,
            deal=deal.pk,
            remind_before_minutes=10,
        )
        done = services.activity_complete(
            tenant=tenant, activity=activity, actor=member, outcome="次回デモ"
        )
        assert done.done_at is not None and done.done_by == member
        assert done.remind_at is None  # nothing left to remind of
        entries = list(Interaction.objects.filter(ref_type="activity", ref_id=str(activity.pk)))
        assert len(entries) == 1 and Interaction.objects.count() == before + 1
        entry = entries[0]
        assert entry.kind == "meeting"
        assert entry.data["activity_kind"] == "visit"
        assert entry.contact_id == contact.pk and entry.company_id == company.pk
        assert entry.subject == "Visit done: 導入提案"
        assert "次回デモ" in entry.body
        assert entry in deal_timeline(tenant=tenant, deal=deal)
        # completing again changes nothing and writes nothing
        services.activity_complete(tenant=tenant, activity=activity, actor=member)
        assert Interaction.objects.filter(ref_type="activity").count() == 1


@pytest.mark.parametrize(
    ("kind", "timeline_kind"), [("task", "task"), ("call", "call"), ("meeting", "meeting")]
)
def test_each_kind_lands_on_the_timeline_as_its_kind(tenant, member, kind, timeline_kind) -> None:
    with tenant_context(tenant):
        company = company_create(tenant=tenant, name="北陸物産")
        activity = services.activity_create(
            tenant=tenant,
            actor=member,
            kind=kind,
            subject="件名",
            starts_at=at(10),
            company=company.pk,
        )
        services.activity_complete(tenant=tenant, activity=activity, actor=member)
        entry = Interaction.objects.get(ref_type="activity")
        assert entry.kind == timeline_kind and entry.company_id == company.pk
        assert entry.contact_id is None


def test_a_deal_only_activity_goes_on_the_deals_contact(tenant, member) -> None:
    with tenant_context(tenant):
        contact = make_contact(tenant, last_name="高橋")
        deal = make_deal(tenant, contacts=[contact.pk])
        activity = services.activity_create(
            tenant=tenant,
            actor=member,
            kind="call",
            subject="状況確認",
            starts_at=at(11),
            deal=deal.pk,
        )
        services.activity_complete(tenant=tenant, activity=activity, actor=member)
        entry = Interaction.objects.get(ref_type="activity")
        assert entry.contact_id == contact.pk and entry.data["deal_id"] == deal.pk


def test_reopen_and_delete_are_audited(tenant, member) -> None:
    with tenant_context(tenant):
        activity = services.activity_create(
            tenant=tenant,
            actor=member,
            subject="資料送付",
            starts_at=at(9),
            remind_before_minutes=0,
        )
        services.activity_complete(tenant=tenant, activity=activity, actor=member)
        reopened = services.activity_reopen(tenant=tenant, activity=activity, actor=member)
        assert reopened.done_at is None and reopened.remind_at == at(9)
        services.activity_delete(tenant=tenant, activity=activity, actor=member)
        assert not Activity.objects.filter(pk=activity.pk).exists()
        actions = list(
            AuditLog.objects.filter(object_id=str(activity.pk))
            .order_by("id")
            .values_list("action", flat=True)
        )
        assert actions == ["create", "update", "update", "delete"]


def test_reopening_does_not_send_a_reminder_again(tenant, member) -> None:
    with tenant_context(tenant):
        activity = services.activity_create(
            tenant=tenant, actor=member, subject="電話", starts_at=at(10), remind_before_minutes=5
        )
        Activity.objects.filter(pk=activity.pk).update(reminded_at=at(9, 55))
        services.activity_complete(tenant=tenant, activity=activity, actor=member)
        reopened = services.activity_reopen(tenant=tenant, activity=activity, actor=member)
        assert reopened.remind_at == at(9, 55) and reopened.reminded_at == at(9, 55)
