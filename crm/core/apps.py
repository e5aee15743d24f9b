from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = "CRM core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import checks, db  # noqa: F401  (registers system checks)
        from .api import schema  # noqa: F401  (registers the OpenAPI extensions)

        connection_created.connect(db.install_tenant_wrapper)
        post_migrate.connect(db.install_row_level_security, sender=self)
