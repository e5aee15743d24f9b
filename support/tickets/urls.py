"""Pages of support.tickets under /support/ (namespace "support")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.queue_bulk, name="queue_bulk"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/contacts/", views.ticket_contact_options, name="ticket_contact_options"),
    path("tickets/mentions/", views.mention_options, name="ticket_mention_options"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket_detail"),
    path("tickets/<int:ticket_id>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:ticket_id>/edit/", views.ticket_edit, name="ticket_edit"),
    path("tickets/<int:ticket_id>/lock/", views.ticket_lock, name="ticket_lock"),
    path("tickets/<int:ticket_id>/assign-me/", views.ticket_assign_me, name="ticket_assign_me"),
    path("settings/categories/", views.category_settings, name="category_settings"),
    path("settings/categories/<int:category_id>/", views.category_edit, name="category_edit"),
    path("settings/teams/new/", views.team_create, name="team_create"),
    path("settings/teams/<int:team_id>/", views.team_edit, name="team_edit"),
]
