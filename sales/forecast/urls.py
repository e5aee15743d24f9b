"""Forecast pages under /sales/ (included from sales/urls.py, namespace "sales")."""

from django.urls import path

from . import views

urlpatterns = [
    path("forecast/", views.forecast_page, name="forecast"),
    path("forecast/data/", views.forecast_data, name="forecast_data"),
    path("forecast/deals/", views.forecast_deals, name="forecast_deals"),
    path("forecast/targets/", views.targets_page, name="forecast_targets"),
    path("forecast/targets/save/", views.targets_save, name="forecast_targets_save"),
    path("forecast/targets/copy/", views.targets_copy, name="forecast_targets_copy"),
]
