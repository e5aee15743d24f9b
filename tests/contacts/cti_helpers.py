"""Signing webhook requests the way a telephony system does (docs/cti.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

WEBHOOK = "/api/v1/cti/calls/"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    # Written out here rather than imported from the app, so a change to the app's signing
    # that breaks the documented contract fails these tests.
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def signed_headers(slug: str, secret: str, body: bytes, timestamp: int | None = None) -> dict:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/json",
        "X-CRM-Tenant": slug,
        "X-CRM-Timestamp": stamp,
        "X-CRM-Signature": signature(secret, stamp, body),
    }


def post_event(client: Any, slug: str, secret: str, payload: dict, **kw: Any) -> Any:
    """POST a signed event with a Django test client; `kw` may override headers."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = signed_headers(slug, secret, body, kw.pop("timestamp", None))
    headers.update(kw)
    return client.generic(
        "POST",
        WEBHOOK,
        body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )
