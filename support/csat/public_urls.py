"""Public pages of support.csat under /portal/<tenant slug>/ (namespace "portal"), no login."""

from django.urls import path

from . import views

urlpatterns = [
    path("csat/<str:token>/", views.csat_rate, name="csat"),
]
