"""Reads for pipelines, stages and deals. Record visibility is contacts' rule (reps see their
own or their team's records when the tenant says so) applied to the deal's owner."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from contacts.models import Interaction
from contacts.selectors import visibility_filter
from crm.core.models import Membership, Tenant

from .models import Deal, DealStageChange, Pipeline, Stage, StageTotals

BOARD_CARDS = 20
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


def pipelines(*, tenant: Tenant) -> list[Pipeline]:
    return list(Pipeline.objects.filter(tenant=tenant, archived_at=None).order_by("position", "id"))


def stages_of(*, tenant: Tenant, pipeline: Pipeline) -> list[Stage]:
    return list(Stage.objects.filter(tenant=tenant, pipeline=pipeline).order_by("position", "id"))


def access_pipeline(*, tenant: Tenant, pipeline_id: int) -> Pipeline:
    return get_object_or_404(Pipeline.objects.filter(tenant=tenant), pk=pipeline_id)


def access_stage(*, tenant: Tenant, stage_id: int) -> Stage:
    return get_object_or_404(
        Stage.objects.filter(tenant=tenant).select_related("pipeline"), pk=stage_id
    )


def visible_deals(tenant: Tenant, membership: Membership | None) -> QuerySet[Deal]:
    """Live deals this member may see."""
    qs = Deal.objects.filter(tenant=tenant, deleted_at=None)
    rule = visibility_filter(tenant, membership)
    return qs if rule is None else qs.filter(rule)


def deleted_deals(tenant: Tenant, membership: Membership | None) -> QuerySet[Deal]:
    qs = Deal.objects.filter(tenant=tenant, deleted_at__isnull=False)
    rule = visibility_filter(tenant, membership)
    return qs if rule is None else qs.filter(rule)


def access_deal(
    *, tenant: Tenant, deal_id: int, membership: Membership | None, deleted: bool = False
) -> Deal:
    """Another tenant's deal, a deleted one or one hidden by visibility is not found (404)."""
    qs = deleted_deals(tenant, membership) if deleted else visible_deals(tenant, membership)
    return get_object_or_404(qs.select_related("pipeline", "stage", "company", "owner"), pk=deal_id)


def weighted_amount() -> ExpressionWrapper:
    """amount × (the deal's probability override, else its stage's) / 100."""
    return ExpressionWrapper(
        F("amount") * Coalesce(F("probability"), F("stage__probability")) / Value(100),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )


# --- filters (owner, close month, tag; the API adds pipeline, stage, updated_since) -------
@dataclass
class DealFilters:
    owner: str = ""  # a user id, "me" or "unassigned"
    close_month: str = ""  # YYYY-MM
    tag: str = ""
    pipeline: int | None = None
    stage: int | None = None
    updated_since: dt.datetime | None = None
    q: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def apply(self, qs: QuerySet[Deal], membership: Membership | None) -> QuerySet[Deal]:
        if self.owner == "me":
            qs = qs.filter(owner_id=getattr(membership, "user_id", None))
        elif self.owner == "unassigned":
            qs = qs.filter(owner__isnull=True)
        elif self.owner:
            qs = qs.filter(owner_id=int(self.owner))
        if self.close_month:
            year, month = (int(p) for p in self.close_month.split("-"))
            start = dt.date(year, month, 1)
            end = dt.date(year + (month == 12), month % 12 + 1, 1)
            qs = qs.filter(expected_close_date__gte=start, expected_close_date__lt=end)
        if self.tag:
            qs = qs.filter(tags__contains=[self.tag])
        if self.pipeline is not None:
            qs = qs.filter(pipeline_id=self.pipeline)
        if self.stage is not None:
            qs = qs.filter(stage_id=self.stage)
        if self.updated_since is not None:
            qs = qs.filter(updated_at__gte=self.updated_since)
        if self.q:
            qs = qs.filter(name__icontains=self.q)
        return qs

    @property
    def is_empty(self) -> bool:
        """Nothing narrows the deals (the board may read its kept totals)."""
        return not (
            self.owner
            or self.close_month
            or self.tag
            or self.q
            or self.pipeline is not None
            or self.stage is not None
            or self.updated_since is not None
        )

    def querystring(self) -> str:
        from urllib.parse import urlencode

        pairs = [
            (k, v)
            for k, v in (
                ("owner", self.owner),
                ("close_month", self.close_month),
                ("tag", self.tag),
            )
            if v
        ]
        return urlencode(pairs)


