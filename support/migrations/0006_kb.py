"""support.kb: FAQ categories, articles (n-gram search column, GIN index), deflections."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0009_dashboards"),
        ("support", "0005_webforms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleCategory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name_ja",
                    models.CharField(blank=True, max_length=100, verbose_name="name (Japanese)"),
                ),
                (
                    "name_en",
                    models.CharField(blank=True, max_length=100, verbose_name="name (English)"),
                ),
                ("position", models.PositiveIntegerField(default=0, verbose_name="position")),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "FAQ category",
                "verbose_name_plural": "FAQ categories",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="Article",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("published", "Published")],
                        default="draft",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("slug", models.CharField(max_length=120, verbose_name="slug")),
                (
                    "title_ja",
                    models.CharField(blank=True, max_length=300, verbose_name="title (Japanese)"),
                ),
                ("body_ja", models.TextField(blank=True, verbose_name="body (Japanese)")),
                (
                    "title_en",
                    models.CharField(blank=True, max_length=300, verbose_name="title (English)"),
                ),
                ("body_en", models.TextField(blank=True, verbose_name="body (English)")),
                ("helpful_yes", models.PositiveIntegerField(default=0, editable=False)),
                ("helpful_no", models.PositiveIntegerField(default=0, editable=False)),
                ("views", models.PositiveIntegerField(default=0, editable=False)),
                (
                    "published_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="published at"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("search_text", models.TextField(blank=True, default="", editable=False)),
                (
                    "search_vector",
                    django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="author",
                    ),
                ),
                (
                    "created_from_ticket",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="support.ticket",
                        verbose_name="created from inquiry",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.tenant",
                    ),
                ),
                (
                    "category",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="articles",
                        to="support.articlecategory",
                        verbose_name="category",
                    ),
                ),
            ],
            options={
                "verbose_name": "FAQ article",
                "verbose_name_plural": "FAQ articles",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name="Deflection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[("portal", "FAQ portal"), ("form", "Inquiry form")], max_length=8
                    ),
                ),
                ("at", models.DateTimeField(auto_now_add=True)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deflections",
                        to="support.article",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="core.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name": "deflection",
            },
            managers=[
                ("objects", django.db.models.manager.Manager()),
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
        migrations.AddIndex(
            model_name="articlecategory",
            index=models.Index(fields=["tenant", "position", "id"], name="kb_category_order"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["tenant", "-id"], name="kb_article_newest"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["tenant", "status", "-views"], name="kb_article_popular"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="kb_article_search_gin"
            ),
        ),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.UniqueConstraint(
                fields=("tenant", "slug"), name="kb_article_unique_slug"
            ),
        ),
        migrations.AddIndex(
            model_name="deflection",
            index=models.Index(fields=["tenant", "at"], name="kb_deflection_at"),
        ),
    ]
