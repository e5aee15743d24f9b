"""API routes of support.replies under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import ReplyTemplateViewSet, TicketSimilarView

router = SimpleRouter()
router.register("reply-templates", ReplyTemplateViewSet, basename="reply-template")
urlpatterns = [
    path("tickets/<int:ticket_id>/similar/", TicketSimilarView.as_view(), name="ticket-similar"),
    *router.urls,
]
