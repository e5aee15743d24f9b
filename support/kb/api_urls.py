"""API routes of support.kb under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import FaqArticleViewSet, FaqCategoryViewSet

router = SimpleRouter()
router.register("faq-articles", FaqArticleViewSet, basename="faq-article")
router.register("faq-categories", FaqCategoryViewSet, basename="faq-category")
urlpatterns = router.urls
