"""The inbound SMTP server: an aiosmtpd handler in front of `inbound.deliver`.

    python -m support.mail.smtpd --port 2525 [--host 127.0.0.1]

RCPT names the tenant (`<slug>@<domain>` or `<slug>+<mail_key>@<domain>`, domain from
SUPPORT_INBOUND_DOMAIN, default inbound.localhost); anything else is refused with 550 at
RCPT time, so a sender learns at once. DATA runs the one inbound code path in a worker
thread (the ORM is synchronous) and answers 250 with the ticket number, 550 for a mail
without a readable sender, 451 (try again later) when storing failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import logging
import os
import signal
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("support.mail.smtpd")

DEFAULT_PORT = 2525
MAX_MESSAGE_BYTES = 50 * 1024 * 1024


def _in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    from django.db import close_old_connections, connections

    close_old_connections()
    try:
        return fn(*args)
    finally:
        # Each mail leaves no connection behind (a long-lived server, and test databases
        # that must be dropped at the end of a run).
        connections.close_all()


class InboundHandler:
    def __init__(self, workers: int = 4) -> None:
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inbound")

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        return await loop.run_in_executor(self.executor, ctx.run, _in_thread, fn, *args)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        from .inbound import recipient_tenant

        found = await self._run(recipient_tenant, address)
        if found is None:
            return f"550 5.1.1 <{address}>: no support mailbox here (unknown tenant or domain)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        from .inbound import InboundRejected, deliver

        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            results = await self._run(deliver, raw, list(envelope.rcpt_tos))
        except InboundRejected as exc:
            return f"550 5.6.0 {exc.message}"
        except Exception:  # noqa: BLE001 - the sender keeps the mail and retries
            log.exception("storing an inbound mail failed")
            return "451 4.3.0 could not store the mail now; try again later"
        numbers = ", ".join(f"#{r.ticket.number}" for r in results)
        return f"250 OK {numbers}".rstrip()


def controller(*, host: str, port: int) -> Any:
    from aiosmtpd.controller import Controller

    return Controller(
        InboundHandler(),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        decode_data=False,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Inbound SMTP server for support mail")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("SUPPORT_SMTP_PORT", DEFAULT_PORT))
    )
    parser.add_argument("--host", default=os.environ.get("SUPPORT_SMTP_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    # aiosmtpd logs every SMTP command at INFO; keep its warnings and errors only.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = controller(host=args.host, port=args.port)
    server.start()
    print(f"[crm] support inbound SMTP on {args.host}:{args.port}", flush=True)
    stop: list[int] = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    try:
        while not stop:
            signal.pause()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
