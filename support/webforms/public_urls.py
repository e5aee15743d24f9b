"""Public pages of support.webforms under /portal/<tenant slug>/ (namespace "portal"), no login."""

from django.urls import path

from . import views

urlpatterns = [
    path("forms/<str:key>/", views.public_form, name="form"),
    path("forms/<str:key>/thanks/", views.public_thanks, name="form_thanks"),
]
