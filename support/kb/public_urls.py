"""Public pages of support.kb under /portal/<tenant slug>/ (namespace "portal"), no login."""

from django.urls import path

from . import portal

urlpatterns = [
    path("faq/", portal.kb_home, name="kb_home"),
    path("faq/search/", portal.kb_search, name="kb_search"),
    path("faq/suggest/", portal.kb_suggest, name="kb_suggest"),
    path("faq/go/<int:article_id>/", portal.kb_deflect, name="kb_deflect"),
    path("faq/c/<int:category_id>/", portal.kb_category, name="kb_category"),
    path("faq/a/<str:article_slug>/", portal.kb_article, name="kb_article"),
    path("faq/a/<str:article_slug>/vote/", portal.kb_vote, name="kb_vote"),
]
