"""/api/v1/cti/... (included from crm/api_urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("calls/", api.CtiCallWebhook.as_view(), name="cti-calls"),
    path("pops/", api.PopListView.as_view(), name="cti-pops"),
    path("pops/<int:pk>/outcome/", api.PopOutcomeView.as_view(), name="cti-pop-outcome"),
    path("pops/<int:pk>/contact/", api.PopCreateContactView.as_view(), name="cti-pop-contact"),
    path("pops/<int:pk>/dismiss/", api.PopDismissView.as_view(), name="cti-pop-dismiss"),
]
