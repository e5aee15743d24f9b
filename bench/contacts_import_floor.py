"""The floor under any contact import: COPY of rows that are already normalized, deduplicated
and carry their search vector, straight into a table shaped like contacts_contact with its
indexes; against the import bench's own baseline (psql's `\\copy` of the raw 12-column file
into a plain table), same run, same machine.

    source <(grep export /tmp/services.out)
    DEBUG=1 .venv/bin/python bench/contacts_import_floor.py --rows 1000000

No import can be faster than this floor: it skips reading and normalizing the file, the
duplicate matching, row-level security, the foreign keys and the trigger, and keeps only
the work PostgreSQL must do to store the rows in a table with contact search's indexes.
So `floor ÷ baseline` is the best ratio any import code could reach with this schema on
this machine (the issue's goal for the import is 3×).

1. Writes bench/contacts_import.py's 1M-row CSV and times `\\copy` of it into a plain table
   of 12 text columns (the baseline the import bench uses).
2. Writes --rows stored contacts of --db/--tenant (a scratch DB with at least that many
   contacts, e.g. bench/contacts_search.py's crm_bench_search) to a CSV with every column
   (`COPY … TO`, search vector included).
3. Times `\\copy` of that file into fresh tables `LIKE contacts_contact`: (a) with every
   index of contacts_contact, (b) the same without the GIN index on the search vector,
   (c) with the primary key only.
4. Prints one JSON object on its last line. The scratch tables and files are removed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.contacts_import import HEADER, generate  # noqa: E402


def db_url(base: str, name: str) -> str:
    head, _, tail = base.partition("?")
    prefix = head.rsplit("/", 1)[0]
    return f"{prefix}/{name}" + (f"?{tail}" if tail else "")


def psql(url: str, *commands: str) -> str:
    """Each command as its own -c (psql runs them in order in one session)."""
    out = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtX", *(f"-c{c}" for c in commands)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def timed(url: str, sql: str) -> float:
    start = time.perf_counter()
    psql(url, sql)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default="crm_bench_search")
    parser.add_argument("--tenant", default="search-bench")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        raise SystemExit("set DATABASE_URL (source <(grep export /tmp/services.out))")
    url = db_url(base, args.db)
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    raw = work / "raw.csv"
    stored = work / "stored.csv"
    result: dict[str, object] = {"rows": args.rows, "db": args.db}
    try:
        generate(raw, args.rows)
        columns = ", ".join(f"c{n} text" for n in range(len(HEADER)))
        psql(url, f"DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy ({columns})")
        result["baseline_copy_s"] = timed(
            url, f"\\copy bench_copy FROM '{raw}' WITH (FORMAT csv, HEADER true)"
        )
        tenant_id = psql(url, f"SELECT id FROM core_tenant WHERE slug = '{args.tenant}'")
        if not tenant_id:
            raise SystemExit(f"no tenant {args.tenant!r} in {args.db}")
        # Row-level security is forced on contacts_contact: read it as the tenant.
        psql(
            url,
            f"SELECT set_config('app.tenant_id', '{tenant_id}', false)",
            f"\\copy (SELECT * FROM contacts_contact WHERE tenant_id = {tenant_id}"
            f" ORDER BY id LIMIT {args.rows}) TO '{stored}' WITH (FORMAT csv)",
        )
        got = int(
            subprocess.run(
                ["wc", "-l", str(stored)], capture_output=True, text=True
            ).stdout.split()[0]
        )
        if got < args.rows:
            raise SystemExit(f"{args.db} holds only {got} contacts of {args.tenant}")
        result["stored_file_mb"] = round(stored.stat().st_size / 1e6, 1)
        gin = psql(
            url,
            "SELECT string_agg(indexname, ',') FROM pg_indexes WHERE tablename = "
            "'contacts_contact' AND indexdef LIKE '%gin (search_vector%'",
        )
        variants = {
            "all_indexes": "INCLUDING DEFAULTS INCLUDING INDEXES",
            "without_search_gin": "INCLUDING DEFAULTS INCLUDING INDEXES",
            "primary_key_only": "INCLUDING DEFAULTS",
        }
        for name, like in variants.items():
            psql(
                url,
                "DROP TABLE IF EXISTS bench_floor;"
                f" CREATE TABLE bench_floor (LIKE contacts_contact {like})",
            )
            if name == "without_search_gin":
                for index in psql(
                    url,
                    "SELECT string_agg(indexname, ',') FROM pg_indexes WHERE tablename = "
                    "'bench_floor' AND indexdef LIKE '%gin (search_vector%'",
                ).split(","):
                    if index:
                        psql(url, f"DROP INDEX {index}")
            if name == "primary_key_only":
                psql(url, "ALTER TABLE bench_floor ADD PRIMARY KEY (id)")
            indexes = int(
                psql(url, "SELECT count(*) FROM pg_indexes WHERE tablename = 'bench_floor'")
            )
            seconds = timed(url, f"\\copy bench_floor FROM '{stored}' WITH (FORMAT csv)")
            result[name] = {
                "indexes": indexes,
                "seconds": round(seconds, 2),
                "ratio": round(seconds / float(result["baseline_copy_s"]), 1),  # type: ignore[arg-type]
            }
        result["search_gin_index"] = gin
        result["baseline_copy_s"] = round(float(result["baseline_copy_s"]), 2)  # type: ignore[arg-type]
    finally:
        psql(url, "DROP TABLE IF EXISTS bench_floor; DROP TABLE IF EXISTS bench_copy")
        for path in (raw, stored):
            path.unlink(missing_ok=True)
        work.rmdir()
    result["load_before"] = [round(x, 2) for x in load_before]
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
