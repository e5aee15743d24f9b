"""Reads for the forecast (売上予測): figures per month x owner, the deals behind each figure,
and the targets grid.

Definitions (docs/forecast.md says the same for users):
- won: amount of deals in a won stage whose closed_at falls in the month, in the tenant's zone;
- committed: amount x effective probability of open deals expected to close in the month
  (effective = the deal's probability override, else its stage's);
- best case: won + the amounts of open deals of the month whose effective probability is at
  least BEST_CASE_MIN_PROBABILITY (50 %);
- pipeline: the amounts of all open deals expected to close in the month;
- target: the SalesTarget of the person and month; attainment = won / target.
Only JPY amounts are summed; deals in other currencies are counted apart ("not converted").

Everything comes from two aggregate queries GROUP BY month, owner, stage (open deals, won
deals), one for the stages, one for the targets and one for the people's names: five queries
whatever the number of deals or owners.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from contacts.selectors import TEAM_LIMITED_ROLES, team_user_ids
from crm.core.models import Membership, Tenant, User
from crm.core.roles import ADMINS, Role
from sales.deals.models import Deal, Stage, StageKind
from sales.deals.selectors import visible_deals

from ..activities.selectors import today as today_in  # the tenant's today (one definition)
from .models import SalesTarget

CURRENCY = "JPY"
BEST_CASE_MIN_PROBABILITY = 50
FISCAL_YEAR_START = 4  # Japanese fiscal years start in April
MAX_MONTHS = 24
FIGURES = ("won", "committed", "best_case", "pipeline")
UNASSIGNED = "none"  # the owner key of deals without an owner
DRILL_PAGE = 50
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
ZERO = Decimal(0)


# --- months ---------------------------------------------------------------------------------
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(value: str) -> dt.date | None:
    match = _MONTH_RE.match((value or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def quarter_of(day: dt.date, fiscal_start: int = FISCAL_YEAR_START) -> dt.date:
    """First month of the (fiscal) quarter holding `day`: quarters count from fiscal_start."""
    offset = (day.month - fiscal_start) % 3
    return add_months(month_start(day), -offset)


def fiscal_year_of(day: dt.date, fiscal_start: int = FISCAL_YEAR_START) -> dt.date:
    """First month of the fiscal year holding `day` (April 2026 - March 2027 is FY2026)."""
    year = day.year if day.month >= fiscal_start else day.year - 1
    return dt.date(year, fiscal_start, 1)


@dataclass
class ForecastQuery:
    """What to show: months [start, start + count) and the scope of owners."""

    start: dt.date
    count: int = 3
    period: str = "quarter"  # quarter | next3 | fy | custom
    fiscal_start: int = FISCAL_YEAR_START
    scope: str = "all"  # me | team | all | owner
    owner: int | None = None  # a user id when scope == "owner"
    team: int | None = None  # a manager's user id when scope == "team"
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def months(self) -> list[dt.date]:
        return [add_months(self.start, i) for i in range(self.count)]

    @property
    def end(self) -> dt.date:
        """The first day after the range."""
        return add_months(self.start, self.count)

    @property
    def who(self) -> str:
        if self.scope == "owner":
            return f"owner:{self.owner}"
        if self.scope == "team":
            return f"team:{self.team}"
        return self.scope

    def params(self) -> dict[str, str]:
        """The query string that reproduces this view (for links and the JSON endpoint)."""
        out = {
            "from": f"{self.start:%Y-%m}",
            "to": f"{add_months(self.start, self.count - 1):%Y-%m}",
            "scope": self.scope,
        }
        if self.scope == "owner" and self.owner is not None:
            out["owner"] = str(self.owner)
        if self.scope == "team" and self.team is not None:
            out["team"] = str(self.team)
        return out


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def forecast_query(
    *, tenant: Tenant, membership: Membership | None, params: Mapping[str, Any]
) -> ForecastQuery:
    """Reads ?period= (quarter, next3, fy) or ?from=&to= (YYYY-MM) or ?from=&months=,
    ?fiscal_start= (1-12, default April), and the owners: ?owner=<id>|me, ?team=<manager id>,
    ?scope=me|team|all. Bad values get a message and a sensible default."""
    errors: dict[str, list[str]] = {}
    fiscal_start = _int(params.get("fiscal_start")) or FISCAL_YEAR_START
    if not 1 <= fiscal_start <= 12:
        errors["fiscal_start"] = [_("Give the first month of the fiscal year as 1 to 12.")]
        fiscal_start = FISCAL_YEAR_START
    today = today_in(tenant)
    period = str(params.get("period", "") or "").strip()
    raw_from = str(params.get("from", "") or "").strip()
    raw_to = str(params.get("to", "") or "").strip()
    raw_months = str(params.get("months", "") or "").strip()
    start, count = quarter_of(today, fiscal_start), 3
    # A named period wins over months left in the form's From/To; without one, From/To
    # (or From + months) choose the months.
    if period == "next3":
        start = month_start(today)
    elif period == "fy":
        start, count = fiscal_year_of(today, fiscal_start), 12
    elif period != "quarter" and (raw_from or raw_to or raw_months):
        period = "custom"
        first = parse_month(raw_from) if raw_from else month_start(today)
        if first is None:
            errors["from"] = [_("Give the month like 2026-04.")]
            first = month_start(today)
        start = first
        if raw_to:
            last = parse_month(raw_to)
            if last is None:
                errors["to"] = [_("Give the month like 2026-06.")]
            elif last < first:
                errors["to"] = [_("The last month comes before the first; swap them.")]
            else:
                count = (last.year - first.year) * 12 + last.month - first.month + 1
        elif raw_months:
            months = _int(raw_months)
            if months is None or months < 1:
                errors["months"] = [_("Give the number of months as 1 or more.")]
            else:
                count = months
        if count > MAX_MONTHS:
            errors["months"] = [_("Show at most %(max)s months at once.") % {"max": MAX_MONTHS}]
            count = MAX_MONTHS
    else:
        period = "quarter"

    scope = str(params.get("scope", "") or "").strip()
    raw_owner = str(params.get("owner", "") or "").strip()
    raw_team = str(params.get("team", "") or "").strip()
    who = str(params.get("who", "") or "").strip()  # the page's one select: me, all, team:<id>…
    if who in ("me", "all", "team"):
        scope = who
    elif who.startswith("owner:"):
        raw_owner = who.removeprefix("owner:")
    elif who.startswith("team:"):
        raw_team = who.removeprefix("team:")
    owner: int | None = None
    team: int | None = None
    user_id = getattr(membership, "user_id", None)
    if raw_owner:
        if raw_owner == "me":
            scope = "me"
        elif raw_owner.isdigit():
            owner, scope = int(raw_owner), "owner"
        else:
            errors["owner"] = [_("Use a user id or me.")]
    if raw_team and owner is None:
        if raw_team == "me" or (raw_team.isdigit() and int(raw_team) == user_id):
            scope, team = "team", user_id
        elif raw_team.isdigit():
            scope, team = "team", int(raw_team)
        else:
            errors["team"] = [_("Use the user id of the team's manager.")]
    if scope not in ("me", "team", "all", "owner"):
        scope = default_scope(membership)
    if scope == "team" and team is None:
        team = user_id
    if scope == "owner" and owner is None:
        scope = "me"
    return ForecastQuery(
        start=start,
        count=count,
        period=period,
        fiscal_start=fiscal_start,
        scope=scope,
        owner=owner,
        team=team,
        errors=errors,
    )


def default_scope(membership: Membership | None) -> str:
    role = getattr(membership, "role", None)
    if role == Role.SALES:
        return "me"
    if role == Role.MANAGER:
        return "team"
    return "all"


# --- who is in scope ------------------------------------------------------------------------
def visible_owner_ids(tenant: Tenant, membership: Membership | None) -> set[int] | None:
    """The owners whose figures and targets this member may see; None = everyone. The same
    rule as deals' record visibility (contacts.selectors.visibility_filter)."""
    if tenant.record_visibility != Tenant.RecordVisibility.OWN_TEAM:
        return None
    if membership is None:
        return set()
    if membership.role not in TEAM_LIMITED_ROLES:
        return None
    return set(team_user_ids(membership))


