"""The public side of support under /portal/<tenant slug>/ (namespace "portal"): web forms,
the FAQ portal, CSAT rating pages. No login; each view enters the tenant by slug."""

from django.urls import include, path

urlpatterns = [
    path("", include("support.webforms.public_urls")),
    path("", include("support.kb.public_urls")),
    path("", include("support.csat.public_urls")),
]
