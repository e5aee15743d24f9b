"""Demo inquiries, set-based: `seed_demo --tenant SLUG --tickets N` (or `seed_bulk_tickets`).

N tickets over the last year in one INSERT … SELECT generate_series, then their messages
(the customer's first message, and the agent's first reply where there is one: about two
per ticket), then CSAT requests for about 60% of the resolved ones (45% of those rated).
Every choice comes from an arithmetic hash of the row number and the tenant's slug (no
random()): the same tenant in the same state gets the same tickets. Numbers continue after
the tenant's counter, so a second run adds N more. 1,000,000 tickets take a few minutes.

What the rows look like: realistic Japanese subjects tied to nested categories (請求 /
配送 / 製品 / アカウント / 返品・交換), channels weighted like a B2C help desk (mail 45%,
web form 25%, phone 15%, chat 10%, API 5%), priorities (normal 60%, high 20%, low 15%,
urgent 5%), statuses by age (older than two weeks: resolved or closed but for a few
still open; recent ones spread over new / open / pending / on hold / resolved), first
replies within minutes to two days, resolutions within hours to a week, SLA due times
by priority (first response 1/4/8/24 h, resolution 8/24/72/120 h) so some are missed,
most on an existing contact, and support.sla's outcome records (met / breached) for the
targets that are decided. Demo tickets write no history rows, timeline entries or mail.
At the end the analytics rollup is refreshed (support.insights.rollup).
"""

from __future__ import annotations

import zlib
from typing import Any

from django.db import connection, models, transaction

from crm.core.models import Membership, Tenant
from support.csat.models import CsatRequest
from support.sla.models import SlaRecord
from support.tickets.models import (
    SupportTeam,
    Ticket,
    TicketCategory,
    TicketMessage,
)

CUSTOMER_POOL = 100_000
_P = 2147483629  # a prime below 2**31: x * x stays inside bigint

# (parent, child) categories; subjects below point at them by index.
CATEGORIES = (
    ("請求", "請求書の再発行"),
    ("請求", "支払方法"),
    ("配送", "配送遅延"),
    ("配送", "破損・誤配送"),
    ("製品", "使い方"),
    ("製品", "不具合"),
    ("アカウント", "ログイン"),
    ("返品・交換", ""),
)
SUBJECTS = (
    ("請求書の再発行をお願いします", 0),
    ("請求金額が見積と異なります", 0),
    ("インボイス番号の記載について", 0),
    ("支払方法を口座振替に変更したい", 1),
    ("クレジットカードの決済エラー", 1),
    ("注文した商品がまだ届きません", 2),
    ("配送日時を変更したい", 2),
    ("届いた商品が破損していました", 3),
    ("注文と違う商品が届きました", 3),
    ("初期設定の方法を教えてください", 4),
    ("CSVの取り込み手順について", 4),
    ("アプリが起動しません", 5),
    ("エラーメッセージが表示されます", 5),
    ("同期が途中で止まります", 5),
    ("パスワードを忘れました", 6),
    ("二段階認証の端末を変更したい", 6),
    ("ログインできません", 6),
    ("返品の手続きについて", 7),
    ("サイズ交換は可能ですか", 7),
    ("解約と返金について", 7),
)
BODIES = (
    "お世話になっております。標記の件でご確認をお願いいたします。",
    "いつもお世話になっております。至急ご対応いただけますと幸いです。",
    "先日問い合わせた件の続きです。状況を教えてください。",
    "お手数ですが、手順をメールでお送りいただけますでしょうか。",
)
REPLIES = (
    "お問い合わせいただきありがとうございます。確認のうえ改めてご連絡いたします。",
    "ご不便をおかけし申し訳ございません。担当部署にて確認しております。",
    "お問い合わせの件、手順をご案内いたします。",
)
COMMENTS = (
    "迅速に対応していただき助かりました。",
    "丁寧な説明でよく分かりました。",
    "返信までに時間がかかりました。",
    "解決しましたが、手順がもう少し簡単だと嬉しいです。",
    "電話がつながりにくかったです。",
    "とても親切でした。ありがとうございます。",
)
TEAMS = ("一次対応", "技術サポート")


