"""Reads of the FAQ: the agents' list, search and suggestions (Japanese-aware, on the
n-gram column, see support.kb.text and docs/support-faq.md), related articles, the portal's
home and deflection counts."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.urls import reverse

from crm.core.models import Tenant

from . import text
from .models import Article, ArticleCategory, ArticleStatus, Deflection

TITLE_WEIGHT = 3.0
PAGE_SIZE = 30
SUGGEST_GRAMS = 12


def access_article(*, tenant: Tenant, article_id: Any) -> Article:
    """The tenant's article or 404 (another tenant's id answers 404)."""
    try:
        return Article.objects.select_related("category", "author").get(
            tenant=tenant, pk=int(article_id)
        )
    except (TypeError, ValueError, Article.DoesNotExist):
        raise Http404 from None


def access_category(*, tenant: Tenant, category_id: Any) -> ArticleCategory:
    try:
        return ArticleCategory.objects.get(tenant=tenant, pk=int(category_id))
    except (TypeError, ValueError, ArticleCategory.DoesNotExist):
        raise Http404 from None


def public_article(*, tenant: Tenant, slug: str) -> Article:
    """A published article by slug; drafts and unknown slugs are 404."""
    found = (
        Article.objects.select_related("category")
        .filter(tenant=tenant, slug=slug, status=ArticleStatus.PUBLISHED)
        .first()
    )
    if found is None:
        raise Http404
    return found


def categories(*, tenant: Tenant) -> QuerySet[ArticleCategory]:
    return ArticleCategory.objects.filter(tenant=tenant).order_by("position", "id")


def categories_with_counts(*, tenant: Tenant, published_only: bool = True) -> list[ArticleCategory]:
    cond = Q(articles__status=ArticleStatus.PUBLISHED) if published_only else Q()
    return list(categories(tenant=tenant).annotate(article_count=Count("articles", filter=cond)))


@dataclass
class ArticleFilters:
    q: str = ""
    status: str = ""
    category: int | None = None
    language: str = ""
    before: int | None = None
    errors: dict[str, str] | None = None


def article_filters(*, tenant: Tenant, params: Any) -> ArticleFilters:
    from django.utils.translation import gettext as _

    f = ArticleFilters(q=(params.get("q") or "").strip()[:200], errors={})
    assert f.errors is not None
    status = params.get("status") or ""
    if status and status not in ArticleStatus.values:
        f.errors["status"] = _("Choose draft or published.")
    else:
        f.status = status
    language = params.get("language") or ""
    if language and language not in ("ja", "en"):
        f.errors["language"] = _("Choose Japanese or English.")
    else:
        f.language = language
    for name in ("category", "before"):
        value = params.get(name) or ""
        if value:
            try:
                setattr(f, name, int(value))
            except ValueError:
                f.errors[name] = _("Choose one of the listed values.")
    return f


def _language_q(language: str) -> Q:
    return (~Q(**{f"title_{language}": ""})) | (~Q(**{f"body_{language}": ""}))


def article_list(*, tenant: Tenant, filters: ArticleFilters) -> QuerySet[Article]:
    """The agents' list: every status, newest first (keyset `before=<id>`), or by rank when
    searching."""
    if filters.q:
        qs = article_search_qs(tenant=tenant, q=filters.q, language="", published_only=False)
    else:
        qs = Article.objects.filter(tenant=tenant).order_by("-id")
        if filters.before:
            qs = qs.filter(pk__lt=filters.before)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category_id=filters.category)
    if filters.language:
        qs = qs.filter(_language_q(filters.language))
    return qs.select_related("category", "author").defer("search_vector", "search_text")


def _gram_score(grams: list[tuple[str, bool, float]]) -> tuple[str, list[Any]]:
    """SQL for Σ weight × (TITLE_WEIGHT if the gram is in a title + 1 if anywhere)."""
    parts, params = [], []
    for lexeme, prefix, weight in grams:
        parts.append(
            "%s * (%s * (search_vector @@ %s::tsquery)::int + (search_vector @@ %s::tsquery)::int)"
        )
        params += [
            weight,
            TITLE_WEIGHT,
            text.tsquery_item(lexeme, prefix=prefix, weight="A"),
            text.tsquery_item(lexeme, prefix=prefix),
        ]
    return ("(" + " + ".join(parts) + ")" if parts else "0"), params


def article_search_qs(
    *, tenant: Tenant, q: str, language: str, published_only: bool = True
) -> QuerySet[Article]:
    """Every word of `q` must be in the article (either language): the GIN index narrows by
    the words' bigrams/words, the substring check on the folded text is exact. Ranked by
    matched lexemes, a title match counting TITLE_WEIGHT times more, then articles written
    in `language`, then views."""
    words = text.query_words(q)
    qs = Article.objects.filter(tenant=tenant)
    if published_only:
        qs = qs.filter(status=ArticleStatus.PUBLISHED)
    if not words:
        return qs.none()
    grams: list[tuple[str, bool]] = []
    for word in words:
        grams += text.word_grams(word)
        # Latin words are matched by prefix in the index; the recheck keeps the whole word.
        qs = qs.filter(search_text__contains=word)
    grams = list(dict.fromkeys(grams))
    if grams:
        tsquery = " & ".join(text.tsquery_item(lex, prefix=p) for lex, p in grams)
        qs = qs.annotate(
            kb_match=RawSQL("search_vector @@ %s::tsquery", [tsquery], output_field=BooleanField())
        ).filter(kb_match=True)
    score_sql, params = _gram_score([(lex, p, 1.0) for lex, p in grams])
    qs = qs.annotate(rank=RawSQL(score_sql, params, output_field=FloatField()))  # noqa: S611 - SQL built from constants; values are bound
    if language in ("ja", "en"):
        qs = qs.annotate(
            in_language=RawSQL(  # noqa: S611 - SQL built from constants; values are bound
                f"(title_{language} <> '' OR body_{language} <> '')",
                [],
                output_field=BooleanField(),
            )
        ).order_by("-rank", "-in_language", "-views", "-id")
    else:
        qs = qs.order_by("-rank", "-views", "-id")
    return qs


def article_search(
    *, tenant: Tenant, q: str, language: str, published_only: bool = True, limit: int = 20
) -> list[Article]:
    return list(
        article_search_qs(tenant=tenant, q=q, language=language, published_only=published_only)
        .select_related("category")
        .defer("search_vector", "search_text")[:limit]
    )


def _document_frequencies(tenant: Tenant, lexemes: list[str]) -> tuple[dict[str, int], int]:
    """How many published articles hold each lexeme, and how many there are (one query)."""
    if not lexemes:
        return {}, 0
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT l.lexeme, count(*) FROM support_article a, unnest(a.search_vector) l
            WHERE a.tenant_id = %s AND a.status = 'published' AND l.lexeme = ANY(%s)
            GROUP BY l.lexeme
            UNION ALL
            SELECT NULL, count(*) FROM support_article
            WHERE tenant_id = %s AND status = 'published'
            """,
            [tenant.pk, lexemes, tenant.pk],
        )
        rows = cursor.fetchall()
    total = next((n for lex, n in rows if lex is None), 0)
    return {lex: n for lex, n in rows if lex is not None}, total


