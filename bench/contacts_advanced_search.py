"""Advanced contact search: the list's first page under each kind of condition, against the
plain list (no condition) measured in the same run on the same data.

    source <(grep export /tmp/services.out)   # or let DATABASE_URL point at your server
    .venv/bin/python bench/contacts_advanced_search.py --contacts 200000

1. Creates a scratch database (`crm_bench_advsearch`, dropped at the end unless --keep),
   migrates, makes one tenant with an owner and three reps, and seeds N contacts with ONE
   INSERT … SELECT generate_series (deterministic: setseed): names with kana, 0–3 tags from
   a list (one tag on 0.1 % of contacts), stage, owner (20 % unassigned), created over three
   years in id order (as rows arrive), last activity (30 % never), gender, prefecture, birth
   date, do-not-contact flags, two custom fields (select, integer) in the JSONB column. Then
   VACUUM ANALYZE.
2. Times `contact_filters` + `contact_list` + `list(qs[:51])` (what the list page and the API
   run for one page; as the app role, so row-level security is on) for each condition set,
   `--repeat` times, and prints p50 / p95 and the ratio of p50 to the plain list's p50.
3. Prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "crm_bench_advsearch"

LAST = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ")]
LAST += [("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ")]
LAST += [("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("勅使河原", "テシガワラ")]
FIRST = [("太郎", "タロウ"), ("花子", "ハナコ"), ("健一", "ケンイチ"), ("由美", "ユミ")]
FIRST += [("翔太", "ショウタ"), ("美咲", "ミサキ"), ("大輔", "ダイスケ"), ("陽子", "ヨウコ")]
TAGS = ["展示会", "VIP", "Web", "セミナー", "紹介", "DM", "メルマガ", "休眠"]
PREFECTURES = ["東京都", "大阪府", "神奈川県", "愛知県", "福岡県", "北海道", "京都府", "沖縄県"]


def _array(values: list[str]) -> str:
    return "(ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "])"


def seed_sql(n: int) -> str:
    ln, lk = (_array([x[i] for x in LAST]) for i in range(2))
    fn, fk = (_array([x[i] for x in FIRST]) for i in range(2))
    # 休眠 (the last tag) is rare: on 0.1 % of the contacts; the others on ~15-40 % each.
    return f"""
    WITH g AS (
      SELECT i,
        1 + floor(random() * {len(LAST)})::int AS l,
        1 + floor(random() * {len(FIRST)})::int AS f,
        random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
      FROM generate_series(1, {n}) AS i
    )
    INSERT INTO contacts_contact (tenant_id, last_name, first_name, last_name_kana,
      first_name_kana, tags, lifecycle_stage, owner_id, created_at, updated_at,
      last_activity_at, gender, prefecture, birth_date, do_not_email, do_not_call,
      do_not_mail, custom_fields, search_text, %(default_columns)s)
    SELECT %(tenant)s, {ln}[l], {fn}[f], {lk}[l], {fk}[f],
      ARRAY(SELECT t FROM unnest({_array(TAGS[:-1])}) WITH ORDINALITY AS u(t, k)
            WHERE random() < 0.10 + 0.04 * k + 0 * i)  -- i: drawn per row
        || CASE WHEN i %% 1000 = 0 THEN ARRAY['{TAGS[-1]}']::varchar[] ELSE '{{}}' END,
      (ARRAY['lead','prospect','customer','churned'])[1 + floor(r1 * 4)::int],
      CASE WHEN r2 < 0.2 THEN NULL ELSE (%(owners)s)[1 + floor(r2 * 4)::int %% 4] END,
      now() - ((%(n)s - i)::float / %(n)s * interval '1095 days'),
      now() - ((%(n)s - i)::float / %(n)s * r3 * interval '1000 days'),
      CASE WHEN r4 < 0.3 THEN NULL ELSE now() - ((r4 - 0.3) / 0.7 * interval '700 days') END,
      (ARRAY['', 'male', 'female', 'other'])[1 + floor(r5 * 4)::int],
      {_array(PREFECTURES)}[1 + (i %% {len(PREFECTURES)})],
      date '1950-01-01' + (i::bigint * 7919 %% 20000)::int,
      i %% 10 = 0, i %% 13 = 0, i %% 17 = 0,
      jsonb_build_object('rank', (ARRAY['gold','silver','bronze'])[1 + i %% 3],
                         'score', i %% 100),
      lower({ln}[l] || ' ' || {fn}[f] || ' ' || {lk}[l] || ' ' || {fk}[f]),
      %(default_values)s
    FROM g ORDER BY i
    """


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept, seeded database")
    args = parser.parse_args()

    import psycopg

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    # DEBUG off (no query log in memory); a throwaway key for the scratch database only.
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    base_url = os.environ.get("DATABASE_URL", "postgresql://crm@localhost:5432/crm")
    admin = psycopg.connect(base_url, autocommit=True)
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
    if exists and not args.reuse:
        admin.execute(f"DROP DATABASE {DB_NAME}")
    if not exists or not args.reuse:
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    os.environ["CRM_DB_NAME"] = DB_NAME

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from contacts import selectors
    from contacts.importers.loader import _insert_defaults
    from contacts.models import Contact
    from crm.core.context import tenant_context
    from crm.core.models import Membership, Tenant, User
    from crm.core.roles import Role
    from crm.core.services.customfields import customfield_create
    from crm.core.services.tenants import membership_add, tenant_create

    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "contacts": args.contacts,
    }
    try:
        if not args.reuse:
            call_command("migrate", verbosity=0)
            owner = User.objects.create_user(email="bench-owner@example.com", password=None)
            tenant = tenant_create(name="Advanced search bench", owner=owner, slug="adv-bench")
            reps = [
                User.objects.create_user(email=f"rep{i}@example.com", password=None)
                for i in range(3)
            ]
            with tenant_context(tenant):
                for rep in reps:
                    membership_add(tenant=tenant, user=rep, role=Role.SALES)
                customfield_create(
                    tenant=tenant,
                    object_type="contact",
                    key="rank",
                    field_type="select",
                    label="ランク",
                    choices=["gold", "silver", "bronze"],
                )
                customfield_create(
                    tenant=tenant,
                    object_type="contact",
                    key="score",
                    field_type="integer",
                    label="スコア",
                )
            provided = {
                "tenant_id",
                "last_name",
                "first_name",
                "last_name_kana",
                "first_name_kana",
                "tags",
                "lifecycle_stage",
                "owner_id",
                "created_at",
                "updated_at",
                "last_activity_at",
                "gender",
                "prefecture",
                "birth_date",
                "do_not_email",
                "do_not_call",
                "do_not_mail",
                "custom_fields",
                "search_text",
            }
            with tenant_context(tenant), connection.cursor() as cursor:
                cols, exprs, params = _insert_defaults(Contact, provided)
                owners = "ARRAY[" + ", ".join(str(u.pk) for u in [owner, *reps]) + "]::bigint[]"
                sql = (
                    seed_sql(args.contacts)
                    .replace("%(default_columns)s", ", ".join(cols))
                    .replace("%(default_values)s", ", ".join(exprs))
                    .replace("%(tenant)s", str(tenant.pk))
                    .replace("%(owners)s", owners)
                    .replace("%(n)s", str(args.contacts))
                )
                cursor.execute("SELECT setseed(0.42)")
                started = time.perf_counter()
                cursor.execute(sql, params)
                result["seed_seconds"] = round(time.perf_counter() - started, 1)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE contacts_contact")
        tenant = Tenant.objects.get(slug="adv-bench")
        owner = User.objects.get(email="bench-owner@example.com")
        with tenant_context(tenant):
            membership = Membership.objects.get(tenant=tenant, user=owner)
        result["load_average"] = [round(x, 2) for x in os.getloadavg()]
        month_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 30 * 86400))
        year_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 365 * 86400))
        cases: list[tuple[str, dict[str, str]]] = [
            ("plain list (baseline)", {}),
            ("tag (common)", {"tag": "VIP"}),
            ("tag (rare, 0.1 %)", {"tag": "休眠"}),
            ("rare tag + custom select", {"tag": "休眠", "cf_rank": "gold"}),
            ("tags any of", {"tag_any": "展示会,紹介"}),
            ("tags all of (two)", {"tag": "VIP,Web"}),
            ("two stages", {"lifecycle_stage": "lead,prospect"}),
            ("owner me", {"owner": "me"}),
            ("unassigned", {"owner": "unassigned"}),
            ("created last 30 days", {"created_from": month_ago}),
            ("created one old month", {"created_from": "2024-01-01", "created_to": "2024-01-31"}),
            ("last activity last 30 days", {"last_activity_from": month_ago}),
            ("no activity for a year", {"last_activity_to": year_ago}),
            ("name contains", {"name": "勅使"}),
            ("prefecture", {"prefecture": "沖縄"}),
            ("birth range", {"birth_from": "1980-01-01", "birth_to": "1980-12-31"}),
            ("do not e-mail", {"do_not_email": "yes"}),
            ("custom select", {"cf_rank": "gold"}),
            ("custom number range", {"cf_score__gte": "90"}),
            (
                "combined: tag + 2 stages + created range + owner",
                {
                    "tag": "展示会",
                    "lifecycle_stage": "lead,prospect",
                    "created_from": "2024-01-01",
                    "created_to": "2024-12-31",
                    "owner": "me",
                },
            ),
            (
                "combined, nothing matches (walks every row)",
                {"tag": "休眠", "cf_rank": "gold", "do_not_email": "no"},
            ),
        ]
        rows: list[dict[str, Any]] = []
        baseline = 0.0
        with tenant_context(tenant):
            for label, params in cases:
                timings = []
                count = 0
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    filters = selectors.contact_filters(
                        tenant=tenant, params=params, membership=membership
                    )
                    assert not filters.all_errors(), (label, filters.all_errors())
                    page = list(
                        selectors.contact_list(
                            tenant=tenant, membership=membership, filters=filters
                        )[:51]
                    )
                    timings.append(time.perf_counter() - started)
                    count = len(page)
                p50 = statistics.median(timings)
                if not params:
                    baseline = p50
                rows.append(
                    {
                        "case": label,
                        "rows": count,
                        "p50_ms": round(p50 * 1000, 1),
                        "p95_ms": round(percentile(timings, 95) * 1000, 1),
                        "x_baseline": round(p50 / baseline, 1) if baseline else None,
                    }
                )
                print(
                    f"{label:55s} rows={count:3d}  p50 {p50 * 1000:8.1f} ms  "
                    f"p95 {percentile(timings, 95) * 1000:8.1f} ms  x{p50 / baseline:.1f}"
                )
        result["cases"] = rows
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.close()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
