"""Pages of support.insights under /support/ (namespace "support")."""

from django.urls import path

from . import views

urlpatterns = [
    path("insights/", views.insights, name="insights"),
    path("insights/data/", views.insights_data, name="insights_data"),
    path("insights/export/", views.insights_export, name="insights_export"),
]
