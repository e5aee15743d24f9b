"""API routes under /api/v1/ (included from sales/api_urls.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import ForecastDealsView, ForecastView, TargetViewSet

router = SimpleRouter()
router.register("targets", TargetViewSet, basename="target")
urlpatterns = [
    path("forecast/", ForecastView.as_view(), name="forecast"),
    path("forecast/deals/", ForecastDealsView.as_view(), name="forecast-deals"),
    *router.urls,
]