def distinctive_grams(
    *, tenant: Tenant, source: str, limit: int = SUGGEST_GRAMS
) -> list[tuple[str, float]]:
    """The lexemes of `source` that best tell its topic among this tenant's published
    articles: count in the text × rarity among articles (tf × idf); lexemes no article holds
    are dropped (they cannot match)."""
    counts = text.distinctive_candidates(source)
    df, total = _document_frequencies(tenant, list(counts))
    scored = [
        (lex, (1 + math.log(counts[lex])) * math.log(1 + total / df[lex]))
        for lex in counts
        if df.get(lex)
    ]
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:limit]


def _ranked_by_grams(
    *,
    tenant: Tenant,
    grams: list[tuple[str, float]],
    exclude_id: int | None = None,
    category_id: int | None = None,
) -> QuerySet[Article]:
    qs = Article.objects.filter(tenant=tenant, status=ArticleStatus.PUBLISHED)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    any_gram = " | ".join(text.tsquery_item(lex) for lex, _w in grams)
    score_sql, params = _gram_score([(lex, False, w) for lex, w in grams])
    if grams:
        qs = qs.annotate(
            kb_any=RawSQL("search_vector @@ %s::tsquery", [any_gram], output_field=BooleanField())
        )
    if category_id:
        qs = qs.annotate(
            rank=RawSQL(  # noqa: S611 - SQL built from constants; values are bound
                f"{score_sql} + CASE WHEN category_id = %s THEN 2 ELSE 0 END",
                [*params, category_id],
                output_field=FloatField(),
            )
        )
        cond = Q(category_id=category_id) | Q(kb_any=True) if grams else Q(category_id=category_id)
    else:
        qs = qs.annotate(rank=RawSQL(score_sql, params, output_field=FloatField()))  # noqa: S611 - SQL built from constants; values are bound
        cond = Q(kb_any=True) if grams else Q(pk__in=[])
    return qs.filter(cond).order_by("-rank", "-views", "-id")


