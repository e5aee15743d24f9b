"""The public FAQ portal under /portal/<tenant slug>/faq/ (no login).

Each view resolves the tenant by its slug only and reads inside `tenant_context(tenant)`, so
row-level security and the fail-closed managers apply as for a signed-in member. Only
published articles are shown (a draft answers 404). The visitor's language is `?lang=` (the
switch), else the browser's, else the tenant's; the page's own strings follow it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from crm.core.context import tenant_context
from crm.core.models import Tenant
from crm.core.permissions import public

from . import selectors, services, text
from .models import DeflectionSource

LANGS = ("ja", "en")
VOTE_MAX_AGE = 365 * 24 * 3600
SUGGEST_LIMIT = 5


def _tenant(slug: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise Http404
    return tenant


def visitor_language(request: HttpRequest, tenant: Tenant) -> str:
    asked = (request.GET.get("lang") or request.POST.get("lang") or "")[:2]
    if asked in LANGS:
        return asked
    browser = translation.get_language_from_request(request)[:2]
    if request.headers.get("Accept-Language") and browser in LANGS:
        return browser
    return tenant.language[:2] if tenant.language[:2] in LANGS else "ja"


@contextmanager
def portal(request: HttpRequest, tenant_slug: str) -> Iterator[tuple[Tenant, str]]:
    tenant = _tenant(tenant_slug)
    lang = visitor_language(request, tenant)
    with tenant_context(tenant), translation.override(lang):
        yield tenant, lang


def _accent(tenant: Tenant) -> int:
    """A hue of the tenant's own (stable per name) so each portal looks like its company's."""
    return int(hashlib.sha256(tenant.name.encode()).hexdigest()[:4], 16) % 360


def _base(tenant: Tenant, lang: str, **extra: Any) -> dict[str, Any]:
    return {"tenant": tenant, "lang": lang, "accent": _accent(tenant), **extra}


def _cards(tenant: Tenant, articles: list[Any], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "article": a,
            "title": a.title(lang),
            "excerpt": text.excerpt(a.body(lang)),
            "url": selectors.portal_article_url(tenant=tenant, article=a) + f"?lang={lang}",
            "other_language": not a.has_language(lang),
        }
        for a in articles
    ]


@public
@require_GET
def kb_home(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    with portal(request, tenant_slug) as (tenant, lang):
        cats = [
            c
            for c in selectors.categories_with_counts(tenant=tenant)
            if getattr(c, "article_count", 0)
        ]
        return render(
            request,
            "support/kb/portal/home.html",
            _base(
                tenant,
                lang,
                categories=[{"category": c, "name": c.name(lang)} for c in cats],
                popular=_cards(tenant, selectors.popular_articles(tenant=tenant), lang),
            ),
        )


@public
@require_GET
def kb_category(request: HttpRequest, tenant_slug: str, category_id: int) -> HttpResponse:
    with portal(request, tenant_slug) as (tenant, lang):
        category = selectors.access_category(tenant=tenant, category_id=category_id)
        articles = selectors.category_articles(tenant=tenant, category=category)
        return render(
            request,
            "support/kb/portal/category.html",
            _base(
                tenant,
                lang,
                category=category,
                name=category.name(lang),
                articles=_cards(tenant, articles, lang),
            ),
        )


@public
@require_GET
def kb_search(request: HttpRequest, tenant_slug: str) -> HttpResponse:
    with portal(request, tenant_slug) as (tenant, lang):
        q = (request.GET.get("q") or "").strip()[:200]
        found = selectors.article_search(tenant=tenant, q=q, language=lang) if q else []
        return render(
            request,
            "support/kb/portal/search.html",
            _base(tenant, lang, q=q, results=_cards(tenant, found, lang)),
        )


@public
@require_GET
def kb_suggest(request: HttpRequest, tenant_slug: str) -> JsonResponse:
    """{"results": [{"title", "url"}]}: the links go through kb_deflect (counted)."""
    with portal(request, tenant_slug) as (tenant, lang):
        q = (request.GET.get("q") or "").strip()[:4000]
        source = request.GET.get("source", DeflectionSource.PORTAL)
        if source not in DeflectionSource.values:
            source = DeflectionSource.PORTAL
        rows = (
            selectors.article_suggest(tenant=tenant, text=q, language=lang, limit=SUGGEST_LIMIT)
            if q
            else []
        )
        results = [
            {
                "title": row["title"],
                "url": selectors.deflect_url(
                    tenant=tenant, article_id=row["id"], source=source, lang=lang
                ),
            }
            for row in rows
        ]
    response = JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@public
@require_GET
def kb_deflect(request: HttpRequest, tenant_slug: str, article_id: int) -> HttpResponse:
    """A suggestion was clicked: one Deflection row, then the article."""
    with portal(request, tenant_slug) as (tenant, lang):
        article = selectors.access_article(tenant=tenant, article_id=article_id)
        if not article.is_published:
            raise Http404
        services.deflection_record(
            tenant=tenant, article=article, source=request.GET.get("source", "")
        )
        return redirect(
            selectors.portal_article_url(tenant=tenant, article=article) + f"?lang={lang}"
        )


def _vote_cookie(tenant: Tenant) -> str:
    return f"kb_votes_{tenant.pk}"


def _voted(request: HttpRequest, tenant: Tenant) -> set[str]:
    raw = request.get_signed_cookie(_vote_cookie(tenant), default="", salt="support.kb.votes")
    return {v for v in (raw or "").split(",") if v}


@public
@require_GET
def kb_article(request: HttpRequest, tenant_slug: str, article_slug: str) -> HttpResponse:
    with portal(request, tenant_slug) as (tenant, lang):
        article = selectors.public_article(tenant=tenant, slug=article_slug)
        services.article_viewed(tenant=tenant, article=article)
        other = "en" if lang == "ja" else "ja"
        related = selectors.article_related(tenant=tenant, article=article)
        return render(
            request,
            "support/kb/portal/article.html",
            _base(
                tenant,
                lang,
                article=article,
                title=article.title(lang),
                body=mark_safe(article.body(lang)),  # noqa: S308 - sanitized on every way in
                fallback=not article.has_language(lang),
                other_lang=other if article.has_language(other) else "",
                related=_cards(tenant, related, lang),
                voted=str(article.pk) in _voted(request, tenant),
                thanks=request.GET.get("voted") == "1",
            ),
        )


@public
@require_POST
def kb_vote(request: HttpRequest, tenant_slug: str, article_slug: str) -> HttpResponse:
    """ "Was this helpful?": counted once per browser (a signed cookie lists the votes)."""
    with portal(request, tenant_slug) as (tenant, lang):
        article = selectors.public_article(tenant=tenant, slug=article_slug)
        voted = _voted(request, tenant)
        url = selectors.portal_article_url(tenant=tenant, article=article)
        response = redirect(f"{url}?lang={lang}&voted=1#helpful")
        if str(article.pk) in voted:
            return response
        answer = request.POST.get("helpful")
        if answer not in ("yes", "no"):
            return redirect(f"{url}?lang={lang}#helpful")
        services.article_vote(tenant=tenant, article=article, helpful=answer == "yes")
        voted.add(str(article.pk))
        # Keep the newest 500 votes so the cookie stays small.
        value = ",".join(sorted(voted, key=int)[-500:])
        response.set_signed_cookie(
            _vote_cookie(tenant),
            value,
            salt="support.kb.votes",
            max_age=VOTE_MAX_AGE,
            path=f"/portal/{tenant.slug}/",
            httponly=True,
            samesite="Lax",
        )
        return response
