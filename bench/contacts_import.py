"""Contact import vs PostgreSQL's own COPY, same file, same run, same machine.

    source <(grep export /tmp/services.out)   # or let DATABASE_URL point at your server
    DEBUG=1 .venv/bin/python bench/contacts_import.py --rows 100000

1. Writes a realistic N-row UTF-8 CSV deterministically (Japanese names and kana, e-mails,
   phones in many spellings, postal codes, 和暦 dates, companies, customer codes; ~2% of
   the rows repeat an earlier person with a different spelling, as exports do).
2. Baseline: psql's `\\copy … FROM file CSV HEADER` into a plain table (text columns, no
   indexes, no constraints), timed as psql's own wall-clock time in a child process.
3. `python manage.py import_contacts --tenant bench FILE` in a child process (the same code
   the Celery job runs), into a tenant emptied first: wall-clock time, and peak RSS from
   os.wait4's rusage of that child.
4. With --seed-demo: `python manage.py seed_demo --tenant bench-seed --contacts N` in a
   child process into an emptied tenant, timed the same way (ratio against the same COPY).
5. Prints a JSON line with the figures, the ratios, the server's memory/WAL settings and the
   load average before and after (goal: import <= 3x COPY, RSS < 1 GiB).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = [
    "顧客コード",
    "氏名",
    "フリガナ",
    "会社名",
    "メールアドレス",
    "電話番号",
    "携帯電話",
    "郵便番号",
    "都道府県",
    "住所",
    "生年月日",
    "性別",
]
LAST = [
    ("佐藤", "さとう"),
    ("鈴木", "スズキ"),
    ("高橋", "ﾀｶﾊｼ"),
    ("田中", "たなか"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "やまもと"),
    ("中村", "ナカムラ"),
    ("小林", "こばやし"),
    ("加藤", "カトウ"),
    ("吉田", "ﾖｼﾀﾞ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("松本", "まつもと"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
]
FIRST = [
    ("太郎", "タロウ"),
    ("花子", "はなこ"),
    ("健一", "ｹﾝｲﾁ"),
    ("由美", "ユミ"),
    ("翔太", "しょうた"),
    ("美咲", "ミサキ"),
    ("大輔", "ダイスケ"),
    ("陽子", "ようこ"),
    ("拓也", "タクヤ"),
    ("愛", "アイ"),
    ("誠", "まこと"),
    ("恵子", "ケイコ"),
]
POSTAL = [
    ("1000001", "東京都", "千代田区千代田"),
    ("5300001", "大阪府", "大阪市北区梅田"),
    ("4600008", "愛知県", "名古屋市中区栄"),
    ("0600001", "北海道", "札幌市中央区北一条西"),
    ("9800021", "宮城県", "仙台市青葉区中央"),
    ("8120011", "福岡県", "福岡市博多区博多駅前"),
    ("2310023", "神奈川県", "横浜市中区山下町"),
    ("6008216", "京都府", "京都市下京区東塩小路町"),
]
COMPANIES = [f"株式会社サンプル{n:03d}" for n in range(500)] + [""] * 500


def phone_spelling(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:7], digits[7:]
    style = rng.randrange(5)
    if style == 0:
        return f"{a}-{b}-{c}"
    if style == 1:
        return digits
    if style == 2:
        return f"+81 {a[1:]}-{b}-{c}"
    if style == 3:
        return f"{a}({b}){c}"
    return f"{a}-{b}-{c}".translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))


def generate(path: Path, rows: int) -> None:
    rng = random.Random(20261122)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(rows):
            person = i
            if i > 100 and rng.random() < 0.02:
                person = rng.randrange(i)  # the same person again, spelled differently
            prng = random.Random(person)
            (last, last_kana), (first, first_kana) = prng.choice(LAST), prng.choice(FIRST)
            postal, pref, city = prng.choice(POSTAL)
            mobile = f"090{10**7 + person % (9 * 10**7):08d}"
            fixed = f"03{10**7 + (person * 7919) % (9 * 10**7):08d}"
            year = 1940 + prng.randrange(60)
            birth = (
                f"{year}/{prng.randrange(1, 13)}/{prng.randrange(1, 29)}"
                if prng.random() < 0.7
                else f"S{max(year - 1925, 2)}.{prng.randrange(1, 13)}.{prng.randrange(1, 29)}"
            )
            writer.writerow(
                [
                    f"C{person:08d}" if prng.random() < 0.5 else "",
                    f"{last}{rng.choice(' 　')}{first}",
                    f"{last_kana} {first_kana}",
                    prng.choice(COMPANIES),
                    f"user{person:07d}@example{person % 7}.co.jp"
                    if i % 3 or person != i
                    else f"USER{person:07d}@EXAMPLE{person % 7}.CO.JP",
                    phone_spelling(rng, fixed),
                    phone_spelling(rng, mobile),
                    postal if rng.random() < 0.5 else f"〒{postal[:3]}-{postal[3:]}",
                    pref if rng.random() < 0.5 else "",
                    f"{city}{prng.randrange(1, 9)}-{prng.randrange(1, 30)}",
                    birth,
                    prng.choice(["男性", "女性", "", "M", "F"]),
                ]
            )


# A child forked from this (possibly large) process starts with this process's pages counted
# in its RSS, and Linux keeps that high-water mark across exec. So children are started by a
# small launcher process, whose own children start small: their ru_maxrss is theirs alone.
LAUNCHER = (
    "import os, sys, subprocess\n"
    "p = subprocess.Popen(sys.argv[1:])\n"
    "_pid, status, usage = os.wait4(p.pid, 0)\n"
    "sys.stderr.write(f'\\nPEAK_RSS_KIB={usage.ru_maxrss}\\n')\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def timed_child(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in bytes of `cmd` alone (through LAUNCHER), and its stdout."""
    err_path = Path(tempfile.mkstemp(prefix="bench-child-err-")[1])
    wrapped = ["sh", "-c", f'"$@" 2>{err_path}', "sh", sys.executable, "-c", LAUNCHER, *cmd]
    try:
        seconds, _launcher_rss, out = _run_child(wrapped, env)
        text = err_path.read_text(errors="replace")
    finally:
        err_path.unlink()
    peak = [line for line in text.splitlines() if line.startswith("PEAK_RSS_KIB=")]
    return seconds, int(peak[-1].split("=")[1]) * 1024 if peak else 0, out


