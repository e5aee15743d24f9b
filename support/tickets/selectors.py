"""Reads for the agent's queue and a ticket's page. Every list is keyset-paginated on -id and
runs a fixed number of queries whatever its length; the partial indexes in
support/migrations/0002_ticket_pages.py keep each view an index range scan at 1,000,000
tickets (docs/support.md, "Speed")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.db import joins_as_written
from crm.core.models import Membership, Tenant, User

from .models import (
    ACTIVE_STATUSES,
    DONE_STATUSES,
    Channel,
    Priority,
    Status,
    SupportTeam,
    SupportTeamMember,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketEvent,
    TicketMessage,
)

# A lock without a heartbeat for this long is free again (the page beats every 60 s).
LOCK_TTL = dt.timedelta(minutes=5)
# "About to breach": the next SLA due time within this window (or already past).
BREACH_WINDOW = dt.timedelta(minutes=60)
# Tab counts stop at this (reading more rows to say "1,000,000" helps nobody).
COUNT_CAP = 100
QUEUE_PAGE = 50

VIEWS = ("mine", "unassigned", "breaching", "open", "all", "done")
COUNTED_VIEWS = ("mine", "unassigned", "breaching", "open")


def view_labels() -> dict[str, str]:
    return {
        "mine": _("Mine"),
        "unassigned": _("Unassigned"),
        "breaching": _("About to breach"),
        "open": _("Open"),
        "all": _("All"),
        "done": _("Done"),
    }


@dataclass
class QueueFilters:
    status: str = ""
    priority: str = ""
    category: int | None = None
    team: int | None = None
    assignee: int | None = None  # 0 = nobody
    channel: str = ""
    tag: str = ""
    q: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    def querystring(self) -> str:
        from urllib.parse import urlencode

        pairs = {
            "status": self.status,
            "priority": self.priority,
            "category": self.category if self.category is not None else "",
            "team": self.team if self.team is not None else "",
            "assignee": self.assignee if self.assignee is not None else "",
            "channel": self.channel,
            "tag": self.tag,
            "q": self.q,
        }
        return urlencode({k: v for k, v in pairs.items() if v != ""})

    @property
    def active(self) -> bool:
        return bool(self.querystring())


def _choice(
    params: Mapping[str, Any], name: str, values: list[str], errors: dict[str, list[str]]
) -> str:
    value = str(params.get(name) or "").strip()
    if value and value not in values:
        errors[name] = [_("Use one of: %(values)s.") % {"values": ", ".join(values)}]
        return ""
    return value


def _id(params: Mapping[str, Any], name: str, errors: dict[str, list[str]]) -> int | None:
    value = str(params.get(name) or "").strip()
    if not value:
        return None
    if value == "none" and name == "assignee":
        return 0
    if not value.isdigit():
        errors[name] = [_("Send the id as a number.")]
        return None
    return int(value)


def queue_filters(*, params: Mapping[str, Any]) -> QueueFilters:
    """The queue's filters from a query string; what cannot be read goes to `errors` (and is
    not applied) so the page can say what to fix."""
    errors: dict[str, list[str]] = {}
    return QueueFilters(
        status=_choice(params, "status", list(Status.values), errors),
        priority=_choice(params, "priority", list(Priority.values), errors),
        category=_id(params, "category", errors),
        team=_id(params, "team", errors),
        assignee=_id(params, "assignee", errors),
        channel=_choice(params, "channel", list(Channel.values), errors),
        tag=str(params.get("tag") or "").strip()[:50],
        q=str(params.get("q") or "").strip()[:200],
        errors=errors,
    )


def category_with_children(*, tenant: Tenant, category_id: int) -> list[int]:
    """A category's id and all its descendants' (one recursive query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE tree(id) AS (
              SELECT id FROM support_ticketcategory WHERE tenant_id = %s AND id = %s
              UNION
              SELECT c.id FROM support_ticketcategory c JOIN tree ON c.parent_id = tree.id
              WHERE c.tenant_id = %s
            )
            SELECT id FROM tree
            """,
            [tenant.pk, category_id, tenant.pk],
        )
        return [row[0] for row in cursor.fetchall()]


_NUMBER = re.compile(r"^#?\s*(\d{1,18})$")


def _search(qs: QuerySet[Ticket], q: str) -> QuerySet[Ticket]:
    """ "#123" or "123" is a ticket number; an address is the requester's; otherwise every
    word must be in the subject."""
    found = _NUMBER.match(q)
    if found:
        number = int(found.group(1))
        if q.startswith("#"):
            return qs.filter(number=number)
        return qs.filter(Q(number=number) | Q(subject__icontains=q))
    if "@" in q and " " not in q:
        from crm.core.normalize import NormalizationError, normalize_email

        try:
            address = normalize_email(q)
        except NormalizationError:
            address = q
        return qs.filter(requester_email=address)
    for word in q.replace("\u3000", " ").split():
        qs = qs.filter(subject__icontains=word)
    return qs


def view_queryset(
    *, tenant: Tenant, membership: Membership | None, view: str, now: dt.datetime | None = None
) -> QuerySet[Ticket]:
    """The tickets of one of the queue's views (unordered, unfiltered)."""
    qs = Ticket.objects.filter(tenant=tenant)
    user_id = getattr(membership, "user_id", None)
    if view == "mine":
        return qs.filter(status__in=ACTIVE_STATUSES, assignee_id=user_id or 0)
    if view == "unassigned":
        return qs.filter(status__in=ACTIVE_STATUSES, assignee__isnull=True)
    if view == "breaching":
        limit = (now or timezone.now()) + BREACH_WINDOW
        return qs.filter(status__in=ACTIVE_STATUSES, sla_due_at__lte=limit)
    if view == "open":
        return qs.filter(status__in=ACTIVE_STATUSES)
    if view == "done":
        return qs.filter(status__in=DONE_STATUSES)
    return qs


def apply_filters(
    *, tenant: Tenant, qs: QuerySet[Ticket], filters: QueueFilters
) -> QuerySet[Ticket]:
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.category is not None:
        ids = category_with_children(tenant=tenant, category_id=filters.category)
        qs = qs.filter(category_id__in=ids or [0])
    if filters.team is not None:
        qs = qs.filter(team_id=filters.team)
    if filters.assignee is not None:
        qs = (
            qs.filter(assignee__isnull=True)
            if filters.assignee == 0
            else qs.filter(assignee_id=filters.assignee)
        )
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.tag:
        qs = qs.filter(tags__contains=[filters.tag])
    if filters.q:
        qs = _search(qs, filters.q)
    return qs


@dataclass
class QueuePage:
    rows: list[Ticket]
    next_after: int | None


# The ticket columns a queue row (support.tickets.presenters.queue_rows) reads; ticket_queue
# loads only these (not the body). The SLA timer and the lock need the due, pause and lock
# columns.
QUEUE_FIELDS = (
    "id",
    "tenant",
    "number",
    "subject",
    "channel",
    "priority",
    "status",
    "category",
    "assignee",
    "team",
    "contact",
    "locked_by",
    "tags",
    "requester_email",
    "created_at",
    "first_response_at",
    "first_response_due_at",
    "resolution_due_at",
    "sla_due_at",
    "sla_paused_at",
    "locked_at",
)
# The joined rows' columns, per relation.
QUEUE_JOINED_FIELDS = {
    "assignee": User.NAME_FIELDS,
    "locked_by": User.NAME_FIELDS,
    "team": ("name",),
    "category": ("name_ja", "name_en"),
    "contact": ("last_name", "first_name", "email", "phone"),
}
QUEUE_JOINS = tuple(QUEUE_JOINED_FIELDS)


def ticket_queue(
    *,
    tenant: Tenant,
    membership: Membership | None,
    view: str,
    filters: QueueFilters,
    after: int | None = None,
    limit: int = QUEUE_PAGE,
    joins: tuple[str, ...] = QUEUE_JOINS,
) -> QueuePage:
    """One page of a queue view, newest first: the tickets with id below `after`. One query,
    with the relations in `joins` (of QUEUE_JOINS: assignee, team, category, contact,
    locked_by) joined in; each ticket gets `lock_holder_id` (the user holding its lock now,
    or None) and, with locked_by joined, `lock_holder` (that user).

    The queue page joins only the contact and names the users, teams and categories from
    the lists it loads for its filters anyway: PostgreSQL spends ~7 ms planning the
    six-table join (each table under row-level security) against ~1.4 ms with one join and
    ~1.7 ms running either (EXPLAIN ANALYZE at 1,000,000 tickets, docs/benchmarks.md).

    The page's ids are chosen in a subquery without the joins and the joins are made for
    those rows only. With the joins in the same statement, a filter on the category or the
    assignee made Django reuse its join for select_related as an INNER JOIN, and PostgreSQL
    (which estimates one row for a table under row-level security) then drove the plan from
    the category table: every matching ticket joined and sorted before the LIMIT, 70–260 ms
    at 1,000,000 tickets instead of ~1 ms reading the view's index newest first."""
    if view not in VIEWS:
        view = "open"
    qs = view_queryset(tenant=tenant, membership=membership, view=view)
    qs = apply_filters(tenant=tenant, qs=qs, filters=filters)
    if after is not None:
        qs = qs.filter(id__lt=after)
    page_ids = qs.order_by("-id").values("id")[: limit + 1]
    fields = list(QUEUE_FIELDS)
    for relation in joins:
        fields.extend(f"{relation}__{name}" for name in QUEUE_JOINED_FIELDS[relation])
    rows = list(
        Ticket.objects.filter(tenant=tenant, id__in=page_ids)
        .select_related(*joins)
        .only(*fields)
        .order_by("-id")
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    now = timezone.now()
    for ticket in rows:
        ticket.lock_holder_id = lock_holder_id(ticket, now=now)  # type: ignore[attr-defined]
        if "locked_by" in joins:
            ticket.lock_holder = lock_holder(ticket, now=now)  # type: ignore[attr-defined]
    return QueuePage(rows=rows, next_after=rows[-1].pk if has_more and rows else None)


def queue_counts(*, tenant: Tenant, membership: Membership | None) -> dict[str, int]:
    """The counted tabs' sizes, each capped at COUNT_CAP, in one query."""
    now = timezone.now()
    parts: list[str] = []
    params: list[Any] = []
    for view in COUNTED_VIEWS:
        sub = view_queryset(tenant=tenant, membership=membership, view=view, now=now)
        sql, sub_params = sub.values("id")[:COUNT_CAP].query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS {view}_rows)")
        params.extend(sub_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        values = cursor.fetchone()
    return dict(zip(COUNTED_VIEWS, (int(v) for v in values), strict=True))


def lock_holder_id(ticket: Ticket, *, now: dt.datetime | None = None) -> int | None:
    """The id of the user who holds the ticket now, or None when free or expired."""
    if ticket.locked_by_id is None or ticket.locked_at is None:
        return None
    if ticket.locked_at < (now or timezone.now()) - LOCK_TTL:
        return None
    return ticket.locked_by_id


def lock_holder(ticket: Ticket, *, now: dt.datetime | None = None) -> Any:
    """Who holds the ticket now (a user), or None when free or expired."""
    return ticket.locked_by if lock_holder_id(ticket, now=now) is not None else None


def user_names(*, ids: Iterable[int]) -> dict[int, str]:
    """Users' names by id (display name, else full name, else e-mail), one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.pk: str(u) for u in User.objects.filter(pk__in=wanted).only(*User.NAME_FIELDS)}


def access_ticket(*, tenant: Tenant, membership: Membership | None, ticket_id: int) -> Ticket:
    """The ticket by id in this tenant, or 404 (another tenant's id is simply not found).
    One query, its eight joins planned as written (crm.core.db.joins_as_written)."""
    with joins_as_written():
        found = (
            Ticket.objects.filter(tenant=tenant, pk=ticket_id)
            .select_related(
                "assignee", "team", "category", "contact", "company", "order", "deal", "locked_by"
            )
            .first()
        )
    if found is None:
        raise Http404
    return found


def access_category(*, tenant: Tenant, category_id: int) -> TicketCategory:
    found = TicketCategory.objects.filter(tenant=tenant, pk=category_id).first()
    if found is None:
        raise Http404
    return found


def access_team(*, tenant: Tenant, team_id: int) -> SupportTeam:
    found = SupportTeam.objects.filter(tenant=tenant, pk=team_id).first()
    if found is None:
        raise Http404
    return found


def categories(*, tenant: Tenant, active_only: bool = False) -> list[TicketCategory]:
    """All categories as a tree in display order (one query); each gets `depth` and a
    `path` label ("請求 › 返金") for selects."""
    qs = TicketCategory.objects.filter(tenant=tenant)
    rows = list(qs.order_by("position", "id"))
    by_parent: dict[int | None, list[TicketCategory]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    out: list[TicketCategory] = []

    def walk(parent: int | None, depth: int, prefix: str, active: bool) -> None:
        for row in by_parent.get(parent, []):
            row.depth = depth  # type: ignore[attr-defined]
            row.path = f"{prefix}{row.name}"  # type: ignore[attr-defined]
            row.effective_active = active and row.is_active  # type: ignore[attr-defined]
            if not active_only or row.effective_active:  # type: ignore[attr-defined]
                out.append(row)
            walk(row.pk, depth + 1, f"{row.path} › ", row.effective_active)  # type: ignore[attr-defined]

    walk(None, 0, "", True)
    return out


def teams(*, tenant: Tenant) -> list[SupportTeam]:
    """Teams with their members (two queries)."""
    members = SupportTeamMember.objects.filter(tenant=tenant).select_related("user").order_by("id")
    return list(
        SupportTeam.objects.filter(tenant=tenant)
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("name")
    )


def agents(*, tenant: Tenant) -> list[Membership]:
    """Active members who can answer tickets, for assignee selects and @mentions."""
    from crm.core.roles import has_perm

    rows = (
        Membership.objects.filter(tenant=tenant, is_active=True)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )
    return [m for m in rows if has_perm(m.role, "support.edit")]


def members(*, tenant: Tenant) -> list[Membership]:
    """Every active member (anyone can be mentioned in a note)."""
    return list(
        Membership.objects.filter(tenant=tenant, is_active=True)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )


def contact_tickets(
    *, tenant: Tenant, contact_id: int | None = None, company_id: int | None = None, limit: int = 10
) -> list[Ticket]:
    """A contact's (or a company's) inquiries, open ones first, then the most recent: the
    columns the lists show (number, subject, status, received), not the bodies."""
    qs = Ticket.objects.filter(tenant=tenant)
    qs = qs.filter(contact_id=contact_id) if contact_id else qs.filter(company_id=company_id or 0)
    columns = ("id", "tenant", "number", "subject", "status", "created_at", "contact", "company")
    rows = list(qs.only(*columns).order_by("-id")[: limit * 3])
    rows.sort(key=lambda t: (t.status in DONE_STATUSES, -t.pk))
    return rows[:limit]


def ticket_detail(*, tenant: Tenant, membership: Membership, ticket: Ticket) -> dict[str, Any]:
    """What the ticket page shows besides the ticket: the conversation (authors and
    attachments), the history, and the customer's side (contact, past inquiries, orders,
    open deals). A fixed number of queries however long the conversation is."""
    attachments = TicketAttachment.objects.filter(tenant=tenant).order_by("id")
    messages = list(
        TicketMessage.objects.filter(tenant=tenant, ticket=ticket)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=attachments))
        .order_by("created_at", "id")
    )
    events = list(
        TicketEvent.objects.filter(tenant=tenant, ticket=ticket)
        .select_related("actor")
        .order_by("-at", "-id")[:200]
    )
    past: list[Ticket] = []
    orders: dict[str, Any] = {"purchases": {}, "latest_orders": []}
    deals: list[Any] = []
    contact = ticket.contact
    if contact is not None or ticket.company_id:
        past = [
            t
            for t in contact_tickets(
                tenant=tenant,
                contact_id=ticket.contact_id,
                company_id=None if ticket.contact_id else ticket.company_id,
                limit=11,
            )
            if t.pk != ticket.pk
        ][:10]
        from sales.catalog.selectors import customer_purchases
        from sales.deals.selectors import open_deals_for

        orders = customer_purchases(
            tenant=tenant,
            contact_id=ticket.contact_id,
            company_id=None if ticket.contact_id else ticket.company_id,
        )
        deals = open_deals_for(
            tenant=tenant,
            membership=membership,
            contact=contact,
            company=None if contact is not None else ticket.company,
        )
    return {
        "messages": messages,
        "events": _present_events(tenant=tenant, events=events),
        "past_tickets": past,
        "orders": orders,
        "open_deals": deals,
    }


def _present_events(*, tenant: Tenant, events: list[TicketEvent]) -> list[TicketEvent]:
    """Readable old/new values for the history: ids of users, teams and categories become
    names (one query per kind that appears, at most three)."""
    wanted: dict[str, set[int]] = {"assignee": set(), "team": set(), "category": set()}
    for event in events:
        if event.field in wanted:
            for value in (event.old_value, event.new_value):
                if value.isdigit():
                    wanted[event.field].add(int(value))
    names: dict[str, dict[str, str]] = {k: {} for k in wanted}
    names["assignee"] = {str(pk): name for pk, name in user_names(ids=wanted["assignee"]).items()}
    if wanted["team"]:
        for team in SupportTeam.objects.filter(tenant=tenant, pk__in=wanted["team"]):
            names["team"][str(team.pk)] = team.name
    if wanted["category"]:
        for category in TicketCategory.objects.filter(tenant=tenant, pk__in=wanted["category"]):
            names["category"][str(category.pk)] = category.name
    labels = {
        "status": dict(Status.choices),
        "priority": dict(Priority.choices),
    }
    for event in events:
        try:
            model_field = Ticket._meta.get_field(event.field)
            field_label = str(getattr(model_field, "verbose_name", event.field))
        except FieldDoesNotExist:  # not a ticket field (or none): show what was recorded
            field_label = event.field
        event.field_label = field_label  # type: ignore[attr-defined]
        lookup = names.get(event.field) or labels.get(event.field) or {}
        event.old_text = lookup.get(event.old_value, event.old_value)  # type: ignore[attr-defined]
        event.new_text = lookup.get(event.new_value, event.new_value)  # type: ignore[attr-defined]
    return events
