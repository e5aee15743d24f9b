from __future__ import annotations

import random
from typing import Any

from crm.core.models import Tenant

from .models import Contact

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
]
FIRST = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("健一", "ケンイチ"),
    ("由美", "ユミ"),
    ("翔太", "ショウタ"),
    ("美咲", "ミサキ"),
    ("大輔", "ダイスケ"),
    ("陽子", "ヨウコ"),
    ("拓也", "タクヤ"),
    ("愛", "アイ"),
    ("誠", "マコト"),
    ("恵子", "ケイコ"),
]


def seed_contacts(*, tenant: Tenant, contacts: int = 200, **_: Any) -> None:
    rng = random.Random(f"{tenant.slug}-contacts")  # deterministic per tenant
    rows = []
    for i in range(contacts):
        (last, last_kana), (first, first_kana) = rng.choice(LAST), rng.choice(FIRST)
        rows.append(
            Contact(
                tenant=tenant,
                last_name=last,
                first_name=first,
                last_name_kana=last_kana,
                first_name_kana=first_kana,
                email=f"user{i:05d}@example.co.jp",
                phone=f"+8190{rng.randrange(10**7, 10**8)}",
            )
        )
    Contact.objects.bulk_create(rows, batch_size=5000)
