from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = "CRM core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import checks, db  # noqa: F401  (registers system checks)
        from .api import schema  # noqa: F401  (registers the OpenAPI extensions)
        from .middleware import session_refreshed_on_login

        # A login saves the session anyway: it counts as the idle clock's latest restart.
        user_logged_in.connect(session_refreshed_on_login, dispatch_uid="crm-session-refresh")
        connection_created.connect(db.install_tenant_wrapper)
        # Cached per-tenant lists (crm.core.tenantcache) follow changes of users' names.
        from . import tenantcache

        tenantcache.connect_user_changes()
        from .customfields import register_shown_definitions

        register_shown_definitions()
        post_migrate.connect(db.install_row_level_security, sender=self)
