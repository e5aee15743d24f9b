"""Daily report API routes under /api/v1/ (included from sales/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from .api import DailyReportViewSet

router = SimpleRouter()
router.register("daily-reports", DailyReportViewSet, basename="daily-report")
urlpatterns = router.urls
