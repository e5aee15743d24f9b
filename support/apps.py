from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"

    def ready(self) -> None:
        from crm.core.customfields import register_custom_field_model
        from crm.core.models import ObjectType

        from .tickets.models import Ticket

        register_custom_field_model(ObjectType.TICKET, Ticket)

        from . import contact_hooks  # merges move inquiries; purges detach them

        contact_hooks.register()

        # Each part plugs in its ticket hooks, widgets, panels and seeders (one module each).
        from .csat import wiring as csat_wiring
        from .insights import wiring as insights_wiring
        from .kb import wiring as kb_wiring
        from .mail import wiring as mail_wiring
        from .replies import wiring as replies_wiring
        from .sla import wiring as sla_wiring
        from .tickets import wiring as tickets_wiring
        from .webforms import wiring as webforms_wiring

        for module in (
            tickets_wiring,
            sla_wiring,
            mail_wiring,
            replies_wiring,
            webforms_wiring,
            kb_wiring,
            csat_wiring,
            insights_wiring,
        ):
            module.register()
