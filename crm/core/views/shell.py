from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..middleware import SESSION_TENANT_KEY
from ..permissions import login_only, public, require_perm


@require_perm("app.use")
def home(request: HttpRequest) -> HttpResponse:
    """The viewer's default dashboard (crm.core.dashboards)."""
    from ..dashboards.views import dashboard_page

    return dashboard_page(request)


@login_only
def no_tenant(request: HttpRequest) -> HttpResponse:
    if getattr(request, "tenant", None) is not None:
        return redirect("home")
    return render(request, "core/no_tenant.html")


@login_only
@require_POST
def switch_tenant(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("tenant_id", "")
    for membership in getattr(request, "crm_memberships", []):
        if str(membership.tenant_id) == wanted:
            request.session[SESSION_TENANT_KEY] = membership.tenant_id
            messages.success(request, _("Switched to %(name)s.") % {"name": membership.tenant.name})
            break
    else:
        raise Http404
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "/"
    return redirect(next_url)


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and worker status as JSON; 200 only when all three are up.

    Load balancers call this often, so it stays cheap: one `SELECT 1`, one Redis PING, one
    broadcast ping that returns at the first worker's answer (at most a second), and no
    writes anywhere. A probe that happens to carry a session cookie would still have its
    session's idle clock restarted on the way out (SessionIdleRefreshMiddleware); we detach
    the session so the middlewares leave it, and the cookie, alone."""
    if hasattr(request, "session"):
        del request.session
    status: dict[str, str] = {
        "database": _check(_database_ok),
        "redis": _check(_redis_ok),
        "worker": _worker_status(),
    }
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", **status}, status=200 if healthy else 503
    )


def _check(probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported as text
        return f"down: {exc.__class__.__name__}"
    return "ok"


def _database_ok() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis_ok() -> None:
    client = getattr(cache, "_cache", None)
    if client is not None and hasattr(client, "get_client"):
        client.get_client(write=False).ping()  # Django's RedisCache: a PING, no write
    else:  # another cache backend (tests, local memory): a read is enough
        cache.get("crm:healthz")


def _worker_status() -> str:
    """A broadcast ping over the broker (Redis, with this deployment's key prefix, so only
    our own workers can answer); `limit=1` returns as soon as one worker replies."""
    from crm.celery import app

    try:
        replies = app.control.ping(timeout=1.0, limit=1)
    except Exception as exc:  # noqa: BLE001
        return f"down: {exc.__class__.__name__}"
    return "ok" if replies else "down: no worker answered"


@public
def dev_mail(request: HttpRequest) -> HttpResponse:
    """Development only: the mail the local sink received (DEBUG and the sink configured)."""
    if not (settings.DEBUG and settings.MAIL_SINK_DIR):
        raise Http404
    directory = Path(settings.MAIL_SINK_DIR)
    mails = []
    for path in sorted(directory.glob("*.eml"), reverse=True)[:100]:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain", "html"))
        mails.append(
            {
                "subject": msg["subject"],
                "to": msg["to"],
                "from": msg["from"],
                "date": msg["date"],
                "body": body.get_content() if body is not None else "",
            }
        )
    return render(request, "core/dev_mail.html", {"mails": mails})
