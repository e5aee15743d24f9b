"""API routes under /api/v1/ (included from contacts/api/urls.py, before the contacts
router, so "views" is not taken for a contact id)."""

from rest_framework.routers import SimpleRouter

from .api import SavedViewViewSet

router = SimpleRouter()
router.register("contacts/views", SavedViewViewSet, basename="contact-savedview")
urlpatterns = router.urls