def demo_salt(tenant: Tenant, what: str) -> int:
    return zlib.crc32(f"{tenant.slug}-{what}".encode()) % 1000003


def hash_sql(k: int, var: str = "g.n") -> str:
    """The k-th hash of the row number `var` (non-negative bigint); %% for psycopg."""
    x = f"(({var} * 1103515245 + {k * 7919 + 12345} + %(salt)s) %% {_P})"
    return f"((({x} * {x} + {k}) %% {_P}) # ({x} >> 7))"


def _empty_sql(field: models.Field) -> str:
    """An empty value of a NOT NULL column's type (for columns other parts add later)."""
    internal = field.get_internal_type()
    if internal in ("JSONField",):
        return "'{}'::jsonb"
    if internal == "ArrayField":
        return "'{}'"
    if internal in ("BooleanField",):
        return "false"
    if "Integer" in internal or internal in ("FloatField", "DecimalField", "BigAutoField"):
        return "0"
    if internal == "DateTimeField":
        return "now()"
    return "''"


def insert_sql(model: type[models.Model], values: dict[str, str], source: str) -> str:
    """INSERT INTO the model's table with our SQL per column, an empty value for any other
    NOT NULL column and NULL for the rest: columns other parts add do not break the seeder."""
    columns: list[str] = []
    exprs: list[str] = []
    for f in model._meta.concrete_fields:
        if f.primary_key or not f.column:
            continue
        if f.column in values:
            expr = values[f.column]
        elif f.null:
            continue
        elif f.has_default() and isinstance(f.default, bool):
            expr = "true" if f.default else "false"
        elif f.has_default() and isinstance(f.default, int):
            expr = str(f.default)
        elif f.has_default() and isinstance(f.default, str):
            expr = "'" + f.default.replace("'", "''") + "'"
        else:
            expr = _empty_sql(f)
        columns.append(f.column)
        exprs.append(expr)
    table = model._meta.db_table
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(exprs)} {source}"


def seed_sla_records(*, tenant: Tenant, first: int, last: int) -> None:
    """support.sla's outcome records (met / breached) for the decided targets of the
    tickets numbered first..last, as its clock would have written them."""
    span = {"t": tenant.pk, "first": first, "last": last}
    where = (
        "FROM support_ticket t WHERE t.tenant_id = %(t)s "
        "AND t.number BETWEEN %(first)s AND %(last)s"
    )
    with connection.cursor() as cursor:
        for target, done, due in (
            ("first_response", "t.first_response_at", "t.first_response_due_at"),
            ("resolution", "t.resolved_at", "t.resolution_due_at"),
        ):
            met = f"({done} IS NOT NULL AND {done} <= {due})"
            cursor.execute(
                insert_sql(
                    SlaRecord,
                    {
                        "tenant_id": "t.tenant_id",
                        "ticket_id": "t.id",
                        "target": f"'{target}'",
                        "outcome": f"CASE WHEN {met} THEN 'met' ELSE 'breached' END",
                        "due_at": due,
                        "met_at": done,
                        "breached_at": f"CASE WHEN {met} THEN NULL ELSE {due} END",
                        "recorded_at": f"CASE WHEN {met} THEN {done} ELSE {due} END",
                    },
                    where + f" AND {due} IS NOT NULL AND ({done} IS NOT NULL OR {due} < now())"
                    " ON CONFLICT DO NOTHING",
                ),
                span,
            )


def seed_tickets(*, tenant: Tenant, tickets: int | None = None, **_: Any) -> None:
    """seed_demo's part: `tickets` more inquiries (none without --tickets)."""
    if tickets:
        seed_bulk_tickets(tenant=tenant, count=tickets)


