"""Activity pages under /sales/ (included from sales/urls.py, namespace "sales")."""

from django.urls import path

from . import views

urlpatterns = [
    path("my-day/", views.my_day, name="my_day"),
    path("my-day/add/", views.quick_add, name="activity_quick_add"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/options/", views.related_options, name="activity_related_options"),
    path("activities/<int:activity_id>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:activity_id>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:activity_id>/delete/", views.activity_delete, name="activity_delete"),
    path(
        "activities/<int:activity_id>/complete/",
        views.activity_complete,
        name="activity_complete",
    ),
    path("activities/<int:activity_id>/reopen/", views.activity_reopen, name="activity_reopen"),
    path("deals/<int:deal_id>/activities/", views.deal_activities, name="deal_activities"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/feed/", views.feed_settings, name="calendar_feed_settings"),
    path("calendar/feed/new/", views.feed_regenerate, name="calendar_feed_regenerate"),
    path("calendar/feed/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
