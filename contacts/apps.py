from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self) -> None:
        from crm.core.demo import register_seeder

        from .demo import seed_contacts

        register_seeder("contacts", seed_contacts, order=10)