def _int_param(params: Mapping[str, Any], name: str, errors: dict[str, list[str]]) -> int | None:
    value = str(params.get(name, "") or "").strip()
    if not value:
        return None
    if not value.isdigit():
        errors[name] = [_("Send the %(name)s as a number (its id).") % {"name": name}]
        return None
    return int(value)


def deal_filters(*, params: Mapping[str, Any]) -> DealFilters:
    """Reads ?owner= ?close_month= ?tag= ?pipeline= ?stage= ?updated_since= ?q= with a
    message for each value that cannot be used."""
    errors: dict[str, list[str]] = {}
    owner = str(params.get("owner", "") or "").strip()
    if owner and owner not in ("me", "unassigned") and not owner.isdigit():
        errors["owner"] = [_("Use a user id, me or unassigned.")]
        owner = ""
    close_month = str(params.get("close_month", "") or "").strip()
    if close_month:
        match = _MONTH_RE.match(close_month)
        if not match or not 1 <= int(match.group(2)) <= 12:
            errors["close_month"] = [_("Give the month like 2026-03.")]
            close_month = ""
        else:
            close_month = f"{match.group(1)}-{int(match.group(2)):02d}"
    updated_since = None
    raw_since = str(params.get("updated_since", "") or "").strip()
    if raw_since:
        updated_since = parse_datetime(raw_since.replace(" ", "+"))
        if updated_since is None:
            errors["updated_since"] = [_("Give the time like 2026-03-01T09:00:00+09:00.")]
        elif timezone.is_naive(updated_since):
            updated_since = timezone.make_aware(updated_since)
    return DealFilters(
        owner=owner,
        close_month=close_month,
        tag=str(params.get("tag", "") or "").strip(),
        pipeline=_int_param(params, "pipeline", errors),
        stage=_int_param(params, "stage", errors),
        updated_since=updated_since,
        q=str(params.get("q", "") or "").strip(),
        errors=errors,
    )


def deal_list(
    *, tenant: Tenant, membership: Membership | None, filters: DealFilters | None = None
) -> QuerySet[Deal]:
    qs = visible_deals(tenant, membership)
    if filters is not None:
        qs = filters.apply(qs, membership)
    return qs.select_related("pipeline", "stage", "company", "owner").order_by("-id")


# --- the board ------------------------------------------------------------------------------
@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    cards: list[Deal] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return self.count > len(self.cards)

    @property
    def last_id(self) -> int | None:
        return self.cards[-1].pk if self.cards else None


_URL_SENTINEL = 987654321


def grouped_amount(amount: Any, places: int = 0) -> str:
    """1,200,000 / 1,200.50: as `floatformat:<places>|intcomma` writes it (half up, thousands
    commas), without the template filters' per-call cost on pages with hundreds of figures."""
    step = Decimal(1).scaleb(-places)
    return f"{Decimal(amount).quantize(step, ROUND_HALF_UP):,}"


def _money(amount: Decimal, currency: str) -> str:
    """¥1,200,000 (yen without decimals), else 1,200.50 USD: what the card template's
    floatformat|intcomma wrote (half up), made in Python once per card."""
    if currency == "JPY":
        return f"¥{grouped_amount(amount)}"
    return f"{grouped_amount(amount, 2)} {currency}"


def present_cards(deals: list[Deal], stages: list[Stage] | None) -> None:
    """Display strings for the board's card template (templates/sales/partials/card.html),
    made here once instead of as template nodes for each card: the card's data attributes
    and links from one reversed URL each, the amount, the close date, and — when the
    pipeline's stages are known — the "Move to…" options, built once per column (every card
    of a column has the same ones). 100,000 deals or not, a page has ~120 cards; this is
    most of the page's CPU otherwise."""
    move = reverse("sales:deal_move", args=[_URL_SENTINEL])
    detail = reverse("sales:deal_detail", args=[_URL_SENTINEL])
    sentinel = str(_URL_SENTINEL)
    options: dict[int, SafeString] = {}
    for deal in deals:
        pk = str(deal.pk)
        deal.board_attrs = format_html(  # type: ignore[attr-defined]
            'data-deal-id="{}" data-move-url="{}" data-testid="card-{}"',
            pk,
            move.replace(sentinel, pk),
            pk,
        )
        deal.board_detail_url = detail.replace(sentinel, pk)  # type: ignore[attr-defined]
        deal.board_amount = _money(deal.amount, deal.currency)  # type: ignore[attr-defined]
        deal.board_close_date = (  # type: ignore[attr-defined]
            deal.expected_close_date.isoformat() if deal.expected_close_date else ""
        )
        deal.board_owner = str(deal.owner) if deal.owner_id else ""  # type: ignore[attr-defined]
        if stages is not None:
            if deal.stage_id not in options:
                options[deal.stage_id] = format_html_join(
                    "",
                    '<option value="{}"{}>{}</option>',
                    ((s.pk, " disabled" if s.pk == deal.stage_id else "", s.label) for s in stages),
                )
            deal.board_move_options = options[deal.stage_id]  # type: ignore[attr-defined]


