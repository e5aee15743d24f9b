from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"

    def ready(self) -> None:
        from . import contact_hooks

        contact_hooks.register()

        from contacts.panels import register_detail_panel
        from crm.core.customfields import register_custom_field_model
        from crm.core.demo import register_seeder
        from crm.core.models import ObjectType

        from .catalog.demo import seed_orders
        from .deals.demo import seed_deals
        from .deals.models import Deal
        from .deals.panels import company_open_deals, contact_open_deals

        register_custom_field_model(ObjectType.DEAL, Deal)
        register_seeder("sales_deals", seed_deals, order=20)
        register_seeder("sales_orders", seed_orders, order=30)
        register_detail_panel(
            on="contact",
            key="open_deals",
            template="sales/partials/open_deals_panel.html",
            context=contact_open_deals,
            perm="sales.view",
            order=10,
        )
        register_detail_panel(
            on="company",
            key="open_deals",
            template="sales/partials/open_deals_panel.html",
            context=company_open_deals,
            perm="sales.view",
            order=10,
        )

        from .catalog import wiring  # orders from won deals, purchases panel, import task

        wiring.register()

        # Dashboard widgets, one module per part of sales (crm.core.dashboards).
        from .activities import tasks as activity_tasks  # noqa: F401  (Celery finds them)
        from .activities import widgets as activity_widgets
        from .deals import widgets as deal_widgets
        from .forecast import widgets as forecast_widgets
        from .reports import tasks as report_tasks  # noqa: F401
        from .reports import widgets as report_widgets

        for module in (deal_widgets, activity_widgets, report_widgets, forecast_widgets):
            module.register()
