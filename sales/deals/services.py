"""Writes for pipelines, stages and deals. Every way in (pages, API, other apps) calls these:
they validate, save in one transaction, audit, and write the timeline entries a deal's
contacts and company show."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Company, Contact
from contacts.services import timeline_add
from crm.core.customfields import save_custom_fields
from crm.core.models import AuditLog, Membership, ObjectType, Tenant, User
from crm.core.services.audit import audit_record, diff, snapshot

from .hooks import run_won_hooks
from .models import Deal, DealContact, DealStageChange, Pipeline, Stage, StageKind

# (ja, en, probability, kind, stale after days)
DEFAULT_STAGES = (
    ("見込み", "Lead", 10, StageKind.OPEN, 30),
    ("提案", "Proposal", 30, StageKind.OPEN, 21),
    ("見積", "Quote", 50, StageKind.OPEN, 14),
    ("交渉", "Negotiation", 70, StageKind.OPEN, 14),
    ("受注", "Won", 100, StageKind.WON, None),
    ("失注", "Lost", 0, StageKind.LOST, None),
)
DEAL_FIELDS = (
    "name",
    "company",
    "owner",
    "amount",
    "currency",
    "expected_close_date",
    "probability",
    "source",
    "next_step",
    "tags",
)
DEAL_AUDITED = [
    "name",
    "pipeline_id",
    "stage_id",
    "company_id",
    "owner_id",
    "amount",
    "currency",
    "expected_close_date",
    "probability",
    "source",
    "lost_reason",
    "next_step",
    "tags",
    "custom_fields",
    "deleted_at",
]
STAGE_FIELDS = ("name", "name_en", "probability", "kind", "stale_after_days")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def _error(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _user(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


def _audit(tenant: Tenant, action: str, obj: Any, actor: Any, changes: dict[str, Any]) -> None:
    audit_record(tenant=tenant, action=action, obj=obj, actor=actor, changes=changes)


# --- pipelines ------------------------------------------------------------------------------
def _clean_name(value: Any, field: str = "name") -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise _error(field, _("Enter a name."))
    if len(name) > 100:
        raise _error(field, _("Keep the name to 100 characters."))
    return name


@transaction.atomic
def pipeline_create(
    *, tenant: Tenant, name: str, actor: Any = None, with_default_stages: bool = False
) -> Pipeline:
    name = _clean_name(name)
    if Pipeline.objects.filter(tenant=tenant, name=name).exists():
        raise _error("name", _("Another pipeline already has this name."))
    position = (Pipeline.objects.filter(tenant=tenant).aggregate(m=Max("position"))["m"] or 0) + 1
    is_default = not Pipeline.objects.filter(tenant=tenant, is_default=True).exists()
    pipeline = Pipeline.objects.create(
        tenant=tenant, name=name, position=position, is_default=is_default
    )
    _audit(tenant, AuditLog.Action.CREATE, pipeline, actor, {"name": [None, name]})
    if with_default_stages:
        for index, (ja, en, probability, kind, stale) in enumerate(DEFAULT_STAGES, start=1):
            Stage.objects.create(
                tenant=tenant,
                pipeline=pipeline,
                name=ja,
                name_en=en,
                position=index,
                probability=probability,
                kind=kind,
                stale_after_days=stale,
            )
    return pipeline


@transaction.atomic
def pipeline_update(
    *,
    tenant: Tenant,
    pipeline: Pipeline,
    actor: Any = None,
    name: str | None = None,
    is_default: bool | None = None,
) -> Pipeline:
    pipeline = Pipeline.objects.select_for_update().get(tenant=tenant, pk=pipeline.pk)
    before = snapshot(pipeline, ["name", "is_default"])
    if name is not None:
        name = _clean_name(name)
        if Pipeline.objects.filter(tenant=tenant, name=name).exclude(pk=pipeline.pk).exists():
            raise _error("name", _("Another pipeline already has this name."))
        pipeline.name = name
    if is_default and not pipeline.is_default:
        Pipeline.objects.filter(tenant=tenant, is_default=True).update(is_default=False)
        pipeline.is_default = True
    pipeline.save()
    changes = diff(before, snapshot(pipeline, ["name", "is_default"]))
    if changes:
        _audit(tenant, AuditLog.Action.UPDATE, pipeline, actor, changes)
    return pipeline


@transaction.atomic
def pipeline_delete(*, tenant: Tenant, pipeline: Pipeline, actor: Any = None) -> None:
    """Refused while the pipeline holds deals (deleted ones too: their history points at it)."""
    pipeline = Pipeline.objects.select_for_update().get(tenant=tenant, pk=pipeline.pk)
    if Deal.objects.filter(tenant=tenant, pipeline=pipeline).exists():
        raise _error(
            "pipeline",
            _("This pipeline still has deals. Move or delete its deals first."),
        )
    if DealStageChange.objects.filter(tenant=tenant, to_stage__pipeline=pipeline).exists():
        raise _error("pipeline", _("Deals have passed through this pipeline; it is kept."))
    was_default = pipeline.is_default
    _audit(tenant, AuditLog.Action.DELETE, pipeline, actor, {"name": [pipeline.name, None]})
    Stage.objects.filter(tenant=tenant, pipeline=pipeline).delete()
    pipeline.delete()
    if was_default:
        successor = Pipeline.objects.filter(tenant=tenant).order_by("position", "id").first()
        if successor is not None:
            Pipeline.objects.filter(tenant=tenant, pk=successor.pk).update(is_default=True)


def pipeline_default(*, tenant: Tenant) -> Pipeline:
    """The tenant's default pipeline, created with the standard Japanese B2B stages on first
    use (two first requests at once: the one-default constraint keeps a single winner)."""
    found = Pipeline.objects.filter(tenant=tenant, is_default=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return pipeline_create(
                tenant=tenant, name=_("Sales pipeline"), with_default_stages=True
            )
    except (IntegrityError, ValidationError):
        found = Pipeline.objects.filter(tenant=tenant, is_default=True).first()
        if found is None:
            found = Pipeline.objects.filter(tenant=tenant).order_by("position", "id").first()
        if found is None:
            raise
        return found


# --- stages ---------------------------------------------------------------------------------
def _clean_stage(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if "name" in data:
        try:
            fields["name"] = _clean_name(data["name"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "name_en" in data:
        fields["name_en"] = " ".join(str(data["name_en"] or "").split())[:100]
    if "probability" in data:
        try:
            probability = int(data["probability"])
            if not 0 <= probability <= 100:
                raise ValueError
            fields["probability"] = probability
        except (TypeError, ValueError):
            errors["probability"] = [_("Enter a probability from 0 to 100.")]
    if "kind" in data:
        if data["kind"] not in StageKind.values:
            errors["kind"] = [_("Choose open, won or lost.")]
        else:
            fields["kind"] = data["kind"]
    if "stale_after_days" in data:
        value = data["stale_after_days"]
        if value in (None, ""):
            fields["stale_after_days"] = None
        else:
            try:
                days = int(value)
                if days < 1:
                    raise ValueError
                fields["stale_after_days"] = days
            except (TypeError, ValueError):
                errors["stale_after_days"] = [_("Enter a whole number of days (1 or more).")]
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def stage_create(*, tenant: Tenant, pipeline: Pipeline, actor: Any = None, **data: Any) -> Stage:
    if pipeline.tenant_id != tenant.pk:
        raise ValueError("stage_create across tenants")
    data.setdefault("name", "")
    fields = _clean_stage(data)
    if Stage.objects.filter(tenant=tenant, pipeline=pipeline, name=fields["name"]).exists():
        raise _error("name", _("This pipeline already has a stage with this name."))
    position = (
        Stage.objects.filter(tenant=tenant, pipeline=pipeline).aggregate(m=Max("position"))["m"]
        or 0
    ) + 1
    stage = Stage.objects.create(tenant=tenant, pipeline=pipeline, position=position, **fields)
    _audit(tenant, AuditLog.Action.CREATE, stage, actor, diff({}, snapshot(stage, [*STAGE_FIELDS])))
    return stage


@transaction.atomic
def stage_update(*, tenant: Tenant, stage: Stage, actor: Any = None, **data: Any) -> Stage:
    stage = Stage.objects.select_for_update().get(tenant=tenant, pk=stage.pk)
    before = snapshot(stage, [*STAGE_FIELDS])
    fields = _clean_stage(data)
    if (
        "name" in fields
        and Stage.objects.filter(tenant=tenant, pipeline_id=stage.pipeline_id, name=fields["name"])
        .exclude(pk=stage.pk)
        .exists()
    ):
        raise _error("name", _("This pipeline already has a stage with this name."))
    if (
        "kind" in fields
        and fields["kind"] != stage.kind
        and Deal.objects.filter(tenant=tenant, stage=stage, deleted_at=None).exists()
    ):
        raise _error("kind", _("Deals are in this stage; move them before changing its type."))
    for key, value in fields.items():
        setattr(stage, key, value)
    stage.save()
    changes = diff(before, snapshot(stage, [*STAGE_FIELDS]))
    if changes:
        _audit(tenant, AuditLog.Action.UPDATE, stage, actor, changes)
    return stage


@transaction.atomic
def stage_reorder(
    *, tenant: Tenant, pipeline: Pipeline, stage_ids: list[int], actor: Any = None
) -> None:
    """Sets the order of all the pipeline's stages at once; the list must name each once."""
    current = list(
        Stage.objects.select_for_update()
        .filter(tenant=tenant, pipeline=pipeline)
        .values_list("id", flat=True)
    )
    if sorted(current) != sorted(stage_ids) or len(set(stage_ids)) != len(stage_ids):
        raise _error("stages", _("Send every stage of this pipeline once, in the new order."))
    for position, stage_id in enumerate(stage_ids, start=1):
        Stage.objects.filter(tenant=tenant, pk=stage_id).update(position=position)
    _audit(tenant, AuditLog.Action.UPDATE, pipeline, actor, {"stage_order": [current, stage_ids]})