def _run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in bytes (via wait4) and its stdout."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - read back below, closed by GC
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    out.seek(0)
    text = out.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{text}\n{err}")
    return elapsed, usage.ru_maxrss * 1024, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the CSV and the contacts")
    parser.add_argument(
        "--seed-demo", action="store_true", help="also time seed_demo for the same row count"
    )
    parser.add_argument("--no-import", action="store_true", help="COPY and seed_demo only")
    parser.add_argument(
        "--seed-tenant", default="bench-seed", help="tenant slug for --seed-demo (emptied first)"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from django.db import connection

    from contacts.models import Company, Contact
    from crm.core.context import tenant_context
    from crm.core.models import Tenant, User
    from crm.core.services.tenants import tenant_create

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        raise SystemExit("set DATABASE_URL (source <(grep export /tmp/services.out))")

    def emptied_tenant(slug: str, name: str) -> None:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            owner, _ = User.objects.get_or_create(email=f"{slug}@example.com")
            tenant = tenant_create(name=name, owner=owner, slug=slug)
        with tenant_context(tenant):
            Contact.objects.filter(tenant=tenant).delete()
            Company.objects.filter(tenant=tenant).delete()

    # Emptying a tenant of a million contacts through the ORM takes minutes (cascades):
    # a fresh --seed-tenant slug avoids it.
    if not args.no_import:
        emptied_tenant("bench", "Benchmark")
    if args.seed_demo:
        emptied_tenant(args.seed_tenant, "Benchmark seed_demo")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)"
            " FROM unnest(ARRAY['shared_buffers', 'max_wal_size', 'checkpoint_timeout',"
            " 'work_mem', 'maintenance_work_mem']) AS name"
        )
        server_settings = cursor.fetchone()[0]
    connection.close()
    load_before = os.getloadavg()

    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    csv_path = workdir / f"contacts_{args.rows}.csv"
    t0 = time.perf_counter()
    generate(csv_path, args.rows)
    gen_seconds = time.perf_counter() - t0
    size = csv_path.stat().st_size

    env = dict(os.environ)
    columns = ", ".join(f"c{n} text" for n in range(len(HEADER)))
    psql = ["psql", database_url, "-v", "ON_ERROR_STOP=1", "-q"]
    subprocess.run(
        [*psql, "-c", f"DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy ({columns})"],
        check=True,
        env=env,
    )
    copy_seconds, _rss, _ = timed_child(
        [*psql, "-c", f"\\copy bench_copy FROM '{csv_path}' WITH (FORMAT csv, HEADER true)"],
        env,
    )
    subprocess.run([*psql, "-c", "DROP TABLE bench_copy"], check=True, env=env)

    import_seconds, import_rss, summary = 0.0, 0, {}
    if not args.no_import:
        import_seconds, import_rss, output = timed_child(
            [sys.executable, "manage.py", "import_contacts", "--tenant", "bench", str(csv_path)],
            env,
        )
        summary = json.loads(output.strip().splitlines()[-1])
    seed: dict[str, object] = {}
    if args.seed_demo:
        seed_seconds, seed_rss, seed_out = timed_child(
            [
                sys.executable,
                "manage.py",
                "seed_demo",
                "--tenant",
                args.seed_tenant,
                "--contacts",
                str(args.rows),
            ],
            env,
        )
        seed = {
            "seed_demo_s": round(seed_seconds, 2),
            "seed_demo_ratio": round(seed_seconds / copy_seconds, 2),
            "seed_demo_peak_rss_mib": round(seed_rss / 2**20),
            "seed_demo_output": seed_out.strip().splitlines()[-1],
        }
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB",
        "rows": args.rows,
        "file_mb": round(size / 2**20, 1),
        "generate_s": round(gen_seconds, 1),
        "copy_s": round(copy_seconds, 2),
        "import_s": round(import_seconds, 2),
        "ratio": round(import_seconds / copy_seconds, 2),
        "peak_rss_mib": round(import_rss / 2**20),
        "import": summary,
        **seed,
        "server": server_settings,
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "goal": "import <= 3x COPY, peak RSS < 1024 MiB",
    }
    print(json.dumps(result, ensure_ascii=False))
    if not args.keep:
        csv_path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
