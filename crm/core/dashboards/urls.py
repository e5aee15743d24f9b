"""Dashboard and notification pages (namespace "dashboards", included at "/")."""

from django.urls import path

from . import views

urlpatterns = [
    path("dashboards/new/", views.dashboard_create, name="create"),
    path("dashboards/widgets/<str:key>/data/", views.widget_data, name="widget_data"),
    path("dashboards/<int:dashboard_id>/", views.dashboard_view, name="view"),
    path("dashboards/<int:dashboard_id>/layout/", views.dashboard_save, name="save"),
    path("dashboards/<int:dashboard_id>/rename/", views.dashboard_rename, name="rename"),
    path("dashboards/<int:dashboard_id>/publish/", views.dashboard_publish, name="publish"),
    path("dashboards/<int:dashboard_id>/default/", views.dashboard_make_default, name="default"),
    path("dashboards/<int:dashboard_id>/delete/", views.dashboard_delete, name="delete"),
    path("dashboards/<int:dashboard_id>/copy/", views.dashboard_copy, name="copy"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("notifications/badge/", views.notifications_badge, name="notifications_badge"),
    path("notifications/menu/", views.notifications_menu, name="notifications_menu"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notification_open",
    ),
]
