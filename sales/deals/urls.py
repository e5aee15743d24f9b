"""Pages under /sales/ (included from sales/urls.py, namespace "sales")."""

from django.urls import path

from . import views

urlpatterns = [
    path("deals/", views.deal_list, name="deal_list"),
    path("deals/board/", views.deal_board, name="deal_board"),
    path("deals/board/column/<int:stage_id>/", views.deal_board_column, name="deal_board_column"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("deals/contact-options/", views.contact_options_view, name="contact_options"),
    path("deals/<int:deal_id>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:deal_id>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:deal_id>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:deal_id>/delete/", views.deal_delete, name="deal_delete"),
    path("deals/<int:deal_id>/restore/", views.deal_restore, name="deal_restore"),
    path("deals/<int:deal_id>/notes/", views.deal_note, name="deal_note"),
    path("settings/pipelines/", views.pipeline_settings, name="pipeline_settings"),
    path("settings/pipelines/<int:pipeline_id>/", views.pipeline_edit, name="pipeline_edit"),
    path(
        "settings/pipelines/<int:pipeline_id>/stages/",
        views.stage_create,
        name="stage_create",
    ),
    path("settings/stages/<int:stage_id>/", views.stage_edit, name="stage_edit"),
]
