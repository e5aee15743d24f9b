"""Pages of support.webforms under /support/ (namespace "support")."""

from django.urls import path

from . import views

urlpatterns = [
    path("forms/", views.form_list, name="form_list"),
    path("forms/<int:form_id>/", views.form_edit, name="form_edit"),
    path("forms/<int:form_id>/save/", views.form_save, name="form_save"),
    path("forms/<int:form_id>/publish/", views.form_publish, name="form_publish"),
    path("forms/<int:form_id>/delete/", views.form_delete, name="form_delete"),
    path("forms/<int:form_id>/submissions/", views.form_submissions, name="form_submissions"),
]
