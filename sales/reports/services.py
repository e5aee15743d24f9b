"""Writes for daily reports: save a draft, submit, comment, mark read, remind the missing.

Every way in (the pages, the API, the beat task) calls these. They take the tenant
explicitly, validate with messages that say what to fix, and change nothing on a refusal.
"Today" is always the tenant's day (its time zone), never the server's.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import partial
from typing import Any

import jpholiday
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from contacts.models import Interaction, InteractionKind
from crm.core.models import AuditLog, Membership, Tenant, User
from crm.core.services.audit import audit_record, diff, snapshot
from crm.core.services.notifications import notify

from ..activities.models import Activity, ActivityKind
from ..activities.selectors import day_bounds  # the tenant's day; reports use it too
from ..deals.models import DealStageChange
from .models import DailyReport, DailyReportComment, DailyReportRead, ReportSettings, ReportStatus

log = logging.getLogger(__name__)

TEXT_FIELDS = ("did", "results", "issues", "plan_tomorrow")
REPORT_AUDITED = [*TEXT_FIELDS, "minutes_spent", "status", "date"]
# Fields that must be filled before a report is submitted (a draft may be empty).
REQUIRED_TO_SUBMIT = ("did", "plan_tomorrow")
TEXT_LIMIT = 10_000
COMMENT_LIMIT = 5_000
PULLED_KINDS = (ActivityKind.VISIT, ActivityKind.MEETING, ActivityKind.CALL)
# Timeline calls written by the activities app for a call Activity are already pulled in
# from the Activity itself.
ACTIVITY_REF_TYPES = ("activity", "sales.activity")
_HOURS_RE = re.compile(r"^(\d{1,2})[:：](\d{2})$")


def _error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _user(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


# --- days -----------------------------------------------------------------------------------
def tenant_now(tenant: Tenant, now: dt.datetime | None = None) -> dt.datetime:
    return timezone.localtime(now or timezone.now(), tenant.zone)


def tenant_today(tenant: Tenant, now: dt.datetime | None = None) -> dt.date:
    return tenant_now(tenant, now).date()


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a Japanese public holiday (祝日, 振替休日 included)."""
    return day.weekday() < 5 and not jpholiday.is_holiday(day)


def holiday_name(day: dt.date) -> str:
    return jpholiday.is_holiday_name(day) or ""


def parse_day(value: Any, field: str = "date") -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _error(field, _("Enter the date like 2026-03-31.")) from None


# --- settings -------------------------------------------------------------------------------
def report_settings(*, tenant: Tenant) -> ReportSettings:
    """The tenant's settings; the defaults (18:00, sales reps write) until an admin saves."""
    found = ReportSettings.objects.filter(tenant=tenant).first()
    return found if found is not None else ReportSettings(tenant=tenant)


@transaction.atomic
def report_settings_update(
    *,
    tenant: Tenant,
    actor: Any = None,
    reminders_enabled: bool,
    remind_at: dt.time,
    required_roles: list[str],
) -> ReportSettings:
    current = report_settings(tenant=tenant)
    before = snapshot(current, ["reminders_enabled", "remind_at", "required_roles"])
    obj, _created = ReportSettings.objects.update_or_create(
        tenant=tenant,
        defaults={
            "reminders_enabled": bool(reminders_enabled),
            "remind_at": remind_at,
            "required_roles": sorted(set(required_roles)),
        },
    )
    changes = diff(before, snapshot(obj, ["reminders_enabled", "remind_at", "required_roles"]))
    if changes:
        audit_record(
            tenant=tenant, action=AuditLog.Action.UPDATE, obj=obj, actor=actor, changes=changes
        )
    return obj


