"""Pages of support.replies under /support/ (namespace "support")."""

from django.urls import path

from . import views

urlpatterns = [
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("templates/<int:template_id>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:template_id>/delete/", views.template_delete, name="template_delete"),
    path(
        "templates/<int:template_id>/render/<int:ticket_id>/",
        views.template_render,
        name="template_render",
    ),
    path("tickets/<int:ticket_id>/similar/", views.ticket_similar, name="ticket_similar"),
]
