"""Dashboard pages and the widgets' JSON; the notification bell and page.

Views only parse, look up through the access helpers (another tenant's or another user's
dashboard is 404), call a service and render. The page itself draws no widget data: each card
fetches its own JSON, so one slow or broken widget never holds up or breaks the page."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..models.notifications import Notification
from ..permissions import request_role, require_perm
from ..services import notifications as notification_services
from . import selectors, services, widgets_for
from .models import Dashboard

NOTIFICATIONS_PAGE = 30
MENU_SIZE = 10


def _widget_url(key: str) -> str:
    return reverse("dashboards:widget_data", kwargs={"key": key})


def _catalogue(role: str | None) -> list[dict[str, str]]:
    return [
        {
            "key": w.key,
            "title": str(w.title),
            "description": str(w.description),
            "kind": w.kind,
            "size": w.size,
            "url": _widget_url(w.key),
        }
        for w in widgets_for(role)
    ]


def _js_text() -> dict[str, str]:
    """What static/js/dashboard.js says, in the viewer's language."""
    return {
        "lang": get_language() or "ja",
        "error": _("This widget could not be loaded. Try again later."),
        "empty": _("Nothing to show yet."),
        "more": _("See all"),
        "add": pgettext("dashboard", "Add"),
        "added": _("%(title)s added."),
        "removed": _("%(title)s removed."),
        "moved": _("%(title)s is now at position %(n)s."),
        "saved": _("Dashboard saved."),
        "saveFailed": _("The dashboard could not be saved. Check your connection and try again."),
        "unsaved": _("Your changes to the dashboard are not saved yet."),
    }


def dashboard_page(request: HttpRequest, dashboard_id: int | None = None) -> HttpResponse:
    """The viewer's default dashboard (the home page) or one chosen by id: their own
    (editable) or one published to their team (read-only, drawn with the viewer's data).
    A fixed number of queries: own dashboards, team dashboards, and on a first visit the
    creation of the default."""
    tenant, user, membership = request.tenant, request.user, request.membership  # type: ignore[attr-defined]
    role = request_role(request)
    own = list(selectors.own_dashboards(tenant=tenant, user=user))
    team = list(selectors.team_dashboards(tenant=tenant, membership=membership))
    current: Dashboard | None
    if dashboard_id is None:
        current = next((d for d in own if d.is_default), None)
        if current is None:
            current = services.dashboard_ensure_default(tenant=tenant, user=user, role=role)
            own = [d for d in own if d.pk != current.pk] + [current]
        editable = True
    else:
        current = next((d for d in own if d.pk == dashboard_id), None)
        editable = current is not None
        if current is None:
            current = next((d for d in team if d.pk == dashboard_id), None)
        if current is None:
            raise Http404
    catalogue = _catalogue(role)
    by_key = {w["key"]: w for w in catalogue}
    cards = [
        {**by_key[item["key"]], "size": item.get("size") or by_key[item["key"]]["size"]}
        for item in current.layout
        if item.get("key") in by_key  # a widget the role lost, or an app removed
    ]
    return render(
        request,
        "core/home.html",
        {
            "dashboard": current,
            "editable": editable,
            "own_dashboards": own,
            "team_dashboards": team,
            "cards": cards,
            "catalogue": catalogue,
            "can_publish": services.can_publish(role),
            "max_widgets": services.MAX_WIDGETS,
            "js_text": _js_text(),
        },
    )


@require_perm("app.use")
@require_GET
def dashboard_view(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    return dashboard_page(request, dashboard_id)


def _errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _back(request: HttpRequest, dashboard: Dashboard | None = None) -> HttpResponse:
    if dashboard is not None:
        return redirect("dashboards:view", dashboard_id=dashboard.pk)
    return redirect("home")


@require_perm("app.use")
@require_POST
def dashboard_create(request: HttpRequest) -> HttpResponse:
    try:
        dashboard = services.dashboard_create(
            tenant=request.tenant,  # type: ignore[attr-defined]
            user=request.user,
            role=request_role(request),
            name=request.POST.get("name", ""),
        )
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
        return _back(request)
    messages.success(request, _("Dashboard %(name)s created.") % {"name": dashboard.name})
    return _back(request, dashboard)


def _own(request: HttpRequest, dashboard_id: int) -> Dashboard:
    return selectors.access_own_dashboard(
        tenant=request.tenant,  # type: ignore[attr-defined]
        user=request.user,
        dashboard_id=dashboard_id,
    )


@require_perm("app.use")
@require_POST
def dashboard_save(request: HttpRequest, dashboard_id: int) -> JsonResponse:
    """The edit mode's save: JSON {"layout": [{"key", "size"}...], "name"?}. Bad input
    answers 400 with the messages per field and stores nothing."""
    dashboard = _own(request, dashboard_id)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or "layout" not in body:
        return JsonResponse(
            {"errors": {"layout": [_('Send JSON with the layout: {"layout": [...]}.')]}},
            status=400,
        )
    try:
        services.dashboard_update(
            tenant=request.tenant,  # type: ignore[attr-defined]
            dashboard=dashboard,
            role=request_role(request),
            name=body.get("name"),
            layout=body["layout"],
        )
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)
    return JsonResponse(
        {
            "id": dashboard.pk,
            "name": dashboard.name,
            "layout": dashboard.layout,
            "message": _("Dashboard saved."),
        }
    )


@require_perm("app.use")
@require_POST
def dashboard_rename(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    dashboard = _own(request, dashboard_id)
    try:
        services.dashboard_update(
            tenant=request.tenant,  # type: ignore[attr-defined]
            dashboard=dashboard,
            role=request_role(request),
            name=request.POST.get("name", ""),
        )
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("Dashboard renamed."))
    return _back(request, dashboard)


