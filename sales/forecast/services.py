"""Writes for sales targets: the grid's save (many people x months at once), copying last
month's, each one transaction with one audit entry. Managers set their team's targets, admins
everyone's, reps nobody's. Any bad cell refuses the whole save, with a message per cell."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.models import AuditLog, Membership, Tenant, User
from crm.core.services.audit import audit_record

from .models import SalesTarget
from .selectors import add_months, can_set_targets_for, parse_month

MAX_AMOUNT = Decimal(10) ** 16 - 1
_STRIP = str.maketrans("", "", ",¥￥円 \u3000")


@dataclass
class TargetsSaved:
    saved: int = 0  # created or changed
    cleared: int = 0  # removed (cell emptied)
    unchanged: int = 0


def cell_key(user_id: Any, month: dt.date | str) -> str:
    """The field name of one grid cell (also the key of its error): t_<user id>_<YYYY-MM>."""
    label = month if isinstance(month, str) else f"{month:%Y-%m}"
    return f"t_{user_id}_{label}"


def parse_amount(value: Any) -> Decimal | None:
    """A target as typed: '1,200,000', full-width digits, '¥300000' or '300000円'.
    Empty means no target. Raises ValueError with the message to show."""
    if value is None:
        return None
    if isinstance(value, int | Decimal):
        text = str(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).translate(_STRIP).strip()
    if text == "":
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Enter the target in yen as a whole number, like 1200000.")) from None
    if not amount.is_finite():
        raise ValueError(_("Enter the target in yen as a whole number, like 1200000."))
    if amount < 0:
        raise ValueError(_("A target cannot be negative; enter 0 or more."))
    if amount != amount.to_integral_value():
        raise ValueError(_("Enter whole yen, without sen (no decimals)."))
    if amount > MAX_AMOUNT:
        raise ValueError(_("That target is too large; check the number of digits."))
    return amount.quantize(Decimal(1))


def _month(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value.replace(day=1) if value.day != 1 else value
    return parse_month(str(value or ""))


def _allowed_users(
    tenant: Tenant, membership: Membership | None, user_ids: Iterable[int]
) -> tuple[dict[int, Membership], set[int] | None]:
    wanted = {int(pk) for pk in user_ids}
    members = {
        m.user_id: m
        for m in Membership.objects.filter(tenant=tenant, is_active=True, user_id__in=wanted)
    }
    return members, can_set_targets_for(tenant, membership)


def _refuse_reps(allowed: set[int] | None) -> None:
    if allowed is not None and not allowed:
        raise ValidationError(
            {"targets": [_("Only managers and admins set targets. Ask your manager.")]}
        )


@transaction.atomic
def targets_set(
    *,
    tenant: Tenant,
    membership: Membership | None,
    entries: Iterable[Mapping[str, Any]],
    actor: Any = None,
) -> TargetsSaved:
    """Saves targets given as {"user": id, "month": "YYYY-MM" | date, "amount": ...}. An empty
    amount removes that target. Every entry is checked first; one bad entry refuses the save
    with a message per cell (keyed by cell_key) and nothing is stored."""
    rows = list(entries)
    errors: dict[str, list[str]] = {}
    user_ids = [int(r["user"]) for r in rows if str(r.get("user", "")).strip().isdigit()]
    members, allowed = _allowed_users(tenant, membership, user_ids)
    _refuse_reps(allowed)
    wanted: dict[tuple[int, dt.date], Decimal | None] = {}
    for row in rows:
        raw_user = str(row.get("user", "") or "").strip()
        month = _month(row.get("month"))
        key = cell_key(raw_user or "?", month or str(row.get("month", "") or "?"))
        if not raw_user.isdigit():
            errors.setdefault(key, []).append(_("Say whose target this is (the user id)."))
            continue
        user_id = int(raw_user)
        if month is None:
            errors.setdefault(key, []).append(_("Give the month like 2026-04."))
            continue
        if user_id not in members:
            errors.setdefault(key, []).append(
                _("This person is not an active member of your company; remove the row.")
            )
            continue
        if allowed is not None and user_id not in allowed:
            errors.setdefault(key, []).append(
                _("You set targets for your own team only; %(name)s is not in it.")
                % {"name": str(members[user_id].user)}
            )
            continue
        try:
            wanted[(user_id, month)] = parse_amount(row.get("amount"))
        except ValueError as exc:
            errors.setdefault(key, []).append(str(exc))
    if errors:
        raise ValidationError(errors)
    if not wanted:
        return TargetsSaved()

    months = sorted({month for _user, month in wanted})
    existing = {
        (t.user_id, t.month): t
        for t in SalesTarget.objects.select_for_update().filter(
            tenant=tenant,
            user_id__in=sorted({user for user, _month in wanted}),
            month__gte=months[0],
            month__lte=months[-1],
        )
    }
    now = timezone.now()
    set_by = actor if isinstance(actor, User) else None
    upserts: list[SalesTarget] = []
    to_clear: list[int] = []
    changes: dict[str, list[Any]] = {}
    result = TargetsSaved()
    for (user_id, month), amount in sorted(wanted.items()):
        current = existing.get((user_id, month))
        before = current.amount if current is not None else None
        if amount is None:
            if current is not None:
                to_clear.append(current.pk)
                changes[cell_key(user_id, month)] = [str(before), None]
            else:
                result.unchanged += 1
            continue
        if before is not None and before == amount:
            result.unchanged += 1
            continue
        upserts.append(
            SalesTarget(
                tenant=tenant,
                user_id=user_id,
                month=month,
                amount=amount,
                set_by=set_by,
                updated_at=now,
            )
        )
        changes[cell_key(user_id, month)] = [None if before is None else str(before), str(amount)]
    if upserts:
        # One INSERT … ON CONFLICT (tenant, user, month) DO UPDATE for the whole grid.
        SalesTarget.objects.bulk_create(
            upserts,
            update_conflicts=True,
            unique_fields=["tenant", "user", "month"],
            update_fields=["amount", "set_by", "updated_at"],
        )
    if to_clear:
        SalesTarget.objects.filter(tenant=tenant, pk__in=to_clear).delete()
    result.saved, result.cleared = len(upserts), len(to_clear)
    if changes:
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.UPDATE,
            object_type="sales.salestarget",
            object_repr=_("Sales targets %(from)s to %(to)s")
            % {"from": f"{months[0]:%Y-%m}", "to": f"{months[-1]:%Y-%m}"},
            changes=changes,
            actor=actor,
        )
    return result


@transaction.atomic
def targets_copy_previous_month(
    *,
    tenant: Tenant,
    membership: Membership | None,
    month: dt.date,
    user_ids: Iterable[int] | None = None,
    actor: Any = None,
) -> int:
    """Copies last month's targets into `month` for the people the member may set targets
    for (optionally only `user_ids`). Targets already set in `month` are kept as they are.
    Returns how many were copied."""
    allowed = can_set_targets_for(tenant, membership)
    _refuse_reps(allowed)
    month = month.replace(day=1)
    previous = add_months(month, -1)
    source = SalesTarget.objects.filter(
        tenant=tenant, month=previous, user__memberships__tenant=tenant
    ).filter(user__memberships__is_active=True)
    if allowed is not None:
        source = source.filter(user_id__in=allowed)
    if user_ids is not None:
        source = source.filter(user_id__in=list(user_ids))
    taken = set(
        SalesTarget.objects.filter(tenant=tenant, month=month).values_list("user_id", flat=True)
    )
    now = timezone.now()
    set_by = actor if isinstance(actor, User) else None
    copies = [
        SalesTarget(
            tenant=tenant,
            user_id=t.user_id,
            month=month,
            amount=t.amount,
            set_by=set_by,
            updated_at=now,
        )
        for t in source.distinct()
        if t.user_id not in taken
    ]
    if copies:
        SalesTarget.objects.bulk_create(copies, ignore_conflicts=True)
        audit_record(
            tenant=tenant,
            action=AuditLog.Action.UPDATE,
            object_type="sales.salestarget",
            object_repr=_("Sales targets %(from)s to %(to)s")
            % {"from": f"{month:%Y-%m}", "to": f"{month:%Y-%m}"},
            changes={cell_key(c.user_id, month): [None, str(c.amount)] for c in copies},
            actor=actor,
        )
    return len(copies)
