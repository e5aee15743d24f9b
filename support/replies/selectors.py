"""Reads of support.replies: which templates a person sees, the list page, the picker on a
ticket, and the similar past inquiries of a ticket."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from crm.core.models import Tenant
from support.tickets.models import MessageKind, Ticket, TicketMessage

from .models import ReplyTemplate, SimilarTokenStat, TemplateScope
from .services import DOCS, ticket_tokens

PAGE = 50
PICKER_LIMIT = 300
SIMILAR_LIMIT = 5
# Bounds of the similar search: candidates come from the rarest tokens of the ticket only,
# and at most this many are scored, so a ticket full of common words costs the same.
RARE_TOKENS = 12
CANDIDATES = 400
POSTINGS_BUDGET = 20_000


def visible_templates(*, tenant: Tenant, user: Any) -> QuerySet[ReplyTemplate]:
    """Shared templates and the person's own personal ones (others' personal ones do not
    exist for them: 404)."""
    user_id = user if isinstance(user, int) else getattr(user, "pk", None)
    mine = Q(scope=TemplateScope.PERSONAL, owner_id=user_id) if user_id else Q(pk__in=[])
    return ReplyTemplate.objects.filter(tenant=tenant).filter(Q(scope=TemplateScope.SHARED) | mine)


def template_get(*, tenant: Tenant, user: Any, template_id: Any) -> ReplyTemplate:
    try:
        return (
            visible_templates(tenant=tenant, user=user)
            .select_related("category")
            .get(pk=int(template_id))
        )
    except (ReplyTemplate.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def template_search(
    *, tenant: Tenant, user: Any, q: str = "", scope: str = "", category_id: Any = None
) -> QuerySet[ReplyTemplate]:
    qs = visible_templates(tenant=tenant, user=user).select_related("category", "owner")
    if scope in TemplateScope.values:
        qs = qs.filter(scope=scope)
    q = (q or "").strip()
    if q:
        for word in q.split()[:5]:
            qs = qs.filter(Q(name__icontains=word) | Q(body__icontains=word) | Q(shortcut=word))
    if category_id:
        qs = qs.filter(category_id=category_id)
    return qs.order_by("-id")


def page_of(qs: QuerySet[ReplyTemplate], cursor: str, size: int = PAGE) -> tuple[list, str]:
    """Keyset page on -id: `cursor` is the last id of the page before."""
    if cursor.isdigit():
        qs = qs.filter(pk__lt=int(cursor))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (str(rows[-1].pk) if rows and more else "")


def picker_templates(*, tenant: Tenant, user: Any, ticket: Any = None) -> list[dict[str, Any]]:
    """What the reply tools offer, in one query: the ticket's category first, then the most
    used."""
    qs = visible_templates(tenant=tenant, user=user)
    category_id = getattr(ticket, "category_id", None)
    order: list[Any] = ["-usage_count", "name", "id"]
    if category_id:
        qs = qs.annotate(
            other_category=Case(
                When(category_id=category_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        order.insert(0, "other_category")
    qs = qs.order_by(*order)
    return [
        {
            "id": t["id"],
            "name": t["name"],
            "shortcut": t["shortcut"],
            "personal": t["scope"] == TemplateScope.PERSONAL,
            "snippet": t["body"][:120],
        }
        for t in qs.values("id", "name", "shortcut", "scope", "body")[:PICKER_LIMIT]
    ]


def template_by_shortcut(*, tenant: Tenant, user: Any, shortcut: str) -> ReplyTemplate | None:
    """The person's own template with that shortcut, else the shared one."""
    rows = list(
        visible_templates(tenant=tenant, user=user)
        .filter(shortcut=shortcut.strip().lower())
        .order_by("-scope")  # "shared" < "personal": personal first
    )
    return rows[0] if rows else None


# --- similar inquiries -----------------------------------------------------------------


@dataclass
class Similar:
    ticket: Ticket
    score: float
    answer: str


