"""Contact search with the n-gram index vs plain ILIKE, same data, same run, same machine.

    source <(grep export /tmp/services.out)   # or let DATABASE_URL point at your server
    DEBUG=1 .venv/bin/python bench/contacts_search.py --contacts 1000000

1. Creates a scratch database (`crm_bench_search`, dropped at the end unless --keep), runs
   the migrations, makes one tenant with an owner, and seeds N contacts and N/500 companies
   with ONE set-based INSERT … SELECT generate_series each (realistic Japanese family and
   given names with kana, romaji e-mail addresses on common domains, landline and mobile
   numbers, company names, customer codes). The trigger builds `search_vector` as it would
   for an import; the seed time with the trigger is reported next to the time of the same
   INSERT with the trigger disabled (what the import pays for the index).
2. Runs a mix of queries through `contacts.selectors.contact_list` — the code the list page,
   the global search box and the API ?q= run — in-process, timing each `list(qs[:51])`
   (SQL built, executed, rows turned into models): server time without HTTP. Baseline in the
   same run: the same queries as `search_text ILIKE '%q%'` (what a search without an index
   does), newest first, same LIMIT.
3. Times the list page (GET /contacts/ at keyset positions from the top to the last page),
   a search results page and the detail page through Django's test client, with DEBUG off
   and templates rendered as a server renders them (`--instrumented`: as the test runner
   renders them, a signal and a context copy per template and include, as the figures
   before 2026-12-01 18:30 UTC were).
4. Prints one JSON object on its last line.
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
DB_NAME = "crm_bench_search"

LAST = [
    ("佐藤", "サトウ", "sato"),
    ("鈴木", "スズキ", "suzuki"),
    ("高橋", "タカハシ", "takahashi"),
    ("田中", "タナカ", "tanaka"),
    ("伊藤", "イトウ", "ito"),
    ("渡辺", "ワタナベ", "watanabe"),
    ("山本", "ヤマモト", "yamamoto"),
    ("中村", "ナカムラ", "nakamura"),
    ("小林", "コバヤシ", "kobayashi"),
    ("加藤", "カトウ", "kato"),
    ("吉田", "ヨシダ", "yoshida"),
    ("山田", "ヤマダ", "yamada"),
    ("佐々木", "ササキ", "sasaki"),
    ("山口", "ヤマグチ", "yamaguchi"),
    ("松本", "マツモト", "matsumoto"),
    ("井上", "イノウエ", "inoue"),
    ("木村", "キムラ", "kimura"),
    ("林", "ハヤシ", "hayashi"),
    ("斎藤", "サイトウ", "saito"),
    ("清水", "シミズ", "shimizu"),
    ("山崎", "ヤマザキ", "yamazaki"),
    ("森", "モリ", "mori"),
    ("池田", "イケダ", "ikeda"),
    ("橋本", "ハシモト", "hashimoto"),
    ("阿部", "アベ", "abe"),
    ("石川", "イシカワ", "ishikawa"),
    ("山下", "ヤマシタ", "yamashita"),
    ("中島", "ナカジマ", "nakajima"),
    ("石井", "イシイ", "ishii"),
    ("小川", "オガワ", "ogawa"),
    ("前田", "マエダ", "maeda"),
    ("岡田", "オカダ", "okada"),
    ("長谷川", "ハセガワ", "hasegawa"),
    ("藤田", "フジタ", "fujita"),
    ("後藤", "ゴトウ", "goto"),
    ("近藤", "コンドウ", "kondo"),
    ("村上", "ムラカミ", "murakami"),
    ("遠藤", "エンドウ", "endo"),
    ("青木", "アオキ", "aoki"),
    ("坂本", "サカモト", "sakamoto"),
    ("福田", "フクダ", "fukuda"),
    ("太田", "オオタ", "ota"),
    ("西村", "ニシムラ", "nishimura"),
    ("藤井", "フジイ", "fujii"),
    ("金子", "カネコ", "kaneko"),
    ("岡本", "オカモト", "okamoto"),
    ("藤原", "フジワラ", "fujiwara"),
    ("中野", "ナカノ", "nakano"),
    ("三浦", "ミウラ", "miura"),
    ("原田", "ハラダ", "harada"),
    ("中川", "ナカガワ", "nakagawa"),
    ("松田", "マツダ", "matsuda"),
    ("竹内", "タケウチ", "takeuchi"),
    ("小野", "オノ", "ono"),
    ("田村", "タムラ", "tamura"),
    ("中山", "ナカヤマ", "nakayama"),
    ("和田", "ワダ", "wada"),
    ("石田", "イシダ", "ishida"),
    ("森田", "モリタ", "morita"),
    ("勅使河原", "テシガワラ", "teshigawara"),
]
FIRST = [
    ("太郎", "タロウ", "taro"),
    ("花子", "ハナコ", "hanako"),
    ("健一", "ケンイチ", "kenichi"),
    ("由美", "ユミ", "yumi"),
    ("翔太", "ショウタ", "shota"),
    ("美咲", "ミサキ", "misaki"),
    ("大輔", "ダイスケ", "daisuke"),
    ("陽子", "ヨウコ", "yoko"),
    ("拓也", "タクヤ", "takuya"),
    ("愛", "アイ", "ai"),
    ("誠", "マコト", "makoto"),
    ("恵子", "ケイコ", "keiko"),
    ("蓮", "レン", "ren"),
    ("さくら", "サクラ", "sakura"),
    ("大翔", "ヒロト", "hiroto"),
    ("結衣", "ユイ", "yui"),
    ("陽菜", "ヒナ", "hina"),
    ("悠真", "ユウマ", "yuma"),
    ("直樹", "ナオキ", "naoki"),
    ("智子", "トモコ", "tomoko"),
    ("裕子", "ユウコ", "yuko"),
    ("浩二", "コウジ", "koji"),
    ("和也", "カズヤ", "kazuya"),
    ("明美", "アケミ", "akemi"),
    ("聡", "サトシ", "satoshi"),
    ("恵", "メグミ", "megumi"),
    ("隆", "タカシ", "takashi"),
    ("真由美", "マユミ", "mayumi"),
    ("亮", "リョウ", "ryo"),
    ("彩", "アヤ", "aya"),
]
COMPANY_STEMS = [
    "青空",
    "みどり",
    "富士",
    "桜",
    "大和",
    "日本",
    "東京",
    "関西",
    "北斗",
    "光",
    "未来",
    "千代田",
    "新星",
    "太平洋",
    "大地",
    "旭",
    "丸一",
    "三光",
    "日進",
    "共栄",
]
COMPANY_KINDS = [
    "商事",
    "工業",
    "電機",
    "物産",
    "建設",
    "システム",
    "製作所",
    "食品",
    "運輸",
    "不動産",
]
DOMAINS = [
    "gmail.com",
    "yahoo.co.jp",
    "example.co.jp",
    "outlook.jp",
    "docomo.ne.jp",
    "icloud.com",
    "nifty.com",
    "biglobe.ne.jp",
]
AREAS = ["3", "6", "45", "52", "92", "11", "22", "75", "78", "82"]


def _array(values: list[str]) -> str:
    return "(ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "])"


def seed_sql(n: int, companies: int) -> str:
    """One INSERT … SELECT: deterministic (setseed before), values already normalized the way
    the services store them, search_text built like contacts.cleaning.search_text."""
    ln, lk, lr = (_array([x[i] for x in LAST]) for i in range(3))
    fn, fk, fr = (_array([x[i] for x in FIRST]) for i in range(3))
    return f"""
    WITH g AS (
      SELECT i,
        1 + floor(random() * {len(LAST)})::int AS l,
        1 + floor(random() * {len(FIRST)})::int AS f,
        {_array(DOMAINS)}[1 + floor(random() * {len(DOMAINS)})::int] AS domain,
        {_array(AREAS)}[1 + floor(random() * {len(AREAS)})::int] AS area,
        lpad(floor(random() * 100000000)::int::text, 8, '0') AS local,
        CASE WHEN random() < 0.6 THEN
          (ARRAY['90','80','70'])[1 + floor(random() * 3)::int]
          || lpad(floor(random() * 100000000)::int::text, 8, '0') END AS mob,
        CASE WHEN random() < 0.8 THEN floor(random() * %(companies)s)::int END AS co,
        (ARRAY['lead','prospect','customer','churned'])[1 + floor(random() * 4)::int] AS stage
      FROM generate_series(1, %(n)s) AS i
    ), v AS (
      SELECT g.*, {ln}[l] AS last_name, {fn}[f] AS first_name, {lk}[l] AS last_kana,
        {fk}[f] AS first_kana,
        {fr}[f] || '.' || {lr}[l] || CASE WHEN i %% 3 = 0 THEN (i %% 1000)::text ELSE '' END
          || '@' || domain AS email,
        substr('0' || area || local, 1, 10) AS phone_nat,
        CASE WHEN mob IS NOT NULL THEN '0' || mob END AS mobile_nat,
        CASE WHEN i %% 10 < 7 THEN 'CU' || lpad(i::text, 8, '0') ELSE '' END AS code
      FROM g
    )
    INSERT INTO contacts_contact (tenant_id, last_name, first_name, last_name_kana,
      first_name_kana, email, email_key, phone, mobile, company_id, lifecycle_stage,
      customer_code, search_text, %(default_columns)s)
    SELECT %(tenant)s, last_name, first_name, last_kana, first_kana, email, lower(email),
      '+81' || substr(phone_nat, 2), COALESCE('+81' || substr(mobile_nat, 2), ''),
      c.id, stage, code,
      lower(concat_ws(' ', last_name, first_name, last_kana, first_kana, email, phone_nat,
        mobile_nat, c.name, NULLIF(code, ''))),
      %(default_values)s
    FROM v LEFT JOIN (
      SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, name FROM contacts_company
      WHERE tenant_id = %(tenant)s
    ) c ON c.k = v.co
    ORDER BY i
    """.replace("%(companies)s", str(companies))


def company_sql(companies: int) -> str:
    return f"""
    INSERT INTO contacts_company (tenant_id, name, name_kana, %(default_columns)s)
    SELECT %(tenant)s,
      {_array(COMPANY_STEMS)}[1 + (i %% {len(COMPANY_STEMS)})]
        || {_array(COMPANY_KINDS)}[1 + (i / {len(COMPANY_STEMS)}) %% {len(COMPANY_KINDS)}]
        || CASE WHEN i >= {len(COMPANY_STEMS) * len(COMPANY_KINDS)} THEN ' ' || i::text ELSE '' END,
      '', %(default_values)s
    FROM generate_series(0, {companies - 1}) AS i
    """


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--instrumented",
        action="store_true",
        help="render templates as the test runner does (a signal and a context copy per render)",
    )
    parser.add_argument("--reuse", action="store_true", help="reuse a kept, seeded database")
    parser.add_argument(
        "--pages-only", action="store_true", help="time only the pages (with --reuse)"
    )
    args = parser.parse_args()

    import psycopg

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
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
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.test.utils import setup_test_environment

    from contacts import selectors
    from contacts.importers.loader import _insert_defaults
    from contacts.models import Company, Contact
    from contacts.search import index_usable as search_index_usable
    from contacts.search.query import terms
    from crm.core.context import tenant_context
    from crm.core.models import Tenant, User
    from crm.core.services.tenants import tenant_create

    if args.instrumented:
        setup_test_environment()  # also sets DEBUG off
    else:
        settings.DEBUG = False  # DEBUG=1 on the command line only stands in for SECRET_KEY
    result: dict[str, Any] = {
        "template_instrumentation": args.instrumented,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "contacts": args.contacts,
    }
    try:
        if not args.reuse:
            call_command("migrate", verbosity=0)
            owner = User.objects.create_user(email="bench-owner@example.com", password=None)
            tenant = tenant_create(name="Search bench", owner=owner, slug="search-bench")
            companies = max(20, args.contacts // 500)
            with tenant_context(tenant), connection.cursor() as cursor:
                cursor.execute("SELECT setseed(0.42)")
                for model, sql in ((Company, company_sql(companies)),):
                    cols, exprs, params = _insert_defaults(
                        model, {"tenant_id", "name", "name_kana"}
                    )
                    cursor.execute(
                        sql.replace("%(default_columns)s", ", ".join(cols))
                        .replace("%(default_values)s", ", ".join(exprs))
                        .replace("%(tenant)s", str(tenant.pk)),
                        params,
                    )
                provided = {
                    "tenant_id",
                    "last_name",
                    "first_name",
                    "last_name_kana",
                    "first_name_kana",
                    "email",
                    "email_key",
                    "phone",
                    "mobile",
                    "company_id",
                    "lifecycle_stage",
                    "customer_code",
                    "search_text",
                }
                cols, exprs, params = _insert_defaults(Contact, provided)
                sql = (
                    seed_sql(args.contacts, companies)
                    .replace("%(default_columns)s", ", ".join(cols))
                    .replace("%(default_values)s", ", ".join(exprs))
                    .replace("%(tenant)s", str(tenant.pk))
                    .replace("%(n)s", str(args.contacts))
                )
                # What the index costs a bulk load: the same INSERT without the trigger (on a
                # tenth of the rows, then removed) and with it (all rows).
                sample = max(1000, args.contacts // 10)
                cursor.execute(
                    "ALTER TABLE contacts_contact DISABLE TRIGGER contacts_contact_search_vector"
                )
                cursor.execute("DROP INDEX contact_search_vector_gin")
                started = time.perf_counter()
                cursor.execute(
                    sql.replace(
                        f"generate_series(1, {args.contacts})", f"generate_series(1, {sample})"
                    ),
                    params,
                )
                no_index = time.perf_counter() - started
                cursor.execute("DELETE FROM contacts_contact")
                cursor.execute(
                    "ALTER TABLE contacts_contact ENABLE TRIGGER contacts_contact_search_vector"
                )
                cursor.execute(
                    "CREATE INDEX contact_search_vector_gin ON contacts_contact"
                    " USING gin (search_vector)"
                )
                started = time.perf_counter()
                cursor.execute(
                    sql.replace(
                        f"generate_series(1, {args.contacts})", f"generate_series(1, {sample})"
                    ),
                    params,
                )
                with_index = time.perf_counter() - started
                cursor.execute("DELETE FROM contacts_contact")
                cursor.execute("SELECT setseed(0.42)")
                started = time.perf_counter()
                cursor.execute(sql, params)
                result["seed_seconds"] = round(time.perf_counter() - started, 1)
                result["bulk_insert_sample_rows"] = sample
                result["bulk_insert_without_index_s"] = round(no_index, 2)
                result["bulk_insert_with_trigger_and_gin_s"] = round(with_index, 2)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE contacts_contact")
                cursor.execute("VACUUM ANALYZE contacts_company")
        tenant = Tenant.objects.get(slug="search-bench")
        owner = User.objects.get(email="bench-owner@example.com")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_size_pretty(pg_relation_size('contact_search_vector_gin')),"
                " pg_size_pretty(pg_relation_size('contacts_contact'))"
            )
            result["gin_size"], result["table_size"] = cursor.fetchone()
        # The index path needs ts_match_vq LEAKPROOF (crm/pg_provision.py; the scratch
        # database is copied from template1, which the launcher provisions).
        result["index_usable"] = search_index_usable()
        result["load_average"] = [round(x, 2) for x in os.getloadavg()]

        with tenant_context(tenant):
            picks = list(
                Contact.objects.filter(tenant=tenant)
                .exclude(mobile="")
                .order_by("id")
                .values_list("phone", "mobile", "email", "customer_code")[
                    args.contacts // 3 : args.contacts // 3 + 400 : 100
                ]
            )
        queries: list[tuple[str, str]] = [
            ("two kanji (common)", "佐藤"),
            ("two kanji (common)", "鈴木"),
            ("two kanji (rare)", "勅使"),
            ("two kanji (not found)", "存在"),
            ("two katakana", "サト"),
            ("two katakana", "ハセ"),
            ("hiragana", "さとう"),
            ("one kanji", "林"),
            ("full name", "長谷川 由美"),
            ("company", "旭運輸"),
            ("e-mail fragment (common)", "gmail"),
            ("e-mail fragment", "hanako.fuj"),
            ("e-mail fragment (rare)", "teshigawara7"),
        ]
        for phone, mobile, email, code in picks:
            national = "0" + phone[3:]
            queries += [
                ("phone, other format", f"{national[:2]}-{national[2:6]}-{national[6:]}"),
                ("phone, other format", "+81 " + national[1:]),
                ("mobile digits", "0" + mobile[3:]),
                ("mobile last 4", mobile[-4:]),
                ("e-mail (whole)", email),
            ]
            if code:
                queries.append(("customer code", code.lower()))

        def run(q: str, baseline: bool) -> tuple[float, int]:
            with tenant_context(tenant):
                started = time.perf_counter()
                if baseline:
                    qs = selectors.visible_contacts(tenant, None).select_related("company", "owner")
                    for term in terms(q):  # same words and spellings, no index
                        any_variant = Q()
                        for variant in term.variants:
                            any_variant |= Q(search_text__icontains=variant)
                        qs = qs.filter(any_variant)
                    rows = list(qs.order_by("-id")[:51])
                else:
                    rows = list(selectors.contact_list(tenant=tenant, q=q)[:51])
                return time.perf_counter() - started, len(rows)

        per_kind: dict[str, dict[str, list[float]]] = {}
        all_times: dict[str, list[float]] = {"index": [], "ilike": []}
        hits: dict[str, int] = {}
        for kind, q in [] if args.pages_only else queries:
            for mode in ("index", "ilike"):
                run(q, mode == "ilike")  # warm
                for _ in range(args.repeat):
                    took, count = run(q, mode == "ilike")
                    all_times[mode].append(took)
                    per_kind.setdefault(kind, {}).setdefault(mode, []).append(took)
                    if mode == "index":
                        hits[q] = count
                    elif hits.get(q) != count:
                        raise SystemExit(
                            f"index and ILIKE disagree on {q!r}: {hits.get(q)} vs {count}"
                        )
        result["search"] = (
            {}
            if args.pages_only
            else {
                mode: {
                    "p50_ms": ms(statistics.median(t)),
                    "p95_ms": ms(percentile(t, 95)),
                    "max_ms": ms(max(t)),
                    "queries": len(t),
                }
                for mode, t in all_times.items()
            }
        )
        result["search_by_kind"] = {
            kind: {
                mode: {"p50_ms": ms(statistics.median(t)), "p95_ms": ms(percentile(t, 95))}
                for mode, t in modes.items()
            }
            for kind, modes in per_kind.items()
        }
        result["hits_sample"] = {q: hits[q] for _kind, q in queries[:13] if q in hits}

        client = Client()
        client.force_login(owner)
        with tenant_context(tenant):
            ids = list(
                Contact.objects.filter(tenant=tenant)
                .order_by("-id")
                .values_list("id", flat=True)[:: max(1, args.contacts // 20)]
            )
        pages: dict[str, list[float]] = {"list": [], "search page": [], "detail": []}
        # CPU time of this process per request (Django, templates, psycopg; PostgreSQL's own
        # work runs in the server): next to the wall time it shows how much of a page's time
        # on a loaded machine is waiting for a core.
        pages_cpu: dict[str, list[float]] = {name: [] for name in pages}
        current: list[str] = ["list"]

        def timed_get(url: str) -> float:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            took = time.perf_counter() - started
            pages_cpu[current[0]].append(time.process_time() - cpu)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            return took

        for url in ["/contacts/"] + [f"/contacts/?before={i}" for i in ids]:
            timed_get(url)
            pages["list"] += [timed_get(url) for _ in range(args.repeat)]
        current[0] = "search page"
        for q in ("佐藤", "サト", "gmail", queries[-1][1]):
            timed_get(f"/contacts/?q={q}")
            pages["search page"] += [timed_get(f"/contacts/?q={q}") for _ in range(args.repeat)]
        current[0] = "detail"
        for i in ids[:10]:
            timed_get(f"/contacts/{i}/")
            pages["detail"] += [timed_get(f"/contacts/{i}/") for _ in range(args.repeat)]
        result["pages"] = {
            name: {
                "p50_ms": ms(statistics.median(t)),
                "p95_ms": ms(percentile(t, 95)),
                "cpu_p50_ms": ms(statistics.median(pages_cpu[name])),
                "cpu_p95_ms": ms(percentile(pages_cpu[name], 95)),
                "requests": len(t),
            }
            for name, t in pages.items()
        }
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME}")
        admin.close()
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    if result["search"]:
        index, ilike = result["search"]["index"], result["search"]["ilike"]
        ratio = round(ilike["p95_ms"] / max(index["p95_ms"], 0.01), 1)
        result["ratio_p95_ilike_over_index"] = ratio
    for kind, modes in result["search_by_kind"].items():
        print(
            f"{kind:28} index p95 {modes['index']['p95_ms']:8.1f} ms"
            f"   ILIKE p95 {modes['ilike']['p95_ms']:8.1f} ms"
        )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
