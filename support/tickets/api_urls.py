"""API routes of support.tickets under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import CategoryViewSet, TeamViewSet, TicketViewSet

router = SimpleRouter()
router.register("tickets", TicketViewSet, basename="ticket")
router.register("ticket-categories", CategoryViewSet, basename="ticket-category")
router.register("support-teams", TeamViewSet, basename="support-team")
urlpatterns = router.urls
