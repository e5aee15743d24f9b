"""FAQ API under /api/v1/: `faq-articles/` (list and read for support.view, ?q= searches,
?status= ?category= ?language= filter; create/update/delete for support.edit; bodies are
sanitized HTML whatever is sent) and `faq-categories/`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from crm.core.api.records import api_errors
from crm.core.http import TenantAPIMixin

from . import selectors, services
from .models import Article, ArticleCategory, ArticleStatus


class FaqCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleCategory
        fields = ["id", "name_ja", "name_en", "position"]
        extra_kwargs = {
            "name_ja": {"required": False, "allow_blank": True},
            "name_en": {"required": False, "allow_blank": True},
            "position": {"required": False},
        }


class FaqArticleSerializer(serializers.ModelSerializer):
    category = serializers.IntegerField(source="category_id", required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ArticleStatus.choices, required=False)
    portal_url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "category",
            "status",
            "slug",
            "title_ja",
            "body_ja",
            "title_en",
            "body_en",
            "helpful_yes",
            "helpful_no",
            "views",
            "created_from_ticket",
            "author",
            "published_at",
            "created_at",
            "updated_at",
            "portal_url",
        ]
        read_only_fields = [
            "id",
            "helpful_yes",
            "helpful_no",
            "views",
            "created_from_ticket",
            "author",
            "published_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            name: {"required": False, "allow_blank": True}
            for name in ("slug", "title_ja", "body_ja", "title_en", "body_en")
        }

    def get_portal_url(self, instance: Article) -> str | None:
        if not instance.is_published:
            return None
        view = self.context.get("view")
        tenant = getattr(view, "tenant", None) or instance.tenant
        return selectors.portal_article_url(tenant=tenant, article=instance)


def _data(validated: dict[str, Any]) -> dict[str, Any]:
    data = dict(validated)
    if "category_id" in data:
        data["category"] = data.pop("category_id")
    return data


ARTICLE_FILTERS = [
    OpenApiParameter("q", str, description="Words (Japanese: two characters or more)."),
    OpenApiParameter("status", str, enum=ArticleStatus.values),
    OpenApiParameter("category", int),
    OpenApiParameter("language", str, enum=["ja", "en"]),
]


@extend_schema_view(list=extend_schema(parameters=ARTICLE_FILTERS))
class FaqArticleViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """FAQ articles. A list with `q` is ranked (best first, up to 50, no cursor); without it,
    newest first with the cursor."""

    serializer_class = FaqArticleSerializer
    perm_view = "support.view"
    perm_edit = "support.edit"

    def _filters(self) -> selectors.ArticleFilters:
        filters = selectors.article_filters(tenant=self.tenant, params=self.request.query_params)
        if filters.errors:
            raise serializers.ValidationError(filters.errors)
        filters.before = None  # the cursor pages
        return filters

    def get_queryset(self) -> QuerySet[Article]:
        if self.action == "list":
            return selectors.article_list(tenant=self.tenant, filters=self._filters())
        return Article.objects.filter(tenant=self.tenant)

    def paginate_queryset(self, queryset: Any) -> Any:
        if self.request.query_params.get("q"):
            return None
        return super().paginate_queryset(queryset)

    def filter_queryset(self, queryset: Any) -> Any:
        if self.action == "list" and self.request.query_params.get("q"):
            return queryset[:50]
        return super().filter_queryset(queryset)

    def perform_create(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.article_create(
                tenant=self.tenant, actor=self.request.user, **_data(serializer.validated_data)
            )

    def perform_update(self, serializer: Any) -> None:
        data = _data(serializer.validated_data)
        status = data.pop("status", None)
        with api_errors():
            article = services.article_update(
                tenant=self.tenant, article=serializer.instance, actor=self.request.user, **data
            )
            if status is not None and status != article.status:
                article = services.article_set_status(
                    tenant=self.tenant, article=article, status=status, actor=self.request.user
                )
        serializer.instance = article

    def perform_destroy(self, instance: Article) -> None:
        services.article_delete(tenant=self.tenant, article=instance, actor=self.request.user)


class FaqCategoryViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """FAQ categories (deleting one keeps its articles, without a category)."""

    serializer_class = FaqCategorySerializer
    perm_view = "support.view"
    perm_edit = "support.edit"

    def get_queryset(self) -> QuerySet[ArticleCategory]:
        return ArticleCategory.objects.filter(tenant=self.tenant)

    def perform_create(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.category_create(
                tenant=self.tenant, actor=self.request.user, **serializer.validated_data
            )

    def perform_update(self, serializer: Any) -> None:
        with api_errors():
            serializer.instance = services.category_update(
                tenant=self.tenant,
                category=serializer.instance,
                actor=self.request.user,
                **serializer.validated_data,
            )

    def perform_destroy(self, instance: ArticleCategory) -> None:
        services.category_delete(tenant=self.tenant, category=instance, actor=self.request.user)