@transaction.atomic
def stage_delete(*, tenant: Tenant, stage: Stage, actor: Any = None) -> None:
    stage = Stage.objects.select_for_update().get(tenant=tenant, pk=stage.pk)
    if Deal.objects.filter(tenant=tenant, stage=stage).exists():
        raise _error("stage", _("Deals are in this stage. Move them to another stage first."))
    if (
        DealStageChange.objects.filter(tenant=tenant, to_stage=stage).exists()
        or DealStageChange.objects.filter(tenant=tenant, from_stage=stage).exists()
    ):
        raise _error("stage", _("Deals have passed through this stage; its history keeps it."))
    _audit(tenant, AuditLog.Action.DELETE, stage, actor, diff(snapshot(stage, [*STAGE_FIELDS]), {}))
    stage.delete()


# --- deals ----------------------------------------------------------------------------------
def _clean_deal(tenant: Tenant, data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if "name" in data:
        name = " ".join(str(data["name"] or "").split())
        if not name:
            errors["name"] = [_("Enter the deal name.")]
        elif len(name) > 200:
            errors["name"] = [_("Keep the deal name to 200 characters.")]
        fields["name"] = name
    for key, limit in (("source", 50), ("next_step", 200)):
        if key in data:
            fields[key] = " ".join(str(data[key] or "").split())[:limit]
    if "amount" in data:
        try:
            raw = str(data["amount"] if data["amount"] is not None else "0")
            amount = Decimal(raw.replace(",", "").replace("¥", "").replace("￥", "").strip() or 0)
            if amount < 0 or not amount.is_finite() or amount >= Decimal(10) ** 14:
                raise InvalidOperation
            fields["amount"] = amount.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            errors["amount"] = [_("Enter the amount as a number of 0 or more, like 1200000.")]
    if "currency" in data:
        currency = str(data["currency"] or "JPY").strip().upper()
        if not _CURRENCY_RE.match(currency):
            errors["currency"] = [_("Enter a three-letter currency code, like JPY or USD.")]
        fields["currency"] = currency
    if "probability" in data:
        value = data["probability"]
        if value in (None, ""):
            fields["probability"] = None
        else:
            try:
                probability = int(value)
                if not 0 <= probability <= 100:
                    raise ValueError
                fields["probability"] = probability
            except (TypeError, ValueError):
                errors["probability"] = [_("Enter a probability from 0 to 100, or leave it empty.")]
    if "expected_close_date" in data:
        value = data["expected_close_date"]
        if value in (None, ""):
            fields["expected_close_date"] = None
        elif isinstance(value, dt.date):
            fields["expected_close_date"] = value
        else:
            try:
                fields["expected_close_date"] = dt.date.fromisoformat(str(value).strip())
            except ValueError:
                errors["expected_close_date"] = [_("Enter the date like 2026-03-31.")]
    if "tags" in data:
        value = data["tags"] or []
        items = re.split(r"[,、，]", value) if isinstance(value, str) else list(value)
        tags: list[str] = []
        for item in items:
            tag = " ".join(str(item).split())
            if tag and tag not in tags:
                tags.append(tag[:50])
        fields["tags"] = tags
    if "owner" in data:
        value = data["owner"]
        if value in (None, ""):
            fields["owner"] = None
        else:
            user_id = value.pk if isinstance(value, User) else value
            membership = (
                Membership.objects.filter(tenant=tenant, user_id=user_id, is_active=True)
                .select_related("user")
                .first()
            )
            if membership is None:
                errors["owner"] = [_("Choose an owner who is an active member of this tenant.")]
            else:
                fields["owner"] = membership.user
    if "company" in data:
        value = data["company"]
        if value in (None, ""):
            fields["company"] = None
        else:
            company_id = getattr(value, "pk", value)
            company = Company.objects.filter(tenant=tenant, pk=company_id, deleted_at=None).first()
            if company is None:
                errors["company"] = [
                    _("That company does not exist or was deleted; choose another.")
                ]
            fields["company"] = company
    if errors:
        raise ValidationError(errors)
    return fields


def _clean_contacts(tenant: Tenant, value: Any) -> list[Any]:
    ids = [getattr(item, "pk", item) for item in (value or [])]
    try:
        ids = list(dict.fromkeys(int(i) for i in ids))
    except (TypeError, ValueError):
        raise _error("contacts", _("Send the contacts as a list of ids.")) from None
    if not ids:
        return []
    found = {c.pk: c for c in Contact.objects.filter(tenant=tenant, pk__in=ids, deleted_at=None)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise _error(
            "contacts", _("Some contacts do not exist or were deleted; choose them again.")
        )
    return [found[i] for i in ids]


def _deal_timeline(
    *,
    tenant: Tenant,
    deal: Deal,
    subject: str,
    body: str = "",
    actor: Any = None,
    data: dict[str, Any] | None = None,
    kind: str = "deal",
    contacts: list[Any] | None = None,
) -> None:
    """One entry per contact of the deal (shown on the contact and its company) and one for
    the deal's company when no contact already puts it there. The first entry is the deal's
    own; the others are marked `copy` so the deal's timeline lists each event once."""
    now = timezone.now()
    people = contacts if contacts is not None else list(deal.contacts.all())
    first = True
    company_covered = False
    covered: set[int] = set()  # companies whose timeline already has this event
    for contact in people:
        entry = timeline_add(
            tenant=tenant,
            contact=contact,
            company=deal.company if first and deal.company_id else None,
            kind=kind,
            occurred_at=now,
            subject=subject,
            body=body,
            data={**(data or {}), **({} if first else {"copy": True})},
            actor=_user(actor),
            ref_type="deal",
            ref_id=str(deal.pk),
        )
        if entry.company_id is not None and entry.company_id in covered:
            # Two contacts of one company on the deal: the event shows once on the company.
            type(entry).objects.filter(tenant=tenant, pk=entry.pk).update(company=None)
        elif entry.company_id is not None:
            covered.add(entry.company_id)
        if (first and deal.company_id) or contact.company_id == deal.company_id:
            company_covered = True
        first = False
    if deal.company_id and not company_covered:
        timeline_add(
            tenant=tenant,
            company=deal.company,
            kind=kind,
            occurred_at=now,
            subject=subject,
            body=body,
            data={**(data or {}), **({} if first else {"copy": True})},
            actor=_user(actor),
            ref_type="deal",
            ref_id=str(deal.pk),
        )


def _stage_for(tenant: Tenant, pipeline: Pipeline, stage: Any) -> Stage:
    if stage in (None, ""):
        found = (
            Stage.objects.filter(tenant=tenant, pipeline=pipeline, kind=StageKind.OPEN)
            .order_by("position", "id")
            .first()
        )
        if found is None:
            raise _error("stage", _("This pipeline has no open stage; add one in the settings."))
        return found
    stage_id = getattr(stage, "pk", stage)
    found = Stage.objects.filter(tenant=tenant, pk=stage_id).first()
    if found is None:
        raise _error("stage", _("That stage does not exist; choose another."))
    if found.pipeline_id != pipeline.pk:
        raise _error(
            "stage",
            _("That stage belongs to another pipeline; choose a stage of “%(pipeline)s”.")
            % {"pipeline": pipeline.name},
        )
    return found


@transaction.atomic
def deal_create(
    *,
    tenant: Tenant,
    actor: Any = None,
    pipeline: Pipeline | int | None = None,
    stage: Stage | int | None = None,
    contacts: list[Any] | None = None,
    lost_reason: str = "",
    custom_fields: dict[str, Any] | None = None,
    **data: Any,
) -> Deal:
    data.setdefault("name", "")
    fields = _clean_deal(tenant, data)
    if pipeline in (None, ""):
        pipeline_obj = pipeline_default(tenant=tenant)
    else:
        found = Pipeline.objects.filter(tenant=tenant, pk=getattr(pipeline, "pk", pipeline)).first()
        if found is None:
            raise _error("pipeline", _("That pipeline does not exist; choose another."))
        pipeline_obj = found
    stage_obj = _stage_for(tenant, pipeline_obj, stage)
    if stage_obj.kind == StageKind.LOST and not (lost_reason or "").strip():
        raise _error("lost_reason", _("Say why the deal was lost."))
    people = _clean_contacts(tenant, contacts)
    now = timezone.now()
    deal = Deal(
        tenant=tenant,
        pipeline=pipeline_obj,
        stage=stage_obj,
        stage_entered_at=now,
        closed_at=now if stage_obj.kind != StageKind.OPEN else None,
        lost_reason=(lost_reason or "").strip()[:200] if stage_obj.kind == StageKind.LOST else "",
        **fields,
    )
    deal.custom_fields = save_custom_fields(
        tenant=tenant, object_type=ObjectType.DEAL, data=custom_fields, creating=True
    )
    deal.full_clean(exclude=["tenant", "owner", "company", "pipeline", "stage"])
    deal.save()
    DealContact.objects.bulk_create(
        [DealContact(tenant=tenant, deal=deal, contact=c) for c in people]
    )
    DealStageChange.objects.create(
        tenant=tenant,
        deal=deal,
        from_stage=None,
        to_stage=stage_obj,
        changed_by=_user(actor),
        changed_at=now,
    )
    _audit(tenant, AuditLog.Action.CREATE, deal, actor, diff({}, snapshot(deal, DEAL_AUDITED)))
    _deal_timeline(
        tenant=tenant,
        deal=deal,
        subject=_("Deal created: %(name)s (%(stage)s)")
        % {"name": deal.name, "stage": stage_obj.label},
        actor=actor,
        data={"event": "created", "stage": stage_obj.pk},
        contacts=people,
    )
    if stage_obj.kind == StageKind.WON:
        # What the won hooks did (the order made, or why it stayed a draft), for the mover.
        deal.won_notices = run_won_hooks(tenant=tenant, deal=deal, actor=actor)  # type: ignore[attr-defined]
    return deal


@transaction.atomic
def deal_update(
    *,
    tenant: Tenant,
    deal: Deal,
    actor: Any = None,
    contacts: list[Any] | None = None,
    custom_fields: dict[str, Any] | None = None,
    **data: Any,
) -> Deal:
    """Changes the deal's fields (not its stage: that is deal_move_stage's job)."""
    if "stage" in data or "pipeline" in data:
        raise _error("stage", _("Move the deal between stages with the board or move-stage."))
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "pipeline", "company")
        .get(tenant=tenant, pk=deal.pk, deleted_at=None)
    )
    before = snapshot(deal, DEAL_AUDITED)
    before_contacts = sorted(deal.deal_contacts.values_list("contact_id", flat=True))
    fields = _clean_deal(tenant, data)
    if "lost_reason" in data and deal.stage.kind == StageKind.LOST:
        reason = " ".join(str(data["lost_reason"] or "").split())[:200]
        if not reason:
            raise _error("lost_reason", _("Say why the deal was lost."))
        fields["lost_reason"] = reason
    for key, value in fields.items():
        setattr(deal, key, value)
    if custom_fields is not None:
        deal.custom_fields = save_custom_fields(
            tenant=tenant,
            object_type=ObjectType.DEAL,
            data=custom_fields,
            existing=before["custom_fields"],
            instance_pk=deal.pk,
            creating=False,
        )
    deal.full_clean(exclude=["tenant", "owner", "company", "pipeline", "stage"])
    deal.save()
    changes = diff(before, snapshot(deal, DEAL_AUDITED))
    if contacts is not None:
        people = _clean_contacts(tenant, contacts)
        after_ids = sorted(c.pk for c in people)
        if after_ids != before_contacts:
            DealContact.objects.filter(tenant=tenant, deal=deal).exclude(
                contact_id__in=after_ids
            ).delete()
            DealContact.objects.bulk_create(
                [
                    DealContact(tenant=tenant, deal=deal, contact=c)
                    for c in people
                    if c.pk not in before_contacts
                ]
            )
            changes["contacts"] = [before_contacts, after_ids]
    if changes:
        _audit(tenant, AuditLog.Action.UPDATE, deal, actor, changes)
        summary = _change_summary(deal, changes)
        if summary:
            _deal_timeline(
                tenant=tenant,
                deal=deal,
                subject=_("Deal updated: %(name)s") % {"name": deal.name},
                body=summary,
                actor=actor,
                kind="field_change",
                data={
                    "event": "updated",
                    "fields": sorted(k for k in changes if k in TIMELINE_FIELDS),
                },
            )
    return deal


