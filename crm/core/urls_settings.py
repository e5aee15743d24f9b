"""The admin settings area: /settings/... (namespace "settings").

Each area keeps its routes in its own module; route names used by the navigation:
users, logins, tenant (accounts) · customfields (custom fields) · apikeys, audit."""

from django.urls import include, path

urlpatterns = [
    path("", include("crm.core.views.settings_accounts")),
    path("custom-fields/", include("crm.core.views.settings_customfields")),
    path("", include("crm.core.views.settings_apikeys_audit")),
    path("cti/", include("contacts.cti.urls")),
]
