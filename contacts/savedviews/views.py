"""Saved view pages: "Save as view" from the list, rename / share, replace the conditions
with the list's current ones, delete after a confirmation page. Opening a view is the list
itself: /contacts/?view=<id>. Only a view's owner can change it; anybody else (another
user for a private view, another tenant always) gets 404."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.http import TenantRequest
from crm.core.permissions import require_perm

from . import selectors, services


def _list_url(querystring: str = "", **extra: str) -> str:
    url = reverse("contacts:list")
    parts = [p for p in (querystring, urlencode(extra) if extra else "") if p]
    return f"{url}?{'&'.join(parts)}" if parts else url


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_POST
@require_perm("contacts.view")
def savedview_create(request: TenantRequest) -> HttpResponse:
    conditions = request.POST.get("conditions", "")
    name = request.POST.get("name", "")
    try:
        view = services.saved_view_create(
            tenant=request.tenant,
            owner=request.user,
            name=name,
            params=QueryDict(conditions),
            is_shared=request.POST.get("is_shared") == "on",
            membership=request.membership,
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
        # Back to the same list with the name still typed in the form.
        return redirect(_list_url(conditions, save_name=name[:100]))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_list_url(view=str(view.pk)))


@require_perm("contacts.view")
def savedview_edit(request: TenantRequest, view_id: int) -> HttpResponse:
    view = selectors.access_saved_view(
        tenant=request.tenant, view_id=view_id, user_id=request.user.pk, own=True
    )
    name = view.name
    is_shared = view.is_shared
    error = ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        is_shared = request.POST.get("is_shared") == "on"
        try:
            services.saved_view_update(
                tenant=request.tenant,
                view=view,
                name=name,
                is_shared=is_shared,
                actor=request.user,
            )
        except ValidationError as exc:
            error = _messages_of(exc)
        else:
            messages.success(request, _("View saved."))
            return redirect(_list_url(view=str(view.pk)))
    return render(
        request,
        "contacts/savedviews/edit.html",
        {"view": view, "name": name, "is_shared": is_shared, "error": error},
        status=400 if error else 200,
    )


@require_POST
@require_perm("contacts.view")
def savedview_update(request: TenantRequest, view_id: int) -> HttpResponse:
    """Replace the view's conditions with those of the list it was posted from."""
    view = selectors.access_saved_view(
        tenant=request.tenant, view_id=view_id, user_id=request.user.pk, own=True
    )
    conditions = request.POST.get("conditions", "")
    try:
        services.saved_view_update_conditions(
            tenant=request.tenant,
            view=view,
            params=QueryDict(conditions),
            membership=request.membership,
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
        return redirect(_list_url(conditions))
    messages.success(request, _("View “%(name)s” now has these conditions.") % {"name": view.name})
    return redirect(_list_url(view=str(view.pk)))


@require_perm("contacts.view")
def savedview_delete(request: TenantRequest, view_id: int) -> HttpResponse:
    """GET: asks first. POST: deletes."""
    view = selectors.access_saved_view(
        tenant=request.tenant, view_id=view_id, user_id=request.user.pk, own=True
    )
    if request.method == "POST":
        services.saved_view_delete(tenant=request.tenant, view=view, actor=request.user)
        messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
        return redirect("contacts:list")
    return render(request, "contacts/savedviews/delete.html", {"view": view})