def team_of(tenant: Tenant, manager_user_id: int) -> list[int]:
    """A manager and their direct reports (active members)."""
    leader = Membership.objects.filter(
        tenant=tenant, user_id=manager_user_id, is_active=True
    ).first()
    if leader is None:
        return []
    ids = set(
        Membership.objects.filter(tenant=tenant, manager=leader, is_active=True).values_list(
            "user_id", flat=True
        )
    )
    ids.add(manager_user_id)
    return sorted(ids)


def scope_owner_ids(
    *, tenant: Tenant, membership: Membership | None, query: ForecastQuery
) -> list[int] | None:
    """The owner ids the query covers (None = every owner the member may see). An owner or
    team the member may not see adds a message to query.errors and shows nothing."""
    visible = visible_owner_ids(tenant, membership)
    wanted: list[int] | None
    if query.scope == "me":
        user_id = getattr(membership, "user_id", None)
        wanted = [user_id] if user_id is not None else []
    elif query.scope == "owner":
        wanted = [query.owner] if query.owner is not None else []
    elif query.scope == "team":
        wanted = team_of(tenant, query.team) if query.team is not None else []
        if not wanted:
            query.errors.setdefault("team", [_("That person does not lead a team here.")])
    else:
        return sorted(visible) if visible is not None else None
    if visible is not None:
        hidden = [pk for pk in wanted if pk not in visible]
        if hidden:
            query.errors.setdefault("owner", [_("You can see the forecast of your own team only.")])
            wanted = [pk for pk in wanted if pk in visible]
    return wanted


