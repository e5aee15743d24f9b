"""Writes for activities (tasks, calls, visits, meetings), their reminders and the per-user
calendar feed secret. Pages, the API and the reminder task all call these: they validate
everything before writing, save in one transaction, audit, and put a completed activity on
the timeline of the contact/company (and so of the deal) it is about."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from contacts.models import Company, Contact
from contacts.services import timeline_add
from crm.core import context
from crm.core.models import AuditLog, Membership, Tenant, User
from crm.core.services.audit import audit_record, diff, snapshot
from crm.core.services.notifications import notify

from .models import Activity, ActivityAttendee, ActivityKind, CalendarFeedToken

MAX_DURATION = 24 * 60
MAX_REMIND_BEFORE = 7 * 24 * 60
REMINDER_BATCH = 200
AUDITED = [
    "kind",
    "subject",
    "notes",
    "starts_at",
    "all_day",
    "duration_minutes",
    "place",
    "owner_id",
    "deal_id",
    "contact_id",
    "company_id",
    "outcome",
    "done_at",
    "remind_before_minutes",
]
# Timeline kinds: visits are meetings on the timeline, marked with their own kind in data.
TIMELINE_KIND = {
    ActivityKind.TASK: "task",
    ActivityKind.CALL: "call",
    ActivityKind.MEETING: "meeting",
    ActivityKind.VISIT: "meeting",
}


def _error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _user(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


def _audit(tenant: Tenant, action: str, obj: Any, actor: Any, changes: dict[str, Any]) -> None:
    audit_record(tenant=tenant, action=action, obj=obj, actor=actor, changes=changes)


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def _parse_moment(tenant: Tenant, value: Any) -> dt.datetime | None:
    """A datetime (aware, or naive in the tenant's zone), an ISO string, or a date."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = str(value or "").strip().replace("/", "-")
        if not text:
            return None
        moment_or_none = parse_datetime(text.replace(" ", "T", 1))
        if moment_or_none is None:
            try:
                moment_or_none = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
            except ValueError:
                raise ValueError(text) from None
        moment = moment_or_none
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, tenant.zone)
    return moment


def _member(tenant: Tenant, value: Any) -> User | None:
    user_id = getattr(value, "pk", value)
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    membership = (
        Membership.objects.filter(tenant=tenant, user_id=user_id, is_active=True)
        .select_related("user")
        .first()
    )
    return membership.user if membership is not None else None