# The deal fields whose changes go on the timeline (who sees the deal sees them move).
TIMELINE_FIELDS = ("name", "amount", "expected_close_date", "owner_id", "probability", "next_step")


def _change_summary(deal: Deal, changes: dict[str, Any]) -> str:
    """One line per field that matters to the people on the deal: "Amount: ¥1,000,000 →
    ¥1,200,000"."""
    labels = {
        "name": _("Deal name"),
        "amount": _("Amount"),
        "expected_close_date": _("Expected close date"),
        "owner_id": _("Owner"),
        "probability": _("Probability"),
        "next_step": _("Next step"),
    }
    users = User.objects.in_bulk(
        [v for k, pair in changes.items() if k == "owner_id" for v in pair if v]
    )

    def show(key: str, value: Any) -> str:
        if value in (None, ""):
            return "—"
        if key == "amount":
            return _money_text(value, deal.currency)
        if key == "owner_id":
            return str(users.get(int(value), value))
        if key == "probability":
            return f"{value}%"
        return str(value)

    return "\n".join(
        f"{labels[key]}: {show(key, changes[key][0])} → {show(key, changes[key][1])}"
        for key in TIMELINE_FIELDS
        if key in changes
    )


def _money_text(value: Any, currency: str) -> str:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return str(value)
    return f"¥{number:,.0f}" if currency == "JPY" else f"{number:,.2f} {currency}"