def teams(tenant: Tenant) -> list[tuple[int, str]]:
    """Managers who lead someone, for the team filter: (manager's user id, name)."""
    leaders = (
        Membership.objects.filter(tenant=tenant, is_active=True, reports__is_active=True)
        .select_related("user")
        .distinct()
        .order_by("user__email")
    )
    return [(m.user_id, str(m.user)) for m in leaders]


def sales_people(tenant: Tenant, owner_ids: Iterable[int] | None = None) -> list[Membership]:
    """Active members who carry targets (reps and managers), optionally only some."""
    qs = Membership.objects.filter(
        tenant=tenant, is_active=True, role__in=[Role.SALES, Role.MANAGER]
    ).select_related("user")
    if owner_ids is not None:
        qs = qs.filter(user_id__in=list(owner_ids))
    return list(qs.order_by("user__display_name", "user__email"))


# --- the figures ----------------------------------------------------------------------------
@dataclass
class Cell:
    target: Decimal | None = None
    won: Decimal = ZERO
    committed: Decimal = ZERO
    best_case: Decimal = ZERO
    pipeline: Decimal = ZERO
    not_converted: int = 0  # deals in another currency left out of the sums

    @property
    def attainment(self) -> Decimal | None:
        if not self.target:
            return None
        return (self.won * 100 / self.target).quantize(Decimal("0.1"))

    def add(self, other: Cell) -> None:
        if other.target is not None:
            self.target = (self.target or ZERO) + other.target
        self.won += other.won
        self.committed += other.committed
        self.best_case += other.best_case
        self.pipeline += other.pipeline
        self.not_converted += other.not_converted

    def as_json(self) -> dict[str, Any]:
        attainment = self.attainment
        return {
            "target": None if self.target is None else int(self.target),
            "won": int(self.won),
            "committed": int(self.committed.quantize(Decimal(1))),
            "best_case": int(self.best_case),
            "pipeline": int(self.pipeline),
            "attainment": None if attainment is None else float(attainment),
            "not_converted": self.not_converted,
        }


