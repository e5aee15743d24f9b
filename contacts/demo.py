"""Demo companies and contacts: realistic Japanese data, deterministic per tenant, set-based.

Two statements write everything: one INSERT … SELECT over generate_series for the companies
and one for the contacts. Each row's choices come from an arithmetic hash of its number and
the tenant's slug (no random() — the same tenant always gets the same rows), picking from the
lists below passed as arrays. Values are generated already normalized (E.164 phones,
NNN-NNNN postal codes, full-width katakana, prefectures from Japan Post's data), and the
derived columns are written in the same INSERT: `email_key`, `search_text` by the SQL the
import uses (loader._search_text_sql, the twin of cleaning.search_text) and `search_vector`
by contacts_search_vector(search_text), exactly what the trigger would compute.
A million contacts seed in minutes (bench/contacts_import.py --seed-demo)."""

from __future__ import annotations

import json
import zlib
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Max

from crm.core.models import Membership, Tenant
from crm.core.normalize import NormalizationError, lookup_postal_code, normalize_phone

from .importers.loader import _insert_defaults, _search_text_sql
from .models import Company, CompanySize, Contact, Gender, LifecycleStage

LAST = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山口", "ヤマグチ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("山崎", "ヤマザキ"),
    ("中島", "ナカジマ"),
    ("藤田", "フジタ"),
    ("小川", "オガワ"),
    ("後藤", "ゴトウ"),
    ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"),
    ("村上", "ムラカミ"),
    ("近藤", "コンドウ"),
    ("石井", "イシイ"),
    ("坂本", "サカモト"),
    ("遠藤", "エンドウ"),
    ("青木", "アオキ"),
    ("藤井", "フジイ"),
    ("西村", "ニシムラ"),
]
FIRST = [
    ("太郎", "タロウ", Gender.MALE),
    ("花子", "ハナコ", Gender.FEMALE),
    ("健一", "ケンイチ", Gender.MALE),
    ("由美", "ユミ", Gender.FEMALE),
    ("翔太", "ショウタ", Gender.MALE),
    ("美咲", "ミサキ", Gender.FEMALE),
    ("大輔", "ダイスケ", Gender.MALE),
    ("陽子", "ヨウコ", Gender.FEMALE),
    ("拓也", "タクヤ", Gender.MALE),
    ("愛", "アイ", Gender.FEMALE),
    ("誠", "マコト", Gender.MALE),
    ("恵子", "ケイコ", Gender.FEMALE),
    ("蓮", "レン", Gender.MALE),
    ("さくら", "サクラ", Gender.FEMALE),
    ("大翔", "ヒロト", Gender.MALE),
    ("結衣", "ユイ", Gender.FEMALE),
    ("悠真", "ユウマ", Gender.MALE),
    ("陽菜", "ヒナ", Gender.FEMALE),
    ("直樹", "ナオキ", Gender.MALE),
    ("真由美", "マユミ", Gender.FEMALE),
    ("浩二", "コウジ", Gender.MALE),
    ("智子", "トモコ", Gender.FEMALE),
    ("和也", "カズヤ", Gender.MALE),
    ("裕子", "ユウコ", Gender.FEMALE),
    ("隆", "タカシ", Gender.MALE),
    ("明美", "アケミ", Gender.FEMALE),
]
COMPANY_STEMS = [
    ("青空", "アオゾラ"),
    ("みどり", "ミドリ"),
    ("富士", "フジ"),
    ("さくら", "サクラ"),
    ("東海", "トウカイ"),
    ("北斗", "ホクト"),
    ("大和", "ヤマト"),
    ("光", "ヒカリ"),
    ("日の出", "ヒノデ"),
    ("若葉", "ワカバ"),
    ("つばさ", "ツバサ"),
    ("白鳥", "シラトリ"),
    ("瑞穂", "ミズホ"),
    ("旭", "アサヒ"),
    ("千代田", "チヨダ"),
    ("なにわ", "ナニワ"),
    ("湘南", "ショウナン"),
    ("信濃", "シナノ"),
    ("筑紫", "ツクシ"),
    ("杜の都", "モリノミヤコ"),
]
# 株式会社 before or after the name, as companies write it (the kana leaves it out, as
# フリガナ for sorting does).
COMPANY_FORMS = ["株式会社{}", "{}株式会社"]
COMPANY_KINDS = [
    ("商事", "ショウジ", "卸売業"),
    ("製作所", "セイサクショ", "製造業"),
    ("システムズ", "システムズ", "情報通信業"),
    ("建設", "ケンセツ", "建設業"),
    ("物流", "ブツリュウ", "運輸業"),
    ("食品", "ショクヒン", "食料品製造業"),
    ("不動産", "フドウサン", "不動産業"),
    ("メディカル", "メディカル", "医療・福祉"),
]
# Real postal codes; prefecture and town are looked up once per seeding run.
POSTAL_CODES = [
    ("100-0005", "03"),
    ("150-0002", "03"),
    ("160-0023", "03"),
    ("220-0012", "045"),
    ("330-0854", "048"),
    ("260-0028", "043"),
    ("460-0008", "052"),
    ("530-0001", "06"),
    ("541-0041", "06"),
    ("600-8216", "075"),
    ("650-0021", "078"),
    ("730-0011", "082"),
    ("812-0011", "092"),
    ("060-0005", "011"),
    ("980-0021", "022"),
    ("900-0015", "098"),
]
DEPARTMENTS = [
    "営業部",
    "総務部",
    "経理部",
    "情報システム部",
    "購買部",
    "マーケティング部",
    "人事部",
]
TITLES = ["", "", "主任", "係長", "課長", "部長", "取締役"]
SOURCES = ["展示会", "Webサイト", "紹介", "セミナー", "広告", "電話"]
TAGS = ["VIP", "展示会2025", "メルマガ", "要フォロー", "既存顧客"]
STAGES = [
    LifecycleStage.LEAD,
    LifecycleStage.LEAD,
    LifecycleStage.PROSPECT,
    LifecycleStage.CUSTOMER,
    LifecycleStage.CUSTOMER,
    LifecycleStage.CHURNED,
]
SIZES = [s for s in CompanySize.values if s]