def demo_categories(*, tenant: Tenant) -> list[int]:
    """The demo categories (made once), ids in CATEGORIES order."""
    ids: list[int] = []
    parents: dict[str, TicketCategory] = {}
    for position, (parent_name, child_name) in enumerate(CATEGORIES):
        parent = parents.get(parent_name)
        if parent is None:
            parent, _ = TicketCategory.objects.get_or_create(
                tenant=tenant, parent=None, name_ja=parent_name, defaults={"position": position}
            )
            parents[parent_name] = parent
        if not child_name:
            ids.append(parent.pk)
            continue
        child, _ = TicketCategory.objects.get_or_create(
            tenant=tenant, parent=parent, name_ja=child_name, defaults={"position": position}
        )
        ids.append(child.pk)
    return ids


def demo_agents(*, tenant: Tenant) -> list[int]:
    members = Membership.objects.filter(tenant=tenant, is_active=True)
    agents = list(
        members.filter(role__in=["support", "manager", "admin", "owner"])
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    return agents or list(members.order_by("user_id").values_list("user_id", flat=True))


@transaction.atomic
def seed_bulk_tickets(*, tenant: Tenant, count: int) -> int:
    """`count` more tickets with messages and CSAT, set-based (see the module)."""
    if count <= 0:
        return 0
    from contacts.models import Contact

    categories = demo_categories(tenant=tenant)
    teams = [SupportTeam.objects.get_or_create(tenant=tenant, name=name)[0].pk for name in TEAMS]
    agents = demo_agents(tenant=tenant)
    if not agents:
        raise ValueError("tickets need agents: the tenant has no active members")
    pool = list(
        Contact.objects.filter(tenant=tenant, deleted_at=None)
        .order_by("-id")
        .values_list("id", flat=True)[:CUSTOMER_POOL]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO support_ticketnumbercounter (tenant_id, last_number) VALUES (%s, %s)
            ON CONFLICT (tenant_id) DO UPDATE
              SET last_number = support_ticketnumbercounter.last_number + EXCLUDED.last_number
            RETURNING last_number
            """,
            [tenant.pk, count],
        )
        first_number = int(cursor.fetchone()[0]) - count + 1
    params: dict[str, Any] = {
        "t": tenant.pk,
        "salt": demo_salt(tenant, "tickets"),
        "count": count,
        "first": first_number,
        "subjects": [s for s, _ in SUBJECTS],
        "subject_cats": [categories[c] for _, c in SUBJECTS],
        "subject_teams": [teams[1] if c in (4, 5) else teams[0] for _, c in SUBJECTS],
        "bodies": list(BODIES),
        "agents": agents,
        "pool": pool or [None],
        "pool_size": len(pool),
    }
    h = [hash_sql(k) for k in range(10)]
    # The row's shape, computed once per row in LATERAL steps: created time over the last
    # year in id order, then status by age, then the times that follow from it.
    source = f"""
    FROM generate_series(0::bigint, %(count)s::bigint - 1) AS g(n)
    CROSS JOIN LATERAL (SELECT
        now() - interval '365 days'
          + (g.n + 0.5) * (interval '365 days' / %(count)s)
          - ({h[0]} %% 600) * interval '1 second' AS created_at,
        1 + {h[1]} %% {len(SUBJECTS)} AS s,
        {h[2]} %% 100 AS ch, {h[3]} %% 100 AS pr, {h[4]} %% 100 AS st,
        ({h[5]} %% 1000) / 1000.0 AS u1, ({h[6]} %% 1000) / 1000.0 AS u2,
        {h[7]} %% 100 AS asg, {h[8]} AS pick, {h[9]} %% 100 AS misc
    ) a
    CROSS JOIN LATERAL (SELECT
        CASE WHEN a.pr < 60 THEN 'normal' WHEN a.pr < 80 THEN 'high'
             WHEN a.pr < 95 THEN 'low' ELSE 'urgent' END AS priority,
        CASE WHEN now() - a.created_at > interval '14 days' THEN
               CASE WHEN a.st < 60 THEN 'closed' WHEN a.st < 98 THEN 'resolved'
                    WHEN a.st < 99 THEN 'on_hold' ELSE 'open' END
             WHEN now() - a.created_at > interval '2 days' THEN
               CASE WHEN a.st < 55 THEN 'resolved' WHEN a.st < 65 THEN 'closed'
                    WHEN a.st < 80 THEN 'pending' WHEN a.st < 88 THEN 'on_hold' ELSE 'open' END
             ELSE
               CASE WHEN a.st < 30 THEN 'new' WHEN a.st < 60 THEN 'open'
                    WHEN a.st < 75 THEN 'pending' WHEN a.st < 90 THEN 'resolved' ELSE 'on_hold' END
        END AS status
    ) b
    CROSS JOIN LATERAL (SELECT
        CASE WHEN b.status = 'new' THEN NULL
             ELSE least(now(), a.created_at + (0.05 + a.u1 * a.u1 * 47.95) * interval '1 hour')
        END AS first_response_at,
        CASE b.priority WHEN 'urgent' THEN 1 WHEN 'high' THEN 4 WHEN 'normal' THEN 8 ELSE 24 END
          AS fr_hours,
        CASE b.priority WHEN 'urgent' THEN 8 WHEN 'high' THEN 24 WHEN 'normal' THEN 72 ELSE 120 END
          AS res_hours
    ) c
    CROSS JOIN LATERAL (SELECT
        CASE WHEN b.status IN ('resolved', 'closed') THEN
          least(now(), coalesce(c.first_response_at, a.created_at)
                       + (0.5 + a.u2 * a.u2 * 167.5) * interval '1 hour')
        END AS resolved_at
    ) d
    CROSS JOIN LATERAL (SELECT
        CASE WHEN %(pool_size)s > 0 THEN
          (%(pool)s::bigint[])[1 + a.pick %% greatest(%(pool_size)s, 1)] END AS contact_id,
        CASE WHEN a.asg < 88 OR b.status <> 'new' AND a.asg < 95 THEN
          (%(agents)s::bigint[])[1 + a.pick %% {len(agents)}] END AS assignee_id
    ) e
    LEFT JOIN contacts_contact ct ON ct.id = e.contact_id AND ct.tenant_id = %(t)s
    """
    values = {
        "tenant_id": "%(t)s",
        "number": "%(first)s + g.n",
        "subject": "(%(subjects)s::text[])[a.s]",
        "body": "(%(bodies)s::text[])[1 + a.misc %% 4] || E'\\n\\n' || (%(subjects)s::text[])[a.s]",
        "channel": "CASE WHEN a.ch < 45 THEN 'email' WHEN a.ch < 70 THEN 'web' "
        "WHEN a.ch < 85 THEN 'phone' WHEN a.ch < 95 THEN 'chat' ELSE 'api' END",
        "category_id": "(%(subject_cats)s::bigint[])[a.s]",
        "priority": "b.priority",
        "status": "b.status",
        "assignee_id": "e.assignee_id",
        "team_id": "(%(subject_teams)s::bigint[])[a.s]",
        "contact_id": "ct.id",
        "company_id": "ct.company_id",
        "tags": "CASE WHEN a.misc < 10 THEN ARRAY['至急']::varchar[] "
        "WHEN a.misc < 15 THEN ARRAY['VIP']::varchar[] ELSE ARRAY[]::varchar[] END",
        "custom_fields": "'{}'::jsonb",
        "requester_email": "coalesce(nullif(ct.email, ''), "
        "'customer' || (%(first)s + g.n) || '@example.jp')",
        "requester_name": "coalesce(trim(ct.last_name || ' ' || ct.first_name), '')",
        "language": "CASE WHEN a.misc >= 95 THEN 'en' ELSE 'ja' END",
        "mail_key": "substr(md5(%(t)s || '-demo-' || (%(first)s + g.n)), 1, 20)",
        "created_at": "a.created_at",
        "updated_at": "coalesce(d.resolved_at, c.first_response_at, a.created_at)",
        "first_response_at": "c.first_response_at",
        "resolved_at": "d.resolved_at",
        "closed_at": "CASE WHEN b.status = 'closed' THEN "
        "least(now(), d.resolved_at + interval '3 days') END",
        "last_customer_message_at": "a.created_at",
        "last_agent_message_at": "c.first_response_at",
        "first_response_due_at": "a.created_at + c.fr_hours * interval '1 hour'",
        "resolution_due_at": "a.created_at + c.res_hours * interval '1 hour'",
        "sla_due_at": "CASE WHEN b.status IN ('new', 'open', 'on_hold') THEN "
        "CASE WHEN c.first_response_at IS NULL THEN a.created_at + c.fr_hours * interval '1 hour' "
        "ELSE a.created_at + c.res_hours * interval '1 hour' END END",
        "sla_paused_at": "CASE WHEN b.status = 'pending' THEN "
        "coalesce(c.first_response_at, a.created_at) END",
    }
    last = first_number + count - 1
    with connection.cursor() as cursor:
        cursor.execute(insert_sql(Ticket, values, source), params)
        span = {"t": tenant.pk, "first": first_number, "last": last}
        where = (
            "FROM support_ticket t WHERE t.tenant_id = %(t)s "
            "AND t.number BETWEEN %(first)s AND %(last)s"
        )
        cursor.execute(
            insert_sql(
                TicketMessage,
                {
                    "tenant_id": "t.tenant_id",
                    "ticket_id": "t.id",
                    "kind": "'customer'",
                    "from_address": "t.requester_email",
                    "to_address": "''",
                    "body": "t.body",
                    "created_at": "t.created_at",
                },
                where,
            ),
            span,
        )
        cursor.execute(
            insert_sql(
                TicketMessage,
                {
                    "tenant_id": "t.tenant_id",
                    "ticket_id": "t.id",
                    "kind": "'reply'",
                    "author_id": "t.assignee_id",
                    "from_address": "''",
                    "to_address": "t.requester_email",
                    "body": "(%(replies)s::text[])[1 + t.number %% 3]",
                    "created_at": "t.first_response_at",
                },
                where + " AND t.first_response_at IS NOT NULL",
            ),
            {**span, "replies": list(REPLIES)},
        )
        seed_sla_records(tenant=tenant, first=first_number, last=last)
        x = "((t.number * 2654435761 + %(salt)s) %% 1000)"
        cursor.execute(
            insert_sql(
                CsatRequest,
                {
                    "tenant_id": "t.tenant_id",
                    "ticket_id": "t.id",
                    "token_hash": "encode(sha256(convert_to("
                    "'demo-' || t.id || '-' || %(salt)s, 'UTF8')), 'hex')",
                    "resolved_at": "t.resolved_at",
                    "agent_id": "t.assignee_id",
                    "category_id": "t.category_id",
                    "language": "t.language",
                    "created_at": "t.resolved_at",
                    "expires_at": "t.resolved_at + interval '14 days'",
                    "rating": f"CASE WHEN {x} < 270 THEN CASE WHEN {x} %% 10 < 4 THEN 5 "
                    f"WHEN {x} %% 10 < 7 THEN 4 WHEN {x} %% 10 < 8 THEN 3 "
                    f"WHEN {x} %% 10 < 9 THEN 2 ELSE 1 END END",
                    "comment": f"CASE WHEN {x} < 90 THEN "
                    f"(%(comments)s::text[])[1 + {x} %% 6] ELSE '' END",
                    "rated_at": f"CASE WHEN {x} < 270 THEN least(now(), "
                    f"t.resolved_at + ({x} %% 72) * interval '1 hour') END",
                },
                where + f" AND t.resolved_at IS NOT NULL AND {x} < 600",
            ),
            {**span, "salt": demo_salt(tenant, "csat"), "comments": list(COMMENTS)},
        )
    # The demo's past days go into the analytics rollup at once (the inserts marked them
    # dirty; without this they would be read live until the next beat refresh).
    from .rollup import rollup_refresh

    rollup_refresh(tenant=tenant)
    return count