SIMILAR_SQL = """
WITH q(token, w) AS (SELECT * FROM unnest(%s::text[], %s::float8[])),
cand AS (
    SELECT tt.ticket_id, tt.tokens, cardinality(tt.tokens) AS n
      FROM support_tickettokens tt
     WHERE tt.tenant_id = %s AND tt.is_done AND tt.tokens && %s::text[] AND tt.ticket_id <> %s
     LIMIT %s
)
SELECT c.ticket_id, sum(q.w) / sqrt(greatest(c.n, 1)::float8 * %s) AS score
  FROM cand c CROSS JOIN LATERAL unnest(c.tokens) AS t(token) JOIN q ON q.token = t.token
 GROUP BY c.ticket_id, c.n
 ORDER BY score DESC, c.ticket_id DESC
 LIMIT %s
"""


def similar_ticket_ids(
    *, tenant: Tenant, tokens: list[str], exclude_id: int | None = None, limit: int = SIMILAR_LIMIT
) -> list[tuple[int, float]]:
    """[(ticket id, score)] of resolved/closed tickets sharing the most (rare) tokens.

    Two queries whatever the size: the tokens' document frequencies (one index probe per
    token), then candidates by `&&` on the GIN index over the rarest RARE_TOKENS only (fewer
    when their document counts pass POSTINGS_BUDGET), at most CANDIDATES of them, ranked
    by the sum of shared tokens' idf = ln(1 + N/df) over sqrt(|A|·|B|) (a cosine over
    sets, weighted by rarity)."""
    if not tokens:
        return []
    stats = dict(
        SimilarTokenStat.objects.filter(tenant=tenant, token__in=[*tokens, DOCS]).values_list(
            "token", "df"
        )
    )
    docs = stats.pop(DOCS, 0)
    known = sorted((df, tok) for tok, df in stats.items() if df > 0)
    if not docs or not known:
        return []
    # The rarest tokens, while their postings stay within the budget (at least one): a
    # ticket made only of common words reads a bounded part of the GIN index.
    rare: list[str] = []
    postings = 0
    for df, tok in known[:RARE_TOKENS]:
        if rare and postings + df > POSTINGS_BUDGET:
            break
        rare.append(tok)
        postings += df
    weights = {tok: math.log(1 + docs / df) for df, tok in known}
    with connection.cursor() as cursor:
        cursor.execute(
            SIMILAR_SQL,
            [
                list(weights),
                list(weights.values()),
                tenant.pk,
                rare,
                exclude_id or 0,
                CANDIDATES,
                float(len(tokens)),
                limit,
            ],
        )
        return [(int(tid), float(score)) for tid, score in cursor.fetchall()]


def last_replies(*, tenant: Tenant, ticket_ids: list[int]) -> dict[int, str]:
    """The last reply (the answer) of each ticket, one query (DISTINCT ON)."""
    if not ticket_ids:
        return {}
    rows = (
        TicketMessage.objects.filter(
            tenant=tenant, ticket_id__in=ticket_ids, kind=MessageKind.REPLY
        )
        .order_by("ticket_id", "-created_at", "-id")
        .distinct("ticket_id")
        .values_list("ticket_id", "body")
    )
    return dict(rows)


def similar_tickets(*, tenant: Tenant, ticket: Ticket, limit: int = SIMILAR_LIMIT) -> list[Similar]:
    """Up to `limit` past resolved/closed inquiries like `ticket` (subject + body), each with
    its last reply. Four queries."""
    if ticket.tenant_id != tenant.pk:
        raise ValueError("similar_tickets across tenants")
    found = similar_ticket_ids(
        tenant=tenant, tokens=ticket_tokens(ticket), exclude_id=ticket.pk, limit=limit
    )
    if not found:
        return []
    ids = [tid for tid, _score in found]
    tickets = {t.pk: t for t in Ticket.objects.filter(tenant=tenant, pk__in=ids)}
    answers = last_replies(tenant=tenant, ticket_ids=ids)
    return [
        Similar(ticket=tickets[tid], score=score, answer=answers.get(tid, ""))
        for tid, score in found
        if tid in tickets
    ]


def ticket_get(*, tenant: Tenant, ticket_id: Any) -> Ticket:
    """A ticket of the tenant with what the merge fields read (404 otherwise)."""
    try:
        return Ticket.objects.select_related("contact__company", "company", "category").get(
            tenant=tenant, pk=int(ticket_id)
        )
    except (Ticket.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
