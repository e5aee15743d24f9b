"""The FAQ / knowledge base: categories, articles (ja and/or en, sanitized HTML), the
deflections the portal and the inquiry form record.

Search without extensions (no pg_trgm): `search_text` holds the folded plain text of both
languages' title and body, `search_vector` its lexemes (character bigrams of Japanese runs,
words of Latin runs), title lexemes weighted A and body ones D, under a GIN index. Both are
written by `support.kb.services` (the only way an article is written), see
`support.kb.text.article_vector`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class DeflectionSource(models.TextChoices):
    PORTAL = "portal", _("FAQ portal")
    FORM = "form", _("Inquiry form")


def _pick(ja: str, en: str, language: str | None) -> str:
    lang = (language or get_language() or "ja")[:2]
    if lang == "en":
        return en or ja
    return ja or en


class ArticleCategory(TenantOwned):
    name_ja = models.CharField(_("name (Japanese)"), max_length=100, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("FAQ category")
        verbose_name_plural = _("FAQ categories")
        indexes = [models.Index(fields=["tenant", "position", "id"], name="kb_category_order")]

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return _pick(self.name_ja, self.name_en, language)


class Article(TenantOwned):
    category = models.ForeignKey(
        ArticleCategory,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("category"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    slug = models.CharField(_("slug"), max_length=120)
    title_ja = models.CharField(_("title (Japanese)"), max_length=300, blank=True)
    body_ja = models.TextField(_("body (Japanese)"), blank=True)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    body_en = models.TextField(_("body (English)"), blank=True)
    helpful_yes = models.PositiveIntegerField(default=0, editable=False)
    helpful_no = models.PositiveIntegerField(default=0, editable=False)
    views = models.PositiveIntegerField(default=0, editable=False)
    created_from_ticket = models.ForeignKey(
        "support.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created from inquiry"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    search_text = models.TextField(blank=True, default="", editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("FAQ article")
        verbose_name_plural = _("FAQ articles")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="kb_article_unique_slug")
        ]
        indexes = [
            models.Index(fields=["tenant", "-id"], name="kb_article_newest"),
            models.Index(fields=["tenant", "status", "-views"], name="kb_article_popular"),
            GinIndex(fields=["search_vector"], name="kb_article_search_gin"),
        ]

    def __str__(self) -> str:
        return self.title()

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    @property
    def languages(self) -> list[str]:
        return [
            lang
            for lang, title, body in (
                ("ja", self.title_ja, self.body_ja),
                ("en", self.title_en, self.body_en),
            )
            if title or body
        ]

    def has_language(self, language: str) -> bool:
        return language in self.languages

    def title(self, language: str | None = None) -> str:
        return _pick(self.title_ja, self.title_en, language)

    def body(self, language: str | None = None) -> str:
        lang = (language or get_language() or "ja")[:2]
        if self.has_language(lang):
            return self.body_en if lang == "en" else self.body_ja
        return self.body_ja or self.body_en


class Deflection(TenantOwned):
    """A visitor opened a suggested article (portal search box or the inquiry form) instead
    of, perhaps, writing to support."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    source = models.CharField(max_length=8, choices=DeflectionSource.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("deflection")
        indexes = [models.Index(fields=["tenant", "at"], name="kb_deflection_at")]
