# Pages of the core outside the settings area.
from django.urls import path

from .views.settings_accounts import invitation_accept

urlpatterns = [
    # Public: the invitee may not be logged in, or may not have an account yet.
    path("invitations/<str:token>/", invitation_accept, name="invitation_accept"),
]
