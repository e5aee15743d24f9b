"""API routes of support.webforms under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import InquiryFormViewSet, PublicFormDefinitionView, PublicFormSubmitView

router = SimpleRouter()
router.register("forms", InquiryFormViewSet, basename="inquiry-form")

urlpatterns = [
    *router.urls,
    path(
        "public/forms/<slug:tenant_slug>/<str:key>/",
        PublicFormDefinitionView.as_view(),
        name="public-form",
    ),
    path(
        "public/forms/<slug:tenant_slug>/<str:key>/submit/",
        PublicFormSubmitView.as_view(),
        name="public-form-submit",
    ),
]