def _clean(tenant: Tenant, data: dict[str, Any], current: Activity | None) -> dict[str, Any]:
    """Checks every field sent and returns the values to set. Raises one ValidationError with
    a message per wrong field, before anything is written."""
    fields: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if "kind" in data:
        if data["kind"] not in ActivityKind.values:
            errors["kind"] = [_("Choose task, call, visit or meeting.")]
        else:
            fields["kind"] = data["kind"]
    if "subject" in data:
        subject = _text(data["subject"], 1000)
        if not subject:
            errors["subject"] = [_("Enter a subject, like “Visit Tanaka Industries”.")]
        elif len(subject) > 200:
            errors["subject"] = [_("Keep the subject to 200 characters.")]
        fields["subject"] = subject[:200]
    if "notes" in data:
        fields["notes"] = str(data["notes"] or "").strip()
    if "place" in data:
        fields["place"] = _text(data["place"], 200)
    if "outcome" in data:
        fields["outcome"] = _text(data["outcome"], 200)
    if "all_day" in data:
        fields["all_day"] = bool(data["all_day"])
    if "starts_at" in data:
        try:
            moment = _parse_moment(tenant, data["starts_at"])
        except ValueError:
            moment = None
            errors["starts_at"] = [_("Enter the date and time like 2026-04-01 10:30.")]
        else:
            if moment is None:
                errors["starts_at"] = [_("Enter the date and time.")]
        fields["starts_at"] = moment
    if "duration_minutes" in data:
        value = data["duration_minutes"]
        if value in (None, ""):
            fields["duration_minutes"] = None
        else:
            try:
                minutes = int(value)
                if not 0 <= minutes <= MAX_DURATION:
                    raise ValueError
                fields["duration_minutes"] = minutes
            except (TypeError, ValueError):
                errors["duration_minutes"] = [
                    _("Enter the duration in minutes, from 0 to 1440 (24 hours).")
                ]
    if data.get("ends_at") not in (None, "") and "starts_at" not in errors:
        starts = fields.get("starts_at") or (current.starts_at if current else None)
        try:
            ends = _parse_moment(tenant, data["ends_at"])
        except ValueError:
            errors["ends_at"] = [_("Enter the end like 2026-04-01 11:30.")]
        else:
            if starts is not None and ends is not None:
                if ends < starts:
                    errors["ends_at"] = [_("The end is before the start; set an end after it.")]
                elif (ends - starts) > dt.timedelta(minutes=MAX_DURATION):
                    errors["ends_at"] = [_("An activity lasts 24 hours at most; end it sooner.")]
                else:
                    fields["duration_minutes"] = int((ends - starts).total_seconds() // 60)
    if "remind_before_minutes" in data:
        value = data["remind_before_minutes"]
        if value in (None, ""):
            fields["remind_before_minutes"] = None
        else:
            try:
                minutes = int(value)
                if not 0 <= minutes <= MAX_REMIND_BEFORE:
                    raise ValueError
                fields["remind_before_minutes"] = minutes
            except (TypeError, ValueError):
                errors["remind_before_minutes"] = [
                    _("Choose when to remind you: 0 to 10080 minutes (7 days) before.")
                ]
    if "owner" in data:
        owner = _member(tenant, data["owner"])
        if owner is None:
            errors["owner"] = [_("Choose an owner who is an active member of this tenant.")]
        fields["owner"] = owner
    if "deal" in data:
        fields["deal"] = None
        if data["deal"] not in (None, ""):
            from sales.deals.models import Deal

            deal_id = _int_or_none(data["deal"])
            deal = (
                Deal.objects.filter(tenant=tenant, pk=deal_id, deleted_at=None).first()
                if deal_id is not None
                else None
            )
            if deal is None:
                errors["deal"] = [_("That deal does not exist or was deleted; choose another.")]
            fields["deal"] = deal
    if "contact" in data:
        fields["contact"] = None
        if data["contact"] not in (None, ""):
            contact_id = _int_or_none(data["contact"])
            contact = (
                Contact.objects.filter(tenant=tenant, pk=contact_id, deleted_at=None).first()
                if contact_id is not None
                else None
            )
            if contact is None:
                errors["contact"] = [
                    _("That contact does not exist or was deleted; choose another.")
                ]
            fields["contact"] = contact
    if "company" in data:
        fields["company"] = None
        if data["company"] not in (None, ""):
            company_id = _int_or_none(data["company"])
            company = (
                Company.objects.filter(tenant=tenant, pk=company_id, deleted_at=None).first()
                if company_id is not None
                else None
            )
            if company is None:
                errors["company"] = [
                    _("That company does not exist or was deleted; choose another.")
                ]
            fields["company"] = company
    if errors:
        raise ValidationError(errors)
    return fields


def _int_or_none(value: Any) -> int | None:
    value = getattr(value, "pk", value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _clean_attendees(tenant: Tenant, users: Any, contacts: Any) -> tuple[list[User], list[Any]]:
    raw_users = [_int_or_none(u) for u in (users or [])]
    raw_contacts = [_int_or_none(c) for c in (contacts or [])]
    if None in raw_users:
        raise _error("attendee_users", _("Send the attendees as a list of user ids."))
    if None in raw_contacts:
        raise _error("attendee_contacts", _("Send the attendees as a list of contact ids."))
    user_ids = [i for i in raw_users if i is not None]
    contact_ids = [i for i in raw_contacts if i is not None]
    found_users = {
        m.user_id: m.user
        for m in Membership.objects.filter(
            tenant=tenant, user_id__in=user_ids, is_active=True
        ).select_related("user")
    }
    if len(found_users) != len(set(user_ids)):
        raise _error("attendee_users", _("Some attendees are not active members of this tenant."))
    found_contacts = {
        c.pk: c for c in Contact.objects.filter(tenant=tenant, pk__in=contact_ids, deleted_at=None)
    }
    if len(found_contacts) != len(set(contact_ids)):
        raise _error(
            "attendee_contacts",
            _("Some attendees do not exist or were deleted; choose them again."),
        )
    return (
        [found_users[i] for i in dict.fromkeys(user_ids)],
        [found_contacts[i] for i in dict.fromkeys(contact_ids)],
    )


def _set_attendees(
    tenant: Tenant, activity: Activity, users: list[User], people: list[Any]
) -> None:
    ActivityAttendee.objects.filter(tenant=tenant, activity=activity).delete()
    ActivityAttendee.objects.bulk_create(
        [ActivityAttendee(tenant=tenant, activity=activity, user=u) for u in users]
        + [ActivityAttendee(tenant=tenant, activity=activity, contact=c) for c in people]
    )


def _derive(activity: Activity, previous_remind_at: dt.datetime | None) -> None:
    """ends_at from the duration; remind_at from the reminder offset. A reminder moved later
    fires again (reminded_at cleared); one that already fired and did not move stays quiet."""
    if activity.duration_minutes is not None:
        activity.ends_at = activity.starts_at + dt.timedelta(minutes=activity.duration_minutes)
    else:
        activity.ends_at = None
    if activity.remind_before_minutes is not None and activity.done_at is None:
        activity.remind_at = activity.starts_at - dt.timedelta(
            minutes=activity.remind_before_minutes
        )
    else:
        activity.remind_at = None
    if activity.remind_at is not None and (
        previous_remind_at is None or activity.remind_at > previous_remind_at
    ):
        activity.reminded_at = None


@transaction.atomic
def activity_create(
    *,
    tenant: Tenant,
    actor: Any = None,
    attendee_users: list[Any] | None = None,
    attendee_contacts: list[Any] | None = None,
    **data: Any,
) -> Activity:
    data.setdefault("kind", ActivityKind.TASK)
    data.setdefault("subject", "")
    data.setdefault("starts_at", "")
    if data.get("owner") in (None, ""):
        data["owner"] = _user(actor)
        if data["owner"] is None:
            raise _error("owner", _("Choose the owner of the activity."))
    fields = _clean(tenant, data, None)
    users, people = _clean_attendees(tenant, attendee_users, attendee_contacts)
    activity = Activity(tenant=tenant, created_by=_user(actor), **fields)
    if activity.kind in (ActivityKind.VISIT, ActivityKind.MEETING, ActivityKind.CALL) and (
        activity.duration_minutes is None and not activity.all_day
    ):
        activity.duration_minutes = 30 if activity.kind == ActivityKind.CALL else 60
    _derive(activity, None)
    activity.save()
    _set_attendees(tenant, activity, users, people)
    _audit(tenant, AuditLog.Action.CREATE, activity, actor, diff({}, snapshot(activity, AUDITED)))
    return activity


def _locked(tenant: Tenant, activity: Activity | int) -> Activity:
    return (
        Activity.objects.select_for_update(of=("self",))
        .select_related("deal", "contact", "company")
        .get(tenant=tenant, pk=getattr(activity, "pk", activity))
    )


@transaction.atomic
def activity_update(
    *,
    tenant: Tenant,
    activity: Activity,
    actor: Any = None,
    attendee_users: list[Any] | None = None,
    attendee_contacts: list[Any] | None = None,
    **data: Any,
) -> Activity:
    activity = _locked(tenant, activity)
    before = snapshot(activity, AUDITED)
    fields = _clean(tenant, data, activity)
    attendees = None
    if attendee_users is not None or attendee_contacts is not None:
        current_users = list(
            ActivityAttendee.objects.filter(
                tenant=tenant, activity=activity, user__isnull=False
            ).values_list("user_id", flat=True)
        )
        current_contacts = list(
            ActivityAttendee.objects.filter(
                tenant=tenant, activity=activity, contact__isnull=False
            ).values_list("contact_id", flat=True)
        )
        attendees = _clean_attendees(
            tenant,
            attendee_users if attendee_users is not None else current_users,
            attendee_contacts if attendee_contacts is not None else current_contacts,
        )
    previous_remind_at = activity.remind_at
    for key, value in fields.items():
        setattr(activity, key, value)
    _derive(activity, previous_remind_at)
    activity.save()
    if attendees is not None:
        _set_attendees(tenant, activity, *attendees)
    changes = diff(before, snapshot(activity, AUDITED))
    if changes:
        _audit(tenant, AuditLog.Action.UPDATE, activity, actor, changes)
    return activity


def _timeline_subject(activity: Activity) -> str:
    templates = {
        ActivityKind.TASK: _("Task done: %(subject)s"),
        ActivityKind.CALL: _("Call made: %(subject)s"),
        ActivityKind.VISIT: _("Visit done: %(subject)s"),
        ActivityKind.MEETING: _("Meeting held: %(subject)s"),
    }
    return templates[ActivityKind(activity.kind)] % {"subject": activity.subject}


def _log_on_timeline(tenant: Tenant, activity: Activity, actor: Any) -> None:
    """One entry for the completed activity, on its contact (which also shows it on the
    contact's company), else its company, else its deal's first contact or company. The
    deal's own timeline lists it through data.deal_id (sales.deals.selectors.deal_timeline)."""
    contact = activity.contact
    company = activity.company
    deal = activity.deal
    if contact is None and company is None and deal is not None:
        contact = deal.contacts.filter(deleted_at=None).order_by("id").first()
        company = deal.company if deal.company_id else None
    if contact is None and company is None:
        return  # nothing to hang it on; the activity itself keeps the record
    body_parts = [part for part in (activity.outcome, activity.notes) if part]
    data: dict[str, Any] = {"activity_kind": activity.kind, "activity_id": activity.pk}
    if activity.deal_id:
        data["deal_id"] = activity.deal_id
    if activity.outcome:
        data["outcome"] = activity.outcome
    if activity.place:
        data["place"] = activity.place
    timeline_add(
        tenant=tenant,
        contact=contact,
        company=company
        if company is not None and (contact is None or company != contact.company)
        else None,
        kind=TIMELINE_KIND[ActivityKind(activity.kind)],
        occurred_at=activity.done_at or timezone.now(),
        subject=_timeline_subject(activity),
        body="\n".join(body_parts),
        data=data,
        actor=_user(actor),
        ref_type="activity",
        ref_id=str(activity.pk),
    )


@transaction.atomic
def activity_complete(
    *, tenant: Tenant, activity: Activity | int, actor: Any = None, outcome: str | None = None
) -> Activity:
    """Marks it done (once: completing a done activity changes nothing) and logs it on the
    timeline. A pending reminder is dropped."""
    activity = _locked(tenant, activity)
    if activity.done_at is not None:
        return activity
    before = snapshot(activity, AUDITED)
    if outcome is not None:
        activity.outcome = _text(outcome, 200)
    activity.done_at = timezone.now()
    activity.done_by = _user(actor)
    _derive(activity, activity.remind_at)
    activity.save()
    _audit(
        tenant, AuditLog.Action.UPDATE, activity, actor, diff(before, snapshot(activity, AUDITED))
    )
    _log_on_timeline(tenant, activity, actor)
    return activity


@transaction.atomic
def activity_reopen(*, tenant: Tenant, activity: Activity | int, actor: Any = None) -> Activity:
    """Open again (the timeline keeps the entry of the earlier completion: it happened)."""
    activity = _locked(tenant, activity)
    if activity.done_at is None:
        return activity
    before = snapshot(activity, AUDITED)
    activity.done_at = None
    activity.done_by = None
    sent = activity.reminded_at
    _derive(activity, None)
    if sent is not None and activity.remind_at is not None and activity.remind_at <= sent:
        activity.reminded_at = sent  # reopening does not send a reminder that already went
    activity.save()
    _audit(
        tenant, AuditLog.Action.UPDATE, activity, actor, diff(before, snapshot(activity, AUDITED))
    )
    return activity


@transaction.atomic
def activity_delete(*, tenant: Tenant, activity: Activity | int, actor: Any = None) -> None:
    activity = _locked(tenant, activity)
    _audit(tenant, AuditLog.Action.DELETE, activity, actor, diff(snapshot(activity, AUDITED), {}))
    activity.delete()


# --- reminders ------------------------------------------------------------------------------
def _recipients(tenant: Tenant, activities: list[Activity]) -> dict[int, list[User]]:
    """Owner plus the user attendees of each activity (one query for all of them)."""
    owners = {a.pk: [a.owner] for a in activities}
    for link in ActivityAttendee.objects.filter(
        tenant=tenant, activity_id__in=list(owners), user__isnull=False
    ).select_related("user"):
        if link.user is not None and all(u.pk != link.user_id for u in owners[link.activity_id]):
            owners[link.activity_id].append(link.user)
    return owners


def _reminder_mail(tenant: Tenant, activity: Activity, user: User, url: str) -> tuple[str, str]:
    language = user.language if user.language in dict(settings.LANGUAGES) else tenant.language
    if language not in dict(settings.LANGUAGES):
        language = "ja"
    with translation.override(language), timezone.override(tenant.zone):
        ctx = {
            "activity": activity,
            "kind": ActivityKind(activity.kind).label,
            "starts_at": timezone.localtime(activity.starts_at, tenant.zone),
            "url": url,
            "tenant": tenant,
            "user": user,
        }
        subject = render_to_string("sales/activities/mail/reminder_subject.txt", ctx).strip()
        body = render_to_string("sales/activities/mail/reminder_message.txt", ctx)
    return subject, body


def _notification_title(tenant: Tenant, activity: Activity, user: User) -> str:
    language = user.language if user.language in dict(settings.LANGUAGES) else tenant.language
    with translation.override(language or "ja"):
        when = timezone.localtime(activity.starts_at, tenant.zone).strftime("%m/%d %H:%M")
        return _("Reminder: %(subject)s at %(when)s") % {
            "subject": activity.subject,
            "when": when,
        }


def send_due_reminders(
    *, tenant: Tenant, now: dt.datetime | None = None, base_url: str = ""
) -> int:
    """Claims due reminders in batches (SKIP LOCKED: two workers never take the same row),
    marks them sent, adds the in-app notification and, once the batch commits, mails each
    recipient in their language. Returns how many activities were reminded."""
    now = now or timezone.now()
    # Beat has no request to read the host from: settings.SITE_URL (CRM_SITE_URL) makes the
    # mail's link absolute; without it the mail shows the path.
    base_url = (base_url or settings.SITE_URL).rstrip("/")
    total = 0
    while True:
        mails: list[tuple[str, str, str]] = []
        with transaction.atomic():
            batch = list(
                Activity.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("owner")
                .filter(
                    tenant=tenant,
                    remind_at__isnull=False,
                    remind_at__lte=now,
                    reminded_at__isnull=True,
                    done_at__isnull=True,
                )
                .order_by("remind_at", "id")[:REMINDER_BATCH]
            )
            if not batch:
                break
            Activity.objects.filter(tenant=tenant, pk__in=[a.pk for a in batch]).update(
                reminded_at=now
            )
            recipients = _recipients(tenant, batch)
            for activity in batch:
                path = reverse("sales:activity_detail", kwargs={"activity_id": activity.pk})
                for user in recipients[activity.pk]:
                    created = notify(
                        tenant=tenant,
                        user=user,
                        kind="activity_reminder",
                        title=_notification_title(tenant, activity, user),
                        body=activity.place,
                        url=path,
                        dedupe_key=f"activity-reminder:{activity.pk}:{activity.remind_at}",
                    )
                    if created is not None and user.email:
                        subject, body = _reminder_mail(tenant, activity, user, base_url + path)
                        mails.append((subject, body, user.email))
            transaction.on_commit(partial(_send_all, mails))
        total += len(batch)
        if len(batch) < REMINDER_BATCH:
            break
    return total


def _send_all(mails: list[tuple[str, str, str]]) -> None:
    for subject, body, address in mails:
        send_mail(
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [address],
        )


# --- calendar feed secret -------------------------------------------------------------------
def hash_feed_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def feed_token_create(*, tenant: Tenant, user: User) -> tuple[CalendarFeedToken, str]:
    """A new secret for the user's feed; an earlier URL stops working at once. Returns the row
    and the raw token (shown once; only its hash is kept)."""
    raw = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.filter(tenant=tenant, user=user).delete()
    token = CalendarFeedToken.objects.create(
        tenant=tenant, user=user, token_hash=hash_feed_token(raw), prefix=raw[:8]
    )
    _audit(tenant, AuditLog.Action.CREATE, token, user, {"calendar_feed": [None, raw[:8]]})
    return token, raw


@transaction.atomic
def feed_token_revoke(*, tenant: Tenant, user: User) -> None:
    deleted, _rows = CalendarFeedToken.objects.filter(tenant=tenant, user=user).delete()
    if deleted:
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.DELETE,
            object_type="sales.calendarfeedtoken",
            object_id=str(user.pk),
            object_repr="calendar feed",
            actor=user,
        )


def feed_token_resolve(raw: str) -> CalendarFeedToken | None:
    """The token row for a raw secret, found before the tenant is known; None when unknown
    or when its user is no longer an active member of the tenant."""
    if not raw or len(raw) > 100:
        return None
    digest = hash_feed_token(raw)
    with context.lookup_by_secret(digest):
        token = (
            CalendarFeedToken.all_tenants.select_related("tenant", "user")
            .filter(token_hash=digest)
            .first()
        )
    if token is None:
        return None
    with context.tenant_context(token.tenant):
        if not Membership.objects.filter(
            tenant=token.tenant, user_id=token.user_id, is_active=True
        ).exists():
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 3600:
            CalendarFeedToken.objects.filter(tenant=token.tenant, pk=token.pk).update(
                last_used_at=now
            )
    return token