# --- the hash the choices come from ------------------------------------------------------
# p is a prime below 2**31 so that x * x stays inside bigint; squaring makes the fields of a
# row independent of each other (an affine hash alone would tie them together).
_P = 2147483629


def _hash(k: int, var: str = "g.n") -> str:
    x = f"(({var} * 1103515245 + {k * 7919 + 12345} + %(salt)s) %% {_P})"
    return f"((({x} * {x} + {k}) %% {_P}) # ({x} >> 7))"


def _pick(array: str, h: int) -> str:
    """Element of a 1-based array parameter chosen by hash column h<n>."""
    return f"(%({array})s::text[])[1 + h.h{h} %% cardinality(%({array})s::text[])]"


def _hashes(count: int) -> str:
    # OFFSET 0 keeps the subquery from being pulled up: without it PostgreSQL pastes the
    # whole hash expression into every place that reads h.h<k> (h.h3 alone a dozen times).
    return (
        "LATERAL (SELECT " + ", ".join(f"{_hash(k)} AS h{k}" for k in range(count)) + " OFFSET 0) h"
    )


def _run(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


@lru_cache(maxsize=1)
def _places() -> list[tuple[str, str, str, str, list[str]]]:
    """(postal code, area code, prefecture, town, subscriber prefixes). Not every exchange
    of an area exists (011-46…): the two leading subscriber digits are kept where
    normalize_phone accepts numbers with them (checked with three fills; the rest of the
    number is free in the JP metadata, and the tests check every seeded number)."""
    places = []
    for code, area in POSTAL_CODES:
        found = lookup_postal_code(code)
        if found is None:
            continue
        rest = 10 - len(area) - 2
        prefixes = []
        for prefix in range(20, 100):
            try:
                for fill in "059":
                    normalize_phone(f"{area}{prefix}{fill * rest}")
            except NormalizationError:
                continue
            prefixes.append(str(prefix))
        places.append((code, area, found.prefecture, f"{found.city}{found.town}", prefixes))
    return places


def _defaults(model: Any, provided: set[str], params: dict[str, Any]) -> tuple[str, str]:
    """Column list and SQL for the NOT NULL columns the statement does not set (Django
    keeps their defaults in Python)."""
    columns, exprs, values = _insert_defaults(model, provided)
    sql = []
    for column, expr in zip(columns, exprs, strict=True):
        if expr == "%s":
            params[f"default_{column}"] = values.pop(0)
            expr = f"%(default_{column})s"
        sql.append(expr)
    return "".join(", " + c for c in columns), "".join(", " + e for e in sql)


def _phone_sql(h: int) -> str:
    """A 10-digit landline of the place `pl` (area code, a subscriber prefix that exists,
    free digits) as E.164."""
    area = "(%(place_area)s::text[])[pl]"
    prefix = (
        "(%(prefixes)s::text[])[(%(prefix_start)s::int[])[pl]"
        f" + h.h{h} %% (%(prefix_count)s::int[])[pl]]"
    )
    unit = f"power(10, 8 - length({area}))::bigint"
    free = f"lpad(((h.h{h} / 100) %% {unit})::text, 8 - length({area}), '0')"
    return f"'+81' || substr({area} || {prefix} || {free}, 2)"


@transaction.atomic
def seed_contacts(*, tenant: Tenant, contacts: int = 200, **_: Any) -> None:
    """`contacts` contacts and about one company per 20 of them, added to what is there
    (numbers continue after the tenant's highest contact id, so a second run adds new
    e-mails and customer codes)."""
    salt = zlib.crc32(f"{tenant.slug}-contacts".encode()) % 1000003  # deterministic per tenant
    owner_ids = list(
        Membership.objects.filter(tenant=tenant, is_active=True)
        .order_by("id")
        .values_list("user_id", flat=True)
    )
    places = _places()
    offset = (Contact.objects.filter(tenant=tenant).aggregate(m=Max("id"))["m"] or 0) + 1
    base: dict[str, Any] = {
        "t": tenant.pk,
        "salt": salt,
        "owners": owner_ids or [None],
        "has_owner": bool(owner_ids),
        "place_code": [p[0] for p in places],
        "place_area": [p[1] for p in places],
        "place_pref": [p[2] for p in places],
        "place_town": [p[3] for p in places],
        "prefix_start": [1 + sum(len(q[4]) for q in places[:i]) for i in range(len(places))],
        "prefix_count": [len(p[4]) for p in places],
        "prefixes": [prefix for p in places for prefix in p[4]],
        "tags": TAGS,
    }
    place = "1 + h.h{} %% cardinality(%(place_code)s::text[])"

    # 1. Companies.
    company_count = max(1, contacts // 20)
    params = dict(
        base,
        n0=offset,
        count=company_count,
        stem=[s for s, _k in COMPANY_STEMS],
        stem_kana=[k for _s, k in COMPANY_STEMS],
        kind=[k for k, _kk, _i in COMPANY_KINDS],
        kind_kana=[kk for _k, kk, _i in COMPANY_KINDS],
        industry=[i for _k, _kk, i in COMPANY_KINDS],
        form=COMPANY_FORMS,
        sizes=SIZES,
    )
    extra_cols, extra_sql = _defaults(
        Company,
        {"tenant_id", "name", "name_kana", "industry", "size", "postal_code", "prefecture",
         "address", "phone", "website", "owner_id", "tags"},
        params,
    )  # fmt: skip
    companies = _run(
        f"""
        INSERT INTO {Company._meta.db_table} (tenant_id, name, name_kana, industry, size,
          postal_code, prefecture, address, phone, website, owner_id, tags{extra_cols})
        SELECT %(t)s,
          replace((%(form)s::text[])[f], '{{}}', (%(stem)s::text[])[s] || (%(kind)s::text[])[k]),
          (%(stem_kana)s::text[])[s] || (%(kind_kana)s::text[])[k],
          (%(industry)s::text[])[k],
          {_pick("sizes", 3)},
          (%(place_code)s::text[])[pl], (%(place_pref)s::text[])[pl],
          (%(place_town)s::text[])[pl] || (1 + h.h4 %% 5) || '-' || (1 + h.h5 %% 20)
            || '-' || (1 + h.h6 %% 15),
          {_phone_sql(7)},
          'https://www.example-' || g.n || '.co.jp',
          CASE WHEN %(has_owner)s THEN (%(owners)s::bigint[])[1 + h.h8 %% cardinality(
            %(owners)s::bigint[])] END,
          ARRAY(SELECT (%(tags)s::text[])[1 + (h.h9 + i) %% cardinality(%(tags)s::text[])]
                FROM generate_series(1, (h.h10 %% 3)::int) AS i)::varchar(50)[]
          {extra_sql}
        FROM generate_series(%(n0)s::bigint, %(n0)s::bigint + %(count)s - 1) AS g(n),
          {_hashes(11)},
          LATERAL (SELECT 1 + h.h0 %% cardinality(%(stem)s::text[]) AS s,
                          1 + h.h1 %% cardinality(%(kind)s::text[]) AS k,
                          1 + h.h2 %% cardinality(%(form)s::text[]) AS f,
                          {place.format(3)} AS pl) c
        ORDER BY g.n
        RETURNING id, name
        """,
        params,
    )
    companies.sort()

    # 2. Contacts, with their search text and vector (the trigger stands aside for rows
    #    that bring a vector while app.defer_search_vector is on: migration 0011).
    params = dict(
        base,
        n0=offset,
        count=contacts,
        last=[n for n, _k in LAST],
        last_kana=[k for _n, k in LAST],
        first=[n for n, _k, _g in FIRST],
        first_kana=[k for _n, k, _g in FIRST],
        gender=[str(g) for _n, _k, g in FIRST],
        company_id=[c[0] for c in companies],
        company_names=json.dumps([c[1] for c in companies], ensure_ascii=False),
        departments=DEPARTMENTS,
        titles=TITLES,
        sources=SOURCES,
        stages=[str(s) for s in STAGES],
    )
    text_columns = (
        "last_name", "first_name", "last_name_kana", "first_name_kana", "company_id",
        "department", "title", "email", "email_key", "phone", "mobile", "postal_code",
        "prefecture", "address", "birth_date", "gender", "lifecycle_stage", "source",
        "customer_code", "owner_id", "tags", "do_not_email", "do_not_call",
    )  # fmt: skip
    extra_cols, extra_sql = _defaults(
        Contact, {"tenant_id", *text_columns, "search_text", "search_vector"}, params
    )
    number = "lpad(g.n::text, greatest(7, length(g.n::text)), '0')"
    with connection.cursor() as cursor:
        # No ORDER BY: rows come out of generate_series in order and nothing between
        # reorders them (no join), so ids follow the row numbers without a sort (which
        # spilled 1 GB to disk at a million rows).
        # Each level ends in OFFSET 0 so that it is computed once per row: flattened,
        # PostgreSQL expanded every column into each place that reads it (the phone and
        # mobile four times over in search_text, the company lookup twice). The company's
        # name used to be a subquery on contacts_company: with the companies inserted in
        # this same transaction the statistics say the tenant has none, so the planner
        # went through the tenant_id index and filtered, reading all of the tenant's
        # companies for every contact (2.3 ms a row with 5,000 companies; at first its
        # condition was not even leakproof, so the primary key was not usable under
        # row-level security). docs/search.md, "What seed_demo pays".
        cursor.execute("SELECT set_config('app.defer_search_vector', 'on', true)")
        cursor.execute(
            f"""
        INSERT INTO {Contact._meta.db_table} (tenant_id, {", ".join(text_columns)},
          search_text, search_vector{extra_cols})
        SELECT %(t)s, {", ".join("x." + c for c in text_columns)},
          x.search_text, contacts_search_vector(x.search_text){extra_sql}
        FROM (
          SELECT r.*, {_search_text_sql("r", "r.company_name", [])} AS search_text
          FROM (
            SELECT g.n,
              (%(last)s::text[])[ln] AS last_name, (%(first)s::text[])[fn] AS first_name,
              (%(last_kana)s::text[])[ln] AS last_name_kana,
              (%(first_kana)s::text[])[fn] AS first_name_kana,
              c.company_id,
              -- From the RETURNING of the companies' INSERT, by position: a jsonb array
              -- is indexed directly (subscripting a text[] walks it from its start, O(n) a
              -- row with 50,000 companies), and no subquery is left for the planner to run
              -- through the tenant index with stale statistics (see below).
              CASE WHEN co > 0 THEN %(company_names)s::jsonb ->> (co - 1)::int ELSE '' END
                AS company_name,
              CASE WHEN co > 0 THEN {_pick("departments", 3)} ELSE '' END AS department,
              CASE WHEN co > 0 THEN {_pick("titles", 4)} ELSE '' END AS title,
              'user' || {number} || '@example.co.jp' AS email,
              'user' || {number} || '@example.co.jp' AS email_key,
              {_phone_sql(5)} AS phone,
              CASE WHEN h.h6 %% 10 < 6 THEN '+81' || (7 + h.h7 %% 3) || '0'
                || (10000000 + h.h8 %% 90000000) ELSE '' END AS mobile,
              (%(place_code)s::text[])[pl] AS postal_code,
              (%(place_pref)s::text[])[pl] AS prefecture,
              (%(place_town)s::text[])[pl] || (1 + h.h9 %% 5) || '-' || (1 + h.h10 %% 20)
                || '-' || (1 + h.h11 %% 15) AS address,
              DATE '2026-04-01' - (22 * 365 + h.h12 %% (48 * 365))::int AS birth_date,
              CASE WHEN h.h13 %% 10 < 8 THEN (%(gender)s::text[])[fn] ELSE '' END AS gender,
              {_pick("stages", 14)} AS lifecycle_stage,
              {_pick("sources", 15)} AS source,
              CASE WHEN h.h16 %% 10 < 7 THEN 'CU' || lpad(g.n::text, 8, '0') ELSE '' END
                AS customer_code,
              CASE WHEN %(has_owner)s THEN (%(owners)s::bigint[])[1 + h.h17 %% cardinality(
                %(owners)s::bigint[])] END AS owner_id,
              ARRAY(SELECT (%(tags)s::text[])[1 + (h.h18 + i) %% cardinality(%(tags)s::text[])]
                    FROM generate_series(1, (h.h19 %% 3)::int) AS i)::varchar(50)[] AS tags,
              h.h20 %% 100 < 5 AS do_not_email,
              h.h21 %% 100 < 3 AS do_not_call
            FROM generate_series(%(n0)s::bigint, %(n0)s::bigint + %(count)s - 1) AS g(n),
              {_hashes(22)},
              LATERAL (SELECT 1 + h.h0 %% cardinality(%(last)s::text[]) AS ln,
                              1 + h.h1 %% cardinality(%(first)s::text[]) AS fn,
                              CASE WHEN h.h2 %% 100 < 85
                                THEN 1 + (h.h2 / 100) %% cardinality(%(company_id)s::bigint[])
                                ELSE 0 END AS co,
                              CASE WHEN h.h2 %% 100 < 85
                                THEN (%(company_id)s::bigint[])[1 + (h.h2 / 100)
                                  %% cardinality(%(company_id)s::bigint[])] END AS company_id,
                              {place.format(3)} AS pl
                       OFFSET 0) c
            OFFSET 0
          ) r
          OFFSET 0
        ) x
        """,
            params,
        )
        cursor.execute("SELECT set_config('app.defer_search_vector', 'off', true)")