def _mark_stale(deals: list[Deal], stages: dict[int, Stage], now: dt.datetime) -> None:
    for deal in deals:
        stage = stages[deal.stage_id]
        deal.is_stale = bool(  # type: ignore[attr-defined]
            stage.kind == "open"
            and stage.stale_after_days
            and now - deal.stage_entered_at > dt.timedelta(days=stage.stale_after_days)
        )


def board_totals(
    *, tenant: Tenant, pipeline: Pipeline, membership: Membership | None, filters: DealFilters
) -> dict[int, dict[str, Any]]:
    """Count, total and the two sums of the weighted total per stage of the pipeline, in one
    query. Unfiltered, for a member who sees every deal, it reads the kept StageTotals rows
    (one row a stage, exact in every write's transaction: migration 0007). Otherwise one
    aggregate over the deals the filters and visibility leave; the weighted total needs the
    stage's probability only for deals without an override, so the query sums those amounts
    apart and never joins the stages; `_weighted` finishes the sum in Python."""
    if filters.is_empty and visibility_filter(tenant, membership) is None:
        kept = StageTotals.objects.filter(tenant=tenant, pipeline=pipeline).values_list(
            "stage_id", "deal_count", "amount_total", "amount_overridden", "amount_plain"
        )
        return {
            stage_id: {
                "stage_id": stage_id,
                "count": count,
                "total": total,
                "overridden": overridden,
                "plain": plain,
            }
            for stage_id, count, total, overridden, plain in kept
        }
    return board_totals_aggregate(
        tenant=tenant, pipeline=pipeline, membership=membership, filters=filters
    )


def board_totals_aggregate(
    *, tenant: Tenant, pipeline: Pipeline, membership: Membership | None, filters: DealFilters
) -> dict[int, dict[str, Any]]:
    """The headers' numbers summed over the deals themselves (filtered boards; and what the
    kept totals are checked against)."""
    qs = filters.apply(visible_deals(tenant, membership).filter(pipeline=pipeline), membership)
    rows = (
        qs.order_by()
        .values("stage_id")
        .annotate(
            count=Count("id"),
            total=Sum("amount"),
            overridden=Sum(F("amount") * F("probability"), filter=Q(probability__isnull=False)),
            plain=Sum("amount", filter=Q(probability__isnull=True)),
        )
    )
    return {row["stage_id"]: dict(row) for row in rows}


def _weighted(row: dict[str, Any], stage: Stage) -> Decimal:
    overridden = row.get("overridden") or Decimal(0)
    plain = row.get("plain") or Decimal(0)
    return ((overridden + plain * stage.probability) / 100).quantize(Decimal("0.01"))


def column_totals(row: dict[str, Any], stage: Stage) -> dict[str, Any]:
    return {
        "count": row.get("count", 0),
        "total": row.get("total") or Decimal(0),
        "weighted": _weighted(row, stage),
    }


