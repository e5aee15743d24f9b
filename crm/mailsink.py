"""Development mail sink: an SMTP server on loopback that stores each message as a file.

`make run` starts it and points Django at it; /dev/mail/ lists what it received."""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class FileHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        name = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}.eml"
        (self.directory / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    controller = Controller(FileHandler(Path(args.dir)), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"[crm] mail sink on 127.0.0.1:{args.port}, storing in {args.dir}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
