"""Dashboard and notification API under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import DashboardViewSet, NotificationViewSet, WidgetDataView

router = SimpleRouter()
router.register("dashboards", DashboardViewSet, basename="dashboard")
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = [
    path(
        "dashboards/widgets/<str:key>/data/",
        WidgetDataView.as_view(),
        name="dashboard-widget-data",
    ),
    *router.urls,
]