@transaction.atomic
def deal_soft_delete(*, tenant: Tenant, deal: Deal, actor: Any = None) -> None:
    updated = Deal.objects.filter(tenant=tenant, pk=deal.pk, deleted_at=None).update(
        deleted_at=timezone.now()
    )
    if updated:
        _audit(tenant, AuditLog.Action.DELETE, deal, actor, diff(snapshot(deal, DEAL_AUDITED), {}))


@transaction.atomic
def deal_restore(*, tenant: Tenant, deal: Deal, actor: Any = None) -> None:
    updated = Deal.objects.filter(tenant=tenant, pk=deal.pk, deleted_at__isnull=False).update(
        deleted_at=None
    )
    if updated:
        _audit(tenant, AuditLog.Action.UPDATE, deal, actor, {"deleted_at": ["deleted", None]})


@transaction.atomic
def deal_move_stage(
    *, tenant: Tenant, deal: Deal, stage: Stage | int, actor: Any = None, lost_reason: str = ""
) -> Deal:
    """Moves the deal to `stage` of its own pipeline: records the move with the seconds spent
    in the stage it leaves, closes it on won/lost (lost needs a reason), writes the timeline
    and, on won, runs the won hooks, all in this one transaction. Refusals change nothing."""
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "pipeline", "company")
        .get(tenant=tenant, pk=deal.pk, deleted_at=None)
    )
    stage_id: Any = getattr(stage, "pk", stage)
    target = Stage.objects.filter(tenant=tenant, pk=stage_id).first()
    if target is None:
        raise _error("stage", _("That stage does not exist; choose another."))
    if target.pipeline_id != deal.pipeline_id:
        raise _error(
            "stage",
            _("That stage belongs to another pipeline; choose a stage of “%(pipeline)s”.")
            % {"pipeline": deal.pipeline.name},
        )
    if target.pk == deal.stage_id:
        return deal
    reason = " ".join(str(lost_reason or "").split())[:200]
    if target.kind == StageKind.LOST and not reason:
        raise _error("lost_reason", _("Say why the deal was lost."))
    now = timezone.now()
    previous = deal.stage
    seconds = max(0, int((now - deal.stage_entered_at).total_seconds()))
    before = snapshot(deal, DEAL_AUDITED)
    deal.stage = target
    deal.stage_entered_at = now
    deal.closed_at = now if target.kind != StageKind.OPEN else None
    deal.lost_reason = reason if target.kind == StageKind.LOST else ""
    deal.save(update_fields=["stage", "stage_entered_at", "closed_at", "lost_reason", "updated_at"])
    DealStageChange.objects.create(
        tenant=tenant,
        deal=deal,
        from_stage=previous,
        to_stage=target,
        changed_by=_user(actor),
        changed_at=now,
        seconds_in_from_stage=seconds,
    )
    _audit(tenant, AuditLog.Action.UPDATE, deal, actor, diff(before, snapshot(deal, DEAL_AUDITED)))
    if target.kind == StageKind.WON:
        subject = _("Deal won: %(name)s") % {"name": deal.name}
    elif target.kind == StageKind.LOST:
        subject = _("Deal lost: %(name)s (%(reason)s)") % {"name": deal.name, "reason": reason}
    else:
        subject = _("Deal moved: %(name)s, %(from)s → %(to)s") % {
            "name": deal.name,
            "from": previous.label,
            "to": target.label,
        }
    _deal_timeline(
        tenant=tenant,
        deal=deal,
        subject=subject,
        actor=actor,
        data={"event": target.kind, "from_stage": previous.pk, "to_stage": target.pk},
    )
    if target.kind == StageKind.WON:
        # What the won hooks did (the order made, or why it stayed a draft), for the mover.
        deal.won_notices = run_won_hooks(tenant=tenant, deal=deal, actor=actor)  # type: ignore[attr-defined]
    return deal


