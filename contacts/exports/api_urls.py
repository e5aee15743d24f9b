"""API routes under /api/v1/ (included from contacts/api/urls.py)."""

from rest_framework.routers import SimpleRouter

from .api import ExportViewSet

router = SimpleRouter()
router.register("contacts/exports", ExportViewSet, basename="contact-export")
urlpatterns = router.urls
