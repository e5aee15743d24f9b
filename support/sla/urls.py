"""Pages of support.sla under /support/ (namespace "support")."""

from django.urls import path

from . import views

urlpatterns = [
    path("settings/sla/", views.sla_settings, name="sla_settings"),
    path("settings/sla/calendars/new/", views.calendar_new, name="sla_calendar_new"),
    path(
        "settings/sla/calendars/<int:calendar_id>/",
        views.calendar_edit,
        name="sla_calendar_edit",
    ),
    path(
        "settings/sla/calendars/<int:calendar_id>/delete/",
        views.calendar_delete,
        name="sla_calendar_delete",
    ),
    path(
        "settings/sla/calendars/<int:calendar_id>/holidays/",
        views.holiday_add,
        name="sla_holiday_add",
    ),
    path(
        "settings/sla/calendars/<int:calendar_id>/holidays/import/",
        views.holiday_import,
        name="sla_holiday_import",
    ),
    path(
        "settings/sla/calendars/<int:calendar_id>/holidays/<int:holiday_id>/delete/",
        views.holiday_delete,
        name="sla_holiday_delete",
    ),
    path("settings/sla/policies/new/", views.policy_new, name="sla_policy_new"),
    path("settings/sla/policies/<int:policy_id>/", views.policy_edit, name="sla_policy_edit"),
    path(
        "settings/sla/policies/<int:policy_id>/delete/",
        views.policy_delete,
        name="sla_policy_delete",
    ),
]