@require_perm("app.use")
@require_POST
def dashboard_publish(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    dashboard = _own(request, dashboard_id)
    publish = request.POST.get("published") == "1"
    try:
        services.dashboard_update(
            tenant=request.tenant,  # type: ignore[attr-defined]
            dashboard=dashboard,
            role=request_role(request),
            published_to_team=publish,
        )
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(
            request,
            _("Your team now sees this dashboard.")
            if publish
            else _("This dashboard is no longer shown to your team."),
        )
    return _back(request, dashboard)


@require_perm("app.use")
@require_POST
def dashboard_make_default(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    dashboard = _own(request, dashboard_id)
    services.dashboard_update(
        tenant=request.tenant,  # type: ignore[attr-defined]
        dashboard=dashboard,
        role=request_role(request),
        is_default=True,
    )
    messages.success(request, _("This dashboard now opens on the home page."))
    return redirect("home")


@require_perm("app.use")
@require_POST
def dashboard_delete(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    dashboard = _own(request, dashboard_id)
    services.dashboard_delete(tenant=request.tenant, dashboard=dashboard)  # type: ignore[attr-defined]
    messages.success(request, _("Dashboard %(name)s deleted.") % {"name": dashboard.name})
    return redirect("home")


@require_perm("app.use")
@require_POST
def dashboard_copy(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    source, _editable = selectors.access_dashboard(
        tenant=request.tenant,  # type: ignore[attr-defined]
        user=request.user,
        membership=request.membership,  # type: ignore[attr-defined]
        dashboard_id=dashboard_id,
    )
    copy = services.dashboard_copy(
        tenant=request.tenant,  # type: ignore[attr-defined]
        dashboard=source,
        user=request.user,
        role=request_role(request),
    )
    messages.success(request, _("Copied as %(name)s; it is yours to change.") % {"name": copy.name})
    return _back(request, copy)


@require_perm("app.use")
@require_GET
def widget_data(request: HttpRequest, key: str) -> JsonResponse:
    """One widget's payload for the viewer. 404 for an unknown key or a widget the role may
    not see; a widget that fails answers 500 with a message its card shows."""
    role = request_role(request)
    widget = selectors.visible_widget(key, role)
    ctx = selectors.widget_context(
        tenant=request.tenant,  # type: ignore[attr-defined]
        user=request.user,
        membership=request.membership,  # type: ignore[attr-defined]
        role=role,
    )
    answer, ok = selectors.widget_payload(widget, ctx)
    return JsonResponse(answer, status=200 if ok else 500)


# --- notifications ----------------------------------------------------------------------------
def safe_local_url(url: str) -> str:
    """The link if it is a path on this site ("/sales/deals/1/"), else "". A notification's
    url is written by code, but it is followed on a click: never to another host."""
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return ""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in url):
        return ""
    return url


def _user(request: HttpRequest) -> Any:
    return request.user


def _unread_count(request: HttpRequest) -> int:
    # Bounded: the badge says "99+" past 99, so counting stops at 100 rows.
    return notification_services.unread(request.tenant, _user(request))[:100].count()  # type: ignore[attr-defined]


@require_perm("app.use")
@require_GET
def notifications_badge(request: HttpRequest) -> HttpResponse:
    return render(
        request, "core/notifications_badge.html", {"unread_count": _unread_count(request)}
    )


def _menu(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    qs = Notification.objects.filter(tenant=tenant, user=_user(request)).order_by("-id")
    return render(request, "core/notifications_menu.html", {"notifications": list(qs[:MENU_SIZE])})


@require_perm("app.use")
@require_GET
def notifications_menu(request: HttpRequest) -> HttpResponse:
    """The bell's dropdown: the latest ten, loaded by htmx when it opens."""
    return _menu(request)


@require_perm("app.use")
@require_GET
def notifications_page(request: HttpRequest) -> HttpResponse:
    """Newest first, keyset pages on id (?before=<id>): the same cost at any depth."""
    qs = Notification.objects.filter(tenant=request.tenant, user=_user(request)).order_by("-id")  # type: ignore[attr-defined]
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(id__lt=int(before))
    rows = list(qs[: NOTIFICATIONS_PAGE + 1])
    page, more = rows[:NOTIFICATIONS_PAGE], len(rows) > NOTIFICATIONS_PAGE
    return render(
        request,
        "core/notifications.html",
        {
            "notifications": page,
            "next_before": page[-1].pk if more and page else None,
            "is_first_page": not before.isdigit(),
        },
    )


@require_perm("app.use")
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Marks the notification read and follows its link (a path on this site only)."""
    found = Notification.objects.filter(
        tenant=request.tenant,  # type: ignore[attr-defined]
        user=_user(request),
        pk=notification_id,
    ).first()
    if found is None:
        raise Http404
    notification_services.mark_read(tenant=request.tenant, user=_user(request), ids=[found.pk])  # type: ignore[attr-defined]
    return redirect(safe_local_url(found.url) or reverse("dashboards:notifications"))


@require_perm("app.use")
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notification_services.mark_read(tenant=request.tenant, user=_user(request))  # type: ignore[attr-defined]
    if request.headers.get("HX-Request"):
        response = _menu(request)
        response["HX-Trigger"] = "crm:notifications-changed"
        return response
    messages.success(request, _("All notifications are marked read."))
    return redirect(
        safe_local_url(request.POST.get("next", "")) or reverse("dashboards:notifications")
    )