@transaction.atomic
def deal_log_note(*, tenant: Tenant, deal: Deal, actor: Any, body: str) -> None:
    body = (body or "").strip()
    if not body:
        raise _error("body", _("Write the note before saving it."))
    if not deal.company_id and not deal.contacts.exists():
        raise _error("body", _("Add a contact or a company to the deal to log notes on it."))
    _deal_timeline(
        tenant=tenant,
        deal=deal,
        subject=body.splitlines()[0],
        body=body,
        actor=actor,
        kind="note",
        data={"event": "note"},
    )


# --- the board's kept totals ------------------------------------------------------------------
_REBUILD_SQL = """
WITH fresh AS (
  SELECT pipeline_id, stage_id, count(*) AS n, coalesce(sum(amount), 0) AS amount,
    coalesce(sum(amount) FILTER (WHERE probability IS NULL), 0) AS plain,
    coalesce(sum(amount * probability) FILTER (WHERE probability IS NOT NULL), 0) AS overridden
  FROM sales_deal WHERE tenant_id = %(tenant)s AND deleted_at IS NULL
  GROUP BY pipeline_id, stage_id
), updated AS (
  UPDATE sales_stagetotals t SET deal_count = coalesce(f.n, 0),
    amount_total = coalesce(f.amount, 0), amount_plain = coalesce(f.plain, 0),
    amount_overridden = coalesce(f.overridden, 0)
  FROM sales_stagetotals k LEFT JOIN fresh f
    ON f.pipeline_id = k.pipeline_id AND f.stage_id = k.stage_id
  WHERE t.id = k.id AND t.tenant_id = %(tenant)s AND t.id = ANY(%(locked)s)
  RETURNING t.pipeline_id, t.stage_id
)
INSERT INTO sales_stagetotals (tenant_id, pipeline_id, stage_id, deal_count, amount_total,
  amount_plain, amount_overridden)
SELECT %(tenant)s, f.pipeline_id, f.stage_id, f.n, f.amount, f.plain, f.overridden
FROM fresh f
WHERE NOT EXISTS (SELECT 1 FROM updated u
                  WHERE u.pipeline_id = f.pipeline_id AND u.stage_id = f.stage_id)
ON CONFLICT (tenant_id, pipeline_id, stage_id) DO NOTHING
"""


