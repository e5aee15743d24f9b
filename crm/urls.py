from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm.core.permissions import public
from crm.core.views import shell

urlpatterns = [
    path("", shell.home, name="home"),
    path("welcome/", shell.no_tenant, name="no_tenant"),
    path("tenants/switch/", shell.switch_tenant, name="switch_tenant"),
    path("healthz", shell.healthz, name="healthz"),
    path("dev/mail/", shell.dev_mail, name="dev_mail"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("", include("crm.core.urls")),
    path("", include(("crm.core.dashboards.urls", "dashboards"))),
    path("settings/", include(("crm.core.urls_settings", "settings"))),
    path("contacts/", include(("contacts.urls", "contacts"))),
    path("sales/", include(("sales.urls", "sales"))),
    path("support/", include(("support.urls", "support"))),
    path("portal/<slug:tenant_slug>/", include(("support.public_urls", "portal"))),
    path("api/v1/", include("crm.api_urls")),
    path("api/schema/", public(SpectacularAPIView.as_view()), name="schema"),
    path(
        "api/docs/", public(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"
    ),
]
