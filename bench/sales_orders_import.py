"""Order import vs PostgreSQL's own COPY of the same file, same run, same machine.

    source <(grep export /tmp/services.out)
    DEBUG=1 .venv/bin/python bench/sales_orders_import.py --rows 20000

1. Tenant `bench-orders` with 200 products (P0000…) and 1,000 contacts (C00000…, made once
   through contacts.services; later runs reuse them).
2. A deterministic CSV of N order lines, four lines an order, customers by code (3 in 4) or
   e-mail (1 in 4), order numbers prefixed with this run's id so the first import always
   creates its orders.
3. Baseline: psql `\\copy` of the file into a plain text table (no indexes, no checks).
4. `manage.py import_orders --tenant bench-orders FILE` in a child process: first import,
   then the same file again (nothing new: the ON CONFLICT path). Wall time and peak RSS.
5. Prints one JSON line: the figures and each import's ratio to COPY.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.contacts_import import timed_child  # noqa: E402

HEADER = [
    "受注番号",
    "受注日",
    "顧客コード",
    "メールアドレス",
    "商品コード",
    "数量",
    "単価",
    "値引",
    "税率",
    "チャネル",
]
PRODUCTS, CONTACTS, LINES_PER_ORDER = 200, 1000, 4


def generate(path: Path, rows: int, run_id: str) -> None:
    rng = random.Random(20241201)
    channels = ["店舗", "オンライン", "電話", "営業"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for n in range(rows):
            order = n // LINES_PER_ORDER
            customer = order % CONTACTS
            by_email = order % 4 == 3
            writer.writerow(
                [
                    f"{run_id}-{order:07d}",
                    f"2024/{1 + order % 12}/{1 + order % 28}",
                    "" if by_email else f"C{customer:05d}",
                    f"bench{customer}@example.jp" if by_email else "",
                    f"P{rng.randrange(PRODUCTS):04d}",
                    rng.randint(1, 5),
                    "",
                    rng.choice(["", "", "100"]),
                    "",
                    channels[order % 4],
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from decimal import Decimal

    from django.db import connection

    from contacts.models import Contact
    from contacts.services import contact_create
    from crm.core.context import tenant_context
    from crm.core.models import Tenant, User
    from crm.core.services.tenants import tenant_create
    from sales.catalog.services import product_create
    from sales.models import Product

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        raise SystemExit("set DATABASE_URL (source <(grep export /tmp/services.out))")
    tenant = Tenant.objects.filter(slug="bench-orders").first()
    if tenant is None:
        owner, _ = User.objects.get_or_create(email="bench-orders@example.com")
        tenant = tenant_create(name="Benchmark orders", owner=owner, slug="bench-orders")
    with tenant_context(tenant):
        have = set(Product.objects.values_list("code", flat=True))
        for n in range(PRODUCTS):
            if f"P{n:04d}" not in have:
                rate = "8" if n % 3 == 0 else "10"
                product_create(
                    tenant=tenant,
                    code=f"P{n:04d}",
                    name=f"商品{n}",
                    unit_price=Decimal(100 + n * 7),
                    tax_rate=rate,
                )
        codes = set(Contact.objects.values_list("customer_code", flat=True))
        for n in range(CONTACTS):
            if f"C{n:05d}" not in codes:
                contact_create(
                    tenant=tenant,
                    last_name="顧客",
                    first_name=str(n),
                    customer_code=f"C{n:05d}",
                    email=f"bench{n}@example.jp",
                )
    connection.close()
    load_before = os.getloadavg()
    run_id = f"R{int(time.time())}"
    workdir = Path(tempfile.mkdtemp(prefix="bench-orders-"))
    csv_path = workdir / f"orders_{args.rows}.csv"
    generate(csv_path, args.rows, run_id)
    env = dict(os.environ)
    psql = ["psql", database_url, "-v", "ON_ERROR_STOP=1", "-q"]
    columns = ", ".join(f"c{n} text" for n in range(len(HEADER)))
    subprocess.run(
        [
            *psql,
            "-c",
            f"DROP TABLE IF EXISTS bench_orders_copy; CREATE TABLE bench_orders_copy ({columns})",
        ],
        check=True,
        env=env,
    )
    copy_seconds, _rss, _ = timed_child(
        [*psql, "-c", f"\\copy bench_orders_copy FROM '{csv_path}' WITH (FORMAT csv, HEADER true)"],
        env,
    )
    subprocess.run([*psql, "-c", "DROP TABLE bench_orders_copy"], check=True, env=env)
    command = [
        sys.executable,
        "manage.py",
        "import_orders",
        "--tenant",
        "bench-orders",
        str(csv_path),
    ]
    first_seconds, first_rss, first_out = timed_child(command, env)
    again_seconds, again_rss, again_out = timed_child(command, env)
    first = json.loads(first_out.strip().splitlines()[-1])
    again = json.loads(again_out.strip().splitlines()[-1])
    csv_path.unlink()
    workdir.rmdir()
    print(
        json.dumps(
            {
                "rows": args.rows,
                "copy_s": round(copy_seconds, 2),
                "import_s": round(first_seconds, 2),
                "import_peak_rss_mb": round(first_rss / 2**20),
                "import_vs_copy": round(first_seconds / copy_seconds, 1),
                "reimport_s": round(again_seconds, 2),
                "reimport_vs_copy": round(again_seconds / copy_seconds, 1),
                "reimport_peak_rss_mb": round(again_rss / 2**20),
                "first": first,
                "again": again,
                "load_before": [round(x, 1) for x in load_before],
                "load_after": [round(x, 1) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