def board_totals_rebuild(*, tenant: Tenant) -> int:
    """Recomputes the tenant's StageTotals from its live deals, set-based (a repair; the
    triggers of migration 0007 keep them exact otherwise). Returns the number of rows.

    Exact while deals are being written: every stage gets a row first, then all the tenant's
    rows are locked in the triggers' key order; a writer that has already counted waits for
    nothing and is committed before the aggregate's snapshot (we waited for its row lock),
    a writer that comes later waits on our lock and adds its delta to the recomputed row."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO sales_stagetotals (tenant_id, pipeline_id, stage_id, deal_count,
              amount_total, amount_plain, amount_overridden)
            SELECT tenant_id, pipeline_id, id, 0, 0, 0, 0 FROM sales_stage
            WHERE tenant_id = %s
            ON CONFLICT (tenant_id, pipeline_id, stage_id) DO NOTHING
            """,
            [tenant.pk],
        )
        cursor.execute(
            "SELECT id FROM sales_stagetotals WHERE tenant_id = %s"
            " ORDER BY tenant_id, pipeline_id, stage_id FOR UPDATE",
            [tenant.pk],
        )
        locked = [row[0] for row in cursor.fetchall()]
        cursor.execute(_REBUILD_SQL, {"tenant": tenant.pk, "locked": locked})
        cursor.execute("SELECT count(*) FROM sales_stagetotals WHERE tenant_id = %s", [tenant.pk])
        return int(cursor.fetchone()[0])
