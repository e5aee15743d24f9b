"""Daily report pages under /sales/reports/ (namespace "sales")."""

from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/write/", views.report_write, name="report_write"),
    path("reports/team/", views.report_team_day, name="report_team_day"),
    path("reports/team/week/", views.report_team_week, name="report_team_week"),
    path("reports/search/", views.report_search, name="report_search"),
    path("reports/export/", views.report_export, name="report_export"),
    path("reports/settings/", views.report_settings, name="report_settings"),
    path("reports/<int:report_id>/", views.report_detail, name="report_detail"),
    path("reports/<int:report_id>/comments/", views.report_comment, name="report_comment"),
    path("reports/<int:report_id>/read/", views.report_read, name="report_read"),
]
