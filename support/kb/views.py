"""Agent pages of the FAQ: the article list (search, filters), the editor, preview,
publish/unpublish, delete with confirmation, categories, and "turn this answer into an FAQ
draft" from a resolved inquiry. Views parse, check access, call a service, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.core.http import TenantRequest
from crm.core.permissions import require_perm
from crm.core.roles import has_perm

from . import selectors, services, text
from .models import Article, ArticleStatus

EDIT_FIELDS = ("title_ja", "title_en", "body_ja", "body_en", "category", "slug")


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: list(v) for k, v in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def _can_edit(request: TenantRequest) -> bool:
    return has_perm(request.membership.role, "support.edit")


@require_GET
@require_perm("support.view")
def article_list(request: TenantRequest) -> HttpResponse:
    """Every article (drafts too), newest first or by search rank; keyset `before=<id>`."""
    filters = selectors.article_filters(tenant=request.tenant, params=request.GET)
    qs = selectors.article_list(tenant=request.tenant, filters=filters)
    rows = list(qs[: selectors.PAGE_SIZE + 1])
    more = len(rows) > selectors.PAGE_SIZE and not filters.q
    rows = rows[: selectors.PAGE_SIZE]
    next_query = ""
    if more:
        params = {k: v for k, v in request.GET.items() if v and k != "before"}
        next_query = urlencode({**params, "before": rows[-1].pk})
    return render(
        request,
        "support/kb/list.html",
        {
            "articles": rows,
            "filters": filters,
            "categories": list(selectors.categories(tenant=request.tenant)),
            "statuses": ArticleStatus.choices,
            "next_query": next_query,
            "can_edit": _can_edit(request),
            "filtering": bool(filters.q or filters.status or filters.category or filters.language),
        },
    )


def _form_data(post: Any) -> dict[str, Any]:
    return {name: post.get(name, "") for name in EDIT_FIELDS if name in post}


def _editor(
    request: TenantRequest,
    *,
    article: Article | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    # What the editor shows is always sanitized (what the server would store): typed HTML
    # is never echoed raw, even back to its author.
    bodies = {
        lang: mark_safe(text.sanitize_html(str(values.get(f"body_{lang}", ""))))  # noqa: S308
        for lang in ("ja", "en")
    }
    return render(
        request,
        "support/kb/edit.html",
        {
            "article": article,
            "values": values,
            "bodies": bodies,
            "errors": errors or {},
            "categories": list(selectors.categories(tenant=request.tenant)),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@require_perm("support.edit")
def article_new(request: TenantRequest) -> HttpResponse:
    if request.method == "GET":
        return _editor(request, article=None, values={"category": request.GET.get("category", "")})
    data = _form_data(request.POST)
    publish = request.POST.get("action") == "publish"
    try:
        article = services.article_create(
            tenant=request.tenant,
            actor=request.user,
            status=ArticleStatus.PUBLISHED if publish else ArticleStatus.DRAFT,
            **data,
        )
    except ValidationError as exc:
        return _editor(request, article=None, values=data, errors=_errors(exc), status=400)
    messages.success(request, _("Article published.") if publish else _("Draft saved."))
    return redirect("support:article_edit", article_id=article.pk)


@require_http_methods(["GET", "POST"])
@require_perm("support.edit")
def article_edit(request: TenantRequest, article_id: int) -> HttpResponse:
    article = selectors.access_article(tenant=request.tenant, article_id=article_id)
    if request.method == "GET":
        values = {name: getattr(article, name) for name in EDIT_FIELDS if name != "category"}
        values["category"] = article.category_id or ""
        return _editor(request, article=article, values=values)
    data = _form_data(request.POST)
    action = request.POST.get("action", "save")
    if action == "publish":
        data["status"] = ArticleStatus.PUBLISHED
    elif action == "unpublish":
        data["status"] = ArticleStatus.DRAFT
    try:
        if data.get("status") == ArticleStatus.PUBLISHED:
            article = services.article_update(
                tenant=request.tenant,
                article=article,
                actor=request.user,
                **{k: v for k, v in data.items() if k != "status"},
            )
            article = services.article_set_status(
                tenant=request.tenant,
                article=article,
                status=ArticleStatus.PUBLISHED,
                actor=request.user,
            )
        else:
            article = services.article_update(
                tenant=request.tenant, article=article, actor=request.user, **data
            )
    except ValidationError as exc:
        values = {**data}
        return _editor(request, article=article, values=values, errors=_errors(exc), status=400)
    messages.success(
        request,
        {
            "publish": _("Article published."),
            "unpublish": _("Article unpublished; it is a draft again."),
        }.get(action, _("Article saved.")),
    )
    return redirect("support:article_edit", article_id=article.pk)


@require_GET
@require_perm("support.view")
def article_preview(request: TenantRequest, article_id: int) -> HttpResponse:
    """The article as the portal shows it (drafts too), in either language."""
    article = selectors.access_article(tenant=request.tenant, article_id=article_id)
    lang = request.GET.get("lang") or ("ja" if article.has_language("ja") else "en")
    if lang not in ("ja", "en"):
        lang = "ja"
    return render(
        request,
        "support/kb/preview.html",
        {
            "article": article,
            "lang": lang,
            "title": article.title(lang),
            "body": mark_safe(article.body(lang)),  # noqa: S308 - sanitized on the way in
            "fallback": not article.has_language(lang),
            "can_edit": _can_edit(request),
        },
    )


@require_POST
@require_perm("support.edit")
def article_status(request: TenantRequest, article_id: int) -> HttpResponse:
    article = selectors.access_article(tenant=request.tenant, article_id=article_id)
    status = request.POST.get("status", "")
    try:
        services.article_set_status(
            tenant=request.tenant, article=article, status=status, actor=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Article published.")
            if status == ArticleStatus.PUBLISHED
            else _("Article unpublished; it is a draft again."),
        )
    return redirect(request.POST.get("next") or reverse("support:article_list"))


@require_http_methods(["GET", "POST"])
@require_perm("support.edit")
def article_delete(request: TenantRequest, article_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    article = selectors.access_article(tenant=request.tenant, article_id=article_id)
    if request.method == "GET":
        return render(request, "support/kb/delete.html", {"article": article})
    services.article_delete(tenant=request.tenant, article=article, actor=request.user)
    messages.success(request, _("Article deleted."))
    return redirect("support:article_list")


@require_http_methods(["GET", "POST"])
@require_perm("support.edit")
def category_list(request: TenantRequest) -> HttpResponse:
    """The FAQ's categories; POST adds one."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("name_ja", "name_en", "position")}
        try:
            services.category_create(tenant=request.tenant, actor=request.user, **values)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Category added."))
            return redirect("support:kb_categories")
    return render(
        request,
        "support/kb/categories.html",
        {
            "categories": selectors.categories_with_counts(
                tenant=request.tenant, published_only=False
            ),
            "errors": errors,
            "values": values,
        },
        status=400 if errors else 200,
    )


