"""Pages of support.kb under /support/ (namespace "support")."""

from django.urls import path

from . import views

urlpatterns = [
    path("faq/", views.article_list, name="article_list"),
    path("faq/new/", views.article_new, name="article_new"),
    path("faq/<int:article_id>/edit/", views.article_edit, name="article_edit"),
    path("faq/<int:article_id>/preview/", views.article_preview, name="article_preview"),
    path("faq/<int:article_id>/status/", views.article_status, name="article_status"),
    path("faq/<int:article_id>/delete/", views.article_delete, name="article_delete"),
    path("faq/categories/", views.category_list, name="kb_categories"),
    path("faq/categories/<int:category_id>/", views.category_edit, name="kb_category_edit"),
    path(
        "faq/categories/<int:category_id>/delete/",
        views.category_delete,
        name="kb_category_delete",
    ),
    path("tickets/<int:ticket_id>/to-faq/", views.ticket_to_article, name="ticket_to_article"),
]