@dataclass
class OwnerRow:
    key: str  # the user id as text, or UNASSIGNED
    label: str
    cells: list[Cell]
    total: Cell


@dataclass
class Forecast:
    query: ForecastQuery
    months: list[dt.date]
    rows: list[OwnerRow]  # per owner
    month_totals: list[Cell]
    total: Cell
    currency: str = CURRENCY

    @property
    def not_converted(self) -> int:
        return self.total.not_converted

    @property
    def has_targets(self) -> bool:
        return self.total.target is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "best_case_min_probability": BEST_CASE_MIN_PROBABILITY,
            "months": [f"{m:%Y-%m}" for m in self.months],
            "scope": self.query.params(),
            "totals": [
                {"month": f"{m:%Y-%m}", **c.as_json()}
                for m, c in zip(self.months, self.month_totals, strict=True)
            ],
            "total": self.total.as_json(),
            "owners": [
                {
                    "owner": None if row.key == UNASSIGNED else int(row.key),
                    "name": row.label,
                    "months": [
                        {"month": f"{m:%Y-%m}", **c.as_json()}
                        for m, c in zip(self.months, row.cells, strict=True)
                    ],
                    "total": row.total.as_json(),
                }
                for row in self.rows
            ],
            "not_converted": self.not_converted,
        }


def _money(expression: Any, condition: Q) -> Coalesce:
    return Coalesce(
        Sum(expression, filter=condition),
        Value(ZERO),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )


def _scoped(
    tenant: Tenant, membership: Membership | None, owner_ids: list[int] | None
) -> QuerySet[Deal]:
    qs = visible_deals(tenant, membership)
    if owner_ids is not None:
        qs = qs.filter(owner_id__in=owner_ids)
    return qs


class MonthOfDate(Func):
    """The first day of a date's month. TruncMonth on a date casts it to timestamptz (a time
    zone lookup per row); a date has no zone, so the plain timestamp cast is exact and cheaper."""

    template = "DATE_TRUNC('month', %(expressions)s::timestamp)::date"
    output_field = DateField()


def open_aggregate(
    base: QuerySet[Deal], start: dt.date, end: dt.date, best_case_min: int
) -> QuerySet[Any, Any]:
    """Open deals expected to close in [start, end): sums per month, owner and stage. No join,
    and only columns of deal_forecast_open (counts over stage_id, not id), so PostgreSQL answers
    from an index-only scan of it; closed_at IS NULL matches its predicate and the caller
    keeps the rows of open stages."""
    jpy = Q(currency=CURRENCY)
    return (
        base.filter(
            closed_at__isnull=True, expected_close_date__gte=start, expected_close_date__lt=end
        )
        .annotate(month=MonthOfDate("expected_close_date"))
        .order_by()
        .values("month", "owner_id", "stage_id")
        .annotate(
            plain=_money("amount", jpy & Q(probability__isnull=True)),
            overridden=_money(F("amount") * F("probability"), jpy & Q(probability__isnull=False)),
            overridden_best=_money("amount", jpy & Q(probability__gte=best_case_min)),
            pipeline=_money("amount", jpy),
            not_converted=Count("stage_id", filter=~jpy),
        )
    )


