"""API routes under /api/v1/ (included from sales/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from .api import ActivityViewSet

router = SimpleRouter()
router.register("activities", ActivityViewSet, basename="activity")
urlpatterns = router.urls
