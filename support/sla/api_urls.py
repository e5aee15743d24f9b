"""API routes of support.sla under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import BusinessCalendarViewSet, SlaPolicyViewSet

router = SimpleRouter()
router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
router.register("business-calendars", BusinessCalendarViewSet, basename="business-calendar")
urlpatterns = router.urls