def won_aggregate(
    base: QuerySet[Deal], tenant: Tenant, start: dt.date, end: dt.date
) -> QuerySet[Any, Any]:
    """Deals closed in [start, end) in the tenant's zone: sums per month, owner and stage (the
    caller keeps the rows of won stages). Reads deal_forecast_closed."""
    jpy = Q(currency=CURRENCY)
    zone = tenant.zone
    return (
        base.filter(
            closed_at__gte=dt.datetime.combine(start, dt.time(), tzinfo=zone),
            closed_at__lt=dt.datetime.combine(end, dt.time(), tzinfo=zone),
        )
        .annotate(month=TruncMonth("closed_at", tzinfo=zone))
        .order_by()
        .values("month", "owner_id", "stage_id")
        .annotate(won=_money("amount", jpy), not_converted=Count("stage_id", filter=~jpy))
    )


def forecast(
    *,
    tenant: Tenant,
    membership: Membership | None,
    query: ForecastQuery,
    best_case_min: int = BEST_CASE_MIN_PROBABILITY,
) -> Forecast:
    """The figures per month x owner with month totals, owner totals and the grand total."""
    owner_ids = scope_owner_ids(tenant=tenant, membership=membership, query=query)
    months = query.months
    start, end = query.start, query.end
    base = _scoped(tenant, membership, owner_ids)

    # Neither aggregate joins the stages: they group by stage as well and the few stages'
    # probabilities and kinds finish the sums here (100,000 deals stay one index-only scan of
    # deal_forecast_open instead of a join per row). A stage of the wrong kind is dropped, so
    # the rule stays exact even if closed_at and the stage ever disagreed.
    open_rows = open_aggregate(base, start, end, best_case_min)
    won_rows = won_aggregate(base, tenant, start, end)
    stages = {
        pk: (kind, probability)
        for pk, kind, probability in Stage.objects.filter(tenant=tenant).values_list(
            "id", "kind", "probability"
        )
    }
    targets_qs = SalesTarget.objects.filter(tenant=tenant, month__gte=start, month__lt=end)
    visible = visible_owner_ids(tenant, membership)
    if owner_ids is not None:
        targets_qs = targets_qs.filter(user_id__in=owner_ids)
    elif visible is not None:
        targets_qs = targets_qs.filter(user_id__in=visible)

    cells: dict[tuple[dt.date, int | None], Cell] = {}

    def cell(month: Any, owner: int | None) -> Cell:
        key = (month.date() if isinstance(month, dt.datetime) else month, owner)
        return cells.setdefault(key, Cell())

    for row in open_rows:
        kind, probability = stages.get(row["stage_id"], ("", 0))
        if kind != StageKind.OPEN:
            continue
        c = cell(row["month"], row["owner_id"])
        c.committed += (row["overridden"] + row["plain"] * probability) / 100
        c.best_case += row["overridden_best"]
        if probability >= best_case_min:
            c.best_case += row["plain"]
        c.pipeline += row["pipeline"]
        c.not_converted += row["not_converted"]
    for won in won_rows:
        if stages.get(won["stage_id"], ("", 0))[0] != StageKind.WON:
            continue
        c = cell(won["month"], won["owner_id"])
        c.won += won["won"]
        c.best_case += won["won"]
        c.not_converted += won["not_converted"]
    for target in targets_qs.values("user_id", "month", "amount"):
        c = cell(target["month"], target["user_id"])
        c.target = (c.target or ZERO) + target["amount"]

    owners = {owner for _month, owner in cells}
    if owner_ids is not None:
        owners.update(owner_ids)
    named = {u.pk: str(u) for u in User.objects.filter(pk__in=[o for o in owners if o is not None])}
    ordered = sorted(owners, key=lambda o: (o is None, named.get(o, "") if o else ""))
    rows: list[OwnerRow] = []
    month_totals = [Cell() for _ in months]
    total = Cell()
    for owner in ordered:
        if owner is not None and owner not in named:
            continue
        row_cells = [cells.get((m, owner), Cell()) for m in months]
        row_total = Cell()
        for index, c in enumerate(row_cells):
            row_total.add(c)
            month_totals[index].add(c)
        total.add(row_total)
        rows.append(
            OwnerRow(
                key=str(owner) if owner is not None else UNASSIGNED,
                label=named[owner] if owner is not None else _("Unassigned"),
                cells=row_cells,
                total=row_total,
            )
        )
    return Forecast(query=query, months=months, rows=rows, month_totals=month_totals, total=total)


