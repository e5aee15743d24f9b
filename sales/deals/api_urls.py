"""API routes under /api/v1/ (included from sales/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from .api import DealViewSet, PipelineViewSet, StageViewSet

router = SimpleRouter()
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("stages", StageViewSet, basename="stage")
router.register("deals", DealViewSet, basename="deal")
urlpatterns = router.urls