def board(
    *,
    tenant: Tenant,
    pipeline: Pipeline,
    membership: Membership | None,
    filters: DealFilters,
    per_column: int = BOARD_CARDS,
) -> list[BoardColumn]:
    """The pipeline's columns in three queries whatever the number of deals: the stages; the
    headers' totals (kept rows unfiltered, else one aggregate); the first cards of every
    column in one query, with one `… WHERE stage_id = <this stage> ORDER BY id DESC LIMIT n`
    branch per stage. Each branch names its stage as a constant on purpose: planned with that
    stage's statistics, an empty or small column walks the (tenant, stage, -id) index; one
    correlated subquery for all stages was planned for the average column and walked the
    primary key backwards past every deal of the tenant for an empty one (100,000 deals:
    21 ms a column, half the board's time)."""
    deals = filters.apply(visible_deals(tenant, membership).filter(pipeline=pipeline), membership)
    stages = list(Stage.objects.filter(tenant=tenant, pipeline=pipeline).order_by("position", "id"))
    totals = board_totals(tenant=tenant, pipeline=pipeline, membership=membership, filters=filters)
    by_stage: dict[int, list[Deal]] = {stage.pk: [] for stage in stages}
    if stages:
        branches: list[str] = []
        params: list[Any] = []
        for stage in stages:
            sql, branch_params = (
                deals.filter(stage_id=stage.pk).order_by("-id").values("id")[:per_column]
            ).query.sql_with_params()
            branches.append(f"({sql})")
            params.extend(branch_params)
        cards = (
            # The branches are Django-compiled SQL with their values left as parameters.
            Deal.objects.filter(
                tenant=tenant,
                pk__in=RawSQL(" UNION ALL ".join(branches), params),  # noqa: S611
            )
            .select_related("owner", "company")
            .order_by("-id")
        )
        for deal in cards:
            by_stage[deal.stage_id].append(deal)
    by_id: dict[int, Stage] = {s.pk: s for s in stages}
    now = timezone.now()
    columns = []
    for stage in stages:
        column_cards = by_stage[stage.pk]
        _mark_stale(column_cards, by_id, now)
        present_cards(column_cards, stages)
        columns.append(
            BoardColumn(
                stage=stage, cards=column_cards, **column_totals(totals.get(stage.pk, {}), stage)
            )
        )
    return columns


def board_column_page(
    *,
    tenant: Tenant,
    stage: Stage,
    membership: Membership | None,
    filters: DealFilters,
    before_id: int,
    limit: int = BOARD_CARDS,
) -> list[Deal]:
    """The next cards of one column after the card `before_id` (keyset on id)."""
    qs = filters.apply(visible_deals(tenant, membership).filter(stage=stage), membership)
    deals = list(
        qs.filter(id__lt=before_id).select_related("owner", "company").order_by("-id")[:limit]
    )
    _mark_stale(deals, {stage.pk: stage}, timezone.now())
    present_cards(deals, None)  # the "Move to…" options come from the template's stages
    return deals


# --- a deal's detail --------------------------------------------------------------------------
def deal_stage_history(*, tenant: Tenant, deal: Deal) -> list[DealStageChange]:
    """Every move, oldest first, each with `seconds_in_stage`: the time spent in its to_stage
    (until the next move, or until now for the current stage)."""
    changes = list(
        DealStageChange.objects.filter(tenant=tenant, deal=deal)
        .select_related("from_stage", "to_stage", "changed_by")
        .order_by("changed_at", "id")
    )
    now = timezone.now()
    for index, change in enumerate(changes):
        if index + 1 < len(changes):
            seconds = changes[index + 1].seconds_in_from_stage
        else:
            seconds = int((now - change.changed_at).total_seconds())
        change.seconds_in_stage = max(0, seconds or 0)  # type: ignore[attr-defined]
    return changes


def deal_timeline(*, tenant: Tenant, deal: Deal, limit: int = 100) -> list[Interaction]:
    """The deal's own timeline: the entries written for it (each event once), and the
    activities about it that were completed (sales.activities writes one entry each)."""
    return list(
        Interaction.objects.filter(tenant=tenant)
        .filter(
            Q(ref_type="deal", ref_id=str(deal.pk)) | Q(ref_type="activity", data__deal_id=deal.pk)
        )
        .exclude(data__has_key="copy")
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def deal_contacts(*, tenant: Tenant, deal: Deal) -> list[Any]:
    return list(deal.contacts.filter(tenant=tenant, deleted_at=None).order_by("id"))


def open_deals_for(
    *, tenant: Tenant, membership: Membership | None, contact: Any = None, company: Any = None
) -> list[Deal]:
    """Open deals of a contact or a company, for their detail page panel and the ticket
    page (one query; they show name, stage and amount: the stage is joined, not the
    owner)."""
    qs = visible_deals(tenant, membership).filter(stage__kind="open")
    if contact is not None:
        qs = qs.filter(deal_contacts__contact=contact)
    if company is not None:
        qs = qs.filter(company=company)
    return list(qs.select_related("stage").order_by("-id")[:20])
