"""Demo companies and contacts: realistic Japanese data, deterministic per tenant, set-based.

Values are generated already normalized (E.164 phones, NNN-NNNN postal codes, katakana),
and the derived columns (`email_key`, `search_text`) are built the same way the services
build them, without calling the per-row normalizers: a million rows must seed in minutes."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Max

from crm.core.models import Membership, Tenant
from crm.core.normalize import lookup_postal_code

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
]
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


def _phone(rng: random.Random, area: str) -> tuple[str, str]:
    """A landline in the area: (E.164, national digits) with 10 digits in all."""
    rest = 10 - len(area)
    number = f"{area}{rng.randrange(10 ** (rest - 1) * 2, 10**rest)}"
    return "+81" + number[1:], number


def _mobile(rng: random.Random) -> tuple[str, str]:
    number = f"0{rng.choice('789')}0{rng.randrange(10**7, 10**8)}"
    return "+81" + number[1:], number


def seed_contacts(*, tenant: Tenant, contacts: int = 200, **_: Any) -> None:
    rng = random.Random(f"{tenant.slug}-contacts")  # deterministic per tenant
    owner_ids = list(
        Membership.objects.filter(tenant=tenant, is_active=True)
        .order_by("id")
        .values_list("user_id", flat=True)
    )
    places = []
    for code, area in POSTAL_CODES:
        found = lookup_postal_code(code)
        if found is not None:
            places.append((code, area, found.prefecture, f"{found.city}{found.town}"))
    offset = (Contact.objects.filter(tenant=tenant).aggregate(m=Max("id"))["m"] or 0) + 1

    companies: list[Company] = []
    for i in range(max(1, contacts // 20)):  # about 20 contacts per company
        (stem, stem_kana), (kind, kind_kana, industry) = (
            rng.choice(COMPANY_STEMS),
            rng.choice(COMPANY_KINDS),
        )
        code, area, prefecture, town = rng.choice(places)
        phone, _digits = _phone(rng, area)
        companies.append(
            Company(
                tenant=tenant,
                name=f"株式会社{stem}{kind}",
                name_kana=f"{stem_kana}{kind_kana}",
                industry=industry,
                size=rng.choice(SIZES),
                postal_code=code,
                prefecture=prefecture,
                address=f"{town}{rng.randint(1, 5)}-{rng.randint(1, 20)}-{rng.randint(1, 15)}",
                phone=phone,
                website=f"https://www.example-{offset + i}.co.jp",
                owner_id=rng.choice(owner_ids) if owner_ids else None,
                tags=rng.sample(TAGS, k=rng.randint(0, 2)),
            )
        )
    companies = Company.objects.bulk_create(companies, batch_size=5000)

    rows = []
    today = dt.date(2026, 4, 1)
    for i in range(contacts):
        n = offset + i
        (last, last_kana), (first, first_kana, gender) = rng.choice(LAST), rng.choice(FIRST)
        company = rng.choice(companies) if rng.random() < 0.85 else None
        code, area, prefecture, town = rng.choice(places)
        phone, phone_digits = _phone(rng, area)
        mobile, mobile_digits = _mobile(rng) if rng.random() < 0.6 else ("", "")
        email = f"user{n:07d}@example.co.jp"
        customer_code = f"CU{n:08d}" if rng.random() < 0.7 else ""
        search = " ".join(
            p
            for p in (
                last,
                first,
                last_kana,
                first_kana,
                email,
                phone_digits,
                mobile_digits,
                company.name if company else "",
                customer_code,
            )
            if p
        ).lower()
        rows.append(
            Contact(
                tenant=tenant,
                last_name=last,
                first_name=first,
                last_name_kana=last_kana,
                first_name_kana=first_kana,
                company=company,
                department=rng.choice(DEPARTMENTS) if company else "",
                title=rng.choice(TITLES) if company else "",
                email=email,
                email_key=email.lower(),
                phone=phone,
                mobile=mobile,
                postal_code=code,
                prefecture=prefecture,
                address=f"{town}{rng.randint(1, 5)}-{rng.randint(1, 20)}-{rng.randint(1, 15)}",
                birth_date=today - dt.timedelta(days=rng.randint(22 * 365, 70 * 365)),
                gender=gender if rng.random() < 0.8 else "",
                lifecycle_stage=rng.choice(STAGES),
                source=rng.choice(SOURCES),
                customer_code=customer_code,
                owner_id=rng.choice(owner_ids) if owner_ids else None,
                tags=rng.sample(TAGS, k=rng.randint(0, 2)),
                do_not_email=rng.random() < 0.05,
                do_not_call=rng.random() < 0.03,
                search_text=search,
            )
        )
        if len(rows) >= 5000:
            Contact.objects.bulk_create(rows)
            rows = []
    if rows:
        Contact.objects.bulk_create(rows)