@require_POST
@require_perm("support.edit")
def category_edit(request: TenantRequest, category_id: int) -> HttpResponse:
    category = selectors.access_category(tenant=request.tenant, category_id=category_id)
    values = {k: request.POST.get(k, "") for k in ("name_ja", "name_en", "position")}
    try:
        services.category_update(
            tenant=request.tenant, category=category, actor=request.user, **values
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Category saved."))
    return redirect("support:kb_categories")


@require_http_methods(["GET", "POST"])
@require_perm("support.edit")
def category_delete(request: TenantRequest, category_id: int) -> HttpResponse:
    category = selectors.access_category(tenant=request.tenant, category_id=category_id)
    if request.method == "GET":
        return render(request, "support/kb/category_delete.html", {"category": category})
    services.category_delete(tenant=request.tenant, category=category, actor=request.user)
    messages.success(request, _("Category deleted. Its articles are kept, without a category."))
    return redirect("support:kb_categories")


@require_POST
@require_perm("support.edit")
def ticket_to_article(request: TenantRequest, ticket_id: int) -> HttpResponse:
    """A resolved inquiry's last reply becomes a draft; its editor opens."""
    from support.tickets.models import Ticket

    ticket = Ticket.objects.filter(tenant=request.tenant, pk=ticket_id).first()
    if ticket is None:
        raise Http404
    try:
        article = services.article_from_ticket(
            tenant=request.tenant, ticket=ticket, actor=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        try:
            return redirect("support:ticket_detail", ticket_id=ticket.pk)
        except NoReverseMatch:  # the ticket pages are another part of support
            return redirect("support:article_list")
    messages.success(request, _("Draft made from the inquiry's answer. Edit it, then publish."))
    return redirect("support:article_edit", article_id=article.pk)