# --- the deals behind a figure --------------------------------------------------------------
@dataclass
class DrillDown:
    figure: str
    month: dt.date | None
    owner: str  # "" = every owner in scope, a user id, or UNASSIGNED
    deals: Sequence[Deal]
    total: Decimal  # the JPY sum of the figure over all pages: equals the forecast's cell
    count: int
    not_converted: int
    next_before: int | None


def _stage_rules(tenant: Tenant) -> tuple[list[int], list[int], Case]:
    """Open stage ids, won stage ids, and each stage's probability as a CASE on stage_id:
    the drill-down filters and weighs without joining sales_stage (one small query)."""
    rows = list(Stage.objects.filter(tenant=tenant).values_list("id", "kind", "probability"))
    open_ids = [pk for pk, kind, _p in rows if kind == StageKind.OPEN]
    won_ids = [pk for pk, kind, _p in rows if kind == StageKind.WON]
    by_stage = Case(
        *[When(stage_id=pk, then=Value(probability)) for pk, _kind, probability in rows],
        default=Value(0),
        output_field=IntegerField(),
    )
    return open_ids, won_ids, by_stage


def drill_down_queryset(
    *,
    tenant: Tenant,
    membership: Membership | None,
    query: ForecastQuery,
    figure: str,
    month: dt.date | None,
    owner: str = "",
    best_case_min: int = BEST_CASE_MIN_PROBABILITY,
) -> QuerySet[Deal]:
    """The deals behind one figure of one month (None: the query's whole range), for one
    owner (or the whole scope), annotated with `effective_probability` and `weighted`."""
    owner_ids = scope_owner_ids(tenant=tenant, membership=membership, query=query)
    qs = _scoped(tenant, membership, owner_ids)
    if owner == UNASSIGNED:
        qs = qs.filter(owner__isnull=True)
    elif owner:
        qs = qs.filter(owner_id=int(owner))
    start = month if month is not None else query.start
    end = add_months(month, 1) if month is not None else query.end
    open_ids, won_ids, stage_probability = _stage_rules(tenant)
    effective = Coalesce(F("probability"), stage_probability)
    qs = qs.annotate(
        effective_probability=effective,
        weighted=ExpressionWrapper(
            F("amount") * effective / Value(100),
            output_field=DecimalField(max_digits=20, decimal_places=2),
        ),
    )
    zone = tenant.zone
    open_q = Q(
        closed_at__isnull=True,
        stage_id__in=open_ids,
        expected_close_date__gte=start,
        expected_close_date__lt=end,
    )
    won_q = Q(
        stage_id__in=won_ids,
        closed_at__gte=dt.datetime.combine(start, dt.time(), tzinfo=zone),
        closed_at__lt=dt.datetime.combine(end, dt.time(), tzinfo=zone),
    )
    if figure == "won":
        qs = qs.filter(won_q)
    elif figure == "best_case":
        qs = qs.filter(won_q | (open_q & Q(effective_probability__gte=best_case_min)))
    else:  # committed, pipeline
        qs = qs.filter(open_q)
    return qs