# --- pulled-in items ------------------------------------------------------------------------
def _url(name: str, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # the page is not built (yet)
        return ""


def pulled_items(*, tenant: Tenant, author: Any, day: dt.date) -> list[dict[str, Any]]:
    """The author's visits, meetings and calls of the day (from activities and from the
    calls logged on contact pages or by the phone system) and the deal stage moves they
    made, oldest first. Three queries whatever the day holds."""
    start, end = day_bounds(tenant, day)
    user_id = getattr(author, "pk", author)
    items: list[dict[str, Any]] = []
    activities = (
        Activity.objects.filter(
            tenant=tenant,
            owner_id=user_id,
            kind__in=PULLED_KINDS,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("company", "contact", "deal")
        .order_by("starts_at", "id")
    )
    for activity in activities:
        party = activity.company or activity.contact
        url = _url("sales:activity_detail", activity_id=activity.pk)
        if not url and activity.deal_id:
            url = _url("sales:deal_detail", deal_id=activity.deal_id)
        if not url and activity.contact_id:
            url = _url("contacts:detail", contact_id=activity.contact_id)
        items.append(
            {
                "kind": activity.kind,
                "at": activity.starts_at.isoformat(),
                "title": activity.subject,
                "party": str(party) if party is not None else "",
                "detail": activity.outcome,
                "minutes": activity.duration_minutes,
                "done": activity.done_at is not None,
                "url": url,
                "ref": f"activity:{activity.pk}",
            }
        )
    calls = (
        Interaction.objects.filter(
            tenant=tenant,
            actor_id=user_id,
            kind=InteractionKind.CALL,
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
        .exclude(ref_type__in=ACTIVITY_REF_TYPES)
        .select_related("contact", "company")
        .order_by("occurred_at", "id")
    )
    for call in calls:
        party = call.contact or call.company
        minutes = (call.data or {}).get("duration_minutes")
        url = ""
        if call.contact_id:
            url = _url("contacts:detail", contact_id=call.contact_id)
        elif call.company_id:
            url = _url("contacts:company_detail", company_id=call.company_id)
        items.append(
            {
                "kind": "call",
                "at": call.occurred_at.isoformat(),
                "title": call.subject,
                "party": str(party) if party is not None else "",
                "detail": call.body[:500],
                "minutes": minutes if isinstance(minutes, int) else None,
                "done": True,
                "url": url,
                "ref": f"interaction:{call.pk}",
            }
        )
    moves = (
        DealStageChange.objects.filter(
            tenant=tenant, changed_by_id=user_id, changed_at__gte=start, changed_at__lt=end
        )
        .select_related("deal", "from_stage", "to_stage")
        .order_by("changed_at", "id")
    )
    for move in moves:
        items.append(
            {
                "kind": "deal_move" if move.from_stage_id else "deal_created",
                "at": move.changed_at.isoformat(),
                "title": move.deal.name,
                "party": "",
                "detail": (
                    f"{move.from_stage.label} → {move.to_stage.label}"
                    if move.from_stage is not None
                    else move.to_stage.label
                ),
                "minutes": None,
                "done": True,
                "url": _url("sales:deal_detail", deal_id=move.deal_id),
                "ref": f"stagechange:{move.pk}",
            }
        )
    items.sort(key=lambda item: item["at"])
    return items


# --- reports --------------------------------------------------------------------------------
def _clean_minutes(value: Any) -> int | None:
    """Minutes as a number ("90") or hours and minutes ("1:30"); empty means not given."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise _error("minutes_spent", _("Enter the time spent in minutes (0–1440), like 90."))
    text = str(value).strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    match = _HOURS_RE.match(text)
    try:
        minutes = int(match[1]) * 60 + int(match[2]) if match else int(text)
    except ValueError:
        minutes = -1
    if not 0 <= minutes <= 24 * 60:
        raise _error("minutes_spent", _("Enter the time spent in minutes (0–1440), like 90."))
    return minutes


def _clean_fields(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        if name in data:
            text = str(data[name] or "").replace("\r\n", "\n").strip()
            if len(text) > TEXT_LIMIT:
                errors[name] = [
                    _("Keep this to %(limit)d characters; it has %(count)d.")
                    % {"limit": TEXT_LIMIT, "count": len(text)}
                ]
            fields[name] = text
    if "minutes_spent" in data:
        try:
            fields["minutes_spent"] = _clean_minutes(data["minutes_spent"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return fields


def check_day(tenant: Tenant, day: dt.date, now: dt.datetime | None = None) -> None:
    """Refuses a day after today in the tenant's time zone."""
    today = tenant_today(tenant, now)
    if day > today:
        raise _error(
            "date",
            _(
                "%(date)s is in the future. A daily report is written on the day or after it; "
                "choose today (%(today)s) or an earlier day."
            )
            % {"date": day.isoformat(), "today": today.isoformat()},
        )


def _check_submittable(report: DailyReport) -> None:
    labels = {
        "did": _("Write what you did before submitting."),
        "plan_tomorrow": _("Write tomorrow's plan before submitting."),
    }
    errors = {name: [labels[name]] for name in REQUIRED_TO_SUBMIT if not getattr(report, name)}
    if errors:
        raise ValidationError(errors)


def _apply(
    tenant: Tenant,
    report: DailyReport,
    fields: dict[str, Any],
    submit: bool,
    now: dt.datetime,
) -> None:
    for key, value in fields.items():
        setattr(report, key, value)
    if not report.is_submitted:
        # Drafts follow the day's activities; a submitted report keeps what its reader saw.
        report.pulled_items = pulled_items(tenant=tenant, author=report.author_id, day=report.date)
    if submit:
        _check_submittable(report)
        if not report.is_submitted:
            report.status = ReportStatus.SUBMITTED
            report.submitted_at = now
    elif report.is_submitted:
        _check_submittable(report)  # a submitted report cannot be emptied


@transaction.atomic
def report_create(
    *,
    tenant: Tenant,
    author: Any,
    date: Any,
    submit: bool = False,
    now: dt.datetime | None = None,
    **data: Any,
) -> DailyReport:
    """A new report of `author` for `date` (a draft, or submitted at once with `submit`).
    Refused for a future day and for a day that already has the author's report."""
    user = _user(author)
    if user is None:
        raise _error("author", _("Daily reports are written by a signed-in person."))
    day = parse_day(date)
    check_day(tenant, day, now)
    fields = _clean_fields(data)
    if DailyReport.objects.filter(tenant=tenant, author=user, date=day).exists():
        raise _error(
            "date",
            _("You already have a daily report for %(date)s; open it and edit it instead.")
            % {"date": day.isoformat()},
        )
    moment = now or timezone.now()
    report = DailyReport(tenant=tenant, author=user, date=day)
    _apply(tenant, report, fields, submit, moment)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # the same report saved twice at once (two tabs, a retry)
        raise _error(
            "date",
            _("You already have a daily report for %(date)s; open it and edit it instead.")
            % {"date": day.isoformat()},
        ) from None
    audit_record(
        tenant=tenant,
        action=AuditLog.Action.CREATE,
        obj=report,
        actor=user,
        changes=diff({}, snapshot(report, REPORT_AUDITED)),
    )
    return report


@transaction.atomic
def report_update(
    *,
    tenant: Tenant,
    report: DailyReport,
    actor: Any,
    submit: bool = False,
    now: dt.datetime | None = None,
    **data: Any,
) -> DailyReport:
    """The author changes their report (saving the draft, submitting it, or correcting it
    after submitting: allowed, marked on the report and kept in the audit log)."""
    report = DailyReport.objects.select_for_update().get(tenant=tenant, pk=report.pk)
    user = _user(actor)
    if user is None or user.pk != report.author_id:
        raise _error("author", _("Only the author can change a daily report."))
    if "date" in data and parse_day(data.pop("date")) != report.date:
        raise _error("date", _("A report's date cannot change; write a report for that day."))
    fields = _clean_fields(data)
    moment = now or timezone.now()
    was_submitted = report.is_submitted
    before = snapshot(report, REPORT_AUDITED)
    _apply(tenant, report, fields, submit, moment)
    changes = diff(before, snapshot(report, REPORT_AUDITED))
    if was_submitted and changes:
        report.edited_after_submit_at = moment
    report.save()
    if changes:
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.UPDATE,
            obj=report,
            actor=user,
            changes={**changes, **({"after_submit": [False, True]} if was_submitted else {})},
        )
    return report


def report_save_for_day(
    *,
    tenant: Tenant,
    author: Any,
    date: Any,
    submit: bool = False,
    now: dt.datetime | None = None,
    **data: Any,
) -> DailyReport:
    """The form's door: the author's report of that day, created on the first save."""
    day = parse_day(date)
    existing = DailyReport.objects.filter(
        tenant=tenant, author_id=getattr(author, "pk", None), date=day
    ).first()
    if existing is None:
        return report_create(tenant=tenant, author=author, date=day, submit=submit, now=now, **data)
    return report_update(
        tenant=tenant, report=existing, actor=author, submit=submit, now=now, **data
    )


# --- comments and read marks ----------------------------------------------------------------
def report_url(report: DailyReport) -> str:
    return reverse("sales:report_detail", kwargs={"report_id": report.pk})


@transaction.atomic
def comment_add(
    *, tenant: Tenant, report: DailyReport, author: Any, body: str
) -> DailyReportComment:
    """A comment on a report. The report's author is notified (or, when the author answers,
    everyone else who commented)."""
    user = _user(author)
    if user is None:
        raise _error("body", _("Comments are written by a signed-in person."))
    if report.tenant_id != tenant.pk:
        raise ValueError("comment_add across tenants")
    text = str(body or "").replace("\r\n", "\n").strip()
    if not text:
        raise _error("body", _("Write the comment before sending it."))
    if len(text) > COMMENT_LIMIT:
        raise _error(
            "body",
            _("Keep the comment to %(limit)d characters; it has %(count)d.")
            % {"limit": COMMENT_LIMIT, "count": len(text)},
        )
    comment = DailyReportComment.objects.create(
        tenant=tenant, report=report, author=user, body=text
    )
    if user.pk == report.author_id:
        recipients = set(
            DailyReportComment.objects.filter(tenant=tenant, report=report)
            .exclude(author_id=user.pk)
            .values_list("author_id", flat=True)
        )
    else:
        recipients = {report.author_id}
        # A comment means the commenter has read it.
        report_mark_read(tenant=tenant, report=report, reader=user)
    for recipient in sorted(recipients):
        notify(
            tenant=tenant,
            user=recipient,
            kind="sales.report_comment",
            title=_("%(name)s commented on your daily report of %(date)s")
            % {"name": str(user), "date": report.date.isoformat()}
            if recipient == report.author_id
            else _("%(name)s answered on the daily report of %(date)s")
            % {"name": str(user), "date": report.date.isoformat()},
            body=text[:500],
            url=report_url(report),
        )
    return comment


def report_mark_read(*, tenant: Tenant, report: DailyReport, reader: Any) -> bool:
    """Marks the report read by `reader` (not its author); True the first time only."""
    user_id = getattr(reader, "pk", None)
    if user_id is None or user_id == report.author_id or not report.is_submitted:
        return False
    try:
        with transaction.atomic():
            _obj, created = DailyReportRead.objects.get_or_create(
                tenant=tenant,
                report=report,
                reader_id=user_id,
                defaults={"read_at": timezone.now()},
            )
    except IntegrityError:  # read in two tabs at once: the other one was first
        return False
    return created


def report_mark_unread(*, tenant: Tenant, report: DailyReport, reader: Any) -> None:
    DailyReportRead.objects.filter(
        tenant=tenant, report=report, reader_id=getattr(reader, "pk", None)
    ).delete()


# --- reminders ------------------------------------------------------------------------------
def members_missing_report(*, tenant: Tenant, day: dt.date, roles: list[str]) -> list[Membership]:
    """Active members with one of `roles` and no submitted report for `day` (one query)."""
    submitted = DailyReport.objects.filter(
        tenant=tenant, author_id=OuterRef("user_id"), date=day, status=ReportStatus.SUBMITTED
    )
    return list(
        Membership.objects.filter(tenant=tenant, is_active=True, role__in=roles)
        .filter(~Exists(submitted))
        .filter(Q(user__is_active=True))
        .select_related("user")
        .order_by("user_id")
    )


def remind_missing_reports(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """On a working day after the tenant's reminder time, every member who must write and has
    not submitted today's report gets one notification and one e-mail. Runs every 15
    minutes from beat: the notification's dedupe key (user + day) makes it once per day.
    Returns how many were reminded by this run."""
    config = report_settings(tenant=tenant)
    local = tenant_now(tenant, now)
    day = local.date()
    if not config.reminders_enabled or not config.required_roles:
        return 0
    if not is_working_day(day) or local.time() < config.remind_at:
        return 0
    reminded = 0
    for membership in members_missing_report(tenant=tenant, day=day, roles=config.required_roles):
        user = membership.user
        language = user.language or tenant.language or django_settings.LANGUAGE_CODE
        with transaction.atomic(), translation.override(language):
            url = reverse("sales:report_write") + f"?date={day.isoformat()}"
            title = _("Your daily report for %(date)s is not submitted yet") % {
                "date": day.isoformat()
            }
            created = notify(
                tenant=tenant,
                user=user,
                kind="sales.report_reminder",
                title=title,
                body=_("Write and submit it before you finish the day."),
                url=url,
                dedupe_key=f"sales.report_reminder:{user.pk}:{day.isoformat()}",
            )
            if created is None:
                continue
            reminded += 1
            subject = f"[{tenant.name}] {title}"
            message = _(
                "Hello %(name)s,\n\nyour daily report for %(date)s is not submitted yet. "
                "Write it here:\n%(url)s\n"
            ) % {"name": str(user), "date": day.isoformat(), "url": _absolute(url)}
            address = user.email
            transaction.on_commit(partial(_send, subject, message, address))
    return reminded


def _absolute(path: str) -> str:
    """The link for the mail: absolute with settings.SITE_URL (CRM_SITE_URL; a beat task has
    no request to take the host from), else the path alone."""
    base = django_settings.SITE_URL
    return f"{base.rstrip('/')}{path}" if base else path


def _send(subject: str, message: str, address: str) -> None:
    try:
        send_mail(subject, message, None, [address])
    except OSError:
        # The notification stands; a mail server that is down must not retry the run.
        log.exception("daily report reminder mail to %s failed", address)
