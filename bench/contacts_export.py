"""Contact export vs PostgreSQL's own COPY TO, same rows, same run, same machine.

    source <(grep export /tmp/services.out)   # or let DATABASE_URL point at your server
    DEBUG=1 .venv/bin/python bench/contacts_export.py --rows 100000
    (CRM_DB_NAME=<database> runs it on another migrated database, e.g. a test database kept
    with `crm.launcher test … --reuse-db`.)

1. Fills the tenant `bench-export` (its own tenant: the import benchmark empties `bench`)
   with N contacts by importing bench/contacts_import.py's deterministic CSV (skipped when
   the tenant already holds N contacts), plus three custom fields set on every row.
2. Baseline: psql's `\\copy (SELECT * FROM contacts_contact WHERE tenant_id = …) TO file CSV`
   in a child process (every column, no joins, no formatting), psql's wall-clock time.
3. `python manage.py export_contacts --tenant bench-export --format F --output FILE` in a
   child process for csv, csv --encoding cp932, xlsx and jsonl: wall-clock time, peak RSS
   from os.wait4's rusage of that child (started by a small launcher, so the figure is
   the command's own), file size.
   The same command exporting no row gives the process's peak RSS before any data.
4. Prints a JSON line with the figures and each format's ratio to COPY.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.contacts_import import generate, timed_child  # noqa: E402

SLUG = "bench-export"
FORMATS = [("csv", "utf-8"), ("csv", "cp932"), ("xlsx", "utf-8"), ("jsonl", "utf-8")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from django.db import connection

    from contacts.models import Company, Contact
    from crm.core.context import tenant_context
    from crm.core.models import Tenant, User
    from crm.core.services.customfields import customfield_create

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        raise SystemExit("set DATABASE_URL (source <(grep export /tmp/services.out))")
    if os.environ.get("CRM_DB_NAME"):  # the database settings.py uses, for psql too
        database_url = database_url.rsplit("/", 1)[0] + "/" + os.environ["CRM_DB_NAME"]
    from crm.core.services.tenants import tenant_create

    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        owner, _ = User.objects.get_or_create(email="bench-export@example.com")
        tenant = tenant_create(name="Export benchmark", owner=owner, slug=SLUG)
    env = dict(os.environ)
    workdir = Path(tempfile.mkdtemp(prefix="bench-export-"))
    with tenant_context(tenant):
        have = Contact.objects.filter(tenant=tenant, deleted_at=None).count()
    fill_seconds = 0.0
    if have != args.rows:
        with tenant_context(tenant):
            Contact.objects.filter(tenant=tenant).delete()
            Company.objects.filter(tenant=tenant).delete()
            for key, kind, extra in (
                ("rank", "select", {"choices": ["ゴールド", "シルバー", "ブロンズ"]}),
                ("visits", "integer", {}),
                ("memo", "text", {}),
            ):
                if not _has_field(tenant, key):
                    customfield_create(
                        tenant=tenant,
                        object_type="contact",
                        key=key,
                        field_type=kind,
                        label=key,
                        **extra,
                    )
        connection.close()
        csv_path = workdir / "source.csv"
        generate(csv_path, args.rows)
        t0 = time.perf_counter()
        timed_child(
            [sys.executable, "manage.py", "import_contacts", "--tenant", SLUG, str(csv_path)], env
        )
        csv_path.unlink()
        fill_seconds = time.perf_counter() - t0
        with tenant_context(tenant):
            have = Contact.objects.filter(tenant=tenant, deleted_at=None).count()
    with tenant_context(tenant), connection.cursor() as cursor:
        # Every row gets custom field values (one in three a formula-looking memo).
        cursor.execute(
            "UPDATE contacts_contact SET custom_fields = jsonb_build_object("
            "'rank', (ARRAY['ゴールド','シルバー','ブロンズ'])[1 + id %% 3],"
            " 'visits', id %% 50, 'memo', CASE WHEN id %% 3 = 0 THEN '=備考 ' ELSE '備考 ' END"
            " || id) WHERE tenant_id = %s AND NOT custom_fields ? 'rank'",
            [tenant.pk],
        )
    connection.close()

    baseline = workdir / "copy.csv"
    psql = ["psql", database_url, "-v", "ON_ERROR_STOP=1", "-q"]
    copy_seconds, _rss, _ = timed_child(
        [
            *psql,
            "-c",
            f"SELECT set_config('app.tenant_id', '{tenant.pk}', false)",
            "-c",
            f"\\copy (SELECT * FROM contacts_contact WHERE tenant_id = {tenant.pk}"
            f" AND deleted_at IS NULL ORDER BY id DESC) TO '{baseline}' WITH (FORMAT csv,"
            " HEADER true)",
        ],
        env,
    )
    # The same command exporting nothing: what the process needs before any row.
    _s, idle_rss, _ = timed_child(
        [sys.executable, "manage.py", "export_contacts", "--tenant", SLUG, "--format", "csv"]
        + ["--query", "q=存在しない名前", "--output", os.devnull],
        env,
    )
    figures = {}
    for fmt, encoding in FORMATS:
        target = workdir / f"export.{fmt}"
        seconds, rss, _ = timed_child(
            [
                sys.executable,
                "manage.py",
                "export_contacts",
                "--tenant",
                SLUG,
                "--format",
                fmt,
                "--encoding",
                encoding,
                "--output",
                str(target),
            ],
            env,
        )
        name = fmt if encoding == "utf-8" else f"{fmt}_{encoding}"
        figures[name] = {
            "s": round(seconds, 2),
            "ratio": round(seconds / copy_seconds, 1),
            "rows_per_s": round(have / seconds),
            "peak_rss_mib": round(rss / 2**20),
            "file_mb": round(target.stat().st_size / 2**20, 1),
        }
        target.unlink()
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB",
        "load_avg_1m": round(os.getloadavg()[0], 1),
        "rows": have,
        "fill_s": round(fill_seconds, 1),
        "copy_s": round(copy_seconds, 2),
        "copy_file_mb": round(baseline.stat().st_size / 2**20, 1),
        "empty_export_peak_rss_mib": round(idle_rss / 2**20),
        "exports": figures,
    }
    baseline.unlink()
    workdir.rmdir()
    print(json.dumps(result, ensure_ascii=False))


def _has_field(tenant: object, key: str) -> bool:
    from crm.core.models import CustomFieldDefinition

    return CustomFieldDefinition.objects.filter(
        tenant=tenant, object_type="contact", key=key
    ).exists()


if __name__ == "__main__":
    main()