def drill_down(
    *,
    tenant: Tenant,
    membership: Membership | None,
    query: ForecastQuery,
    figure: str,
    month: dt.date | None,
    owner: str = "",
    before: int | None = None,
    limit: int = DRILL_PAGE,
) -> DrillDown:
    """One page of the deals (newest first, keyset on id) and the figure's total, in three
    queries whatever the number of deals: the total, the page's ids (from the covering
    forecast indexes alone), then those deals with their stage, owner and company."""
    qs = drill_down_queryset(
        tenant=tenant,
        membership=membership,
        query=query,
        figure=figure,
        month=month,
        owner=owner,
    )
    jpy = Q(currency=CURRENCY)
    summed: Any = F("weighted") if figure == "committed" else F("amount")
    totals = qs.aggregate(
        total=_money(summed, jpy),
        count=Count("id"),
        not_converted=Count("id", filter=~jpy),
    )
    ids_qs = qs.order_by("-id")
    if before is not None:
        ids_qs = ids_qs.filter(id__lt=before)
    ids = list(ids_qs.values_list("id", flat=True)[: limit + 1])
    has_more = len(ids) > limit
    ids = ids[:limit]
    deals = (
        list(qs.filter(id__in=ids).select_related("stage", "owner", "company").order_by("-id"))
        if ids
        else []
    )
    return DrillDown(
        figure=figure,
        month=month,
        owner=owner,
        deals=deals,
        total=totals["total"],
        count=totals["count"],
        not_converted=totals["not_converted"],
        next_before=deals[-1].pk if has_more and deals else None,
    )


# --- targets --------------------------------------------------------------------------------
def targets_grid(
    *, tenant: Tenant, people: list[Membership], months: list[dt.date]
) -> dict[tuple[int, dt.date], Decimal]:
    """{(user id, month): amount} of the people's targets in the months (one query)."""
    if not people or not months:
        return {}
    rows = SalesTarget.objects.filter(
        tenant=tenant,
        user_id__in=[m.user_id for m in people],
        month__gte=months[0],
        month__lte=months[-1],
    ).values_list("user_id", "month", "amount")
    return {(user_id, month): amount for user_id, month, amount in rows}


def target_list(
    *, tenant: Tenant, membership: Membership | None, params: Mapping[str, Any] | None = None
) -> QuerySet[SalesTarget]:
    """Targets the member may see (their visible owners), filtered by ?month= ?from= ?to=
    (YYYY-MM) and ?user=."""
    qs = SalesTarget.objects.filter(tenant=tenant)
    visible = visible_owner_ids(tenant, membership)
    if visible is not None:
        qs = qs.filter(user_id__in=visible)
    params = params or {}
    for name, lookup in (("month", "month"), ("from", "month__gte"), ("to", "month__lte")):
        value = parse_month(str(params.get(name, "") or ""))
        if value is not None:
            qs = qs.filter(**{lookup: value})
    user = _int(params.get("user"))
    if user is not None:
        qs = qs.filter(user_id=user)
    return qs.order_by("-id")


def can_set_targets_for(tenant: Tenant, membership: Membership | None) -> set[int] | None:
    """Whose targets this member may set: admins everyone (None), a manager their team,
    anyone else no one."""
    role = getattr(membership, "role", None)
    if role in ADMINS:
        return None
    if role == Role.MANAGER and membership is not None:
        return set(team_user_ids(membership))
    return set()


def month_label(month: dt.date) -> str:
    from django.utils.formats import date_format

    return date_format(month, "YEAR_MONTH_FORMAT")


def chart_payload(result: Forecast) -> dict[str, Any]:
    """The dashboards' chart shape (crm.core.dashboards): won and committed as bars, the
    target as a line, per month."""
    totals = [c.as_json() for c in result.month_totals]
    has_any = any(t["won"] or t["committed"] or t["target"] for t in totals)
    return {
        "type": "bar",
        "labels": [month_label(m) for m in result.months],
        "months": [f"{m:%Y-%m}" for m in result.months],
        "datasets": [
            {"label": _("Won"), "data": [t["won"] for t in totals], "kind": "bar"},
            {"label": _("Committed"), "data": [t["committed"] for t in totals], "kind": "bar"},
            {"label": _("Target"), "data": [t["target"] or 0 for t in totals], "kind": "line"},
        ],
        "unit": CURRENCY,
        "empty": "" if has_any else _("No deals or targets in these months yet."),
        "not_converted": result.not_converted,
    }
