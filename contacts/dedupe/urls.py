from django.urls import path

from . import views

urlpatterns = [
    path("", views.duplicate_list, name="duplicates"),
    path("<int:a_id>/<int:b_id>/", views.duplicate_merge, name="duplicate_merge"),
    path("<int:a_id>/<int:b_id>/dismiss/", views.duplicate_dismiss, name="duplicate_dismiss"),
]