def article_suggest(
    *, tenant: Tenant, text: str, language: str, limit: int = 5
) -> list[dict[str, Any]]:
    """Articles for an inquiry being written (any length): a short text is searched as a
    query; a long one by its most distinctive lexemes (any of them, best ranked first).
    [{"id", "slug", "title", "score"}]."""
    rows: list[Article] = []
    if len(text.strip()) <= 20:
        rows = article_search(tenant=tenant, q=text, language=language, limit=limit)
    if len(rows) < limit:
        grams = distinctive_grams(tenant=tenant, source=text)
        if grams:
            qs = _ranked_by_grams(tenant=tenant, grams=grams).exclude(pk__in=[a.pk for a in rows])
            # Weak matches (one common lexeme in a body) are noise in a suggestion list: at
            # least half of what the best lexeme found in a body alone would score.
            floor = max(w for _lex, w in grams) * 0.5
            qs = qs.filter(**{"rank__gte": floor})
            rows += list(qs.defer("search_vector", "search_text")[: limit - len(rows)])
    return [
        {
            "id": a.pk,
            "slug": a.slug,
            "title": a.title(language),
            "score": float(getattr(a, "rank", 0) or 0),
        }
        for a in rows[:limit]
    ]


def article_related(*, tenant: Tenant, article: Article, limit: int = 5) -> list[Article]:
    """Published articles of the same category or sharing the article's distinctive lexemes."""
    source = " ".join(
        [article.title_ja, article.title_en, article.title_ja, article.title_en]
        + [text.plain_text(article.body_ja), text.plain_text(article.body_en)]
    )
    grams = distinctive_grams(tenant=tenant, source=source)
    qs = _ranked_by_grams(
        tenant=tenant, grams=grams, exclude_id=article.pk, category_id=article.category_id
    )
    return list(qs.defer("search_vector", "search_text")[:limit])


def popular_articles(*, tenant: Tenant, limit: int = 10) -> list[Article]:
    return list(
        Article.objects.filter(tenant=tenant, status=ArticleStatus.PUBLISHED)
        .select_related("category")
        .defer("search_vector", "search_text")
        .order_by("-views", "-id")[:limit]
    )


def category_articles(
    *, tenant: Tenant, category: ArticleCategory, limit: int = 100
) -> list[Article]:
    return list(
        Article.objects.filter(tenant=tenant, status=ArticleStatus.PUBLISHED, category=category)
        .defer("search_vector", "search_text")
        .order_by("-views", "-id")[:limit]
    )


def deflection_counts(*, tenant: Tenant, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Deflections in [start, end): {"total", "by_source": {source: n}, "by_article":
    [{"article_id", "title", "count"}] (top 20)}."""
    base = Deflection.objects.filter(tenant=tenant, at__gte=start, at__lt=end)
    by_source = {
        row["source"]: row["n"] for row in base.values("source").annotate(n=Count("id")).order_by()
    }
    top = list(
        base.values("article_id", "article__title_ja", "article__title_en")
        .annotate(n=Count("id"))
        .order_by("-n", "article_id")[:20]
    )
    return {
        "total": sum(by_source.values()),
        "by_source": by_source,
        "by_article": [
            {
                "article_id": row["article_id"],
                "title": row["article__title_ja"] or row["article__title_en"],
                "count": row["n"],
            }
            for row in top
        ],
    }


def portal_article_url(*, tenant: Tenant, article: Article) -> str:
    return reverse(
        "portal:kb_article", kwargs={"tenant_slug": tenant.slug, "article_slug": article.slug}
    )


def deflect_url(*, tenant: Tenant, article_id: int, source: str, lang: str) -> str:
    url = reverse(
        "portal:kb_deflect", kwargs={"tenant_slug": tenant.slug, "article_id": article_id}
    )
    return f"{url}?source={source}&lang={lang}"
