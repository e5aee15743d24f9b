"""API routes of support.csat under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import CsatViewSet

router = SimpleRouter()
router.register("csat-surveys", CsatViewSet, basename="csat-survey")
urlpatterns = router.urls
